"""The .ics invitation: structure, UTC times, TEXT escaping, folding at 75 octets, CRLF."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from handlers.ical import escape_text, fold_line, mission_invitation

PARIS = ZoneInfo("Europe/Paris")
CREATED = datetime(2026, 11, 20, 9, 0, tzinfo=PARIS)


def invitation(**overrides: object) -> bytes:
    fields: dict[str, object] = {
        "uid": "mission-42@entraide.example",
        "title": "Distribution alimentaire",
        "starts_at": datetime(2026, 12, 12, 14, 0, tzinfo=PARIS),
        "ends_at": datetime(2026, 12, 12, 17, 0, tzinfo=PARIS),
        "location": "Salle des fêtes",
        "description": "Apporter des gants",
        "organiser_name": "Zoé Martin",
        "created_at": CREATED,
    }
    fields.update(overrides)
    return mission_invitation(**fields)  # type: ignore[arg-type]


def unfold(data: bytes) -> list[str]:
    """Content lines: CRLF + space continuations joined back (RFC 5545 §3.1)."""
    text = data.decode("utf-8")
    assert text.endswith("\r\n")
    return text[:-2].replace("\r\n ", "").split("\r\n")


def properties(data: bytes) -> list[tuple[str, str]]:
    """(name with parameters, raw value) for each content line."""
    return [tuple(line.split(":", 1)) for line in unfold(data)]  # type: ignore[misc]


def value(data: bytes, name: str) -> str:
    found = [v for n, v in properties(data) if n == name]
    assert found, name
    return found[0]


def unescape(text: str) -> str:
    out, chars = [], iter(text)
    for char in chars:
        if char == "\\":
            nxt = next(chars)
            out.append("\n" if nxt in "nN" else nxt)
        else:
            out.append(char)
    return "".join(out)


def test_structure() -> None:
    names = [name for name, _ in properties(invitation(url="https://entraide.example/m/42"))]
    assert names == [
        "BEGIN", "VERSION", "PRODID", "CALSCALE", "METHOD",
        "BEGIN", "UID", "DTSTAMP", "DTSTART", "DTEND", "SUMMARY", "LOCATION", "DESCRIPTION",
        "CONTACT", "URL",
        "BEGIN", "ACTION", "TRIGGER", "DESCRIPTION", "END",
        "END", "END",
    ]  # fmt: skip
    data = invitation()
    assert value(data, "VERSION") == "2.0"
    assert value(data, "PRODID") == "-//Entraide//Missions//FR"
    assert value(data, "CALSCALE") == "GREGORIAN"
    assert value(data, "METHOD") == "PUBLISH"
    assert value(data, "UID") == "mission-42@entraide.example"
    assert value(data, "TRIGGER") == "-PT2H"
    assert value(data, "ACTION") == "DISPLAY"
    assert value(data, "CONTACT") == "Zoé Martin"
    lines = unfold(data)
    assert lines[0] == "BEGIN:VCALENDAR"
    assert lines[-1] == "END:VCALENDAR"
    assert lines.index("BEGIN:VALARM") < lines.index("END:VALARM") < lines.index("END:VEVENT")


def test_optional_properties_are_omitted() -> None:
    names = {
        name
        for name, _ in properties(invitation(location=None, description="", organiser_name=None))
    }
    assert not names & {"LOCATION", "CONTACT", "URL"}
    assert [n for n, _ in properties(invitation(description=None))].count("DESCRIPTION") == 1


def test_times_are_utc_in_winter_and_summer() -> None:
    winter = invitation()
    assert value(winter, "DTSTART") == "20261212T130000Z"  # CET = UTC+1
    assert value(winter, "DTEND") == "20261212T160000Z"
    assert value(winter, "DTSTAMP") == "20261120T080000Z"
    summer = invitation(
        starts_at=datetime(2027, 7, 14, 14, 0, tzinfo=PARIS),
        ends_at=datetime(2027, 7, 14, 16, 30, tzinfo=PARIS),
    )
    assert value(summer, "DTSTART") == "20270714T120000Z"  # CEST = UTC+2
    assert value(summer, "DTEND") == "20270714T143000Z"


def test_other_aware_zones_are_converted() -> None:
    start = datetime(2026, 12, 12, 9, 0, tzinfo=ZoneInfo("America/Guadeloupe"))
    data = invitation(starts_at=start, ends_at=start + timedelta(hours=1))
    assert value(data, "DTSTART") == "20261212T130000Z"
    assert value(data, "DTEND") == "20261212T140000Z"


def test_text_escaping() -> None:
    data = invitation(title="a, b; c\nd", description="back\\slash\r\nnext", location="x;y,z")
    assert value(data, "SUMMARY") == "a\\, b\\; c\\nd"
    assert unescape(value(data, "SUMMARY")) == "a, b; c\nd"
    assert value(data, "DESCRIPTION") == "back\\\\slash\\nnext"
    assert value(data, "LOCATION") == "x\\;y\\,z"
    assert escape_text("bell\x07") == "bell"


def test_lines_are_folded_at_75_octets_without_splitting_characters() -> None:
    description = "Bénévoles : préparer les colis, accueillir les bénéficiaires à l’entrée. " * 8
    data = invitation(description=description, title="Été " + "é" * 60)
    for line in data.split(b"\r\n"):
        assert len(line) <= 75
        line.decode("utf-8")  # every physical line is valid UTF-8 on its own
    assert unescape(value(data, "DESCRIPTION")) == description
    assert unescape(value(data, "SUMMARY")) == "Été " + "é" * 60


def test_fold_line() -> None:
    assert fold_line("short") == "short"
    folded = fold_line("x" * 75 + "y" * 10)
    assert folded == "x" * 75 + "\r\n " + "y" * 10
    emoji = fold_line("D:" + "😀" * 40)
    assert all(len(part.encode()) <= 75 for part in emoji.split("\r\n"))
    assert emoji.replace("\r\n ", "") == "D:" + "😀" * 40


def test_crlf_only() -> None:
    data = invitation(description="one\ntwo")
    assert data.endswith(b"\r\n")
    assert data.count(b"\n") == data.count(b"\r\n")
    assert data.count(b"\r") == data.count(b"\r\n")


@pytest.mark.parametrize("field", ["starts_at", "ends_at", "created_at"])
def test_naive_datetimes_are_refused(field: str) -> None:
    with pytest.raises(ValueError, match=field):
        invitation(**{field: datetime(2026, 12, 12, 14, 0)})


def test_end_must_follow_start_and_uid_is_required() -> None:
    start = datetime(2026, 12, 12, 14, 0, tzinfo=PARIS)
    with pytest.raises(ValueError, match="after"):
        invitation(starts_at=start, ends_at=start)
    with pytest.raises(ValueError, match="uid"):
        invitation(uid=" ")
    with pytest.raises(ValueError, match="url"):
        invitation(url="https://x.example/a b")


def test_utc_input_is_kept() -> None:
    start = datetime(2026, 12, 12, 13, 0, tzinfo=UTC)
    data = invitation(starts_at=start, ends_at=start + timedelta(minutes=90))
    assert value(data, "DTSTART") == "20261212T130000Z"
    assert value(data, "DTEND") == "20261212T143000Z"
