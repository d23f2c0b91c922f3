"""The outbox: messages to people who did not just write, delivered by their platform's adapter.

A message is stored before anyone tries to send it, under a unique key, so that a crash loses
nothing and the same notification is never queued twice. Delivery workers claim pending rows
for a lease (``FOR UPDATE SKIP LOCKED`` on PostgreSQL), then mark each one sent, retry it later,
or give up on it (the person blocked the bot: *unreachable*).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, cast

from sqlalchemy import Insert, Table, bindparam, func, select, tuple_, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from storage.db import Database, delete_by_batches
from storage.leases import claim, claimable
from storage.models import OutboxMessage, PlatformIdentity

ERROR_MAX = 200
_OUTBOX = cast(Table, OutboxMessage.__table__)
"""The outbox as a Core table, for statements over many rows at once."""


class DeliveryStatus(StrEnum):
    """Where an outbox message stands."""

    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"
    """Gave up after repeated errors."""
    UNREACHABLE = "unreachable"
    """The person blocked the bot or cannot receive private messages."""


@dataclass(frozen=True, slots=True)
class OutboxRecord:
    """A claimed message, for the worker that delivers it."""

    id: int
    key: str
    volunteer_id: int | None
    platform: str
    chat_id: str
    locale: str
    body: dict[str, Any]
    attempts: int
    is_group: bool = False
    edit_message_id: str | None = None


@dataclass(frozen=True, slots=True)
class NewMessage:
    """A message to queue with :meth:`OutboxRepository.enqueue_many`."""

    key: str
    volunteer_id: int | None
    platform: str
    chat_id: str
    locale: str
    body: dict[str, Any]
    status: DeliveryStatus = DeliveryStatus.PENDING
    is_group: bool = False
    edit_message_id: str | None = None

    @classmethod
    def group(
        cls,
        key: str,
        platform: str,
        chat_id: str,
        locale: str,
        body: dict[str, Any],
        *,
        edit_message_id: str | None = None,
    ) -> NewMessage:
        """A post in a group or channel (or an edit of one), which belongs to nobody."""
        return cls(
            key=key,
            volunteer_id=None,
            platform=platform,
            chat_id=chat_id,
            locale=locale,
            body=body,
            is_group=True,
            edit_message_id=edit_message_id,
        )


@dataclass(frozen=True, slots=True)
class Settled:
    """How one delivery ended: a final status, or ``retry_at`` for another try."""

    message_id: int
    status: DeliveryStatus
    error: str | None = None
    retry_at: datetime | None = None
    sent_id: str | None = None
    """The platform's id of the message sent, when it gives one."""


@dataclass(frozen=True, slots=True)
class SentPost:
    """A message already posted in a group or channel, that can be edited."""

    platform: str
    chat_id: str
    locale: str
    message_id: str


_SENT_POSTS = (
    select(
        OutboxMessage.platform,
        OutboxMessage.chat_id,
        OutboxMessage.locale,
        OutboxMessage.sent_message_id,
    )
    .where(
        OutboxMessage.key >= bindparam("low"),
        OutboxMessage.key < bindparam("high"),
        OutboxMessage.is_group.is_(True),
        OutboxMessage.status == DeliveryStatus.SENT.value,
        OutboxMessage.sent_message_id.is_not(None),
    )
    .order_by(OutboxMessage.id)
)
"""Group posts sent under a key prefix (a mission's card, refreshed at every sign-up)."""


def key_range(prefix: str) -> tuple[str, str]:
    """The keys starting with ``prefix`` are those from the first bound included to the
    second excluded, in the keys' byte order (BINARY on SQLite, the column's "C" collation
    on PostgreSQL): a range that the key's unique index answers, where LIKE would read the
    whole outbox."""
    if not prefix:
        raise ValueError("a key prefix must not be empty")
    return prefix, prefix[:-1] + chr(ord(prefix[-1]) + 1)


def _record(row: OutboxMessage) -> OutboxRecord:
    return OutboxRecord(
        id=row.id,
        key=row.key,
        volunteer_id=row.volunteer_id,
        platform=row.platform,
        chat_id=row.chat_id,
        locale=row.locale,
        body=dict(row.body),
        attempts=row.attempts,
        is_group=row.is_group,
        edit_message_id=row.edit_message_id,
    )


class OutboxRepository:
    """Queue, claim and settle private messages."""

    def __init__(self, db: Database, now: Callable[[], datetime]) -> None:
        self._db = db
        self._now = now
        self._insert_one = self._insert_once()
        """One personal message's insert, built once (notices are queued at every sign-up)."""

    async def enqueue(
        self,
        key: str,
        *,
        volunteer_id: int,
        platform: str,
        chat_id: str,
        locale: str,
        body: dict[str, Any],
        due_at: datetime | None = None,
        edit_message_id: str | None = None,
    ) -> bool:
        """Queue a personal message once per ``key``; False if that key was already queued.
        With ``edit_message_id`` it replaces that earlier message of the chat."""
        now = self._now()
        row = {
            "key": key,
            "volunteer_id": volunteer_id,
            "platform": platform,
            "chat_id": chat_id,
            "locale": locale,
            "body": body,
            "edit_message_id": edit_message_id,
            "status": DeliveryStatus.PENDING.value,
            "attempts": 0,
            "due_at": due_at or now,
            "created_at": now,
        }
        async with self._db.write() as session:
            result = await session.execute(self._insert_one, row)
            return bool(getattr(result, "rowcount", 0))

    def _insert_once(self) -> Insert:
        """An INSERT that skips keys already queued (on either backend)."""
        insert = postgresql_insert if self._db.dialect == "postgresql" else sqlite_insert
        return insert(_OUTBOX).on_conflict_do_nothing(index_elements=["key"])

    async def enqueue_many(
        self,
        messages: Sequence[NewMessage],
        *,
        announcement_id: int | None = None,
        bulk: bool = True,
    ) -> None:
        """Queue many messages (of one broadcast, say) in one statement; keys already queued
        are skipped, so queueing the same batch again (after a crash) adds nothing. ``bulk``
        messages wait behind personal ones."""
        if not messages:
            return
        now = self._now()
        rows = [
            {
                "key": m.key,
                "volunteer_id": m.volunteer_id,
                "announcement_id": announcement_id,
                "platform": m.platform,
                "chat_id": m.chat_id,
                "is_group": m.is_group,
                "bulk": bulk,
                "edit_message_id": m.edit_message_id,
                "locale": m.locale,
                "body": m.body,
                "status": m.status.value,
                "attempts": 0,
                "due_at": now,
                "created_at": now,
            }
            for m in messages
        ]
        async with self._db.write() as session:
            await session.execute(self._insert_once(), rows)

    async def claim(
        self,
        worker: str,
        platform: str,
        lease: timedelta,
        *,
        chat_id: str | None = None,
        limit: int = 30,
    ) -> list[OutboxRecord]:
        """Claim up to ``limit`` due messages for one platform (and one chat, if given)."""
        now = self._now()
        async with self._db.write() as session:
            query = (
                select(OutboxMessage)
                .where(
                    OutboxMessage.platform == platform,
                    OutboxMessage.status == DeliveryStatus.PENDING.value,
                    claimable(OutboxMessage, now),
                )
                .order_by(OutboxMessage.bulk, OutboxMessage.due_at, OutboxMessage.id)
                .limit(limit)
            )
            if chat_id is not None:
                query = query.where(OutboxMessage.chat_id == chat_id)
            rows = await claim(
                session, self._db.dialect, query, worker=worker, lease=lease, now=now
            )
            return [_record(r) for r in rows]

    async def settle_many(self, worker: str, outcomes: Sequence[Settled]) -> None:
        """Record many deliveries in one transaction; an ``unreachable`` outcome also marks
        the person's identity, so that broadcasts skip it until they write again."""
        now = self._now()
        final = [o for o in outcomes if o.retry_at is None]
        again = [o for o in outcomes if o.retry_at is not None]
        table = _OUTBOX.c
        mine = (
            (table.id == bindparam("message_id"))
            & (table.claimed_by == worker)
            & (table.status == DeliveryStatus.PENDING.value)
        )
        async with self._db.write() as session:
            if final:
                await session.execute(
                    update(_OUTBOX)
                    .where(mine)
                    .values(
                        status=bindparam("new_status"),
                        sent_at=bindparam("sent_at"),
                        sent_message_id=bindparam("sent_id"),
                        error=bindparam("new_error"),
                        claimed_until=None,
                    ),
                    [
                        {
                            "message_id": o.message_id,
                            "new_status": o.status.value,
                            "sent_at": now if o.status is DeliveryStatus.SENT else None,
                            "sent_id": o.sent_id,
                            "new_error": o.error[:ERROR_MAX] if o.error else None,
                        }
                        for o in final
                    ],
                )
            if again:
                await session.execute(
                    update(_OUTBOX)
                    .where(mine)
                    .values(
                        due_at=bindparam("retry_at"),
                        error=bindparam("new_error"),
                        claimed_by=None,
                        claimed_until=None,
                    ),
                    [
                        {
                            "message_id": o.message_id,
                            "retry_at": o.retry_at,
                            "new_error": (o.error or "")[:ERROR_MAX],
                        }
                        for o in again
                    ],
                )
            lost = [o.message_id for o in final if o.status is DeliveryStatus.UNREACHABLE]
            if lost:
                people = (
                    select(OutboxMessage.platform, OutboxMessage.chat_id)
                    .where(OutboxMessage.id.in_(lost), OutboxMessage.volunteer_id.is_not(None))
                    .subquery()
                )
                await session.execute(
                    update(PlatformIdentity)
                    .where(
                        tuple_(PlatformIdentity.platform, PlatformIdentity.platform_user_id).in_(
                            select(people.c.platform, people.c.chat_id)
                        )
                    )
                    .values(unreachable_at=now)
                    .execution_options(synchronize_session=False)
                )

    async def edit_posts(
        self, posts: Sequence[SentPost], body: dict[str, Any], key: Callable[[SentPost], str]
    ) -> None:
        """Queue an edit of each group post so that it shows ``body`` (once per ``key``)."""
        await self.enqueue_many(
            [
                NewMessage.group(
                    key(post),
                    post.platform,
                    post.chat_id,
                    post.locale,
                    body,
                    edit_message_id=post.message_id,
                )
                for post in posts
            ],
            bulk=False,
        )

    async def forget_delivered(self, before: datetime, batch: int = 1000) -> int:
        """Delete the personal messages dealt with (sent, given up, unreachable) and queued
        before ``before``: a relayed conversation or a reminder is not kept once it has done
        its job. Group posts stay (they name nobody, and a mission's post is edited later)."""
        old = select(OutboxMessage.id).where(
            OutboxMessage.is_group.is_(False),
            OutboxMessage.status != DeliveryStatus.PENDING.value,
            OutboxMessage.created_at < before,
        )
        return await delete_by_batches(self._db, old, batch)

    async def sent_posts(self, key_prefix: str) -> list[SentPost]:
        """Group posts sent under keys starting with ``key_prefix`` whose platform gave an id,
        oldest first."""
        async with self._db.read() as session:
            low, high = key_range(key_prefix)
            rows = await session.execute(_SENT_POSTS, {"low": low, "high": high})
            return [SentPost(p, c, loc, str(m)) for p, c, loc, m in rows]

    async def announcement_counts(self, announcement_id: int) -> dict[DeliveryStatus, int]:
        """How many of a broadcast's messages stand in each status."""
        async with self._db.read() as session:
            rows = await session.execute(
                select(OutboxMessage.status, func.count(OutboxMessage.id))
                .where(OutboxMessage.announcement_id == announcement_id)
                .group_by(OutboxMessage.status)
            )
            counts = dict.fromkeys(DeliveryStatus, 0)
            counts.update({DeliveryStatus(status): int(count) for status, count in rows})
            return counts

    async def counts(self, key_prefix: str = "") -> dict[DeliveryStatus, int]:
        """How many messages stand in each status (those whose key starts with the prefix)."""
        async with self._db.read() as session:
            query = select(OutboxMessage.status, func.count(OutboxMessage.id)).group_by(
                OutboxMessage.status
            )
            if key_prefix:
                low, high = key_range(key_prefix)
                query = query.where(OutboxMessage.key >= low, OutboxMessage.key < high)
            rows = await session.execute(query)
            return {DeliveryStatus(status): int(count) for status, count in rows}
