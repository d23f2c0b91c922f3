"""Associations and memberships."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from storage.db import Database
from storage.models import Association, Membership
from storage.records import AssociationRecord, MembershipRecord, Role


def association_record(row: Association) -> AssociationRecord:
    return AssociationRecord(id=row.id, slug=row.slug, name=row.name)


class AssociationRepository:
    """Associations, and who belongs to which with what role."""

    def __init__(self, db: Database, now: Callable[[], datetime]) -> None:
        self._db = db
        self._now = now

    async def create(self, slug: str, name: str) -> AssociationRecord:
        """A new association; ``slug`` must be unused."""
        async with self._db.write() as session:
            row = Association(slug=slug, name=name, created_at=self._now())
            session.add(row)
            await session.flush()
            return association_record(row)

    async def get(self, association_id: int) -> AssociationRecord | None:
        """An association by id."""
        async with self._db.read() as session:
            row = await session.get(Association, association_id)
            return association_record(row) if row else None

    async def by_slug(self, slug: str) -> AssociationRecord | None:
        """The association with this slug."""
        async with self._db.read() as session:
            row = (
                await session.execute(select(Association).where(Association.slug == slug))
            ).scalar_one_or_none()
            return association_record(row) if row else None

    async def first(self) -> AssociationRecord | None:
        """The oldest association (single-association deployments use it by default)."""
        async with self._db.read() as session:
            row = (
                await session.execute(select(Association).order_by(Association.id).limit(1))
            ).scalar_one_or_none()
            return association_record(row) if row else None

    async def count(self) -> int:
        """How many associations exist."""
        async with self._db.read() as session:
            return int((await session.execute(select(func.count(Association.id)))).scalar_one())

    async def join(
        self, volunteer_id: int, association_id: int, role: Role = Role.VOLUNTEER
    ) -> Role:
        """Make the volunteer a member; an existing membership keeps its role."""
        existing = await self.role_of(volunteer_id, association_id)
        if existing is not None:
            return existing
        try:
            async with self._db.write(savepoint=True) as session:
                session.add(
                    Membership(
                        volunteer_id=volunteer_id,
                        association_id=association_id,
                        role=role.value,
                        created_at=self._now(),
                    )
                )
        except IntegrityError:
            # Joined concurrently: the stored role wins.
            pass
        stored = await self.role_of(volunteer_id, association_id)
        return stored if stored is not None else role

    async def set_role(self, volunteer_id: int, association_id: int, role: Role) -> None:
        """Give a member a role, creating the membership if needed."""
        await self.join(volunteer_id, association_id, role)
        async with self._db.write() as session:
            membership = (
                await session.execute(
                    select(Membership).where(
                        Membership.volunteer_id == volunteer_id,
                        Membership.association_id == association_id,
                    )
                )
            ).scalar_one()
            membership.role = role.value

    async def role_of(self, volunteer_id: int, association_id: int) -> Role | None:
        """The volunteer's role in the association, or None if not a member."""
        async with self._db.read() as session:
            role = (
                await session.execute(
                    select(Membership.role).where(
                        Membership.volunteer_id == volunteer_id,
                        Membership.association_id == association_id,
                    )
                )
            ).scalar_one_or_none()
            return Role(role) if role else None

    async def enter(self, volunteer_id: int, association_id: int) -> Role:
        """Join (if needed) and note that the volunteer acts in this association now."""
        role = await self._touch(volunteer_id, association_id)
        if role is None:
            await self.join(volunteer_id, association_id)
            role = await self._touch(volunteer_id, association_id)
        return role or Role.VOLUNTEER

    async def _touch(self, volunteer_id: int, association_id: int) -> Role | None:
        async with self._db.write() as session:
            role = (
                await session.execute(
                    update(Membership)
                    .where(
                        Membership.volunteer_id == volunteer_id,
                        Membership.association_id == association_id,
                    )
                    .values(last_used_at=self._now())
                    .returning(Membership.role)
                )
            ).scalar_one_or_none()
            return Role(role) if role is not None else None

    async def coordinators(self, association_id: int) -> list[int]:
        """The volunteer ids of the association's coordinators."""
        async with self._db.read() as session:
            rows = await session.execute(
                select(Membership.volunteer_id).where(
                    Membership.association_id == association_id,
                    Membership.role == Role.COORDINATOR.value,
                )
            )
            return [row[0] for row in rows]

    async def memberships(self, volunteer_id: int) -> list[MembershipRecord]:
        """Every association the volunteer belongs to: the one used last in a server first,
        then the oldest membership first."""
        async with self._db.read() as session:
            rows = (
                await session.execute(
                    select(Association, Membership.role)
                    .join(Membership, Membership.association_id == Association.id)
                    .where(Membership.volunteer_id == volunteer_id)
                    .order_by(Membership.last_used_at.desc().nulls_last(), Membership.id)
                )
            ).all()
            return [
                MembershipRecord(association=association_record(a), role=Role(r)) for a, r in rows
            ]
