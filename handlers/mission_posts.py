"""Missions posted in the association's groups and channels: a card with a sign-up button,
kept up to date (places left, cancelled, done) as sign-ups change."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from bot.context import Context
from bot.envelope import reply_to_json
from bot.services import Services
from bot.types import Button, Msg, Reply, msg
from handlers import mission_views as views
from storage.outbox import NewMessage
from storage.records import MissionRecord, MissionStatus

log = logging.getLogger(__name__)


def _key(mission_id: int) -> str:
    return f"post:{mission_id}:"


def post_reply(services: Services, mission: MissionRecord) -> Reply:
    """The mission as its channel post shows it now."""
    zone = services.settings.zone
    if mission.status is not MissionStatus.PUBLISHED:
        return Reply(
            text=Msg.join(
                views.card(mission, zone),
                msg(f"missions.post_{mission.status.value}"),
                separator="\n\n",
            ),
            card=True,
        )
    return Reply(
        text=Msg.join(
            views.details(mission, zone), msg("missions.post_invitation"), separator="\n\n"
        ),
        buttons=(
            (
                Button(msg("missions.button_sign_up"), f"{views.PREFIX}:s:{mission.id}"),
                Button(msg("missions.button_details"), f"{views.PREFIX}:d:{mission.id}"),
            ),
        ),
        card=True,
    )


async def post(ctx: Context, mission: MissionRecord) -> Sequence[Reply]:
    """Post the mission in every linked group and channel (once in each)."""
    services = ctx.services
    back = ((Button(msg("missions.button_back"), f"{views.ADMIN_PREFIX}:m:{mission.id}"),),)
    if mission.status is not MissionStatus.PUBLISHED:
        return [Reply(text=msg("missions.post_not_open"), buttons=back)]
    channels = await services.announcements.channels(mission.association_id)
    if not channels:
        return [Reply(text=msg("missions.post_no_channel"), buttons=back)]
    already = await services.outbox.counts(_key(mission.id))
    body = reply_to_json(post_reply(services, mission))
    fresh = [
        NewMessage.group(
            f"{_key(mission.id)}{c.platform}:{c.chat_id}", c.platform, c.chat_id, ctx.locale, body
        )
        for c in channels
    ]
    await services.outbox.enqueue_many(fresh, bulk=False)
    log.info("mission %s posted in %s channels", mission.id, len(channels))
    await ctx.audit("mission_posted", mission.title)
    if sum(already.values()) >= len(channels):
        return [Reply(text=msg("missions.post_already", count=len(channels)), buttons=back)]
    return [Reply(text=msg("missions.post_queued", count=len(channels)), buttons=back)]


async def refresh(services: Services, mission: MissionRecord | None) -> None:
    """Edit the mission's posts to show its current state."""
    if mission is None:
        return
    posts = await services.outbox.sent_posts(_key(mission.id))
    if not posts:
        return
    body = reply_to_json(post_reply(services, mission))
    state = f"{services.clock.now().isoformat()}:{mission.taken}:{mission.status.value}"
    await services.outbox.edit_posts(
        posts,
        body,
        lambda p: f"post-edit:{mission.id}:{p.platform}:{p.chat_id}:{p.message_id}:{state}",
    )
