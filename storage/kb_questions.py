"""Questions asked to the knowledge base, their feedback, and what coordinators should write."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from datetime import datetime
from enum import StrEnum
from typing import cast

from sqlalchemy import Table, delete, insert, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.db import Database
from storage.models import KbQuestion
from storage.records import KbQuestionRecord, MissingTopic

MAX_STORED_TEXT = 500
_GROUPING = re.compile(r"[^a-z0-9]+")
_QUESTIONS = cast(Table, KbQuestion.__table__)
_RECORD = insert(_QUESTIONS).returning(_QUESTIONS.c.id)
"""Storing a question, built once: it is written for most events."""


class Feedback(StrEnum):
    """What became of a feedback press."""

    RECORDED = "recorded"
    ALREADY = "already"
    REFUSED = "refused"
    """Unknown question, or not the asker's."""


def _record(row: KbQuestion) -> KbQuestionRecord:
    return KbQuestionRecord(
        id=row.id,
        association_id=row.association_id,
        volunteer_id=row.volunteer_id,
        text=row.text,
        lang=row.lang,
        outcome=row.outcome,
        tutorial_id=row.tutorial_id,
        suggestions=tuple(row.suggestions or ()),
        helpful=row.helpful,
        wants_human=row.wants_human,
    )


def _grouping_key(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text.lower())
    plain = "".join(c for c in folded if not unicodedata.combining(c))
    return _GROUPING.sub(" ", plain).strip()


async def _owned(session: AsyncSession, question_id: int, volunteer_id: int) -> KbQuestion | None:
    """The question if this volunteer asked it: nobody acts on someone else's question."""
    row = await session.get(KbQuestion, question_id)
    return row if row is not None and row.volunteer_id == volunteer_id else None


class KbQuestionRepository:
    """Stores each question with its outcome; feedback only from the person who asked."""

    def __init__(self, db: Database, now: Callable[[], datetime]) -> None:
        self._db = db
        self._now = now

    async def record(
        self,
        *,
        association_id: int | None,
        volunteer_id: int,
        text: str,
        lang: str,
        outcome: str,
        tutorial_id: str | None,
        suggestions: list[str],
    ) -> int:
        """Store a question; returns its id for the feedback buttons."""
        async with self._db.write() as session:
            connection = await session.connection()
            result = await connection.execute(
                _RECORD,
                {
                    "association_id": association_id,
                    "volunteer_id": volunteer_id,
                    "text": text[:MAX_STORED_TEXT],
                    "lang": lang,
                    "outcome": outcome,
                    "tutorial_id": tutorial_id,
                    "suggestions": suggestions,
                    "helpful": None,
                    "wants_human": False,
                    "created_at": self._now(),
                },
            )
            return int(result.scalar_one())

    async def forget_before(self, before: datetime, batch: int = 1000) -> int:
        """Delete the questions asked before ``before``; returns how many. Questions are
        numbered in the order they come, so the oldest are the first by id: each batch reads
        its rows from the start of the table and stops at the first one still to keep."""
        forgotten = 0
        while True:
            async with self._db.write() as session:
                rows = (
                    await session.execute(
                        select(KbQuestion.id, KbQuestion.created_at)
                        .order_by(KbQuestion.id)
                        .limit(batch)
                    )
                ).all()
                old = []
                for question_id, created_at in rows:
                    if created_at >= before:
                        break
                    old.append(question_id)
                if old:
                    await session.execute(delete(KbQuestion).where(KbQuestion.id.in_(old)))
            forgotten += len(old)
            if len(old) < batch:
                return forgotten

    async def get(self, question_id: int, volunteer_id: int) -> KbQuestionRecord | None:
        """The question, only if this volunteer asked it."""
        async with self._db.read() as session:
            row = await _owned(session, question_id, volunteer_id)
            return _record(row) if row else None

    async def set_helpful(self, question_id: int, volunteer_id: int, helpful: bool) -> Feedback:
        """Record "did this help?"; a second press changes nothing."""
        async with self._db.write() as session:
            row = await _owned(session, question_id, volunteer_id)
            if row is None:
                return Feedback.REFUSED
            if row.helpful is not None:
                return Feedback.ALREADY
            row.helpful = helpful
            return Feedback.RECORDED

    async def pick(self, question_id: int, volunteer_id: int, tutorial_id: str | None) -> Feedback:
        """The person chose a suggestion (or, with None, "none of these")."""
        async with self._db.write() as session:
            row = await _owned(session, question_id, volunteer_id)
            if row is None:
                return Feedback.REFUSED
            row.tutorial_id = tutorial_id
            if tutorial_id is None:
                row.helpful = False
            return Feedback.RECORDED

    async def want_human(self, question_id: int, volunteer_id: int) -> Feedback:
        """The person asked for a human helper about this question."""
        async with self._db.write() as session:
            row = await _owned(session, question_id, volunteer_id)
            if row is None:
                return Feedback.REFUSED
            if row.wants_human:
                return Feedback.ALREADY
            row.wants_human = True
            return Feedback.RECORDED

    async def missing(
        self, association_id: int, *, since: datetime, limit: int = 10
    ) -> list[MissingTopic]:
        """The most frequent questions left unanswered, judged unhelpful, or handed to a human."""
        async with self._db.read() as session:
            rows = (
                (
                    await session.execute(
                        select(KbQuestion)
                        .where(
                            KbQuestion.association_id == association_id,
                            KbQuestion.created_at >= since,
                            or_(
                                KbQuestion.outcome == "none",
                                KbQuestion.helpful.is_(False),
                                KbQuestion.wants_human.is_(True),
                            ),
                        )
                        .order_by(KbQuestion.created_at.desc())
                        .limit(2000)
                    )
                )
                .scalars()
                .all()
            )
        groups: dict[str, list[KbQuestion]] = {}
        for row in rows:
            groups.setdefault(_grouping_key(row.text), []).append(row)
        topics = [
            MissingTopic(
                example=members[0].text,
                count=len(members),
                unanswered=sum(m.outcome == "none" for m in members),
                unhelpful=sum(m.helpful is False for m in members),
                wanted_human=sum(m.wants_human for m in members),
            )
            for members in groups.values()
        ]
        topics.sort(key=lambda t: (-t.count, t.example))
        return topics[:limit]
