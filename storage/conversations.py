"""Dialogue state per volunteer and chat, kept in the database so restarts lose nothing."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.db import Database
from storage.models import ConversationState
from storage.records import DialogueState

DIALOGUE_LIFETIME = timedelta(days=2)
"""A dialogue left alone longer than this is forgotten rather than resumed by surprise."""


class StoredDialogue(Protocol):
    """A stored dialogue's columns (a model row, or a row of a wider query)."""

    dialogue: str
    step: str
    data: dict[str, Any]
    updated_at: datetime


def dialogue_of(row: StoredDialogue | None, now: datetime) -> DialogueState | None:
    """The dialogue a stored row holds, unless there is none or it is stale."""
    if row is None or now - row.updated_at > DIALOGUE_LIFETIME:
        return None
    return DialogueState(dialogue=row.dialogue, step=row.step, data=dict(row.data))


async def _find(
    session: AsyncSession, volunteer_id: int, chat_key: str
) -> ConversationState | None:
    return (
        await session.execute(
            select(ConversationState).where(
                ConversationState.volunteer_id == volunteer_id,
                ConversationState.chat_key == chat_key,
            )
        )
    ).scalar_one_or_none()


class ConversationRepository:
    """Load, save and clear the dialogue a volunteer is in."""

    def __init__(self, db: Database, now: Callable[[], datetime]) -> None:
        self._db = db
        self._now = now

    async def get(self, volunteer_id: int, chat_key: str) -> DialogueState | None:
        """The current dialogue in this chat, if any and not stale."""
        async with self._db.read() as session:
            return dialogue_of(await _find(session, volunteer_id, chat_key), self._now())

    async def save(self, volunteer_id: int, chat_key: str, state: DialogueState) -> None:
        """Start or advance a dialogue (one per volunteer and chat)."""
        async with self._db.write() as session:
            row = await _find(session, volunteer_id, chat_key)
            if row is None:
                row = ConversationState(volunteer_id=volunteer_id, chat_key=chat_key)
                session.add(row)
            row.dialogue = state.dialogue
            row.step = state.step
            row.data = dict(state.data)
            row.updated_at = self._now()

    async def clear(self, volunteer_id: int, chat_key: str) -> bool:
        """Leave the dialogue; True if there was one."""
        async with self._db.write() as session:
            result = await session.execute(
                delete(ConversationState).where(
                    ConversationState.volunteer_id == volunteer_id,
                    ConversationState.chat_key == chat_key,
                )
            )
            return bool(getattr(result, "rowcount", 0))
