"""Runs timed work from the job table (reminders...) and periodic sweeps (expired offers...)."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import timedelta

from bot.dispatcher import JobHandler, Sweep
from bot.retry import Backoff
from bot.services import Services
from storage.db import lost_connection
from storage.records import JobRecord

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=5)
BATCH = 50
MAX_BATCHES = 20
"""Batches of due jobs run in one tick before the sweeps get their turn again."""
BACKOFF = Backoff(first=timedelta(minutes=1), attempts=5)


class Worker:
    """Claims due jobs and hands each to the handler registered for its kind."""

    def __init__(
        self,
        services: Services,
        handlers: Mapping[str, JobHandler],
        sweeps: Sequence[Sweep],
        *,
        name: str,
        lease: timedelta = LEASE,
    ) -> None:
        self._services = services
        self._handlers = handlers
        self._sweeps = sweeps
        self.name = name
        self._lease = lease

    async def tick(self) -> int:
        """Run the sweeps, then the jobs due now (a burst of them in batches, so that a
        thousand reminders due at once do not wait for later ticks); returns how many were
        done."""
        for sweep in self._sweeps:
            try:
                await sweep(self._services)
            except Exception as error:
                name = getattr(sweep, "__name__", sweep)
                if lost_connection(error):
                    log.warning("sweep %s: database connection lost; again at the next tick", name)
                else:
                    log.exception("sweep %s failed", name)
        done = 0
        for _ in range(MAX_BATCHES):
            batch = await self._services.jobs.claim_due(self.name, self._lease, BATCH)
            if not batch:
                break
            done += await self._run(batch)
        return done

    async def _run(self, batch: Sequence[JobRecord]) -> int:
        jobs = self._services.jobs
        done = 0
        for job in batch:
            handler = self._handlers.get(job.kind)
            if handler is None:
                log.error("no handler for job %s of kind %r; dropping it", job.key, job.kind)
                await jobs.complete(job.id, self.name)
                continue
            try:
                await handler(self._services, job)
            except Exception:
                log.exception("job %s (%s) failed, try %s", job.key, job.kind, job.attempts)
                delay = BACKOFF.delay(job.attempts)
                if delay is None:
                    await jobs.complete(job.id, self.name)
                else:
                    await jobs.retry(job.id, self.name, self._services.clock.now() + delay)
                continue
            await jobs.complete(job.id, self.name)
            done += 1
        return done
