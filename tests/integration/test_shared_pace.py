"""Two instances of one bot, each with its own connections to PostgreSQL, share the bot's
Telegram rate: together they never send more than 30 messages in a second."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select

from bot.ratelimit import TELEGRAM, RateLimiter
from storage.db import Database
from storage.models import SendSlot
from storage.pace import SharedPace, bucket_for
from tests.conftest import POSTGRES_URL, _reset_postgres

pytestmark = pytest.mark.skipif(not POSTGRES_URL, reason="ENTRAIDE_TEST_POSTGRES_URL is not set")

SENDS_EACH = 40


@pytest.fixture
async def databases() -> AsyncIterator[list[Database]]:
    """One database handle per instance: separate pools, as in separate processes."""
    assert POSTGRES_URL is not None
    await _reset_postgres(POSTGRES_URL)
    handles = [Database(POSTGRES_URL), Database(POSTGRES_URL)]
    await handles[0].upgrade()
    yield handles
    for handle in handles:
        await handle.dispose()


async def _send_all(limiters: list[RateLimiter]) -> list[float]:
    """Each limiter sends to its own chats as fast as allowed; the sending moments, in order."""
    moments: list[float] = []

    async def instance(number: int, limiter: RateLimiter) -> None:
        for n in range(SENDS_EACH):
            await limiter.acquire(f"{number}-{n}")
            moments.append(time.monotonic())

    await asyncio.gather(*(instance(n, limiter) for n, limiter in enumerate(limiters)))
    return sorted(moments)


def _busiest_second(moments: list[float]) -> int:
    """The most sends within one second."""
    return max(
        sum(1 for later in moments[i:] if later - start < 1.0) for i, start in enumerate(moments)
    )


async def test_instances_sharing_the_pace_stay_under_the_bot_rate(
    databases: list[Database],
) -> None:
    bucket = bucket_for("telegram", "123456:secret")
    shared = [
        RateLimiter(TELEGRAM, shared=SharedPace(db, bucket, TELEGRAM.per_second or 30))
        for db in databases
    ]
    moments = await _send_all(shared)
    # Slots are 1/30 s apart, so 31 sends span exactly one second and a timer woken a little
    # late shows 31; a pause of the test process (a busy machine) can make it 32.
    assert _busiest_second(moments) <= 32
    slowest_pace = (len(moments) - 1) / 30
    assert moments[-1] - moments[0] >= slowest_pace - 0.1, "on average, at most 30 a second"

    alone = await _send_all([RateLimiter(TELEGRAM) for _ in databases])
    assert _busiest_second(alone) > 40, "without it, each instance would send 30"
    assert alone[-1] - alone[0] < slowest_pace - 0.5


async def test_the_database_never_holds_the_token(databases: list[Database]) -> None:
    bucket = bucket_for("telegram", "123456:secret")
    assert "secret" not in bucket
    await SharedPace(databases[0], bucket, 30).reserve()
    async with databases[0].read() as session:
        buckets = (await session.execute(select(SendSlot.bucket))).scalars().all()
    assert buckets == [bucket]
