"""Adapters translate platform updates into neutral events and render neutral replies."""
