"""``/profil``: what the association knows about the person, each part changed with a button:
name, language, area, interests, reminders, announcements, other platforms, their data."""

from __future__ import annotations

import re
from collections.abc import Sequence

from bot import markup
from bot.context import Context, UserError
from bot.dispatcher import COMMAND_BUTTON_PREFIX, Dispatcher, MenuEntry
from bot.types import Button, Msg, Reply, msg
from handlers.audience import parse_area
from storage.records import VolunteerRecord

PREFIX = "pf"
DIALOGUE = "profile"
NAME_MAX = 60
INTEREST_MAX = 30
INTERESTS_MAX = 8
_SEPARATORS = re.compile(r"[,;\n]+")


def _command(label: str, command: str) -> Button:
    return Button(msg(f"profile.button_{label}"), f"{COMMAND_BUTTON_PREFIX}:{command}")


def _card(person: VolunteerRecord, subscribed: bool) -> Reply:
    unknown = msg("profile.unknown")
    language = (
        msg(f"language.name.{person.locale}") if person.locale else msg("profile.language_auto")
    )
    interests = Msg.text(markup.escape(", ".join(person.interests))) if person.interests else None
    text = Msg.join(
        msg("profile.title"),
        msg("profile.name", name=person.display_name or unknown),
        msg("profile.language", language=language),
        msg("profile.area", area=person.area or unknown),
        msg("profile.interests", interests=interests or unknown),
        msg("profile.reminders_on" if person.reminders else "profile.reminders_off"),
        msg("profile.announcements_on" if subscribed else "profile.announcements_off"),
        msg("profile.footer"),
    )
    reminders = "reminders_off" if person.reminders else "reminders_on"
    return Reply(
        text=text,
        buttons=(
            (
                Button(msg("profile.button_name"), f"{PREFIX}:name"),
                _command("language", "langue"),
            ),
            (
                Button(msg("profile.button_area"), f"{PREFIX}:area"),
                Button(msg("profile.button_interests"), f"{PREFIX}:interests"),
            ),
            (
                Button(msg(f"profile.button_{reminders}"), f"{PREFIX}:rem"),
                _command("announcements", "abonnements"),
            ),
            (_command("link", "lier_compte"), _command("data", "mes_donnees")),
            (_command("erase", "supprimer_mes_donnees"),),
        ),
        private=True,
    )


async def _show(ctx: Context, note: Msg | None = None) -> Sequence[Reply]:
    services = ctx.services
    person = await services.volunteers.get(ctx.volunteer.id) or ctx.volunteer
    subscribed = bool(
        ctx.association and await services.subscriptions.of_volunteer(person.id, ctx.association.id)
    )
    card = _card(person, subscribed)
    return [Reply(text=note, private=True), card] if note else [card]


async def profile_command(ctx: Context) -> Sequence[Reply]:
    """/profil: the profile and its buttons."""
    await ctx.end_dialogue()
    return await _show(ctx)


def _ask(field: str) -> Reply:
    return Reply(
        text=msg(f"profile.ask_{field}"),
        buttons=(
            (Button(msg("profile.button_clear"), f"{PREFIX}:clear:{field}"),),
            (Button(msg("profile.button_back"), f"{COMMAND_BUTTON_PREFIX}:profil"),),
        ),
        private=True,
    )


async def on_button(ctx: Context) -> Sequence[Reply]:
    """The profile's buttons."""
    action, _, field = ctx.payload.partition(":")
    services = ctx.services
    if action in {"name", "area", "interests"}:
        await ctx.start_dialogue(DIALOGUE, action)
        return [_ask(action)]
    if action == "rem":
        person = await services.volunteers.get(ctx.volunteer.id) or ctx.volunteer
        await services.volunteers.set_reminders(person.id, not person.reminders)
        return await _show(ctx)
    if action == "clear" and field in {"name", "area", "interests"}:
        await ctx.end_dialogue()
        if field == "name":
            await services.volunteers.set_name(ctx.volunteer.id, "")
        elif field == "area":
            await services.volunteers.set_area(ctx.volunteer.id, None)
        else:
            await services.volunteers.set_interests(ctx.volunteer.id, [])
        return await _show(ctx, msg("profile.saved"))
    return [Reply(text=msg("error.stale_button"))]


def read_interests(text: str) -> list[str]:
    """A few short topics separated by commas."""
    topics: dict[str, str] = {}
    for part in _SEPARATORS.split(text):
        topic = " ".join(part.split()).lower()
        if not topic:
            continue
        if len(topic) > INTEREST_MAX:
            raise UserError(msg("profile.error.interest_long", limit=INTEREST_MAX))
        topics.setdefault(topic, topic)
    if not topics:
        raise UserError(msg("profile.error.empty"))
    if len(topics) > INTERESTS_MAX:
        raise UserError(msg("profile.error.interests_many", limit=INTERESTS_MAX))
    return list(topics)


async def profile_dialogue(ctx: Context) -> Sequence[Reply]:
    """The new name, area or interests, typed."""
    assert ctx.dialogue is not None
    field = ctx.dialogue.step
    text = (ctx.event.text or "").strip()
    services = ctx.services
    if not text:
        return [_ask(field)]
    try:
        if field == "name":
            name = " ".join(text.split())
            if len(name) > NAME_MAX:
                raise UserError(msg("profile.error.name_long", limit=NAME_MAX))
            await services.volunteers.set_name(ctx.volunteer.id, name)
        elif field == "area":
            area = parse_area(text, services.places)
            await services.volunteers.set_area(ctx.volunteer.id, area.plain)
        elif field == "interests":
            await services.volunteers.set_interests(ctx.volunteer.id, read_interests(text))
        else:
            await ctx.end_dialogue()
            return await _show(ctx)
    except UserError as problem:
        return [Reply(text=problem.message, private=True), _ask(field)]
    await ctx.end_dialogue()
    return await _show(ctx, msg("profile.saved"))


def register(dispatcher: Dispatcher) -> None:
    """Add /profil (/profile)."""
    dispatcher.command(["profil", "profile", "moi"], profile_command)
    dispatcher.button(PREFIX, on_button)
    dispatcher.dialogue(DIALOGUE, profile_dialogue)
    dispatcher.menu_entry(
        MenuEntry(
            order=60,
            label=msg("profile.menu_label"),
            description=msg("profile.menu_description"),
            command="profil",
        )
    )
