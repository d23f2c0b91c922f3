"""Volunteers and their platform identities."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from storage.db import Database
from storage.models import PlatformIdentity, Volunteer
from storage.records import Contact, VolunteerRecord

SEEN_RESOLUTION = timedelta(hours=1)
"""``last_seen_at`` is refreshed at most this often, to keep reads read-only."""

_BEST_IDENTITY_FIRST = (
    PlatformIdentity.unreachable_at.is_not(None),
    PlatformIdentity.last_used_at.desc(),
    PlatformIdentity.id.desc(),
)
"""Identities that accept messages first, then the one used last."""


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
            stale_language = language is not None and language != volunteer.device_language
            stale_seen = now - volunteer.last_seen_at >= SEEN_RESOLUTION
            if stale_language or stale_seen or unreachable_at is not None:
                await self._touch(volunteer.id, identity_id, now, language)
                if language is not None:
                    volunteer.device_language = language
            return replace(_record(volunteer), missed_since=unreachable_at)
        try:
            async with self._db.write() as session:
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
            row = (
                await session.execute(
                    select(Volunteer, PlatformIdentity.platform, PlatformIdentity.platform_user_id)
                    .join(PlatformIdentity)
                    .where(Volunteer.id == volunteer_id)
                    .order_by(*_BEST_IDENTITY_FIRST)
                    .limit(1)
                )
            ).first()
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
