"""Two instances on one PostgreSQL database share the due jobs and the outbox: each job is done
once, each message reaches its person, and killing one instance part-way loses nothing.

Each instance is a separate process (``instance_child``) running the real worker and delivery;
its "Telegram" is an HTTP sink in this test that notes who sent what. 2,000 reminders are due
(each makes one message) and 2,000 other messages wait in the outbox: 4,000 deliveries.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import sys
import time
from collections import Counter, defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from aiohttp import web
from sqlalchemy import func, select

from bot.envelope import reply_to_json
from bot.types import Msg, Reply
from handlers.missions import REMINDER_JOB
from storage.associations import AssociationRepository
from storage.db import Database
from storage.missions import MissionRepository
from storage.models import OutboxMessage, PlatformIdentity, ScheduledJob, Volunteer
from storage.outbox import DeliveryStatus, NewMessage, OutboxRepository
from storage.records import MissionDraft
from tests.conftest import POSTGRES_URL, _reset_postgres

pytestmark = pytest.mark.skipif(not POSTGRES_URL, reason="ENTRAIDE_TEST_POSTGRES_URL is not set")

ROOT = Path(__file__).resolve().parents[2]
PEOPLE = 2000
MISSIONS = 100
LEASE_SECONDS = 3.0
MESSAGES = 2 * PEOPLE
KILL_AFTER = 600
RECENT = 0.5
"""Seconds before a SIGKILL within which a sent message may not be recorded yet."""
"""Messages the first instance must have sent before it is stopped."""


def now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Sink:
    """Stands for the platform: records every message and who sent it."""

    received: list[tuple[str, int]] = field(default_factory=list)
    """(what, sender's pid) in arrival order; ``what`` is the chat and the message."""
    by_pid: Counter[int] = field(default_factory=Counter)
    arrived_at: dict[tuple[str, int], float] = field(default_factory=dict)
    """When each (what, sender) first arrived, on the monotonic clock."""
    stopped_at: float = 0.0

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.json()
        what = f"{body['chat']}|{json.dumps(body['reply'], sort_keys=True)}"
        self.received.append((what, int(body["pid"])))
        self.arrived_at.setdefault((what, int(body["pid"])), time.monotonic())
        self.by_pid[int(body["pid"])] += 1
        return web.json_response({"message_id": len(self.received)})


@pytest.fixture
async def sink() -> AsyncIterator[tuple[Sink, str]]:
    recorder = Sink()
    application = web.Application()
    application.router.add_post("/send", recorder.handle)
    runner = web.AppRunner(application, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    yield recorder, f"http://127.0.0.1:{port}/send"
    await runner.cleanup()


async def _seed(db: Database) -> None:
    """2,000 people each holding a place, their reminders due now, and 2,000 other messages."""
    association = await AssociationRepository(db, now).create("reseau", "Réseau")
    missions = MissionRepository(db, now)
    start = now() + timedelta(days=2)
    mission_ids = [
        (
            await missions.create(
                association.id,
                MissionDraft(f"Mission {n}", start, start + timedelta(hours=2), 30, city="Lyon"),
                None,
            )
        ).id
        for n in range(MISSIONS)
    ]
    async with db.write() as session:
        people = [
            Volunteer(
                display_name=f"P{n}",
                locale="fr",
                created_at=now(),
                last_seen_at=now(),
                identities=[
                    PlatformIdentity(
                        platform="telegram",
                        platform_user_id=str(1000 + n),
                        created_at=now(),
                        last_used_at=now(),
                    )
                ],
            )
            for n in range(PEOPLE)
        ]
        session.add_all(people)
        await session.flush()
        person_ids = [person.id for person in people]
    places = [(mission_ids[n % MISSIONS], person) for n, person in enumerate(person_ids)]
    for chunk in range(0, PEOPLE, 50):
        await asyncio.gather(
            *(missions.sign_up(association.id, m, p) for m, p in places[chunk : chunk + 50])
        )
    async with db.write() as session:
        session.add_all(
            ScheduledJob(
                key=f"reminder:{mission}:{person}",
                kind=REMINDER_JOB,
                payload={"association": association.id, "mission": mission, "volunteer": person},
                due_at=now(),
                created_at=now(),
            )
            for mission, person in places
        )
    messages = [
        NewMessage(
            f"news:{n}",
            person,
            "telegram",
            str(1000 + n),
            "fr",
            reply_to_json(Reply(text=Msg.text(f"Annonce {n}"))),
        )
        for n, person in enumerate(person_ids)
    ]
    await OutboxRepository(db, now).enqueue_many(messages)


async def _start(database_url: str, sink_url: str) -> asyncio.subprocess.Process:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.integration.instance_child",
        "--db",
        database_url,
        "--sink",
        sink_url,
        "--lease",
        str(LEASE_SECONDS),
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert process.stdout is not None
    line = await asyncio.wait_for(process.stdout.readline(), timeout=60)
    assert line.strip() == b"ready"
    return process


async def _until(condition: Callable[[], Awaitable[bool]], what: str) -> None:
    """Look every 50 ms, for up to two minutes."""
    for _ in range(2400):
        if await condition():
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


async def _left(db: Database) -> tuple[int, int]:
    """Jobs not done and messages not settled."""
    async with db.read() as session:
        jobs = await session.scalar(
            select(func.count(ScheduledJob.id)).where(ScheduledJob.done_at.is_(None))
        )
        pending = await session.scalar(
            select(func.count(OutboxMessage.id)).where(
                OutboxMessage.status == DeliveryStatus.PENDING.value
            )
        )
    return int(jobs or 0), int(pending or 0)


async def _run_two_instances(sink: Sink, sink_url: str, stop_first: signal.Signals) -> int:
    """Seed, start two instances, stop the first part-way with ``stop_first``, let the second
    finish; returns the first one's pid."""
    assert POSTGRES_URL is not None
    await _reset_postgres(POSTGRES_URL)
    db = Database(POSTGRES_URL)
    await db.upgrade()
    try:
        await _seed(db)
        first, second = await asyncio.gather(
            _start(POSTGRES_URL, sink_url), _start(POSTGRES_URL, sink_url)
        )
        try:

            async def both_sent() -> bool:
                return sink.by_pid[first.pid] >= KILL_AFTER and sink.by_pid[second.pid] > 0

            async def all_settled() -> bool:
                return await _left(db) == (0, 0)

            await _until(both_sent, "both instances to send")
            first.send_signal(stop_first)
            sink.stopped_at = time.monotonic()
            await asyncio.wait_for(first.wait(), timeout=30)
            await _until(all_settled, "every job done and every message settled")
            second.send_signal(signal.SIGTERM)
            assert await asyncio.wait_for(second.wait(), timeout=30) == 0
        finally:
            for process in (first, second):
                if process.returncode is None:
                    with contextlib.suppress(ProcessLookupError):
                        process.kill()
                    await process.wait()
        async with db.read() as session:
            statuses = Counter(
                (await session.execute(select(OutboxMessage.status))).scalars().all()
            )
            done = await session.scalar(
                select(func.count(ScheduledJob.id)).where(ScheduledJob.done_at.is_not(None))
            )
        assert statuses == {DeliveryStatus.SENT.value: MESSAGES}, "one row per message"
        assert done == PEOPLE
    finally:
        await db.dispose()
    return first.pid


async def test_two_instances_stopped_part_way_deliver_everything_exactly_once(
    sink: tuple[Sink, str],
) -> None:
    recorder, url = sink
    await _run_two_instances(recorder, url, signal.SIGTERM)
    counts = Counter(what for what, _ in recorder.received)
    assert len(counts) == MESSAGES, "every reminder and every message arrived"
    assert set(counts.values()) == {1}, "nobody got anything twice"


async def test_killing_an_instance_loses_nothing_and_repeats_only_its_sends_under_way(
    sink: tuple[Sink, str],
) -> None:
    recorder, url = sink
    killed = await _run_two_instances(recorder, url, signal.SIGKILL)
    counts = Counter(what for what, _ in recorder.received)
    assert len(counts) == MESSAGES, "every reminder and every message arrived"
    senders: dict[str, list[int]] = defaultdict(list)
    for what, pid in recorder.received:
        senders[what].append(pid)
    repeated = {what: pids for what, pids in senders.items() if len(pids) > 1}
    # A SIGKILL can only repeat what the killed instance had sent without recording it yet:
    # results are written every 20 ms, so only its sends of the last moments before the kill.
    assert all(pids[0] == killed and len(pids) == 2 for pids in repeated.values()), repeated
    ages = [recorder.stopped_at - recorder.arrived_at[what, killed] for what in repeated]
    assert max(ages, default=0.0) < RECENT, sorted(ages)[-5:]


async def test_instances_starting_together_migrate_one_after_the_other() -> None:
    assert POSTGRES_URL is not None
    await _reset_postgres(POSTGRES_URL)
    handles = [Database(POSTGRES_URL) for _ in range(3)]
    try:
        async with asyncio.timeout(60):  # without the lock, they wait on each other forever
            await asyncio.gather(*(handle.upgrade() for handle in handles))
        async with handles[0].read() as session:
            assert await session.scalar(select(func.count(OutboxMessage.id))) == 0
    finally:
        for handle in handles:
            await handle.dispose()
