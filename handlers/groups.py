"""Groups, channels and servers of an association.

- ``/lier`` in a private chat gives a coordinator a one-time code; ``/lier CODE`` typed by an
  administrator in a group or a server attaches it to that association. In a group,
  ``/lier`` alone (by a coordinator) links it directly.
- ``/delier`` stops posting announcements in a group or channel.
- ``/config canal [channel]`` chooses where announcements and missions are posted;
  ``/config role ROLE`` (in a server) makes the holders of a role coordinators.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from bot.context import Context
from bot.dispatcher import Dispatcher
from bot.types import Msg, Reply, msg
from storage.records import Role
from storage.spaces import CODE_LIFETIME, normalise_code

_ID = re.compile(r"\d{1,24}")
CHANNEL_WORDS = frozenset({"canal", "salon", "channel"})
MENTOR_WORDS = frozenset({"referents", "référents", "mentors"})
ROLE_WORDS = frozenset({"role", "rôle"})
NO_ROLE_WORDS = frozenset({"aucun", "none", "-"})


def _platform_id(text: str) -> str | None:
    """The id in ``<#123>``, ``<@&123>`` or ``123``."""
    found = _ID.search(text)
    return found.group(0) if found else None


async def link_command(ctx: Context) -> Sequence[Reply]:
    """/lier: a code in private, or attach the group or server where it is typed."""
    chat = ctx.event.chat
    code = normalise_code(ctx.payload)
    if chat.is_private:
        if not ctx.is_coordinator or ctx.association is None:
            return [Reply(text=msg("error.coordinators_only"))]
        issued, _ = await ctx.services.spaces.issue_code(ctx.association.id, ctx.volunteer.id)
        shown = f"{issued[:4]}-{issued[4:]}"
        minutes = int(CODE_LIFETIME.total_seconds() // 60)
        return [Reply(text=msg("groups.code", code=shown, minutes=minutes))]
    if code:
        return await _redeem(ctx, code)
    if ctx.event.space is not None:
        name = ctx.association.name if ctx.association else ""
        return [Reply(text=msg("groups.space_is_association", association=name))]
    if not ctx.is_coordinator or ctx.association is None:
        return [Reply(text=msg("groups.need_code"))]
    if await _taken(ctx, chat.chat_id):
        return [Reply(text=msg("groups.belongs_elsewhere"))]
    await ctx.services.announcements.link_channel(
        ctx.association.id, chat.platform.value, chat.chat_id, None
    )
    await ctx.audit("group_linked", f"{chat.platform.value}:{chat.chat_id}")
    return [Reply(text=msg("groups.linked", association=ctx.association.name))]


async def _redeem(ctx: Context, code: str) -> Sequence[Reply]:
    """``/lier CODE`` in a group or server, by one of its administrators."""
    event = ctx.event
    if not event.chat_admin:
        return [Reply(text=msg("groups.admins_only"))]
    services = ctx.services
    association_id = await services.spaces.redeem(code)
    association = await services.associations.get(association_id) if association_id else None
    if association is None:
        return [Reply(text=msg("groups.code_invalid"))]
    await services.associations.set_role(ctx.volunteer.id, association.id, Role.COORDINATOR)
    platform = event.chat.platform.value
    where = event.space.space_id if event.space else event.chat.chat_id
    await services.audit.record(
        association.id, ctx.volunteer.id, "group_linked", f"{platform}:{where}"
    )
    if event.space is not None:
        await services.spaces.attach(platform, event.space.space_id, association.id)
        return [Reply(text=msg("groups.space_attached", association=association.name))]
    await services.announcements.link_channel(association.id, platform, event.chat.chat_id, None)
    return [Reply(text=msg("groups.linked", association=association.name))]


async def unlink_command(ctx: Context) -> Sequence[Reply]:
    """Stop posting announcements in this group or channel."""
    chat = ctx.event.chat
    if chat.is_private:
        return [Reply(text=msg("groups.in_a_group"))]
    assert ctx.association is not None
    if await _taken(ctx, chat.chat_id):
        return [Reply(text=msg("groups.belongs_elsewhere"))]
    removed = await ctx.services.announcements.unlink_channel(
        chat.platform.value, chat.chat_id, ctx.association.id
    )
    return [Reply(text=msg("groups.unlinked" if removed else "groups.not_linked"))]


async def config_command(ctx: Context) -> Sequence[Reply]:
    """/config: where announcements go, and who coordinates in a server."""
    event = ctx.event
    if event.chat.is_private:
        return [Reply(text=msg("groups.config_in_a_group"))]
    assert ctx.association is not None
    words = ctx.payload.split()
    setting = words[0].casefold() if words else ""
    value = " ".join(words[1:])
    if setting in CHANNEL_WORDS:
        # Another channel may be named only inside a server (the platform checks it is one
        # of the server's); elsewhere it is the group the command is typed in.
        named = _platform_id(value) if event.space is not None else None
        chat_id = named or event.chat.chat_id
        if await _taken(ctx, chat_id):
            return [Reply(text=msg("groups.belongs_elsewhere"))]
        await ctx.services.announcements.link_channel(
            ctx.association.id, event.chat.platform.value, chat_id, None
        )
        await ctx.audit("settings_changed", f"channel {chat_id}")
        return [Reply(text=msg("groups.config_channel_set", channel=_channel(ctx, chat_id)))]
    if setting in MENTOR_WORDS:
        if await _taken(ctx, event.chat.chat_id):
            return [Reply(text=msg("groups.belongs_elsewhere"))]
        await ctx.services.announcements.link_channel(
            ctx.association.id, event.chat.platform.value, event.chat.chat_id, None, "mentors"
        )
        await ctx.audit("settings_changed", f"mentors {event.chat.chat_id}")
        return [Reply(text=msg("groups.config_mentors_set"))]
    if setting in ROLE_WORDS and event.space is not None:
        role = None if value.casefold() in NO_ROLE_WORDS else _platform_id(value)
        if role is None and value.casefold() not in NO_ROLE_WORDS:
            return [Reply(text=msg("groups.config_help"))]
        await ctx.services.spaces.set_coordinator_role(
            event.chat.platform.value, event.space.space_id, role
        )
        await ctx.audit("settings_changed", f"role {role or '-'}")
        key = "groups.config_role_set" if role else "groups.config_role_cleared"
        return [Reply(text=msg(key, role=_role(ctx, role or "")))]
    return [Reply(text=await _current(ctx))]


async def _taken(ctx: Context, chat_id: str) -> bool:
    """Whether the group or channel is linked to another association than the person's."""
    owner = await ctx.services.announcements.owner_of(ctx.event.chat.platform.value, chat_id)
    return owner is not None and (ctx.association is None or owner != ctx.association.id)


def _channel(ctx: Context, chat_id: str) -> Msg:
    """How to name a channel in this platform's text."""
    if ctx.event.chat.platform.value == "discord":
        return Msg.text(f"<#{chat_id}>")
    return msg("groups.this_group")


def _role(ctx: Context, role_id: str) -> Msg:
    if ctx.event.chat.platform.value == "discord":
        return Msg.text(f"<@&{role_id}>")
    return Msg.text(role_id)


async def _current(ctx: Context) -> Msg:
    """The settings as they are, and how to change them."""
    assert ctx.association is not None
    event = ctx.event
    platform = event.chat.platform.value
    channels = [
        c
        for c in await ctx.services.announcements.channels(ctx.association.id)
        if c.platform == platform
    ]
    lines: list[Msg] = [msg("groups.config_intro", association=ctx.association.name)]
    if channels:
        names = Msg.join(*(_channel(ctx, c.chat_id) for c in channels), separator=", ")
        lines.append(msg("groups.config_channels", channels=names))
    else:
        lines.append(msg("groups.config_no_channel"))
    if event.space is not None:
        space = await ctx.services.spaces.get(platform, event.space.space_id)
        role = space.coordinator_role_id if space else None
        lines.append(
            msg("groups.config_role", role=_role(ctx, role))
            if role
            else msg("groups.config_no_role")
        )
    lines.append(msg("groups.config_help"))
    return Msg.join(*lines, separator="\n\n")


def register(dispatcher: Dispatcher) -> None:
    """Add /lier (/link), /delier (/unlink) and /config."""
    dispatcher.command(["lier", "link"], link_command)
    dispatcher.command(["delier", "unlink"], unlink_command, coordinator_only=True)
    dispatcher.command(["config", "settings"], config_command, coordinator_only=True)
