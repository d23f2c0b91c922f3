"""/langue (/language): speak French or English, or follow the device's language."""

from __future__ import annotations

from collections.abc import Sequence

from bot.context import Context
from bot.dispatcher import Dispatcher, MenuEntry
from bot.i18n import SUPPORTED_LOCALES
from bot.types import Button, Reply, msg

AUTO = "auto"
ALIASES = {
    "fr": "fr",
    "francais": "fr",
    "français": "fr",
    "french": "fr",
    "en": "en",
    "anglais": "en",
    "english": "en",
    "auto": AUTO,
}


def _choices() -> Reply:
    buttons = tuple(
        Button(label=msg(f"language.name.{code}"), data=f"lang:{code}")
        for code in SUPPORTED_LOCALES
    )
    return Reply(
        text=msg("language.choose"),
        buttons=(buttons, (Button(label=msg("language.button_auto"), data=f"lang:{AUTO}"),)),
    )


async def _apply(ctx: Context, choice: str) -> Sequence[Reply]:
    code = ALIASES.get(choice.strip().lower())
    if code is None:
        return [Reply(text=msg("language.unknown", choice=choice[:30])), _choices()]
    services = ctx.services
    if code == AUTO:
        await services.volunteers.set_locale(ctx.volunteer.id, None)
        ctx.locale = services.catalogue.resolve(ctx.event.user.language_code)
        return [Reply(text=msg("language.set_auto", language=msg(f"language.name.{ctx.locale}")))]
    await services.volunteers.set_locale(ctx.volunteer.id, code)
    ctx.locale = code
    return [Reply(text=msg("language.set"))]


async def language_command(ctx: Context) -> Sequence[Reply]:
    """``/langue en`` switches at once; ``/langue`` alone offers buttons."""
    if ctx.payload.strip():
        return await _apply(ctx, ctx.payload)
    return [_choices()]


async def language_button(ctx: Context) -> Sequence[Reply]:
    """A language button was pressed."""
    return await _apply(ctx, ctx.payload)


def register(dispatcher: Dispatcher) -> None:
    """Add /langue (/language) and its buttons."""
    dispatcher.command(["langue", "language", "lang"], language_command)
    dispatcher.button("lang", language_button)
    dispatcher.menu_entry(
        MenuEntry(
            order=90,
            label=msg("language.menu_label"),
            description=msg("language.menu_description"),
            command="langue",
        )
    )
