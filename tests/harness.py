"""An in-process conversation driver: send what a user would type, read what the bot answers."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from bot import markup
from bot.dispatcher import Dispatcher
from bot.types import (
    ChatRef,
    Event,
    Location,
    Outgoing,
    Platform,
    RenderedReply,
    Response,
    UserRef,
)

if TYPE_CHECKING:
    from bot.wiring import App


class Conversation:
    """One person in one chat. Keeps the last replies so that buttons can be pressed by label."""

    def __init__(
        self,
        dispatcher: Dispatcher,
        *,
        user_id: str = "u1",
        name: str | None = "Marie",
        language_code: str | None = "fr",
        platform: Platform = Platform.CONSOLE,
        chat_id: str | None = None,
        private: bool = True,
        admin: bool = False,
    ) -> None:
        self.dispatcher = dispatcher
        self.user = UserRef(platform, user_id, name, language_code)
        self.chat = ChatRef(platform, chat_id or user_id, is_private=private)
        self.admin = admin
        """The platform says this person administers the group."""
        self.replies: tuple[RenderedReply, ...] = ()
        self.locale = ""

    def _event(self, **fields: object) -> Event:
        now: datetime = self.dispatcher.services.clock.now()
        return Event(
            user=self.user,
            chat=self.chat,
            received_at=now,
            chat_admin=self.admin,
            **fields,  # type: ignore[arg-type]
        )

    async def _handle(self, event: Event) -> tuple[RenderedReply, ...]:
        response: Response = await self.dispatcher.handle(event)
        self.replies = response.replies
        self.locale = response.locale
        return self.replies

    async def send(self, text: str) -> tuple[RenderedReply, ...]:
        """Type a message; ``/name args`` is a command."""
        if text.startswith("/") and len(text) > 1:
            name, *args = text[1:].split()
            return await self._handle(self._event(text=text, command=name, args=tuple(args)))
        return await self._handle(self._event(text=text))

    async def press(self, label: str) -> tuple[RenderedReply, ...]:
        """Press the button whose label contains ``label`` among the last replies."""
        return await self.press_data(self.button_data(label))

    async def press_data(self, data: str) -> tuple[RenderedReply, ...]:
        """Press a button by its raw data (as a forged or stale payload would)."""
        return await self._handle(self._event(button=data))

    async def share_location(self, latitude: float, longitude: float) -> tuple[RenderedReply, ...]:
        """Share a location pin."""
        return await self._handle(self._event(location=Location(latitude, longitude)))

    def button_data(self, label: str) -> str:
        """The data of the last shown button whose label contains ``label``."""
        matches = [
            button.data
            for reply in self.replies
            for row in reply.buttons
            for button in row
            if label.casefold() in button.label.casefold()
        ]
        if not matches:
            raise AssertionError(f"no button {label!r} in {self.labels}")
        return matches[0]

    @property
    def labels(self) -> Sequence[str]:
        """Every button label of the last replies."""
        return [label for reply in self.replies for label in reply.button_labels]

    @property
    def text(self) -> str:
        """The last replies as plain text, one after the other."""
        return "\n\n".join(markup.to_plain(reply.text) for reply in self.replies)


class Inbox:
    """What the bot sends on its own (offers, reminders, notices), as the terminal would get it:
    drained from the outbox and kept per chat, so that a conversation can read and press it."""

    def __init__(self, app: App) -> None:
        self.app = app
        self.waiting: dict[str, list[RenderedReply]] = defaultdict(list)

    async def _send(self, outgoing: Outgoing) -> None:
        rendered = self.app.services.catalogue.render(outgoing.reply, outgoing.locale)
        self.waiting[outgoing.chat_id].append(rendered)

    async def deliver(self) -> int:
        """Run due jobs, then send every queued message; returns how many were sent."""
        await self.app.worker.tick()
        return await self.app.delivery(Platform.CONSOLE, self._send).drain(limit=500)

    def open(self, convo: Conversation) -> tuple[RenderedReply, ...]:
        """Hand a person what was sent to them (their buttons become pressable)."""
        received = tuple(self.waiting.pop(convo.chat.chat_id, ()))
        convo.replies = received
        return received
