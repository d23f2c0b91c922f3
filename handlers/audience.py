"""Areas and topics as people type them, shared by subscriptions and announcements."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.context import UserError
from bot.places import Gazetteer
from bot.services import Services
from bot.types import Button, Msg, msg
from knowledge.normalise import fold

TOPIC_MAX = 24
DEFAULT_TOPICS = ("alimentaire", "jardinage", "informatique", "accompagnement", "événements")
"""Offered when the association has no topics of its own yet."""
_SPACES = re.compile(r"\s+")
BUTTON_DATA_BYTES = 64
"""Telegram's limit on a button's data, in bytes (accented letters take two)."""


@dataclass(frozen=True, slots=True)
class Area:
    """A postcode or a department, with its department and how to show it."""

    value: str
    department: str
    name: str = ""
    """The commune's name for a postcode; empty for a department."""

    @property
    def is_department(self) -> bool:
        """Whether the whole department is meant."""
        return self.value == self.department

    @property
    def label(self) -> Msg:
        """``75011 Paris`` or ``département 75``."""
        if self.is_department:
            return msg("subscriptions.department", code=self.value)
        return Msg.text(f"{self.value} {self.name}".strip())

    @property
    def plain(self) -> str:
        """A language-neutral label for records (``75011 Paris``, ``75``)."""
        return f"{self.value} {self.name}".strip()


def parse_area(text: str, places: Gazetteer) -> Area:
    """A department number, a postcode or a town name; a polite error otherwise."""
    typed = text.strip()
    department = places.department(typed)
    if department is not None:
        return Area(department, department)
    found = places.lookup(typed, limit=1)
    if not found:
        raise UserError(msg("subscriptions.error.area", text=typed[:40]))
    place = found[0]
    return Area(place.postcode, place.department, place.name)


def area_of(value: str, department: str | None, places: Gazetteer) -> Area:
    """A stored area, named again from the gazetteer."""
    if department is None or value == department:
        return Area(value, department or value)
    found = places.lookup(value, limit=1)
    return Area(value, department, found[0].name if found else "")


async def known_topics(services: Services, association_id: int, limit: int = 8) -> list[str]:
    """Topics to offer: those volunteers chose, then those of upcoming missions, else a
    starter list."""
    topics = await services.subscriptions.topics(association_id, limit=limit)
    for mission in await services.missions.upcoming(association_id, limit=30):
        topics.extend(mission.tags)
    if not topics:
        topics = list(DEFAULT_TOPICS)
    unique: dict[str, str] = {}
    for topic in topics:
        unique.setdefault(fold(topic), topic)
    return list(unique.values())[:limit]


def parse_topic(text: str, known: list[str]) -> str:
    """A topic as typed, spelled like a known one when it is the same word."""
    topic = _SPACES.sub(" ", text.strip().lstrip("#")).lower()
    if not topic:
        raise UserError(msg("subscriptions.error.topic_empty"))
    if len(topic) > TOPIC_MAX:
        raise UserError(msg("subscriptions.error.topic_long", limit=TOPIC_MAX))
    for candidate in known:
        if fold(candidate) == fold(topic):
            return candidate
    return topic


def topic_buttons(topics: list[str], prefix: str) -> list[tuple[Button, ...]]:
    """One button per topic (``<prefix>:t:<topic>``), leaving out those too long to carry."""
    return [
        (Button(msg("subscriptions.topic", topic=t), f"{prefix}:t:{t}"),)
        for t in topics
        if len(f"{prefix}:t:{t}".encode()) <= BUTTON_DATA_BYTES
    ]
