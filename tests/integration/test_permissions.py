"""Who may do what, on SQLite and PostgreSQL: every coordinator action, tried by a stranger, a
volunteer, a coordinator of the same association and a coordinator of another one. Only the
third may act; the others are refused without learning anything (no title, no name, no
count), and nothing changes."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from bot.clock import ManualClock
from bot.types import Event, Platform
from bot.wiring import App
from storage.models import Announcement, AssociationChannel, AuditEntry, Mission, OutboxMessage
from storage.records import Role
from tests.factories import a_mission
from tests.harness import Conversation

SECRET_TITLE = "Distribution confidentielle"
PARTICIPANT = "Bérénice Tournesol"
REFUSALS = (
    "réservée aux coordinateurs",
    "Je ne trouve pas cette mission",
    "Ce bouton n'est plus valable",
    "n'est plus en cours",
    "Ce brouillon n'existe plus",
    "relié à une autre association",
)

# (what, how): a command line, or button data where {m} is the mission's id.
ACTIONS: list[tuple[str, str]] = [
    ("command", "/nouvelle_mission"),
    ("command", "/nouvelle_mission Atelier ; samedi 14h-16h ; Lyon 69003 ; 3"),
    ("command", "/gerer"),
    ("command", "/annonce Réunion jeudi"),
    ("command", "/kb recharger"),
    ("command", "/kb manquants"),
    ("command", "/journal"),
    ("command", "/config canal"),
    ("command", "/delier"),
    ("command", "/referents"),
    ("command", "/kb brouillons"),
    ("command", "/config referents"),
    ("button", "rfa:ok:1"),
    ("button", "kdc:pub:1"),
    ("button", "ma:m:{m}"),
    ("button", "ma:p:{m}"),
    ("button", "ma:e:{m}"),
    ("button", "ma:f:{m}:title"),
    ("button", "ma:x:{m}"),
    ("button", "ma:ok:{m}"),
    ("button", "ma:ok!:{m}"),
    ("button", "ma:dup:{m}"),
    ("button", "ma:post:{m}"),
    ("button", "ma:pub"),
    ("form", "ma:form"),
    ("button", "an:a:all"),
    ("button", "an:s:0123456789ab"),
]


async def world(app: App) -> dict[str, Any]:
    """Association A (with a mission, a participant and a group) and association B."""
    services = app.services
    a = await services.associations.first()
    assert a is not None
    b = await services.associations.create("autre", "Autre association")
    mission = await a_mission(app, SECRET_TITLE, days=5, places=4, association_id=a.id)
    participant = Conversation(
        app.dispatcher, user_id="p", name=PARTICIPANT, platform=Platform.TELEGRAM
    )
    await participant.press_data(f"mi:s:{mission.id}")
    await services.announcements.link_channel(a.id, "telegram", "-100", None)

    async def member(user_id: str, association_id: int, role: Role) -> None:
        person = await services.volunteers.identify("telegram", user_id, user_id)
        await services.associations.set_role(person.id, association_id, role)

    await member("volunteer", a.id, Role.VOLUNTEER)
    await member("coordinator", a.id, Role.COORDINATOR)
    await member("other", b.id, Role.COORDINATOR)
    return {"mission": mission.id, "a": a.id}


async def snapshot(app: App, association_id: int) -> tuple[Any, ...]:
    """Association A's missions, channels, announcements, log and messages."""
    async with app.services.db.read() as session:
        missions = (
            await session.execute(
                select(Mission.status, Mission.title, Mission.places, Mission.taken)
                .where(Mission.association_id == association_id)
                .order_by(Mission.id)
            )
        ).all()
        counts = [
            (
                await session.execute(
                    select(func.count()).select_from(model).where(column == association_id)
                )
            ).scalar_one()
            for model, column in (
                (Announcement, Announcement.association_id),
                (AssociationChannel, AssociationChannel.association_id),
                (AuditEntry, AuditEntry.association_id),
            )
        ]
        messages = (await session.execute(select(func.count(OutboxMessage.id)))).scalar_one()
    return (tuple(missions), tuple(counts), messages)


async def act(app: App, who: str, kind: str, how: str, mission_id: int) -> str:
    chat_private = how not in {"/delier", "/config canal", "/config referents"}
    convo = Conversation(
        app.dispatcher,
        user_id=who,
        name=who,
        platform=Platform.TELEGRAM,
        chat_id=None if chat_private else "-100",
        private=chat_private,
    )
    line = how.format(m=mission_id)
    if kind == "command":
        await convo.send(line)
    elif kind == "button":
        await convo.press_data(line)
    else:
        event = Event(
            user=convo.user,
            chat=convo.chat,
            received_at=app.services.clock.now(),
            button=line,
            form={"title": "x", "when": "samedi 14h-16h", "place": "Lyon 69003", "places": "2"},
        )
        convo.replies = (await app.dispatcher.handle(event)).replies
    return convo.text


@pytest.mark.parametrize(("kind", "how"), ACTIONS, ids=[a[1] for a in ACTIONS])
async def test_only_the_associations_coordinators_may_act(
    app_any_db: App, clock: ManualClock, kind: str, how: str
) -> None:
    app = app_any_db
    facts = await world(app)
    before = await snapshot(app, facts["a"])
    on_a = "{m}" in how or how in {"/config canal", "/config referents", "/delier"}
    for who in ("stranger", "volunteer", "other"):
        text = await act(app, who, kind, how, facts["mission"])
        if who != "other" or on_a:
            assert any(refusal in text for refusal in REFUSALS), (who, text)
        # The other association's coordinator may act in their own association, never on A.
        assert SECRET_TITLE not in text, (who, text)
        assert PARTICIPANT not in text, (who, text)
        assert await snapshot(app, facts["a"]) == before, f"{who} changed A with {how}"
    text = await act(app, "coordinator", kind, how, facts["mission"])
    assert "réservée aux coordinateurs" not in text
    assert "Je ne trouve pas cette mission" not in text
