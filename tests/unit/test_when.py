"""Dates, times and durations typed by volunteers: French, English, no accents, typos, DST."""

from __future__ import annotations

import contextlib
import random
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from handlers.when import (
    WhenError,
    combine,
    normalise,
    parse_day,
    parse_duration,
    parse_time,
    parse_time_range,
    parse_when,
    quick_days,
)

PARIS = ZoneInfo("Europe/Paris")
TODAY = date(2026, 11, 20)  # a Friday
NOW = datetime(2026, 11, 20, 9, 0, tzinfo=PARIS)


def test_today_is_a_friday() -> None:
    assert TODAY.weekday() == 4


def test_normalise_folds_case_accents_apostrophes_and_spaces() -> None:
    assert (
        normalise("  Après-Demain\u202fÀ  14H – 17h, l’Été ") == "apres-demain a 14h - 17h, l ete"
    )


# --------------------------------------------------------------------------- parse_day


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # relative words
        ("aujourd'hui", date(2026, 11, 20)),
        ("Aujourd’hui", date(2026, 11, 20)),
        ("aujourdhui", date(2026, 11, 20)),
        ("today", date(2026, 11, 20)),
        ("demain", date(2026, 11, 21)),
        ("Demain", date(2026, 11, 21)),
        ("tomorrow", date(2026, 11, 21)),
        ("après-demain", date(2026, 11, 22)),
        ("apres demain", date(2026, 11, 22)),
        ("APRÈS DEMAIN", date(2026, 11, 22)),
        ("the day after tomorrow", date(2026, 11, 22)),
        # weekdays: strictly after today
        ("samedi", date(2026, 11, 21)),
        ("sam", date(2026, 11, 21)),
        ("sam.", date(2026, 11, 21)),
        ("samedi prochain", date(2026, 11, 21)),
        ("ce samedi", date(2026, 11, 21)),
        ("next saturday", date(2026, 11, 21)),
        ("Saturday", date(2026, 11, 21)),
        ("sat", date(2026, 11, 21)),
        ("dimanche", date(2026, 11, 22)),
        ("lundi", date(2026, 11, 23)),
        ("mardi", date(2026, 11, 24)),
        ("mar", date(2026, 11, 24)),
        ("mercredi", date(2026, 11, 25)),
        ("jeudi", date(2026, 11, 26)),
        ("vendredi", date(2026, 11, 27)),  # today is Friday: in 7 days
        ("friday", date(2026, 11, 27)),
        ("Wednesday", date(2026, 11, 25)),
        ("thurs", date(2026, 11, 26)),
        # numeric dates
        ("12/12", date(2026, 12, 12)),
        ("12/12/2026", date(2026, 12, 12)),
        ("12-12-26", date(2026, 12, 12)),
        ("12.12", date(2026, 12, 12)),
        ("1/1", date(2027, 1, 1)),
        ("05/01/2027", date(2027, 1, 5)),
        ("20/11", date(2026, 11, 20)),  # today itself
        ("19/11", date(2027, 11, 19)),  # already gone this year
        ("29/02", date(2028, 2, 29)),  # next leap year
        ("2026-12-12", date(2026, 12, 12)),
        ("12/12/2020", date(2020, 12, 12)),  # explicit year kept (parse_when says "past")
        # month names
        ("12 décembre", date(2026, 12, 12)),
        ("12 decembre", date(2026, 12, 12)),
        ("12 DÉC.", date(2026, 12, 12)),
        ("12 dec", date(2026, 12, 12)),
        ("le 12 décembre 2026", date(2026, 12, 12)),
        ("le 1er janvier", date(2027, 1, 1)),
        ("3 févr", date(2027, 2, 3)),
        ("15 août", date(2027, 8, 15)),
        ("15 aout", date(2027, 8, 15)),
        ("mardi 8 décembre", date(2026, 12, 8)),
        ("samedi 8 décembre", date(2026, 12, 8)),  # weekday disagrees: the date wins
        ("Dec 12", date(2026, 12, 12)),
        ("December 12th, 2026", date(2026, 12, 12)),
        ("12 December", date(2026, 12, 12)),
        ("on the 3rd of march", date(2027, 3, 3)),
        ("12 mar", date(2027, 3, 12)),  # "mar" next to a day number is March
        ("mar 8 dec", date(2026, 12, 8)),  # ... and a weekday otherwise
        ("demain samedi", date(2026, 11, 21)),
    ],
)
def test_parse_day(text: str, expected: date) -> None:
    assert parse_day(text, TODAY) == expected


def test_weekday_on_that_same_weekday_means_next_week() -> None:
    saturday = date(2026, 11, 21)
    assert parse_day("samedi", saturday) == date(2026, 11, 28)
    assert parse_day("dimanche", saturday) == date(2026, 11, 22)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "le",
        "smedi",  # typo
        "demian",
        "31/02",
        "31/02/2027",
        "30 février",
        "32/12",
        "12/13",
        "00/12",
        "2026-13-01",
        "0000-01-01",
        "12",
        "décembre",
        "12 décembre 26",
        "samedi dimanche",
        "samedi bidule",
        "12/12/12/12",
        "hier",
        "14h",
        "???",
    ],
)
def test_parse_day_rejects(text: str) -> None:
    with pytest.raises(WhenError) as caught:
        parse_day(text, TODAY)
    assert caught.value.reason == "date"


def test_parse_day_near_the_end_of_the_calendar_fails_cleanly() -> None:
    with pytest.raises(WhenError):
        parse_day("demain", date.max)
    with pytest.raises(WhenError):
        parse_day("29/02", date(9999, 3, 1))


# --------------------------------------------------------------------------- parse_time


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("14h", time(14, 0)),
        ("14 h", time(14, 0)),
        ("14h30", time(14, 30)),
        ("14H30", time(14, 30)),
        ("14 h 30", time(14, 30)),
        ("14:30", time(14, 30)),
        ("14h00", time(14, 0)),
        ("09h05", time(9, 5)),
        ("9h", time(9, 0)),
        ("9", time(9, 0)),
        ("0h", time(0, 0)),
        ("14 heures", time(14, 0)),
        ("14 heures 30", time(14, 30)),
        ("à 14h", time(14, 0)),
        ("midi", time(12, 0)),
        ("Midi", time(12, 0)),
        ("minuit", time(0, 0)),
        ("noon", time(12, 0)),
        ("midnight", time(0, 0)),
        ("2pm", time(14, 0)),
        ("2 PM", time(14, 0)),
        ("2:30 pm", time(14, 30)),
        ("2 p.m.", time(14, 0)),
        ("9am", time(9, 0)),
        ("12am", time(0, 0)),
        ("12pm", time(12, 0)),
        ("12:15 am", time(0, 15)),
    ],
)
def test_parse_time(text: str, expected: time) -> None:
    assert parse_time(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "h",
        "24h",
        "25h",
        "14h60",
        "14h5",
        "14:",
        "13pm",
        "0am",
        "quatorze heures",
        "14h-17h",
        "1430",
    ],
)
def test_parse_time_rejects(text: str) -> None:
    with pytest.raises(WhenError) as caught:
        parse_time(text)
    assert caught.value.reason == "time"


# --------------------------------------------------------------------------- parse_time_range


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("14h-17h", (time(14), time(17))),
        ("14h - 17h", (time(14), time(17))),
        ("14 h – 17 h", (time(14), time(17))),
        ("14h à 17h", (time(14), time(17))),
        ("14h a 17h", (time(14), time(17))),
        ("de 14h à 17h", (time(14), time(17))),
        ("de 14 à 17h", (time(14), time(17))),
        ("entre 14h et 17h", (time(14), time(17))),
        ("14h jusqu'à 17h30", (time(14), time(17, 30))),
        ("14:00-17:30", (time(14), time(17, 30))),
        ("2pm-5pm", (time(14), time(17))),
        ("from 2pm to 5pm", (time(14), time(17))),
        ("2-5pm", (time(14), time(17))),
        ("10-12pm", (time(10), time(12))),
        ("11-1pm", (time(11), time(13))),
        ("9am-5pm", (time(9), time(17))),
        ("14h", (time(14), None)),
        ("à 9h30", (time(9, 30), None)),
        ("17h-14h", (time(17), time(14))),  # order is checked by parse_when
    ],
)
def test_parse_time_range(text: str, expected: tuple[time, time | None]) -> None:
    assert parse_time_range(text) == expected


@pytest.mark.parametrize("text", ["", "14h-", "-17h", "14h 17h", "14h-25h", "de à", "samedi"])
def test_parse_time_range_rejects(text: str) -> None:
    with pytest.raises(WhenError) as caught:
        parse_time_range(text)
    assert caught.value.reason == "time"


# --------------------------------------------------------------------------- parse_duration


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2h", timedelta(hours=2)),
        ("2 h", timedelta(hours=2)),
        ("2H", timedelta(hours=2)),
        ("1h30", timedelta(hours=1, minutes=30)),
        ("1 h 30", timedelta(hours=1, minutes=30)),
        ("1h30min", timedelta(hours=1, minutes=30)),
        ("2h 15 min", timedelta(hours=2, minutes=15)),
        ("90 min", timedelta(minutes=90)),
        ("30 minutes", timedelta(minutes=30)),
        ("45mn", timedelta(minutes=45)),
        ("1 heure", timedelta(hours=1)),
        ("une heure", timedelta(hours=1)),
        ("2 heures", timedelta(hours=2)),
        ("deux heures", timedelta(hours=2)),
        ("2 heures et demie", timedelta(hours=2, minutes=30)),
        ("1h et demie", timedelta(hours=1, minutes=30)),
        ("une demi-heure", timedelta(minutes=30)),
        ("1,5 h", timedelta(hours=1, minutes=30)),
        ("1.5h", timedelta(hours=1, minutes=30)),
        ("1:30", timedelta(hours=1, minutes=30)),
        ("une demi-journée", timedelta(hours=4)),
        ("demi journee", timedelta(hours=4)),
        ("journée", timedelta(hours=8)),
        ("une journée", timedelta(hours=8)),
        ("toute la journée", timedelta(hours=8)),
        ("half day", timedelta(hours=4)),
        ("half-day", timedelta(hours=4)),
        ("a full day", timedelta(hours=8)),
        ("an hour", timedelta(hours=1)),
        ("an hour and a half", timedelta(hours=1, minutes=30)),
        ("half an hour", timedelta(minutes=30)),
        ("3 hours", timedelta(hours=3)),
        ("2 jours", timedelta(days=2)),
        ("14 jours", timedelta(days=14)),
        ("2 semaines", timedelta(days=14)),
        ("1 jour 2h 30", timedelta(days=1, hours=2, minutes=30)),
    ],
)
def test_parse_duration(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "2",  # no unit
        "abc",
        "0h",
        "0 min",
        "-2h",
        "15 jours",
        "3 semaines",
        "337h",
        "99999999999 days",
        "2 heurs",  # typo
        "1h75",
        "1:75",
        "2h 30h",
        "30 min 2h",
    ],
)
def test_parse_duration_rejects(text: str) -> None:
    with pytest.raises(WhenError) as caught:
        parse_duration(text)
    assert caught.value.reason == "duration"


# --------------------------------------------------------------------------- parse_when


def paris(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=PARIS)


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("samedi 14h-17h", paris(2026, 11, 21, 14), paris(2026, 11, 21, 17)),
        ("samedi à 14h", paris(2026, 11, 21, 14), None),
        ("samedi, 14h", paris(2026, 11, 21, 14), None),
        ("12/12 9h30", paris(2026, 12, 12, 9, 30), None),
        ("demain 18h", paris(2026, 11, 21, 18), None),
        ("demain de 14h à 17h", paris(2026, 11, 21, 14), paris(2026, 11, 21, 17)),
        ("Dec 12 2pm-4pm", paris(2026, 12, 12, 14), paris(2026, 12, 12, 16)),
        ("12 dec 2026 14h", paris(2026, 12, 12, 14), None),
        ("12 déc 9", paris(2026, 12, 12, 9), None),
        ("mardi 8 décembre 10h-12h", paris(2026, 12, 8, 10), paris(2026, 12, 8, 12)),
        ("14h samedi", paris(2026, 11, 21, 14), None),
        ("2pm tomorrow", paris(2026, 11, 21, 14), None),
        ("aujourd'hui 10h", paris(2026, 11, 20, 10), None),
        ("apres demain midi", paris(2026, 11, 22, 12), None),
        ("demain 20h-minuit", paris(2026, 11, 21, 20), paris(2026, 11, 22, 0)),
        ("2026-12-12 14:00-17:30", paris(2026, 12, 12, 14), paris(2026, 12, 12, 17, 30)),
    ],
)
def test_parse_when(text: str, start: datetime, end: datetime | None) -> None:
    got_start, got_end = parse_when(text, NOW, PARIS)
    assert (got_start, got_end) == (start, end)
    assert got_start.tzinfo is PARIS
    assert got_end is None or got_end.tzinfo is PARIS


def test_parse_when_accepts_now_in_another_zone() -> None:
    now_utc = datetime(2026, 11, 20, 23, 30, tzinfo=UTC)  # already Saturday 00:30 in Paris
    start, _ = parse_when("demain 10h", now_utc, PARIS)
    assert start == paris(2026, 11, 22, 10)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("samedi", "time"),  # missing time
        ("12/12/2026", "time"),
        ("samedi 25h", "time"),
        ("samedi 14h 17h", "time"),
        ("14h", "date"),  # missing day
        ("smedi 14h", "date"),
        ("31/02 14h", "date"),
        ("", "date"),
        ("aujourd'hui 8h", "past"),
        ("today 8:59", "past"),
        ("12/12/2020 14h", "past"),
        ("demain 17h-14h", "end_before_start"),
        ("demain 14h-14h", "end_before_start"),
    ],
)
def test_parse_when_errors(text: str, reason: str) -> None:
    with pytest.raises(WhenError) as caught:
        parse_when(text, NOW, PARIS)
    assert caught.value.reason == reason


def test_parse_when_now_itself_is_not_past() -> None:
    assert parse_when("aujourd'hui 9h", NOW, PARIS) == (NOW, None)


def test_parse_when_in_the_spring_dst_gap_moves_forward() -> None:
    now = paris(2027, 3, 20, 12)
    start, end = parse_when("28/03/2027 2h30-4h", now, PARIS)
    assert start == paris(2027, 3, 28, 3, 30)
    assert start.utcoffset() == timedelta(hours=2)
    assert end == paris(2027, 3, 28, 4)


# --------------------------------------------------------------------------- combine


def test_combine_is_aware() -> None:
    winter = combine(date(2026, 12, 12), time(14, 0), PARIS)
    summer = combine(date(2027, 7, 14), time(14, 0), PARIS)
    assert winter.utcoffset() == timedelta(hours=1)
    assert summer.utcoffset() == timedelta(hours=2)
    assert winter.astimezone(UTC) == datetime(2026, 12, 12, 13, 0, tzinfo=UTC)


def test_combine_spring_gap() -> None:
    moved = combine(date(2027, 3, 28), time(2, 30), PARIS)
    assert (moved.hour, moved.minute) == (3, 30)
    assert moved.utcoffset() == timedelta(hours=2)
    assert moved.astimezone(UTC) == datetime(2027, 3, 28, 1, 30, tzinfo=UTC)


def test_combine_autumn_ambiguity_takes_the_first_occurrence() -> None:
    first = combine(date(2027, 10, 31), time(2, 30, fold=1), PARIS)
    assert first.fold == 0
    assert first.utcoffset() == timedelta(hours=2)
    assert first.astimezone(UTC) == datetime(2027, 10, 31, 0, 30, tzinfo=UTC)


# --------------------------------------------------------------------------- quick_days


def test_quick_days_on_a_wednesday() -> None:
    assert quick_days(date(2026, 11, 18)) == [
        ("tomorrow", date(2026, 11, 19)),
        ("day_after", date(2026, 11, 20)),
        ("saturday", date(2026, 11, 21)),
        ("sunday", date(2026, 11, 22)),
    ]


def test_quick_days_when_tomorrow_is_saturday() -> None:
    assert quick_days(TODAY) == [
        ("tomorrow", date(2026, 11, 21)),
        ("day_after", date(2026, 11, 22)),
    ]


def test_quick_days_on_a_thursday() -> None:
    assert quick_days(date(2026, 11, 19)) == [
        ("tomorrow", date(2026, 11, 20)),
        ("day_after", date(2026, 11, 21)),
        ("sunday", date(2026, 11, 22)),
    ]


def test_quick_days_on_a_saturday() -> None:
    assert quick_days(date(2026, 11, 21)) == [
        ("tomorrow", date(2026, 11, 22)),
        ("day_after", date(2026, 11, 23)),
        ("saturday", date(2026, 11, 28)),
    ]


# --------------------------------------------------------------------------- robustness


def test_when_error_reasons_are_checked() -> None:
    assert WhenError("past").reason == "past"
    assert isinstance(WhenError("date"), ValueError)
    with pytest.raises(ValueError, match="unknown"):
        WhenError("nope")


def test_parsers_raise_only_when_error_on_garbage() -> None:
    pieces = [
        "12", "/", "-", ".", ":", "h", "pm", "am", " ", "samedi", "dec", "mar", "2026", "0",
        "99", "9999", "à", "de", "le", "'", ",", "é", "minuit", "demi", "journée", "1er", "31",
        "29", "02", "h30", "+", "et", "jours", "min", "\u202f", "½", "١٢", "\x00",
    ]  # fmt: skip
    parsers: list[Callable[[str], object]] = [
        lambda s: parse_day(s, TODAY),
        lambda s: parse_day(s, date.max),
        parse_time,
        parse_time_range,
        parse_duration,
        lambda s: parse_when(s, NOW, PARIS),
    ]
    rng = random.Random(20261120)
    for _ in range(3000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 7)))
        for parser in parsers:
            with contextlib.suppress(WhenError):
                parser(text)
