"""Human help: a question becomes a help request for the association's mentors; the first to
press "I'll take it" gets it, and the bot relays messages between the two, across platforms,
showing first names only. Either side can end or report; the asker is asked if it helped. If
nobody takes it in time (daytime hours), the coordinators are told and the asker too."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.context import Context
from bot.dispatcher import Dispatcher, MenuEntry
from bot.envelope import reply_to_json
from bot.places import normalise
from bot.services import Services
from bot.types import Button, Msg, Reply, msg
from handlers.drafts import draft_button
from handlers.mentors import tell_coordinators, topics_label
from storage.help import HelpRecord, MentorStatus, PairStatus, RequestStatus
from storage.outbox import NewMessage
from storage.records import DialogueState, JobRecord

log = logging.getLogger(__name__)

PREFIX = "hr"
RELAY = "relay"
ASK = "human"
EXPIRE_JOB = "helprequest.expire"
WIDEN_JOB = "helprequest.widen"
DAY_START = time(8, 0)
DAY_END = time(20, 0)
RELAYED_MAX = 1500
TOPIC_WORDS = {
    "email": ("mail", "courriel", "piece jointe", "pj", "boite", "gmail", "outlook", "email"),
    "visio": ("visio", "zoom", "teams", "meet", "jitsi", "camera", "micro", "video"),
    "smartphone": (
        "telephone",
        "smartphone",
        "portable",
        "appli",
        "whatsapp",
        "android",
        "iphone",
        "sms",
    ),
    "documents": (
        "document",
        "tableur",
        "word",
        "excel",
        "pdf",
        "imprim",
        "fichier",
        "drive",
        "formulaire",
    ),
    "securite": (
        "mot de passe",
        "mdp",
        "arnaque",
        "pirat",
        "virus",
        "phishing",
        "hameconn",
        "securite",
    ),
}


def guess_topic(question: str) -> str | None:
    """The mentors' topic a question is about, from its words; None if unclear."""
    folded = f" {normalise(question)} "
    for topic, words in TOPIC_WORDS.items():
        if any(word in folded for word in words):
            return topic
    return None


def daytime_deadline(start: datetime, delay: timedelta, zone: ZoneInfo) -> datetime:
    """``start`` plus ``delay`` counted in daytime hours (8:00 to 20:00, local time)."""
    moment = start.astimezone(zone)
    left = delay
    while True:
        day_start = datetime.combine(moment.date(), DAY_START, zone)
        day_end = datetime.combine(moment.date(), DAY_END, zone)
        if moment < day_start:
            moment = day_start
        if moment >= day_end:
            moment = datetime.combine(moment.date() + timedelta(days=1), DAY_START, zone)
            continue
        if moment + left <= day_end:
            return moment + left
        left -= day_end - moment
        moment = datetime.combine(moment.date() + timedelta(days=1), DAY_START, zone)


def _chat_key(platform: str, user_id: str) -> str:
    return f"{platform}:{user_id}"


async def start_request(ctx: Context, question: str) -> Sequence[Reply]:
    """Hand the question to the mentors (or tell where the current request stands)."""
    if ctx.association is None:
        return [Reply(text=msg("missions.no_association"))]
    services = ctx.services
    settings = services.settings
    now = services.clock.now()
    deadline = daytime_deadline(now, timedelta(hours=settings.help_delay_hours), settings.zone)
    request, created = await services.help.open_request(
        ctx.association.id,
        ctx.volunteer.id,
        " ".join(question.split()),
        guess_topic(question),
        deadline,
    )
    if request.status is RequestStatus.TAKEN:
        return [Reply(text=msg("handoff.already_taken_yours"))]
    if not created:
        return [Reply(text=msg("handoff.already_open"), buttons=_cancel_row(request.id))]
    first = await _pair_mentor(services, request)
    if first is not None:
        told = await _tell_mentors(services, request, ctx.volunteer.display_name, only={first})
        widen_at = daytime_deadline(
            now, timedelta(hours=settings.help_delay_hours / 2), settings.zone
        )
        await services.jobs.schedule(
            f"help:{request.id}:widen", WIDEN_JOB, widen_at, {"id": request.id}
        )
    else:
        told = await _tell_mentors(services, request, ctx.volunteer.display_name)
    if not told:
        await _tell_coordinators(
            services, request, ctx.volunteer.display_name, "handoff.to_coordinators_now"
        )
    await services.jobs.schedule(
        f"help:{request.id}:expire", EXPIRE_JOB, deadline, {"id": request.id}
    )
    log.info("help request %s opened, %s mentors told", request.id, told)
    return [
        Reply(
            text=msg("handoff.requested", deadline=deadline.astimezone(settings.zone)),
            buttons=_cancel_row(request.id),
            private=True,  # the conversation will happen in the private chat
        )
    ]


def _cancel_row(request_id: int) -> tuple[tuple[Button, ...], ...]:
    return ((Button(msg("handoff.button_cancel"), f"{PREFIX}:cancel:{request_id}"),),)


def _take_button(request_id: int) -> tuple[tuple[Button, ...], ...]:
    return ((Button(msg("handoff.button_take"), f"{PREFIX}:take:{request_id}"),),)


def _request_text(request: HelpRecord, name: str | None) -> Msg:
    topic = topics_label([request.topic]) if request.topic else msg("handoff.no_topic")
    return msg(
        "handoff.for_mentor",
        name=name or msg("missions.someone"),
        question=request.question,
        topic=topic,
    )


async def _pair_mentor(services: Services, request: HelpRecord) -> int | None:
    """The asker's regular mentor, asked first when there is one and they are active."""
    pair = await services.help.current_pair(request.volunteer_id, request.association_id)
    if pair is None or pair.status is not PairStatus.ACTIVE:
        return None
    mentor = await services.help.mentor(pair.mentor_id, request.association_id)
    return pair.mentor_id if mentor and mentor.status is MentorStatus.ACTIVE else None


async def _tell_mentors(
    services: Services, request: HelpRecord, name: str | None, only: set[int] | None = None
) -> int:
    """Tell the mentors whose topics fit (``only`` some of them); returns how many."""
    mentors = await services.help.mentors(request.association_id, (MentorStatus.ACTIVE,))
    if only is not None:
        mentors = [m for m in mentors if m.volunteer_id in only]
    chosen = [
        m
        for m in mentors
        if m.volunteer_id != request.volunteer_id
        and (request.topic is None or request.topic in m.topics or "autre" in m.topics)
    ] or [m for m in mentors if m.volunteer_id != request.volunteer_id]
    told = 0
    if only is None:
        told += await _post_in_mentor_channels(services, request, name)
    for mentor in chosen:
        if await services.notifier.send(
            mentor.volunteer_id,
            Reply(text=_request_text(request, name), buttons=_take_button(request.id)),
            f"help:{request.id}:mentor:{mentor.volunteer_id}",
        ):
            told += 1
    return told


async def _post_in_mentor_channels(
    services: Services, request: HelpRecord, name: str | None
) -> int:
    """The request in the mentors' groups or channels the coordinators chose."""
    channels = await services.announcements.channels(request.association_id, "mentors")
    body = reply_to_json(Reply(text=_request_text(request, name), buttons=_take_button(request.id)))
    await services.outbox.enqueue_many(
        [
            NewMessage.group(
                f"help:{request.id}:group:{c.platform}:{c.chat_id}",
                c.platform,
                c.chat_id,
                services.settings.default_locale,
                body,
            )
            for c in channels
        ],
        bulk=False,
    )
    return len(channels)


async def _show_taken_in_groups(
    services: Services, request: HelpRecord, helper: str | None
) -> None:
    """The request's posts in the mentors' groups and channels now say who took it, without
    the button, so that nobody else presses it for nothing."""
    posts = await services.outbox.sent_posts(f"help:{request.id}:group:")
    body = reply_to_json(
        Reply(text=msg("handoff.taken_in_group", name=helper or msg("handoff.a_mentor")))
    )
    await services.outbox.edit_posts(
        posts,
        body,
        lambda p: f"help:{request.id}:taken-post:{p.platform}:{p.chat_id}:{p.message_id}",
    )


async def _tell_coordinators(
    services: Services, request: HelpRecord, name: str | None, key: str
) -> None:
    reply = Reply(
        text=Msg.join(msg(key), _request_text(request, name), separator="\n\n"),
        buttons=_take_button(request.id),
    )
    await tell_coordinators(
        services,
        request.association_id,
        reply,
        f"help:{request.id}:{key}",
        besides=request.volunteer_id,
    )


async def human_command(ctx: Context) -> Sequence[Reply]:
    """/humain [question]: a person, now."""
    question = ctx.payload.strip()
    if question:
        return await start_request(ctx, question)
    await ctx.start_dialogue(ASK, "question")
    return [Reply(text=msg("handoff.ask_question"))]


async def question_dialogue(ctx: Context) -> Sequence[Reply]:
    """The question typed after /humain."""
    text = (ctx.event.text or "").strip()
    if not text:
        return [Reply(text=msg("handoff.ask_question"))]
    await ctx.end_dialogue()
    return await start_request(ctx, text)


async def _names(services: Services, *ids: int) -> list[str | None]:
    found = await services.volunteers.names(list(ids))
    return [found.get(i) for i in ids]


async def _open_relay(services: Services, request: HelpRecord, mentor_id: int) -> None:
    """Both sides' private chats now relay to each other."""
    for me, other, role in ((mentor_id, request.volunteer_id, "mentor"),
                            (request.volunteer_id, mentor_id, "volunteer")):  # fmt: skip
        found = await services.volunteers.reachable_at(me)
        if found is None:
            continue
        _, platform, user_id = found
        state = DialogueState(RELAY, "open", {"request": request.id, "to": other, "role": role})
        await services.conversations.save(me, _chat_key(platform, user_id), state)


async def _end_relay(services: Services, *people: int) -> None:
    for person in people:
        for platform, user_id in await services.volunteers.identities(person):
            key = _chat_key(platform, user_id)
            state = await services.conversations.get(person, key)
            if state is not None and state.dialogue == RELAY:
                await services.conversations.clear(person, key)


def _conversation_buttons(request_id: int) -> tuple[tuple[Button, ...], ...]:
    return (
        (
            Button(msg("handoff.button_close"), f"{PREFIX}:close:{request_id}"),
            Button(msg("handoff.button_report"), f"{PREFIX}:report:{request_id}"),
        ),
    )


async def _take(ctx: Context, request: HelpRecord) -> Sequence[Reply]:
    services = ctx.services
    assert ctx.association is not None
    mentor = await services.help.mentor(ctx.volunteer.id, ctx.association.id)
    allowed = ctx.is_coordinator or (mentor is not None and mentor.status is MentorStatus.ACTIVE)
    if not allowed:
        return [Reply(text=msg("handoff.mentors_only"))]
    if not await services.help.take(request.id, ctx.volunteer.id):
        now = await services.help.get(request.id) or request
        key = "handoff.taken_by_other"
        if now.mentor_id == ctx.volunteer.id:
            key = "handoff.yours_already"
        elif now.status is RequestStatus.CLOSED:
            key = "handoff.closed"
        return [Reply(text=msg(key), edit=True)]
    await services.jobs.unschedule(f"help:{request.id}:expire")
    await services.jobs.unschedule(f"help:{request.id}:widen")
    await _open_relay(services, request, ctx.volunteer.id)
    asker, helper = await _names(services, request.volunteer_id, ctx.volunteer.id)
    await services.notifier.send(
        request.volunteer_id,
        Reply(
            text=msg("handoff.taken_for_volunteer", name=helper or msg("handoff.a_mentor")),
            buttons=_conversation_buttons(request.id),
        ),
        f"help:{request.id}:taken",
    )
    await _show_taken_in_groups(services, request, helper)
    log.info("help request %s taken by volunteer %s", request.id, ctx.volunteer.id)
    return [
        Reply(
            text=msg(
                "handoff.taken_for_mentor",
                name=asker or msg("missions.someone"),
                question=request.question,
            ),
            buttons=_conversation_buttons(request.id),
            private=True,
        )
    ]


async def relay_dialogue(ctx: Context) -> Sequence[Reply]:
    """A message typed during a conversation: passed on to the other side."""
    assert ctx.dialogue is not None
    services = ctx.services
    request_id = int(ctx.dialogue.data.get("request", 0))
    other = int(ctx.dialogue.data.get("to", 0))
    request = await services.help.get(request_id)
    if request is None or request.status is not RequestStatus.TAKEN:
        await ctx.end_dialogue()
        return [Reply(text=msg("handoff.conversation_over"))]
    name = ctx.volunteer.display_name or msg("missions.someone")
    event = ctx.event
    if event.unsupported is not None:
        text = msg(
            "handoff.relayed_unsupported", name=name, kind=msg(f"handoff.kind.{event.unsupported}")
        )
    else:
        typed = (event.text or "").strip()
        if not typed:
            return []
        if len(typed) > RELAYED_MAX:
            return [Reply(text=msg("error.too_long", limit=RELAYED_MAX))]
        text = msg("handoff.relayed", name=name, text=typed)
    contact = (await services.volunteers.contacts([other])).get(other)
    if contact is not None and not contact.reachable:
        # They blocked the bot or closed their private messages: say so rather than queue.
        return [Reply(text=msg("handoff.unreachable"))]
    sent = await services.notifier.send(
        other,
        Reply(text=text, buttons=_conversation_buttons(request_id)),
        f"relay:{request_id}:{ctx.volunteer.id}:{event.message_id or uuid.uuid4().hex}",
    )
    if not sent:
        return [Reply(text=msg("handoff.unreachable"))]
    return []


async def _close(ctx: Context, request: HelpRecord, *, reported: bool) -> Sequence[Reply]:
    services = ctx.services
    me = ctx.volunteer.id
    if me not in (request.volunteer_id, request.mentor_id):
        return [Reply(text=msg("error.stale_button"))]
    closed = await services.help.close(request.id, reported=reported)
    if closed is None:
        return [Reply(text=msg("handoff.closed"))]
    await services.jobs.unschedule(f"help:{request.id}:expire")
    people = [p for p in (request.volunteer_id, request.mentor_id) if p is not None]
    await _end_relay(services, *people)
    other = request.mentor_id if me == request.volunteer_id else request.volunteer_id
    if other is not None and request.mentor_id is not None:
        ended = msg(
            "handoff.ended_by_other", name=ctx.volunteer.display_name or msg("missions.someone")
        )
        await services.notifier.send(
            other,
            Reply(
                text=ended,
                buttons=((draft_button(request.id),),) if other == request.mentor_id else (),
            ),
            f"help:{request.id}:ended",
        )
    if reported:
        asker, helper = await _names(services, request.volunteer_id, request.mentor_id or 0)
        report = msg(
            "handoff.reported",
            reporter=ctx.volunteer.display_name or msg("missions.someone"),
            asker=asker or msg("missions.someone"),
            mentor=helper or msg("missions.someone"),
            question=request.question,
        )
        await tell_coordinators(
            services, request.association_id, Reply(text=report), f"help:{request.id}:reported"
        )
    if request.mentor_id is not None:
        await services.notifier.send(
            request.volunteer_id,
            Reply(
                text=msg("handoff.did_it_help"),
                buttons=(
                    (
                        Button(msg("ask.button_yes"), f"{PREFIX}:fb:{request.id}:y"),
                        Button(msg("ask.button_no"), f"{PREFIX}:fb:{request.id}:n"),
                    ),
                ),
            ),
            f"help:{request.id}:feedback",
        )
    key = "handoff.reported_thanks" if reported else "handoff.ended"
    offer_draft = me == request.mentor_id and not reported
    return [Reply(text=msg(key), buttons=((draft_button(request.id),),) if offer_draft else ())]


async def on_button(ctx: Context) -> Sequence[Reply]:
    """Take, end, report, cancel, and "did it help?"."""
    action, _, rest = ctx.payload.partition(":")
    number, _, extra = rest.partition(":")
    if not number.isdigit() or len(number) > 12 or ctx.association is None:
        return [Reply(text=msg("error.stale_button"))]
    services = ctx.services
    request = await services.help.get(int(number))
    if request is None:
        return [Reply(text=msg("error.stale_button"))]
    mine = ctx.volunteer.id in (request.volunteer_id, request.mentor_id)
    if action == "take":
        if request.association_id != ctx.association.id:
            return [Reply(text=msg("handoff.mentors_only"))]
        return await _take(ctx, request)
    if not mine:
        return [Reply(text=msg("error.stale_button"))]
    if action in {"close", "report"}:
        return await _close(ctx, request, reported=action == "report")
    if action == "cancel" and ctx.volunteer.id == request.volunteer_id:
        if request.status is RequestStatus.TAKEN:
            return await _close(ctx, request, reported=False)
        if await services.help.close(request.id) is None:
            return [Reply(text=msg("handoff.closed"))]
        await services.jobs.unschedule(f"help:{request.id}:expire")
        return [Reply(text=msg("handoff.cancelled"))]
    if action == "fb" and extra in {"y", "n"}:
        if not await services.help.set_helped(request.id, ctx.volunteer.id, extra == "y"):
            return [Reply(text=msg("ask.already"))]
        return [Reply(text=msg("handoff.thanks_yes" if extra == "y" else "handoff.thanks_no"))]
    return [Reply(text=msg("error.stale_button"))]


async def widen(services: Services, job: JobRecord) -> None:
    """The regular mentor has not taken it yet: ask the other mentors too."""
    request = await services.help.get(int(job.payload["id"]))
    if request is None or request.status is not RequestStatus.OPEN:
        return
    [asker] = await _names(services, request.volunteer_id)
    await _tell_mentors(services, request, asker)


async def expire(services: Services, job: JobRecord) -> None:
    """Nobody took the request in time: tell the coordinators, and the asker honestly."""
    request = await services.help.expire(int(job.payload["id"]))
    if request is None:
        return
    [asker] = await _names(services, request.volunteer_id)
    await _tell_coordinators(services, request, asker, "handoff.to_coordinators_late")
    await services.notifier.send(
        request.volunteer_id,
        Reply(text=msg("handoff.expired_for_volunteer"), buttons=_cancel_row(request.id)),
        f"help:{request.id}:expired",
    )
    log.info("help request %s expired; coordinators told", request.id)


def register(dispatcher: Dispatcher) -> None:
    """Add /humain, the take / end / report buttons, the relay and the expiry job."""
    dispatcher.command(["humain", "human", "personne"], human_command)
    dispatcher.button(PREFIX, on_button)
    dispatcher.dialogue(RELAY, relay_dialogue)
    dispatcher.dialogue(ASK, question_dialogue)
    dispatcher.job(EXPIRE_JOB, expire)
    dispatcher.job(WIDEN_JOB, widen)
    dispatcher.menu_entry(
        MenuEntry(
            order=12,
            label=msg("handoff.menu_label"),
            description=msg("handoff.menu_description"),
            command="humain",
        )
    )
