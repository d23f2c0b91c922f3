"""Persistence: SQLAlchemy models, repositories speaking domain terms, migrations."""
