"""Per-person flood limits: a burst of messages gets one polite "slow down", not a reply each."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from enum import StrEnum

FORGET_AFTER = 1000
"""Past this many people tracked, those quiet for a whole window are forgotten."""


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
        self._warned: set[str] = set()

    def check(self, who: str) -> Verdict:
        """Count one event of ``who`` and say whether to answer it."""
        now = self._monotonic()
        recent = self._seen.setdefault(who, deque())
        while recent and now - recent[0] >= self._window:
            recent.popleft()
        if len(recent) >= self._burst:
            if who in self._warned:
                return Verdict.DROP
            self._warned.add(who)
            return Verdict.WARN
        self._warned.discard(who)
        recent.append(now)
        if len(self._seen) > FORGET_AFTER:
            self._forget(now)
        return Verdict.PASS

    def _forget(self, now: float) -> None:
        quiet = [
            k for k, times in self._seen.items() if not times or now - times[-1] >= self._window
        ]
        for key in quiet:
            del self._seen[key]
            self._warned.discard(key)
