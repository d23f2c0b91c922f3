"""Operators' logs: each line knows its request and association; JSON when asked."""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path

import pytest

from bot.logs import JsonFormatter, RequestFilter
from bot.types import Outgoing, Platform
from bot.wiring import App
from tests.e2e.cli import entraide
from tests.harness import Conversation
from tests.unit.test_missions_chat import coordinator


async def test_log_lines_during_an_event_carry_its_request_and_association(
    app: App, caplog: pytest.LogCaptureFixture
) -> None:
    claire = await coordinator(app)
    caplog.handler.addFilter(RequestFilter())
    caplog.set_level(logging.INFO)
    try:
        await claire.send("/nouvelle_mission Tri ; samedi 14h-17h ; 69003 Lyon ; 3")
        await claire.press("Publier")
    finally:
        caplog.handler.filters.clear()
    [published] = [r for r in caplog.records if "published by volunteer" in r.getMessage()]
    association = await app.services.associations.first()
    assert association is not None
    assert getattr(published, "association", None) == str(association.id)
    request_id = getattr(published, "request_id", "-")
    assert request_id != "-"
    assert len(request_id) == 12
    logging.getLogger("entraide.test").info("outside any request")
    outside = caplog.records[-1]
    RequestFilter().filter(outside)
    assert getattr(outside, "request_id", None) == "-"


def test_json_lines_hold_the_fields_and_the_traceback() -> None:
    record = logging.LogRecord("bot.x", logging.ERROR, __file__, 1, "boom %s", ("here",), None)
    record.request_id, record.association = "abc123", "7"
    try:
        raise ValueError("inside")
    except ValueError:
        record.exc_info = sys.exc_info()
    line = json.loads(JsonFormatter().format(record))
    assert line["message"] == "boom here"
    assert line["level"] == "ERROR"
    assert (line["request_id"], line["association"]) == ("abc123", "7")
    assert "ValueError: inside" in line["exception"]


def test_the_chat_writes_json_logs_when_asked(tmp_path: Path) -> None:
    done = entraide(
        ["chat"], tmp_path, stdin="/aide\n", ENTRAIDE_LOG_FORMAT="json", ENTRAIDE_LOG_LEVEL="DEBUG"
    )
    assert done.returncode == 0, done.stderr
    lines = (tmp_path / "data" / "entraide.log").read_text(encoding="utf-8").splitlines()
    assert lines
    parsed = [json.loads(line) for line in lines]
    assert all({"time", "level", "logger", "message", "request_id"} <= set(p) for p in parsed)


async def test_what_people_type_never_reaches_the_logs_at_info(
    app: App, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    claire = await coordinator(app)
    marie = Conversation(app.dispatcher, user_id="m", name="Marie")
    await marie.send("zorglub comment envoyer une piece jointe")
    await marie.send("zorglub recette des crêpes")
    await marie.send("/humain zorglub mon imprimante")
    await claire.send("/annonce")
    await claire.send("Collecte zorglub samedi")
    await claire.send("/nouvelle_mission Tri zorglub ; samedi 14h-17h ; 69003 Lyon ; 3")
    await app.worker.tick()

    async def send(outgoing: Outgoing) -> None:
        return None

    await app.delivery(Platform.CONSOLE, send).drain()
    assert caplog.records, "the bot logged what it did"
    leaks = [r.getMessage() for r in caplog.records if "zorglub" in r.getMessage()]
    assert leaks == []
