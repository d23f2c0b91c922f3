"""/abonnements: a volunteer chooses, in one tap, which announcements they receive.

Nobody receives announcements until they choose to. The choices are: every announcement of
the association, only those for some areas (postcode, town or department), only those on some
topics, or none. Every announcement carries a "stop" button that leads back here.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.context import Context, UserError
from bot.dispatcher import COMMAND_BUTTON_PREFIX, Dispatcher, MenuEntry
from bot.types import Button, Msg, Reply, msg
from handlers.audience import area_of, known_topics, parse_area, parse_topic, topic_buttons
from storage.records import AssociationRecord, SubscriptionRecord, SubscriptionScope
from storage.subscriptions import MAX_FILTERS

PREFIX = "ab"
AREA_DIALOGUE = "subs_area"
TOPIC_DIALOGUE = "subs_topic"
COMMAND = "abonnements"


def _button(label: str, action: str, **params: object) -> Button:
    return Button(msg(f"subscriptions.button_{label}", **params), f"{PREFIX}:{action}")


async def screen(ctx: Context, notice: Msg | None = None, *, edit: bool = False) -> Reply:
    """What the volunteer receives now, and buttons to change it."""
    association = _association(ctx)
    choices = await ctx.services.subscriptions.of_volunteer(ctx.volunteer.id, association.id)
    scopes = {c.scope for c in choices}
    lines: list[Msg] = []
    if notice is not None:
        lines.append(notice)
    lines.append(msg("subscriptions.title", association=association.name))
    removals: list[tuple[Button, ...]] = []
    if not choices:
        lines.append(msg("subscriptions.status_none"))
    elif SubscriptionScope.ALL in scopes:
        lines.append(msg("subscriptions.status_all"))
    else:
        labels = [_label(ctx, c) for c in choices]
        lines.append(msg("subscriptions.status_some", choices=Msg.join(*labels, separator=", ")))
        removals = [
            (
                Button(
                    msg("subscriptions.button_remove", choice=label),
                    f"{PREFIX}:rm:{choice.scope.value[0]}:{choice.value}",
                ),
            )
            for choice, label in zip(choices, labels, strict=True)
        ]
    lines.append(msg("subscriptions.choose"))
    rows: list[tuple[Button, ...]] = []
    if SubscriptionScope.ALL not in scopes:
        rows.append((_button("all", "all"),))
    rows.append((_button("area", "area"),))
    rows.append((_button("topics", "topics"),))
    rows.extend(removals)
    if choices:
        rows.append((_button("none", "none"),))
    return Reply(text=Msg.join(*lines, separator="\n\n"), buttons=tuple(rows), edit=edit)


def _label(ctx: Context, choice: SubscriptionRecord) -> Msg:
    if choice.scope is SubscriptionScope.AREA:
        return area_of(choice.value, choice.department, ctx.services.places).label
    return msg("subscriptions.topic", topic=choice.value)


def _association(ctx: Context) -> AssociationRecord:
    if ctx.association is None:
        raise UserError(msg("missions.no_association"))
    return ctx.association


async def subscriptions_command(ctx: Context) -> Sequence[Reply]:
    """/abonnements: the current choice and the buttons to change it."""
    await _leave_own_dialogue(ctx)
    return [await screen(ctx)]


async def _leave_own_dialogue(ctx: Context) -> None:
    if ctx.dialogue is not None and ctx.dialogue.dialogue in (AREA_DIALOGUE, TOPIC_DIALOGUE):
        await ctx.end_dialogue()


async def on_button(ctx: Context) -> Sequence[Reply]:
    """``ab:all``, ``ab:none``, ``ab:area``, ``ab:topics``, ``ab:t:<topic>``, ``ab:tt``,
    ``ab:rm:<a|t>:<value>``, ``ab:stop:<association id>``."""
    association = _association(ctx)
    repo = ctx.services.subscriptions
    me, here = ctx.volunteer.id, association.id
    action, _, rest = ctx.payload.partition(":")
    if action == "all":
        await _leave_own_dialogue(ctx)
        await repo.subscribe_all(me, here)
        return [await screen(ctx, msg("subscriptions.done_all"), edit=True)]
    if action in ("none", "stop"):
        await _leave_own_dialogue(ctx)
        # From an announcement, the button names its association; only the presser's own
        # consent is ever removed, whatever the payload says.
        source = int(rest) if action == "stop" and rest.isdigit() else here
        stopped = await repo.unsubscribe(me, source)
        key = "subscriptions.done_none" if stopped else "subscriptions.already_none"
        return [await screen(ctx, msg(key, association=association.name))]
    if action == "area":
        await ctx.start_dialogue(AREA_DIALOGUE, "area")
        return [Reply(text=msg("subscriptions.ask_area"), buttons=(_back(),))]
    if action == "topics":
        return [await _topics(ctx)]
    if action == "tt":
        await ctx.start_dialogue(TOPIC_DIALOGUE, "topic")
        return [Reply(text=msg("subscriptions.ask_topic"), buttons=(_back(),))]
    if action == "t" and rest:
        return await _add(ctx, SubscriptionRecord(SubscriptionScope.TAG, rest))
    if action == "rm":
        kind, _, value = rest.partition(":")
        scope = {"a": SubscriptionScope.AREA, "t": SubscriptionScope.TAG}.get(kind)
        if scope is not None and value:
            await repo.remove_filter(me, here, scope, value)
            return [await screen(ctx, msg("subscriptions.removed"), edit=True)]
    return [Reply(text=msg("error.stale_button"), buttons=(_back(),))]


def _back() -> tuple[Button, ...]:
    return (Button(msg("subscriptions.button_back"), f"{COMMAND_BUTTON_PREFIX}:{COMMAND}"),)


async def _topics(ctx: Context) -> Reply:
    assert ctx.association is not None
    topics = await known_topics(ctx.services, ctx.association.id)
    rows = topic_buttons(topics, PREFIX)
    rows.append((_button("other_topic", "tt"),))
    rows.append(_back())
    return Reply(text=msg("subscriptions.pick_topic"), buttons=tuple(rows))


async def _add(ctx: Context, choice: SubscriptionRecord) -> Sequence[Reply]:
    assert ctx.association is not None
    await _leave_own_dialogue(ctx)
    added = await ctx.services.subscriptions.add_filter(
        ctx.volunteer.id, ctx.association.id, choice
    )
    notice: Msg | None
    if added:
        notice = msg("subscriptions.added", choice=_label(ctx, choice))
    else:
        choices = await ctx.services.subscriptions.of_volunteer(
            ctx.volunteer.id, ctx.association.id
        )
        full = len(choices) >= MAX_FILTERS
        notice = msg("subscriptions.too_many", limit=MAX_FILTERS) if full else None
    return [await screen(ctx, notice)]


async def area_dialogue(ctx: Context) -> Sequence[Reply]:
    """The volunteer typed where they are (postcode, town or department)."""
    if ctx.event.location is not None:
        return [Reply(text=msg("subscriptions.ask_area"), buttons=(_back(),))]
    area = parse_area(ctx.event.text or "", ctx.services.places)
    choice = SubscriptionRecord(SubscriptionScope.AREA, area.value, area.department)
    return await _add(ctx, choice)


async def topic_dialogue(ctx: Context) -> Sequence[Reply]:
    """The volunteer typed a topic of their own."""
    assert ctx.association is not None
    known = await known_topics(ctx.services, ctx.association.id, limit=50)
    topic = parse_topic(ctx.event.text or "", known)
    return await _add(ctx, SubscriptionRecord(SubscriptionScope.TAG, topic))


def register(dispatcher: Dispatcher) -> None:
    """Add /abonnements, its buttons and dialogues."""
    dispatcher.command([COMMAND, "subscriptions", "abonnement"], subscriptions_command)
    dispatcher.button(PREFIX, on_button)
    dispatcher.dialogue(AREA_DIALOGUE, area_dialogue)
    dispatcher.dialogue(TOPIC_DIALOGUE, topic_dialogue)
    dispatcher.menu_entry(
        MenuEntry(
            order=25,
            label=msg("subscriptions.menu_label"),
            description=msg("subscriptions.menu_description"),
            command=COMMAND,
        )
    )
