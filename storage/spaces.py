"""Spaces (a Discord server is one association by default) and one-time link codes that
attach a server or a group to an existing association."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from storage.db import Database
from storage.models import Association, LinkCode, Space

CODE_LIFETIME = timedelta(minutes=10)
CODE_DIGITS = 8


@dataclass(frozen=True, slots=True)
class SpaceRecord:
    """A server and the association it stands for."""

    platform: str
    space_id: str
    association_id: int
    coordinator_role_id: str | None


def _record(row: Space) -> SpaceRecord:
    return SpaceRecord(row.platform, row.space_id, row.association_id, row.coordinator_role_id)


def normalise_code(text: str) -> str:
    """What a person typed as a code, digits only (``1234-5678``, ``1234 5678``...)."""
    return "".join(c for c in text if c.isdigit())


class SpaceRepository:
    """Which association each server stands for, and the codes that re-attach them."""

    def __init__(self, db: Database, now: Callable[[], datetime]) -> None:
        self._db = db
        self._now = now

    async def get(self, platform: str, space_id: str) -> SpaceRecord | None:
        """The server's record, if it has been seen."""
        async with self._db.read() as session:
            row = await self._row(session, platform, space_id)
            return _record(row) if row else None

    async def resolve(self, platform: str, space_id: str, name: str | None) -> SpaceRecord:
        """The server's record; a server seen for the first time becomes a new association,
        named after it."""
        found = await self.get(platform, space_id)
        if found is not None:
            return found
        try:
            async with self._db.write(savepoint=True) as session:
                association = Association(
                    slug=f"{platform}-{space_id}"[:64],
                    name=(name or space_id).strip()[:200] or space_id,
                    created_at=self._now(),
                )
                session.add(association)
                await session.flush()
                row = Space(
                    platform=platform,
                    space_id=space_id,
                    association_id=association.id,
                    created_at=self._now(),
                )
                session.add(row)
                await session.flush()
                return _record(row)
        except IntegrityError:
            # Another event of the same new server created it first.
            again = await self.get(platform, space_id)
            if again is None:
                raise
            return again

    async def attach(self, platform: str, space_id: str, association_id: int) -> None:
        """Make the server stand for ``association_id`` from now on."""
        async with self._db.write() as session:
            row = await self._row(session, platform, space_id)
            if row is None:
                session.add(
                    Space(
                        platform=platform,
                        space_id=space_id,
                        association_id=association_id,
                        created_at=self._now(),
                    )
                )
            else:
                row.association_id = association_id

    async def set_coordinator_role(self, platform: str, space_id: str, role_id: str | None) -> None:
        """Members with this role coordinate (None: only the server's managers)."""
        async with self._db.write() as session:
            await session.execute(
                update(Space)
                .where(Space.platform == platform, Space.space_id == space_id)
                .values(coordinator_role_id=role_id)
            )

    async def issue_code(self, association_id: int, volunteer_id: int) -> tuple[str, datetime]:
        """A fresh one-time code for the association and when it stops working."""
        expires = self._now() + CODE_LIFETIME
        async with self._db.write() as session:
            while True:
                code = "".join(secrets.choice("0123456789") for _ in range(CODE_DIGITS))
                if await session.get(LinkCode, code) is None:
                    break
            session.add(
                LinkCode(
                    code=code,
                    association_id=association_id,
                    created_by=volunteer_id,
                    expires_at=expires,
                )
            )
        return code, expires

    async def redeem(self, code: str) -> int | None:
        """The association of a valid code, which is used up; None if unknown, used or
        expired."""
        now = self._now()
        async with self._db.write() as session:
            row = await session.get(LinkCode, normalise_code(code))
            if row is None or row.used_at is not None or row.expires_at <= now:
                return None
            row.used_at = now
            return row.association_id

    @staticmethod
    async def _row(session: AsyncSession, platform: str, space_id: str) -> Space | None:
        result = await session.execute(
            select(Space).where(Space.platform == platform, Space.space_id == space_id)
        )
        return result.scalar_one_or_none()
