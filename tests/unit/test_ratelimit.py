"""The send pacer on a fake clock: the bot-wide rate, one message a second per chat, 20 a
minute per group, and the pause a platform asks for."""

from __future__ import annotations

import asyncio
import itertools

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
