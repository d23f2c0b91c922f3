"""Mentors ("référents numériques") and help requests handed to them. Taking a request is one
conditional UPDATE, so that among mentors pressing at the same moment exactly one wins."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.db import Database
from storage.models import HelpRequest, Mentor, Pair, Volunteer

QUESTION_MAX = 500


class MentorStatus(StrEnum):
    """Where a mentor stands."""

    PENDING = "pending"
    ACTIVE = "active"
    PAUSED = "paused"
    REMOVED = "removed"


class RequestStatus(StrEnum):
    """Where a help request stands."""

    OPEN = "open"
    TAKEN = "taken"
    CLOSED = "closed"
    EXPIRED = "expired"
    """Nobody took it in time: the coordinators were told; it can still be taken."""


class PairStatus(StrEnum):
    """Where a newcomer-mentor pair stands."""

    PROPOSED = "proposed"
    """Suggested to the newcomer."""
    ASKED = "asked"
    """The newcomer said yes; the mentor is asked."""
    ACTIVE = "active"
    DECLINED = "declined"
    ENDED = "ended"


CURRENT_PAIR = (PairStatus.PROPOSED, PairStatus.ASKED, PairStatus.ACTIVE)


@dataclass(frozen=True, slots=True)
class PairRecord:
    """A newcomer and their regular mentor (volunteer ids)."""

    id: int
    association_id: int
    newcomer_id: int
    mentor_id: int
    status: PairStatus


@dataclass(frozen=True, slots=True)
class MentorRecord:
    """A mentor of one association."""

    id: int
    volunteer_id: int
    association_id: int
    topics: tuple[str, ...]
    availability: str
    status: MentorStatus
    name: str | None = None


@dataclass(frozen=True, slots=True)
class HelpRecord:
    """A help request."""

    id: int
    association_id: int
    volunteer_id: int
    mentor_id: int | None
    question: str
    topic: str | None
    status: RequestStatus
    created_at: datetime
    deadline_at: datetime


def _mentor(row: Mentor, name: str | None = None) -> MentorRecord:
    return MentorRecord(
        row.id,
        row.volunteer_id,
        row.association_id,
        tuple(row.topics or ()),
        row.availability,
        MentorStatus(row.status),
        name,
    )


def _request(row: HelpRequest) -> HelpRecord:
    return HelpRecord(
        row.id,
        row.association_id,
        row.volunteer_id,
        row.mentor_id,
        row.question,
        row.topic,
        RequestStatus(row.status),
        row.created_at,
        row.deadline_at,
    )


class HelpRepository:
    """Mentors and help requests, always within one association."""

    def __init__(self, db: Database, now: Callable[[], datetime]) -> None:
        self._db = db
        self._now = now

    # -- mentors --------------------------------------------------------------------------------

    async def offer(
        self, volunteer_id: int, association_id: int, topics: Sequence[str], availability: str
    ) -> MentorRecord:
        """Offer to help (or change one's topics and availability); a new offer waits for a
        coordinator, a known mentor keeps their status."""
        async with self._db.write() as session:
            row = await self._mentor_row(session, volunteer_id, association_id)
            if row is None:
                row = Mentor(
                    volunteer_id=volunteer_id,
                    association_id=association_id,
                    status=MentorStatus.PENDING.value,
                    created_at=self._now(),
                )
                session.add(row)
            elif row.status == MentorStatus.REMOVED.value:
                row.status = MentorStatus.PENDING.value
            row.topics = list(topics)
            row.availability = availability[:200]
            await session.flush()
            return _mentor(row)

    async def mentor(self, volunteer_id: int, association_id: int) -> MentorRecord | None:
        """The volunteer's mentor record in the association, if any."""
        async with self._db.read() as session:
            row = await self._mentor_row(session, volunteer_id, association_id)
            return _mentor(row) if row else None

    async def mentor_by_id(self, mentor_id: int, association_id: int) -> MentorRecord | None:
        """A mentor of the association by id."""
        async with self._db.read() as session:
            row = await session.get(Mentor, mentor_id)
            if row is None or row.association_id != association_id:
                return None
            return _mentor(row)

    async def set_mentor_status(
        self, mentor_id: int, association_id: int, status: MentorStatus
    ) -> MentorRecord | None:
        """Approve, pause, resume or remove a mentor of the association."""
        async with self._db.write() as session:
            row = await session.get(Mentor, mentor_id)
            if row is None or row.association_id != association_id:
                return None
            row.status = status.value
            return _mentor(row)

    async def mentors(
        self, association_id: int, statuses: Sequence[MentorStatus] = tuple(MentorStatus)
    ) -> list[MentorRecord]:
        """The association's mentors in these statuses, with their names, oldest first."""
        async with self._db.read() as session:
            rows = await session.execute(
                select(Mentor, Volunteer.display_name)
                .join(Volunteer, Volunteer.id == Mentor.volunteer_id)
                .where(
                    Mentor.association_id == association_id,
                    Mentor.status.in_([s.value for s in statuses]),
                )
                .order_by(Mentor.id)
            )
            return [_mentor(row, name) for row, name in rows]

    @staticmethod
    async def _mentor_row(
        session: AsyncSession, volunteer_id: int, association_id: int
    ) -> Mentor | None:
        return (
            await session.execute(
                select(Mentor).where(
                    Mentor.volunteer_id == volunteer_id, Mentor.association_id == association_id
                )
            )
        ).scalar_one_or_none()

    # -- requests -------------------------------------------------------------------------------

    async def open_request(
        self,
        association_id: int,
        volunteer_id: int,
        question: str,
        topic: str | None,
        deadline: datetime,
    ) -> tuple[HelpRecord, bool]:
        """A new request, and True; a person has one request under way at a time, so their
        current one comes back instead, with False."""
        async with self._db.write() as session:
            current = (
                (
                    await session.execute(
                        select(HelpRequest).where(
                            HelpRequest.association_id == association_id,
                            HelpRequest.volunteer_id == volunteer_id,
                            HelpRequest.status.in_(
                                [
                                    RequestStatus.OPEN.value,
                                    RequestStatus.TAKEN.value,
                                    RequestStatus.EXPIRED.value,
                                ]
                            ),
                        )
                    )
                )
                .scalars()
                .first()
            )
            if current is not None:
                return _request(current), False
            row = HelpRequest(
                association_id=association_id,
                volunteer_id=volunteer_id,
                question=question[:QUESTION_MAX],
                topic=topic,
                status=RequestStatus.OPEN.value,
                created_at=self._now(),
                deadline_at=deadline,
                reported=False,
            )
            session.add(row)
            await session.flush()
            return _request(row), True

    async def get(self, request_id: int, association_id: int | None = None) -> HelpRecord | None:
        """A request by id (within the association, when given)."""
        async with self._db.read() as session:
            row = await session.get(HelpRequest, request_id)
            if row is None or (association_id is not None and row.association_id != association_id):
                return None
            return _request(row)

    async def take(self, request_id: int, mentor_volunteer_id: int) -> bool:
        """Give the request to this mentor if nobody has it yet; exactly one caller wins."""
        async with self._db.write() as session:
            result = await session.execute(
                update(HelpRequest)
                .where(
                    HelpRequest.id == request_id,
                    HelpRequest.status.in_([RequestStatus.OPEN.value, RequestStatus.EXPIRED.value]),
                    HelpRequest.volunteer_id != mentor_volunteer_id,
                )
                .values(
                    status=RequestStatus.TAKEN.value,
                    mentor_id=mentor_volunteer_id,
                    taken_at=self._now(),
                )
            )
            return bool(getattr(result, "rowcount", 0))

    async def close(self, request_id: int, *, reported: bool = False) -> HelpRecord | None:
        """End the request (taken or not); None if it was closed already."""
        async with self._db.write() as session:
            row = await session.get(HelpRequest, request_id)
            if row is None or row.status == RequestStatus.CLOSED.value:
                return None
            row.status = RequestStatus.CLOSED.value
            row.closed_at = self._now()
            row.reported = row.reported or reported
            return _request(row)

    async def expire(self, request_id: int) -> HelpRecord | None:
        """Mark a request nobody took in time; None if it was taken or closed meanwhile."""
        async with self._db.write() as session:
            result = await session.execute(
                update(HelpRequest)
                .where(
                    HelpRequest.id == request_id,
                    HelpRequest.status == RequestStatus.OPEN.value,
                )
                .values(status=RequestStatus.EXPIRED.value)
            )
            if not getattr(result, "rowcount", 0):
                return None
            row = await session.get(HelpRequest, request_id)
            return _request(row) if row else None

    async def set_helped(self, request_id: int, volunteer_id: int, helped: bool) -> bool:
        """The asker's answer to "did it help?" (once, and only theirs)."""
        async with self._db.write() as session:
            result = await session.execute(
                update(HelpRequest)
                .where(
                    HelpRequest.id == request_id,
                    HelpRequest.volunteer_id == volunteer_id,
                    HelpRequest.status == RequestStatus.CLOSED.value,
                    HelpRequest.helped.is_(None),
                )
                .values(helped=helped)
            )
            return bool(getattr(result, "rowcount", 0))

    # -- pairs ----------------------------------------------------------------------------------

    async def current_pair(self, newcomer_id: int, association_id: int) -> PairRecord | None:
        """The newcomer's pair under way (proposed, asked or active), if any."""
        async with self._db.read() as session:
            row = (
                (
                    await session.execute(
                        select(Pair)
                        .where(
                            Pair.newcomer_id == newcomer_id,
                            Pair.association_id == association_id,
                            Pair.status.in_([s.value for s in CURRENT_PAIR]),
                        )
                        .order_by(Pair.id.desc())
                    )
                )
                .scalars()
                .first()
            )
            return _pair(row) if row else None

    async def declined_mentors(self, newcomer_id: int, association_id: int) -> set[int]:
        """Mentors already declined by or for this newcomer (not to be suggested again)."""
        async with self._db.read() as session:
            rows = await session.execute(
                select(Pair.mentor_id).where(
                    Pair.newcomer_id == newcomer_id,
                    Pair.association_id == association_id,
                    Pair.status == PairStatus.DECLINED.value,
                )
            )
            return {row[0] for row in rows}

    async def pair_counts(self, association_id: int) -> dict[int, int]:
        """How many active pairs each mentor has."""
        async with self._db.read() as session:
            rows = await session.execute(
                select(Pair.mentor_id).where(
                    Pair.association_id == association_id,
                    Pair.status == PairStatus.ACTIVE.value,
                )
            )
            counts: dict[int, int] = {}
            for (mentor_id,) in rows:
                counts[mentor_id] = counts.get(mentor_id, 0) + 1
            return counts

    async def propose_pair(
        self, association_id: int, newcomer_id: int, mentor_id: int
    ) -> PairRecord:
        """Suggest this mentor to the newcomer."""
        async with self._db.write() as session:
            row = Pair(
                association_id=association_id,
                newcomer_id=newcomer_id,
                mentor_id=mentor_id,
                status=PairStatus.PROPOSED.value,
                created_at=self._now(),
            )
            session.add(row)
            await session.flush()
            return _pair(row)

    async def get_pair(self, pair_id: int) -> PairRecord | None:
        """A pair by id."""
        async with self._db.read() as session:
            row = await session.get(Pair, pair_id)
            return _pair(row) if row else None

    async def move_pair(
        self, pair_id: int, before: Sequence[PairStatus], after: PairStatus
    ) -> bool:
        """Change a pair's status if it is in one of ``before`` (one press wins)."""
        async with self._db.write() as session:
            result = await session.execute(
                update(Pair)
                .where(Pair.id == pair_id, Pair.status.in_([s.value for s in before]))
                .values(status=after.value)
            )
            return bool(getattr(result, "rowcount", 0))


def _pair(row: Pair) -> PairRecord:
    return PairRecord(
        row.id, row.association_id, row.newcomer_id, row.mentor_id, PairStatus(row.status)
    )
