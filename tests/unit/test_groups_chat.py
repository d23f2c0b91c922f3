"""Linking groups with one-time codes, and a form that submits a whole mission, through the
dispatcher."""

from __future__ import annotations

import re
from datetime import timedelta

from bot.clock import ManualClock
from bot.types import Event, Platform
from bot.wiring import App
from handlers.mission_form import AGAIN_DATA, FORM_DATA
from storage.records import Role
from tests.harness import Conversation
from tests.unit.test_missions_chat import coordinator, volunteer

CODE = re.compile(r"(\d{4}-\d{4})")


def in_group(app: App, user_id: str, *, admin: bool) -> Conversation:
    return Conversation(
        app.dispatcher,
        user_id=user_id,
        name="Gérard",
        platform=Platform.TELEGRAM,
        chat_id="-100123",
        private=False,
        admin=admin,
    )


async def code_from(claire: Conversation) -> str:
    await claire.send("/lier")
    found = CODE.search(claire.text)
    assert found is not None, claire.text
    assert "10 minutes" in claire.text
    return found.group(1)


async def test_a_code_links_a_group_once_and_makes_its_administrator_a_coordinator(
    app: App,
) -> None:
    claire = await coordinator(app)
    code = await code_from(claire)

    stranger = in_group(app, "9", admin=False)
    await stranger.send(f"/lier {code}")
    assert "Seul un administrateur" in stranger.text

    gerard = in_group(app, "8", admin=True)
    await gerard.send(f"/lier {code}")
    assert "Ce groupe est relié" in gerard.text
    services = app.services
    association = await services.associations.first()
    assert association is not None
    channels = await services.announcements.channels(association.id)
    assert [c.chat_id for c in channels] == ["-100123"]
    person = await services.volunteers.identify("telegram", "8", None)
    assert await services.associations.role_of(person.id, association.id) is Role.COORDINATOR

    other = in_group(app, "7", admin=True)
    await other.send(f"/lier {code}")
    assert "n'est pas valable" in other.text


async def test_codes_expire_and_only_coordinators_get_one(app: App, clock: ManualClock) -> None:
    marie = volunteer(app, "m", "Marie")
    await marie.send("/lier")
    assert "réservé" in marie.text or "coordinat" in marie.text
    assert CODE.search(marie.text) is None

    claire = await coordinator(app)
    code = await code_from(claire)
    clock.advance(timedelta(minutes=11))
    gerard = in_group(app, "8", admin=True)
    await gerard.send(f"/lier {code}")
    assert "n'est pas valable" in gerard.text
    await gerard.send("/lier")
    assert "un coordinateur de l'association m'écrit /lier en privé" in gerard.text


async def submit(convo: Conversation, **values: str) -> None:
    event = Event(
        user=convo.user,
        chat=convo.chat,
        received_at=convo.dispatcher.services.clock.now(),
        button=FORM_DATA,
        form=values,
    )
    response = await convo.dispatcher.handle(event)
    convo.replies = response.replies


async def test_a_mission_form_lists_every_mistake_then_leads_to_the_preview(app: App) -> None:
    claire = await coordinator(app)
    await claire.send("/nouvelle_mission")
    assert claire.replies[-1].form is not None
    assert [f.name for f in claire.replies[-1].form.fields] == [
        "title",
        "when",
        "place",
        "places",
        "description",
    ]

    await submit(claire, title="", when="hier", place="Lyon", places="tous", description="")
    assert "Presque" in claire.text
    for field in ("Titre :", "Date et heures :", "Nombre de personnes :"):
        assert field in claire.text
    reopened = claire.replies[-1].form
    assert reopened is not None
    assert reopened.reopen == AGAIN_DATA
    assert {f.name: f.value for f in reopened.fields}["places"] == "tous"

    await claire.press_data(AGAIN_DATA)
    again = claire.replies[-1].form
    assert again is not None
    assert {f.name: f.value for f in again.fields}["when"] == "hier"

    await submit(
        claire,
        title="Maraude",
        when="samedi 19h-22h",
        place="Place Bellecour, 69002 Lyon",
        places="2",
        description="Repas chauds",
    )
    assert "Aperçu" in claire.text or "Maraude" in claire.text
    await claire.press("Publier")
    assert "Mission publiée" in claire.text

    marie = volunteer(app, "m", "Marie")
    await submit(marie, title="x", when="samedi 19h", place="Lyon", places="2")
    assert "coordinat" in marie.text
