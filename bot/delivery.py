"""Drains the outbox for one platform: each queued message is sent once, paced to the
platform's limits, retried with back-off on passing errors, and given up on when the person
cannot be reached."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import timedelta
from types import TracebackType

from bot.clock import Clock
from bot.envelope import reply_from_json
from bot.loops import repeat
from bot.metrics import Metrics
from bot.ratelimit import UNLIMITED, RateLimiter
from bot.retry import Backoff
from bot.types import Outgoing, Platform
from storage.db import again_if_lost
from storage.outbox import DeliveryStatus, OutboxRecord, OutboxRepository, Settled

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=2)
"""How long a claimed batch is ours; a batch is sized to take a few seconds at most."""
BACKOFF = Backoff(first=timedelta(seconds=30), attempts=6)
RATE_LIMITED_TRIES = 3
"""Tries within one claim when the platform answers 429, each after its ``retry_after``."""
SETTLE_EVERY = 0.02
"""Seconds between writes of delivery results: what a crash could send twice is bounded by
what was sent in that time (plus the sends under way)."""
BATCH_SECONDS = 2.0
"""A claim holds about this much sending at the platform's rate."""
MAX_BATCH = 500
LEASE_MARGIN = 0.8
"""Share of the lease after which claimed messages are given back instead of sent."""


class Unreachable(Exception):
    """The recipient blocked the bot, left, or does not accept private messages."""


class RateLimited(Exception):
    """The platform refused the message for now and said when to try again."""

    def __init__(self, retry_after: float) -> None:
        super().__init__(f"rate limited, retry after {retry_after:g} s")
        self.retry_after = retry_after


Send = Callable[[Outgoing], Awaitable[str | None]]
"""An adapter's way to deliver a message, returning the platform's id of the (last) message
sent if it has one; raises :class:`Unreachable`, :class:`RateLimited` or any passing error."""


class Delivery:
    """Sends the outbox's messages for one platform (optionally one chat) through ``send``."""

    def __init__(
        self,
        outbox: OutboxRepository,
        clock: Clock,
        platform: Platform,
        send: Send,
        *,
        worker: str,
        limiter: RateLimiter | None = None,
        chat_id: str | None = None,
        concurrency: int = 1,
        lanes: int = 1,
        lease: timedelta = LEASE,
        backoff: Backoff = BACKOFF,
        settle_every: float = SETTLE_EVERY,
        metrics: Metrics | None = None,
    ) -> None:
        self._outbox = outbox
        self._clock = clock
        self._platform = platform
        self._send = send
        self._worker = worker
        self._limiter = limiter or RateLimiter(UNLIMITED)
        self._chat_id = chat_id
        self._concurrency = max(concurrency, 1)
        self.lanes = max(lanes, 1)
        """Batches worked on at once (see :meth:`run`): while one is claimed or settled,
        another is sending, so the platform's rate is used in full."""
        self._lease = lease
        self._backoff = backoff
        self._settle_every = settle_every
        self._metrics = metrics

    @property
    def batch(self) -> int:
        """How many messages one claim takes: a couple of seconds' worth at the rate cap,
        shared by the lanes."""
        rate = self._limiter.limits.per_second
        if rate is None:
            return MAX_BATCH
        return max(5, min(MAX_BATCH, int(rate * BATCH_SECONDS / self.lanes)))

    async def drain(self, limit: int | None = None, *, lane: int = 0) -> int:
        """Send one batch of what is due now; returns how many messages were delivered.
        Each lane claims under its own name, so that lanes never settle each other's rows."""
        claimer = f"{self._worker[-56:]}/{lane}" if lane else self._worker
        claimed = await self._outbox.claim(
            claimer,
            self._platform.value,
            self._lease,
            chat_id=self._chat_id,
            limit=limit or self.batch,
        )
        if not claimed:
            return 0
        deadline = time.monotonic() + self._lease.total_seconds() * LEASE_MARGIN
        gate = asyncio.Semaphore(self._concurrency)
        async with _Settler(self._outbox, claimer, self._settle_every) as settler:

            async def deliver(message: OutboxRecord) -> None:
                async with gate:
                    settler.add(await self._deliver(message, deadline))

            await asyncio.gather(*(deliver(m) for m in claimed))
        return settler.sent

    async def run(self, stop: asyncio.Event, idle: float = 2.0) -> None:
        """Deliver until ``stop`` is set, in ``lanes`` loops sharing the pacing; a loop that
        finds nothing to send looks again after ``idle`` seconds."""

        def lane(number: int) -> Callable[[], Awaitable[int]]:
            return lambda: self.drain(lane=number)

        await asyncio.gather(
            *(repeat(stop, lane(n), idle, f"delivery lane {n}") for n in range(self.lanes))
        )

    async def _deliver(self, message: OutboxRecord, deadline: float) -> Settled:
        outcome = await self._attempt(message, deadline)
        if self._metrics is not None:
            pending = outcome.status is DeliveryStatus.PENDING
            result = "retried" if pending else outcome.status.value
            self._metrics.deliveries.labels(platform=self._platform.value, result=result).inc()
        return outcome

    async def _timed_send(self, outgoing: Outgoing) -> str | None:
        started = time.perf_counter()
        sent_id = await self._send(outgoing)
        if self._metrics is not None:
            self._metrics.send_seconds.labels(platform=self._platform.value).observe(
                time.perf_counter() - started
            )
        return sent_id

    async def _attempt(self, message: OutboxRecord, deadline: float) -> Settled:
        outgoing = Outgoing(
            platform=self._platform,
            chat_id=message.chat_id,
            locale=message.locale,
            reply=reply_from_json(message.body),
            is_group=message.is_group,
            edit_message_id=message.edit_message_id,
        )
        problem: Exception | None = None
        for _ in range(RATE_LIMITED_TRIES):
            await self._limiter.acquire(message.chat_id, group=message.is_group)
            if time.monotonic() > deadline:
                # Our claim is about to run out: another worker may take the message now,
                # so give it back unsent rather than risk sending it twice.
                return Settled(
                    message.id, DeliveryStatus.PENDING, "lease ran out", self._clock.now()
                )
            try:
                sent_id = await self._timed_send(outgoing)
            except RateLimited as exc:
                log.warning("rate limited on %s: %s", self._platform.value, exc)
                self._limiter.pause(exc.retry_after, message.chat_id)
                problem = exc
                continue
            except Unreachable as exc:
                log.info("recipient of %s unreachable: %s", message.key, exc)
                return Settled(message.id, DeliveryStatus.UNREACHABLE, str(exc))
            except Exception as exc:
                problem = exc
                break
            return Settled(message.id, DeliveryStatus.SENT, sent_id=sent_id)
        return self._failed(message, problem)

    def _failed(self, message: OutboxRecord, problem: Exception | None) -> Settled:
        error = f"{type(problem).__name__}: {problem}"
        delay = self._backoff.delay(message.attempts)
        if delay is None:
            log.error("giving up on %s after %s tries: %s", message.key, message.attempts, error)
            return Settled(message.id, DeliveryStatus.FAILED, error)
        log.warning("%s not sent (try %s): %s", message.key, message.attempts, error)
        return Settled(message.id, DeliveryStatus.PENDING, error, self._clock.now() + delay)


class _Settler:
    """Collects delivery results and writes them in small batches, every ``every`` seconds
    and once more at the end. A write under way is never interrupted: results handed to it
    are recorded or, if the database fails, left to their lease."""

    def __init__(self, outbox: OutboxRepository, worker: str, every: float) -> None:
        self._outbox = outbox
        self._worker = worker
        self._every = every
        self._waiting: list[Settled] = []
        self._done = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.sent = 0

    def add(self, outcome: Settled) -> None:
        self._waiting.append(outcome)
        if outcome.status is DeliveryStatus.SENT:
            self.sent += 1

    async def _flush(self) -> None:
        waiting, self._waiting = self._waiting, []
        if not waiting:
            return
        try:
            await again_if_lost(lambda: self._outbox.settle_many(self._worker, waiting))
        except Exception:
            log.exception("could not record %s deliveries; their leases will run out", len(waiting))

    async def _loop(self) -> None:
        while not self._done.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._done.wait(), timeout=self._every)
            await self._flush()
        await self._flush()  # what was added while the last write was under way

    async def __aenter__(self) -> _Settler:
        self._task = asyncio.create_task(self._loop())
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self._done.set()
        if self._task is not None:
            await self._task
