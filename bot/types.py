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
    ephemeral: bool = False
    """Replies here are seen only by the person who acted, and what people type here is not
    read (slash commands in a Discord server): steps that need typing continue in the
    person's private chat."""


@dataclass(frozen=True, slots=True)
class Location:
    """A point shared by a user (WGS84 degrees)."""

    latitude: float
    longitude: float


@dataclass(frozen=True, slots=True)
class Space:
    """The community a chat belongs to on platforms that have one (a Discord server): by
    default one space is one association."""

    space_id: str
    name: str | None = None


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
    """The platform says this user administers the group or server the event came from."""
    space: Space | None = None
    """The server the chat belongs to, on platforms that have servers."""
    member_roles: tuple[str, ...] = ()
    """The platform's role ids the user holds in that server."""
    form: Mapping[str, str] | None = None
    """The values of a submitted form, by field name (``button`` holds the form's data)."""
    unsupported: str | None = None
    """Something sent that the core cannot read or pass on (``photo``, ``sticker``,
    ``voice``, ``video``, ``file``)."""

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
        if self.unsupported is not None:
            return "unsupported"
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
class FormField:
    """One field of a form: a line of text, or several lines when ``long``."""

    name: str
    label: Msg
    long: bool = False
    required: bool = True
    max_length: int = 200
    value: str = ""
    """Filled in already (when a form comes back to be corrected)."""
    placeholder: Msg | None = None


@dataclass(frozen=True, slots=True)
class Form:
    """Several questions answered at once, where the platform has forms (Discord's modals).

    Elsewhere the reply carrying it is shown as it is: the same questions come one by one.
    Submitting sends an event with ``button=data`` and ``form`` holding the values; ``reopen``
    is button data that shows the form again (for platforms that can only open a form as the
    immediate answer to a press)."""

    data: str
    title: Msg
    fields: tuple[FormField, ...]
    reopen: str
    reopen_label: Msg | None = None
    """The label of the button that shows the form again (a generic one if None)."""


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
    form: Form | None = None
    """Shown instead of this reply where the platform has forms (see :class:`Form`)."""
    card: bool = False
    """A self-contained notice for a public channel (a mission's post): its first line is a
    headline; platforms with rich cards (Discord's embeds) show it as one."""


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
class RenderedField:
    """A form field whose texts are translated (plain text, no markup)."""

    name: str
    label: str
    long: bool
    required: bool
    max_length: int
    value: str
    placeholder: str | None


@dataclass(frozen=True, slots=True)
class RenderedForm:
    """A form translated into one locale."""

    data: str
    title: str
    fields: tuple[RenderedField, ...]
    reopen: str
    reopen_label: str | None = None


@dataclass(frozen=True, slots=True)
class RenderedReply:
    """A reply translated into one locale, ready for an adapter to format and send."""

    text: str
    buttons: tuple[tuple[RenderedButton, ...], ...] = ()
    files: tuple[Attachment, ...] = ()
    private: bool = False
    edit: bool = False
    form: RenderedForm | None = None
    card: bool = False

    @property
    def button_labels(self) -> list[str]:
        """Every button label, row by row."""
        return [button.label for row in self.buttons for button in row]


@dataclass(frozen=True, slots=True)
class Response:
    """What the core answers to one event: replies already translated into ``locale``."""

    locale: str
    replies: tuple[RenderedReply, ...]
