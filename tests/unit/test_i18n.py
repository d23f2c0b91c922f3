"""The catalogue: complete in both languages, and every key the code uses exists."""

from __future__ import annotations

import re
from datetime import UTC, datetime, time
from pathlib import Path

import pytest
import yaml

from bot.envelope import reply_from_json, reply_to_json
from bot.i18n import SUPPORTED_LOCALES, Catalogue, format_number, normalise_locale, placeholders
from bot.types import Button, Msg, Reply, msg

ROOT = Path(__file__).resolve().parents[2]
SOURCES = [p for d in ("bot", "handlers", "knowledge", "storage") for p in (ROOT / d).rglob("*.py")]
KEY_IN_CODE = re.compile(r"""\bmsg\(\s*["']([a-z_]+(?:\.[a-z0-9_]+)+)["']""")


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return Catalogue.load()


def test_every_key_exists_in_every_language(catalogue: Catalogue) -> None:
    french = catalogue.keys("fr")
    for locale in SUPPORTED_LOCALES:
        keys = catalogue.keys(locale)
        assert not french - keys, f"missing in {locale}: {sorted(french - keys)}"
        assert not keys - french, f"only in {locale}: {sorted(keys - french)}"


def test_placeholders_match_between_languages(catalogue: Catalogue) -> None:
    for key in catalogue.keys("fr"):
        if key.startswith("calendar."):
            continue  # date layouts legitimately use different fields
        fr = placeholders(catalogue.template(key, "fr"))
        en = placeholders(catalogue.template(key, "en"))
        assert fr == en, f"{key}: fr uses {fr}, en uses {en}"


def test_every_key_used_in_code_is_in_the_catalogue(catalogue: Catalogue) -> None:
    used = {key for path in SOURCES for key in KEY_IN_CODE.findall(path.read_text("utf-8"))}
    assert len(used) > 10, "the scan found suspiciously few keys"
    missing = sorted(key for key in used if not catalogue.has(key))
    assert not missing, f"keys used in code but not in the catalogue: {missing}"


def test_every_literal_naming_a_message_is_in_the_catalogue(catalogue: Catalogue) -> None:
    """Keys chosen in an expression (``msg("a" if x else "b")``) are checked too: any string
    literal that starts with a catalogue section must be a message."""
    sections = sorted({key.split(".")[0] for key in catalogue.keys("fr")})
    names = "|".join(sections)
    literal = re.compile(r"(?<![\w{])[\"']((?:" + names + r")\.[a-z0-9_]+(?:\.[a-z0-9_]+)*)[\"']")
    texts = (p.read_text("utf-8") for p in SOURCES if "storage" not in p.parts)  # table names
    used = {key for text in texts for key in literal.findall(text)}
    assert len(used) > 100, "the scan found suspiciously few literals"
    missing = sorted(key for key in used if not catalogue.has(key))
    assert not missing, f"literals naming no message: {missing}"


def test_missing_key_falls_back_to_the_key_itself() -> None:
    small = Catalogue({"fr": {"a": "A"}, "en": {}})
    assert small.translate(msg("a"), "en") == "A"
    assert small.translate(msg("nope"), "en") == "nope"


@pytest.mark.parametrize(
    ("code", "expected"),
    [("fr", "fr"), ("fr-FR", "fr"), ("en_GB", "en"), ("EN", "en"), ("de", "fr"), (None, "fr")],
)
def test_platform_language_codes(code: str | None, expected: str) -> None:
    assert normalise_locale(code) == expected


def test_user_text_in_parameters_is_escaped(catalogue: Catalogue) -> None:
    text = catalogue.translate(msg("language.unknown", choice="**klingon**"), "fr")
    assert "\\*\\*klingon\\*\\*" in text


def test_render_translates_buttons_and_nested_messages(catalogue: Catalogue) -> None:
    reply = Reply(
        text=Msg.join(msg("start.hello_name", name="Ana"), msg("cancel.done"), separator=" "),
        buttons=((Button(label=msg("help.button"), data="cmd:aide"),),),
    )
    rendered = catalogue.render(reply, "en")
    assert rendered.text == "Hello Ana! Cancelled. We can pick up whenever you like."
    assert rendered.button_labels == ["Menu"]


def test_numbers_and_dates_follow_the_locale(catalogue: Catalogue) -> None:
    assert format_number(1200, "fr") == "1\u202f200"
    assert format_number(1200, "en") == "1,200"
    moment = datetime(2026, 12, 5, 14, 30, tzinfo=UTC)
    assert catalogue.format_datetime(moment, "fr") == "samedi 5 décembre 2026 à 14 h 30"
    assert catalogue.format_datetime(moment, "en") == "Saturday 5 December 2026 at 2:30 pm"


def test_a_key_given_twice_in_a_catalogue_file_is_refused(tmp_path: Path) -> None:
    for locale in ("fr", "en"):
        (tmp_path / f"{locale}.yaml").write_text(
            "help:\n  intro: Bonjour\nhelp:\n  other: Salut\n", encoding="utf-8"
        )
    with pytest.raises(yaml.YAMLError, match="duplicate key 'help'"):
        Catalogue.load(tmp_path)


def test_times_of_day_follow_the_readers_clock_and_survive_the_outbox(
    catalogue: Catalogue,
) -> None:
    until = msg("missions.until_time", time=time(22, 5))
    assert catalogue.translate(until, "fr") == "22 h 05"
    assert catalogue.translate(until, "en") == "10:05 pm"
    again = reply_from_json(reply_to_json(Reply(text=until)))
    assert catalogue.translate(again.text, "en") == "10:05 pm"
