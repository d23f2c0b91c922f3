"""/lier and /delier, typed in a group or channel: post the association's announcements there
too, and make the group's administrators coordinators."""

from __future__ import annotations

from collections.abc import Sequence

from bot.context import Context
from bot.dispatcher import Dispatcher
from bot.types import Reply, msg


async def link_command(ctx: Context) -> Sequence[Reply]:
    """Link this group to the coordinator's association."""
    chat = ctx.event.chat
    if chat.is_private:
        return [Reply(text=msg("groups.in_a_group"))]
    assert ctx.association is not None
    await ctx.services.announcements.link_channel(
        ctx.association.id, chat.platform.value, chat.chat_id, None
    )
    return [Reply(text=msg("groups.linked", association=ctx.association.name))]


async def unlink_command(ctx: Context) -> Sequence[Reply]:
    """Stop posting announcements in this group."""
    chat = ctx.event.chat
    if chat.is_private:
        return [Reply(text=msg("groups.in_a_group"))]
    removed = await ctx.services.announcements.unlink_channel(chat.platform.value, chat.chat_id)
    return [Reply(text=msg("groups.unlinked" if removed else "groups.not_linked"))]


def register(dispatcher: Dispatcher) -> None:
    """Add /lier (/link) and /delier (/unlink), for coordinators."""
    dispatcher.command(["lier", "link"], link_command, coordinator_only=True)
    dispatcher.command(["delier", "unlink"], unlink_command, coordinator_only=True)
