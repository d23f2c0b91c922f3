"""Per-person flood limits: a burst of messages gets one polite "slow down", not a reply each."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from enum import StrEnum


class Verdict(StrEnum):
    """What to do with one event."""

    PASS = "pass"
    WARN = "warn"
    """Over the limit for the first time in this burst: say "slow down" once."""
    DROP = "drop"
    """Still over the limit: answer nothing."""


class FloodGate:
    """At most ``burst`` events per person in any ``window`` seconds."""

    def __init__(
        self, burst: int, window: float, monotonic: Callable[[], float] = time.monotonic
    ) -> None:
        if burst < 1 or window <= 0:
            raise ValueError("a flood limit needs a positive burst and window")
        self._burst = burst
        self._window = window
        self._monotonic = monotonic
        self._seen: dict[str, deque[float]] = {}
        """Each person's recent events, the person heard from longest ago first."""
        self._warned: set[str] = set()

    def check(self, who: str) -> Verdict:
        """Count one event of ``who`` and say whether to answer it."""
        now = self._monotonic()
        self._forget_quiet(now)
        recent = self._seen.pop(who, None) or deque()
        self._seen[who] = recent  # now the latest heard from
        while recent and now - recent[0] >= self._window:
            recent.popleft()
        if len(recent) >= self._burst:
            if who in self._warned:
                return Verdict.DROP
            self._warned.add(who)
            return Verdict.WARN
        self._warned.discard(who)
        recent.append(now)
        return Verdict.PASS

    def _forget_quiet(self, now: float) -> None:
        """Forget the people quiet for a whole window. They are the first in ``_seen``, so
        this stops at the first one still active: a few steps an event, however many people
        write."""
        while self._seen:
            who = next(iter(self._seen))
            times = self._seen[who]
            if times and now - times[-1] < self._window:
                return
            del self._seen[who]
            self._warned.discard(who)
