"""/annonce: a coordinator writes an announcement, chooses who gets it, sees a preview with
the number of recipients, and confirms. The broadcast is then queued in the outbox (one row
per person, resumable after a crash) and delivered at each platform's pace, while the
coordinator's message shows the progress and a final report says what became of it."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from bot import markup
from bot.context import Context, UserError
from bot.dispatcher import COMMAND_BUTTON_PREFIX, Dispatcher, MenuEntry
from bot.envelope import reply_to_json
from bot.services import Services
from bot.types import Button, Msg, Reply, msg
from handlers import mission_views
from handlers import subscriptions as subs
from handlers.audience import Area, known_topics, parse_area, parse_topic, topic_buttons
from storage.announcements import ReportTo
from storage.outbox import DeliveryStatus, NewMessage
from storage.records import (
    AnnouncementRecord,
    AnnouncementStatus,
    Audience,
    AudienceKind,
    ChannelRecord,
    JobRecord,
)

log = logging.getLogger(__name__)

PREFIX = "an"
DIALOGUE = "announce"
COMMAND = "annonce"
TEXT_MAX = 3000
"""Leaves room for the header and footer within Telegram's 4,096 characters; Discord's
adapter splits longer messages at paragraph breaks."""
QUEUE_JOB = "announcement.queue"
PROGRESS_JOB = "announcement.progress"
QUEUE_BATCH = 1000
PROGRESS_EVERY = timedelta(seconds=10)
FOLLOW_AT_MOST = timedelta(days=2)
"""After this, the final report is sent even if some messages still wait (a platform whose
adapter is not running)."""
MISSIONS_OFFERED = 6


# -- what recipients get ---------------------------------------------------------------


def recipient_reply(
    association_id: int, association: str, text: str, audience: Audience, mission: str | None
) -> Reply:
    """The announcement as each recipient sees it: who it is from, the text as typed, why
    they get it, and a one-tap way to stop."""
    header = msg("announce.header", association=association)
    body = Msg.text(markup.escape(text))
    buttons: tuple[tuple[Button, ...], ...]
    if audience.kind is AudienceKind.MISSION:
        footer = msg("announce.footer_mission", title=mission or "")
        buttons = (
            (Button(msg("missions.button_details"), f"{mission_views.PREFIX}:d:{audience.value}"),),
        )
    else:
        footer = msg("announce.footer")
        buttons = (
            (Button(msg("announce.button_stop"), f"{subs.PREFIX}:stop:{association_id}"),),
            (Button(msg("announce.button_settings"), f"{COMMAND_BUTTON_PREFIX}:{subs.COMMAND}"),),
        )
    return Reply(text=Msg.join(header, body, footer, separator="\n\n"), buttons=buttons)


def group_reply(association: str, text: str) -> Reply:
    """The announcement as posted in a group or channel."""
    return Reply(
        text=Msg.join(
            msg("announce.header", association=association),
            Msg.text(markup.escape(text)),
            separator="\n\n",
        ),
        buttons=(
            (Button(msg("announce.button_subscribe"), f"{COMMAND_BUTTON_PREFIX}:{subs.COMMAND}"),),
        ),
    )


# -- the coordinator's dialogue --------------------------------------------------------


def _check_text(text: str) -> str:
    cleaned = text.strip()
    if not cleaned:
        raise UserError(msg("announce.error.empty"))
    if len(cleaned) > TEXT_MAX:
        raise UserError(msg("announce.error.too_long", limit=TEXT_MAX, length=len(cleaned)))
    return cleaned


def _cancel_button() -> Button:
    return Button(msg("announce.button_cancel"), f"{COMMAND_BUTTON_PREFIX}:annuler")


async def announce_command(ctx: Context) -> Sequence[Reply]:
    """/annonce [text]: start a draft (in the private chat only)."""
    if not (ctx.event.chat.is_private or ctx.event.chat.ephemeral):
        return [Reply(text=msg("announce.private_only"))]
    await ctx.start_dialogue(DIALOGUE, "text", {"nonce": uuid.uuid4().hex[:12], "groups": True})
    if ctx.payload.strip():
        await ctx.advance_dialogue("audience", text=_check_text(ctx.payload))
        return [await _audience_choice(ctx)]
    return [Reply(text=msg("announce.ask_text", limit=TEXT_MAX), buttons=((_cancel_button(),),))]


async def _audience_choice(ctx: Context) -> Reply:
    assert ctx.association is not None
    everyone = await ctx.services.subscriptions.count(
        ctx.association.id, Audience(AudienceKind.ALL)
    )
    rows = (
        (Button(msg("announce.button_all", count=everyone), f"{PREFIX}:a:all"),),
        (Button(msg("announce.button_area"), f"{PREFIX}:a:area"),),
        (Button(msg("announce.button_topic"), f"{PREFIX}:a:tag"),),
        (Button(msg("announce.button_mission"), f"{PREFIX}:a:mission"),),
        (_cancel_button(),),
    )
    return Reply(text=msg("announce.ask_audience"), buttons=rows)


def _data(ctx: Context) -> dict[str, Any]:
    if ctx.dialogue is None or ctx.dialogue.dialogue != DIALOGUE:
        raise UserError(msg("announce.error.no_draft"))
    return ctx.dialogue.data


def _audience(data: dict[str, Any]) -> Audience | None:
    kind = data.get("kind")
    if kind is None:
        return None
    return Audience(AudienceKind(kind), data.get("value", ""), data.get("department"))


@dataclass(frozen=True, slots=True)
class _Reach:
    """Who a draft would reach: how many people, and the linked groups it would be posted in."""

    count: int
    channels: list[ChannelRecord]
    in_groups: bool


async def _reach(ctx: Context, audience: Audience, data: dict[str, Any]) -> _Reach:
    assert ctx.association is not None
    services = ctx.services
    count = await services.subscriptions.count(ctx.association.id, audience)
    channels = await services.announcements.channels(ctx.association.id)
    return _Reach(count, channels, bool(channels) and bool(data.get("groups")))


async def _preview(ctx: Context) -> Reply:
    assert ctx.association is not None
    data = _data(ctx)
    audience = _audience(data)
    if audience is None or "text" not in data:
        return await _audience_choice(ctx)
    reach = await _reach(ctx, audience, data)
    count, channels, in_groups = reach.count, reach.channels, reach.in_groups
    sample = recipient_reply(
        ctx.association.id, ctx.association.name, data["text"], audience, data.get("mission")
    )
    lines = [msg("announce.preview_title"), sample.text]
    label = _audience_label(data)
    if count:
        lines.append(msg("announce.preview_count", audience=label, count=count))
    else:
        lines.append(msg("announce.preview_nobody", audience=label))
    if in_groups:
        titles = ", ".join(c.title or c.chat_id for c in channels)
        lines.append(msg("announce.preview_groups", groups=titles))
    rows: list[tuple[Button, ...]] = []
    if count or in_groups:
        rows.append(
            (Button(msg("announce.button_send", count=count), f"{PREFIX}:s:{data['nonce']}"),)
        )
    rows.append((Button(msg("announce.button_edit"), f"{PREFIX}:e"),))
    rows.append((Button(msg("announce.button_change_audience"), f"{PREFIX}:a:"),))
    if channels:
        key = "announce.button_groups_off" if in_groups else "announce.button_groups_on"
        rows.append((Button(msg(key), f"{PREFIX}:g"),))
    rows.append((_cancel_button(),))
    await ctx.advance_dialogue("preview")
    return Reply(text=Msg.join(*lines, separator="\n\n"), buttons=tuple(rows))


def _audience_label(data: dict[str, Any]) -> Msg:
    kind = data.get("kind")
    if kind == AudienceKind.AREA.value:
        area = Area(data["value"], data["department"], data.get("place", ""))
        return msg("announce.audience_area", area=area.label)
    if kind == AudienceKind.TAG.value:
        return msg("announce.audience_tag", topic=data["value"])
    if kind == AudienceKind.MISSION.value:
        return msg("announce.audience_mission", title=data.get("mission", ""))
    return msg("announce.audience_all")


async def announce_dialogue(ctx: Context) -> Sequence[Reply]:
    """Text typed during the draft: the announcement, an area or a topic."""
    assert ctx.dialogue is not None
    assert ctx.association is not None
    text = ctx.event.text or ""
    step = ctx.dialogue.step
    if ctx.event.location is not None:
        return [Reply(text=msg("announce.error.location"))]
    if step == "area":
        area = parse_area(text, ctx.services.places)
        await ctx.advance_dialogue(
            "preview",
            kind=AudienceKind.AREA.value,
            value=area.value,
            department=area.department,
            place=area.name,
        )
        return [await _preview(ctx)]
    if step == "topic":
        known = await known_topics(ctx.services, ctx.association.id, limit=50)
        topic = parse_topic(text, known)
        await ctx.advance_dialogue("preview", kind=AudienceKind.TAG.value, value=topic)
        return [await _preview(ctx)]
    await ctx.advance_dialogue(ctx.dialogue.step, text=_check_text(text))
    if _audience(ctx.dialogue.data) is None:
        await ctx.advance_dialogue("audience")
        return [await _audience_choice(ctx)]
    return [await _preview(ctx)]


async def on_button(ctx: Context) -> Sequence[Reply]:
    """``an:a:<kind>``, ``an:t:<topic>``, ``an:m:<mission>``, ``an:g``, ``an:e``,
    ``an:s:<nonce>``."""
    action, _, rest = ctx.payload.partition(":")
    if action == "s":
        return await _send(ctx, rest)
    data = _data(ctx)
    assert ctx.association is not None
    if action == "a":
        return [await _choose_audience(ctx, rest)]
    if action == "t" and rest:
        await ctx.advance_dialogue("preview", kind=AudienceKind.TAG.value, value=rest)
        return [await _preview(ctx)]
    if action == "m" and rest.isdigit():
        mission = await ctx.services.missions.get(ctx.association.id, int(rest))
        if mission is None:
            return [Reply(text=msg("error.stale_button"))]
        await ctx.advance_dialogue(
            "preview", kind=AudienceKind.MISSION.value, value=rest, mission=mission.title
        )
        return [await _preview(ctx)]
    if action == "g":
        await ctx.advance_dialogue("preview", groups=not data.get("groups"))
        return [await _preview(ctx)]
    if action == "e":
        await ctx.advance_dialogue("text")
        return [
            Reply(
                text=Msg.join(
                    msg("announce.ask_new_text", limit=TEXT_MAX),
                    Msg.text(markup.escape(data.get("text", ""))),
                    separator="\n\n",
                ),
                buttons=((_cancel_button(),),),
            )
        ]
    return [Reply(text=msg("error.stale_button"))]


async def _choose_audience(ctx: Context, kind: str) -> Reply:
    assert ctx.association is not None
    if kind == AudienceKind.ALL.value:
        await ctx.advance_dialogue("preview", kind=kind, value="")
        return await _preview(ctx)
    if kind == AudienceKind.AREA.value:
        await ctx.advance_dialogue("area")
        return Reply(text=msg("announce.ask_area"), buttons=((_cancel_button(),),))
    if kind == AudienceKind.TAG.value:
        await ctx.advance_dialogue("topic")
        topics = await known_topics(ctx.services, ctx.association.id)
        rows = topic_buttons(topics, PREFIX)
        rows.append((_cancel_button(),))
        return Reply(text=msg("announce.ask_topic"), buttons=tuple(rows))
    if kind == AudienceKind.MISSION.value:
        missions = await ctx.services.missions.upcoming(ctx.association.id, limit=MISSIONS_OFFERED)
        if not missions:
            return Reply(
                text=msg("announce.no_missions"),
                buttons=((Button(msg("announce.button_change_audience"), f"{PREFIX}:a:"),),),
            )
        rows = [(Button(Msg.text(markup.escape(m.title)), f"{PREFIX}:m:{m.id}"),) for m in missions]
        rows.append((_cancel_button(),))
        return Reply(text=msg("announce.ask_mission"), buttons=tuple(rows))
    await ctx.advance_dialogue("audience")
    return await _audience_choice(ctx)


async def _send(ctx: Context, nonce: str) -> Sequence[Reply]:
    assert ctx.association is not None
    services = ctx.services
    key = f"{ctx.volunteer.id}:{nonce}"[:80]
    dialogue = ctx.dialogue
    if dialogue is None or dialogue.dialogue != DIALOGUE or dialogue.data.get("nonce") != nonce:
        if await services.announcements.by_key(key) is not None:
            return [Reply(text=msg("announce.already_sent"))]
        return [Reply(text=msg("announce.error.no_draft"))]
    data = dialogue.data
    audience = _audience(data)
    if audience is None or "text" not in data:
        return [await _audience_choice(ctx)]
    reach = await _reach(ctx, audience, data)
    if not reach.count and not reach.in_groups:
        return [await _preview(ctx)]
    label = f"{data.get('place') or data.get('mission') or data.get('value', '')}".strip()
    created = await services.announcements.create(
        key,
        association_id=ctx.association.id,
        created_by=ctx.volunteer.id,
        text=data["text"],
        audience=audience,
        audience_label=label,
        post_in_groups=reach.in_groups,
        report_to=_report_to(ctx),
    )
    if created is None:
        return [Reply(text=msg("announce.already_sent"))]
    await ctx.end_dialogue()
    await services.jobs.schedule(
        f"ann:{created.id}:queue", QUEUE_JOB, services.clock.now(), {"id": created.id}
    )
    log.info(
        "announcement %s confirmed by volunteer %s for %s recipients",
        created.id,
        ctx.volunteer.id,
        reach.count,
    )
    excerpt = " ".join(str(data["text"]).split())
    await ctx.audit("announcement_sent", f"{excerpt[:80]} ({reach.count})")
    return [Reply(text=msg("announce.sending", count=reach.count), edit=True)]


# -- background work -------------------------------------------------------------------


async def queue_job(services: Services, job: JobRecord) -> None:
    """Write one outbox row per recipient, in batches; resumes from the last batch after a
    crash (rows already queued are skipped by their key)."""
    announcement = await services.announcements.get(int(job.payload["id"]))
    if announcement is None or announcement.status is not AnnouncementStatus.QUEUEING:
        return
    association = await services.associations.get(announcement.association_id)
    name = association.name if association else ""
    mission = None
    if announcement.audience.kind is AudienceKind.MISSION:
        found = await services.missions.get(
            announcement.association_id, int(announcement.audience.value or 0)
        )
        mission = found.title if found else None
    body = reply_to_json(
        recipient_reply(
            announcement.association_id, name, announcement.text, announcement.audience, mission
        )
    )
    cursor = announcement.cursor
    while True:
        people = await services.subscriptions.recipients(
            announcement.association_id, announcement.audience, after=cursor, limit=QUEUE_BATCH
        )
        if not people:
            break
        contacts = await services.volunteers.contacts(people)
        messages = [
            NewMessage(
                key=f"ann:{announcement.id}:v:{contact.volunteer_id}",
                volunteer_id=contact.volunteer_id,
                platform=contact.platform,
                chat_id=contact.chat_id,
                locale=contact.locale or services.catalogue.resolve(contact.device_language),
                body=body,
                status=DeliveryStatus.PENDING if contact.reachable else DeliveryStatus.UNREACHABLE,
            )
            for contact in contacts.values()
        ]
        await services.outbox.enqueue_many(messages, announcement_id=announcement.id)
        cursor = people[-1]
        await services.announcements.advance(announcement.id, cursor)
    if announcement.post_in_groups:
        await _queue_groups(services, announcement, name)
    counts = await services.outbox.announcement_counts(announcement.id)
    await services.announcements.start_sending(announcement.id, sum(counts.values()))
    await services.jobs.schedule(
        f"ann:{announcement.id}:progress:1",
        PROGRESS_JOB,
        services.clock.now() + PROGRESS_EVERY,
        {"id": announcement.id, "n": 1},
    )


async def _queue_groups(services: Services, announcement: AnnouncementRecord, name: str) -> None:
    body = reply_to_json(group_reply(name, announcement.text))
    channels = await services.announcements.channels(announcement.association_id)
    await services.outbox.enqueue_many(
        [
            NewMessage.group(
                f"ann:{announcement.id}:g:{channel.id}",
                channel.platform,
                channel.chat_id,
                services.settings.default_locale,
                body,
            )
            for channel in channels
        ],
        announcement_id=announcement.id,
    )


async def progress_job(services: Services, job: JobRecord) -> None:
    """Edit the coordinator's message with the progress; send the final report when nothing
    is left to send."""
    announcement = await services.announcements.get(int(job.payload["id"]))
    if announcement is None or announcement.status is AnnouncementStatus.DONE:
        return
    counts = await services.outbox.announcement_counts(announcement.id)
    total = sum(counts.values())
    handled = total - counts[DeliveryStatus.PENDING]
    now = services.clock.now()
    finished = handled == total or now - announcement.created_at > FOLLOW_AT_MOST
    coordinator = announcement.created_by
    if finished:
        if await services.announcements.finish(announcement.id) and coordinator is not None:
            await _report(services, announcement, counts, coordinator)
        return
    if coordinator is not None and handled != announcement.reported:
        await _edit_progress(
            services,
            announcement,
            msg("announce.progress", done=handled, total=total),
            f"ann:{announcement.id}:progress:{job.payload['n']}",
        )
        await services.announcements.reported(announcement.id, handled)
    step = int(job.payload["n"]) + 1
    await services.jobs.schedule(
        f"ann:{announcement.id}:progress:{step}",
        PROGRESS_JOB,
        now + PROGRESS_EVERY,
        {"id": announcement.id, "n": step},
    )


def _report_to(ctx: Context) -> ReportTo:
    """Where progress is shown: the message pressed, or (where replies are ephemeral) the
    coordinator's private chat, told at the end."""
    chat = ctx.event.chat
    if chat.ephemeral:
        return ReportTo(chat.platform.value, ctx.event.user.user_id, None)
    return ReportTo(chat.platform.value, chat.chat_id, ctx.event.message_id)


async def _edit_progress(
    services: Services, announcement: AnnouncementRecord, text: Msg, key: str
) -> None:
    """Replace the coordinator's "sending" message, when the platform told us which it is."""
    if (
        announcement.report_message_id is None
        or announcement.report_platform is None
        or announcement.report_chat_id is None
        or announcement.created_by is None
    ):
        return
    coordinator = await services.volunteers.get(announcement.created_by)
    if coordinator is None:
        return
    locale = coordinator.locale or services.catalogue.resolve(coordinator.device_language)
    await services.outbox.enqueue(
        key,
        volunteer_id=coordinator.id,
        platform=announcement.report_platform,
        chat_id=announcement.report_chat_id,
        locale=locale,
        body=reply_to_json(Reply(text=text)),
        edit_message_id=announcement.report_message_id,
    )


async def _report(
    services: Services,
    announcement: AnnouncementRecord,
    counts: dict[DeliveryStatus, int],
    coordinator: int,
) -> None:
    await _edit_progress(
        services,
        announcement,
        msg("announce.progress_done"),
        f"ann:{announcement.id}:progress:done",
    )
    excerpt = announcement.text if len(announcement.text) <= 60 else announcement.text[:57] + "…"
    report = Reply(
        text=msg(
            "announce.report",
            excerpt=excerpt,
            sent=counts[DeliveryStatus.SENT],
            failed=counts[DeliveryStatus.FAILED],
            unreachable=counts[DeliveryStatus.UNREACHABLE],
            waiting=counts[DeliveryStatus.PENDING],
        ),
        buttons=((Button(msg("announce.button_new"), f"{COMMAND_BUTTON_PREFIX}:{COMMAND}"),),),
    )
    await services.notifier.send(coordinator, report, f"ann:{announcement.id}:report")


def register(dispatcher: Dispatcher) -> None:
    """Add /annonce, its buttons, dialogue and background jobs (coordinators only)."""
    dispatcher.command([COMMAND, "announce", "annonces"], announce_command, coordinator_only=True)
    dispatcher.button(PREFIX, on_button, coordinator_only=True)
    dispatcher.dialogue(DIALOGUE, announce_dialogue)
    dispatcher.job(QUEUE_JOB, queue_job)
    dispatcher.job(PROGRESS_JOB, progress_job)
    dispatcher.menu_entry(
        MenuEntry(
            order=35,
            label=msg("announce.menu_label"),
            description=msg("announce.menu_description"),
            command=COMMAND,
            coordinator_only=True,
        )
    )
