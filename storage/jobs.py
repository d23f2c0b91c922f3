"""A durable job table: timed work claimed by exactly one worker at a time.

On PostgreSQL, due rows are claimed with ``FOR UPDATE SKIP LOCKED`` so that several workers (or
several instances) share the load without waiting on each other; on SQLite the claiming
transaction holds the database's write lock. A claim is a lease: a job whose worker died before
completing it becomes due again when the lease runs out, so work is never lost (it may run again
after a crash, which is why job handlers must be idempotent).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, delete, func, select, update
from sqlalchemy.exc import IntegrityError

from storage.db import Database, delete_by_batches
from storage.leases import claim, claimable
from storage.models import ScheduledJob
from storage.records import JobRecord


def _record(row: ScheduledJob) -> JobRecord:
    return JobRecord(
        id=row.id,
        key=row.key,
        kind=row.kind,
        payload=dict(row.payload),
        due_at=row.due_at,
        attempts=row.attempts,
    )


_BY_KEY = select(ScheduledJob).where(ScheduledJob.key == bindparam("key"))
"""A job by its key (each sign-up schedules its reminder: built once)."""


class JobRepository:
    """Schedule, claim, complete and retry timed work."""

    def __init__(self, db: Database, now: Callable[[], datetime]) -> None:
        self._db = db
        self._now = now

    async def schedule(
        self, key: str, kind: str, due_at: datetime, payload: dict[str, Any] | None = None
    ) -> bool:
        """Schedule a job once per ``key``; a pending job with that key is moved to the new
        time. Returns False when the key's job has already been done."""
        try:
            async with self._db.write(savepoint=True) as session:
                row = (await session.execute(_BY_KEY, {"key": key})).scalar_one_or_none()
                if row is not None:
                    if row.done_at is not None:
                        return False
                    row.due_at = due_at
                    row.payload = payload or {}
                    row.claimed_by = None
                    row.claimed_until = None
                    return True
                session.add(
                    ScheduledJob(
                        key=key,
                        kind=kind,
                        payload=payload or {},
                        due_at=due_at,
                        attempts=0,
                        created_at=self._now(),
                    )
                )
        except IntegrityError:
            # Scheduled concurrently under the same key: the other one stands.
            return True
        return True

    async def unschedule(self, key: str) -> bool:
        """Drop a pending job (a cancelled sign-up's reminder, say)."""
        async with self._db.write() as session:
            result = await session.execute(
                delete(ScheduledJob).where(ScheduledJob.key == key, ScheduledJob.done_at.is_(None))
            )
            return bool(getattr(result, "rowcount", 0))

    async def claim_due(self, worker: str, lease: timedelta, limit: int = 50) -> list[JobRecord]:
        """Claim up to ``limit`` due jobs, oldest due first, for ``lease``."""
        now = self._now()
        async with self._db.write() as session:
            query = (
                select(ScheduledJob)
                .where(ScheduledJob.done_at.is_(None), claimable(ScheduledJob, now))
                .order_by(ScheduledJob.due_at, ScheduledJob.id)
                .limit(limit)
            )
            rows = await claim(
                session, self._db.dialect, query, worker=worker, lease=lease, now=now
            )
            return [_record(r) for r in rows]

    async def complete(self, job_id: int, worker: str) -> bool:
        """Mark a claimed job done; False if the claim was lost (the lease ran out and another
        worker took it)."""
        async with self._db.write() as session:
            result = await session.execute(
                update(ScheduledJob)
                .where(
                    ScheduledJob.id == job_id,
                    ScheduledJob.claimed_by == worker,
                    ScheduledJob.done_at.is_(None),
                )
                .values(done_at=self._now(), claimed_until=None)
            )
            return bool(getattr(result, "rowcount", 0))

    async def retry(self, job_id: int, worker: str, at: datetime) -> None:
        """Give a claimed job back, due again at ``at`` (after a passing failure)."""
        async with self._db.write() as session:
            await session.execute(
                update(ScheduledJob)
                .where(ScheduledJob.id == job_id, ScheduledJob.claimed_by == worker)
                .values(due_at=at, claimed_by=None, claimed_until=None)
            )

    async def forget_done(self, before: datetime, batch: int = 1000) -> int:
        """Delete the jobs done before ``before``; returns how many. A done job is kept so
        that the same work is not scheduled again soon after (a reminder already sent); a
        month later, what it was about (a mission, a request for help) is past."""
        done = select(ScheduledJob.id).where(ScheduledJob.done_at < before)
        return await delete_by_batches(self._db, done.order_by(ScheduledJob.done_at), batch)

    async def pending(self) -> int:
        """How many jobs are not done yet."""
        async with self._db.read() as session:
            count = await session.execute(
                select(func.count(ScheduledJob.id)).where(ScheduledJob.done_at.is_(None))
            )
            return int(count.scalar_one())
