"""One person on several platforms: ``/lier_compte`` gives a one-time code to type on the other
platform, which joins both identities (sign-ups, choices and preferences are then shared, and
messages go to the platform used last); ``/delier_compte`` separates them again."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from bot.context import Context
from bot.dispatcher import Dispatcher
from bot.types import Msg, Reply, msg
from storage.privacy import CODE_LIFETIME, FAILED_CODES_WINDOW, MAX_FAILED_CODES
from storage.spaces import normalise_code

log = logging.getLogger(__name__)

PLATFORM_NAMES = {"telegram": "Telegram", "discord": "Discord", "console": "terminal"}


async def link_account_command(ctx: Context) -> Sequence[Reply]:
    """A code to type on the other platform, or the code typed here."""
    code = normalise_code(ctx.payload)
    if ctx.payload.strip() and not code:
        return [Reply(text=msg("accounts.code_invalid"))]
    if code:
        return await _redeem(ctx, code)
    issued, _ = await ctx.services.privacy.issue_code(ctx.volunteer.id)
    minutes = int(CODE_LIFETIME.total_seconds() // 60)
    shown = f"{issued[:4]}-{issued[4:]}"
    return [Reply(text=msg("accounts.code", code=shown, minutes=minutes), private=True)]


async def _redeem(ctx: Context, code: str) -> Sequence[Reply]:
    services = ctx.services
    outcome = await services.privacy.redeem(code, ctx.volunteer.id)
    if outcome == "blocked":
        minutes = int(FAILED_CODES_WINDOW.total_seconds() // 60)
        return [Reply(text=msg("accounts.blocked", tries=MAX_FAILED_CODES, minutes=minutes))]
    if outcome == "own":
        return [Reply(text=msg("accounts.own_code"))]
    if not isinstance(outcome, int):
        return [Reply(text=msg("accounts.code_invalid"))]
    await services.privacy.merge(ctx.volunteer.id, outcome)
    log.info("volunteer %s joined to volunteer %s", ctx.volunteer.id, outcome)
    platforms = await _platforms(ctx, outcome)
    return [Reply(text=msg("accounts.linked", platforms=platforms))]


async def _platforms(ctx: Context, volunteer_id: int) -> Msg:
    names = dict.fromkeys(
        PLATFORM_NAMES.get(p, p) for p, _ in await ctx.services.volunteers.identities(volunteer_id)
    )
    return Msg.text(", ".join(names))


async def unlink_account_command(ctx: Context) -> Sequence[Reply]:
    """Separate this platform's identity from the others."""
    user = ctx.event.user
    alone = await ctx.services.privacy.detach(ctx.volunteer.id, user.platform.value, user.user_id)
    if alone is None:
        return [Reply(text=msg("accounts.nothing_to_unlink"))]
    log.info("identity %s:%s separated into volunteer %s", user.platform.value, user.user_id, alone)
    return [Reply(text=msg("accounts.unlinked", platforms=await _platforms(ctx, ctx.volunteer.id)))]


def register(dispatcher: Dispatcher) -> None:
    """Add /lier_compte (/link_account) and /delier_compte (/unlink_account)."""
    dispatcher.command(["lier_compte", "link_account", "liercompte"], link_account_command)
    dispatcher.command(["delier_compte", "unlink_account", "deliercompte"], unlink_account_command)
