"""A mission in one form (Discord's modal): title, when, place, places, description. Every
field is read as in the guided dialogue; mistakes come back all at once with the form filled
in as it was, and a correct form leads to the same preview and publish button."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from bot.context import Context, UserError
from bot.dispatcher import COMMAND_BUTTON_PREFIX
from bot.types import Form, FormField, Msg, Reply, msg
from handlers import mission_input as read
from handlers.mission_views import ADMIN_PREFIX
from storage.missions import TITLE_MAX

FORM_DATA = f"{ADMIN_PREFIX}:form"
AGAIN_DATA = f"{ADMIN_PREFIX}:formagain"
DIALOGUE = "mission_new"
"""The creation dialogue's name: a form being corrected is a step of it."""
STEP = "form"
LIMITS = {
    "title": TITLE_MAX,
    "when": 80,
    "place": read.ADDRESS_MAX,
    "places": 4,
    "description": 1000,
}
Preview = Callable[[Context, dict[str, Any]], Reply]


def mission_form(values: Mapping[str, str] | None = None) -> Form:
    """The mission form; filled in with ``values`` when it comes back for corrections."""
    values = values or {}
    correcting = bool(values)

    def field(name: str, *, long: bool = False, required: bool = True) -> FormField:
        return FormField(
            name=name,
            label=msg(f"missions.form_{name}"),
            long=long,
            required=required,
            max_length=LIMITS[name],
            value=values.get(name, "")[: LIMITS[name]],
            placeholder=msg(f"missions.form_{name}_example"),
        )

    return Form(
        data=FORM_DATA,
        title=msg("missions.form_heading"),
        fields=(
            field("title"),
            field("when"),
            field("place"),
            field("places"),
            field("description", long=True, required=False),
        ),
        reopen=AGAIN_DATA if correcting else f"{COMMAND_BUTTON_PREFIX}:nouvelle_mission",
        reopen_label=msg("missions.form_fix_button" if correcting else "missions.form_open_button"),
    )


def _read(ctx: Context, values: Mapping[str, str]) -> tuple[dict[str, Any], list[Msg]]:
    """The mission's fields from the form, and a message for each field that is wrong."""
    services = ctx.services
    data: dict[str, Any] = {}
    problems: list[Msg] = []

    def attempt(name: str, reading: Any) -> None:
        try:
            data.update(reading())
        except UserError as problem:
            label = msg(f"missions.form_short_{name}")
            problems.append(msg("missions.form_problem", field=label, problem=problem.message))

    def when() -> dict[str, Any]:
        start, end = read.when(values.get("when", ""), services.clock.now(), services.settings.zone)
        if end is None:
            raise UserError(msg("missions.error.one_line_end"))
        return {"starts_at": start.isoformat(), "ends_at": end.isoformat()}

    def place() -> dict[str, Any]:
        text = values.get("place", "")
        found = read.place(text, services.places)
        if isinstance(found, list):
            raise UserError(msg("missions.error.place_ambiguous", text=text[:100]))
        return found

    attempt("title", lambda: read.title(values.get("title", "")))
    attempt("when", when)
    attempt("place", place)
    attempt("places", lambda: {"places": read.places(values.get("places", ""))})
    attempt("description", lambda: read.optional("description", values.get("description") or "-"))
    return data, problems


async def submitted(ctx: Context, preview: Preview) -> Sequence[Reply]:
    """A filled-in form: the preview to publish, or what to correct."""
    values = {k: str(v) for k, v in (ctx.event.form or {}).items() if k in LIMITS}
    if not values:
        return [Reply(text=msg("error.stale_button"))]
    data, problems = _read(ctx, values)
    if problems:
        await ctx.start_dialogue(DIALOGUE, STEP, {"form": values})
        return [
            Reply(
                text=Msg.join(msg("missions.form_problems"), *problems),
                form=mission_form(values),
            )
        ]
    await ctx.start_dialogue(DIALOGUE, "preview", data)
    return [preview(ctx, data)]


async def again(ctx: Context) -> Sequence[Reply]:
    """The form once more, as it was sent."""
    dialogue = ctx.dialogue
    values = dialogue.data.get("form") if dialogue and dialogue.dialogue == DIALOGUE else None
    return [Reply(text=msg("missions.form_again"), form=mission_form(values or {}))]
