"""Entraide on Telegram, end to end: the bot polls a real Bot API peer (telegram-test-api
behind tests/e2e/telegram_peer/launcher.js) and people type and press buttons there."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import httpx
import pytest

from bot.adapters.telegram import TelegramAdapter, WebhookSettings
from bot.config import Settings
from bot.menus import command_menus
from bot.ratelimit import Limits, RateLimiter
from bot.types import Platform
from bot.web import WebServer
from bot.wiring import App, Assets, build_app
from tests.e2e.telegram_peer import TOKEN, Peer, Person, free_port, missing

pytestmark = pytest.mark.skipif(missing() is not None, reason=str(missing()))

COORDINATOR = 500
ROOT = Path(__file__).resolve().parents[2]
GROUP = -100500


@pytest.fixture
async def peer() -> AsyncIterator[Peer]:
    server = Peer()
    yield server
    await server.close()


@pytest.fixture
async def bot(
    peer: Peer, tmp_path: Path, settings_for: Callable[..., Settings]
) -> AsyncIterator[App]:
    settings = settings_for(f"sqlite:///{tmp_path / 'telegram.db'}").model_copy(
        update={"coordinators": f"telegram:{COORDINATOR}"}
    )
    app = await build_app(settings)
    limiter = RateLimiter(Limits(per_second=None, chat_interval=0.0))
    adapter = TelegramAdapter.build(
        TOKEN, app.dispatcher.handle, app.services.catalogue, limiter, api_url=peer.url
    )
    await adapter.start(poll_interval=0.0)
    menus = command_menus(app.dispatcher, app.services.catalogue)
    await adapter.set_commands([(m.scope, m.language, m.commands) for m in menus])
    stop = asyncio.Event()
    delivery = app.delivery(Platform.TELEGRAM, adapter.send, limiter=limiter, concurrency=4)
    background = asyncio.create_task(app.run_background(stop, [delivery], every=0.2))
    yield app
    stop.set()
    await background
    await adapter.stop()
    await app.close()


def person(peer: Peer, user_id: int, name: str, language: str = "fr") -> Person:
    return Person(peer, user_id, name, language)


async def entraide_run(peer: Peer, folder: Path, **settings: str) -> asyncio.subprocess.Process:
    """`entraide run` in a child process, on a fresh SQLite file, talking to the peer."""
    environment = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("ENTRAIDE_", "TELEGRAM_", "DISCORD_"))
    }
    environment.update(
        ENTRAIDE_DATABASE_URL=f"sqlite:///{folder / 'run.db'}",
        TELEGRAM_BOT_TOKEN=TOKEN,
        ENTRAIDE_TELEGRAM_API_URL=peer.url,
        PYTHONPATH=str(ROOT),
        **settings,
    )
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.cli",
        "run",
        cwd=folder,
        env=environment,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


async def test_start_then_a_question_and_the_did_this_help_buttons(peer: Peer, bot: App) -> None:
    marie = person(peer, 101, "Marie")
    await marie.send("/start")
    await marie.expect("Bonjour Marie")
    await marie.send("cmt je met une piece jointe dans un mail")
    answer = await marie.expect("pièce jointe")
    assert any("Oui" in label for label, _, _ in answer.buttons)
    await marie.press("Oui")
    await marie.expect("Merci")


async def test_missions_details_sign_up_with_ics_and_cancel(peer: Peer, bot: App) -> None:
    claire = person(peer, COORDINATOR, "Claire")
    await claire.send("/nouvelle_mission Tri des dons ; samedi 14h-17h ; 69003 Lyon ; 3")
    await claire.press("Publier")
    await claire.expect("Mission publiée")

    paul = person(peer, 102, "Paul")
    await paul.send("/missions")
    await paul.expect("Tri des dons")
    await paul.press("Détails")
    await paul.expect("Places")
    await paul.press("Je m'inscris")
    await paul.expect("vous êtes inscrit(e) à Tri des dons")
    invitation = await paul.expect(".ics")
    assert invitation.document is not None
    assert b"BEGIN:VCALENDAR" in invitation.document[1]
    await claire.expect("Paul s'est inscrit(e)")
    await paul.press("Annuler mon inscription")
    await paul.expect("C'est annulé pour « Tri des dons »")


async def test_a_coordinator_creates_a_mission_through_the_dialogue(peer: Peer, bot: App) -> None:
    claire = person(peer, COORDINATOR, "Claire")
    await claire.send("/nouvelle_mission")
    await claire.expect("titre")
    await claire.send("Maraude du soir")
    await claire.expect("Quel jour")
    await claire.press("Demain")
    await claire.press("18 h")
    await claire.press("2 h")
    await claire.send("Gare Part-Dieu, 69003 Lyon")
    await claire.press("5")
    await claire.press("Passer")
    await claire.expect("Maraude du soir")
    await claire.press("Publier")
    await claire.expect("Mission publiée")
    missions = await bot.services.missions.upcoming(
        (await bot.services.associations.first()).id  # type: ignore[union-attr]
    )
    assert [m.title for m in missions] == ["Maraude du soir"]


async def test_an_announcement_reaches_the_two_subscribers_only(peer: Peer, bot: App) -> None:
    subscribers = [person(peer, 201, "Ana"), person(peer, 202, "Bruno")]
    for someone in subscribers:
        await someone.send("/abonnements")
        await someone.press("Toutes les annonces")
        await someone.expect("vous recevrez toutes les annonces")
    other = person(peer, 203, "Chloé")
    await other.send("/start")
    await other.expect("Bonjour")

    claire = person(peer, COORDINATOR, "Claire")
    await claire.send("/annonce Collecte samedi, il manque 5 <bras> & des cartons !")
    await claire.press("Tous les abonnés (2)")
    await claire.expect("2 personne(s)")
    await claire.press("Envoyer à 2")
    await claire.expect("envoi à 2 personne(s)")
    for someone in subscribers:
        received = await someone.expect("il manque 5 <bras> & des cartons")
        assert any("Ne plus recevoir" in label for label, _, _ in received.buttons)
    await claire.expect("Votre annonce est partie", within=30)
    assert not [t for t in await other.nothing_new(0.5) if "Collecte" in t]


async def test_a_group_command_is_answered_in_the_private_chat(peer: Peer, bot: App) -> None:
    marie = person(peer, 301, "Marie")
    await marie.send("/start")
    await marie.expect("Bonjour")
    in_group = marie.in_group(GROUP)
    await in_group.send("/missions@EntraideTestBot")
    await marie.expect("Aucune mission")
    await in_group.expect("je vous ai répondu en message privé")

    # Someone who never opened the private chat gets a button that opens it.
    newcomer = person(peer, 302, "Nadia")
    await newcomer.in_group(GROUP).send("/missions")
    offer = await newcomer.in_group(GROUP).expect("je ne peux pas encore vous écrire")
    (link,) = [url for _, _, url in offer.buttons if url]
    assert link == "https://t.me/EntraideTestBot?start=go_missions"
    await newcomer.send("/start go_missions")
    await newcomer.expect("Aucune mission")

    # Group chatter that is not for the bot is ignored.
    await in_group.catch_up()
    await in_group.send("bonjour tout le monde")
    assert await in_group.nothing_new(0.5) == []


async def test_linking_a_group_makes_its_administrators_coordinators(peer: Peer, bot: App) -> None:
    claire = person(peer, COORDINATOR, "Claire")
    await claire.send("/start")
    await claire.expect("Bonjour")
    await claire.in_group(GROUP).send("/lier")
    await claire.in_group(GROUP).expect("Ce groupe est relié")

    admin = person(peer, 401, "Hugo")
    await admin.send("/start")
    await admin.expect("Bonjour")
    await admin.send("/annonce")
    await admin.expect("réservée aux coordinateurs")
    await peer.admins(GROUP, [401])
    await admin.in_group(GROUP).send("/aide")
    await admin.expect("Voici ce que je sais faire")
    await admin.send("/annonce")
    await admin.expect("texte de votre annonce")


async def test_menus_are_published_for_private_chats_and_groups(peer: Peer, bot: App) -> None:
    menus = {(m["scope"], m["language"]): m["commands"] for m in await peer.commands()}
    private_fr = [c["command"] for c in menus[("all_private_chats", "fr")]]
    assert private_fr[0] == "aide"
    assert "missions" in private_fr
    assert "abonnements" in private_fr
    group_en = [c["command"] for c in menus[("all_group_chats", "en")]]
    assert group_en == ["help", "missions", "link"]


async def test_a_person_who_blocked_the_bot_is_counted_unreachable(peer: Peer, bot: App) -> None:
    ana, bruno = person(peer, 601, "Ana"), person(peer, 602, "Bruno")
    for someone in (ana, bruno):
        await someone.send("/abonnements")
        await someone.press("Toutes les annonces")
        await someone.expect("vous recevrez toutes les annonces")
    await peer.block(602)
    claire = person(peer, COORDINATOR, "Claire")
    await claire.send("/annonce Réunion mardi")
    await claire.press("Tous les abonnés (2)")
    await claire.press("Envoyer à 2")
    await ana.expect("Réunion mardi")
    report = await claire.expect("Votre annonce est partie", within=30)
    assert "Injoignables (bot bloqué ou messages privés fermés) : 1" in report.text


async def test_webhook_mode_checks_the_secret_on_every_request(
    peer: Peer, tmp_path: Path, settings_for: Callable[..., Settings], assets: Assets
) -> None:
    app = await build_app(settings_for(f"sqlite:///{tmp_path / 'hook.db'}"), assets=assets)
    adapter = TelegramAdapter.build(
        TOKEN,
        app.dispatcher.handle,
        app.services.catalogue,
        RateLimiter(Limits(per_second=None)),
        api_url=peer.url,
    )
    secret = "s3cret-token-for-the-tests"
    server = WebServer(
        "127.0.0.1",
        free_port(),
        metrics=app.services.metrics,
        outbox=app.services.outbox,
        webhook=("telegram", secret),
    )
    await server.start()
    url = f"http://127.0.0.1:{server.port}/telegram"
    await adapter.start(webhook=WebhookSettings(url, "telegram", secret))
    server.receive = adapter.receive
    try:
        marie = person(peer, 701, "Marie")
        await marie.send("/start")
        await marie.expect("Bonjour Marie")
        people = await app.services.volunteers.count()
        async with httpx.AsyncClient() as client:
            forged = await client.post(
                url,
                json={
                    "update_id": 99,
                    "message": {
                        "message_id": 1,
                        "date": 0,
                        "text": "/start",
                        "chat": {"id": 702, "type": "private"},
                        "from": {"id": 702, "is_bot": False, "first_name": "X"},
                    },
                },
                headers={"X-Telegram-Bot-Api-Secret-Token": "wrong"},
            )
            garbage = await client.post(
                url, content=b"{not json", headers={"X-Telegram-Bot-Api-Secret-Token": secret}
            )
        assert forged.status_code == 403
        assert garbage.status_code == 400
        await asyncio.sleep(0.2)
        assert await app.services.volunteers.count() == people, "nobody was let in"
    finally:
        await adapter.stop()
        await server.stop()
        await app.close()


async def test_entraide_run_with_a_token_connects_answers_and_stops_on_sigterm(
    peer: Peer, tmp_path: Path
) -> None:
    process = await entraide_run(peer, tmp_path)
    try:
        assert process.stdout is not None
        line = await asyncio.wait_for(process.stdout.readline(), timeout=30)
        assert b"Connected to Telegram as @EntraideTestBot" in line
        marie = person(peer, 801, "Marie")
        await marie.send("/start")
        await marie.expect("Bonjour Marie")
    finally:
        process.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(process.wait(), timeout=30) == 0


async def test_entraide_run_in_webhook_mode_serves_health_and_metrics(
    peer: Peer, tmp_path: Path
) -> None:
    port = free_port()
    process = await entraide_run(
        peer,
        tmp_path,
        ENTRAIDE_TELEGRAM_WEBHOOK_URL=f"http://127.0.0.1:{port}/telegram",
        ENTRAIDE_TELEGRAM_WEBHOOK_LISTEN=f"127.0.0.1:{port}",
        ENTRAIDE_TELEGRAM_WEBHOOK_SECRET="webhook-secret-for-the-tests",
    )
    base = f"http://127.0.0.1:{port}"
    try:
        assert process.stdout is not None
        for expected in (b"Health and metrics", b"Connected to Telegram"):
            line = await asyncio.wait_for(process.stdout.readline(), timeout=30)
            assert expected in line, line
        marie = person(peer, 901, "Marie")
        await marie.send("/start")
        await marie.expect("Bonjour Marie")
        await marie.send("cmt je met une piece jointe dans un mail")
        await marie.expect("pièce jointe")
        async with httpx.AsyncClient() as client:
            health = await client.get(f"{base}/healthz")
            metrics = (await client.get(f"{base}/metrics")).text
        assert health.status_code == 200
        assert health.json() == {
            "status": "ok",
            "checks": {"database": "ok", "telegram": "ok"},
        }
        assert 'entraide_events_total{kind="command",platform="telegram"} 1.0' in metrics
        assert 'entraide_answers_total{outcome="answer"} 1.0' in metrics
        assert 'entraide_adapter_connected{adapter="telegram"} 1.0' in metrics
        assert 'entraide_outbox_messages{status="pending"}' in metrics
        assert "Marie" not in metrics, "no person in the metrics"
    finally:
        process.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(process.wait(), timeout=30) == 0
