"""Missions and sign-ups on real databases: capacity, waitlist, offers, isolation, races."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest

from bot.clock import ManualClock
from storage.associations import AssociationRepository
from storage.db import Database
from storage.missions import InvalidMissionError, MissionRepository, Outcome
from storage.models import Volunteer
from storage.records import MissionDraft, MissionStatus, SignUpStatus

OFFER = timedelta(hours=12)


@pytest.fixture
def missions(db: Database, clock: ManualClock) -> MissionRepository:
    return MissionRepository(db, clock.now)


async def volunteers(db: Database, clock: ManualClock, count: int) -> list[int]:
    async with db.write() as session:
        rows = [
            Volunteer(display_name=f"V{n}", created_at=clock.now(), last_seen_at=clock.now())
            for n in range(count)
        ]
        session.add_all(rows)
        await session.flush()
        return [r.id for r in rows]


async def association(db: Database, clock: ManualClock, slug: str = "resto") -> int:
    return (await AssociationRepository(db, clock.now).create(slug, slug.title())).id


def draft(clock: ManualClock, places: int = 2, **changes: Any) -> MissionDraft:
    start = clock.now() + timedelta(days=2)
    base = MissionDraft(
        title="Distribution alimentaire",
        starts_at=start,
        ends_at=start + timedelta(hours=3),
        places=places,
        city="Rennes",
        postcode="35000",
    )
    return replace(base, **changes)


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"title": "  "}, "missions.error.title_empty"),
        ({"title": "x" * 121}, "missions.error.title_long"),
        ({"places": 0}, "missions.error.places"),
        ({"places": 100_000}, "missions.error.places"),
        ({"city": None, "postcode": None}, "missions.error.place"),
    ],
)
async def test_invalid_drafts_are_refused(
    db: Database,
    missions: MissionRepository,
    clock: ManualClock,
    changes: dict[str, Any],
    reason: str,
) -> None:
    assoc = await association(db, clock)
    with pytest.raises(InvalidMissionError) as error:
        await missions.create(assoc, draft(clock, **changes), None)
    assert error.value.reason == reason
    assert await missions.upcoming(assoc) == []


async def test_dates_in_the_past_or_reversed_are_refused(
    db: Database, missions: MissionRepository, clock: ManualClock
) -> None:
    assoc = await association(db, clock)
    past = clock.now() - timedelta(hours=1)
    with pytest.raises(InvalidMissionError, match="past"):
        await missions.create(assoc, draft(clock, starts_at=past, ends_at=clock.now()), None)
    start = clock.now() + timedelta(days=1)
    with pytest.raises(InvalidMissionError, match="end_before_start"):
        await missions.create(assoc, draft(clock, starts_at=start, ends_at=start), None)


async def test_full_mission_waitlists_then_offers_a_freed_place(
    db: Database, missions: MissionRepository, clock: ManualClock
) -> None:
    assoc = await association(db, clock)
    mission = await missions.create(assoc, draft(clock, places=2), None)
    a, b, c, d = await volunteers(db, clock, 4)

    first = await missions.sign_up(assoc, mission.id, a)
    assert first.outcome is Outcome.CONFIRMED
    assert not first.now_full
    second = await missions.sign_up(assoc, mission.id, b)
    assert second.outcome is Outcome.CONFIRMED
    assert second.now_full
    third = await missions.sign_up(assoc, mission.id, c)
    fourth = await missions.sign_up(assoc, mission.id, d)
    assert third.outcome is Outcome.WAITLISTED
    assert third.signup is not None
    assert third.signup.waitlist_position == 1
    assert fourth.signup is not None
    assert fourth.signup.waitlist_position == 2
    again = await missions.sign_up(assoc, mission.id, b)
    assert again.outcome is Outcome.ALREADY

    cancelled = await missions.cancel(assoc, mission.id, a, OFFER)
    assert cancelled.outcome is Outcome.CANCELLED
    assert [o.volunteer_id for o in cancelled.offers] == [c]
    assert cancelled.offers[0].offer_expires_at == clock.now() + OFFER
    assert cancelled.mission is not None
    assert cancelled.mission.places_left == 0

    declined = await missions.answer_offer(assoc, mission.id, c, accept=False, offer_for=OFFER)
    assert declined.outcome is Outcome.DECLINED
    assert [o.volunteer_id for o in declined.offers] == [d]
    accepted = await missions.answer_offer(assoc, mission.id, d, accept=True, offer_for=OFFER)
    assert accepted.outcome is Outcome.ACCEPTED
    twice = await missions.answer_offer(assoc, mission.id, d, accept=True, offer_for=OFFER)
    assert twice.outcome is Outcome.NO_OFFER

    people = await missions.participants(assoc, mission.id)
    assert [(p.volunteer_id, p.status) for p in people] == [
        (b, SignUpStatus.CONFIRMED),
        (d, SignUpStatus.CONFIRMED),
    ]


async def test_an_expired_offer_moves_on_and_a_last_place_is_freed(
    db: Database, missions: MissionRepository, clock: ManualClock
) -> None:
    assoc = await association(db, clock)
    mission = await missions.create(assoc, draft(clock, places=1), None)
    a, b = await volunteers(db, clock, 2)
    await missions.sign_up(assoc, mission.id, a)
    await missions.sign_up(assoc, mission.id, b)
    await missions.cancel(assoc, mission.id, a, OFFER)
    assert await missions.expire_offers(OFFER) == []
    clock.advance(OFFER + timedelta(minutes=1))
    expired = await missions.expire_offers(OFFER)
    assert [(e.outcome, e.signup.volunteer_id if e.signup else None) for e in expired] == [
        (Outcome.EXPIRED, b)
    ]
    assert expired[0].offers == ()
    current = await missions.get(assoc, mission.id)
    assert current is not None
    assert current.places_left == 1
    late = await missions.answer_offer(assoc, mission.id, b, accept=True, offer_for=OFFER)
    assert late.outcome is Outcome.NO_OFFER


async def test_more_places_are_offered_down_the_waitlist(
    db: Database, missions: MissionRepository, clock: ManualClock
) -> None:
    assoc = await association(db, clock)
    mission = await missions.create(assoc, draft(clock, places=1), None)
    people = await volunteers(db, clock, 4)
    for person in people:
        await missions.sign_up(assoc, mission.id, person)
    raised = await missions.set_places(assoc, mission.id, 3, OFFER)
    assert [o.volunteer_id for o in raised.offers] == people[1:3]
    with pytest.raises(InvalidMissionError, match="below_taken"):
        await missions.set_places(assoc, mission.id, 2, OFFER)


async def test_cancelled_mission_tells_everyone_and_refuses_sign_ups(
    db: Database, missions: MissionRepository, clock: ManualClock
) -> None:
    assoc = await association(db, clock)
    mission = await missions.create(assoc, draft(clock, places=1), None)
    a, b, c = await volunteers(db, clock, 3)
    await missions.sign_up(assoc, mission.id, a)
    await missions.sign_up(assoc, mission.id, b)
    closed, told = await missions.close(assoc, mission.id, MissionStatus.CANCELLED, "Pluie")
    assert closed is not None
    assert closed.cancel_reason == "Pluie"
    assert {t.volunteer_id for t in told} == {a, b}
    assert (await missions.sign_up(assoc, mission.id, c)).outcome is Outcome.CLOSED
    assert await missions.upcoming(assoc) == []


async def test_a_started_mission_takes_no_sign_up(
    db: Database, missions: MissionRepository, clock: ManualClock
) -> None:
    assoc = await association(db, clock)
    mission = await missions.create(assoc, draft(clock), None)
    (a,) = await volunteers(db, clock, 1)
    clock.advance(timedelta(days=3))
    assert (await missions.sign_up(assoc, mission.id, a)).outcome is Outcome.CLOSED


async def test_another_association_sees_nothing(
    db: Database, missions: MissionRepository, clock: ManualClock
) -> None:
    mine = await association(db, clock, "mine")
    theirs = await association(db, clock, "theirs")
    mission = await missions.create(mine, draft(clock), None)
    (a,) = await volunteers(db, clock, 1)
    assert await missions.get(theirs, mission.id) is None
    assert (await missions.sign_up(theirs, mission.id, a)).outcome is Outcome.NOT_FOUND
    assert await missions.participants(theirs, mission.id) == []
    assert await missions.upcoming(theirs) == []
    await missions.sign_up(mine, mission.id, a)
    assert await missions.of_volunteer(a, theirs) == []
    assert [m.id for m, _ in await missions.of_volunteer(a, mine)] == [mission.id]


async def test_five_hundred_simultaneous_sign_ups_for_twenty_places(
    db: Database, missions: MissionRepository, clock: ManualClock
) -> None:
    assoc = await association(db, clock)
    mission = await missions.create(assoc, draft(clock, places=20), None)
    people = await volunteers(db, clock, 500)
    changes = await asyncio.gather(*(missions.sign_up(assoc, mission.id, p) for p in people))
    confirmed = [c.signup for c in changes if c.outcome is Outcome.CONFIRMED]
    waitlisted = [c.signup for c in changes if c.outcome is Outcome.WAITLISTED]
    assert len(confirmed) == 20
    assert len(waitlisted) == 480
    assert sorted(s.arrival for s in confirmed if s) == list(range(1, 21))
    stored = await missions.participants(assoc, mission.id)
    assert len(stored) == 500
    assert {s.volunteer_id for s in stored} == set(people)
    queue = [s for s in stored if s.status is SignUpStatus.WAITLISTED]
    assert [s.arrival for s in queue] == list(range(21, 501))
    assert [s.waitlist_position for s in queue] == list(range(1, 481))
    current = await missions.get(assoc, mission.id)
    assert current is not None
    assert current.taken == 20


async def test_listing_reads_pages_counts_places_and_a_volunteers_own(
    db: Database, missions: MissionRepository, clock: ManualClock
) -> None:
    assoc = await association(db, clock)
    other = await association(db, clock, "autre")
    day = timedelta(days=1)
    made = [
        await missions.create(
            assoc,
            draft(
                clock,
                places=1,
                title=f"Mission {n}",
                starts_at=clock.now() + (n + 1) * day,
                ends_at=clock.now() + (n + 1) * day + timedelta(hours=2),
                tags=("cuisine",) if n % 2 else ("tri",),
                latitude=48.1 + n / 100,
                longitude=-1.68,
            ),
            None,
        )
        for n in range(5)
    ]
    await missions.create(other, draft(clock, title="Ailleurs"), None)
    ids = [m.id for m in made]

    page = await missions.upcoming(assoc, limit=2, offset=1)
    assert [m.id for m in page] == ids[1:3]
    assert page[0].tags == ("cuisine",)
    assert page[0].starts_at == made[1].starts_at
    assert page[0].status is MissionStatus.PUBLISHED
    assert await missions.count_upcoming(assoc) == 5
    until = clock.now() + 3 * day + timedelta(hours=1)
    assert await missions.count_upcoming(assoc, until=until) == 3
    assert await missions.count_upcoming(assoc, since=clock.now() + 2 * day, until=until) == 2

    tagged = await missions.upcoming_places(assoc, limit=10)
    assert [(p.id, p.tags) for p in tagged][:2] == [(ids[0], ("tri",)), (ids[1], ("cuisine",))]
    plain = await missions.upcoming_places(assoc, limit=10, tags=False)
    assert [p.id for p in plain] == ids
    assert all(p.tags == () for p in plain)
    assert plain[2].latitude == pytest.approx(48.12)
    near = await missions.upcoming_places(assoc, limit=10, near=(48.1, -1.68, 2.5), tags=False)
    assert [p.id for p in near] == ids[:3]

    assert [m.id for m in await missions.several(assoc, [ids[3], 999_999, ids[0]])] == [
        ids[3],
        ids[0],
    ]
    assert await missions.several(other, [ids[0]]) == []

    a, b, c = await volunteers(db, clock, 3)
    await missions.sign_up(assoc, ids[0], a)
    await missions.sign_up(assoc, ids[0], b)
    await missions.sign_up(assoc, ids[0], c)
    await missions.sign_up(assoc, ids[2], c)
    mine = await missions.of_volunteer(c, assoc)
    assert [(m.id, s.status, s.waitlist_position) for m, s in mine] == [
        (ids[0], SignUpStatus.WAITLISTED, 2),
        (ids[2], SignUpStatus.CONFIRMED, None),
    ]
    assert mine[0][0].title == "Mission 0"
    assert mine[0][1].volunteer_id == c
    assert await missions.of_volunteer(c, other) == []
