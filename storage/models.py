"""SQLAlchemy 2.0 typed models. Repositories are the only code that touches them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Index, MetaData, String, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator


class UtcDateTime(TypeDecorator[datetime]):
    """Timezone-aware datetimes stored as UTC on every backend (SQLite keeps no offset)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UtcDateTime column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    """Declarative base with naming conventions that keep migrations stable."""

    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(column_0_label)s",
            "uq": "uq_%(table_name)s_%(column_0_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )


class Volunteer(Base):
    """One person, whatever platforms they use. Holds as little as possible."""

    __tablename__ = "volunteers"

    id: Mapped[int] = mapped_column(primary_key=True)
    display_name: Mapped[str | None] = mapped_column(String(100))
    locale: Mapped[str | None] = mapped_column(String(8))
    """Chosen with /langue; None means: follow the platform's language."""
    device_language: Mapped[str | None] = mapped_column(String(16))
    """The language the platform last reported, for messages sent when they have not just
    written (reminders, offers)."""
    reminders: Mapped[bool] = mapped_column(default=True)
    """Whether they want a reminder the day before each mission."""
    area: Mapped[str | None] = mapped_column(String(80))
    """Where they are, as they chose to say it (a town, a postcode): for missions near them."""
    interests: Mapped[list[str]] = mapped_column(JSON, default=list)
    """What they like doing or know how to do, in their words (a few short topics)."""
    failed_codes: Mapped[int] = mapped_column(default=0)
    """Wrong account-linking codes typed since ``failed_codes_at`` (tries are limited)."""
    failed_codes_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    last_seen_at: Mapped[datetime] = mapped_column(UtcDateTime())

    identities: Mapped[list[PlatformIdentity]] = relationship(
        back_populates="volunteer", cascade="all, delete-orphan"
    )


class PlatformIdentity(Base):
    """How one platform knows a volunteer (a Telegram user id, a Discord user id...)."""

    __tablename__ = "platform_identities"
    __table_args__ = (UniqueConstraint("platform", "platform_user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    volunteer_id: Mapped[int] = mapped_column(
        ForeignKey("volunteers.id", ondelete="CASCADE"), index=True
    )
    platform: Mapped[str] = mapped_column(String(16))
    platform_user_id: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    last_used_at: Mapped[datetime] = mapped_column(UtcDateTime())
    unreachable_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    """When the platform last refused a private message (blocked bot, closed DMs); cleared
    as soon as the person writes again."""

    volunteer: Mapped[Volunteer] = relationship(back_populates="identities")


class Association(Base):
    """A local association; every piece of data belongs to exactly one."""

    __tablename__ = "associations"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class Membership(Base):
    """A volunteer's place in an association, with a role."""

    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("volunteer_id", "association_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    volunteer_id: Mapped[int] = mapped_column(
        ForeignKey("volunteers.id", ondelete="CASCADE"), index=True
    )
    association_id: Mapped[int] = mapped_column(
        ForeignKey("associations.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    last_used_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    """When the volunteer last acted in a server of this association: private chats act for
    the association used last."""


class ConversationState(Base):
    """Where a volunteer is in a multi-step dialogue, per chat; survives restarts."""

    __tablename__ = "conversation_states"
    __table_args__ = (
        UniqueConstraint("volunteer_id", "chat_key"),
        Index("ix_conversation_states_updated_at", "updated_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    volunteer_id: Mapped[int] = mapped_column(ForeignKey("volunteers.id", ondelete="CASCADE"))
    chat_key: Mapped[str] = mapped_column(String(96))
    dialogue: Mapped[str] = mapped_column(String(64))
    step: Mapped[str] = mapped_column(String(64))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class KbQuestion(Base):
    """A question asked to the knowledge base, what the bot did, and whether it helped.

    Kept so that coordinators can see what is missing (``/kb manquants``); the asker is
    recorded only so that nobody else can give feedback in their name.
    """

    __tablename__ = "kb_questions"
    __table_args__ = (Index("ix_kb_questions_association_created", "association_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    association_id: Mapped[int | None] = mapped_column(
        ForeignKey("associations.id", ondelete="CASCADE")
    )
    volunteer_id: Mapped[int | None] = mapped_column(
        ForeignKey("volunteers.id", ondelete="SET NULL"), index=True
    )
    text: Mapped[str] = mapped_column(String(500))
    lang: Mapped[str] = mapped_column(String(8))
    outcome: Mapped[str] = mapped_column(String(16))
    """``answer``, ``suggestions`` or ``none``."""
    tutorial_id: Mapped[str | None] = mapped_column(String(80))
    """The tutorial shown: the answer, or the suggestion the person picked."""
    suggestions: Mapped[list[str]] = mapped_column(JSON)
    helpful: Mapped[bool | None] = mapped_column()
    wants_human: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class Mission(Base):
    """A volunteer mission posted by an association's coordinator.

    ``taken`` counts the places held (confirmed sign-ups and pending offers) and ``arrivals``
    numbers every sign-up attempt; both change only under the mission row's write lock, which
    is what keeps concurrent sign-ups from overbooking and the waitlist in arrival order.
    """

    __tablename__ = "missions"
    __table_args__ = (
        # Covers the scan of upcoming places (position and remoteness are in the index), so a
        # "near me" list reads no table rows.
        Index(
            "ix_missions_upcoming_places",
            "association_id",
            "status",
            "starts_at",
            "id",
            "latitude",
            "longitude",
            "remote",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    association_id: Mapped[int] = mapped_column(ForeignKey("associations.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(String(2000), default="")
    address: Mapped[str | None] = mapped_column(String(200))
    city: Mapped[str | None] = mapped_column(String(100))
    postcode: Mapped[str | None] = mapped_column(String(10))
    latitude: Mapped[float | None] = mapped_column()
    longitude: Mapped[float | None] = mapped_column()
    remote: Mapped[bool] = mapped_column(default=False)
    starts_at: Mapped[datetime] = mapped_column(UtcDateTime())
    ends_at: Mapped[datetime] = mapped_column(UtcDateTime())
    places: Mapped[int] = mapped_column()
    taken: Mapped[int] = mapped_column(default=0)
    arrivals: Mapped[int] = mapped_column(default=0)
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    bring: Mapped[str | None] = mapped_column(String(300))
    contact: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16))
    cancel_reason: Mapped[str | None] = mapped_column(String(300))
    created_by: Mapped[int | None] = mapped_column(
        ForeignKey("volunteers.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class SignUp(Base):
    """A volunteer's place on a mission: confirmed, offered, waitlisted, or given up."""

    __tablename__ = "signups"
    __table_args__ = (
        UniqueConstraint("mission_id", "volunteer_id"),
        Index("ix_signups_mission_status_arrival", "mission_id", "status", "arrival"),
        Index("ix_signups_status_offer_expires", "status", "offer_expires_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    mission_id: Mapped[int] = mapped_column(ForeignKey("missions.id", ondelete="CASCADE"))
    volunteer_id: Mapped[int] = mapped_column(
        ForeignKey("volunteers.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[str] = mapped_column(String(16))
    arrival: Mapped[int] = mapped_column()
    """The order in which this person asked for a place (the waitlist order)."""
    offer_expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


KEY_TYPE = String(160).with_variant(String(160, collation="C"), "postgresql")
"""A machine key (ASCII), ordered by its bytes, also on a PostgreSQL database whose collation
is a language's (which weighs punctuation little): the keys with a given prefix are then one
range of the key's index."""


class Leased:
    """Columns of a row that workers claim for a lease (jobs, outbox messages)."""

    due_at: Mapped[datetime] = mapped_column(UtcDateTime())
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claimed_until: Mapped[datetime | None] = mapped_column(UtcDateTime())
    attempts: Mapped[int] = mapped_column(default=0)


class ScheduledJob(Leased, Base):
    """Timed work (a reminder, an offer's deadline...) that survives restarts.

    ``key`` makes scheduling idempotent (one reminder per sign-up, say). A worker claims due
    jobs for a lease; a claim that is not completed in time (the worker died) becomes due again.
    """

    __tablename__ = "scheduled_jobs"
    __table_args__ = (
        UniqueConstraint("key"),
        Index("ix_scheduled_jobs_pending_due", "done_at", "due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(160))
    kind: Mapped[str] = mapped_column(String(40))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    done_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class OutboxMessage(Leased, Base):
    """A message to one person (or one group), waiting to be delivered by its platform's adapter.

    ``key`` makes sending idempotent: the same notification enqueued twice is stored once, so
    nobody is messaged twice. A delivery worker claims rows for a lease, like jobs. Personal
    notifications (``bulk`` false) go before announcements to many people.
    """

    __tablename__ = "outbox"
    __table_args__ = (
        UniqueConstraint("key"),
        Index("ix_outbox_platform_status_bulk_due", "platform", "status", "bulk", "due_at"),
        Index("ix_outbox_announcement_status", "announcement_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(KEY_TYPE)
    """Compared byte by byte on every database, so that a prefix is a range of the index."""
    volunteer_id: Mapped[int | None] = mapped_column(
        ForeignKey("volunteers.id", ondelete="CASCADE"), index=True
    )
    """None for a post in an association's group or channel."""
    announcement_id: Mapped[int | None] = mapped_column(
        ForeignKey("announcements.id", ondelete="CASCADE")
    )
    platform: Mapped[str] = mapped_column(String(16))
    chat_id: Mapped[str] = mapped_column(String(64))
    is_group: Mapped[bool] = mapped_column(default=False)
    bulk: Mapped[bool] = mapped_column(default=False)
    locale: Mapped[str] = mapped_column(String(8))
    body: Mapped[dict[str, Any]] = mapped_column(JSON)
    edit_message_id: Mapped[str | None] = mapped_column(String(64))
    """Replace this earlier message of the chat instead of sending a new one (progress)."""
    sent_message_id: Mapped[str | None] = mapped_column(String(64))
    """The platform's id of the message once sent (a mission's post is edited later)."""
    status: Mapped[str] = mapped_column(String(16))
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    error: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class Subscription(Base):
    """A volunteer's consent to receive an association's announcements.

    ``scope`` is ``all`` (every announcement), ``area`` (those for a postcode or department:
    ``value`` holds it, ``department`` its department) or ``tag`` (those on a topic).
    """

    __tablename__ = "subscriptions"
    __table_args__ = (
        UniqueConstraint("volunteer_id", "association_id", "scope", "value"),
        Index("ix_subscriptions_association_scope_value", "association_id", "scope", "value"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    volunteer_id: Mapped[int] = mapped_column(
        ForeignKey("volunteers.id", ondelete="CASCADE"), index=True
    )
    association_id: Mapped[int] = mapped_column(ForeignKey("associations.id", ondelete="CASCADE"))
    scope: Mapped[str] = mapped_column(String(8))
    value: Mapped[str] = mapped_column(String(40), default="")
    department: Mapped[str | None] = mapped_column(String(3))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class Announcement(Base):
    """A coordinator's broadcast: its text, its audience, and where its progress is shown.

    ``key`` (the coordinator and the draft) makes a second tap on "send" harmless;
    ``cursor`` is the last volunteer id queued, so that queueing resumes after a crash.
    """

    __tablename__ = "announcements"
    __table_args__ = (
        UniqueConstraint("key"),
        Index("ix_announcements_association_created", "association_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(80))
    association_id: Mapped[int] = mapped_column(ForeignKey("associations.id", ondelete="CASCADE"))
    created_by: Mapped[int | None] = mapped_column(
        ForeignKey("volunteers.id", ondelete="SET NULL"), index=True
    )
    text: Mapped[str] = mapped_column(String(4000))
    audience: Mapped[str] = mapped_column(String(8))
    audience_value: Mapped[str] = mapped_column(String(40), default="")
    audience_label: Mapped[str] = mapped_column(String(200), default="")
    post_in_groups: Mapped[bool] = mapped_column(default=False)
    status: Mapped[str] = mapped_column(String(12))
    cursor: Mapped[int] = mapped_column(default=0)
    recipients: Mapped[int] = mapped_column(default=0)
    reported: Mapped[int] = mapped_column(default=-1)
    """How many deliveries the last progress message showed."""
    report_platform: Mapped[str | None] = mapped_column(String(16))
    report_chat_id: Mapped[str | None] = mapped_column(String(64))
    report_message_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class AssociationChannel(Base):
    """A group or channel where an association's announcements may also be posted."""

    __tablename__ = "association_channels"
    __table_args__ = (UniqueConstraint("platform", "chat_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    association_id: Mapped[int] = mapped_column(
        ForeignKey("associations.id", ondelete="CASCADE"), index=True
    )
    platform: Mapped[str] = mapped_column(String(16))
    chat_id: Mapped[str] = mapped_column(String(64))
    title: Mapped[str | None] = mapped_column(String(200))
    purpose: Mapped[str] = mapped_column(String(12), default="announce")
    """``announce`` (announcements and missions) or ``mentors`` (help requests)."""
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class Space(Base):
    """A platform's community (a Discord server) and the association it stands for."""

    __tablename__ = "spaces"
    __table_args__ = (UniqueConstraint("platform", "space_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    space_id: Mapped[str] = mapped_column(String(64))
    association_id: Mapped[int] = mapped_column(
        ForeignKey("associations.id", ondelete="CASCADE"), index=True
    )
    coordinator_role_id: Mapped[str | None] = mapped_column(String(64))
    """Members holding this platform role coordinate the association."""
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class LinkCode(Base):
    """A one-time code a coordinator gives to attach a group or server to their association."""

    __tablename__ = "link_codes"

    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    association_id: Mapped[int] = mapped_column(
        ForeignKey("associations.id", ondelete="CASCADE"), index=True
    )
    created_by: Mapped[int | None] = mapped_column(
        ForeignKey("volunteers.id", ondelete="SET NULL"), index=True
    )
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class AccountCode(Base):
    """A one-time code that joins another platform's identity to this volunteer."""

    __tablename__ = "account_codes"

    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    volunteer_id: Mapped[int] = mapped_column(
        ForeignKey("volunteers.id", ondelete="CASCADE"), index=True
    )
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class AuditEntry(Base):
    """Something a coordinator did, for the association's other coordinators to read."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_association_created", "association_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    association_id: Mapped[int] = mapped_column(ForeignKey("associations.id", ondelete="CASCADE"))
    actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("volunteers.id", ondelete="SET NULL"), index=True
    )
    action: Mapped[str] = mapped_column(String(40))
    subject: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class Mentor(Base):
    """A volunteer at ease with digital tools who offers to help others ("référent")."""

    __tablename__ = "mentors"
    __table_args__ = (UniqueConstraint("volunteer_id", "association_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    volunteer_id: Mapped[int] = mapped_column(
        ForeignKey("volunteers.id", ondelete="CASCADE"), index=True
    )
    association_id: Mapped[int] = mapped_column(
        ForeignKey("associations.id", ondelete="CASCADE"), index=True
    )
    topics: Mapped[list[str]] = mapped_column(JSON, default=list)
    availability: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[str] = mapped_column(String(12))
    """``pending`` (waiting for a coordinator), ``active``, ``paused`` or ``removed``."""
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class HelpRequest(Base):
    """A question handed to a person: open, taken by a mentor, closed, or expired (nobody
    took it in time: the coordinators were told)."""

    __tablename__ = "help_requests"
    __table_args__ = (Index("ix_help_requests_association_status", "association_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    association_id: Mapped[int] = mapped_column(ForeignKey("associations.id", ondelete="CASCADE"))
    volunteer_id: Mapped[int] = mapped_column(
        ForeignKey("volunteers.id", ondelete="CASCADE"), index=True
    )
    mentor_id: Mapped[int | None] = mapped_column(
        ForeignKey("volunteers.id", ondelete="SET NULL"), index=True
    )
    question: Mapped[str] = mapped_column(String(500))
    topic: Mapped[str | None] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    deadline_at: Mapped[datetime] = mapped_column(UtcDateTime())
    taken_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    helped: Mapped[bool | None] = mapped_column()
    reported: Mapped[bool] = mapped_column(default=False)


class KbDraft(Base):
    """A tutorial written by a mentor after helping someone, for a coordinator to publish."""

    __tablename__ = "kb_drafts"
    __table_args__ = (Index("ix_kb_drafts_association_status", "association_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    association_id: Mapped[int] = mapped_column(ForeignKey("associations.id", ondelete="CASCADE"))
    created_by: Mapped[int | None] = mapped_column(
        ForeignKey("volunteers.id", ondelete="SET NULL"), index=True
    )
    title: Mapped[str] = mapped_column(String(120))
    question: Mapped[str] = mapped_column(String(500))
    steps: Mapped[list[str]] = mapped_column(JSON)
    lang: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(12))
    """``draft``, ``published`` or ``discarded``."""
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class Pair(Base):
    """A newcomer and their regular mentor ("binôme"): proposed, then accepted by both."""

    __tablename__ = "pairs"
    __table_args__ = (Index("ix_pairs_association_newcomer", "association_id", "newcomer_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    association_id: Mapped[int] = mapped_column(ForeignKey("associations.id", ondelete="CASCADE"))
    newcomer_id: Mapped[int] = mapped_column(
        ForeignKey("volunteers.id", ondelete="CASCADE"), index=True
    )
    mentor_id: Mapped[int] = mapped_column(
        ForeignKey("volunteers.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[str] = mapped_column(String(12))
    """``proposed`` (to the newcomer), ``asked`` (the mentor), ``active``, ``ended``."""
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class SendSlot(Base):
    """The shared pace of one bot across instances: the moment its next message may go.

    Every instance reserves its send slots here (PostgreSQL only), so that all of them together
    stay under the platform's per-bot limit."""

    __tablename__ = "send_slots"

    bucket: Mapped[str] = mapped_column(String(80), primary_key=True)
    """``telegram:<hash of the token>``: never the token itself."""
    next_free: Mapped[datetime] = mapped_column(UtcDateTime())
