"""/start and /aide: a welcome and the menu of what the bot can do, as buttons."""

from __future__ import annotations

from collections.abc import Sequence

from bot.context import Context
from bot.dispatcher import COMMAND_BUTTON_PREFIX, Dispatcher
from bot.types import Button, Msg, Reply, msg

BUTTONS_PER_ROW = 2


def register(dispatcher: Dispatcher) -> None:
    """Add /start and /aide (/help)."""

    def menu_reply(ctx: Context, intro: Msg) -> Reply:
        entries = dispatcher.menu(coordinator=ctx.is_coordinator)
        buttons = [
            Button(label=e.label, data=f"{COMMAND_BUTTON_PREFIX}:{e.command}") for e in entries
        ]
        rows = tuple(
            tuple(buttons[i : i + BUTTONS_PER_ROW]) for i in range(0, len(buttons), BUTTONS_PER_ROW)
        )
        text = Msg.join(
            intro,
            *(msg("help.entry", description=e.description) for e in entries),
            Msg.text(""),
            msg("help.footer"),
        )
        return Reply(text=text, buttons=rows)

    async def start(ctx: Context) -> Sequence[Reply]:
        """Welcome a newcomer (or someone coming back) and show the menu."""
        name = ctx.volunteer.display_name
        hello = msg("start.hello_name", name=name) if name else msg("start.hello")
        if ctx.association:
            intro = msg("start.intro_association", association=ctx.association.name)
        else:
            intro = msg("start.intro")
        return [menu_reply(ctx, Msg.join(hello, intro, separator=" "))]

    async def help_menu(ctx: Context) -> Sequence[Reply]:
        """List what the bot can do, with one button per feature."""
        return [menu_reply(ctx, msg("help.intro"))]

    dispatcher.command(["start"], start)
    dispatcher.command(["aide", "help", "menu"], help_menu)
