"""The dispatcher: routing, aliases, permissions, dialogues, locales and failure handling."""

from __future__ import annotations

import logging
from collections.abc import Sequence

import pytest

from bot.context import Context, UserError
from bot.dispatcher import MAX_TEXT_LENGTH, Dispatcher
from bot.types import Reply, msg
from bot.wiring import App
from storage.records import Role
from tests.harness import Conversation


async def test_help_lists_features_in_french_with_buttons(convo: Conversation) -> None:
    await convo.send("/aide")
    assert "Voici ce que je sais faire" in convo.text
    assert "changer de langue" in convo.text
    assert "🌍 Langue" in convo.labels


@pytest.mark.parametrize("alias", ["/help", "/menu", "/AIDE"])
async def test_command_aliases(convo: Conversation, alias: str) -> None:
    await convo.send(alias)
    assert "Voici ce que je sais faire" in convo.text


async def test_start_greets_by_name_and_names_the_association(convo: Conversation) -> None:
    await convo.send("/start")
    assert convo.text.startswith("Bonjour Marie !")
    assert "Les Amis du Quartier" in convo.text


async def test_locale_comes_from_the_platform(dispatcher: Dispatcher) -> None:
    english = Conversation(dispatcher, user_id="john", name="John", language_code="en-GB")
    await english.send("/help")
    assert english.locale == "en"
    assert "Here is what I can do" in english.text


async def test_unsupported_platform_language_falls_back_to_french(dispatcher: Dispatcher) -> None:
    german = Conversation(dispatcher, user_id="hans", language_code="de")
    await german.send("/aide")
    assert german.locale == "fr"


async def test_langue_switches_and_is_remembered(convo: Conversation) -> None:
    await convo.send("/langue en")
    assert convo.text == "Done: I will speak English with you."
    await convo.send("/aide")
    assert "Here is what I can do" in convo.text
    await convo.send("/langue")
    await convo.press("français")
    assert "je vous parle en français" in convo.text


async def test_langue_auto_follows_the_device_again(dispatcher: Dispatcher) -> None:
    person = Conversation(dispatcher, user_id="p", language_code="en")
    await person.send("/langue fr")
    assert person.locale == "fr"
    await person.send("/langue")
    await person.press("appareil")
    assert person.locale == "en"
    assert "follow your device's language" in person.text


async def test_langue_with_unknown_language_offers_buttons(convo: Conversation) -> None:
    await convo.send("/langue klingon")
    assert "Je ne connais pas la langue « klingon »" in convo.text
    assert "English" in convo.labels


async def test_help_buttons_run_their_command(convo: Conversation) -> None:
    await convo.send("/aide")
    await convo.press("Langue")
    assert "Dans quelle langue" in convo.text


async def test_unknown_command_is_polite_and_offers_the_menu(convo: Conversation) -> None:
    await convo.send("/inconnue")
    assert "Je ne connais pas la commande /inconnue" in convo.text
    assert convo.labels == ["Menu"]


@pytest.mark.parametrize("data", ["nope:1", "lang", "x" * 500, "cmd:", ":::"])
async def test_stale_or_forged_buttons_get_a_notice(convo: Conversation, data: str) -> None:
    replies = await convo.press_data(data)
    assert replies, "a button press must always be answered"
    assert "n'est plus valable" in convo.text or "Je ne connais pas" in convo.text


async def test_huge_message_is_refused_politely(convo: Conversation) -> None:
    await convo.send("a" * (MAX_TEXT_LENGTH + 1))
    assert "trop long" in convo.text


async def test_free_text_without_a_question_handler_is_not_ignored(app: App) -> None:
    person = Conversation(app.dispatcher, user_id="free")
    replies = await person.send("bonjour")
    assert replies


async def test_handler_failure_is_logged_with_context_and_answered_politely(
    app: App, caplog: pytest.LogCaptureFixture
) -> None:
    async def broken(ctx: Context) -> Sequence[Reply]:
        raise RuntimeError("database exploded")

    app.dispatcher.command(["casse", "broken"], broken)
    person = Conversation(app.dispatcher, user_id="42", language_code="en")
    with caplog.at_level(logging.ERROR):
        await person.send("/broken")
    assert "something went wrong on my side" in person.text
    assert "exploded" not in person.text
    record = next(r for r in caplog.records if "handler failed" in r.getMessage())
    assert "user=42" in record.getMessage()
    assert "command=broken" in record.getMessage()
    assert record.exc_info is not None


async def test_what_a_failing_handler_wrote_is_undone(app: App) -> None:
    """One event is one transaction: a handler that breaks half-way leaves nothing half done,
    and the next event works."""

    async def half_done(ctx: Context) -> Sequence[Reply]:
        await ctx.services.associations.create("moitie", "À moitié")
        raise RuntimeError("broke after the first write")

    async def whole(ctx: Context) -> Sequence[Reply]:
        await ctx.services.associations.create("entier", "En entier")
        return [Reply(text=msg("cancel.done"))]

    app.dispatcher.command(["moitie"], half_done)
    app.dispatcher.command(["entier"], whole)
    person = Conversation(app.dispatcher, user_id="43")
    await person.send("/moitie")
    assert "pas marché de mon côté" in person.text
    await person.send("/entier")
    associations = app.services.associations
    assert await associations.by_slug("moitie") is None
    assert await associations.by_slug("entier") is not None


async def test_user_error_is_shown_without_logging(
    app: App, caplog: pytest.LogCaptureFixture
) -> None:
    async def picky(ctx: Context) -> Sequence[Reply]:
        raise UserError(msg("cancel.nothing"))

    app.dispatcher.command(["pointilleux"], picky)
    person = Conversation(app.dispatcher)
    with caplog.at_level(logging.WARNING):
        await person.send("/pointilleux")
    assert person.text == "Il n'y a rien en cours à annuler."
    assert not caplog.records


async def test_coordinator_only_commands_refuse_volunteers(app: App) -> None:
    async def secret(ctx: Context) -> Sequence[Reply]:
        return [Reply(text=msg("cancel.done"))]

    app.dispatcher.command(["secret"], secret, coordinator_only=True)
    volunteer = Conversation(app.dispatcher, user_id="vol")
    await volunteer.send("/secret")
    assert "réservée aux coordinateurs" in volunteer.text

    coordinator = Conversation(app.dispatcher, user_id="coord")
    await coordinator.send("/start")
    services = app.services
    person = await services.volunteers.identify("console", "coord", None)
    association = await services.associations.first()
    assert association is not None
    await services.associations.set_role(person.id, association.id, Role.COORDINATOR)
    await coordinator.send("/secret")
    assert coordinator.text == "C'est annulé. On reprend quand vous voulez."


async def test_dialogue_receives_free_text_until_cancelled(app: App) -> None:
    seen: list[str] = []

    async def begin(ctx: Context) -> Sequence[Reply]:
        await ctx.start_dialogue("echo", "listening")
        return [Reply(text=msg("cancel.nothing"))]

    async def echo(ctx: Context) -> Sequence[Reply]:
        seen.append(ctx.event.text or "")
        assert ctx.dialogue is not None
        await ctx.advance_dialogue("listening", count=len(seen))
        return [Reply(text=msg("cancel.nothing"))]

    app.dispatcher.command(["echo"], begin)
    app.dispatcher.dialogue("echo", echo)
    person = Conversation(app.dispatcher)
    await person.send("/echo")
    await person.send("premier")
    await person.send("second")
    assert seen == ["premier", "second"]
    await person.send("/annuler")
    assert person.text.startswith("C'est annulé")
    await person.send("troisième")
    assert seen == ["premier", "second"]
    await person.send("/annuler")
    assert person.text.startswith("Il n'y a rien en cours")
