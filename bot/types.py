"""Platform-neutral types: what adapters give the core and what the core gives back."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class Platform(StrEnum):
    """Where an event came from or a message goes to."""

    TELEGRAM = "telegram"
    DISCORD = "discord"
    CONSOLE = "console"


@dataclass(frozen=True, slots=True)
class UserRef:
    """A person as one platform knows them."""

    platform: Platform
    user_id: str
    display_name: str | None = None
    language_code: str | None = None
    """The locale the platform reports (``fr``, ``en-GB``...), if any."""


@dataclass(frozen=True, slots=True)
class ChatRef:
    """The conversation an event happened in."""

    platform: Platform
    chat_id: str
    is_private: bool = True


@dataclass(frozen=True, slots=True)
class Location:
    """A point shared by a user (WGS84 degrees)."""

    latitude: float
    longitude: float


@dataclass(frozen=True, slots=True)
class Event:
    """One thing a user did: a command, a button press, a location or free text."""

    user: UserRef
    chat: ChatRef
    received_at: datetime
    text: str | None = None
    command: str | None = None
    args: tuple[str, ...] = ()
    button: str | None = None
    location: Location | None = None
    message_id: str | None = None
    """Platform id of the message this event carries or whose button was pressed."""
    chat_admin: bool = False
    """The platform says this user administers the group the event came from."""

    @property
    def kind(self) -> str:
        """``command``, ``button``, ``location``, ``text`` or ``empty``."""
        if self.command is not None:
            return "command"
        if self.button is not None:
            return "button"
        if self.location is not None:
            return "location"
        if self.text:
            return "text"
        return "empty"


@dataclass(frozen=True, slots=True)
class Msg:
    """A catalogue message key with its parameters, translated at render time.

    Parameters may themselves be ``Msg`` values (translated first) or plain values.
    A ``Msg`` with ``key=None`` carries literal text (already in the reader's language,
    such as a tutorial body) in the small Markdown subset of :mod:`bot.markup`.
    """

    key: str | None
    params: Mapping[str, Any] = field(default_factory=dict)
    literal: str | None = None
    parts: tuple[Msg, ...] = ()
    """With ``key=None``: messages translated one by one and joined with ``separator``."""
    separator: str = "\n"

    @classmethod
    def text(cls, literal: str) -> Msg:
        """Literal text (subset markup) that is not looked up in the catalogue."""
        return cls(key=None, literal=literal)

    @classmethod
    def join(cls, *parts: Msg, separator: str = "\n") -> Msg:
        """Several messages shown as one, e.g. an intro, a list and a footer."""
        return cls(key=None, parts=parts, separator=separator)


def msg(key: str, **params: Any) -> Msg:
    """Shorthand for ``Msg(key, params)``."""
    return Msg(key=key, params=params)


@dataclass(frozen=True, slots=True)
class Button:
    """A button: a label for people and opaque data for the core (``signup:42``)."""

    label: Msg
    data: str


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file sent with a reply, such as an ``.ics`` invitation or a ``.csv`` list."""

    filename: str
    content: bytes
    mime_type: str


@dataclass(frozen=True, slots=True)
class Reply:
    """A message for the user who wrote: text, button rows and files."""

    text: Msg
    buttons: tuple[tuple[Button, ...], ...] = ()
    files: tuple[Attachment, ...] = ()
    private: bool = False
    """Concerns one person: sent to the private chat when the event came from a group."""
    edit: bool = False
    """Replace the message whose button was pressed instead of sending a new one."""


@dataclass(frozen=True, slots=True)
class Outgoing:
    """A message to a user who did not just write (a reminder, an announcement...)."""

    platform: Platform
    chat_id: str
    locale: str
    reply: Reply
    is_group: bool = False
    """A group or channel rather than a person's private chat."""
    edit_message_id: str | None = None
    """Replace this earlier message of the chat (a progress report) instead of a new one."""


@dataclass(frozen=True, slots=True)
class RenderedButton:
    """A button whose label is translated."""

    label: str
    data: str


@dataclass(frozen=True, slots=True)
class RenderedReply:
    """A reply translated into one locale, ready for an adapter to format and send."""

    text: str
    buttons: tuple[tuple[RenderedButton, ...], ...] = ()
    files: tuple[Attachment, ...] = ()
    private: bool = False
    edit: bool = False

    @property
    def button_labels(self) -> list[str]:
        """Every button label, row by row."""
        return [button.label for row in self.buttons for button in row]


@dataclass(frozen=True, slots=True)
class Response:
    """What the core answers to one event: replies already translated into ``locale``."""

    locale: str
    replies: tuple[RenderedReply, ...]
