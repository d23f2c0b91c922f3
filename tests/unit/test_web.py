"""The operator's endpoints: /healthz says what fails, /metrics counts without naming anyone,
and the webhook refuses what does not carry Telegram's secret."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from typing import Any

import httpx
import pytest

from bot.web import WebServer
from bot.wiring import App
from storage.db import Database
from storage.outbox import NewMessage
from tests.harness import Conversation


@pytest.fixture
async def server(app: App) -> AsyncIterator[WebServer]:
    web = WebServer(
        "127.0.0.1",
        0,
        metrics=app.services.metrics,
        outbox=app.services.outbox,
        webhook=("hook", "the-secret"),
    )
    web.add_check("database", app.services.db.ping)
    await web.start()
    yield web
    await web.stop()


def url(server: WebServer, path: str) -> str:
    return f"http://127.0.0.1:{server.port}{path}"


async def test_health_is_ok_then_names_what_fails(server: WebServer) -> None:
    async with httpx.AsyncClient() as client:
        well = await client.get(url(server, "/healthz"))
        assert well.status_code == 200
        assert well.json() == {"status": "ok", "checks": {"database": "ok"}}

        lost = Database("postgresql://nobody@127.0.0.1:9/nothing")
        server.add_check("database", lost.ping)

        async def disconnected() -> bool:
            return False

        server.add_check("discord", disconnected, adapter=True)
        sick = await client.get(url(server, "/healthz"))
        await lost.dispose()
    assert sick.status_code == 503
    assert sick.json() == {
        "status": "failing",
        "checks": {"database": "failing", "discord": "failing"},
    }


async def test_metrics_count_events_answers_sign_ups_and_the_outbox(
    server: WebServer, app: App, convo: Conversation
) -> None:
    await convo.send("/start")
    await convo.send("cmt je met une piece jointe dans un mail")
    await convo.send("quelle est la recette des crêpes")
    await app.services.outbox.enqueue_many(
        [NewMessage.group("k1", "telegram", "-100", "fr", {"text": {"literal": "x"}})]
    )
    async with httpx.AsyncClient() as client:
        page = await client.get(url(server, "/metrics"))
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/plain")
    text = page.text
    assert 'entraide_events_total{kind="command",platform="console"} 1.0' in text
    assert 'entraide_events_total{kind="text",platform="console"} 2.0' in text
    assert 'entraide_answers_total{outcome="answer"} 1.0' in text
    assert 'entraide_answers_total{outcome="none"} 1.0' in text
    assert 'entraide_outbox_messages{status="pending"} 1.0' in text
    assert 'entraide_outbox_messages{status="sent"} 0.0' in text
    assert "entraide_event_seconds_count 3.0" in text
    assert "crêpes" not in text
    assert "Marie" not in text


async def test_the_webhook_wants_the_secret_and_a_receiver(server: WebServer) -> None:
    taken: list[dict[str, Any]] = []

    async def receive(update: Mapping[str, Any]) -> None:
        taken.append(dict(update))

    update = {"update_id": 1}
    right = {"X-Telegram-Bot-Api-Secret-Token": "the-secret"}
    async with httpx.AsyncClient() as client:
        early = await client.post(url(server, "/hook"), json=update, headers=right)
        server.receive = receive
        wrong = await client.post(
            url(server, "/hook"), json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "x"}
        )
        missing = await client.post(url(server, "/hook"), json=update)
        good = await client.post(url(server, "/hook"), json=update, headers=right)
        listed = await client.post(url(server, "/hook"), json=[1, 2], headers=right)
    assert early.status_code == 503, "Telegram will post it again once the bot is ready"
    assert (wrong.status_code, missing.status_code) == (403, 403)
    assert good.status_code == 200
    assert listed.status_code == 400
    assert taken == [update]
