"""/annuler (/cancel): leave whatever dialogue is going on."""

from __future__ import annotations

from collections.abc import Sequence

from bot.context import Context
from bot.dispatcher import Dispatcher
from bot.types import Reply, msg


def register(dispatcher: Dispatcher) -> None:
    """Add /annuler (/cancel, /stop)."""

    async def cancel(ctx: Context) -> Sequence[Reply]:
        """Forget the current dialogue, if any, and say so."""
        left = await ctx.end_dialogue()
        key = "cancel.done" if left else "cancel.nothing"
        return [Reply(text=msg(key), buttons=((dispatcher.help_button(),),))]

    dispatcher.command(["annuler", "cancel", "stop"], cancel)
