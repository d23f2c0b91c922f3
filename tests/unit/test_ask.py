"""Questions in the chat: answer, suggestions or none; feedback; /kb for coordinators."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.clock import ManualClock
from bot.config import DEFAULT_KNOWLEDGE_DIR, load_settings
from bot.wiring import App, build_app
from storage.records import Role
from tests.harness import Conversation


async def make_coordinator(app: App, convo: Conversation) -> None:
    await convo.send("/start")
    services = app.services
    person = await services.volunteers.identify("console", convo.user.user_id, None)
    association = await services.associations.first()
    assert association is not None
    await services.associations.set_role(person.id, association.id, Role.COORDINATOR)


async def test_confident_answer_with_feedback_buttons(convo: Conversation) -> None:
    await convo.send("cmt je met une piece jointe dans un mail")
    assert convo.text.startswith("Joindre un fichier à un e-mail")
    assert "trombone" in convo.text
    assert "Cela vous a aidé ?" in convo.text
    assert convo.labels == ["👍 Oui", "👎 Non", "🙋 Parler à une personne"]


async def test_off_topic_is_declined_with_a_human_offered(convo: Conversation) -> None:
    await convo.send("quelle est la recette des crêpes")
    assert "Je n'ai pas de tutoriel pour cette question" in convo.text
    assert "🙋 Parler à une personne" in convo.labels


async def test_ambiguous_question_offers_suggestions(convo: Conversation) -> None:
    await convo.send("mot de passe")
    assert "Vouliez-vous parler" in convo.text
    labels = convo.labels
    assert labels[-1] == "Aucune de celles-ci"
    assert 2 <= len(labels) <= 4
    assert any("oublié" in label for label in labels)


async def test_picking_a_suggestion_shows_it(convo: Conversation) -> None:
    await convo.send("mot de passe")
    await convo.press("oublié")
    assert convo.text.startswith("Mot de passe oublié")
    assert "Cela vous a aidé ?" in convo.text


async def test_none_of_these_leads_to_a_human(convo: Conversation) -> None:
    await convo.send("mot de passe")
    await convo.press("Aucune")
    assert "Je n'ai pas de tutoriel" in convo.text
    await convo.press("Parler à une personne")
    assert "C'est transmis aux référents" in convo.text


async def test_feedback_is_recorded_once(convo: Conversation) -> None:
    await convo.send("comment envoyer une pièce jointe ?")
    yes = convo.button_data("Oui")
    await convo.press_data(yes)
    assert convo.text == "Merci ! Bonne continuation."
    await convo.press_data(yes)
    assert convo.text == "C'est déjà noté, merci !"


async def test_nobody_can_give_feedback_for_someone_else(app: App) -> None:
    asker = Conversation(app.dispatcher, user_id="asker")
    await asker.send("comment envoyer une pièce jointe ?")
    no = asker.button_data("Non")
    stranger = Conversation(app.dispatcher, user_id="stranger")
    await stranger.press_data(no)
    assert "n'est plus valable" in stranger.text
    for forged in ("kb:n:999999", "kb:s:1:99", "kb:zz:1", "kb:y:abc", "kb:"):
        await stranger.press_data(forged)
        assert "n'est plus valable" in stranger.text


async def test_english_question_gets_english_guide(dispatcher: object) -> None:
    from bot.dispatcher import Dispatcher

    assert isinstance(dispatcher, Dispatcher)
    john = Conversation(dispatcher, user_id="john", language_code="en")
    await john.send("how do I reset my forgotten password")
    assert john.text.startswith("Reset a forgotten password")
    assert john.labels[0] == "👍 Yes"


async def test_english_question_answered_by_french_guide_says_so(dispatcher: object) -> None:
    from bot.dispatcher import Dispatcher

    assert isinstance(dispatcher, Dispatcher)
    john = Conversation(dispatcher, user_id="john", language_code="en")
    await john.send("how do I print a document on my printer")
    assert john.text.startswith("Imprimer un document")
    assert "(This guide only exists in French for now.)" in john.text


async def test_question_command_and_menu_button(convo: Conversation) -> None:
    await convo.send("/aide")
    await convo.press("Poser une question")
    assert "Écrivez-moi votre question" in convo.text
    await convo.send("/question comment faire une capture d'écran sur mon ordinateur")
    assert convo.text.startswith("Faire une capture d'écran sur l'ordinateur")


async def test_kb_is_for_coordinators_only(app: App, convo: Conversation) -> None:
    await convo.send("/kb manquants")
    assert "réservée aux coordinateurs" in convo.text
    await convo.send("/aide")
    assert "📚 Tutoriels" not in convo.labels


async def test_missing_questions_are_listed_for_coordinators(app: App) -> None:
    volunteer = Conversation(app.dispatcher, user_id="v")
    for _ in range(2):
        await volunteer.send("quelle est la recette des crêpes")
    await volunteer.send("comment envoyer une pièce jointe ?")
    await volunteer.press("Non")
    coordinator = Conversation(app.dispatcher, user_id="c")
    await make_coordinator(app, coordinator)
    await coordinator.send("/aide")
    assert "📚 Tutoriels" in coordinator.labels
    await coordinator.send("/kb manquants")
    lines = coordinator.text.splitlines()
    assert lines[0].startswith("Questions les plus fréquentes")
    assert "« quelle est la recette des crêpes » : 2 fois" in lines[1]
    assert "pièce jointe" in lines[2]


@pytest.fixture
async def app_with_own_kb(
    tmp_path: Path, sqlite_url: str, clock: ManualClock
) -> AsyncIterator[tuple[App, Path]]:
    kb = tmp_path / "kb"
    shutil.copytree(DEFAULT_KNOWLEDGE_DIR, kb)
    (kb / "fr" / "broken.md").write_text("---\nid: [\n---\n1. x\n", encoding="utf-8")
    settings = load_settings(database_url=sqlite_url, knowledge_dir=kb, _env_file=None)
    app = await build_app(settings, clock=clock)
    yield app, kb
    await app.close()


async def test_broken_file_is_skipped_and_reload_picks_up_changes(
    app_with_own_kb: tuple[App, Path],
) -> None:
    app, kb = app_with_own_kb
    assert app.services.knowledge.size == 70
    (kb / "fr" / "loto.md").write_text(
        "---\nid: loto\ntitle: Organiser un loto associatif\nlang: fr\n"
        "questions:\n  - Comment organiser un loto pour l'association ?\n---\n"
        "1. Réservez une salle.\n2. Vendez les cartons.\n",
        encoding="utf-8",
    )
    coordinator = Conversation(app.dispatcher, user_id="c")
    await make_coordinator(app, coordinator)
    await coordinator.send("/kb")
    await coordinator.press("Recharger")
    assert "Tutoriels rechargés : 71 disponibles." in coordinator.text
    assert "fr/broken.md : broken YAML front matter" in coordinator.text
    await coordinator.send("comment organiser un loto pour l'association")
    assert coordinator.text.startswith("Organiser un loto associatif")


async def test_small_talk_is_answered_warmly_and_not_taken_for_a_question(app: App) -> None:
    volunteer = Conversation(app.dispatcher, user_id="v")
    await volunteer.send("Bonjour")
    assert volunteer.text.startswith("Bonjour ! Je suis là pour vous aider")
    assert volunteer.labels == ["Menu"]
    await volunteer.send("cmt je met une piece jointe dans un mail")
    await volunteer.send("merci beaucoup !")
    assert volunteer.text.startswith("Avec plaisir !")
    await volunteer.send("Au revoir, bonne journée")
    assert volunteer.text.startswith("Au revoir, et merci pour votre engagement")
    await volunteer.send("Bonjour, comment envoyer une pièce jointe ?")
    assert volunteer.text.startswith("Joindre un fichier à un e-mail"), "a question all the same"
    coordinator = Conversation(app.dispatcher, user_id="c")
    await make_coordinator(app, coordinator)
    await coordinator.send("/kb manquants")
    assert coordinator.text == "Aucune question sans bonne réponse ces 30 derniers jours."
