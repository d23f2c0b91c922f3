"""Reading what a coordinator types for a mission's fields, with a clear message for each
mistake. Every parser returns the fields to store, ready for JSON (dialogue state)."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.context import UserError
from bot.places import Gazetteer, Place
from bot.types import msg
from handlers.when import WhenError, parse_when
from knowledge.normalise import fold
from storage.missions import MAX_PLACES, TITLE_MAX

DESCRIPTION_MAX = 2000
BRING_MAX = 300
CONTACT_MAX = 200
REASON_MAX = 300
ADDRESS_MAX = 200
TAG_MAX = 30
TAGS_MAX = 8
SKIP_WORDS = frozenset({"passer", "aucun", "aucune", "rien", "non", "skip", "none", "no"})
CLEAR = "-"
"""Typed alone, clears an optional field."""
REMOTE_WORDS = frozenset(
    {"a distance", "distance", "en ligne", "visio", "remote", "online", "teletravail"}
)
_POSTCODE = re.compile(r"\b(\d{2})\s?(\d{3})\b")


def _text(text: str, limit: int, key: str) -> str:
    value = " ".join(text.split())
    if not value:
        raise UserError(msg("missions.error.empty"))
    if len(value) > limit:
        raise UserError(msg(key, limit=limit))
    return value


def _skipped(text: str) -> bool:
    return text.strip() == CLEAR or fold(text) in SKIP_WORDS


def title(text: str) -> dict[str, Any]:
    """A title of at most 120 characters."""
    return {"title": _text(text, TITLE_MAX, "missions.error.too_long")}


def optional(name: str, text: str) -> dict[str, Any]:
    """Description, what to bring or contact; "passer" / "-" clears it."""
    if _skipped(text):
        return {name: "" if name == "description" else None}
    limit = {"description": DESCRIPTION_MAX, "bring": BRING_MAX, "contact": CONTACT_MAX}[name]
    value = text.strip()
    if len(value) > limit:
        raise UserError(msg("missions.error.too_long", limit=limit))
    return {name: value}


def reason(text: str) -> str:
    """Why a mission is cancelled: one or two sentences."""
    return _text(text, REASON_MAX, "missions.error.too_long")


def tags(text: str) -> dict[str, Any]:
    """Keywords separated by commas: "jardinage, bricolage"."""
    if _skipped(text):
        return {"tags": []}
    found: list[str] = []
    for raw in re.split(r"[,;#\n]+", text):
        tag = " ".join(raw.split()).lower()
        if not tag:
            continue
        if len(tag) > TAG_MAX:
            raise UserError(msg("missions.error.tag_long", limit=TAG_MAX))
        if tag not in found:
            found.append(tag)
    if len(found) > TAGS_MAX:
        raise UserError(msg("missions.error.tags_many", limit=TAGS_MAX))
    return {"tags": found}


def places(text: str) -> int:
    """A number of people between 1 and 500."""
    digits = re.sub(r"[^\d]", "", text.split("place")[0].split("pers")[0])
    if not digits or len(digits) > 4:
        raise UserError(msg("missions.error.places"))
    number = int(digits)
    if not 1 <= number <= MAX_PLACES:
        raise UserError(msg("missions.error.places"))
    return number


def when(text: str, now: datetime, zone: ZoneInfo) -> tuple[datetime, datetime | None]:
    """A day with a time or a time range: "samedi 14h-17h"."""
    try:
        return parse_when(text, now, zone)
    except WhenError as problem:
        raise UserError(msg(f"missions.error.{problem.reason}")) from None


def _place_fields(place: Place, address: str | None) -> dict[str, Any]:
    return {
        "remote": False,
        "address": address or None,
        "city": place.name,
        "postcode": place.postcode,
        "latitude": place.latitude,
        "longitude": place.longitude,
    }


def remote() -> dict[str, Any]:
    """The fields of a mission done from home."""
    return {
        "remote": True,
        "address": None,
        "city": None,
        "postcode": None,
        "latitude": None,
        "longitude": None,
    }


def place(text: str, gazetteer: Gazetteer) -> dict[str, Any] | list[Place]:
    """ "12 rue des Lilas, 69003 Lyon", "69003", "Lyon" or "à distance". Returns the fields, or
    the candidate towns when a name is ambiguous."""
    value = " ".join(text.split())
    if fold(value) in REMOTE_WORDS:
        return remote()
    if not value:
        raise UserError(msg("missions.error.place"))
    if len(value) > ADDRESS_MAX:
        raise UserError(msg("missions.error.too_long", limit=ADDRESS_MAX))
    code = _POSTCODE.search(value)
    if code:
        postcode = code.group(1) + code.group(2)
        after = value[code.end() :].strip(" ,")
        found = gazetteer.lookup(f"{postcode} {after}".strip(), limit=1) or gazetteer.lookup(
            postcode, limit=1
        )
        if not found:
            raise UserError(msg("missions.error.postcode", postcode=postcode))
        return _place_fields(found[0], value[: code.start()].strip(" ,") or None)
    address, _, town = value.rpartition(",")
    candidates = gazetteer.lookup(town.strip(), limit=4)
    if not candidates:
        raise UserError(msg("missions.error.place_unknown", text=value))
    if len(candidates) == 1 or candidates[0].population > 10 * candidates[1].population:
        return _place_fields(candidates[0], address.strip() or None)
    return candidates


def chosen(candidate: Place, address: str | None) -> dict[str, Any]:
    """The fields for a town picked among several of the same name."""
    return _place_fields(candidate, address)
