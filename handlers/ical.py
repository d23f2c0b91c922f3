"""An iCalendar (RFC 5545) invitation for one mission, written by hand.

The output is a ``VCALENDAR`` (version 2.0, ``METHOD:PUBLISH``) holding one ``VEVENT`` with a
display alarm two hours before the start. Times are written in UTC (``...Z``), TEXT values are
escaped, lines end with CRLF and are folded at 75 octets without splitting a UTF-8 character.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Final

__all__ = ["escape_text", "fold_line", "mission_invitation"]

CRLF: Final = "\r\n"
MAX_LINE_OCTETS: Final = 75
ALARM_TRIGGER: Final = "-PT2H"

# Control characters other than HTAB are not allowed in TEXT values (RFC 5545 §3.3.11).
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_URI_FORBIDDEN = re.compile(r"[\x00-\x20\x7f]")


def escape_text(value: str) -> str:
    """Escape a TEXT value: backslash, semicolon, comma, and any newline as ``\\n``."""
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    value = _CONTROL.sub("", value.replace("\\", "\\\\"))
    return value.replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def fold_line(line: str) -> str:
    """Fold a content line at 75 octets (continuations start with a space, RFC 5545 §3.1).

    Splits only between characters, so a multi-byte UTF-8 character is never cut.
    """
    chunks: list[str] = []
    current: list[str] = []
    size = 0
    limit = MAX_LINE_OCTETS
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > limit:
            chunks.append("".join(current))
            current, size = [], 0
            limit = MAX_LINE_OCTETS - 1  # the leading space of a continuation counts
        current.append(char)
        size += width
    chunks.append("".join(current))
    return (CRLF + " ").join(chunks)


def _require_aware(name: str, moment: datetime) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be an aware datetime")


def _utc(moment: datetime) -> str:
    """An aware datetime as a DATE-TIME in UTC form (``19980119T070000Z``)."""
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _uri(value: str) -> str:
    """A URI value: written as is, but it must not contain spaces or control characters."""
    if not value or _URI_FORBIDDEN.search(value):
        raise ValueError("url must be a URI without spaces or control characters")
    return value


def _lines(
    *,
    uid: str,
    title: str,
    starts_at: datetime,
    ends_at: datetime,
    location: str | None,
    description: str | None,
    organiser_name: str | None,
    url: str | None,
    created_at: datetime,
    product: str,
) -> Iterator[str]:
    """The unfolded content lines of the calendar."""
    yield "BEGIN:VCALENDAR"
    yield "VERSION:2.0"
    yield f"PRODID:{escape_text(product)}"
    yield "CALSCALE:GREGORIAN"
    yield "METHOD:PUBLISH"
    yield "BEGIN:VEVENT"
    yield f"UID:{escape_text(uid)}"
    yield f"DTSTAMP:{_utc(created_at)}"
    yield f"DTSTART:{_utc(starts_at)}"
    yield f"DTEND:{_utc(ends_at)}"
    yield f"SUMMARY:{escape_text(title)}"
    if location:
        yield f"LOCATION:{escape_text(location)}"
    if description:
        yield f"DESCRIPTION:{escape_text(description)}"
    if organiser_name:
        # ORGANIZER needs a calendar address (mailto:); CONTACT takes plain text.
        yield f"CONTACT:{escape_text(organiser_name)}"
    if url:
        yield f"URL:{_uri(url)}"
    yield "BEGIN:VALARM"
    yield "ACTION:DISPLAY"
    yield f"TRIGGER:{ALARM_TRIGGER}"
    yield f"DESCRIPTION:{escape_text(title)}"
    yield "END:VALARM"
    yield "END:VEVENT"
    yield "END:VCALENDAR"


def mission_invitation(
    *,
    uid: str,
    title: str,
    starts_at: datetime,
    ends_at: datetime,
    location: str | None,
    description: str | None,
    organiser_name: str | None,
    url: str | None = None,
    created_at: datetime,
    product: str = "-//Entraide//Missions//FR",
) -> bytes:
    """The ``.ics`` bytes (UTF-8, CRLF) inviting to one mission.

    All datetimes must be aware (``ValueError`` otherwise); ``ends_at`` must be after
    ``starts_at`` and ``uid`` must not be empty (``ValueError``). The organiser's name goes in
    ``CONTACT`` (``ORGANIZER`` would need an e-mail address). Empty optional values are omitted.
    """
    if not uid.strip():
        raise ValueError("uid must not be empty")
    _require_aware("starts_at", starts_at)
    _require_aware("ends_at", ends_at)
    _require_aware("created_at", created_at)
    if ends_at <= starts_at:
        raise ValueError("ends_at must be after starts_at")
    lines = list(
        _lines(
            uid=uid,
            title=title,
            starts_at=starts_at,
            ends_at=ends_at,
            location=location,
            description=description,
            organiser_name=organiser_name,
            url=url,
            created_at=created_at,
            product=product,
        )
    )
    return "".join(fold_line(line) + CRLF for line in lines).encode("utf-8")
