"""Plain records the repositories return: handlers never see ORM objects or sessions."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
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
    """Chosen with /langue; None: follow the platform's language."""
    device_language: str | None = None
    """The language the platform last reported."""
    reminders: bool = True
    missed_since: datetime | None = None
    """When the platform last refused a private message to this identity, if it had until
    this contact (closed private messages, blocked bot): worth telling the person."""
    area: str | None = None
    """Where they are, in their words (a town, a postcode)."""
    interests: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Contact:
    """Where to write to a volunteer privately."""

    volunteer_id: int
    platform: str
    chat_id: str
    locale: str | None
    device_language: str | None
    reachable: bool
    """False when the platform refused the last private message (blocked bot, closed DMs)."""


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
class Arrival:
    """Who wrote, read in one query: the volunteer, their associations (the one used last
    first) and the dialogue they are in in this chat."""

    volunteer: VolunteerRecord
    memberships: tuple[MembershipRecord, ...]
    dialogue: DialogueState | None


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


class MissionStatus(StrEnum):
    """Where a mission is in its life."""

    DRAFT = "draft"
    PUBLISHED = "published"
    CANCELLED = "cancelled"
    DONE = "done"


class SignUpStatus(StrEnum):
    """Where a volunteer stands on a mission."""

    CONFIRMED = "confirmed"
    OFFERED = "offered"
    """A freed place is held for them until the offer expires."""
    WAITLISTED = "waitlisted"
    CANCELLED = "cancelled"
    DECLINED = "declined"
    """They declined an offered place, or let it expire."""


@dataclass(frozen=True, slots=True)
class MissionDraft:
    """What a coordinator gives to create a mission; validated before it is stored."""

    title: str
    starts_at: datetime
    ends_at: datetime
    places: int
    description: str = ""
    address: str | None = None
    city: str | None = None
    postcode: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    remote: bool = False
    tags: tuple[str, ...] = ()
    bring: str | None = None
    contact: str | None = None


@dataclass(frozen=True, slots=True)
class MissionRecord:
    """A mission as handlers see it."""

    id: int
    association_id: int
    title: str
    description: str
    address: str | None
    city: str | None
    postcode: str | None
    latitude: float | None
    longitude: float | None
    remote: bool
    starts_at: datetime
    ends_at: datetime
    places: int
    taken: int
    tags: tuple[str, ...]
    bring: str | None
    contact: str | None
    status: MissionStatus
    cancel_reason: str | None
    created_by: int | None

    @property
    def places_left(self) -> int:
        """Places nobody holds yet."""
        return max(self.places - self.taken, 0)


@dataclass(frozen=True, slots=True)
class SignUpRecord:
    """One volunteer's place on one mission."""

    mission_id: int
    volunteer_id: int
    status: SignUpStatus
    arrival: int
    waitlist_position: int | None
    """1 for the next in line, when waitlisted."""
    offer_expires_at: datetime | None


@dataclass(frozen=True, slots=True)
class JobRecord:
    """A claimed job, for the worker that runs it."""

    id: int
    key: str
    kind: str
    payload: dict[str, Any]
    due_at: datetime
    attempts: int


class AudienceKind(StrEnum):
    """Who an announcement is for."""

    ALL = "all"
    """Everyone subscribed to all of the association's announcements."""
    AREA = "area"
    """Those subscribed to all, or to this postcode or department."""
    TAG = "tag"
    """Those subscribed to all, or to this topic."""
    MISSION = "mission"
    """The people signed up for one mission (confirmed or offered a place)."""


@dataclass(frozen=True, slots=True)
class Audience:
    """An announcement's audience: a kind and its value (postcode, department, tag, mission
    id). ``department`` is set for an area."""

    kind: AudienceKind
    value: str = ""
    department: str | None = None


class SubscriptionScope(StrEnum):
    """What a volunteer agreed to receive from an association."""

    ALL = "all"
    AREA = "area"
    TAG = "tag"


@dataclass(frozen=True, slots=True)
class SubscriptionRecord:
    """One consent: all announcements, those for an area, or those on a topic."""

    scope: SubscriptionScope
    value: str = ""
    department: str | None = None


class AnnouncementStatus(StrEnum):
    """Where a broadcast stands."""

    QUEUEING = "queueing"
    """Recipients are being written to the outbox."""
    SENDING = "sending"
    DONE = "done"


@dataclass(frozen=True, slots=True)
class AnnouncementRecord:
    """A broadcast as the core sees it."""

    id: int
    association_id: int
    created_by: int | None
    text: str
    audience: Audience
    audience_label: str
    post_in_groups: bool
    status: AnnouncementStatus
    cursor: int
    recipients: int
    reported: int
    report_platform: str | None
    report_chat_id: str | None
    report_message_id: str | None
    created_at: datetime
    finished_at: datetime | None


@dataclass(frozen=True, slots=True)
class ChannelRecord:
    """A group or channel linked to an association."""

    id: int
    association_id: int
    platform: str
    chat_id: str
    title: str | None
    purpose: str = "announce"
