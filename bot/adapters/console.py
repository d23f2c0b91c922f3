"""The terminal chat: the same dispatcher as Telegram and Discord, buttons as numbers."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from bot import markup
from bot.i18n import Catalogue
from bot.types import (
    ChatRef,
    Event,
    Location,
    Outgoing,
    Platform,
    RenderedButton,
    RenderedReply,
    Response,
    UserRef,
    msg,
)

_LOCATION = re.compile(r"^@\s*(-?\d+(?:\.\d+)?)\s*[,; ]\s*(-?\d+(?:\.\d+)?)\s*$")

Handle = Callable[[Event], Awaitable[Response]]


@dataclass(frozen=True, slots=True)
class ConsoleUser:
    """Who is typing in the terminal."""

    user_id: str = "console-user"
    display_name: str | None = None
    language_code: str | None = None


def to_event(
    line: str, user: ConsoleUser, buttons: list[RenderedButton], now: datetime
) -> Event | str:
    """Translate a typed line into an event; a ``str`` result is a button number not on screen.

    ``/cmd args`` is a command, a number picks one of the buttons last shown, ``@lat,lon``
    shares a location, anything else is free text.
    """

    def make(**fields: Any) -> Event:
        return Event(
            user=UserRef(Platform.CONSOLE, user.user_id, user.display_name, user.language_code),
            chat=ChatRef(Platform.CONSOLE, user.user_id, is_private=True),
            received_at=now,
            **fields,
        )

    stripped = line.strip()
    if stripped.startswith("/") and len(stripped) > 1:
        name, *args = stripped[1:].split()
        return make(text=stripped, command=name.lower(), args=tuple(args))
    if stripped.isdigit() and len(stripped) <= 3:
        index = int(stripped) - 1
        if 0 <= index < len(buttons):
            return make(button=buttons[index].data)
        if buttons:
            return stripped
    located = _LOCATION.match(stripped)
    if located:
        point = Location(float(located.group(1)), float(located.group(2)))
        return make(location=point)
    return make(text=line.rstrip("\n"))


def render(reply: RenderedReply, first_number: int, *, color: bool) -> str:
    """A reply as terminal text, its buttons numbered from ``first_number``."""
    body = markup.to_ansi(reply.text) if color else markup.to_plain(reply.text)
    lines = [body]
    number = first_number
    for row in reply.buttons:
        cells = []
        for button in row:
            cells.append(f"[{number}] {button.label}")
            number += 1
        lines.append("   ".join(cells))
    return "\n".join(lines)


@dataclass
class ConsoleAdapter:
    """Reads lines from ``stdin``, prints replies to ``stdout``; files go to ``downloads``."""

    handle: Handle
    catalogue: Catalogue
    user: ConsoleUser
    stdin: TextIO
    stdout: TextIO
    downloads: Path
    color: bool = False
    locale: str = "fr"
    _buttons: list[RenderedButton] = field(default_factory=list)

    def _say(self, text: str) -> None:
        self.stdout.write(text + "\n")
        self.stdout.flush()

    def _system(self, key: str, **params: object) -> str:
        return markup.to_plain(self.catalogue.translate(msg(key, **params), self.locale))

    async def run(self) -> None:
        """Chat until end of input."""
        self._say(self._system("console.intro"))
        while True:
            self.stdout.write("> ")
            self.stdout.flush()
            line = await asyncio.to_thread(self.stdin.readline)
            if not line:
                self._say("\n" + self._system("console.goodbye"))
                return
            if not line.strip():
                continue
            event = to_event(line, self.user, self._buttons, datetime.now(UTC))
            if isinstance(event, str):
                self._say(self._system("console.no_such_button", number=event))
                continue
            self.show(await self.handle(event))

    def show(self, response: Response) -> None:
        """Print every reply of a response and remember its buttons."""
        self.locale = response.locale
        shown: list[RenderedButton] = []
        for reply in response.replies:
            self._say(render(reply, len(shown) + 1, color=self.color))
            shown.extend(button for row in reply.buttons for button in row)
            for attachment in reply.files:
                self.downloads.mkdir(parents=True, exist_ok=True)
                path = self.downloads / Path(attachment.filename).name
                path.write_bytes(attachment.content)
                self._say(self._system("console.file_saved", path=str(path)))
            self._say("")
        if shown:
            self._buttons = shown

    async def send(self, outgoing: Outgoing) -> None:
        """Show a message that was not an answer (a reminder, an announcement)."""
        rendered = self.catalogue.render(outgoing.reply, outgoing.locale)
        self.show(Response(locale=outgoing.locale, replies=(rendered,)))
