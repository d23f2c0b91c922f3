"""/kb for coordinators: reload the tutorials, see the questions that lack a good answer."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from bot.context import Context
from bot.dispatcher import COMMAND_BUTTON_PREFIX, Dispatcher, MenuEntry
from bot.types import Button, Msg, Reply, msg
from handlers import drafts

MISSING_WINDOW = timedelta(days=30)
MAX_LISTED_PROBLEMS = 10
ACTIONS = {
    "recharger": "reload",
    "reload": "reload",
    "manquants": "missing",
    "missing": "missing",
    "brouillons": "drafts",
    "drafts": "drafts",
}


def _menu() -> Reply:
    return Reply(
        text=msg("kb.menu"),
        buttons=(
            (Button(msg("kb.button_reload"), f"{COMMAND_BUTTON_PREFIX}:kb recharger"),),
            (Button(msg("kb.button_missing"), f"{COMMAND_BUTTON_PREFIX}:kb manquants"),),
            (Button(msg("kb.button_drafts"), f"{COMMAND_BUTTON_PREFIX}:kb brouillons"),),
        ),
    )


async def _reload(ctx: Context) -> Sequence[Reply]:
    knowledge = ctx.services.knowledge
    report = await knowledge.reload()
    await ctx.audit("kb_reloaded", str(report.tutorials))
    parts = [msg("kb.reloaded", count=report.tutorials)]
    if report.borrowers:
        parts.append(msg("kb.reload_borrowed", count=report.borrowers))
    if report.problems:
        parts.append(msg("kb.reload_problems", count=len(report.problems)))
        for problem in report.problems[:MAX_LISTED_PROBLEMS]:
            try:
                shown = str(problem.path.relative_to(knowledge.directory))
            except ValueError:
                shown = problem.path.name
            parts.append(msg("kb.problem_line", path=shown, reason=problem.reason))
    return [Reply(text=Msg.join(*parts))]


async def _missing(ctx: Context) -> Sequence[Reply]:
    if ctx.association is None:
        return [Reply(text=msg("kb.missing_none"))]
    since = ctx.services.clock.now() - MISSING_WINDOW
    topics = await ctx.services.kb_questions.missing(ctx.association.id, since=since)
    if not topics:
        return [Reply(text=msg("kb.missing_none"))]
    lines = [
        msg(
            "kb.missing_line",
            example=t.example,
            count=t.count,
            unanswered=t.unanswered,
            unhelpful=t.unhelpful,
            human=t.wanted_human,
        )
        for t in topics
    ]
    return [Reply(text=Msg.join(msg("kb.missing_title"), *lines))]


async def kb_command(ctx: Context) -> Sequence[Reply]:
    """``/kb recharger``, ``/kb manquants``, or ``/kb`` alone for buttons."""
    action = ctx.payload.strip().lower()
    if not action:
        return [_menu()]
    chosen = ACTIONS.get(action)
    if chosen == "reload":
        return await _reload(ctx)
    if chosen == "missing":
        return await _missing(ctx)
    if chosen == "drafts":
        return await drafts.list_drafts(ctx)
    return [Reply(text=msg("kb.unknown_action", action=action[:30])), _menu()]


def register(dispatcher: Dispatcher) -> None:
    """Add /kb (coordinators only)."""
    dispatcher.command(["kb"], kb_command, coordinator_only=True)
    dispatcher.menu_entry(
        MenuEntry(
            order=80,
            label=msg("kb.menu_label"),
            description=msg("kb.menu_description"),
            command="kb",
            coordinator_only=True,
        )
    )
