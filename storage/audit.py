"""The coordinators' audit log: what was done in an association, by whom, when."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from storage.db import Database
from storage.models import AuditEntry, Volunteer

SUBJECT_MAX = 200


@dataclass(frozen=True, slots=True)
class AuditRecord:
    """One action, with the name of whoever did it (None once they erased their data)."""

    action: str
    subject: str
    actor: str | None
    at: datetime


class AuditRepository:
    """Append and read an association's log."""

    def __init__(self, db: Database, now: Callable[[], datetime]) -> None:
        self._db = db
        self._now = now

    async def record(
        self, association_id: int, actor_id: int | None, action: str, subject: str
    ) -> None:
        """Note that ``actor_id`` did ``action`` (``mission.created``...) on ``subject``."""
        async with self._db.write() as session:
            session.add(
                AuditEntry(
                    association_id=association_id,
                    actor_id=actor_id,
                    action=action[:40],
                    subject=subject[:SUBJECT_MAX],
                    created_at=self._now(),
                )
            )

    async def recent(self, association_id: int, limit: int = 20) -> list[AuditRecord]:
        """The association's latest actions, newest first."""
        async with self._db.read() as session:
            rows = await session.execute(
                select(AuditEntry, Volunteer.display_name)
                .outerjoin(Volunteer, Volunteer.id == AuditEntry.actor_id)
                .where(AuditEntry.association_id == association_id)
                .order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
                .limit(limit)
            )
            return [AuditRecord(e.action, e.subject, name, e.created_at) for e, name in rows]
