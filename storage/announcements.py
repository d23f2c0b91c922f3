"""Announcements (broadcasts) and the groups or channels they may also be posted in."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from storage.db import Database
from storage.models import Announcement, AssociationChannel
from storage.records import (
    AnnouncementRecord,
    AnnouncementStatus,
    Audience,
    AudienceKind,
    ChannelRecord,
)


def _record(row: Announcement) -> AnnouncementRecord:
    return AnnouncementRecord(
        id=row.id,
        association_id=row.association_id,
        created_by=row.created_by,
        text=row.text,
        audience=_audience(row.audience, row.audience_value),
        audience_label=row.audience_label,
        post_in_groups=row.post_in_groups,
        status=AnnouncementStatus(row.status),
        cursor=row.cursor,
        recipients=row.recipients,
        reported=row.reported,
        report_platform=row.report_platform,
        report_chat_id=row.report_chat_id,
        report_message_id=row.report_message_id,
        created_at=row.created_at,
        finished_at=row.finished_at,
    )


def _audience(kind: str, stored: str) -> Audience:
    """An audience as stored: an area keeps its department as ``postcode/department``."""
    if kind != AudienceKind.AREA.value:
        return Audience(AudienceKind(kind), stored)
    value, _, department = stored.partition("/")
    return Audience(AudienceKind.AREA, value, department or None)


def _channel(row: AssociationChannel) -> ChannelRecord:
    return ChannelRecord(
        row.id, row.association_id, row.platform, row.chat_id, row.title, row.purpose
    )


@dataclass(frozen=True, slots=True)
class ReportTo:
    """Where the coordinator follows a broadcast: the chat, and the message to keep editing."""

    platform: str
    chat_id: str
    message_id: str | None


class AnnouncementRepository:
    """Create broadcasts, follow their progress, and link groups or channels."""

    def __init__(self, db: Database, now: Callable[[], datetime]) -> None:
        self._db = db
        self._now = now

    async def create(
        self,
        key: str,
        *,
        association_id: int,
        created_by: int,
        text: str,
        audience: Audience,
        audience_label: str,
        post_in_groups: bool,
        report_to: ReportTo,
    ) -> AnnouncementRecord | None:
        """Store a confirmed broadcast once per ``key``; None if that key was already used
        (a second tap on "send")."""
        value = audience.value
        if audience.kind is AudienceKind.AREA and audience.department:
            value = f"{audience.value}/{audience.department}"
        row = Announcement(
            key=key,
            association_id=association_id,
            created_by=created_by,
            text=text,
            audience=audience.kind.value,
            audience_value=value,
            audience_label=audience_label[:200],
            post_in_groups=post_in_groups,
            status=AnnouncementStatus.QUEUEING.value,
            cursor=0,
            recipients=0,
            reported=-1,
            report_platform=report_to.platform,
            report_chat_id=report_to.chat_id,
            report_message_id=report_to.message_id,
            created_at=self._now(),
        )
        try:
            async with self._db.write(savepoint=True) as session:
                exists = await session.execute(
                    select(Announcement.id).where(Announcement.key == key)
                )
                if exists.first() is not None:
                    return None
                session.add(row)
        except IntegrityError:
            return None
        return _record(row)

    async def get(self, announcement_id: int) -> AnnouncementRecord | None:
        """A broadcast by id."""
        async with self._db.read() as session:
            row = await session.get(Announcement, announcement_id)
            return _record(row) if row else None

    async def by_key(self, key: str) -> AnnouncementRecord | None:
        """The broadcast confirmed under ``key``, if any."""
        async with self._db.read() as session:
            row = await session.execute(select(Announcement).where(Announcement.key == key))
            found = row.scalar_one_or_none()
            return _record(found) if found else None

    async def advance(self, announcement_id: int, cursor: int) -> None:
        """Remember that every recipient up to volunteer ``cursor`` is queued."""
        await self._set(announcement_id, cursor=cursor)

    async def start_sending(self, announcement_id: int, recipients: int) -> None:
        """Every recipient is queued: the broadcast is now being delivered."""
        await self._set(
            announcement_id, status=AnnouncementStatus.SENDING.value, recipients=recipients
        )

    async def reported(self, announcement_id: int, delivered: int) -> None:
        """Remember what the last progress message showed."""
        await self._set(announcement_id, reported=delivered)

    async def finish(self, announcement_id: int) -> bool:
        """Mark the broadcast done; False if it already was (the report is sent once)."""
        async with self._db.write() as session:
            result = await session.execute(
                update(Announcement)
                .where(
                    Announcement.id == announcement_id,
                    Announcement.status != AnnouncementStatus.DONE.value,
                )
                .values(status=AnnouncementStatus.DONE.value, finished_at=self._now())
            )
            return bool(getattr(result, "rowcount", 0))

    async def _set(self, announcement_id: int, **values: Any) -> None:
        async with self._db.write() as session:
            await session.execute(
                update(Announcement).where(Announcement.id == announcement_id).values(**values)
            )

    # -- groups and channels -------------------------------------------------------------

    async def link_channel(
        self,
        association_id: int,
        platform: str,
        chat_id: str,
        title: str | None,
        purpose: str = "announce",
    ) -> ChannelRecord:
        """Post this association's announcements (or, with ``purpose="mentors"``, its help
        requests) in this group or channel too; a chat is linked to one association and one
        purpose at a time."""
        async with self._db.write() as session:
            await session.execute(
                delete(AssociationChannel).where(
                    AssociationChannel.platform == platform,
                    AssociationChannel.chat_id == chat_id,
                )
            )
            row = AssociationChannel(
                association_id=association_id,
                platform=platform,
                chat_id=chat_id,
                title=title[:200] if title else None,
                purpose=purpose,
                created_at=self._now(),
            )
            session.add(row)
        return _channel(row)

    async def unlink_channel(
        self, platform: str, chat_id: str, association_id: int | None = None
    ) -> bool:
        """Stop posting in this group or channel (only if it is ``association_id``'s, when
        given; any association's when the chat is gone)."""
        condition = (AssociationChannel.platform == platform) & (
            AssociationChannel.chat_id == chat_id
        )
        if association_id is not None:
            condition &= AssociationChannel.association_id == association_id
        async with self._db.write() as session:
            result = await session.execute(delete(AssociationChannel).where(condition))
            return bool(getattr(result, "rowcount", 0))

    async def owner_of(self, platform: str, chat_id: str, purpose: str | None = None) -> int | None:
        """The association this group or channel is linked to (for this purpose), if any."""
        condition = (AssociationChannel.platform == platform) & (
            AssociationChannel.chat_id == chat_id
        )
        if purpose is not None:
            condition &= AssociationChannel.purpose == purpose
        async with self._db.read() as session:
            return (
                await session.execute(select(AssociationChannel.association_id).where(condition))
            ).scalar_one_or_none()

    async def channels(
        self, association_id: int, purpose: str | None = "announce"
    ) -> list[ChannelRecord]:
        """The groups and channels linked to an association for this purpose (any: None)."""
        condition = AssociationChannel.association_id == association_id
        if purpose is not None:
            condition &= AssociationChannel.purpose == purpose
        async with self._db.read() as session:
            rows = await session.execute(
                select(AssociationChannel).where(condition).order_by(AssociationChannel.id)
            )
            return [_channel(r) for r in rows.scalars()]
