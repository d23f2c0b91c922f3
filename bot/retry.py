"""When to try failed work again: exponential back-off, then give up."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta


@dataclass(frozen=True, slots=True)
class Backoff:
    """``first`` after the first failure, doubling each time, ``attempts`` tries in all."""

    first: timedelta
    attempts: int

    def delay(self, attempt: int) -> timedelta | None:
        """How long to wait after failed try number ``attempt`` (from 1); None: give up."""
        if attempt >= self.attempts:
            return None
        factor: int = 2 ** (max(attempt, 1) - 1)
        return self.first * factor
