"""Missions and sign-ups, with capacity enforced atomically.

Every change to a mission's places happens in one write transaction that first locks the
mission row (``SELECT ... FOR UPDATE`` on PostgreSQL; SQLite's ``BEGIN IMMEDIATE`` already
serialises writers). Under that lock the mission's ``arrivals`` counter numbers each request and
``taken`` counts the places held, so concurrent sign-ups can neither overbook nor jump the
waitlist. A freed place is offered to the next person on the waitlist and stays held for them
until they accept, decline or let the offer expire.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, NamedTuple

from sqlalchemy import ColumnElement, Row, Select, bindparam, func, null, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from storage.db import Database
from storage.models import Mission, SignUp
from storage.records import (
    MissionDraft,
    MissionRecord,
    MissionStatus,
    SignUpRecord,
    SignUpStatus,
)

KM_PER_DEGREE = 111.2
"""Kilometres in a degree of latitude (and of longitude at the equator)."""


class MissionPlace(NamedTuple):
    """Where a mission is and its topics: enough to filter a search (a list scans hundreds of
    them: a named tuple is made several times faster than a frozen dataclass)."""

    id: int
    latitude: float | None
    longitude: float | None
    remote: bool
    tags: tuple[str, ...]


_FIND = select(Mission).where(
    Mission.id == bindparam("mission"), Mission.association_id == bindparam("association")
)
_LOCK = _FIND.with_for_update()
_SIGNUP_ROW = select(SignUp).where(
    SignUp.mission_id == bindparam("mission"), SignUp.volunteer_id == bindparam("volunteer")
)
_SEVERAL = select(*Mission.__table__.c).where(
    Mission.association_id == bindparam("association"),
    Mission.id.in_(bindparam("ids", expanding=True)),
)
_WAITING_AHEAD = select(func.count(SignUp.id)).where(
    SignUp.mission_id == bindparam("mission"),
    SignUp.status == SignUpStatus.WAITLISTED.value,
    SignUp.arrival < bindparam("arrival"),
)
"""Statements run for most mission events, built once (building one costs more than running
it); their values are bound at each call."""


def _upcoming_statement(since: bool, until: bool) -> Select[Mission]:
    query = select(Mission).where(
        Mission.association_id == bindparam("association"),
        Mission.status == MissionStatus.PUBLISHED.value,
        Mission.starts_at > bindparam("now"),
    )
    if since:
        query = query.where(Mission.starts_at >= bindparam("since"))
    if until:
        query = query.where(Mission.starts_at < bindparam("until"))
    return query


def _places_statement(
    since: bool, until: bool, near: bool, tags: bool
) -> Select[int, float | None, float | None, bool, list[str] | None]:
    tag_column: ColumnElement[list[str] | None] = (
        Mission.tags if tags else null().label("tags")  # type: ignore[assignment]
    )
    query = _upcoming_statement(since, until).with_only_columns(
        Mission.id, Mission.latitude, Mission.longitude, Mission.remote, tag_column
    )
    if near:
        query = query.where(
            or_(
                Mission.remote.is_(True),
                Mission.latitude.between(bindparam("south"), bindparam("north"))
                & Mission.longitude.between(bindparam("west"), bindparam("east")),
            )
        )
    return query.order_by(Mission.starts_at, Mission.id).limit(bindparam("limit"))


_CHOICES = (False, True)
_UPCOMING = {(s, u): _upcoming_statement(s, u) for s in _CHOICES for u in _CHOICES}
"""Published missions still to come, with or without a start from and a start before."""
_PAGE = {
    key: query.with_only_columns(*Mission.__table__.c)
    .order_by(Mission.starts_at, Mission.id)
    .limit(bindparam("limit"))
    .offset(bindparam("offset"))
    for key, query in _UPCOMING.items()
}
"""One page of them, as plain rows (no ORM objects: a list only reads them)."""
_COUNT = {
    key: query.with_only_columns(func.count()).select_from(Mission)
    for key, query in _UPCOMING.items()
}
"""How many there are."""
_PLACES = {
    (s, u, n, t): _places_statement(s, u, n, t)
    for s in _CHOICES
    for u in _CHOICES
    for n in _CHOICES
    for t in _CHOICES
}
"""Where they are, and with ``near`` only the remote ones and those in a box; their tags only
when a search names one (reading them costs more than the rest of the row)."""

MAX_PLACES = 500
TITLE_MAX = 120
EDITABLE = frozenset(
    {
        "title",
        "description",
        "address",
        "city",
        "postcode",
        "latitude",
        "longitude",
        "remote",
        "starts_at",
        "ends_at",
        "tags",
        "bring",
        "contact",
    }
)
"""Fields :meth:`MissionRepository.update` may change."""
ACTIVE = (SignUpStatus.CONFIRMED, SignUpStatus.OFFERED, SignUpStatus.WAITLISTED)
HOLDING = (SignUpStatus.CONFIRMED, SignUpStatus.OFFERED)
_OF_VOLUNTEER = (
    select(
        *Mission.__table__.c,
        SignUp.mission_id,
        SignUp.volunteer_id,
        SignUp.status.label("signup_status"),
        SignUp.arrival,
        SignUp.offer_expires_at,
    )
    .join(SignUp, SignUp.mission_id == Mission.id)
    .where(
        SignUp.volunteer_id == bindparam("volunteer"),
        SignUp.status.in_([s.value for s in ACTIVE]),
        Mission.association_id == bindparam("association"),
        Mission.starts_at > bindparam("now"),
    )
    .order_by(Mission.starts_at, Mission.id)
)
"""A volunteer's current places on upcoming missions ("my missions", every list's header)."""


class InvalidMissionError(ValueError):
    """A draft breaks a rule; ``reason`` is a message key for the person who typed it."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Outcome(StrEnum):
    """What a sign-up, cancellation or offer answer did."""

    CONFIRMED = "confirmed"
    WAITLISTED = "waitlisted"
    ALREADY = "already"
    CANCELLED = "cancelled"
    NOT_SIGNED_UP = "not_signed_up"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    NO_OFFER = "no_offer"
    EXPIRED = "expired"
    CLOSED = "closed"
    """The mission is not open: cancelled, done, a draft, or already started."""
    NOT_FOUND = "not_found"
    UPDATED = "updated"


@dataclass(frozen=True, slots=True)
class Change:
    """The result of one sign-up operation, and the offers it made to people on the waitlist
    (each to be told privately, with the offer's deadline)."""

    outcome: Outcome
    signup: SignUpRecord | None = None
    offers: tuple[SignUpRecord, ...] = ()
    mission: MissionRecord | None = None

    @property
    def now_full(self) -> bool:
        """The operation took the last free place."""
        return (
            self.outcome is Outcome.CONFIRMED
            and self.mission is not None
            and self.mission.places_left == 0
        )


def _mission(row: Mission | Row[*tuple[Any, ...]]) -> MissionRecord:
    """A mission as the rest of the bot sees it, from its ORM object or a row of its columns."""
    return MissionRecord(
        id=row.id,
        association_id=row.association_id,
        title=row.title,
        description=row.description,
        address=row.address,
        city=row.city,
        postcode=row.postcode,
        latitude=row.latitude,
        longitude=row.longitude,
        remote=row.remote,
        starts_at=row.starts_at,
        ends_at=row.ends_at,
        places=row.places,
        taken=row.taken,
        tags=tuple(row.tags or ()),
        bring=row.bring,
        contact=row.contact,
        status=MissionStatus(row.status),
        cancel_reason=row.cancel_reason,
        created_by=row.created_by,
    )


def _signup(
    row: SignUp | Row[*tuple[Any, ...]], position: int | None = None, status: str | None = None
) -> SignUpRecord:
    """A sign-up as the rest of the bot sees it, from its ORM object or a row of its columns
    (``status`` when the row's own ``status`` column is its mission's)."""
    return SignUpRecord(
        mission_id=row.mission_id,
        volunteer_id=row.volunteer_id,
        status=SignUpStatus(status or row.status),
        arrival=row.arrival,
        waitlist_position=position,
        offer_expires_at=row.offer_expires_at,
    )


def validate(draft: MissionDraft, now: datetime) -> None:
    """Raise :class:`InvalidMissionError` if the draft cannot be published."""
    if not draft.title.strip():
        raise InvalidMissionError("missions.error.title_empty")
    if len(draft.title) > TITLE_MAX:
        raise InvalidMissionError("missions.error.title_long")
    if draft.starts_at.tzinfo is None or draft.ends_at.tzinfo is None:
        raise InvalidMissionError("missions.error.date")
    if draft.starts_at <= now:
        raise InvalidMissionError("missions.error.past")
    if draft.ends_at <= draft.starts_at:
        raise InvalidMissionError("missions.error.end_before_start")
    if not 1 <= draft.places <= MAX_PLACES:
        raise InvalidMissionError("missions.error.places")
    if not draft.remote and not (draft.city or draft.postcode or draft.address):
        raise InvalidMissionError("missions.error.place")


class MissionRepository:
    """Missions of one association at a time: every method takes the association's id, and a
    mission of another association is simply not found."""

    def __init__(self, db: Database, now: Callable[[], datetime]) -> None:
        self._db = db
        self._now = now

    async def create(
        self,
        association_id: int,
        draft: MissionDraft,
        created_by: int | None,
        status: MissionStatus = MissionStatus.PUBLISHED,
    ) -> MissionRecord:
        """Store a validated mission."""
        now = self._now()
        validate(draft, now)
        async with self._db.write() as session:
            row = Mission(
                association_id=association_id,
                title=draft.title.strip(),
                description=draft.description.strip(),
                address=draft.address,
                city=draft.city,
                postcode=draft.postcode,
                latitude=draft.latitude,
                longitude=draft.longitude,
                remote=draft.remote,
                starts_at=draft.starts_at,
                ends_at=draft.ends_at,
                places=draft.places,
                taken=0,
                arrivals=0,
                tags=list(draft.tags),
                bring=draft.bring,
                contact=draft.contact,
                status=status.value,
                created_by=created_by,
                created_at=now,
                updated_at=now,
            )
            session.add(row)
            await session.flush()
            return _mission(row)

    async def get(self, association_id: int, mission_id: int) -> MissionRecord | None:
        """One mission of the association."""
        async with self._db.read() as session:
            row = await self._find(session, association_id, mission_id)
            return _mission(row) if row else None

    async def upcoming(
        self,
        association_id: int,
        *,
        limit: int = 5,
        offset: int = 0,
        until: datetime | None = None,
        since: datetime | None = None,
    ) -> list[MissionRecord]:
        """Published missions that have not started yet (and start in ``[since, until)``
        when given), soonest first."""
        values = self._upcoming_values(association_id, since, until)
        values.update(limit=limit, offset=offset)
        async with self._db.connection() as connection:
            rows = await connection.execute(_PAGE[since is not None, until is not None], values)
            return [_mission(r) for r in rows]

    async def upcoming_places(
        self,
        association_id: int,
        *,
        limit: int,
        until: datetime | None = None,
        since: datetime | None = None,
        near: tuple[float, float, float] | None = None,
        tags: bool = True,
    ) -> list[MissionPlace]:
        """Where and what the upcoming missions are (as :meth:`upcoming`), to filter many of
        them cheaply before loading the few shown. With ``near`` (latitude, longitude, km),
        only remote missions and those in the box around that circle; without ``tags``, every
        place's tags are left empty (not read)."""
        values = self._upcoming_values(association_id, since, until)
        values["limit"] = limit
        if near is not None:
            latitude, longitude, km = near
            rise = km / KM_PER_DEGREE
            run = km / (KM_PER_DEGREE * max(math.cos(math.radians(latitude)), 0.01))
            values.update(
                south=latitude - rise,
                north=latitude + rise,
                west=longitude - run,
                east=longitude + run,
            )
        query = _PLACES[since is not None, until is not None, near is not None, tags]
        async with self._db.connection() as connection:
            rows = await connection.execute(query, values)
            if not tags:
                return [MissionPlace(i, lat, lon, remote, ()) for i, lat, lon, remote, _ in rows]
            return [
                MissionPlace(i, lat, lon, remote, tuple(found) if found else ())
                for i, lat, lon, remote, found in rows
            ]

    async def several(self, association_id: int, mission_ids: Sequence[int]) -> list[MissionRecord]:
        """These missions of the association, in the order given (unknown ids left out)."""
        if not mission_ids:
            return []
        async with self._db.connection() as connection:
            rows = await connection.execute(
                _SEVERAL, {"association": association_id, "ids": list(mission_ids)}
            )
            found = {row.id: _mission(row) for row in rows}
        return [found[n] for n in mission_ids if n in found]

    async def count_upcoming(
        self, association_id: int, *, until: datetime | None = None, since: datetime | None = None
    ) -> int:
        """How many missions :meth:`upcoming` would list without a limit."""
        values = self._upcoming_values(association_id, since, until)
        async with self._db.connection() as connection:
            count = await connection.scalar(_COUNT[since is not None, until is not None], values)
            return int(count or 0)

    def _upcoming_values(
        self, association_id: int, since: datetime | None, until: datetime | None
    ) -> dict[str, object]:
        """The values to bind to the upcoming missions' statements."""
        values: dict[str, object] = {"association": association_id, "now": self._now()}
        if since is not None:
            values["since"] = since
        if until is not None:
            values["until"] = until
        return values

    async def managed(
        self, association_id: int, *, since: datetime, limit: int = 20
    ) -> list[MissionRecord]:
        """Missions a coordinator may act on: every status, starting after ``since``, the
        upcoming ones first (soonest first), then the past ones (latest first)."""
        async with self._db.read() as session:
            rows = list(
                (
                    await session.execute(
                        select(Mission)
                        .where(
                            Mission.association_id == association_id,
                            Mission.starts_at >= since,
                        )
                        .order_by(Mission.starts_at.desc(), Mission.id.desc())
                        .limit(limit)
                    )
                ).scalars()
            )
        now = self._now()
        ahead = sorted((r for r in rows if r.starts_at > now), key=lambda r: r.starts_at)
        behind = [r for r in rows if r.starts_at <= now]
        return [_mission(r) for r in ahead + behind]

    async def update(
        self, association_id: int, mission_id: int, changes: dict[str, object]
    ) -> MissionRecord | None:
        """Change a mission's fields (not its places: see :meth:`set_places`); the result is
        validated as a whole before anything is written."""
        unknown = set(changes) - EDITABLE
        if unknown:
            raise ValueError(f"not editable: {sorted(unknown)}")
        async with self._db.write() as session:
            mission = await self._lock(session, association_id, mission_id)
            if mission is None:
                return None
            if mission.status in (MissionStatus.CANCELLED.value, MissionStatus.DONE.value):
                raise InvalidMissionError("missions.error.closed")
            current = {name: getattr(mission, name) for name in EDITABLE}
            current.update(changes)
            draft = MissionDraft(
                places=mission.places,
                **{k: (tuple(v) if k == "tags" else v) for k, v in current.items()},  # type: ignore[arg-type]
            )
            validate(draft, self._now())
            for name, value in changes.items():
                setattr(mission, name, list(value) if name == "tags" else value)  # type: ignore[call-overload]
            mission.updated_at = self._now()
            return _mission(mission)

    async def sign_up(self, association_id: int, mission_id: int, volunteer_id: int) -> Change:
        """Take a free place, or a place on the waitlist when the mission is full."""
        async with self._db.write() as session:
            mission = await self._lock(session, association_id, mission_id)
            if mission is None:
                return Change(Outcome.NOT_FOUND)
            if not self._open(mission):
                return Change(Outcome.CLOSED, mission=_mission(mission))
            row = await self._signup_row(session, mission_id, volunteer_id)
            if row is not None and row.status in ACTIVE:
                position = await self._position(session, row.status, row.mission_id, row.arrival)
                return Change(Outcome.ALREADY, _signup(row, position), mission=_mission(mission))
            now = self._now()
            mission.arrivals += 1
            if row is None:
                row = SignUp(mission_id=mission_id, volunteer_id=volunteer_id, created_at=now)
                session.add(row)
            row.arrival = mission.arrivals
            row.offer_expires_at = None
            row.updated_at = now
            if mission.taken < mission.places:
                mission.taken += 1
                row.status = SignUpStatus.CONFIRMED.value
                outcome = Outcome.CONFIRMED
            else:
                row.status = SignUpStatus.WAITLISTED.value
                outcome = Outcome.WAITLISTED
            await session.flush()
            position = await self._position(session, row.status, row.mission_id, row.arrival)
            return Change(outcome, _signup(row, position), mission=_mission(mission))

    async def cancel(
        self, association_id: int, mission_id: int, volunteer_id: int, offer_for: timedelta
    ) -> Change:
        """Give up a place (or a waitlist place); a freed place is offered to the next in line
        for ``offer_for``."""
        async with self._db.write() as session:
            mission = await self._lock(session, association_id, mission_id)
            if mission is None:
                return Change(Outcome.NOT_FOUND)
            row = await self._signup_row(session, mission_id, volunteer_id)
            if row is None or row.status not in ACTIVE:
                return Change(Outcome.NOT_SIGNED_UP, mission=_mission(mission))
            held = row.status in HOLDING
            row.status = SignUpStatus.CANCELLED.value
            row.offer_expires_at = None
            row.updated_at = self._now()
            offers = await self._release(session, mission, offer_for) if held else ()
            return Change(Outcome.CANCELLED, _signup(row), offers, _mission(mission))

    async def answer_offer(
        self,
        association_id: int,
        mission_id: int,
        volunteer_id: int,
        accept: bool,
        offer_for: timedelta,
    ) -> Change:
        """Accept or decline an offered place; a declined place moves on down the waitlist."""
        async with self._db.write() as session:
            mission = await self._lock(session, association_id, mission_id)
            if mission is None:
                return Change(Outcome.NOT_FOUND)
            row = await self._signup_row(session, mission_id, volunteer_id)
            if row is None or row.status != SignUpStatus.OFFERED.value:
                return Change(Outcome.NO_OFFER, _signup(row) if row else None)
            now = self._now()
            expired = row.offer_expires_at is not None and row.offer_expires_at <= now
            if accept and not expired and self._open(mission):
                row.status = SignUpStatus.CONFIRMED.value
                row.offer_expires_at = None
                row.updated_at = now
                return Change(Outcome.ACCEPTED, _signup(row), mission=_mission(mission))
            row.status = SignUpStatus.DECLINED.value
            row.offer_expires_at = None
            row.updated_at = now
            offers = await self._release(session, mission, offer_for)
            outcome = Outcome.DECLINED if not accept else Outcome.EXPIRED
            return Change(outcome, _signup(row), offers, _mission(mission))

    async def expire_offers(self, offer_for: timedelta) -> list[Change]:
        """Move on every offer whose deadline has passed; returns one change per expiry."""
        now = self._now()
        async with self._db.read() as session:
            due = (
                await session.execute(
                    select(SignUp.mission_id, SignUp.volunteer_id, Mission.association_id)
                    .join(Mission, Mission.id == SignUp.mission_id)
                    .where(
                        SignUp.status == SignUpStatus.OFFERED.value,
                        SignUp.offer_expires_at <= now,
                    )
                    .order_by(SignUp.offer_expires_at)
                )
            ).all()
        changes = []
        for mission_id, volunteer_id, association_id in due:
            change = await self.answer_offer(
                association_id, mission_id, volunteer_id, accept=False, offer_for=offer_for
            )
            if change.outcome is Outcome.DECLINED:
                changes.append(
                    Change(Outcome.EXPIRED, change.signup, change.offers, change.mission)
                )
        return changes

    async def set_places(
        self, association_id: int, mission_id: int, places: int, offer_for: timedelta
    ) -> Change:
        """Change the number of places; new places are offered down the waitlist. Places can
        not go below those already held."""
        if not 1 <= places <= MAX_PLACES:
            raise InvalidMissionError("missions.error.places")
        async with self._db.write() as session:
            mission = await self._lock(session, association_id, mission_id)
            if mission is None:
                return Change(Outcome.NOT_FOUND)
            if places < mission.taken:
                raise InvalidMissionError("missions.error.places_below_taken")
            mission.places = places
            mission.updated_at = self._now()
            offers: list[SignUpRecord] = []
            while mission.taken < mission.places:
                offer = await self._offer_next(session, mission, offer_for)
                if offer is None:
                    break
                mission.taken += 1
                offers.append(offer)
            return Change(Outcome.UPDATED, offers=tuple(offers), mission=_mission(mission))

    async def close(
        self, association_id: int, mission_id: int, status: MissionStatus, reason: str | None
    ) -> tuple[MissionRecord | None, list[SignUpRecord]]:
        """Cancel a mission (with a reason) or mark it done; returns the people who held or
        awaited a place, so that they can be told."""
        async with self._db.write() as session:
            mission = await self._lock(session, association_id, mission_id)
            if mission is None:
                return None, []
            mission.status = status.value
            mission.cancel_reason = reason
            mission.updated_at = self._now()
            rows = await self._people(session, mission_id, ACTIVE)
            if status is MissionStatus.CANCELLED:
                for row in rows:
                    row.status = SignUpStatus.CANCELLED.value
                    row.offer_expires_at = None
                mission.taken = 0
            return _mission(mission), [_signup(r) for r in rows]

    async def participants(self, association_id: int, mission_id: int) -> list[SignUpRecord]:
        """Who holds or awaits a place: confirmed and offered first, then the waitlist."""
        async with self._db.read() as session:
            if await self._find(session, association_id, mission_id) is None:
                return []
            rows = await self._people(session, mission_id, ACTIVE)
            held = [_signup(r) for r in rows if r.status in HOLDING]
            waiting = [r for r in rows if r.status == SignUpStatus.WAITLISTED.value]
            return held + [_signup(r, n) for n, r in enumerate(waiting, start=1)]

    async def of_volunteer(
        self, volunteer_id: int, association_id: int
    ) -> list[tuple[MissionRecord, SignUpRecord]]:
        """The volunteer's current places on upcoming missions of the association."""
        values = {"volunteer": volunteer_id, "association": association_id, "now": self._now()}
        async with self._db.connection() as connection:
            rows = (await connection.execute(_OF_VOLUNTEER, values)).all()
            result = []
            for row in rows:
                status = row.signup_status
                position = await self._position(connection, status, row.id, row.arrival)
                result.append((_mission(row), _signup(row, position, status)))
            return result

    # Internals -----------------------------------------------------------------------------

    def _open(self, mission: Mission) -> bool:
        return mission.status == MissionStatus.PUBLISHED.value and mission.starts_at > self._now()

    @staticmethod
    async def _find(session: AsyncSession, association_id: int, mission_id: int) -> Mission | None:
        values = {"mission": mission_id, "association": association_id}
        return (await session.execute(_FIND, values)).scalar_one_or_none()

    @staticmethod
    async def _lock(session: AsyncSession, association_id: int, mission_id: int) -> Mission | None:
        values = {"mission": mission_id, "association": association_id}
        return (await session.execute(_LOCK, values)).scalar_one_or_none()

    @staticmethod
    async def _signup_row(
        session: AsyncSession, mission_id: int, volunteer_id: int
    ) -> SignUp | None:
        values = {"mission": mission_id, "volunteer": volunteer_id}
        return (await session.execute(_SIGNUP_ROW, values)).scalar_one_or_none()

    @staticmethod
    async def _people(
        session: AsyncSession, mission_id: int, statuses: Sequence[SignUpStatus]
    ) -> list[SignUp]:
        return list(
            (
                await session.execute(
                    select(SignUp)
                    .where(
                        SignUp.mission_id == mission_id,
                        SignUp.status.in_([s.value for s in statuses]),
                    )
                    .order_by(SignUp.arrival)
                )
            ).scalars()
        )

    @staticmethod
    async def _position(
        session: AsyncSession | AsyncConnection, status: str, mission_id: int, arrival: int
    ) -> int | None:
        """A waitlisted sign-up's place in the queue (1 = next); None for any other."""
        if status != SignUpStatus.WAITLISTED.value:
            return None
        values = {"mission": mission_id, "arrival": arrival}
        ahead = (await session.execute(_WAITING_AHEAD, values)).scalar_one()
        return int(ahead) + 1

    async def _offer_next(
        self, session: AsyncSession, mission: Mission, offer_for: timedelta
    ) -> SignUpRecord | None:
        """Offer a place to the next on the waitlist (the caller counts the place as held)."""
        if not self._open(mission):
            return None
        row = (
            await session.execute(
                select(SignUp)
                .where(
                    SignUp.mission_id == mission.id,
                    SignUp.status == SignUpStatus.WAITLISTED.value,
                )
                .order_by(SignUp.arrival)
                .limit(1)
            )
        ).scalar_one_or_none()
        if row is None:
            return None
        now = self._now()
        row.status = SignUpStatus.OFFERED.value
        row.offer_expires_at = min(now + offer_for, mission.starts_at)
        row.updated_at = now
        return _signup(row)

    async def _release(
        self, session: AsyncSession, mission: Mission, offer_for: timedelta
    ) -> tuple[SignUpRecord, ...]:
        """A held place is free again: offer it on, or count it as free."""
        offer = await self._offer_next(session, mission, offer_for)
        if offer is None:
            mission.taken -= 1
            return ()
        return (offer,)
