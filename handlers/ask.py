"""Free-text questions: a tutorial, "did you mean" suggestions, or an honest "I don't know",
always with a way to a person. Feedback buttons tell coordinators what is missing."""

from __future__ import annotations

from collections.abc import Sequence

from bot.context import Context
from bot.dispatcher import Dispatcher, MenuEntry
from bot.types import Button, Msg, Reply, msg
from handlers import handoff, small_talk
from knowledge.loader import Tutorial
from storage.kb_questions import Feedback

PREFIX = "kb"


def _human_button(question_id: int) -> Button:
    return Button(msg("ask.button_human"), f"{PREFIX}:h:{question_id}")


def _stale() -> list[Reply]:
    return [Reply(text=msg("error.stale_button"))]


def _tutorial_reply(ctx: Context, tutorial: Tutorial, question_id: int) -> Reply:
    parts = [msg("ask.answer", title=tutorial.title, body=Msg.text(tutorial.body))]
    if tutorial.lang != ctx.locale:
        parts.append(msg("ask.only_in_english" if tutorial.lang == "en" else "ask.only_in_french"))
    parts.append(msg("ask.helpful_question"))
    return Reply(
        text=Msg.join(*parts, separator="\n\n"),
        buttons=(
            (
                Button(msg("ask.button_yes"), f"{PREFIX}:y:{question_id}"),
                Button(msg("ask.button_no"), f"{PREFIX}:n:{question_id}"),
            ),
            (_human_button(question_id),),
        ),
    )


def _no_answer(question_id: int, help_button: Button) -> Reply:
    return Reply(
        text=msg("ask.no_answer"),
        buttons=((_human_button(question_id),), (help_button,)),
    )


def _parse(payload: str) -> tuple[str, int, str] | None:
    action, _, rest = payload.partition(":")
    number, _, extra = rest.partition(":")
    if not number.isdigit() or len(number) > 12:
        return None
    return action, int(number), extra


def register(dispatcher: Dispatcher) -> None:
    """Add the question handler, /question (/ask) and the feedback buttons."""

    async def answer(ctx: Context, question: str) -> Sequence[Reply]:
        services = ctx.services
        result = services.knowledge.match(question, ctx.locale)
        services.metrics.answers.labels(outcome=result.outcome).inc()
        suggestions = [c.tutorial for c in result.suggestions]
        question_id = await services.kb_questions.record(
            association_id=ctx.association.id if ctx.association else None,
            volunteer_id=ctx.volunteer.id,
            text=question,
            lang=result.language,
            outcome=result.outcome,
            tutorial_id=result.answer.tutorial.id if result.answer else None,
            suggestions=[t.id for t in suggestions],
        )
        if result.answer is not None:
            return [_tutorial_reply(ctx, result.answer.tutorial, question_id)]
        if suggestions:
            rows = tuple(
                (Button(Msg.text(t.title), f"{PREFIX}:s:{question_id}:{i}"),)
                for i, t in enumerate(suggestions)
            )
            none = Button(msg("ask.button_none"), f"{PREFIX}:x:{question_id}")
            return [Reply(text=msg("ask.suggestions"), buttons=(*rows, (none,)))]
        return [_no_answer(question_id, dispatcher.help_button())]

    async def on_text(ctx: Context) -> Sequence[Reply]:
        """Any free text outside a dialogue is a question, unless it is only a greeting, a
        thanks, a goodbye or an "ok"."""
        text = (ctx.event.text or "").strip()
        kind = small_talk.kind_of(text)
        if kind is not None:
            return [small_talk.reply(kind, dispatcher.help_button())]
        return await answer(ctx, text)

    async def question_command(ctx: Context) -> Sequence[Reply]:
        """``/question comment ...`` asks at once; ``/question`` alone explains how."""
        if ctx.payload.strip():
            return await answer(ctx, ctx.payload.strip())
        return [Reply(text=msg("ask.prompt"))]

    async def on_button(ctx: Context) -> Sequence[Reply]:
        """Feedback, a picked suggestion, "none of these", or "talk to a person"."""
        parsed = _parse(ctx.payload)
        if parsed is None:
            return _stale()
        action, question_id, extra = parsed
        services = ctx.services
        questions = services.kb_questions
        volunteer = ctx.volunteer.id
        if action in {"y", "n"}:
            outcome = await questions.set_helpful(question_id, volunteer, action == "y")
            if outcome is Feedback.REFUSED:
                return _stale()
            if outcome is Feedback.ALREADY:
                return [Reply(text=msg("ask.already"))]
            if action == "y":
                return [Reply(text=msg("ask.thanks_yes"))]
            return [
                Reply(
                    text=msg("ask.thanks_no"),
                    buttons=((_human_button(question_id),),),
                )
            ]
        if action == "h":
            outcome = await questions.want_human(question_id, volunteer)
            record = await questions.get(question_id, volunteer)
            if outcome is Feedback.REFUSED or record is None:
                return _stale()
            return await handoff.start_request(ctx, record.text)
        if action == "x":
            if await questions.pick(question_id, volunteer, None) is Feedback.REFUSED:
                return _stale()
            return [_no_answer(question_id, dispatcher.help_button())]
        if action == "s" and extra.isdigit():
            record = await questions.get(question_id, volunteer)
            index = int(extra)
            if record is None or index >= len(record.suggestions):
                return _stale()
            tutorial = services.knowledge.get(record.suggestions[index])
            if tutorial is None:
                return [
                    Reply(text=msg("ask.tutorial_gone"), buttons=((dispatcher.help_button(),),))
                ]
            await questions.pick(question_id, volunteer, tutorial.id)
            return [_tutorial_reply(ctx, tutorial, question_id)]
        return _stale()

    dispatcher.on_text(on_text)
    dispatcher.command(["question", "ask"], question_command)
    dispatcher.button(PREFIX, on_button)
    dispatcher.menu_entry(
        MenuEntry(
            order=10,
            label=msg("ask.menu_label"),
            description=msg("ask.menu_description"),
            command="question",
        )
    )
