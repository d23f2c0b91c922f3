"""The durable job table on real databases: idempotent scheduling, leases, exactly-once claims."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import timedelta

import pytest

from bot.clock import ManualClock
from storage.db import Database
from storage.jobs import JobRepository

LEASE = timedelta(minutes=5)


@pytest.fixture
def jobs(db: Database, clock: ManualClock) -> JobRepository:
    return JobRepository(db, clock.now)


async def test_a_job_is_due_only_at_its_time_and_scheduled_once_per_key(
    jobs: JobRepository, clock: ManualClock
) -> None:
    due = clock.now() + timedelta(hours=1)
    assert await jobs.schedule("reminder:1:7", "reminder", due, {"mission": 1})
    assert await jobs.schedule("reminder:1:7", "reminder", due + timedelta(hours=1), {"mission": 1})
    assert await jobs.pending() == 1
    assert await jobs.claim_due("w1", LEASE) == []
    clock.advance(timedelta(hours=1, minutes=30))
    assert await jobs.claim_due("w1", LEASE) == []
    clock.advance(timedelta(minutes=30))
    (job,) = await jobs.claim_due("w1", LEASE)
    assert (job.kind, job.payload, job.attempts) == ("reminder", {"mission": 1}, 1)
    assert await jobs.complete(job.id, "w1")
    assert await jobs.pending() == 0
    assert not await jobs.schedule("reminder:1:7", "reminder", clock.now(), {})


async def test_a_lost_lease_is_claimed_again_and_the_late_worker_cannot_complete(
    jobs: JobRepository, clock: ManualClock
) -> None:
    await jobs.schedule("offer:3:9", "offer_deadline", clock.now())
    (first,) = await jobs.claim_due("w1", LEASE)
    assert await jobs.claim_due("w2", LEASE) == []
    clock.advance(LEASE + timedelta(seconds=1))
    (again,) = await jobs.claim_due("w2", LEASE)
    assert again.id == first.id
    assert again.attempts == 2
    assert not await jobs.complete(first.id, "w1")
    assert await jobs.complete(again.id, "w2")


async def test_retry_and_unschedule(jobs: JobRepository, clock: ManualClock) -> None:
    await jobs.schedule("a", "reminder", clock.now())
    await jobs.schedule("b", "reminder", clock.now())
    (job_a, job_b) = await jobs.claim_due("w1", LEASE)
    await jobs.retry(job_a.id, "w1", clock.now() + timedelta(minutes=10))
    assert await jobs.unschedule("b")
    assert not await jobs.unschedule("b")
    assert not await jobs.complete(job_b.id, "w1")
    assert await jobs.claim_due("w1", LEASE) == []
    clock.advance(timedelta(minutes=10))
    assert [j.key for j in await jobs.claim_due("w1", LEASE)] == ["a"]


async def test_concurrent_workers_handle_each_job_exactly_once(
    jobs: JobRepository, clock: ManualClock
) -> None:
    for n in range(300):
        await jobs.schedule(f"job:{n}", "reminder", clock.now(), {"n": n})
    handled: Counter[str] = Counter()

    async def worker(name: str) -> None:
        while batch := await jobs.claim_due(name, LEASE, limit=7):
            for job in batch:
                handled[job.key] += 1
                assert await jobs.complete(job.id, name)
            await asyncio.sleep(0)

    await asyncio.gather(*(worker(f"w{n}") for n in range(4)))
    assert len(handled) == 300
    assert set(handled.values()) == {1}
    assert await jobs.pending() == 0


async def test_done_jobs_are_forgotten_a_month_later_by_batches(
    jobs: JobRepository, clock: ManualClock
) -> None:
    for n in range(5):
        await jobs.schedule(f"reminder:{n}:7", "reminder", clock.now(), {})
    await jobs.schedule("reminder:9:7", "reminder", clock.now() + timedelta(days=90), {})
    for job in await jobs.claim_due("w1", LEASE):
        assert await jobs.complete(job.id, "w1")
    clock.advance(timedelta(days=10))
    assert await jobs.schedule("reminder:8:7", "reminder", clock.now(), {})
    (job,) = await jobs.claim_due("w1", LEASE)
    assert await jobs.complete(job.id, "w1")
    cutoff = clock.now() - timedelta(days=1)
    assert await jobs.forget_done(cutoff, batch=2) == 5
    assert await jobs.forget_done(cutoff, batch=2) == 0
    assert await jobs.pending() == 1, "a job still to do is kept"
    assert not await jobs.schedule("reminder:8:7", "reminder", clock.now(), {}), "done lately"
    assert await jobs.schedule("reminder:0:7", "reminder", clock.now(), {}), "done long ago"
