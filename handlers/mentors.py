"""Digital mentors ("référents numériques"): a volunteer offers to help with the topics they
are at ease with (``/devenir_referent``), a coordinator approves (``/referents``), and mentors
pause or resume themselves."""

from __future__ import annotations

from collections.abc import Sequence

from bot import markup
from bot.context import Context
from bot.dispatcher import COMMAND_BUTTON_PREFIX, Dispatcher, MenuEntry
from bot.services import Services
from bot.types import Button, Msg, Reply, msg
from storage.help import MentorRecord, MentorStatus

PREFIX = "rf"
ADMIN_PREFIX = "rfa"
DIALOGUE = "mentor"
TOPICS = ("email", "visio", "smartphone", "documents", "securite", "autre")
AVAILABILITY = ("semaine", "weekend", "soir", "souple")
AVAILABILITY_MAX = 120


def topics_label(topics: Sequence[str]) -> Msg:
    """The topics, named in the reader's language."""
    return Msg.join(*(msg(f"mentors.topic.{t}") for t in topics if t in TOPICS), separator=", ")


def _topic_buttons(chosen: Sequence[str]) -> tuple[tuple[Button, ...], ...]:
    buttons = [
        Button(
            msg(
                "mentors.topic_chosen" if t in chosen else "mentors.topic_free",
                topic=msg(f"mentors.topic.{t}"),
            ),
            f"{PREFIX}:t:{t}",
        )
        for t in TOPICS
    ]
    rows = tuple(tuple(buttons[i : i + 2]) for i in range(0, len(buttons), 2))
    done = (Button(msg("mentors.button_topics_done"), f"{PREFIX}:ok"),)
    stop = (Button(msg("mentors.button_stop"), f"{COMMAND_BUTTON_PREFIX}:annuler"),)
    return (*rows, done, stop)


def _status_card(mentor: MentorRecord) -> Reply:
    status = msg(f"mentors.status.{mentor.status.value}")
    text = Msg.join(
        msg("mentors.card", status=status, topics=topics_label(mentor.topics)),
        msg("mentors.card_availability", availability=mentor.availability or "-"),
    )
    rows: list[tuple[Button, ...]] = []
    if mentor.status is MentorStatus.ACTIVE:
        rows.append((Button(msg("mentors.button_pause"), f"{PREFIX}:pause"),))
    if mentor.status is MentorStatus.PAUSED:
        rows.append((Button(msg("mentors.button_resume"), f"{PREFIX}:resume"),))
    rows.append((Button(msg("mentors.button_edit"), f"{PREFIX}:edit"),))
    rows.append((Button(msg("mentors.button_quit"), f"{PREFIX}:quit"),))
    return Reply(text=text, buttons=tuple(rows))


async def become_command(ctx: Context) -> Sequence[Reply]:
    """/devenir_referent: the current status, or the choice of topics."""
    if ctx.association is None:
        return [Reply(text=msg("missions.no_association"))]
    mentor = await ctx.services.help.mentor(ctx.volunteer.id, ctx.association.id)
    if mentor is not None and mentor.status is not MentorStatus.REMOVED:
        return [_status_card(mentor)]
    return await _choose_topics(ctx, [])


async def _choose_topics(ctx: Context, chosen: list[str]) -> Sequence[Reply]:
    await ctx.start_dialogue(DIALOGUE, "topics", {"topics": chosen})
    return [Reply(text=msg("mentors.ask_topics"), buttons=_topic_buttons(chosen))]


def _availability_question() -> Reply:
    return Reply(
        text=msg("mentors.ask_availability"),
        buttons=(
            *(
                (Button(msg(f"mentors.availability.{a}"), f"{PREFIX}:av:{a}"),)
                for a in AVAILABILITY
            ),
        ),
    )


async def on_button(ctx: Context) -> Sequence[Reply]:
    """The mentor's own buttons."""
    if ctx.association is None:
        return [Reply(text=msg("missions.no_association"))]
    action, _, value = ctx.payload.partition(":")
    services = ctx.services
    dialogue = ctx.dialogue if ctx.dialogue and ctx.dialogue.dialogue == DIALOGUE else None
    if action == "t" and value in TOPICS and dialogue is not None:
        chosen = list(dialogue.data.get("topics", []))
        chosen = [t for t in chosen if t != value] if value in chosen else [*chosen, value]
        await ctx.start_dialogue(DIALOGUE, "topics", {"topics": chosen})
        return [Reply(text=msg("mentors.ask_topics"), buttons=_topic_buttons(chosen), edit=True)]
    if action == "ok" and dialogue is not None:
        if not dialogue.data.get("topics"):
            return [Reply(text=msg("mentors.no_topic")), *(await _choose_topics(ctx, []))]
        await ctx.advance_dialogue("availability")
        return [_availability_question()]
    if action == "av" and value in AVAILABILITY and dialogue is not None:
        label = services.catalogue.translate(msg(f"mentors.availability.{value}"), ctx.locale)
        return await _offer(ctx, list(dialogue.data.get("topics", [])), markup.to_plain(label))
    mentor = await services.help.mentor(ctx.volunteer.id, ctx.association.id)
    if mentor is None:
        return [Reply(text=msg("error.stale_button"))]
    if action == "edit":
        return await _choose_topics(ctx, list(mentor.topics))
    changes = {
        "pause": (MentorStatus.ACTIVE, MentorStatus.PAUSED, "mentors.paused"),
        "resume": (MentorStatus.PAUSED, MentorStatus.ACTIVE, "mentors.resumed"),
    }
    if action in changes:
        before, after, key = changes[action]
        if mentor.status is not before:
            return [_status_card(mentor)]
        await services.help.set_mentor_status(mentor.id, ctx.association.id, after)
        return [Reply(text=msg(key))]
    if action == "quit":
        await services.help.set_mentor_status(mentor.id, ctx.association.id, MentorStatus.REMOVED)
        return [Reply(text=msg("mentors.quit"))]
    return [Reply(text=msg("error.stale_button"))]


async def availability_dialogue(ctx: Context) -> Sequence[Reply]:
    """Typed topics are not read (buttons); a typed availability is."""
    assert ctx.dialogue is not None
    if ctx.dialogue.step != "availability":
        return [
            Reply(text=msg("mentors.use_buttons")),
            *(await _choose_topics(ctx, list(ctx.dialogue.data.get("topics", [])))),
        ]
    text = " ".join((ctx.event.text or "").split())
    if not text or len(text) > AVAILABILITY_MAX:
        return [
            Reply(text=msg("mentors.availability_long", limit=AVAILABILITY_MAX)),
            _availability_question(),
        ]
    return await _offer(ctx, list(ctx.dialogue.data.get("topics", [])), text)


async def _offer(ctx: Context, topics: list[str], availability: str) -> Sequence[Reply]:
    assert ctx.association is not None
    services = ctx.services
    await ctx.end_dialogue()
    before = await services.help.mentor(ctx.volunteer.id, ctx.association.id)
    mentor = await services.help.offer(ctx.volunteer.id, ctx.association.id, topics, availability)
    if before is not None and before.status in (MentorStatus.ACTIVE, MentorStatus.PAUSED):
        return [Reply(text=msg("mentors.updated")), _status_card(mentor)]
    await _ask_coordinators(services, mentor, ctx.volunteer.display_name)
    return [Reply(text=msg("mentors.offered"))]


async def tell_coordinators(
    services: Services, association_id: int, reply: Reply, key: str, *, besides: int | None = None
) -> None:
    """Send ``reply`` to each coordinator of the association (not to ``besides``), once per
    ``key`` and coordinator."""
    for coordinator in await services.associations.coordinators(association_id):
        if coordinator != besides:
            await services.notifier.send(coordinator, reply, f"{key}:{coordinator}")


async def _ask_coordinators(services: Services, mentor: MentorRecord, name: str | None) -> None:
    reply = Reply(
        text=msg(
            "mentors.to_approve",
            name=name or msg("missions.someone"),
            topics=topics_label(mentor.topics),
            availability=mentor.availability,
        ),
        buttons=(
            (
                Button(msg("mentors.button_approve"), f"{ADMIN_PREFIX}:ok:{mentor.id}"),
                Button(msg("mentors.button_refuse"), f"{ADMIN_PREFIX}:no:{mentor.id}"),
            ),
        ),
    )
    stamp = services.clock.now().isoformat()
    await tell_coordinators(
        services,
        mentor.association_id,
        reply,
        f"mentor:{mentor.id}:ask:{stamp}",
        besides=mentor.volunteer_id,
    )


async def list_command(ctx: Context) -> Sequence[Reply]:
    """/referents: the association's mentors, to approve, pause or remove."""
    assert ctx.association is not None
    mentors = await ctx.services.help.mentors(
        ctx.association.id, (MentorStatus.PENDING, MentorStatus.ACTIVE, MentorStatus.PAUSED)
    )
    if not mentors:
        return [Reply(text=msg("mentors.none"), private=True)]
    replies = [Reply(text=msg("mentors.list_intro", count=len(mentors)), private=True)]
    for mentor in mentors:
        row: list[Button] = []
        if mentor.status is MentorStatus.PENDING:
            row.append(Button(msg("mentors.button_approve"), f"{ADMIN_PREFIX}:ok:{mentor.id}"))
        row.append(Button(msg("mentors.button_remove"), f"{ADMIN_PREFIX}:rm:{mentor.id}"))
        replies.append(
            Reply(
                text=msg(
                    "mentors.list_line",
                    name=mentor.name or msg("missions.someone"),
                    status=msg(f"mentors.status.{mentor.status.value}"),
                    topics=topics_label(mentor.topics),
                    availability=mentor.availability or "-",
                ),
                buttons=(tuple(row),),
                private=True,
            )
        )
    return replies


async def on_admin_button(ctx: Context) -> Sequence[Reply]:
    """Approve, refuse or remove a mentor of the coordinator's association."""
    assert ctx.association is not None
    action, _, number = ctx.payload.partition(":")
    if not number.isdigit() or len(number) > 12:
        return [Reply(text=msg("error.stale_button"))]
    services = ctx.services
    mentor = await services.help.mentor_by_id(int(number), ctx.association.id)
    if mentor is None:
        return [Reply(text=msg("error.stale_button"))]
    statuses = {"ok": MentorStatus.ACTIVE, "no": MentorStatus.REMOVED, "rm": MentorStatus.REMOVED}
    status = statuses.get(action)
    if status is None:
        return [Reply(text=msg("error.stale_button"))]
    await services.help.set_mentor_status(mentor.id, ctx.association.id, status)
    told = "mentors.told_approved" if action == "ok" else "mentors.told_removed"
    await services.notifier.send(
        mentor.volunteer_id,
        Reply(text=msg(told, association=ctx.association.name)),
        f"mentor:{mentor.id}:{action}:{services.clock.now().isoformat()}",
    )
    await ctx.audit(
        f"mentor_{'approved' if action == 'ok' else 'removed'}", mentor.name or str(mentor.id)
    )
    key = "mentors.approved" if action == "ok" else "mentors.removed"
    return [Reply(text=msg(key, name=mentor.name or msg("missions.someone")), edit=True)]


def register(dispatcher: Dispatcher) -> None:
    """Add /devenir_referent and /referents."""
    dispatcher.command(["devenir_referent", "become_mentor", "referent"], become_command)
    dispatcher.command(["referents", "mentors"], list_command, coordinator_only=True)
    dispatcher.button(PREFIX, on_button)
    dispatcher.button(ADMIN_PREFIX, on_admin_button, coordinator_only=True)
    dispatcher.dialogue(DIALOGUE, availability_dialogue)
    dispatcher.menu_entry(
        MenuEntry(
            order=70,
            label=msg("mentors.menu_label"),
            description=msg("mentors.menu_description"),
            command="devenir_referent",
        )
    )
