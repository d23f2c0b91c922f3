"""Time, injectable so that tests can move it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    """Gives the current time, timezone-aware in UTC."""

    def now(self) -> datetime:
        """The current instant."""
        ...


class SystemClock:
    """The real time."""

    def now(self) -> datetime:
        """The current instant."""
        return datetime.now(UTC)


class ManualClock:
    """A clock that only moves when told to (tests, demos)."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("ManualClock needs a timezone-aware start")
        self._now = start.astimezone(UTC)

    def now(self) -> datetime:
        """The current instant."""
        return self._now

    def advance(self, delta: timedelta) -> None:
        """Move time forward."""
        self._now += delta

    def set(self, moment: datetime) -> None:
        """Jump to a moment."""
        self._now = moment.astimezone(UTC)
