"""Announcements in the chat, end to end through the dispatcher and the outbox: volunteers opt
in (all, an area, a topic) and out in one tap; a coordinator drafts, previews with the count,
confirms once; only the right people get it, once; the report counts what happened."""

from __future__ import annotations

from datetime import timedelta

from bot.clock import ManualClock
from bot.delivery import Unreachable
from bot.types import Outgoing, Platform
from bot.wiring import App
from handlers.announce import PROGRESS_EVERY, TEXT_MAX
from storage.outbox import DeliveryStatus
from tests.harness import Conversation, Inbox
from tests.unit.test_missions_chat import coordinator, one_line, volunteer


async def subscribe_all(convo: Conversation) -> None:
    await convo.send("/abonnements")
    assert "aucune annonce" in convo.text
    await convo.press("Toutes les annonces")
    assert "vous recevrez toutes les annonces" in convo.text


async def draft(claire: Conversation, text: str) -> None:
    await claire.send("/annonce")
    assert "texte de votre annonce" in claire.text
    await claire.send(text)
    assert "À qui l'envoyer" in claire.text


async def finish(app: App, clock: ManualClock, inbox: Inbox) -> None:
    """Queue, deliver, then let the progress job see that everything went."""
    for _ in range(4):
        await inbox.deliver()
        clock.advance(PROGRESS_EVERY + timedelta(seconds=1))
    await inbox.deliver()


async def test_only_subscribers_get_it_once_and_the_coordinator_gets_a_report(
    app: App, clock: ManualClock
) -> None:
    claire = await coordinator(app)
    marie, paul, lea = (
        volunteer(app, u, n) for u, n in [("m", "Marie"), ("p", "Paul"), ("l", "Léa")]
    )
    await subscribe_all(marie)
    await subscribe_all(paul)
    await lea.send("/start")  # never opted in

    await draft(claire, "Collecte samedi, il manque 5 **bras** !")
    await claire.press("Tous les abonnés (2)")
    assert "Aperçu" in claire.text
    assert "il manque 5 **bras** !" in claire.text, "typed markup shows as typed"
    assert "2 personne(s)" in claire.text
    send = claire.button_data("Envoyer à 2")
    await claire.press("Envoyer à 2")
    assert "envoi à 2 personne(s)" in claire.text
    assert claire.replies[0].edit, "the preview becomes the progress message"
    await claire.press_data(send)
    assert "déjà partie" in claire.text

    inbox = Inbox(app)
    await finish(app, clock, inbox)
    for person in (marie, paul):
        (_received,) = inbox.open(person)
        assert "Collecte samedi" in person.text
        assert "Ne plus recevoir ces annonces" in person.labels[0]
    assert inbox.open(lea) == ()
    inbox.open(claire)
    assert "Votre annonce est partie" in claire.text
    assert "Reçue : 2" in claire.text
    assert "Injoignables (bot bloqué ou messages privés fermés) : 0" in claire.text
    counts = await app.services.outbox.announcement_counts(1)
    assert counts[DeliveryStatus.SENT] == 2
    assert sum(counts.values()) == 2

    # One tap on "stop" and the next announcement does not reach Marie.
    await marie.press("Ne plus recevoir")
    assert "vous ne recevrez plus d'annonces" in marie.text
    await draft(claire, "Réunion mardi")
    await claire.press("Tous les abonnés (1)")
    await claire.press("Envoyer à 1")
    await finish(app, clock, inbox)
    assert inbox.open(marie) == ()
    inbox.open(paul)
    assert "Réunion mardi" in paul.text


async def test_areas_and_topics_reach_the_people_who_chose_them(
    app: App, clock: ManualClock
) -> None:
    claire = await coordinator(app)
    lyon3, rhone, paris, garden, everything = (
        volunteer(app, u, u.title()) for u in ("lyon3", "rhone", "paris", "garden", "all")
    )
    await lyon3.send("/abonnements")
    await lyon3.press("près de chez moi")
    await lyon3.send("69003")
    assert "69003 Lyon" in lyon3.text
    await rhone.send("/abonnements")
    await rhone.press("près de chez moi")
    await rhone.send("69")
    assert "département 69" in rhone.text
    await paris.send("/abonnements")
    await paris.press("près de chez moi")
    await paris.send("nowhere-ville")
    assert "Je ne trouve pas" in paris.text
    await paris.send("Paris 11")
    await garden.send("/abonnements")
    await garden.press("certains sujets")
    await garden.press("Un autre sujet")
    await garden.send("Jardinage")
    assert "#jardinage" in garden.text
    await subscribe_all(everything)

    inbox = Inbox(app)
    await draft(claire, "Distribution à Lyon 3e")
    await claire.press("Un secteur")
    await claire.send("69003")
    assert "4 personne(s)" not in claire.text
    assert "3 personne(s)" in claire.text  # lyon3, the whole Rhône, and "everything"
    await claire.press("Envoyer")
    await finish(app, clock, inbox)
    assert set(inbox.waiting) >= {"lyon3", "rhone", "all"}
    assert "paris" not in inbox.waiting
    assert "garden" not in inbox.waiting
    inbox.waiting.clear()

    await draft(claire, "Atelier jardinage")
    await claire.press("Un sujet")
    await claire.press("#jardinage")
    assert "2 personne(s)" in claire.text
    await claire.press("Envoyer")
    await finish(app, clock, inbox)
    assert set(inbox.waiting) - {"coord"} == {"garden", "all"}


async def test_the_people_of_one_mission(app: App, clock: ManualClock) -> None:
    claire = await coordinator(app)
    await one_line(claire, "Tri des dons ; samedi 14h-17h ; 69003 Lyon ; 3")
    marie = volunteer(app, "m", "Marie")
    await marie.send("/missions")
    await marie.press("Je m'inscris")
    await draft(claire, "Rendez-vous à la porte B")
    await claire.press("inscrits d'une mission")
    await claire.press("Tri des dons")
    assert "1 personne(s)" in claire.text
    await claire.press("Envoyer")
    inbox = Inbox(app)
    await finish(app, clock, inbox)
    inbox.open(marie)
    announcement = [r for r in marie.replies if "porte B" in r.text]
    assert announcement
    assert "inscrit(e) à la mission « Tri des dons »" in announcement[0].text


async def test_bad_input_gets_a_clear_answer_and_nothing_is_sent(
    app: App, clock: ManualClock
) -> None:
    claire = await coordinator(app)
    marie = volunteer(app, "m", "Marie")
    await marie.send("/annonce")
    assert "réservée aux coordinateurs" in marie.text
    await marie.press_data("an:s:0123456789ab")
    assert "réservée aux coordinateurs" in marie.text

    await claire.send("/annonce")
    await claire.send("   ")
    assert "L'annonce est vide" in claire.text
    await claire.send("x" * (TEXT_MAX + 1))
    assert "trop longue" in claire.text
    await claire.send("Bonjour à tous")
    await claire.press("Tous les abonnés (0)")
    assert "Personne n'est concerné" in claire.text
    assert not any("Envoyer" in label for label in claire.labels)
    await claire.press_data("an:s:forgedforged")
    assert "n'existe plus" in claire.text

    group = Conversation(app.dispatcher, user_id="coord", chat_id="group-1", private=False)
    await group.send("/annonce")
    assert "en privé" in group.text
    inbox = Inbox(app)
    await finish(app, clock, inbox)
    assert await app.services.outbox.counts("ann:") == {}


async def test_blocked_people_are_marked_unreachable_and_skipped_until_they_return(
    app: App, clock: ManualClock
) -> None:
    claire = await coordinator(app)
    marie, paul = volunteer(app, "m", "Marie"), volunteer(app, "p", "Paul")
    await subscribe_all(marie)
    await subscribe_all(paul)
    tries: list[str] = []
    reports: list[str] = []

    async def send(outgoing: Outgoing) -> None:
        tries.append(outgoing.chat_id)
        if outgoing.chat_id == "coord":
            reports.append(app.services.catalogue.render(outgoing.reply, outgoing.locale).text)
        if outgoing.chat_id == "p":
            raise Unreachable("Forbidden: bot was blocked by the user")

    async def deliver() -> None:
        for _ in range(4):
            await app.worker.tick()
            await app.delivery(Platform.CONSOLE, send).drain()
            clock.advance(PROGRESS_EVERY + timedelta(seconds=1))

    await draft(claire, "Première")
    await claire.press("Tous les abonnés (2)")
    await claire.press("Envoyer")
    await deliver()
    assert tries.count("p") == 1, "no retry for a blocked person"
    assert "Injoignables (bot bloqué ou messages privés fermés) : 1" in reports[-1]
    counts = await app.services.outbox.announcement_counts(1)
    assert counts[DeliveryStatus.UNREACHABLE] == 1

    await draft(claire, "Deuxième")
    await claire.press("Tous les abonnés (2)")
    await claire.press("Envoyer")
    await deliver()
    assert tries.count("p") == 1, "the next broadcast does not even try"

    await paul.send("/start")  # Paul unblocked the bot and wrote again
    await draft(claire, "Troisième")
    await claire.press("Tous les abonnés (2)")
    await claire.press("Envoyer")
    await deliver()
    assert tries.count("p") == 2


async def test_announcements_can_also_be_posted_in_linked_groups(
    app: App, clock: ManualClock
) -> None:
    claire = await coordinator(app)
    association = await app.services.associations.first()
    assert association is not None
    await app.services.announcements.link_channel(
        association.id, "console", "group-1", "Groupe des bénévoles"
    )
    await draft(claire, "Fermeture exceptionnelle lundi")
    await claire.press("Tous les abonnés (0)")
    assert "Publiée aussi dans : Groupe des bénévoles" in claire.text
    await claire.press("Envoyer à 0")
    sent: list[Outgoing] = []

    async def send(outgoing: Outgoing) -> None:
        sent.append(outgoing)

    for _ in range(3):
        await app.worker.tick()
        await app.delivery(Platform.CONSOLE, send).drain()
        clock.advance(PROGRESS_EVERY + timedelta(seconds=1))
    posts = [o for o in sent if o.chat_id == "group-1"]
    assert len(posts) == 1
    assert posts[0].is_group
