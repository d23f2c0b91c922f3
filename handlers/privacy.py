"""A person's rights over their data: ``/mes_donnees`` sends everything stored about them as a
JSON file; ``/supprimer_mes_donnees`` erases it after an explicit confirmation. Profiles
inactive for longer than the retention period are erased the same way."""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta

from bot.context import Context
from bot.dispatcher import COMMAND_BUTTON_PREFIX, Dispatcher, Sweep
from bot.services import Services
from bot.types import Attachment, Button, Reply, msg
from handlers import mission_posts
from handlers.kb_admin import MISSING_WINDOW
from handlers.missions import send_offers

log = logging.getLogger(__name__)

PREFIX = "pv"
DIALOGUE = "erase"
PURGE_EVERY = timedelta(hours=6)
MONTH = timedelta(days=30)
DELIVERED_KEPT = timedelta(days=30)
"""How long a personal message is kept once delivered (or given up): long enough to look
into a complaint, not longer."""
DONE_JOBS_KEPT = timedelta(days=30)
"""How long timed work is remembered once done (a reminder sent, which must not be sent
again): the mission it was for is past by then."""
QUESTIONS_KEPT = MISSING_WINDOW
"""How long a question asked to the knowledge base is kept: as far back as ``/kb manquants``
looks, not longer."""


async def export_command(ctx: Context) -> Sequence[Reply]:
    """Everything stored about the person, as a readable file."""
    data = await ctx.services.privacy.export(ctx.volunteer.id)
    data["exported_at"] = ctx.services.clock.now().isoformat()
    content = json.dumps(data, ensure_ascii=False, indent=2, default=str).encode("utf-8")
    return [
        Reply(
            text=msg("privacy.export"),
            files=(Attachment("mes-donnees-entraide.json", content, "application/json"),),
            private=True,
        )
    ]


async def erase_command(ctx: Context) -> Sequence[Reply]:
    """Ask for an explicit confirmation first."""
    nonce = uuid.uuid4().hex[:12]
    await ctx.start_dialogue(DIALOGUE, "confirm", {"nonce": nonce})
    return [
        Reply(
            text=msg("privacy.erase_confirm"),
            buttons=(
                (Button(msg("privacy.erase_button"), f"{PREFIX}:erase:{nonce}"),),
                (Button(msg("privacy.keep_button"), f"{COMMAND_BUTTON_PREFIX}:annuler"),),
            ),
            private=True,
        )
    ]


async def on_button(ctx: Context) -> Sequence[Reply]:
    """The confirmation, only from the message just shown to this person."""
    action, _, nonce = ctx.payload.partition(":")
    dialogue = ctx.dialogue
    expected = dialogue.data.get("nonce") if dialogue and dialogue.dialogue == DIALOGUE else None
    if action != "erase" or not nonce or nonce != expected:
        return [Reply(text=msg("privacy.erase_expired"))]
    await erase(ctx.services, ctx.volunteer.id)
    log.info("volunteer %s erased their data", ctx.volunteer.id)
    return [Reply(text=msg("privacy.erased"), private=True)]


async def erase(services: Services, volunteer_id: int) -> None:
    """Give up the person's upcoming places (the next people get them), then erase them."""
    for membership in await services.associations.memberships(volunteer_id):
        association = membership.association.id
        for mission, _ in await services.missions.of_volunteer(volunteer_id, association):
            change = await services.missions.cancel(
                association, mission.id, volunteer_id, services.settings.offer_for
            )
            await services.jobs.unschedule(f"reminder:{mission.id}:{volunteer_id}")
            await send_offers(services, change)
            await mission_posts.refresh(services, change.mission)
    await services.privacy.erase(volunteer_id)


def retention_sweep() -> Sweep:
    """Erase profiles inactive for longer than ``ENTRAIDE_RETENTION_MONTHS``; delete personal
    messages delivered, timed jobs done and questions asked more than a month ago (looked at
    a few times a day)."""
    next_run: list[datetime] = []

    async def purge(services: Services) -> None:
        now = services.clock.now()
        if next_run and now < next_run[0]:
            return
        next_run[:] = [now + PURGE_EVERY]
        cutoff = now - services.settings.retention_months * MONTH
        gone = await services.privacy.inactive(cutoff)
        for volunteer_id in gone:
            await erase(services, volunteer_id)
        if gone:
            log.info("erased %s profiles inactive since %s", len(gone), cutoff.date())
        delivered = await services.outbox.forget_delivered(now - DELIVERED_KEPT)
        if delivered:
            log.info(
                "deleted %s personal messages older than %s days", delivered, DELIVERED_KEPT.days
            )
        done = await services.jobs.forget_done(now - DONE_JOBS_KEPT)
        if done:
            log.info("deleted %s timed jobs done over %s days ago", done, DONE_JOBS_KEPT.days)
        asked = await services.kb_questions.forget_before(now - QUESTIONS_KEPT)
        if asked:
            log.info("deleted %s questions older than %s days", asked, QUESTIONS_KEPT.days)

    return purge


def register(dispatcher: Dispatcher) -> None:
    """Add /mes_donnees, /supprimer_mes_donnees and the retention purge."""
    dispatcher.command(["mes_donnees", "my_data", "mesdonnees"], export_command)
    dispatcher.command(
        ["supprimer_mes_donnees", "delete_my_data", "supprimermesdonnees"], erase_command
    )
    dispatcher.button(PREFIX, on_button)
    dispatcher.sweep(retention_sweep())
