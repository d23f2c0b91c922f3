"""Volunteers' consent to announcements, and who an announcement reaches.

Nobody is subscribed by default. A volunteer chooses, per association, either every
announcement (``all``) or only those for some areas and topics; a general announcement reaches
the ``all`` subscribers only, an announcement for an area or a topic reaches the ``all``
subscribers and those who chose that area or topic.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import ColumnElement, Delete, Select, and_, delete, func, or_, select
from sqlalchemy.exc import IntegrityError

from storage.db import Database
from storage.models import Mission, SignUp, Subscription
from storage.records import (
    Audience,
    AudienceKind,
    SignUpStatus,
    SubscriptionRecord,
    SubscriptionScope,
)

MAX_FILTERS = 12
"""Areas and topics one volunteer may pick per association."""
_MISSION_AUDIENCE = (SignUpStatus.CONFIRMED.value, SignUpStatus.OFFERED.value)


class SubscriptionRepository:
    """Subscribe, unsubscribe, and select an announcement's recipients."""

    def __init__(self, db: Database, now: Callable[[], datetime]) -> None:
        self._db = db
        self._now = now

    async def of_volunteer(
        self, volunteer_id: int, association_id: int
    ) -> list[SubscriptionRecord]:
        """What this volunteer receives from this association (empty: nothing)."""
        async with self._db.read() as session:
            rows = await session.execute(
                select(Subscription.scope, Subscription.value, Subscription.department)
                .where(
                    Subscription.volunteer_id == volunteer_id,
                    Subscription.association_id == association_id,
                )
                .order_by(Subscription.scope, Subscription.value)
            )
            return [SubscriptionRecord(SubscriptionScope(s), v, d) for s, v, d in rows]

    async def subscribe_all(self, volunteer_id: int, association_id: int) -> None:
        """Every announcement of the association (replaces any narrower choice)."""
        async with self._db.write() as session:
            await session.execute(self._delete(volunteer_id, association_id))
            session.add(self._row(volunteer_id, association_id, SubscriptionRecord(_ALL)))

    async def add_filter(
        self, volunteer_id: int, association_id: int, choice: SubscriptionRecord
    ) -> bool:
        """Add an area or a topic (dropping ``all``); False if already there or too many."""
        if choice.scope is SubscriptionScope.ALL:
            raise ValueError("use subscribe_all for every announcement")
        try:
            async with self._db.write(savepoint=True) as session:
                await session.execute(
                    self._delete(volunteer_id, association_id).where(Subscription.scope == _ALL)
                )
                mine = Subscription.volunteer_id == volunteer_id
                count = await session.execute(
                    select(func.count(Subscription.id)).where(
                        mine, Subscription.association_id == association_id
                    )
                )
                if count.scalar_one() >= MAX_FILTERS:
                    return False
                exists = await session.execute(
                    select(Subscription.id).where(
                        mine,
                        Subscription.association_id == association_id,
                        Subscription.scope == choice.scope.value,
                        Subscription.value == choice.value,
                    )
                )
                if exists.first() is not None:
                    return False
                session.add(self._row(volunteer_id, association_id, choice))
        except IntegrityError:
            return False
        return True

    async def remove_filter(
        self, volunteer_id: int, association_id: int, scope: SubscriptionScope, value: str
    ) -> bool:
        """Drop one area or topic; True if it was there."""
        async with self._db.write() as session:
            result = await session.execute(
                self._delete(volunteer_id, association_id).where(
                    Subscription.scope == scope.value, Subscription.value == value
                )
            )
            return bool(getattr(result, "rowcount", 0))

    async def unsubscribe(self, volunteer_id: int, association_id: int) -> bool:
        """No more announcements from this association; True if there were any."""
        async with self._db.write() as session:
            result = await session.execute(self._delete(volunteer_id, association_id))
            return bool(getattr(result, "rowcount", 0))

    async def topics(self, association_id: int, limit: int = 12) -> list[str]:
        """The topics most chosen in this association, most popular first."""
        async with self._db.read() as session:
            rows = await session.execute(
                select(Subscription.value)
                .where(
                    Subscription.association_id == association_id,
                    Subscription.scope == SubscriptionScope.TAG.value,
                )
                .group_by(Subscription.value)
                .order_by(func.count(Subscription.id).desc(), Subscription.value)
                .limit(limit)
            )
            return [value for (value,) in rows]

    async def count(self, association_id: int, audience: Audience) -> int:
        """How many people this audience reaches."""
        query = _recipients(association_id, audience).subquery()
        async with self._db.read() as session:
            total = await session.execute(select(func.count()).select_from(query))
            return int(total.scalar_one())

    async def recipients(
        self, association_id: int, audience: Audience, *, after: int, limit: int
    ) -> list[int]:
        """The next ``limit`` volunteer ids of this audience above ``after``, in id order."""
        query = _recipients(association_id, audience)
        column = query.selected_columns[0]
        async with self._db.read() as session:
            rows = await session.execute(query.where(column > after).order_by(column).limit(limit))
            return list(rows.scalars())

    def _row(
        self, volunteer_id: int, association_id: int, choice: SubscriptionRecord
    ) -> Subscription:
        return Subscription(
            volunteer_id=volunteer_id,
            association_id=association_id,
            scope=choice.scope.value,
            value=choice.value,
            department=choice.department,
            created_at=self._now(),
        )

    @staticmethod
    def _delete(volunteer_id: int, association_id: int) -> Delete:
        return delete(Subscription).where(
            Subscription.volunteer_id == volunteer_id,
            Subscription.association_id == association_id,
        )


_ALL = SubscriptionScope.ALL


def _matches(audience: Audience) -> ColumnElement[bool]:
    """The subscriptions that let ``audience`` reach a volunteer."""
    everything = Subscription.scope == _ALL.value
    if audience.kind is AudienceKind.ALL:
        return everything
    if audience.kind is AudienceKind.TAG:
        chosen = and_(
            Subscription.scope == SubscriptionScope.TAG.value, Subscription.value == audience.value
        )
        return or_(everything, chosen)
    if audience.kind is AudienceKind.AREA:
        area = Subscription.scope == SubscriptionScope.AREA.value
        if audience.value == audience.department:
            return or_(everything, and_(area, Subscription.department == audience.department))
        same_place = Subscription.value.in_([audience.value, audience.department or ""])
        return or_(everything, and_(area, same_place))
    raise ValueError(f"no subscription matches a {audience.kind} audience")


def _recipients(association_id: int, audience: Audience) -> Select[int]:
    """Distinct volunteer ids reached by ``audience`` in this association."""
    if audience.kind is AudienceKind.MISSION:
        return (
            select(SignUp.volunteer_id)
            .join(Mission, Mission.id == SignUp.mission_id)
            .where(
                Mission.association_id == association_id,
                Mission.id == _mission_id(audience.value),
                SignUp.status.in_(_MISSION_AUDIENCE),
            )
            .group_by(SignUp.volunteer_id)
        )
    return (
        select(Subscription.volunteer_id)
        .where(Subscription.association_id == association_id, _matches(audience))
        .group_by(Subscription.volunteer_id)
    )


def _mission_id(value: str) -> int:
    return int(value) if value.isdigit() else -1
