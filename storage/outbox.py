"""The outbox: messages to people who did not just write, delivered by their platform's adapter.

A message is stored before anyone tries to send it, under a unique key, so that a crash loses
nothing and the same notification is never queued twice. Delivery workers claim pending rows
for a lease (``FOR UPDATE SKIP LOCKED`` on PostgreSQL), then mark each one sent, retry it later,
or give up on it (the person blocked the bot: *unreachable*).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from storage.db import Database
from storage.leases import claim, claimable
from storage.models import OutboxMessage

ERROR_MAX = 200


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
    volunteer_id: int
    platform: str
    chat_id: str
    locale: str
    body: dict[str, Any]
    attempts: int


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
    )


class OutboxRepository:
    """Queue, claim and settle private messages."""

    def __init__(self, db: Database, now: Callable[[], datetime]) -> None:
        self._db = db
        self._now = now

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
    ) -> bool:
        """Queue a message once per ``key``; False if that key was already queued."""
        now = self._now()
        try:
            async with self._db.write() as session:
                exists = await session.execute(
                    select(OutboxMessage.id).where(OutboxMessage.key == key)
                )
                if exists.first() is not None:
                    return False
                session.add(
                    OutboxMessage(
                        key=key,
                        volunteer_id=volunteer_id,
                        platform=platform,
                        chat_id=chat_id,
                        locale=locale,
                        body=body,
                        status=DeliveryStatus.PENDING.value,
                        attempts=0,
                        due_at=due_at or now,
                        created_at=now,
                    )
                )
        except IntegrityError:
            return False
        return True

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
                .order_by(OutboxMessage.due_at, OutboxMessage.id)
                .limit(limit)
            )
            if chat_id is not None:
                query = query.where(OutboxMessage.chat_id == chat_id)
            rows = await claim(
                session, self._db.dialect, query, worker=worker, lease=lease, now=now
            )
            return [_record(r) for r in rows]

    async def settle(
        self, message_id: int, worker: str, status: DeliveryStatus, error: str | None = None
    ) -> bool:
        """Record the end of a delivery; False if the claim was lost meanwhile."""
        values: dict[str, Any] = {"status": status.value, "claimed_until": None}
        if status is DeliveryStatus.SENT:
            values["sent_at"] = self._now()
        if error:
            values["error"] = error[:ERROR_MAX]
        async with self._db.write() as session:
            result = await session.execute(
                update(OutboxMessage)
                .where(
                    OutboxMessage.id == message_id,
                    OutboxMessage.claimed_by == worker,
                    OutboxMessage.status == DeliveryStatus.PENDING.value,
                )
                .values(**values)
            )
            return bool(getattr(result, "rowcount", 0))

    async def retry(self, message_id: int, worker: str, at: datetime, error: str) -> None:
        """Give a claimed message back, due again at ``at``."""
        async with self._db.write() as session:
            await session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == message_id, OutboxMessage.claimed_by == worker)
                .values(due_at=at, claimed_by=None, claimed_until=None, error=error[:ERROR_MAX])
            )

    async def counts(self, key_prefix: str = "") -> dict[DeliveryStatus, int]:
        """How many messages stand in each status (those whose key starts with the prefix)."""
        async with self._db.read() as session:
            query = select(OutboxMessage.status, func.count(OutboxMessage.id)).group_by(
                OutboxMessage.status
            )
            if key_prefix:
                query = query.where(OutboxMessage.key.startswith(key_prefix, autoescape=True))
            rows = await session.execute(query)
            return {DeliveryStatus(status): int(count) for status, count in rows}
