"""Dates, times and durations typed by volunteers (French first, English too).

Everything here is pure and synchronous: the parsers return ``date``/``time``/``timedelta``/
aware ``datetime`` values or raise :class:`WhenError` whose ``reason`` is a catalogue key
suffix ("date", "time", "duration", "past", "end_before_start"). No user-facing words live here.

Input is first passed through :func:`normalise` (lowercase, accents folded, apostrophes and
typographic dashes simplified, spaces collapsed), so the word tables below only hold
accent-free lowercase spellings.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta
from types import MappingProxyType
from typing import Final
from zoneinfo import ZoneInfo

__all__ = [
    "PARIS",
    "WhenError",
    "combine",
    "normalise",
    "parse_day",
    "parse_duration",
    "parse_time",
    "parse_time_range",
    "parse_when",
    "quick_days",
]

PARIS: Final = ZoneInfo("Europe/Paris")

REASONS: Final = frozenset({"date", "time", "duration", "past", "end_before_start"})


class WhenError(ValueError):
    """Text that cannot be understood as a date, time or duration.

    ``reason`` is one of "date", "time", "duration", "past", "end_before_start"
    (a catalogue key suffix).
    """

    def __init__(self, reason: str) -> None:
        if reason not in REASONS:
            raise ValueError(f"unknown WhenError reason: {reason!r}")
        super().__init__(reason)
        self.reason = reason


# --------------------------------------------------------------------------- word tables

WEEKDAYS: Final[Mapping[str, int]] = MappingProxyType(
    {
        # French (Monday = 0), full names and usual abbreviations
        "lundi": 0,
        "lun": 0,
        "mardi": 1,
        "mar": 1,  # also English "Mar" (March): resolved by context
        "mercredi": 2,
        "mer": 2,
        "jeudi": 3,
        "jeu": 3,
        "vendredi": 4,
        "ven": 4,
        "vend": 4,
        "samedi": 5,
        "sam": 5,
        "dimanche": 6,
        "dim": 6,
        # English
        "monday": 0,
        "mon": 0,
        "tuesday": 1,
        "tue": 1,
        "tues": 1,
        "wednesday": 2,
        "wed": 2,
        "thursday": 3,
        "thu": 3,
        "thur": 3,
        "thurs": 3,
        "friday": 4,
        "fri": 4,
        "saturday": 5,
        "sat": 5,
        "sunday": 6,
        "sun": 6,
    }
)

MONTHS: Final[Mapping[str, int]] = MappingProxyType(
    {
        # French
        "janvier": 1,
        "janv": 1,
        "fevrier": 2,
        "fevr": 2,
        "fev": 2,
        "mars": 3,
        "avril": 4,
        "avr": 4,
        "mai": 5,
        "juin": 6,
        "juillet": 7,
        "juil": 7,
        "aout": 8,
        "septembre": 9,
        "sept": 9,
        "octobre": 10,
        "novembre": 11,
        "decembre": 12,
        # English (and abbreviations shared with French)
        "january": 1,
        "jan": 1,
        "february": 2,
        "feb": 2,
        "march": 3,
        "mar": 3,
        "april": 4,
        "apr": 4,
        "may": 5,
        "june": 6,
        "jun": 6,
        "july": 7,
        "jul": 7,
        "august": 8,
        "aug": 8,
        "september": 9,
        "sep": 9,
        "october": 10,
        "oct": 10,
        "november": 11,
        "nov": 11,
        "december": 12,
        "dec": 12,
    }
)

# Whole phrases (after normalisation, hyphens as spaces) meaning "today + n days".
RELATIVE_DAYS: Final[Mapping[str, int]] = MappingProxyType(
    {
        "aujourd hui": 0,
        "aujourdhui": 0,
        "auj": 0,
        "today": 0,
        "demain": 1,
        "tomorrow": 1,
        "apres demain": 2,
        "apresdemain": 2,
        "day after tomorrow": 2,
    }
)

# Words that may surround a day without changing it ("le 12 décembre", "next saturday").
DAY_FILLERS: Final = frozenset(
    {
        "le",
        "la",
        "l",
        "ce",
        "cette",
        "du",
        "prochain",
        "prochaine",
        "the",
        "on",
        "this",
        "next",
        "of",
    }
)

# Words that may introduce a time or a time range ("à 14h", "de 14h à 17h", "from 2pm").
TIME_LEADS: Final = frozenset(
    {"a", "at", "de", "des", "from", "vers", "around", "entre", "between"}
)

NAMED_TIMES: Final[Mapping[str, time]] = MappingProxyType(
    {
        "midi": time(12, 0),
        "noon": time(12, 0),
        "midday": time(12, 0),
        "minuit": time(0, 0),
        "midnight": time(0, 0),
    }
)

NUMBER_WORDS: Final[Mapping[str, int]] = MappingProxyType(
    {
        "un": 1,
        "une": 1,
        "a": 1,
        "an": 1,
        "one": 1,
        "deux": 2,
        "two": 2,
        "trois": 3,
        "three": 3,
        "quatre": 4,
        "four": 4,
        "cinq": 5,
        "five": 5,
        "six": 6,
        "sept": 7,
        "seven": 7,
        "huit": 8,
        "eight": 8,
        "neuf": 9,
        "nine": 9,
        "dix": 10,
        "ten": 10,
    }
)

# Phrases replaced before reading a duration (longest first matters, hence a tuple).
DURATION_PHRASES: Final[tuple[tuple[str, str], ...]] = (
    ("toute la journee", "8h"),
    ("une demi journee", "4h"),
    ("demi journee", "4h"),
    ("half a day", "4h"),
    ("half day", "4h"),
    ("une journee", "8h"),
    ("la journee", "8h"),
    ("journee", "8h"),
    ("a full day", "8h"),
    ("full day", "8h"),
    ("a whole day", "8h"),
    ("whole day", "8h"),
    ("une demi heure", "30min"),
    ("demi heure", "30min"),
    ("half an hour", "30min"),
    ("half hour", "30min"),
    ("et demie", "30min"),
    ("et demi", "30min"),
    ("and a half", "30min"),
)

DURATION_UNITS: Final[Mapping[str, timedelta]] = MappingProxyType(
    {
        **dict.fromkeys(("m", "mn", "min", "mins", "minute", "minutes"), timedelta(minutes=1)),
        **dict.fromkeys(("h", "hr", "hrs", "heure", "heures", "hour", "hours"), timedelta(hours=1)),
        **dict.fromkeys(("j", "jour", "jours", "d", "day", "days"), timedelta(days=1)),
        **dict.fromkeys(("sem", "semaine", "semaines", "w", "week", "weeks"), timedelta(weeks=1)),
    }
)

MAX_DURATION: Final = timedelta(days=14)

# --------------------------------------------------------------------------- patterns

_ISO_DATE = re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})", re.ASCII)
_NUMERIC_DATE = re.compile(r"(\d{1,2})[-/.](\d{1,2})(?:[-/.](\d{4}|\d{2}))?", re.ASCII)
_DAY_NUMBER = re.compile(r"(\d{1,2})(?:er|re|e|eme|st|nd|rd|th)?", re.ASCII)
_YEAR = re.compile(r"\d{4}", re.ASCII)
_TIME_24 = re.compile(
    r"(\d{1,2})(?:\s*(?:h|heures?)\s*(?:(\d{2})\s*(?:min|mn)?)?|\s*:\s*(\d{2}))?", re.ASCII
)
_TIME_12 = re.compile(r"(\d{1,2})(?:\s*[:h.]\s*(\d{2}))?\s*([ap])m", re.ASCII)
_MERIDIEM = re.compile(r"\s*([ap])m$", re.ASCII)
_RANGE_SEPARATOR = re.compile(
    r"\s*-\s*|\s+(?:a|au|to|jusqu a|jusqua|jusque|until|till|til|et|and)\s+", re.ASCII
)
_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)\s*([a-z]+)?", re.ASCII)
_DURATION_CLOCK = re.compile(r"(\d{1,3}):(\d{2})", re.ASCII)

# Apostrophes become spaces, typographic dashes become "-", "a.m." becomes "am".
_PUNCTUATION: Final = str.maketrans(
    {"'": " ", "’": " ", "‘": " ", "`": " "} | dict.fromkeys("‐‑‒–—−", "-")
)


def normalise(text: str) -> str:
    """Lowercase, fold accents, simplify apostrophes/dashes and collapse whitespace."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    folded = "".join(c for c in decomposed if not unicodedata.combining(c))
    folded = folded.translate(_PUNCTUATION).replace("a.m.", "am").replace("p.m.", "pm")
    return " ".join(folded.split())


def _words(text: str) -> list[str]:
    """Normalised words of a day expression: commas and trailing dots dropped."""
    return [w.rstrip(".") for w in normalise(text).replace(",", " ").split() if w.rstrip(".")]


def _strip_leads(text: str) -> str:
    """Drop the words that merely introduce a time ("à", "de", "from"...)."""
    words = text.split()
    while words and words[0] in TIME_LEADS:
        words.pop(0)
    return " ".join(words)


# --------------------------------------------------------------------------- days


def _next_weekday(today: date, weekday: int) -> date:
    """The next ``weekday`` strictly after ``today`` (7 days later if today is that day)."""
    return today + timedelta(days=(weekday - today.weekday() - 1) % 7 + 1)


def _next_occurrence(day: int, month: int, today: date) -> date:
    """The first ``day``/``month`` on or after ``today`` (looks ahead for 29 February)."""
    for year in range(today.year, today.year + 9):
        try:
            candidate = date(year, month, day)
        except ValueError:
            continue
        if candidate >= today:
            return candidate
    raise WhenError("date")


def _make_date(day: int, month: int, year: int | None, today: date) -> date:
    if year is None:
        return _next_occurrence(day, month, today)
    if year < 100:
        year += 2000
    return date(year, month, day)  # ValueError for impossible dates, converted by the caller


def _date_from_words(words: Sequence[str], today: date) -> date | None:
    """A calendar date from the remaining words, or None if they do not form one."""
    if len(words) == 1:
        if m := _ISO_DATE.fullmatch(words[0]):
            return date(int(m[1]), int(m[2]), int(m[3]))
        if m := _NUMERIC_DATE.fullmatch(words[0]):
            return _make_date(int(m[1]), int(m[2]), int(m[3]) if m[3] else None, today)
        return None
    if len(words) not in (2, 3):
        return None
    year: int | None = None
    if len(words) == 3:
        if not _YEAR.fullmatch(words[2]):
            return None
        year = int(words[2])
    first, second = words[0], words[1]
    if (m := _DAY_NUMBER.fullmatch(first)) and second in MONTHS:
        return _make_date(int(m[1]), MONTHS[second], year, today)
    if first in MONTHS and (m := _DAY_NUMBER.fullmatch(second)):
        return _make_date(int(m[1]), MONTHS[first], year, today)
    return None


def _interpret_day(content: Sequence[str], today: date, *, ambiguous_as_month: bool) -> date | None:
    """Read day words (fillers already removed); None if they do not form a day.

    A word that is both a weekday and a month ("mar") is read as a month first, then as a
    weekday. A weekday next to a full date is ignored: the date wins.
    """

    def is_weekday(word: str) -> bool:
        return word in WEEKDAYS and not (ambiguous_as_month and word in MONTHS)

    weekdays = {WEEKDAYS[w] for w in content if is_weekday(w)}
    rest = [w for w in content if not is_weekday(w)]
    if not rest:
        return _next_weekday(today, weekdays.pop()) if len(weekdays) == 1 else None
    relative = " ".join(rest).replace("-", " ")
    if relative in RELATIVE_DAYS:
        return today + timedelta(days=RELATIVE_DAYS[relative])
    return _date_from_words(rest, today)


def parse_day(text: str, today: date) -> date:
    """A day typed by a volunteer, relative to ``today``.

    Understands "aujourd'hui"/"today", "demain"/"tomorrow", "après-demain", weekday names
    (the next such day strictly after today), "12/12", "12/12/2026", "12-12-26", "12.12",
    "12 décembre", "le 1er mai 2027", "Dec 12", ISO "2026-12-12". Without a year, the next
    occurrence on or after today. Raises ``WhenError("date")`` and nothing else.
    """
    try:
        content = [w for w in _words(text) if w not in DAY_FILLERS]
        for ambiguous_as_month in (True, False):
            found = _interpret_day(content, today, ambiguous_as_month=ambiguous_as_month)
            if found is not None:
                return found
    except WhenError:
        raise
    except (ValueError, OverflowError) as error:
        raise WhenError("date") from error
    raise WhenError("date")


# --------------------------------------------------------------------------- times


def _read_time(text: str) -> time | None:
    """A time of day from normalised text, or None."""
    if text in NAMED_TIMES:
        return NAMED_TIMES[text]
    if m := _TIME_12.fullmatch(text):
        hour, minute = int(m[1]), int(m[2] or 0)
        if not 1 <= hour <= 12 or minute > 59:
            return None
        return time(hour % 12 + (12 if m[3] == "p" else 0), minute)
    if m := _TIME_24.fullmatch(text):
        hour, minute = int(m[1]), int(m[2] or m[3] or 0)
        if hour > 23 or minute > 59:
            return None
        return time(hour, minute)
    return None


def parse_time(text: str) -> time:
    """A time of day: "14h", "14 h 30", "14:30", "9", "midi", "minuit", "2pm", "2:30 pm"."""
    found = _read_time(_strip_leads(normalise(text)))
    if found is None:
        raise WhenError("time")
    return found


def _read_range(text: str) -> tuple[time, time | None] | None:
    """A time or a time range from normalised text, or None."""
    text = _strip_leads(text)
    single = _read_time(text)
    if single is not None:
        return single, None
    for separator in _RANGE_SEPARATOR.finditer(text):
        left, right = text[: separator.start()], text[separator.end() :]
        start, end = _read_time(left), _read_time(right)
        if end is None:
            continue
        meridiem = _MERIDIEM.search(right)
        if meridiem and not _MERIDIEM.search(left):
            # "2-5pm": the left bound shares the suffix ("10-12pm" reads 10am to noon).
            shared = _read_time(f"{left}{meridiem[1]}m")
            if shared is not None and shared > end and meridiem[1] == "p":
                shared = _read_time(f"{left}am")
            start = shared or start
        if start is not None:
            return start, end
    return None


def parse_time_range(text: str) -> tuple[time, time | None]:
    """ "14h-17h", "de 14h à 17h", "entre 14h et 17h", "14:00-17:30", "2pm-5pm", "2-5pm",
    or a single time (returned as ``(t, None)``). Bounds are not compared here."""
    found = _read_range(normalise(text))
    if found is None:
        raise WhenError("time")
    return found


# --------------------------------------------------------------------------- durations


def _duration_words(text: str) -> str:
    """Normalised duration text with phrases ("demi-journée") and number words replaced."""
    cleaned = re.sub(r"(?<=[a-z])-(?=[a-z])", " ", normalise(text).replace(",", "."))
    for phrase, replacement in DURATION_PHRASES:
        cleaned = re.sub(rf"\b{phrase}\b", f" {replacement} ", cleaned)
    words = [str(NUMBER_WORDS.get(w, w)) for w in cleaned.split()]
    return " ".join(w for w in words if w not in {"et", "and", "+"})


def parse_duration(text: str) -> timedelta:
    """A duration: "2h", "1h30", "90 min", "1 heure", "2 heures et demie", "une demi-journée"
    (4 h), "journée" (8 h), "half day", "30 minutes", "3 jours" (72 h), "1:30".

    Rounded to the minute; must be positive and at most 14 days, else ``WhenError("duration")``.
    """
    cleaned = _duration_words(text)
    total = timedelta()
    try:
        if m := _DURATION_CLOCK.fullmatch(cleaned):
            if int(m[2]) > 59:
                raise WhenError("duration")
            total = timedelta(hours=int(m[1]), minutes=int(m[2]))
        else:
            total = _sum_duration_parts(cleaned)
        total = timedelta(minutes=round(total / timedelta(minutes=1)))
    except (OverflowError, ValueError) as error:  # WhenError included
        raise WhenError("duration") from error
    if not timedelta() < total <= MAX_DURATION:
        raise WhenError("duration")
    return total


def _sum_duration_parts(cleaned: str) -> timedelta:
    """Add up "<number> <unit>" parts in decreasing units; a bare number right after hours
    counts as minutes ("1h30")."""
    total = timedelta()
    previous: timedelta | None = None
    position = 0
    if not cleaned:
        raise WhenError("duration")
    while position < len(cleaned):
        if cleaned[position] == " ":
            position += 1
            continue
        m = _DURATION_PART.match(cleaned, position)
        if m is None or len(m[1]) > 9:
            raise WhenError("duration")
        if m[2] is None:
            if previous != timedelta(hours=1) or not m[1].isdigit() or int(m[1]) > 59:
                raise WhenError("duration")
            unit = timedelta(minutes=1)
        elif m[2] in DURATION_UNITS:
            unit = DURATION_UNITS[m[2]]
        else:
            raise WhenError("duration")
        if previous is not None and unit >= previous:
            raise WhenError("duration")  # units must go down: "1 jour 2h 30", not "2h 30h"
        total += unit * float(m[1])
        previous = unit
        position = m.end()
    return total


# --------------------------------------------------------------------------- day + time


def combine(day: date, at: time, tz: ZoneInfo) -> datetime:
    """``day`` at ``at`` in ``tz``, aware.

    Ambiguous wall times (autumn) take the first occurrence (fold=0); times that do not exist
    (spring gap, e.g. 02:30 on 2027-03-28 in Paris) are moved forward by the gap (03:30).
    """
    local = datetime.combine(day, at.replace(tzinfo=None, fold=0), tzinfo=tz)
    return local.astimezone(UTC).astimezone(tz)


_MAX_WHEN_WORDS: Final = 16


def _split_when(words: Sequence[str], today: date) -> tuple[date, tuple[time, time | None]]:
    """Find a split of ``words`` into a day and a time (range), day first or time first."""
    if not words or len(words) > _MAX_WHEN_WORDS:
        raise WhenError("date")
    day_seen = False
    splits = [(words[:i], words[i:]) for i in range(1, len(words))]
    splits += [(words[i:], words[:i]) for i in range(1, len(words))]
    for day_words, time_words in splits:
        try:
            day = parse_day(" ".join(day_words), today)
        except WhenError:
            continue
        day_seen = True
        times = _read_range(" ".join(time_words))
        if times is not None:
            return day, times
    if not day_seen:
        try:
            parse_day(" ".join(words), today)
        except WhenError:
            raise WhenError("date") from None
    raise WhenError("time")


def parse_when(text: str, now: datetime, tz: ZoneInfo = PARIS) -> tuple[datetime, datetime | None]:
    """A day and a time or time range on one line: "samedi 14h-17h", "12/12 9h30",
    "demain 18h", "Dec 12 2pm-4pm", "14h samedi".

    Returns aware datetimes in ``tz``; an end of "minuit" means midnight at the end of the day.
    A naive ``now`` is read as wall time in ``tz``. Raises ``WhenError`` with reason "date",
    "time", "end_before_start" (end given and not after start) or "past" (start before now).
    """
    if now.tzinfo is None:
        now = now.replace(tzinfo=tz)
    today = now.astimezone(tz).date()
    day, (start_time, end_time) = _split_when(normalise(text).replace(",", " ").split(), today)
    try:
        start = combine(day, start_time, tz)
        end = None
        if end_time is not None:
            midnight_end = end_time == time(0) and start_time != time(0)
            end_day = day + timedelta(days=1) if midnight_end else day
            end = combine(end_day, end_time, tz)
    except OverflowError as error:
        raise WhenError("date") from error
    if end is not None and end <= start:
        raise WhenError("end_before_start")
    if start < now:
        raise WhenError("past")
    return start, end


def quick_days(today: date) -> list[tuple[str, date]]:
    """Suggested days for date buttons, in date order and without duplicate dates:
    ("tomorrow", ...), ("day_after", ...), ("saturday", ...), ("sunday", ...).
    When two suggestions fall on the same date the earlier key in that list is kept."""
    candidates = (
        ("tomorrow", today + timedelta(days=1)),
        ("day_after", today + timedelta(days=2)),
        ("saturday", _next_weekday(today, 5)),
        ("sunday", _next_weekday(today, 6)),
    )
    kept: dict[date, str] = {}
    for key, day in candidates:
        kept.setdefault(day, key)
    return [(key, day) for day, key in sorted(kept.items())]
