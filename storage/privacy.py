"""A person's data as a whole: everything stored about them (export), erasing it, joining two
identities of the same person, and the one-time codes that prove it is the same person."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.db import Database
from storage.models import (
    AccountCode,
    Announcement,
    Association,
    AuditEntry,
    ConversationState,
    HelpRequest,
    KbDraft,
    KbQuestion,
    LinkCode,
    Membership,
    Mentor,
    Mission,
    OutboxMessage,
    Pair,
    PlatformIdentity,
    ScheduledJob,
    SignUp,
    Subscription,
    Volunteer,
)
from storage.records import Role

CODE_LIFETIME = timedelta(minutes=10)
CODE_DIGITS = 8
MAX_FAILED_CODES = 5
FAILED_CODES_WINDOW = timedelta(hours=1)
HELD = ("confirmed", "offered")
"""Sign-up statuses that hold one of the mission's places."""


def _when(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


class PrivacyRepository:
    """Export, erase and merge a volunteer's data; account-linking codes."""

    def __init__(self, db: Database, now: Callable[[], datetime]) -> None:
        self._db = db
        self._now = now

    # -- export -------------------------------------------------------------------------------

    async def export(self, volunteer_id: int) -> dict[str, Any]:
        """Everything stored about the volunteer, as plain JSON-ready data."""
        async with self._db.read() as session:
            person = await session.get(Volunteer, volunteer_id)
            if person is None:
                return {}
            data: dict[str, Any] = {
                "profile": {
                    "display_name": person.display_name,
                    "language_chosen": person.locale,
                    "language_of_device": person.device_language,
                    "area": person.area,
                    "interests": list(person.interests or ()),
                    "reminders": person.reminders,
                    "registered_at": _when(person.created_at),
                    "last_seen_at": _when(person.last_seen_at),
                }
            }
            data["identities"] = [
                {
                    "platform": i.platform,
                    "user_id": i.platform_user_id,
                    "first_seen_at": _when(i.created_at),
                    "last_used_at": _when(i.last_used_at),
                    "private_messages_refused_at": _when(i.unreachable_at),
                }
                for i in await self._all(
                    session, PlatformIdentity, PlatformIdentity.volunteer_id, volunteer_id
                )
            ]
            data["associations"] = [
                {"association": name, "role": role, "since": _when(since)}
                for name, role, since in await session.execute(
                    select(Association.name, Membership.role, Membership.created_at)
                    .join(Membership, Membership.association_id == Association.id)
                    .where(Membership.volunteer_id == volunteer_id)
                )
            ]
            data["sign_ups"] = [
                {
                    "mission": title,
                    "starts_at": _when(starts),
                    "status": status,
                    "signed_up_at": _when(created),
                }
                for title, starts, status, created in await session.execute(
                    select(Mission.title, Mission.starts_at, SignUp.status, SignUp.created_at)
                    .join(SignUp, SignUp.mission_id == Mission.id)
                    .where(SignUp.volunteer_id == volunteer_id)
                    .order_by(Mission.starts_at)
                )
            ]
            data["announcement_choices"] = [
                {"association": name, "scope": scope, "value": value, "since": _when(since)}
                for name, scope, value, since in await session.execute(
                    select(
                        Association.name,
                        Subscription.scope,
                        Subscription.value,
                        Subscription.created_at,
                    )
                    .join(Subscription, Subscription.association_id == Association.id)
                    .where(Subscription.volunteer_id == volunteer_id)
                )
            ]
            data["questions"] = [
                {
                    "text": q.text,
                    "answer": q.tutorial_id,
                    "outcome": q.outcome,
                    "helpful": q.helpful,
                    "wanted_a_person": q.wants_human,
                    "asked_at": _when(q.created_at),
                }
                for q in await self._all(session, KbQuestion, KbQuestion.volunteer_id, volunteer_id)
            ]
            data["conversations_in_progress"] = [
                {"chat": c.chat_key, "what": c.dialogue, "step": c.step, "answers": c.data}
                for c in await self._all(
                    session, ConversationState, ConversationState.volunteer_id, volunteer_id
                )
            ]
            data["messages_to_you"] = [
                {
                    "platform": m.platform,
                    "status": m.status,
                    "queued_at": _when(m.created_at),
                    "sent_at": _when(m.sent_at),
                }
                for m in await self._all(
                    session, OutboxMessage, OutboxMessage.volunteer_id, volunteer_id
                )
            ]
            data["missions_created"] = [
                {"title": m.title, "starts_at": _when(m.starts_at)}
                for m in await self._all(session, Mission, Mission.created_by, volunteer_id)
            ]
            data["announcements_written"] = [
                {"text": a.text, "written_at": _when(a.created_at)}
                for a in await self._all(
                    session, Announcement, Announcement.created_by, volunteer_id
                )
            ]
            data["help_requests"] = [
                {
                    "question": r.question,
                    "status": r.status,
                    "asked_at": _when(r.created_at),
                    "helped": r.helped,
                }
                for r in await self._all(
                    session, HelpRequest, HelpRequest.volunteer_id, volunteer_id
                )
            ]
            data["help_given"] = [
                {"question": r.question, "status": r.status, "taken_at": _when(r.taken_at)}
                for r in await self._all(session, HelpRequest, HelpRequest.mentor_id, volunteer_id)
            ]
            data["mentor"] = [
                {"topics": list(m.topics or ()), "availability": m.availability, "status": m.status}
                for m in await self._all(session, Mentor, Mentor.volunteer_id, volunteer_id)
            ]
            data["tutorial_drafts_written"] = [
                {"title": d.title, "steps": list(d.steps), "status": d.status}
                for d in await self._all(session, KbDraft, KbDraft.created_by, volunteer_id)
            ]
            data["coordinator_actions"] = [
                {"action": e.action, "subject": e.subject, "at": _when(e.created_at)}
                for e in await self._all(session, AuditEntry, AuditEntry.actor_id, volunteer_id)
            ]
            return data

    @staticmethod
    async def _all(session: AsyncSession, model: Any, column: Any, value: int) -> Sequence[Any]:
        return (await session.execute(select(model).where(column == value))).scalars().all()

    # -- erase --------------------------------------------------------------------------------

    async def erase(self, volunteer_id: int) -> bool:
        """Delete the volunteer, their identities and everything that is theirs. Missions
        keep their counts of places taken (anonymous); the caller gives up their upcoming
        places first, so that others get them. False if there was nobody to erase."""
        async with self._db.write() as session:
            person = await session.get(Volunteer, volunteer_id)
            if person is None:
                return False
            await session.execute(delete(SignUp).where(SignUp.volunteer_id == volunteer_id))
            await session.execute(delete(KbQuestion).where(KbQuestion.volunteer_id == volunteer_id))
            await session.execute(
                delete(ScheduledJob).where(ScheduledJob.key.like(f"reminder:%:{volunteer_id}"))
            )
            await session.execute(
                update(Announcement)
                .where(Announcement.created_by == volunteer_id)
                .values(report_platform=None, report_chat_id=None, report_message_id=None)
            )
            for model, column in (
                (Mission, Mission.created_by),
                (Announcement, Announcement.created_by),
                (LinkCode, LinkCode.created_by),
                (AuditEntry, AuditEntry.actor_id),
                (KbDraft, KbDraft.created_by),
            ):
                await session.execute(
                    update(model).where(column == volunteer_id).values({column.key: None})
                )
            # Identities, memberships, subscriptions, dialogues, codes and messages go with
            # the volunteer (ON DELETE CASCADE).
            await session.delete(person)
            return True

    async def inactive(self, before: datetime, limit: int = 500) -> list[int]:
        """Volunteers not seen since ``before`` (for the retention purge)."""
        async with self._db.read() as session:
            rows = await session.execute(
                select(Volunteer.id).where(Volunteer.last_seen_at < before).limit(limit)
            )
            return [row[0] for row in rows]

    # -- one person, several platforms ----------------------------------------------------------

    async def issue_code(self, volunteer_id: int) -> tuple[str, datetime]:
        """A fresh one-time code to type on the other platform, and when it expires."""
        expires = self._now() + CODE_LIFETIME
        async with self._db.write() as session:
            await session.execute(
                delete(AccountCode).where(AccountCode.volunteer_id == volunteer_id)
            )
            while True:
                code = "".join(secrets.choice("0123456789") for _ in range(CODE_DIGITS))
                if await session.get(AccountCode, code) is None:
                    break
            session.add(AccountCode(code=code, volunteer_id=volunteer_id, expires_at=expires))
        return code, expires

    async def redeem(self, code: str, volunteer_id: int) -> int | str:
        """The volunteer a valid code belongs to (the code is used up), or why not:
        ``blocked`` (too many wrong codes lately), ``invalid`` or ``own`` (their own code)."""
        now = self._now()
        async with self._db.write() as session:
            person = await session.get(Volunteer, volunteer_id)
            if person is None:
                return "invalid"
            recent = person.failed_codes_at is not None and (
                now - person.failed_codes_at < FAILED_CODES_WINDOW
            )
            if recent and person.failed_codes >= MAX_FAILED_CODES:
                return "blocked"
            row = await session.get(AccountCode, code)
            if row is None or row.used_at is not None or row.expires_at <= now:
                person.failed_codes = (person.failed_codes if recent else 0) + 1
                person.failed_codes_at = now
                return "invalid"
            if row.volunteer_id == volunteer_id:
                return "own"
            row.used_at = now
            person.failed_codes = 0
            return row.volunteer_id

    async def detach(self, volunteer_id: int, platform: str, user_id: str) -> int | None:
        """Give one of the volunteer's identities a profile of its own (same name and
        language, nothing else); None if it is their only identity."""
        async with self._db.write() as session:
            person = await session.get(Volunteer, volunteer_id)
            identities = await self._all(
                session, PlatformIdentity, PlatformIdentity.volunteer_id, volunteer_id
            )
            mine = [
                i for i in identities if (i.platform, i.platform_user_id) == (platform, user_id)
            ]
            if person is None or not mine or len(identities) < 2:
                return None
            now = self._now()
            alone = Volunteer(
                display_name=person.display_name,
                locale=person.locale,
                device_language=person.device_language,
                reminders=person.reminders,
                interests=[],
                created_at=now,
                last_seen_at=now,
            )
            session.add(alone)
            await session.flush()
            mine[0].volunteer_id = alone.id
            return alone.id

    async def merge(self, source_id: int, target_id: int) -> None:
        """Make ``source_id``'s identities and data ``target_id``'s, then remove the source:
        the same person on another platform."""
        async with self._db.write() as session:
            source = await session.get(Volunteer, source_id)
            target = await session.get(Volunteer, target_id)
            if source is None or target is None or source_id == target_id:
                return
            await self._merge_memberships(session, source_id, target_id)
            mentoring = {
                m.association_id
                for m in await self._all(session, Mentor, Mentor.volunteer_id, target_id)
            }
            for mine in await self._all(session, Mentor, Mentor.volunteer_id, source_id):
                if mine.association_id in mentoring:
                    await session.delete(mine)
                else:
                    mine.volunteer_id = target_id
            await self._merge_signups(session, source_id, target_id)
            taken_subscriptions = {
                (s.association_id, s.scope, s.value)
                for s in await self._all(
                    session, Subscription, Subscription.volunteer_id, target_id
                )
            }
            for mine in await self._all(
                session, Subscription, Subscription.volunteer_id, source_id
            ):
                if (mine.association_id, mine.scope, mine.value) in taken_subscriptions:
                    await session.delete(mine)
                else:
                    mine.volunteer_id = target_id
            await session.execute(
                delete(ConversationState).where(ConversationState.volunteer_id == source_id)
            )
            await session.execute(delete(AccountCode).where(AccountCode.volunteer_id == source_id))
            for model, column in (
                (PlatformIdentity, PlatformIdentity.volunteer_id),
                (KbQuestion, KbQuestion.volunteer_id),
                (OutboxMessage, OutboxMessage.volunteer_id),
                (HelpRequest, HelpRequest.volunteer_id),
                (HelpRequest, HelpRequest.mentor_id),
                (Pair, Pair.newcomer_id),
                (Pair, Pair.mentor_id),
                (KbDraft, KbDraft.created_by),
                (Mission, Mission.created_by),
                (Announcement, Announcement.created_by),
                (LinkCode, LinkCode.created_by),
                (AuditEntry, AuditEntry.actor_id),
            ):
                await session.execute(
                    update(model).where(column == source_id).values({column.key: target_id})
                )
            target.area = target.area or source.area
            target.interests = list(target.interests or ()) or list(source.interests or ())
            target.locale = target.locale or source.locale
            target.display_name = target.display_name or source.display_name
            await session.flush()
            session.expire(source)
            await session.execute(delete(Volunteer).where(Volunteer.id == source_id))

    async def _merge_memberships(
        self, session: AsyncSession, source_id: int, target_id: int
    ) -> None:
        held = {
            m.association_id: m
            for m in await self._all(session, Membership, Membership.volunteer_id, target_id)
        }
        for mine in await self._all(session, Membership, Membership.volunteer_id, source_id):
            theirs = held.get(mine.association_id)
            if theirs is None:
                mine.volunteer_id = target_id
                continue
            if Role.COORDINATOR.value in (mine.role, theirs.role):
                theirs.role = Role.COORDINATOR.value
            if mine.last_used_at and (
                not theirs.last_used_at or mine.last_used_at > theirs.last_used_at
            ):
                theirs.last_used_at = mine.last_used_at
            await session.delete(mine)

    async def _merge_signups(self, session: AsyncSession, source_id: int, target_id: int) -> None:
        held = {
            s.mission_id: s
            for s in await self._all(session, SignUp, SignUp.volunteer_id, target_id)
        }
        for mine in await self._all(session, SignUp, SignUp.volunteer_id, source_id):
            theirs = held.get(mine.mission_id)
            if theirs is None or (mine.status in HELD and theirs.status not in HELD):
                if theirs is not None:
                    await session.delete(theirs)
                    await session.flush()
                mine.volunteer_id = target_id
                continue
            if mine.status in HELD:
                # Both identities held a place on the same mission: one person, one place.
                mission = await session.get(Mission, mine.mission_id)
                if mission is not None and mission.taken > 0:
                    mission.taken -= 1
            await session.delete(mine)
