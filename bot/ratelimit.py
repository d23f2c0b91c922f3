"""Pacing of outgoing messages so that a platform never has to refuse them.

Each platform caps how fast a bot may write: Telegram about 30 messages a second in all, one a
second in one private chat and 20 a minute in one group; Discord 50 requests a second, and five
messages per five seconds in one channel. :class:`RateLimiter` hands out send slots spaced to
respect all three, and stops everything for the time a platform asks after refusing (429
``retry_after``).

One process paces itself alone. Several instances of one bot share its limit through
:class:`SharedSlots` (a row in PostgreSQL, :mod:`storage.pace`): each send also takes the bot's
next slot there, so that all instances together stay under the per-bot rate.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol

log = logging.getLogger(__name__)

GROUP_WINDOW = 60.0
SHARED_FAILURE_LOG_EVERY = 60.0
"""Seconds between two warnings that the shared pace cannot be reached."""


@dataclass(frozen=True, slots=True)
class Limits:
    """A platform's published limits; ``None`` means no limit."""

    per_second: float | None
    chat_interval: float = 0.0
    """Seconds between two messages to the same private chat."""
    group_per_minute: int | None = None


TELEGRAM = Limits(per_second=30.0, chat_interval=1.0, group_per_minute=20)
DISCORD = Limits(per_second=45.0, chat_interval=1.0, group_per_minute=60)
UNLIMITED = Limits(per_second=None)


class SharedSlots(Protocol):
    """The per-bot pace shared by every instance of the bot."""

    async def reserve(self) -> float:
        """Take the bot's next slot; seconds to wait for it."""

    async def push_back(self, seconds: float) -> None:
        """Make every instance wait ``seconds``."""


class RateLimiter:
    """Hands out send slots: ``await limiter.acquire(chat)`` returns when sending is allowed."""

    def __init__(
        self,
        limits: Limits,
        *,
        shared: SharedSlots | None = None,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.limits = limits
        self._shared = shared
        self._shared_pause = 0.0
        """A platform's ``retry_after`` not yet passed on to the other instances."""
        self._shared_failed_at = -SHARED_FAILURE_LOG_EVERY
        self._monotonic = monotonic
        self._sleep = sleep
        self._next_slot = 0.0
        self._paused_until = 0.0
        self._chat_next: dict[str, float] = {}
        self._chat_expiry: deque[tuple[float, str]] = deque()
        """``_chat_next`` entries in time order, so that passed ones are forgotten cheaply."""
        self._group_sends: dict[str, deque[float]] = {}

    def pause(self, seconds: float, chat_id: str | None = None) -> None:
        """Send nothing for ``seconds`` (the platform said ``retry_after``). The refused
        message's chat slot was not used, so its chat may be written to again at once."""
        self._paused_until = max(self._paused_until, self._monotonic() + max(seconds, 0.0))
        if chat_id is not None:
            self._chat_next.pop(chat_id, None)
        if self._shared is not None:
            self._shared_pause = max(self._shared_pause, seconds)

    async def acquire(self, chat_id: str, *, group: bool = False) -> None:
        """Wait for this chat's next allowed slot, reserve it, and return at that moment."""
        limits = self.limits
        while True:
            now = self._monotonic()
            wait = max(self._paused_until, self._chat_next.get(chat_id, 0.0)) - now
            sends = self._group_sends.get(chat_id) if group else None
            if sends is not None and limits.group_per_minute is not None:
                while sends and sends[0] <= now - GROUP_WINDOW:
                    sends.popleft()
                if len(sends) >= limits.group_per_minute:
                    wait = max(wait, sends[0] + GROUP_WINDOW - now)
            if wait > 0:
                await self._sleep(wait)
                continue
            slot = now
            if limits.per_second is not None:
                slot = max(now, self._next_slot)
                self._next_slot = slot + 1.0 / limits.per_second
            self._reserve(chat_id, group, slot)
            if slot > now:
                await self._sleep(slot - now)
            if self._shared is not None:
                await self._take_shared_slot(chat_id)
            return

    async def _take_shared_slot(self, chat_id: str) -> None:
        """Wait for the bot's slot among all its instances. If the shared pace cannot be
        reached, this process's own pacing goes on alone (and the operator is told)."""
        assert self._shared is not None
        try:
            if self._shared_pause:
                seconds, self._shared_pause = self._shared_pause, 0.0
                await self._shared.push_back(seconds)
            wait = await self._shared.reserve()
        except Exception:
            now = self._monotonic()
            if now - self._shared_failed_at >= SHARED_FAILURE_LOG_EVERY:
                self._shared_failed_at = now
                log.warning("the shared send pace is unreachable; pacing this instance alone")
            return
        if wait > 0:
            if self.limits.chat_interval and chat_id in self._chat_next:
                later = self._monotonic() + wait + self.limits.chat_interval
                self._chat_next[chat_id] = max(self._chat_next[chat_id], later)
            await self._sleep(wait)

    def _reserve(self, chat_id: str, group: bool, slot: float) -> None:
        limits = self.limits
        if limits.chat_interval:
            expiry = self._chat_expiry
            while expiry and expiry[0][0] <= slot:
                moment, chat = expiry.popleft()
                if self._chat_next.get(chat) == moment:
                    del self._chat_next[chat]
            self._chat_next[chat_id] = slot + limits.chat_interval
            expiry.append((slot + limits.chat_interval, chat_id))
        if group and limits.group_per_minute is not None:
            self._group_sends.setdefault(chat_id, deque()).append(slot)
