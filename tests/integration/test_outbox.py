"""The outbox and its delivery on real databases: queued once per key, claimed by one worker,
retried on passing errors, given up on for people who blocked the bot."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from bot.clock import ManualClock
from bot.delivery import BACKOFF, Delivery, Unreachable
from bot.envelope import reply_from_json, reply_to_json
from bot.types import Attachment, Button, Msg, Outgoing, Platform, Reply, msg
from storage.db import Database
from storage.outbox import DeliveryStatus, NewMessage, OutboxRepository, Settled, key_range
from storage.volunteers import VolunteerRepository

LEASE = timedelta(minutes=2)


@pytest.fixture
def outbox(db: Database, clock: ManualClock) -> OutboxRepository:
    return OutboxRepository(db, clock.now)


async def _person(db: Database, clock: ManualClock, user: str) -> int:
    return (await VolunteerRepository(db, clock.now).identify("console", user, None)).id


async def _queue(outbox: OutboxRepository, volunteer: int, key: str, chat: str = "c1") -> bool:
    body = reply_to_json(Reply(text=msg("missions.reminder", title="Tri")))
    return await outbox.enqueue(
        key, volunteer_id=volunteer, platform="console", chat_id=chat, locale="fr", body=body
    )


async def test_one_message_per_key_and_one_worker_per_message(
    db: Database, outbox: OutboxRepository, clock: ManualClock
) -> None:
    person = await _person(db, clock, "1")
    assert await _queue(outbox, person, "reminder:1:1")
    assert not await _queue(outbox, person, "reminder:1:1")
    for n in range(9):
        await _queue(outbox, person, f"notice:{n}")
    claims = await asyncio.gather(
        *(outbox.claim(f"w{i}", "console", LEASE, limit=4) for i in range(5))
    )
    keys = [m.key for claim in claims for m in claim]
    assert sorted(keys) == sorted({*keys})
    assert len(keys) == 10
    assert await outbox.claim("late", "telegram", LEASE) == []


async def test_delivery_sends_retries_and_gives_up(
    db: Database, outbox: OutboxRepository, clock: ManualClock
) -> None:
    ok, flaky, blocked = [await _person(db, clock, u) for u in ("ok", "flaky", "blocked")]
    await _queue(outbox, ok, "a", "ok")
    await _queue(outbox, flaky, "b", "flaky")
    await _queue(outbox, blocked, "c", "blocked")
    sent: list[Outgoing] = []

    async def send(outgoing: Outgoing) -> None:
        if outgoing.chat_id == "flaky":
            raise ConnectionError("network down")
        if outgoing.chat_id == "blocked":
            raise Unreachable("bot was blocked by the user")
        sent.append(outgoing)

    delivery = Delivery(outbox, clock, Platform.CONSOLE, send, worker="w")
    assert await delivery.drain() == 1
    assert await delivery.drain() == 0, "a sent message is not sent again"
    for _ in range(BACKOFF.attempts + 2):
        clock.advance(timedelta(hours=2))
        await delivery.drain()
    counts = await outbox.counts()
    assert counts == {
        DeliveryStatus.SENT: 1,
        DeliveryStatus.FAILED: 1,
        DeliveryStatus.UNREACHABLE: 1,
    }
    assert [o.chat_id for o in sent] == ["ok"]


async def test_a_crashed_workers_messages_come_back_after_the_lease(
    db: Database, outbox: OutboxRepository, clock: ManualClock
) -> None:
    person = await _person(db, clock, "1")
    await _queue(outbox, person, "k")
    (claimed,) = await outbox.claim("dead", "console", LEASE)
    assert await outbox.claim("alive", "console", LEASE) == []
    clock.advance(LEASE + timedelta(seconds=1))
    (again,) = await outbox.claim("alive", "console", LEASE)
    assert again.id == claimed.id
    await outbox.settle_many("dead", [Settled(claimed.id, DeliveryStatus.SENT)])
    assert await outbox.counts() == {DeliveryStatus.PENDING: 1}, "a lost claim settles nothing"
    await outbox.settle_many("alive", [Settled(again.id, DeliveryStatus.SENT)])
    assert await outbox.counts() == {DeliveryStatus.SENT: 1}


def test_replies_survive_the_trip_through_json() -> None:
    moment = datetime(2026, 11, 28, 13, 0, tzinfo=UTC)
    reply = Reply(
        text=Msg.join(
            msg("missions.offer", title="Tri *des* dons", deadline=moment),
            Msg.text("**gras**"),
            separator="\n\n",
        ),
        buttons=((Button(msg("missions.button_accept"), "mi:a:1"),),),
        files=(Attachment("m.ics", b"BEGIN:VCALENDAR\r\n\xff", "text/calendar"),),
    )
    assert reply_from_json(reply_to_json(reply)) == reply


async def test_sent_posts_match_their_key_prefix_literally(
    outbox: OutboxRepository, clock: ManualClock
) -> None:
    body = reply_to_json(Reply(text=msg("missions.reminder", title="Tri")))
    keys = ("post_1:a", "postx1:b", "post%1:c", "post_1:d")
    await outbox.enqueue_many(
        [NewMessage.group(key, "console", f"group-{n}", "fr", body) for n, key in enumerate(keys)]
    )
    claimed = await outbox.claim("w", "console", LEASE, limit=10)
    assert len(claimed) == len(keys)
    await outbox.settle_many(
        "w",
        [
            Settled(
                m.id, DeliveryStatus.SENT, sent_id=None if m.key == "post_1:d" else f"id-{m.key}"
            )
            for m in claimed
        ],
    )
    assert [p.message_id for p in await outbox.sent_posts("post_1:")] == ["id-post_1:a"], (
        "'_' and '%' in a prefix are not wildcards, and a post with no id cannot be edited"
    )
    assert [p.chat_id for p in await outbox.sent_posts("post%")] == ["group-2"]


async def test_a_key_prefix_is_a_range_of_the_index_that_stops_at_its_end(
    db: Database, outbox: OutboxRepository
) -> None:
    """``post:1:`` is not ``post:10:`` nor ``post:1;`` (the first key past the range), on
    SQLite and on PostgreSQL (whatever the database's own collation), and the lookup is a
    search of the key's index rather than a reading of every message."""
    body = reply_to_json(Reply(text=msg("missions.reminder", title="Tri")))
    keys = ("post:1:telegram", "post:10:telegram", "post:1;x", "post:1:discord", "post:", "pos")
    await outbox.enqueue_many([NewMessage.group(key, "console", key, "fr", body) for key in keys])
    claimed = await outbox.claim("w", "console", LEASE, limit=10)
    await outbox.settle_many(
        "w", [Settled(m.id, DeliveryStatus.SENT, sent_id=f"id-{m.key}") for m in claimed]
    )
    found = await outbox.sent_posts("post:1:")
    assert sorted(p.chat_id for p in found) == ["post:1:discord", "post:1:telegram"]
    assert await outbox.counts("post:1:") == {DeliveryStatus.SENT: 2}
    assert await outbox.counts("post:") == {DeliveryStatus.SENT: 5}
    assert await outbox.counts("zzz") == {}
    with pytest.raises(ValueError, match="must not be empty"):
        key_range("")
    if db.dialect == "sqlite":
        low, high = key_range("post:1:")
        async with db.engine.connect() as connection:
            plan = await connection.exec_driver_sql(
                "EXPLAIN QUERY PLAN SELECT id FROM outbox WHERE key >= ? AND key < ?", (low, high)
            )
            details = " ".join(str(row[-1]) for row in plan)
        assert "INDEX" in details
        assert "(key>? AND key<?)" in details
    else:
        async with db.engine.connect() as connection:
            collation = await connection.exec_driver_sql(
                "SELECT collation_name FROM information_schema.columns"
                " WHERE table_name = 'outbox' AND column_name = 'key'"
            )
            assert collation.scalar() == "C", "compared by bytes, whatever the database's"
