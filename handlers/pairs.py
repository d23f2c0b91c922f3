"""Pairs ("binômes"): a newcomer asks for a regular mentor (``/binome``); the bot suggests one by
area, topics and how many people they already follow; the newcomer says yes, the mentor
accepts, and from then on the newcomer's help requests go to that mentor first."""

from __future__ import annotations

from collections.abc import Sequence

from bot.context import Context
from bot.dispatcher import Dispatcher
from bot.services import Services
from bot.types import Button, Msg, Reply, msg
from handlers.handoff import guess_topic
from handlers.mentors import topics_label
from storage.help import MentorRecord, MentorStatus, PairRecord, PairStatus
from storage.records import VolunteerRecord

PREFIX = "bn"


def _department(area: str | None) -> str | None:
    """``69003 Lyon`` → ``69``; a department number alone stays as it is."""
    if not area:
        return None
    head = area.split()[0]
    return head[:2] if head[:2].isdigit() else None


def score(newcomer: VolunteerRecord, mentor: MentorRecord, area: str | None, followed: int) -> int:
    """How well a mentor suits a newcomer: same department, shared topics, fewer people
    already followed."""
    points = 0
    here = _department(newcomer.area)
    if here is not None and here == _department(area):
        points += 4
    wanted = {guess_topic(interest) for interest in newcomer.interests}
    points += 2 * len(wanted & set(mentor.topics))
    if "autre" in mentor.topics:
        points += 1
    return points * 10 - followed


async def _suggest(ctx: Context) -> Sequence[Reply]:
    assert ctx.association is not None
    services = ctx.services
    association = ctx.association.id
    declined = await services.help.declined_mentors(ctx.volunteer.id, association)
    counts = await services.help.pair_counts(association)
    person = await services.volunteers.get(ctx.volunteer.id) or ctx.volunteer
    candidates = []
    for mentor in await services.help.mentors(association, (MentorStatus.ACTIVE,)):
        if mentor.volunteer_id == ctx.volunteer.id or mentor.volunteer_id in declined:
            continue
        record = await services.volunteers.get(mentor.volunteer_id)
        area = record.area if record else None
        followed = counts.get(mentor.volunteer_id, 0)
        candidates.append((score(person, mentor, area, followed), mentor, area))
    if not candidates:
        return [Reply(text=msg("pairs.nobody"))]
    _, mentor, area = max(candidates, key=lambda c: c[0])
    pair = await services.help.propose_pair(association, ctx.volunteer.id, mentor.volunteer_id)
    return [
        Reply(
            text=msg(
                "pairs.suggestion",
                name=mentor.name or msg("handoff.a_mentor"),
                topics=topics_label(mentor.topics),
                area=area or msg("profile.unknown"),
            ),
            buttons=(
                (Button(msg("pairs.button_yes"), f"{PREFIX}:yes:{pair.id}"),),
                (Button(msg("pairs.button_other"), f"{PREFIX}:other:{pair.id}"),),
                (Button(msg("pairs.button_no"), f"{PREFIX}:no:{pair.id}"),),
            ),
        )
    ]


async def pair_command(ctx: Context) -> Sequence[Reply]:
    """/binome: the current pair, or a suggestion."""
    if ctx.association is None:
        return [Reply(text=msg("missions.no_association"))]
    services = ctx.services
    pair = await services.help.current_pair(ctx.volunteer.id, ctx.association.id)
    if pair is None:
        return await _suggest(ctx)
    name = (await services.volunteers.names([pair.mentor_id])).get(pair.mentor_id)
    shown: Msg | str = name or msg("handoff.a_mentor")
    if pair.status is PairStatus.ACTIVE:
        return [
            Reply(
                text=msg("pairs.active", name=shown),
                buttons=((Button(msg("pairs.button_end"), f"{PREFIX}:end:{pair.id}"),),),
            )
        ]
    if pair.status is PairStatus.ASKED:
        return [Reply(text=msg("pairs.waiting", name=shown))]
    await services.help.move_pair(pair.id, (PairStatus.PROPOSED,), PairStatus.ENDED)
    return await _suggest(ctx)


async def _tell(services: Services, volunteer_id: int, text: Msg, key: str) -> None:
    await services.notifier.send(volunteer_id, Reply(text=text), key)


async def on_button(ctx: Context) -> Sequence[Reply]:
    """The newcomer's and the mentor's answers."""
    action, _, number = ctx.payload.partition(":")
    if not number.isdigit() or len(number) > 12 or ctx.association is None:
        return [Reply(text=msg("error.stale_button"))]
    services = ctx.services
    pair = await services.help.get_pair(int(number))
    if pair is None or pair.association_id != ctx.association.id:
        return [Reply(text=msg("error.stale_button"))]
    me = ctx.volunteer.id
    names = await services.volunteers.names([pair.newcomer_id, pair.mentor_id])
    newcomer = names.get(pair.newcomer_id) or msg("missions.someone")
    mentor = names.get(pair.mentor_id) or msg("handoff.a_mentor")
    if me == pair.newcomer_id and action in {"yes", "other", "no"}:
        return await _newcomer_answer(ctx, pair, action, newcomer, mentor)
    if me == pair.mentor_id and action in {"acc", "dec"}:
        accepted = action == "acc"
        after = PairStatus.ACTIVE if accepted else PairStatus.DECLINED
        if not await services.help.move_pair(pair.id, (PairStatus.ASKED,), after):
            return [Reply(text=msg("pairs.already"))]
        key = "pairs.told_accepted" if accepted else "pairs.told_declined"
        await _tell(services, pair.newcomer_id, msg(key, name=mentor), f"pair:{pair.id}:{action}")
        answer = "pairs.mentor_accepted" if accepted else "pairs.mentor_declined"
        return [Reply(text=msg(answer, name=newcomer), edit=True)]
    if me in (pair.newcomer_id, pair.mentor_id) and action == "end":
        if not await services.help.move_pair(pair.id, (PairStatus.ACTIVE,), PairStatus.ENDED):
            return [Reply(text=msg("pairs.already"))]
        other = pair.mentor_id if me == pair.newcomer_id else pair.newcomer_id
        name = ctx.volunteer.display_name or msg("missions.someone")
        await _tell(services, other, msg("pairs.told_ended", name=name), f"pair:{pair.id}:end")
        return [Reply(text=msg("pairs.ended"))]
    return [Reply(text=msg("error.stale_button"))]


async def _newcomer_answer(
    ctx: Context, pair: PairRecord, action: str, newcomer: Msg | str, mentor: Msg | str
) -> Sequence[Reply]:
    services = ctx.services
    if action == "yes":
        if not await services.help.move_pair(pair.id, (PairStatus.PROPOSED,), PairStatus.ASKED):
            return [Reply(text=msg("pairs.already"))]
        person = await services.volunteers.get(pair.newcomer_id) or ctx.volunteer
        await services.notifier.send(
            pair.mentor_id,
            Reply(
                text=msg(
                    "pairs.ask_mentor",
                    name=newcomer,
                    area=person.area or msg("profile.unknown"),
                    interests=", ".join(person.interests) or msg("profile.unknown"),
                ),
                buttons=(
                    (
                        Button(msg("pairs.button_accept"), f"{PREFIX}:acc:{pair.id}"),
                        Button(msg("pairs.button_decline"), f"{PREFIX}:dec:{pair.id}"),
                    ),
                ),
            ),
            f"pair:{pair.id}:ask",
        )
        return [Reply(text=msg("pairs.asked", name=mentor), edit=True)]
    after = PairStatus.DECLINED if action == "other" else PairStatus.ENDED
    if not await services.help.move_pair(pair.id, (PairStatus.PROPOSED,), after):
        return [Reply(text=msg("pairs.already"))]
    if action == "other":
        return await _suggest(ctx)
    return [Reply(text=msg("pairs.no_thanks"), edit=True)]


def register(dispatcher: Dispatcher) -> None:
    """Add /binome (/buddy) and its buttons."""
    dispatcher.command(["binome", "buddy", "pair"], pair_command)
    dispatcher.button(PREFIX, on_button)
