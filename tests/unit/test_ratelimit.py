"""The send pacer on a fake clock: the bot-wide rate, one message a second per chat, 20 a
minute per group, and the pause a platform asks for."""

from __future__ import annotations

import asyncio
import itertools

import pytest

from bot.ratelimit import TELEGRAM, Limits, RateLimiter


class FakeTime:
    """A monotonic clock that only moves when someone sleeps."""

    def __init__(self) -> None:
        self.now = 0.0

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds
        await asyncio.sleep(0)


def limiter(limits: Limits, time: FakeTime) -> RateLimiter:
    return RateLimiter(limits, monotonic=time.monotonic, sleep=time.sleep)


async def test_the_bot_wide_rate_is_never_exceeded() -> None:
    time = FakeTime()
    pacer = limiter(TELEGRAM, time)
    moments = []
    for n in range(90):
        await pacer.acquire(f"chat{n}")
        moments.append(time.now)
    gaps = [b - a for a, b in itertools.pairwise(moments)]
    assert min(gaps) >= 1 / 30 - 1e-9
    assert moments[-1] >= 89 / 30 - 1e-9
    assert moments[-1] < 3.0 + 1e-9


async def test_one_message_a_second_in_one_private_chat() -> None:
    time = FakeTime()
    pacer = limiter(TELEGRAM, time)
    await pacer.acquire("marie")
    await pacer.acquire("paul")
    assert time.now < 0.1
    await pacer.acquire("marie")
    assert time.now >= 1.0


async def test_twenty_a_minute_in_a_group() -> None:
    time = FakeTime()
    pacer = limiter(Limits(per_second=None, group_per_minute=20), time)
    for _ in range(20):
        await pacer.acquire("group", group=True)
    assert time.now == 0.0
    await pacer.acquire("group", group=True)
    assert time.now >= 60.0


async def test_a_platforms_retry_after_stops_everything_for_that_long() -> None:
    time = FakeTime()
    pacer = limiter(TELEGRAM, time)
    await pacer.acquire("a")
    pacer.pause(7)
    await pacer.acquire("b")
    assert time.now >= 7.0


async def test_a_refused_message_does_not_use_up_its_chats_slot() -> None:
    time = FakeTime()
    pacer = limiter(TELEGRAM, time)
    await pacer.acquire("marie")
    pacer.pause(0.2, "marie")
    await pacer.acquire("marie")
    assert 0.2 <= time.now < 1.0


class SharedSchedule:
    """What PostgreSQL keeps for several instances of one bot, on the fake clock."""

    def __init__(self, time: FakeTime, per_second: float) -> None:
        self.time = time
        self.interval = 1 / per_second
        self.next_free = 0.0
        self.pushed: list[float] = []
        self.broken = False

    async def reserve(self) -> float:
        if self.broken:
            raise ConnectionError("database unreachable")
        slot = max(self.next_free, self.time.now)
        self.next_free = slot + self.interval
        return slot - self.time.now

    async def push_back(self, seconds: float) -> None:
        self.pushed.append(seconds)
        self.next_free = max(self.next_free, self.time.now + seconds)


async def test_a_refusal_makes_every_instance_wait_and_a_lost_database_leaves_local_pacing(
    caplog: pytest.LogCaptureFixture,
) -> None:
    time = FakeTime()
    shared = SharedSchedule(time, 30)
    first = RateLimiter(TELEGRAM, shared=shared, monotonic=time.monotonic, sleep=time.sleep)
    second = RateLimiter(TELEGRAM, shared=shared, monotonic=time.monotonic, sleep=time.sleep)
    await first.acquire("marie")
    first.pause(5.0, "marie")
    await first.acquire("paul")  # passes the pause on, then waits for it
    assert shared.pushed == [5.0]
    assert time.now >= 5.0
    await second.acquire("lea")
    assert time.now >= 5.0
    shared.broken = True
    before = time.now
    for n in range(3):
        await second.acquire(f"chat{n}")
    assert time.now - before < 1.0, "sending goes on at this instance's own pace"
    warnings = [r for r in caplog.records if "shared send pace" in r.getMessage()]
    assert len(warnings) == 1
