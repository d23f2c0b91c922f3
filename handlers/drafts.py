"""The learning loop: after helping someone, a mentor can turn the exchange into a draft
tutorial (a title and a few steps); coordinators review drafts with ``/kb brouillons`` and
publish them into the knowledge base, in its usual Markdown format."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Sequence
from pathlib import Path

import yaml

from bot.context import Context, UserError
from bot.dispatcher import Dispatcher
from bot.types import Button, Msg, Reply, msg
from knowledge.loader import InvalidTutorialError, parse_tutorial
from storage.drafts import DraftRecord
from storage.help import RequestStatus

log = logging.getLogger(__name__)

PREFIX = "kd"
ADMIN_PREFIX = "kdc"
DIALOGUE = "draft"
TITLE_MAX = 80
STEP_MAX = 300
MIN_STEPS = 2
MAX_STEPS = 10
PUBLISHED_DIR = "publies"
_NUMBERING = re.compile(r"^\s*(?:\d+[.)]|[-•*])\s*")


def draft_button(request_id: int) -> Button:
    """What the mentor presses to write a tutorial from a conversation."""
    return Button(msg("drafts.button_new"), f"{PREFIX}:new:{request_id}")


async def on_button(ctx: Context) -> Sequence[Reply]:
    """Start a draft from a closed request, or take the question as its title."""
    action, _, number = ctx.payload.partition(":")
    services = ctx.services
    if action == "new" and number.isdigit() and len(number) <= 12:
        request = await services.help.get(int(number))
        if (
            request is None
            or request.mentor_id != ctx.volunteer.id
            or request.status is not RequestStatus.CLOSED
        ):
            return [Reply(text=msg("error.stale_button"))]
        await ctx.start_dialogue(
            DIALOGUE, "title", {"question": request.question, "association": request.association_id}
        )
        return [
            Reply(
                text=msg("drafts.ask_title", question=request.question),
                buttons=((Button(msg("drafts.button_use_question"), f"{PREFIX}:q"),),),
            )
        ]
    dialogue = ctx.dialogue
    if action == "q" and dialogue is not None and dialogue.dialogue == DIALOGUE:
        await ctx.advance_dialogue("steps", title=str(dialogue.data["question"])[:TITLE_MAX])
        return [Reply(text=msg("drafts.ask_steps", minimum=MIN_STEPS, maximum=MAX_STEPS))]
    return [Reply(text=msg("error.stale_button"))]


def read_steps(text: str) -> list[str]:
    """One step per line; numbering and bullets typed by the writer are dropped."""
    steps = [_NUMBERING.sub("", line).strip() for line in text.splitlines()]
    steps = [step for step in steps if step]
    if not MIN_STEPS <= len(steps) <= MAX_STEPS:
        raise UserError(msg("drafts.error.steps", minimum=MIN_STEPS, maximum=MAX_STEPS))
    if any(len(step) > STEP_MAX for step in steps):
        raise UserError(msg("drafts.error.step_long", limit=STEP_MAX))
    return steps


async def draft_dialogue(ctx: Context) -> Sequence[Reply]:
    """The title, then the steps, typed by the mentor."""
    assert ctx.dialogue is not None
    text = (ctx.event.text or "").strip()
    data = ctx.dialogue.data
    if ctx.dialogue.step == "title":
        title = " ".join(text.split())
        if not title or len(title) > TITLE_MAX:
            return [Reply(text=msg("drafts.error.title", limit=TITLE_MAX))]
        await ctx.advance_dialogue("steps", title=title)
        return [Reply(text=msg("drafts.ask_steps", minimum=MIN_STEPS, maximum=MAX_STEPS))]
    try:
        steps = read_steps(text)
    except UserError as problem:
        return [Reply(text=problem.message)]
    await ctx.end_dialogue()
    await ctx.services.drafts.add(
        int(data["association"]),
        ctx.volunteer.id,
        str(data["title"]),
        str(data["question"]),
        steps,
        ctx.locale,
    )
    return [Reply(text=msg("drafts.saved"))]


def _preview(draft: DraftRecord) -> Msg:
    lines = [msg("drafts.line_title", title=draft.title, question=draft.question)]
    lines += [msg("drafts.line_step", number=n, step=s) for n, s in enumerate(draft.steps, 1)]
    return Msg.join(*lines)


async def list_drafts(ctx: Context) -> Sequence[Reply]:
    """/kb brouillons: the drafts waiting, each with Publish and Discard."""
    assert ctx.association is not None
    drafts = await ctx.services.drafts.pending(ctx.association.id)
    if not drafts:
        return [Reply(text=msg("drafts.none"))]
    replies = [Reply(text=msg("drafts.intro", count=len(drafts)))]
    for draft in drafts:
        replies.append(
            Reply(
                text=_preview(draft),
                buttons=(
                    (
                        Button(msg("drafts.button_publish"), f"{ADMIN_PREFIX}:pub:{draft.id}"),
                        Button(msg("drafts.button_discard"), f"{ADMIN_PREFIX}:del:{draft.id}"),
                    ),
                ),
            )
        )
    return replies


def tutorial_text(draft: DraftRecord) -> str:
    """The draft in the knowledge base's format (front matter, then numbered steps)."""
    front = {
        "id": f"local-{draft.association_id}-{draft.id}",
        "title": draft.title,
        "lang": draft.lang if draft.lang in ("fr", "en") else "fr",
        "category": "association",
        "tags": [],
        "questions": [draft.question],
    }
    matter = yaml.safe_dump(front, allow_unicode=True, sort_keys=False)
    body = "\n".join(f"{n}. {step}" for n, step in enumerate(draft.steps, 1))
    return f"---\n{matter}---\n{body}\n"


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


async def on_admin_button(ctx: Context) -> Sequence[Reply]:
    """Publish or discard a draft of the coordinator's association."""
    assert ctx.association is not None
    action, _, number = ctx.payload.partition(":")
    if not number.isdigit() or len(number) > 12 or action not in {"pub", "del"}:
        return [Reply(text=msg("error.stale_button"))]
    services = ctx.services
    draft = await services.drafts.get(int(number), ctx.association.id)
    if draft is None or draft.status != "draft":
        return [Reply(text=msg("drafts.already"))]
    if action == "del":
        await services.drafts.settle(draft.id, ctx.association.id, "discarded")
        return [Reply(text=msg("drafts.discarded"), edit=True)]
    text = tutorial_text(draft)
    path = (
        services.knowledge.directory / PUBLISHED_DIR / f"local-{draft.association_id}-{draft.id}.md"
    )
    try:
        parse_tutorial(text, path)
        await asyncio.to_thread(_write, path, text)
    except (InvalidTutorialError, OSError) as problem:
        log.error("could not publish draft %s to %s: %s", draft.id, path, problem)
        return [Reply(text=msg("drafts.not_written"))]
    await services.drafts.settle(draft.id, ctx.association.id, "published")
    await services.knowledge.reload()
    await ctx.audit("kb_published", draft.title)
    return [Reply(text=msg("drafts.published", title=draft.title), edit=True)]


def register(dispatcher: Dispatcher) -> None:
    """The draft buttons and dialogue (``/kb brouillons`` is in :mod:`handlers.kb_admin`)."""
    dispatcher.button(PREFIX, on_button)
    dispatcher.button(ADMIN_PREFIX, on_admin_button, coordinator_only=True)
    dispatcher.dialogue(DIALOGUE, draft_dialogue)
