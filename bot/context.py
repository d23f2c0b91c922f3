"""What a handler knows about the event it handles: who, where, in which language."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.services import Services
from bot.types import Event, Msg
from storage.records import AssociationRecord, DialogueState, Role, VolunteerRecord


def chat_key(event: Event) -> str:
    """The chat an event's dialogue is kept for. Where typed text is not read, a dialogue
    lives in the person's private chat."""
    chat = event.chat
    if chat.ephemeral:
        return f"{chat.platform.value}:{event.user.user_id}"
    return f"{chat.platform.value}:{chat.chat_id}"


class UserError(Exception):
    """A problem the user can fix; the dispatcher shows ``message`` politely, logs nothing."""

    def __init__(self, message: Msg) -> None:
        super().__init__(message.key or message.literal)
        self.message = message


@dataclass(slots=True)
class Context:
    """The event with the volunteer, their association, role, locale and dialogue state."""

    event: Event
    services: Services
    volunteer: VolunteerRecord
    association: AssociationRecord | None
    role: Role | None
    locale: str
    dialogue: DialogueState | None = None
    payload: str = ""
    """For a button, the data after its ``prefix:``; for a command, its arguments joined."""

    @property
    def is_coordinator(self) -> bool:
        """Whether the user coordinates the current association."""
        return self.role is Role.COORDINATOR

    @property
    def chat_key(self) -> str:
        """Identifies the chat across platforms (dialogue state is kept per chat)."""
        return chat_key(self.event)

    async def start_dialogue(
        self, name: str, step: str, data: dict[str, Any] | None = None
    ) -> None:
        """Enter a multi-step dialogue; its state is stored so a restart loses nothing."""
        self.dialogue = DialogueState(dialogue=name, step=step, data=dict(data or {}))
        await self.services.conversations.save(self.volunteer.id, self.chat_key, self.dialogue)

    async def advance_dialogue(self, step: str, **data: Any) -> None:
        """Move the current dialogue to ``step``, merging ``data`` into its state."""
        if self.dialogue is None:
            raise RuntimeError("no dialogue to advance")
        merged = {**self.dialogue.data, **data}
        await self.start_dialogue(self.dialogue.dialogue, step, merged)

    async def audit(self, action: str, subject: str) -> None:
        """Note a coordinator's action in the association's log (``/journal``)."""
        if self.association is not None:
            await self.services.audit.record(
                self.association.id, self.volunteer.id, action, subject
            )

    async def end_dialogue(self) -> bool:
        """Leave the dialogue; True if there was one."""
        self.dialogue = None
        return await self.services.conversations.clear(self.volunteer.id, self.chat_key)
