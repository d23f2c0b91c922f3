"""Runs timed work from the job table (reminders...) and periodic sweeps (expired offers...)."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import timedelta

from bot.dispatcher import JobHandler, Sweep
from bot.retry import Backoff
from bot.services import Services

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=5)
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
    ) -> None:
        self._services = services
        self._handlers = handlers
        self._sweeps = sweeps
        self.name = name

    async def tick(self) -> int:
        """Run the sweeps, then every job due now; returns how many jobs were done."""
        for sweep in self._sweeps:
            try:
                await sweep(self._services)
            except Exception:
                log.exception("sweep %s failed", getattr(sweep, "__name__", sweep))
        jobs = self._services.jobs
        done = 0
        for job in await jobs.claim_due(self.name, LEASE):
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
