"""``/journal``: the association's coordinators see what each of them did lately (missions,
announcements, lists viewed, settings), newest first."""

from __future__ import annotations

from collections.abc import Sequence

from bot.context import Context
from bot.dispatcher import Dispatcher, MenuEntry
from bot.types import Msg, Reply, msg

SHOWN = 20


async def journal_command(ctx: Context) -> Sequence[Reply]:
    """The latest actions of the association's coordinators."""
    assert ctx.association is not None
    entries = await ctx.services.audit.recent(ctx.association.id, SHOWN)
    title = msg("journal.title", association=ctx.association.name)
    if not entries:
        return [Reply(text=Msg.join(title, msg("journal.empty")), private=True)]
    lines = [
        msg(
            "journal.line",
            moment=entry.at.astimezone(ctx.services.settings.zone),
            actor=entry.actor or msg("journal.someone"),
            action=msg(f"journal.actions.{entry.action}"),
            subject=entry.subject,
        )
        for entry in entries
    ]
    return [Reply(text=Msg.join(title, *lines), private=True)]


def register(dispatcher: Dispatcher) -> None:
    """Add /journal (/log), for coordinators."""
    dispatcher.command(["journal", "log", "audit"], journal_command, coordinator_only=True)
    dispatcher.menu_entry(
        MenuEntry(
            order=85,
            label=msg("journal.menu_label"),
            description=msg("journal.menu_description"),
            command="journal",
            coordinator_only=True,
        )
    )
