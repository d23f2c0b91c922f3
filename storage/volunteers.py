"""Volunteers and their platform identities."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import Table, bindparam, func, select, update
from sqlalchemy.exc import IntegrityError

from storage.conversations import dialogue_of
from storage.db import Database
from storage.models import Association, ConversationState, Membership, PlatformIdentity, Volunteer
from storage.records import (
    Arrival,
    AssociationRecord,
    Contact,
    MembershipRecord,
    Role,
    VolunteerRecord,
)

SEEN_RESOLUTION = timedelta(hours=1)
"""``last_seen_at`` is refreshed at most this often, to keep reads read-only."""
_VOLUNTEERS = cast(Table, Volunteer.__table__)
_IDENTITIES = cast(Table, PlatformIdentity.__table__)
_SEEN = (
    update(_VOLUNTEERS)
    .where(_VOLUNTEERS.c.id == bindparam("volunteer"))
    .values(last_seen_at=bindparam("seen"))
)
_USED = (
    update(_IDENTITIES)
    .where(_IDENTITIES.c.id == bindparam("identity"))
    .values(last_used_at=bindparam("seen"))
)
"""Core statements (run for many rows at once) writing the "last seen" times."""
_PERSON = (
    Volunteer.id,
    Volunteer.display_name,
    Volunteer.locale,
    Volunteer.device_language,
    Volunteer.reminders,
    Volunteer.area,
    Volunteer.interests,
    Volunteer.last_seen_at,
)

_ARRIVAL = (
    select(
        *_PERSON,
        PlatformIdentity.id.label("identity_id"),
        PlatformIdentity.unreachable_at,
        Association.id.label("association_id"),
        Association.slug,
        Association.name,
        Membership.role,
        ConversationState.dialogue,
        ConversationState.step,
        ConversationState.data,
        ConversationState.updated_at,
    )
    .join(PlatformIdentity, PlatformIdentity.volunteer_id == Volunteer.id)
    .outerjoin(Membership, Membership.volunteer_id == Volunteer.id)
    .outerjoin(Association, Association.id == Membership.association_id)
    .outerjoin(
        ConversationState,
        (ConversationState.volunteer_id == Volunteer.id)
        & (ConversationState.chat_key == bindparam("chat")),
    )
    .where(
        PlatformIdentity.platform == bindparam("platform"),
        PlatformIdentity.platform_user_id == bindparam("user"),
    )
    .order_by(Membership.last_used_at.desc().nulls_last(), Membership.id)
)
"""Who wrote, their associations and their dialogue in one chat: every event's first read,
built once (a statement built at each call costs more than running it)."""

_BEST_IDENTITY_FIRST = (
    PlatformIdentity.unreachable_at.is_not(None),
    PlatformIdentity.last_used_at.desc(),
    PlatformIdentity.id.desc(),
)
"""Identities that accept messages first, then the one used last."""

_REACHABLE_AT = (
    select(Volunteer, PlatformIdentity.platform, PlatformIdentity.platform_user_id)
    .join(PlatformIdentity)
    .where(Volunteer.id == bindparam("volunteer"))
    .order_by(*_BEST_IDENTITY_FIRST)
    .limit(1)
)
"""Where to write to someone privately (every notice to a coordinator asks)."""


def _record(row: Volunteer) -> VolunteerRecord:
    return VolunteerRecord(
        id=row.id,
        display_name=row.display_name,
        locale=row.locale,
        device_language=row.device_language,
        reminders=row.reminders,
        area=row.area,
        interests=tuple(row.interests or ()),
    )


class VolunteerRepository:
    """Finds or registers the person behind a platform identity. No sign-up form: first
    contact is enough, and only a display name is kept."""

    def __init__(self, db: Database, now: Callable[[], datetime]) -> None:
        self._db = db
        self._now = now
        self._pending_seen: dict[int, tuple[int, datetime]] = {}
        """Volunteer id → (identity used, when): "last seen" times not written yet."""

    async def identify(
        self,
        platform: str,
        platform_user_id: str,
        display_name: str | None,
        language: str | None = None,
    ) -> VolunteerRecord:
        """The volunteer behind this identity, created on first contact. ``language`` is the
        one the platform reports, kept for messages sent when they have not just written."""
        now = self._now()
        name = display_name[:100] if display_name else None
        language = language[:16] if language else None
        async with self._db.read() as session:
            found = (
                await session.execute(
                    select(Volunteer, PlatformIdentity.id, PlatformIdentity.unreachable_at)
                    .join(PlatformIdentity)
                    .where(
                        PlatformIdentity.platform == platform,
                        PlatformIdentity.platform_user_id == platform_user_id,
                    )
                )
            ).first()
        if found is not None:
            volunteer, identity_id, unreachable_at = found
            return await self._seen(
                _record(volunteer),
                volunteer.last_seen_at,
                identity_id,
                unreachable_at,
                language,
                now,
            )
        try:
            async with self._db.write(savepoint=True) as session:
                volunteer = Volunteer(
                    display_name=name,
                    device_language=language,
                    reminders=True,
                    created_at=now,
                    last_seen_at=now,
                )
                session.add(volunteer)
                await session.flush()
                session.add(
                    PlatformIdentity(
                        volunteer_id=volunteer.id,
                        platform=platform,
                        platform_user_id=platform_user_id,
                        created_at=now,
                        last_used_at=now,
                    )
                )
            return _record(volunteer)
        except IntegrityError:
            # Two first messages raced: the other one registered this identity.
            return await self.identify(platform, platform_user_id, display_name, language)

    async def arrive(
        self,
        platform: str,
        platform_user_id: str,
        display_name: str | None,
        language: str | None,
        chat_key: str,
    ) -> Arrival:
        """Who wrote, with their associations and their dialogue in ``chat_key``, in one
        query (a newcomer is registered first)."""
        now = self._now()
        async with self._db.connection() as connection:  # a plain read, no ORM objects
            rows = (
                await connection.execute(
                    _ARRIVAL,
                    {"platform": platform, "user": platform_user_id, "chat": chat_key},
                )
            ).all()
        if not rows:
            volunteer = await self.identify(platform, platform_user_id, display_name, language)
            return Arrival(volunteer, (), None)
        first = rows[0]
        memberships = tuple(
            MembershipRecord(AssociationRecord(r.association_id, r.slug, r.name), Role(r.role))
            for r in rows
            if r.association_id is not None
        )
        person = VolunteerRecord(
            id=first.id,
            display_name=first.display_name,
            locale=first.locale,
            device_language=first.device_language,
            reminders=first.reminders,
            area=first.area,
            interests=tuple(first.interests or ()),
        )
        volunteer = await self._seen(
            person, first.last_seen_at, first.identity_id, first.unreachable_at, language, now
        )
        dialogue = dialogue_of(first if first.dialogue is not None else None, now)
        return Arrival(volunteer, memberships, dialogue)

    async def _seen(
        self,
        volunteer: VolunteerRecord,
        last_seen_at: datetime,
        identity_id: int,
        unreachable_at: datetime | None,
        language: str | None,
        now: datetime,
    ) -> VolunteerRecord:
        """Note that this person came back: a new device language or a person we could not
        reach is written at once; the time they were last seen waits for
        :meth:`flush_seen`, so that an ordinary message is read-only."""
        stale_language = language is not None and language != volunteer.device_language
        if stale_language or unreachable_at is not None:
            await self._touch(volunteer.id, identity_id, now, language)
            self._pending_seen.pop(volunteer.id, None)
            if language is not None:
                volunteer = replace(volunteer, device_language=language)
        elif now - last_seen_at >= SEEN_RESOLUTION:
            self._pending_seen[volunteer.id] = (identity_id, now)
        return replace(volunteer, missed_since=unreachable_at)

    async def flush_seen(self) -> int:
        """Write the "last seen" times noted since the last call, in one transaction."""
        pending, self._pending_seen = self._pending_seen, {}
        if not pending:
            return 0
        seen = [{"volunteer": v, "seen": when} for v, (_, when) in pending.items()]
        used = [{"identity": i, "seen": when} for i, when in pending.values()]
        try:
            async with self._db.write() as session:
                await session.execute(_SEEN, seen)
                await session.execute(_USED, used)
        except Exception:
            for volunteer_id, value in pending.items():  # keep them for the next try
                self._pending_seen.setdefault(volunteer_id, value)
            raise
        return len(pending)

    async def _touch(
        self, volunteer_id: int, identity_id: int, now: datetime, language: str | None
    ) -> None:
        values: dict[str, object] = {"last_seen_at": now}
        if language is not None:
            values["device_language"] = language
        async with self._db.write() as session:
            await session.execute(
                update(Volunteer).where(Volunteer.id == volunteer_id).values(**values)
            )
            await session.execute(
                update(PlatformIdentity)
                .where(PlatformIdentity.id == identity_id)
                .values(last_used_at=now, unreachable_at=None)
            )

    async def get(self, volunteer_id: int) -> VolunteerRecord | None:
        """A volunteer by id."""
        async with self._db.read() as session:
            row = await session.get(Volunteer, volunteer_id)
            return _record(row) if row else None

    async def set_locale(self, volunteer_id: int, locale: str | None) -> None:
        """Remember the language chosen with /langue (None: follow the platform)."""
        await self._set(volunteer_id, locale=locale)

    async def set_reminders(self, volunteer_id: int, wanted: bool) -> None:
        """Turn the day-before reminders on or off."""
        await self._set(volunteer_id, reminders=wanted)

    async def set_name(self, volunteer_id: int, name: str) -> None:
        """The name shown to coordinators."""
        await self._set(volunteer_id, display_name=name[:100])

    async def set_area(self, volunteer_id: int, area: str | None) -> None:
        """Where they are (None: not said)."""
        await self._set(volunteer_id, area=area[:80] if area else None)

    async def set_interests(self, volunteer_id: int, interests: Sequence[str]) -> None:
        """What they like doing, a few short topics."""
        await self._set(volunteer_id, interests=list(interests))

    async def identities(self, volunteer_id: int) -> list[tuple[str, str]]:
        """Every ``(platform, user id)`` the volunteer is known by, most recently used first."""
        async with self._db.read() as session:
            rows = await session.execute(
                select(PlatformIdentity.platform, PlatformIdentity.platform_user_id)
                .where(PlatformIdentity.volunteer_id == volunteer_id)
                .order_by(PlatformIdentity.last_used_at.desc())
            )
            return [(p, u) for p, u in rows]

    async def _set(self, volunteer_id: int, **values: object) -> None:
        async with self._db.write() as session:
            await session.execute(
                update(Volunteer).where(Volunteer.id == volunteer_id).values(**values)
            )

    async def reachable_at(self, volunteer_id: int) -> tuple[VolunteerRecord, str, str] | None:
        """The volunteer with the platform and user id to write to privately: the identity
        they used last among those that still accept messages (else the last one used)."""
        async with self._db.read() as session:
            row = (await session.execute(_REACHABLE_AT, {"volunteer": volunteer_id})).first()
            return (_record(row[0]), row[1], row[2]) if row else None

    async def contacts(self, volunteer_ids: Sequence[int]) -> dict[int, Contact]:
        """How to write to each of these volunteers privately (for a broadcast); volunteers
        without any identity are left out."""
        if not volunteer_ids:
            return {}
        async with self._db.read() as session:
            rows = await session.execute(
                select(
                    Volunteer.id,
                    Volunteer.locale,
                    Volunteer.device_language,
                    PlatformIdentity.platform,
                    PlatformIdentity.platform_user_id,
                    PlatformIdentity.unreachable_at,
                )
                .join(PlatformIdentity)
                .where(Volunteer.id.in_(list(volunteer_ids)))
                .order_by(Volunteer.id, *_BEST_IDENTITY_FIRST)
            )
            found: dict[int, Contact] = {}
            for volunteer_id, locale, device, platform, user_id, unreachable_at in rows:
                if volunteer_id not in found:
                    found[volunteer_id] = Contact(
                        volunteer_id=volunteer_id,
                        platform=platform,
                        chat_id=user_id,
                        locale=locale,
                        device_language=device,
                        reachable=unreachable_at is None,
                    )
            return found

    async def names(self, volunteer_ids: Sequence[int]) -> dict[int, str | None]:
        """Display names by id (for participant lists)."""
        if not volunteer_ids:
            return {}
        async with self._db.read() as session:
            rows = await session.execute(
                select(Volunteer.id, Volunteer.display_name).where(
                    Volunteer.id.in_(list(volunteer_ids))
                )
            )
            return {row[0]: row[1] for row in rows}

    async def count(self) -> int:
        """How many volunteers are registered."""
        async with self._db.read() as session:
            return int((await session.execute(select(func.count(Volunteer.id)))).scalar_one())
