"""Missions in the chat, end to end through the dispatcher: a coordinator creates a mission,
volunteers find it by postcode, sign up, get the .ics, cancel; the waitlist, offers, reminders,
and the polite refusals of bad input."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest

from bot.clock import ManualClock
from bot.config import Settings
from bot.wiring import App, Assets, build_app
from storage.records import Role
from tests.harness import Conversation, Inbox


async def coordinator(app: App, user_id: str = "coord", name: str = "Claire") -> Conversation:
    convo = Conversation(app.dispatcher, user_id=user_id, name=name)
    await convo.send("/start")
    services = app.services
    person = await services.volunteers.identify("console", user_id, None)
    association = await services.associations.first()
    assert association is not None
    await services.associations.set_role(person.id, association.id, Role.COORDINATOR)
    return convo


def volunteer(app: App, user_id: str, name: str) -> Conversation:
    return Conversation(app.dispatcher, user_id=user_id, name=name)


async def one_line(convo: Conversation, line: str) -> None:
    await convo.send(f"/nouvelle_mission {line}")
    assert "Publier" in " ".join(convo.labels), convo.text
    await convo.press("Publier")
    assert "Mission publiée" in convo.text, convo.text


async def test_guided_creation_then_find_by_postcode_sign_up_and_cancel(app: App) -> None:
    claire = await coordinator(app)
    await claire.send("/nouvelle_mission")
    assert "titre" in claire.text
    await claire.send("Collecte alimentaire")
    assert "Quel jour" in claire.text
    await claire.press("Demain")  # the clock says Friday 20 November 2026, 10:00 in Paris
    await claire.press("9 h")
    await claire.press("3 h")
    await claire.send("Place Bellecour, 69002 Lyon")
    await claire.press("2")
    await claire.press("Passer")
    assert "Collecte alimentaire" in claire.text
    assert "samedi 21 novembre 2026 à 9 h 00" in claire.text
    assert "12 h 00" in claire.text
    assert "Lyon" in claire.text
    await claire.press("Publier")
    assert "Mission publiée" in claire.text

    marie = volunteer(app, "marie", "Marie")
    await marie.send("/missions 69003")
    assert "Collecte alimentaire" in marie.text
    assert "km" in marie.text
    await marie.press("Je m'inscris")
    assert "vous êtes inscrit(e) à Collecte alimentaire" in marie.text
    (reply,) = marie.replies
    (ics,) = reply.files
    assert ics.filename.endswith(".ics")
    body = ics.content.decode()
    assert "BEGIN:VCALENDAR" in body
    assert "DTSTART:20261121T080000Z" in body  # 9:00 in Paris is 8:00 UTC in winter

    inbox = Inbox(app)
    await inbox.deliver()
    inbox.open(claire)
    assert "Marie s'est inscrit(e) à « Collecte alimentaire »" in claire.text

    await marie.send("/mes_missions")
    assert "Collecte alimentaire" in marie.text
    await marie.press("Annuler mon inscription")
    assert "C'est annulé" in marie.text
    await marie.send("/mes_missions")
    assert "aucune mission" in marie.text


async def test_far_away_missions_are_not_near_but_remote_ones_are(app: App) -> None:
    claire = await coordinator(app)
    await one_line(claire, "Tri des dons ; 28/11 14h-17h ; 13001 Marseille ; 5")
    await one_line(claire, "Appels aux adhérents ; 29/11 10h-12h ; à distance ; 3")
    marie = volunteer(app, "marie", "Marie")
    await marie.send("/missions 69003")
    assert "Appels aux adhérents" in marie.text
    assert "Tri des dons" not in marie.text
    await marie.send("/missions")
    assert "Tri des dons" in marie.text
    assert "Appels aux adhérents" in marie.text


async def test_near_me_by_location_pin_and_by_typed_town(app: App) -> None:
    claire = await coordinator(app)
    await one_line(claire, "Maraude ; 28/11 19h-22h ; 42000 Saint-Étienne ; 4")
    marie = volunteer(app, "marie", "Marie")
    await marie.share_location(45.44, 4.39)
    assert "Maraude" in marie.text
    await marie.send("/missions")
    await marie.press("Près de chez moi")
    assert "code postal" in marie.text
    await marie.send("st etienne")
    assert "Maraude" in marie.text
    await marie.send("/pres_de_moi")
    await marie.send("Trifouillis-les-Oies")
    assert "Je ne trouve pas" in marie.text


async def test_waitlist_offer_accepted_and_coordinator_told_when_full(app: App) -> None:
    claire = await coordinator(app)
    await one_line(claire, "Brocante solidaire ; 28/11 8h-13h ; 69003 Lyon ; 1")
    marie, paul = volunteer(app, "marie", "Marie"), volunteer(app, "paul", "Paul")
    inbox = Inbox(app)
    await marie.send("/missions")
    await marie.press("Je m'inscris")
    await paul.send("/missions")
    assert "complet" in paul.text
    await paul.press("Liste d'attente")
    assert "n°1 sur la liste d'attente" in paul.text
    await inbox.deliver()
    inbox.open(claire)
    assert "complète" in claire.text

    await marie.send("/mes_missions")
    await marie.press("Annuler mon inscription")
    await inbox.deliver()
    inbox.open(paul)
    assert "une place s'est libérée pour Brocante solidaire" in paul.text
    await paul.press("J'accepte")
    assert "vous êtes inscrit(e)" in paul.text
    assert paul.replies[0].files
    await paul.press_data(paul.button_data("Annuler"))  # the confirmation's own cancel button
    assert "C'est annulé" in paul.text


async def test_offer_not_answered_moves_on_after_the_deadline(app: App, clock: ManualClock) -> None:
    claire = await coordinator(app)
    await one_line(claire, "Distribution ; 28/11 8h-13h ; 69003 Lyon ; 1")
    marie, paul, jeanne = (volunteer(app, u, u.title()) for u in ("marie", "paul", "jeanne"))
    for person in (marie, paul, jeanne):
        await person.send("/missions")
        await person.press_data(_sign_up_data(person))
    inbox = Inbox(app)
    await marie.send("/mes_missions")
    await marie.press("Annuler mon inscription")
    await inbox.deliver()
    inbox.open(paul)
    assert "réservée jusqu'au vendredi 20 novembre 2026 à 22 h 00" in paul.text  # 12 hours
    clock.advance(timedelta(hours=11, minutes=59))
    await inbox.deliver()
    assert not inbox.open(jeanne)
    clock.advance(timedelta(minutes=2))
    await inbox.deliver()
    inbox.open(paul)
    assert "n'a pas été acceptée à temps" in paul.text
    inbox.open(jeanne)
    assert "une place s'est libérée pour Distribution" in jeanne.text
    await paul.press_data("mi:a:1")
    assert "plus valable" in paul.text


def _sign_up_data(person: Conversation) -> str:
    """The list's sign-up button, whether it offers a place or the waitlist."""
    for label in ("Je m'inscris", "Liste d'attente"):
        if any(label in shown for shown in person.labels):
            return person.button_data(label)
    raise AssertionError(person.labels)


async def test_second_tap_and_closed_mission_and_forged_buttons(app: App) -> None:
    claire = await coordinator(app)
    await one_line(claire, "Jardin partagé ; 28/11 10h-12h ; 69003 Lyon ; 3")
    marie = volunteer(app, "marie", "Marie")
    await marie.send("/missions")
    sign_up = marie.button_data("Je m'inscris")
    await marie.press_data(sign_up)
    await marie.press_data(sign_up)
    assert "déjà inscrit(e)" in marie.text
    await marie.press_data("mi:s:999")
    assert "Je ne trouve pas cette mission" in marie.text
    await marie.press_data("mi:s:abc")
    assert "plus valable" in marie.text
    await marie.press_data("ma:m:1")
    assert "réservée aux coordinateurs" in marie.text
    await marie.send("/nouvelle_mission")
    assert "réservée aux coordinateurs" in marie.text

    await claire.send("/gerer")
    await claire.press("Jardin partagé")
    await claire.press("Annuler la mission")
    await claire.send("Pluie annoncée")
    assert "1 personne(s) prévenue(s)" in claire.text
    inbox = Inbox(app)
    await inbox.deliver()
    inbox.open(marie)
    assert "Jardin partagé" in marie.text
    assert "Pluie annoncée" in marie.text
    await marie.press_data(sign_up)
    assert "a été annulée" in marie.text


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("Tri ; 02/11/2026 14h-17h ; 69003 Lyon ; 5", "déjà passée"),
        ("Tri ; 28/11 17h-14h ; 69003 Lyon ; 5", "La fin est avant le début"),
        ("Tri ; 31/02 14h-17h ; 69003 Lyon ; 5", "Je ne comprends pas cette date"),
        ("Tri ; 28/11 14h-17h ; 99999 ; 5", "Je ne connais pas le code postal 99999"),
        ("Tri ; 28/11 14h-17h ; 69003 Lyon ; 0", "entre 1 et 500"),
        ("Tri ; 28/11 14h-17h ; 69003 Lyon ; 100000", "entre 1 et 500"),
        ("Tri ; 28/11", "points-virgules"),
        ("x" * 130 + " ; 28/11 14h-17h ; 69003 Lyon ; 5", "trop long"),
    ],
)
async def test_one_line_creation_refuses_bad_input_politely(
    app: App, line: str, expected: str
) -> None:
    claire = await coordinator(app)
    await claire.send(f"/nouvelle_mission {line}")
    assert expected in claire.text
    assert await app.services.missions.managed(1, since=app.services.clock.now()) == []


async def test_reminder_fires_the_day_before_and_no_frees_the_place(
    app: App, clock: ManualClock
) -> None:
    claire = await coordinator(app)
    await one_line(claire, "Tri des dons ; 28/11 14h-17h ; 69003 Lyon ; 1")
    marie, paul = volunteer(app, "marie", "Marie"), volunteer(app, "paul", "Paul")
    await marie.send("/missions")
    await marie.press("Je m'inscris")
    await paul.send("/missions")
    await paul.press("Liste d'attente")
    inbox = Inbox(app)
    await inbox.deliver()
    inbox.waiting.clear()

    clock.set(clock.now().replace(day=27, hour=12, minute=59))  # 13:59 in Paris, the day before
    await inbox.deliver()
    assert not inbox.open(marie)
    clock.advance(timedelta(minutes=1))
    await inbox.deliver()
    inbox.open(marie)
    assert "Rappel : Tri des dons, c'est demain" in marie.text
    await marie.press("Non, je ne peux plus")
    assert "C'est annulé" in marie.text
    await inbox.deliver()
    inbox.open(paul)
    assert "une place s'est libérée" in paul.text
    await inbox.deliver()
    assert not inbox.open(marie), "the reminder is sent once"


async def test_reminders_can_be_turned_off(app: App, clock: ManualClock) -> None:
    claire = await coordinator(app)
    await one_line(claire, "Tri des dons ; 28/11 14h-17h ; 69003 Lyon ; 3")
    marie = volunteer(app, "marie", "Marie")
    await marie.send("/rappels")
    await marie.press("Désactiver")
    assert "désactivés" in marie.text
    await marie.send("/missions")
    await marie.press("Je m'inscris")
    clock.set(clock.now().replace(day=27, hour=14))
    inbox = Inbox(app)
    await inbox.deliver()
    assert not inbox.open(marie)


async def test_participants_list_and_csv(app: App) -> None:
    claire = await coordinator(app)
    await one_line(claire, "Tri des dons ; 28/11 14h-17h ; 69003 Lyon ; 1")
    for user in ("marie", "paul"):
        person = volunteer(app, user, user.title())
        await person.send("/missions")
        await person.press_data(_sign_up_data(person))
    await claire.send("/gerer")
    await claire.press("Tri des dons")
    await claire.press("Inscrits")
    assert "Marie : inscrit(e)" in claire.text
    assert "Paul : liste d'attente n°1" in claire.text
    (csv_file,) = claire.replies[0].files
    content = csv_file.content.decode("utf-8-sig")
    assert content.splitlines()[0] == "Nom;Statut;Rang d'attente"
    assert "Paul;liste d'attente n°1;1" in content


async def test_edit_date_tells_people_and_duplicate(app: App) -> None:
    claire = await coordinator(app)
    await one_line(claire, "Tri des dons ; 28/11 14h-17h ; 69003 Lyon ; 3")
    marie = volunteer(app, "marie", "Marie")
    await marie.send("/missions")
    await marie.press("Je m'inscris")
    await claire.send("/gerer")
    await claire.press("Tri des dons")
    await claire.press("Modifier")
    await claire.press("Date et heure")
    await claire.send("5/12 9h-12h")
    assert "1 personne(s) prévenue(s)" in claire.text
    assert "samedi 5 décembre 2026 à 9 h 00" in claire.text
    inbox = Inbox(app)
    await inbox.deliver()
    inbox.open(marie)
    assert "a changé" in marie.text
    assert "5 décembre" in marie.text

    await claire.send("/gerer")
    await claire.press("Tri des dons")
    await claire.press("Dupliquer")
    await claire.send("12/12")
    assert "samedi 12 décembre 2026 à 9 h 00" in claire.text
    await claire.press("Publier")
    missions = await app.services.missions.upcoming(1, limit=10)
    assert [m.starts_at.day for m in missions] == [5, 12]


async def test_a_restart_in_the_middle_of_the_dialogue_loses_nothing(
    sqlite_url: str, settings_for: Callable[[str], Settings], assets: Assets, clock: ManualClock
) -> None:
    first = await build_app(settings_for(sqlite_url), assets=assets, clock=clock)
    claire = await coordinator(first)
    await claire.send("/nouvelle_mission")
    await claire.send("Collecte")
    await claire.press("Demain")
    await first.close()
    second = await build_app(settings_for(sqlite_url), assets=assets, clock=clock)
    try:
        claire.dispatcher = second.dispatcher
        await claire.press("14 h")
        assert "Combien de temps" in claire.text
        await claire.send("/annuler")
        assert "annulé" in claire.text
    finally:
        await second.close()
