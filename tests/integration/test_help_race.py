"""Twenty mentors press "I'll take it" on the same request at the same moment: exactly one
gets it, on SQLite and on PostgreSQL."""

from __future__ import annotations

import asyncio

from bot.types import Platform
from bot.wiring import App
from storage.help import MentorStatus, RequestStatus
from tests.harness import Conversation

MENTORS = 20


async def test_exactly_one_of_twenty_mentors_takes_a_request(app_any_db: App) -> None:
    app = app_any_db
    services = app.services
    association = await services.associations.first()
    assert association is not None
    mentors = []
    for n in range(MENTORS):
        person = await services.volunteers.identify("telegram", f"m{n}", f"Mentor {n}")
        await services.associations.join(person.id, association.id)
        record = await services.help.offer(person.id, association.id, ["autre"], "souple")
        await services.help.set_mentor_status(record.id, association.id, MentorStatus.ACTIVE)
        mentors.append(
            Conversation(
                app.dispatcher, user_id=f"m{n}", name=f"Mentor {n}", platform=Platform.TELEGRAM
            )
        )
    asker = Conversation(app.dispatcher, user_id="asker", name="Asker", platform=Platform.TELEGRAM)
    await asker.send("/humain je n'arrive plus à ouvrir mes mails")
    someone = await services.volunteers.identify("telegram", "asker", None)
    request, created = await services.help.open_request(
        association.id, someone.id, "", None, services.clock.now()
    )
    assert not created, "the request made by /humain comes back"

    await asyncio.gather(*(m.press_data(f"hr:take:{request.id}") for m in mentors))

    winners = [m for m in mentors if "Vous aidez Asker" in m.text]
    losers = [m for m in mentors if "Quelqu'un s'en occupe déjà" in m.text]
    assert len(winners) == 1
    assert len(losers) == MENTORS - 1
    final = await services.help.get(request.id)
    assert final is not None
    assert final.status is RequestStatus.TAKEN
    winner = await services.volunteers.identify("telegram", winners[0].user.user_id, None)
    assert final.mentor_id == winner.id
