"""Tutorial drafts written by mentors, waiting for a coordinator to publish or discard them."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update

from storage.db import Database
from storage.models import KbDraft


@dataclass(frozen=True, slots=True)
class DraftRecord:
    """A draft tutorial."""

    id: int
    association_id: int
    title: str
    question: str
    steps: tuple[str, ...]
    lang: str
    status: str


def _record(row: KbDraft) -> DraftRecord:
    return DraftRecord(
        row.id, row.association_id, row.title, row.question, tuple(row.steps), row.lang, row.status
    )


class DraftRepository:
    """Write, list and settle drafts, within one association."""

    def __init__(self, db: Database, now: Callable[[], datetime]) -> None:
        self._db = db
        self._now = now

    async def add(
        self,
        association_id: int,
        author_id: int,
        title: str,
        question: str,
        steps: Sequence[str],
        lang: str,
    ) -> DraftRecord:
        """A new draft."""
        async with self._db.write() as session:
            row = KbDraft(
                association_id=association_id,
                created_by=author_id,
                title=title[:120],
                question=question[:500],
                steps=list(steps),
                lang=lang,
                status="draft",
                created_at=self._now(),
            )
            session.add(row)
            await session.flush()
            return _record(row)

    async def pending(self, association_id: int) -> list[DraftRecord]:
        """The association's drafts waiting for a decision, oldest first."""
        async with self._db.read() as session:
            rows = await session.execute(
                select(KbDraft)
                .where(KbDraft.association_id == association_id, KbDraft.status == "draft")
                .order_by(KbDraft.id)
            )
            return [_record(r) for r in rows.scalars()]

    async def get(self, draft_id: int, association_id: int) -> DraftRecord | None:
        """A draft of the association."""
        async with self._db.read() as session:
            row = await session.get(KbDraft, draft_id)
            return _record(row) if row and row.association_id == association_id else None

    async def settle(self, draft_id: int, association_id: int, status: str) -> bool:
        """Mark a waiting draft ``published`` or ``discarded``; False if already decided."""
        async with self._db.write() as session:
            result = await session.execute(
                update(KbDraft)
                .where(
                    KbDraft.id == draft_id,
                    KbDraft.association_id == association_id,
                    KbDraft.status == "draft",
                )
                .values(status=status)
            )
            return bool(getattr(result, "rowcount", 0))
