"""Plain records the repositories return: handlers never see ORM objects or sessions."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Role(StrEnum):
    """A member's role in an association."""

    VOLUNTEER = "volunteer"
    COORDINATOR = "coordinator"


@dataclass(frozen=True, slots=True)
class VolunteerRecord:
    """A person as the core sees them."""

    id: int
    display_name: str | None
    locale: str | None


@dataclass(frozen=True, slots=True)
class AssociationRecord:
    """An association."""

    id: int
    slug: str
    name: str


@dataclass(frozen=True, slots=True)
class MembershipRecord:
    """A volunteer's role in one association."""

    association: AssociationRecord
    role: Role


@dataclass(frozen=True, slots=True)
class DialogueState:
    """Where someone is in a multi-step dialogue."""

    dialogue: str
    step: str
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class KbQuestionRecord:
    """A question asked to the knowledge base and what became of it."""

    id: int
    association_id: int | None
    volunteer_id: int | None
    text: str
    lang: str
    outcome: str
    tutorial_id: str | None
    suggestions: tuple[str, ...]
    helpful: bool | None
    wants_human: bool


@dataclass(frozen=True, slots=True)
class MissingTopic:
    """Questions the knowledge base did not answer well, grouped."""

    example: str
    count: int
    unanswered: int
    unhelpful: int
    wanted_human: int
