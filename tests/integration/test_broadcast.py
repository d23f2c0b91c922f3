"""Broadcasts on real databases: queued once per person even when queueing is interrupted,
delivered once when several workers share the load, retried with back-off on passing errors,
paused on 429 ``retry_after``, and given up on (unreachable) on 403."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import timedelta

import pytest

from bot.clock import ManualClock
from bot.delivery import BACKOFF, Delivery, RateLimited, Unreachable
from bot.types import Outgoing, Platform
from bot.wiring import App
from handlers import announce
from storage.announcements import ReportTo
from storage.outbox import DeliveryStatus, Settled
from storage.records import AnnouncementRecord, Audience, AudienceKind, JobRecord, Role


async def broadcast(app: App, people: int, text: str = "Collecte samedi") -> AnnouncementRecord:
    """``people`` subscribed volunteers and a confirmed announcement to all of them."""
    services = app.services
    association = await services.associations.create("asso", "Asso")
    coordinator = await services.volunteers.identify("console", "coord", "Claire")
    await services.associations.join(coordinator.id, association.id, Role.COORDINATOR)
    for n in range(people):
        person = await services.volunteers.identify("console", f"v{n}", None)
        await services.subscriptions.subscribe_all(person.id, association.id)
    created = await services.announcements.create(
        "coord:draft",
        association_id=association.id,
        created_by=coordinator.id,
        text=text,
        audience=Audience(AudienceKind.ALL),
        audience_label="",
        post_in_groups=False,
        report_to=ReportTo("console", "coord", None),
    )
    assert created is not None
    return created


def job(announcement: AnnouncementRecord) -> JobRecord:
    return JobRecord(
        id=0,
        key="k",
        kind=announce.QUEUE_JOB,
        payload={"id": announcement.id},
        due_at=announcement.created_at,
        attempts=1,
    )


async def test_queueing_resumes_after_a_crash_without_doubling_anyone(
    app_any_db: App, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = app_any_db
    created = await broadcast(app, 25)
    monkeypatch.setattr(announce, "QUEUE_BATCH", 10)
    real_advance = app.services.announcements.advance
    calls = 0

    async def crash_after_the_second_batch(announcement_id: int, cursor: int) -> None:
        nonlocal calls
        calls += 1
        if calls == 2:
            raise RuntimeError("process killed")
        await real_advance(announcement_id, cursor)

    monkeypatch.setattr(app.services.announcements, "advance", crash_after_the_second_batch)
    with pytest.raises(RuntimeError):
        await announce.queue_job(app.services, job(created))
    counts = await app.services.outbox.announcement_counts(created.id)
    assert counts[DeliveryStatus.PENDING] == 20, "two batches were written before the crash"
    await announce.queue_job(app.services, job(created))
    counts = await app.services.outbox.announcement_counts(created.id)
    assert counts[DeliveryStatus.PENDING] == 25
    await announce.queue_job(app.services, job(created))  # a late duplicate run does nothing
    assert sum((await app.services.outbox.announcement_counts(created.id)).values()) == 25


async def test_two_workers_share_a_broadcast_and_send_each_message_once(
    app_any_db: App,
) -> None:
    app = app_any_db
    created = await broadcast(app, 60)
    await announce.queue_job(app.services, job(created))
    received: list[str] = []

    async def send(outgoing: Outgoing) -> None:
        await asyncio.sleep(0.001)
        received.append(outgoing.chat_id)

    outbox, clock = app.services.outbox, app.services.clock
    first, second = (
        Delivery(outbox, clock, Platform.CONSOLE, send, worker=name, concurrency=4)
        for name in ("worker-1", "worker-2")
    )
    while True:
        sent = await asyncio.gather(first.drain(limit=7), second.drain(limit=7))
        if not any(sent):
            break
    assert sorted(received) == sorted(f"v{n}" for n in range(60))


async def test_passing_errors_back_off_429_waits_and_403_gives_up(
    app_any_db: App, clock: ManualClock
) -> None:
    app = app_any_db
    created = await broadcast(app, 4)
    await announce.queue_job(app.services, job(created))
    failures = {"v0": 2}
    throttled = {"v1": 1}
    tries: dict[str, int] = {}

    async def send(outgoing: Outgoing) -> None:
        chat = outgoing.chat_id
        tries[chat] = tries.get(chat, 0) + 1
        if failures.get(chat, 0) > 0:
            failures[chat] -= 1
            raise ConnectionError("network down")
        if throttled.get(chat, 0) > 0:
            throttled[chat] -= 1
            raise RateLimited(retry_after=0.05)
        if chat == "v2":
            raise Unreachable("Forbidden: bot was blocked by the user")

    delivery = app.delivery(Platform.CONSOLE, send)
    assert await delivery.drain() == 2, "v1 after its retry_after, v3 at once"
    assert tries["v1"] == 2
    assert await delivery.drain() == 0, "v0 waits for its back-off"
    clock.advance(BACKOFF.first)
    assert await delivery.drain() == 0, "second failure: the wait doubles"
    clock.advance(BACKOFF.first)
    assert await delivery.drain() == 0
    clock.advance(BACKOFF.first)
    assert await delivery.drain() == 1
    assert tries == {"v0": 3, "v1": 2, "v2": 1, "v3": 1}
    counts = await app.services.outbox.announcement_counts(created.id)
    assert counts[DeliveryStatus.SENT] == 3
    assert counts[DeliveryStatus.UNREACHABLE] == 1
    volunteers = app.services.volunteers
    people = await app.services.subscriptions.recipients(
        created.association_id, created.audience, after=0, limit=10
    )
    reach = {c.chat_id: c.reachable for c in (await volunteers.contacts(people)).values()}
    assert reach == {"v0": True, "v1": True, "v2": False, "v3": True}
    await volunteers.identify("console", "v2", None)  # v2 unblocked the bot and wrote
    reach = {c.chat_id: c.reachable for c in (await volunteers.contacts(people)).values()}
    assert reach["v2"]


async def test_a_message_that_keeps_failing_is_given_up_after_the_last_try(
    app_any_db: App, clock: ManualClock
) -> None:
    app = app_any_db
    created = await broadcast(app, 1)
    await announce.queue_job(app.services, job(created))

    async def send(outgoing: Outgoing) -> None:
        raise TimeoutError("timed out")

    delivery = app.delivery(Platform.CONSOLE, send)
    for _ in range(BACKOFF.attempts + 2):
        await delivery.drain()
        clock.advance(timedelta(hours=2))
    counts = await app.services.outbox.announcement_counts(created.id)
    assert counts[DeliveryStatus.FAILED] == 1


async def test_results_that_arrive_during_a_slow_write_are_recorded_too(
    app_any_db: App, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = app_any_db
    created = await broadcast(app, 30)
    await announce.queue_job(app.services, job(created))
    outbox = app.services.outbox
    real_settle = outbox.settle_many

    async def slow_settle(worker: str, outcomes: Sequence[Settled]) -> None:
        await asyncio.sleep(0.03)
        await real_settle(worker, outcomes)

    monkeypatch.setattr(outbox, "settle_many", slow_settle)

    async def send(outgoing: Outgoing) -> None:
        await asyncio.sleep(0.002)

    delivery = Delivery(
        outbox, app.services.clock, Platform.CONSOLE, send, worker="w", settle_every=0.005
    )
    assert await delivery.drain() == 30
    counts = await outbox.announcement_counts(created.id)
    assert counts[DeliveryStatus.SENT] == 30, "every result is written before drain returns"


async def test_messages_are_given_back_unsent_when_their_claim_runs_out(
    app_any_db: App,
) -> None:
    app = app_any_db
    created = await broadcast(app, 5)
    await announce.queue_job(app.services, job(created))
    sent: list[str] = []

    async def slow_send(outgoing: Outgoing) -> None:
        await asyncio.sleep(0.15)
        sent.append(outgoing.chat_id)

    delivery = Delivery(
        app.services.outbox,
        app.services.clock,
        Platform.CONSOLE,
        slow_send,
        worker="w",
        lease=timedelta(milliseconds=300),
    )
    assert await delivery.drain() == 2, "two start within 80% of the lease; three are given back"
    counts = await app.services.outbox.announcement_counts(created.id)
    assert counts[DeliveryStatus.PENDING] == 3
    while await delivery.drain():
        pass
    assert sorted(sent) == [f"v{n}" for n in range(5)], "each sent once"
