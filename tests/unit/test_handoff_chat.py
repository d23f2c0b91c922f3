"""Human help through the dispatcher and the outbox: mentors offer and are approved, an
unanswered question becomes a request, a mentor on another platform takes it, messages are
relayed both ways, the conversation ends with "did it help?"; nobody left waiting."""

from __future__ import annotations

import shutil
from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import update

import knowledge
from bot.clock import ManualClock
from bot.config import Settings
from bot.types import Event, Outgoing, Platform, RenderedReply
from bot.wiring import App, build_app
from handlers.handoff import daytime_deadline, guess_topic
from storage.models import PlatformIdentity
from tests.harness import Conversation
from tests.unit.test_missions_chat import coordinator

PARIS = ZoneInfo("Europe/Paris")


class Inboxes:
    """What the bot sends on its own, on every platform, kept per chat."""

    def __init__(self, app: App) -> None:
        self.app = app
        self.waiting: dict[tuple[str, str], list[RenderedReply]] = defaultdict(list)

    async def deliver(self) -> None:
        await self.app.worker.tick()
        for platform in Platform:

            async def send(outgoing: Outgoing, platform: Platform = platform) -> None:
                rendered = self.app.services.catalogue.render(outgoing.reply, outgoing.locale)
                self.waiting[(platform.value, outgoing.chat_id)].append(rendered)

            await self.app.delivery(platform, send).drain(limit=500)

    async def open(self, convo: Conversation) -> str:
        """Deliver, hand the person what came for them, and return it as text."""
        await self.deliver()
        received = tuple(self.waiting.pop((convo.chat.platform.value, convo.chat.chat_id), ()))
        convo.replies = received
        return convo.text


def person(app: App, platform: Platform, user_id: str, name: str) -> Conversation:
    return Conversation(app.dispatcher, user_id=user_id, name=name, platform=platform)


async def become_mentor(mentor: Conversation, claire: Conversation, inboxes: Inboxes) -> None:
    await mentor.send("/devenir_referent")
    assert "Avec quoi êtes-vous à l'aise" in mentor.text
    await mentor.press("e-mail")
    assert "✅ e-mail" in mentor.labels
    await mentor.press("un peu de tout")
    await mentor.press("C'est tout")
    await mentor.press("en semaine")
    assert "Un coordinateur va valider" in mentor.text
    assert "propose d'aider" in await inboxes.open(claire)
    await claire.press("Accepter")
    assert "est référent" in claire.text
    assert "Vous êtes référent numérique" in await inboxes.open(mentor)


async def two_mentors(app: App) -> tuple[Inboxes, Conversation, Conversation, Conversation]:
    """Claire coordinates; Tom (on Discord) and Léa (on Telegram) are approved mentors."""
    inboxes = Inboxes(app)
    claire = await coordinator(app)
    tom = person(app, Platform.DISCORD, "900", "Tom")
    lea = person(app, Platform.TELEGRAM, "700", "Léa")
    await become_mentor(tom, claire, inboxes)
    await become_mentor(lea, claire, inboxes)
    return inboxes, claire, tom, lea


async def test_an_unanswered_question_is_taken_by_a_mentor_on_another_platform(
    app: App,
) -> None:
    inboxes, _, tom, lea = await two_mentors(app)

    marie = person(app, Platform.TELEGRAM, "100", "Marie")
    await marie.send("quelle est la recette du gâteau basque de ma tante")
    await marie.press("Parler à une personne")
    assert "C'est transmis aux référents" in marie.text

    assert "Marie** a besoin d'aide" not in await inboxes.open(tom)  # plain text, no markup
    assert "Marie a besoin d'aide" in tom.text
    assert "gâteau basque" in tom.text
    take = tom.button_data("Je m'en occupe")
    assert "Marie a besoin d'aide" in await inboxes.open(lea)
    await tom.press_data(take)
    assert "Vous aidez Marie" in tom.text
    await lea.press_data(take)
    assert "Quelqu'un s'en occupe déjà" in lea.text
    assert "Tom s'occupe de votre question" in await inboxes.open(marie)

    for n in range(3):
        assert await marie.send(f"question {n} de Marie") == ()
        assert f"Marie : question {n} de Marie" in await inboxes.open(tom)
        assert await tom.send(f"réponse {n} de Tom") == ()
        assert f"Tom : réponse {n} de Tom" in await inboxes.open(marie)
    photo = Event(
        user=marie.user, chat=marie.chat, received_at=app.services.clock.now(), unsupported="photo"
    )
    await app.dispatcher.handle(photo)
    assert "a envoyé une photo, que je ne peux pas transmettre" in await inboxes.open(tom)
    assert "100" not in tom.text, "the other side's platform id is never shown"

    await marie.press("Terminer")
    assert "Conversation terminée" in marie.text
    assert "Marie a terminé la conversation" in await inboxes.open(tom)
    assert "utile" in await inboxes.open(marie)
    yes = marie.button_data("Oui")
    await marie.press_data(yes)
    assert "ça fait plaisir" in marie.text
    await marie.press_data(yes)
    assert "C'est déjà noté" in marie.text
    await tom.send("encore là ?")
    assert "Marie" not in await inboxes.open(marie), "nothing is relayed after the end"


async def test_nobody_left_waiting_coordinators_are_told_and_the_asker_too(
    app: App, clock: ManualClock
) -> None:
    inboxes = Inboxes(app)
    claire = await coordinator(app)
    paul = person(app, Platform.TELEGRAM, "200", "Paul")
    clock.set(datetime(2026, 11, 20, 19, 0, tzinfo=PARIS))  # Friday, 7 pm
    await paul.send("/humain mon imprimante ne veut plus imprimer")
    assert "normalement avant le samedi 21 novembre 2026 à 9 h 00" in paul.text
    assert "Aucun référent n'est disponible" in await inboxes.open(claire)
    clock.advance(timedelta(hours=13, minutes=59))
    assert "Personne n'a pris" not in await inboxes.open(claire), "not before the deadline"
    clock.advance(timedelta(minutes=2))
    assert "Personne n'a pris cette demande" in await inboxes.open(claire)
    assert "Aucun référent n'est libre" in await inboxes.open(paul)
    await claire.press("Je m'en occupe")
    assert "Vous aidez Paul" in claire.text


async def test_a_person_cannot_take_their_own_request_nor_someone_elses_conversation(
    app: App,
) -> None:
    inboxes = Inboxes(app)
    claire = await coordinator(app)
    nina = person(app, Platform.TELEGRAM, "300", "Nina")
    await nina.send("/humain aide avec mon mot de passe")
    await inboxes.open(claire)
    take = claire.button_data("Je m'en occupe")
    await nina.press_data(take)
    assert "Seuls les référents" in nina.text
    stranger = person(app, Platform.TELEGRAM, "301", "Intrus")
    await stranger.press_data(take)
    assert "Seuls les référents" in stranger.text
    await stranger.press_data(take.replace("take", "close"))
    assert "n'est plus valable" in stranger.text


def test_deadlines_count_daytime_hours_only() -> None:
    two = timedelta(hours=2)
    morning = datetime(2026, 11, 24, 10, 0, tzinfo=PARIS)
    assert daytime_deadline(morning, two, PARIS) == datetime(2026, 11, 24, 12, 0, tzinfo=PARIS)
    evening = datetime(2026, 11, 24, 19, 0, tzinfo=PARIS)
    assert daytime_deadline(evening, two, PARIS) == datetime(2026, 11, 25, 9, 0, tzinfo=PARIS)
    night = datetime(2026, 11, 24, 23, 30, tzinfo=PARIS).astimezone(UTC)
    assert daytime_deadline(night, two, PARIS) == datetime(2026, 11, 25, 10, 0, tzinfo=PARIS)


def test_topics_are_guessed_from_the_words() -> None:
    assert guess_topic("comment joindre une PJ à un mail") == "email"
    assert guess_topic("Mon téléphone ne sonne plus") == "smartphone"
    assert guess_topic("j'ai reçu un SMS d'arnaque") in {"smartphone", "securite"}
    assert guess_topic("la recette du gâteau") is None


async def test_a_mentor_turns_the_exchange_into_a_tutorial_a_coordinator_publishes(
    tmp_path: Path, settings_for: Callable[[str], Settings], clock: ManualClock
) -> None:
    tutorials = tmp_path / "tutorials"
    shutil.copytree(Path(knowledge.__file__).parent / "tutorials", tutorials)
    settings = settings_for(f"sqlite:///{tmp_path / 'drafts.db'}").model_copy(
        update={"knowledge_dir": tutorials}
    )
    app = await build_app(settings, clock=clock)
    try:
        inboxes = Inboxes(app)
        claire = await coordinator(app)
        tom = person(app, Platform.DISCORD, "900", "Tom")
        await become_mentor(tom, claire, inboxes)
        marie = person(app, Platform.TELEGRAM, "100", "Marie")
        await marie.send("/humain comment scanner un document avec mon téléphone")
        await inboxes.open(tom)
        await tom.press("Je m'en occupe")
        await tom.press("Terminer")
        await tom.press("En faire un tutoriel")
        assert "Quel titre court" in tom.text
        await tom.send("Scanner un document avec son téléphone")
        await tom.send("une seule étape")
        assert "entre 2 et 10 étapes" in tom.text
        await tom.send(
            "1. Ouvrez l'appli Appareil photo\n2. Visez le document\n3. Touchez « Scanner »"
        )
        assert "Le brouillon est enregistré" in tom.text

        await claire.send("/kb brouillons")
        assert "Scanner un document avec son téléphone" in claire.text
        assert "2. Visez le document" in claire.text
        publish = claire.button_data("Publier")
        await claire.press_data(publish)
        assert "est publié" in claire.text
        written = list((tutorials / "publies").glob("*.md"))
        assert len(written) == 1
        answer = app.services.knowledge.get(written[0].stem)
        assert answer is not None
        assert answer.title == "Scanner un document avec son téléphone"
        await claire.press_data(publish)
        assert "déjà été traité" in claire.text
    finally:
        await app.close()


async def test_a_newcomer_gets_a_regular_mentor_who_is_asked_first(
    app: App, clock: ManualClock
) -> None:
    inboxes, _, tom, lea = await two_mentors(app)
    services = app.services
    for user_id, platform, area in (
        ("900", "discord", "69003 Lyon"),
        ("700", "telegram", "75011 Paris"),
    ):
        someone = await services.volunteers.identify(platform, user_id, None)
        await services.volunteers.set_area(someone.id, area)

    marie = person(app, Platform.TELEGRAM, "100", "Marie")
    await marie.send("/profil")
    await marie.press("Secteur")
    await marie.send("69003")
    await marie.send("/binome")
    assert "Je vous propose Tom comme binôme" in marie.text
    await marie.press("Oui, demandez-lui")
    assert "C'est demandé à Tom" in marie.text
    assert "aimerait que vous soyez son référent habituel" in await inboxes.open(tom)
    await tom.press("J'accepte")
    assert "Vous êtes le binôme de Marie" in tom.text
    assert "Tom a accepté d'être votre binôme" in await inboxes.open(marie)
    await marie.send("/binome")
    assert "Votre binôme est Tom" in marie.text

    clock.set(datetime(2026, 11, 23, 10, 0, tzinfo=PARIS))  # a Monday morning
    await marie.send("/humain je n'arrive pas à envoyer un mail")
    assert "Marie a besoin d'aide" in await inboxes.open(tom)
    assert "Marie a besoin d'aide" not in await inboxes.open(lea), "her buddy first"
    clock.advance(timedelta(hours=1, minutes=1))
    assert "Marie a besoin d'aide" in await inboxes.open(lea), "then the others"

    await lea.send("/binome")
    assert "Je vous propose Tom" in lea.text, "mentors do not get themselves"
    await lea.press("Quelqu'un d'autre")
    assert "Aucun référent n'est disponible" in lea.text, "a declined mentor is not proposed again"


async def test_a_message_to_someone_who_blocked_the_bot_is_not_lost_silently(app: App) -> None:
    inboxes, _, tom, _ = await two_mentors(app)
    marie = person(app, Platform.TELEGRAM, "100", "Marie")
    await marie.send("/humain mon mail ne marche plus")
    await inboxes.open(tom)
    await tom.press("Je m'en occupe")
    await inboxes.open(marie)
    async with app.services.db.write() as session:
        await session.execute(
            update(PlatformIdentity)
            .where(PlatformIdentity.platform_user_id == "100")
            .values(unreachable_at=app.services.clock.now())
        )
    await tom.send("Bonjour Marie, je suis là")
    assert "Je n'arrive pas à joindre l'autre personne" in tom.text
