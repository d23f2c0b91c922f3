"""Personal data on real databases: everything a person did is in their export, nothing of
them remains after they erase it, and two identities of one person join into one."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from bot.clock import ManualClock
from bot.types import Platform
from bot.wiring import App
from storage.models import Base, KbQuestion, OutboxMessage
from storage.outbox import DeliveryStatus, NewMessage
from storage.records import Role, SignUpStatus
from tests.factories import a_mission
from tests.harness import Conversation

NAME = "Zéphirine Quelquefois"
USER_ID = "tg-98765"
QUESTION = "comment proteger mon compte macrame contre le piratage"


def zephirine(app: App) -> Conversation:
    return Conversation(app.dispatcher, user_id=USER_ID, name=NAME, platform=Platform.TELEGRAM)


async def mission(app: App, title: str, days: float) -> int:
    return (await a_mission(app, title, days=days)).id


async def a_full_life(app: App, clock: ManualClock) -> tuple[Conversation, int, int]:
    """Zéphirine uses everything: profile, a question, subscriptions, two missions (one
    past), coordination (a mission of her own, an announcement, the log)."""
    z = zephirine(app)
    await z.send("/start")
    await z.send("/profil")
    await z.press("Nom")
    await z.send(NAME)
    await z.press("Secteur")
    await z.send("69003")
    await z.press("Centres d'intérêt")
    await z.send("macramé, informatique")
    await z.send(QUESTION)
    await z.send("/humain aide pour mon compte macramé")
    await z.send("/abonnements")
    await z.press("Toutes les annonces")
    past = await mission(app, "Vide-grenier", days=1)
    future = await mission(app, "Collecte d'hiver", days=10)
    await z.press_data(f"mi:s:{past}")
    await z.press_data(f"mi:s:{future}")
    services = app.services
    person = await services.volunteers.identify("telegram", USER_ID, None)
    association = await services.associations.first()
    assert association is not None
    await services.associations.set_role(person.id, association.id, Role.COORDINATOR)
    await z.send("/nouvelle_mission Atelier tricot ; samedi 14h-16h ; Lyon 69003 ; 3")
    await z.press("Publier")
    await z.send("/annonce Réunion jeudi")
    await z.press("Tous les abonnés")
    await z.press("Envoyer")
    clock.advance(timedelta(days=2))  # the first mission is in the past now
    return z, person.id, future


async def everything_stored(app: App) -> list[tuple[str, str, Any]]:
    """Every value of every column of every table, as (table, column, value)."""
    found = []
    async with app.services.db.read() as session:
        for table in Base.metadata.sorted_tables:
            for row in (await session.execute(select(table))).mappings():
                for column, value in row.items():
                    found.append((table.name, column, value))
    return found


def mentions(value: Any, needles: list[str]) -> bool:
    text = json.dumps(value, ensure_ascii=False, default=str) if value is not None else ""
    return any(needle.casefold() in text.casefold() for needle in needles)


async def test_the_export_holds_everything_and_erasing_leaves_no_trace(
    app_any_db: App, clock: ManualClock
) -> None:
    app = app_any_db
    z, volunteer_id, future = await a_full_life(app, clock)

    await z.send("/mes_donnees")
    [export] = [f for reply in z.replies for f in reply.files]
    data = json.loads(export.content)
    assert data["profile"]["display_name"] == NAME
    assert data["profile"]["area"] == "69003 Lyon 3e Arrondissement"
    assert data["profile"]["interests"] == ["macramé", "informatique"]
    assert data["identities"][0]["user_id"] == USER_ID
    assert {s["mission"] for s in data["sign_ups"]} == {"Vide-grenier", "Collecte d'hiver"}
    assert data["questions"][0]["text"] == QUESTION
    assert data["help_requests"][0]["question"] == "aide pour mon compte macramé"
    assert data["announcement_choices"][0]["scope"] == "all"
    assert data["missions_created"][0]["title"] == "Atelier tricot"
    assert data["announcements_written"][0]["text"] == "Réunion jeudi"
    assert {a["action"] for a in data["coordinator_actions"]} >= {
        "mission_created",
        "announcement_sent",
    }

    services = app.services
    association = await services.associations.first()
    assert association is not None
    before = await services.missions.get(association.id, future)
    assert before is not None
    assert before.taken == 1

    await z.send("/supprimer_mes_donnees")
    assert "définitif" in z.text
    await z.press("Oui, tout supprimer")
    assert "vos données sont effacées" in z.text

    leftovers = [
        (table, column, value)
        for table, column, value in await everything_stored(app)
        if mentions(value, [NAME, USER_ID, QUESTION, "macramé"])
        or (column in {"volunteer_id", "created_by", "actor_id"} and value == volunteer_id)
        or (table == "volunteers" and column == "id" and value == volunteer_id)
    ]
    assert leftovers == []
    after = await services.missions.get(association.id, future)
    assert after is not None
    assert after.taken == 0, "her upcoming place went back"
    past = await services.missions.upcoming(association.id, limit=10)
    assert all(m.title != "Vide-grenier" for m in past)
    kept = [
        value
        for table, column, value in await everything_stored(app)
        if table == "missions" and column == "taken"
    ]
    assert 1 in kept, "the past mission still counts her place, anonymously"
    assert any(
        table == "missions" and column == "title" and value == "Atelier tricot"
        for table, column, value in await everything_stored(app)
    ), "the association's own missions stay"


async def test_two_identities_of_one_person_join_and_separate(
    app_any_db: App, clock: ManualClock
) -> None:
    app = app_any_db
    services = app.services
    on_telegram = Conversation(
        app.dispatcher, user_id="t1", name="Marc", platform=Platform.TELEGRAM
    )
    on_discord = Conversation(
        app.dispatcher, user_id="d1", name="marc_d", platform=Platform.DISCORD
    )
    shared = await mission(app, "Maraude", days=5)
    only_discord = await mission(app, "Jardinage", days=6)
    await on_telegram.press_data(f"mi:s:{shared}")
    await on_discord.press_data(f"mi:s:{shared}")
    await on_discord.press_data(f"mi:s:{only_discord}")
    association = await services.associations.first()
    assert association is not None
    held = await services.missions.get(association.id, shared)
    assert held is not None
    assert held.taken == 2

    await on_telegram.send("/lier_compte")
    found = re.search(r"\d{4}-\d{4}", on_telegram.text)
    assert found is not None, on_telegram.text
    code = found.group(0)
    for wrong in ("0000-0000", "1111-1111"):
        await on_discord.send(f"/lier_compte {wrong}")
        assert "pas valable" in on_discord.text
    await on_discord.send(f"/lier_compte {code}")
    assert "vos comptes sont reliés" in on_discord.text
    assert "Discord" in on_discord.text
    assert "Telegram" in on_discord.text

    person = await services.volunteers.identify("telegram", "t1", None)
    same = await services.volunteers.identify("discord", "d1", None)
    assert person.id == same.id
    mine = await services.missions.of_volunteer(person.id, association.id)
    assert sorted(m.title for m, _ in mine) == ["Jardinage", "Maraude"]
    assert all(s.status is SignUpStatus.CONFIRMED for _, s in mine)
    merged = await services.missions.get(association.id, shared)
    assert merged is not None
    assert merged.taken == 1, "one person, one place"

    await on_discord.send("/delier_compte")
    assert "ce compte est séparé" in on_discord.text
    apart = await services.volunteers.identify("discord", "d1", None)
    assert apart.id != person.id
    await on_discord.send("/delier_compte")
    assert "n'est relié à aucun autre" in on_discord.text


async def test_codes_are_single_use_expire_and_tries_are_limited(
    app_any_db: App, clock: ManualClock
) -> None:
    services = app_any_db.services
    owner = await services.volunteers.identify("telegram", "o", "O")
    other = await services.volunteers.identify("discord", "x", "X")
    code, _ = await services.privacy.issue_code(owner.id)
    assert await services.privacy.redeem(code, owner.id) == "own"
    assert await services.privacy.redeem(code, other.id) == owner.id
    assert await services.privacy.redeem(code, other.id) == "invalid"

    late, _ = await services.privacy.issue_code(owner.id)
    clock.advance(timedelta(minutes=11))
    assert await services.privacy.redeem(late, other.id) == "invalid"

    clock.advance(timedelta(hours=1))  # the two wrong tries above are forgotten
    guessed, _ = await services.privacy.issue_code(owner.id)
    for attempt in range(5):
        assert await services.privacy.redeem(f"{attempt:08d}", other.id) == "invalid"
    assert await services.privacy.redeem(guessed, other.id) == "blocked"
    clock.advance(timedelta(hours=1, minutes=1))
    fresh, _ = await services.privacy.issue_code(owner.id)
    assert await services.privacy.redeem(fresh, other.id) == owner.id


async def test_inactive_profiles_are_erased_after_the_retention_period(
    app_any_db: App, clock: ManualClock
) -> None:
    services = app_any_db.services
    sleeper = Conversation(
        app_any_db.dispatcher, user_id="s", name="Sleeper", platform=Platform.TELEGRAM
    )
    await sleeper.send("/start")
    clock.advance(timedelta(days=30 * 23))
    awake = Conversation(
        app_any_db.dispatcher, user_id="a", name="Awake", platform=Platform.TELEGRAM
    )
    await awake.send("/start")
    await app_any_db.worker.tick()
    assert await services.volunteers.count() == 2
    clock.advance(timedelta(days=60))
    await app_any_db.worker.tick()
    names = await services.volunteers.names(list(range(1, 10)))
    assert "Sleeper" not in names.values()
    assert "Awake" in names.values()


async def test_personal_messages_are_deleted_a_month_after_delivery(
    app_any_db: App, clock: ManualClock
) -> None:
    services = app_any_db.services
    marie = Conversation(app_any_db.dispatcher, user_id="m", name="Marie")
    await marie.send("/start")
    volunteer = await services.volunteers.identify("console", "m", "Marie")
    body = {"text": {"literal": "Votre binôme vous écrit : bonjour"}}

    def personal(key: str, status: DeliveryStatus) -> NewMessage:
        return NewMessage(key, volunteer.id, "console", "m", "fr", body, status=status)

    await services.outbox.enqueue_many(
        [
            personal("old-sent", DeliveryStatus.SENT),
            personal("old-unreachable", DeliveryStatus.UNREACHABLE),
            personal("old-pending", DeliveryStatus.PENDING),
            NewMessage.group("old-post", "telegram", "-100", "fr", body),
        ]
    )
    clock.advance(timedelta(days=31))
    await services.outbox.enqueue_many([personal("new-sent", DeliveryStatus.SENT)])
    await app_any_db.worker.tick()
    async with services.db.read() as session:
        keys = set((await session.execute(select(OutboxMessage.key))).scalars())
    assert keys == {"old-pending", "old-post", "new-sent"}


async def test_questions_are_deleted_a_month_after_they_were_asked(
    app_any_db: App, clock: ManualClock
) -> None:
    asker = Conversation(app_any_db.dispatcher, user_id="q", name="Quentin")
    for text, days_later in (
        ("comment envoyer une pièce jointe", 20),
        ("quelle est la recette des crêpes", 11),
        ("mot de passe oublié", 0),
    ):
        await asker.send(text)
        clock.advance(timedelta(days=days_later))
    await app_any_db.worker.tick()
    async with app_any_db.services.db.read() as session:
        texts = set((await session.execute(select(KbQuestion.text))).scalars())
    assert texts == {"quelle est la recette des crêpes", "mot de passe oublié"}


async def test_forgetting_questions_goes_by_batches_and_stops_at_the_first_to_keep(
    app_any_db: App, clock: ManualClock
) -> None:
    questions = app_any_db.services.kb_questions
    volunteer = await app_any_db.services.volunteers.identify("console", "m", "Marie")

    async def ask(text: str) -> None:
        await questions.record(
            association_id=None,
            volunteer_id=volunteer.id,
            text=text,
            lang="fr",
            outcome="none",
            tutorial_id=None,
            suggestions=[],
        )

    for n in range(5):
        await ask(f"old {n}")
    clock.advance(timedelta(days=2))
    cutoff = clock.now()
    await ask("new")
    clock.advance(timedelta(days=2))
    assert await questions.forget_before(cutoff, batch=2) == 5
    assert await questions.forget_before(cutoff, batch=2) == 0
    async with app_any_db.services.db.read() as session:
        texts = list((await session.execute(select(KbQuestion.text))).scalars())
    assert texts == ["new"]
