"""Claiming rows for a lease, shared by the job table and the outbox.

A claimed row carries its worker's name and the end of its lease; a row whose lease ran out
(the worker died) can be claimed again. On PostgreSQL, ``FOR UPDATE SKIP LOCKED`` lets several
workers claim at once without waiting on each other; on SQLite the claiming transaction holds
the database's write lock.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TypeVar

from sqlalchemy import ColumnElement, Select, or_, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Leased

Row = TypeVar("Row", bound=Leased)


def claimable(model: type[Leased], now: datetime) -> ColumnElement[bool]:
    """Due now and held by nobody (or by a worker whose lease has run out)."""
    return (model.due_at <= now) & or_(model.claimed_until.is_(None), model.claimed_until <= now)


async def claim(
    session: AsyncSession,
    dialect: str,
    query: Select[Row],
    *,
    worker: str,
    lease: timedelta,
    now: datetime,
) -> list[Row]:
    """Claim the rows ``query`` selects for ``worker`` until ``now + lease``."""
    if dialect == "postgresql":
        query = query.with_for_update(skip_locked=True)
    rows = list((await session.execute(query)).scalars())
    if not rows:
        return rows
    model = type(rows[0])
    until = now + lease
    await session.execute(
        update(model)
        .where(model.id.in_([row.id for row in rows]))  # type: ignore[attr-defined]
        .values(claimed_by=worker, claimed_until=until, attempts=model.attempts + 1)
        .execution_options(synchronize_session=False)
    )
    for row in rows:  # one UPDATE above; the objects only mirror it
        session.expunge(row)
        row.claimed_by = worker
        row.claimed_until = until
        row.attempts += 1
    return rows
