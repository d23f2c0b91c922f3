"""When PostgreSQL drops every connection (a restart, a failover) or undoes a transaction in a
deadlock, nobody notices."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable, Sequence
from datetime import timedelta

import pytest
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import create_async_engine

from bot.clock import ManualClock
from bot.config import Settings
from bot.context import Context
from bot.dispatcher import Handler
from bot.envelope import reply_to_json
from bot.types import Outgoing, Platform, Reply, msg
from bot.wiring import App, Assets, build_app
from storage.db import lost_connection, normalise_url
from storage.models import Association
from storage.outbox import DeliveryStatus
from tests.conftest import POSTGRES_URL, _reset_postgres
from tests.harness import Conversation

pytestmark = pytest.mark.skipif(not POSTGRES_URL, reason="ENTRAIDE_TEST_POSTGRES_URL is not set")


async def _drop_every_connection(url: str) -> int:
    """What a restart of the server does to the bot's pooled connections."""
    engine = create_async_engine(normalise_url(url))
    async with engine.connect() as connection:
        dropped = (
            await connection.execute(
                text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            )
        ).scalar_one()
    await engine.dispose()
    return int(dropped)


@pytest.fixture
async def app_pg(
    settings_for: Callable[[str], Settings], assets: Assets, clock: ManualClock
) -> AsyncIterator[App]:
    assert POSTGRES_URL is not None
    await _reset_postgres(POSTGRES_URL)
    application = await build_app(settings_for(POSTGRES_URL), assets=assets, clock=clock)
    yield application
    await application.close()


async def test_the_next_event_is_answered_on_a_new_connection(
    app_pg: App, caplog: pytest.LogCaptureFixture
) -> None:
    marie = Conversation(app_pg.dispatcher)
    await marie.send("/aide")
    assert "Voici ce que je sais faire" in marie.text
    assert await _drop_every_connection(POSTGRES_URL or "") >= 1
    with caplog.at_level(logging.WARNING):
        await marie.send("/missions")
        await marie.send("/aide")
    assert "Voici ce que je sais faire" in marie.text
    assert any("connection lost" in r.getMessage() for r in caplog.records)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_timed_jobs_carry_on_at_their_next_turn(
    app_pg: App, caplog: pytest.LogCaptureFixture
) -> None:
    await app_pg.worker.tick()
    assert await _drop_every_connection(POSTGRES_URL or "") >= 1
    with caplog.at_level(logging.WARNING):
        for _ in range(3):
            try:
                await app_pg.worker.tick()
            except Exception as error:  # as `repeat` sees it, before its next turn
                if not lost_connection(error):
                    raise
    assert any("connection lost" in r.getMessage() for r in caplog.records)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_a_message_sent_as_the_connections_drop_is_recorded_once(
    app_pg: App, clock: ManualClock
) -> None:
    """The send succeeded: recording it must survive the dead connection, or the message
    would go out again when its lease runs out."""
    services = app_pg.services
    person = await services.volunteers.identify("console", "odile", None)
    body = reply_to_json(Reply(text=msg("missions.reminder", title="Tri")))
    await services.outbox.enqueue(
        "notice:1", volunteer_id=person.id, platform="console", chat_id="c1", locale="fr", body=body
    )
    sent: list[Outgoing] = []

    async def send(outgoing: Outgoing) -> None:
        sent.append(outgoing)
        await _drop_every_connection(POSTGRES_URL or "")

    delivery = app_pg.delivery(Platform.CONSOLE, send)
    assert await delivery.drain() == 1
    clock.advance(timedelta(hours=1))
    assert await delivery.drain() == 0
    assert len(sent) == 1
    assert await services.outbox.counts() == {DeliveryStatus.SENT: 1}


async def test_health_check_replaces_a_dead_connection(app_pg: App) -> None:
    await _drop_every_connection(POSTGRES_URL or "")
    assert await app_pg.services.db.ping()


async def test_an_event_that_wrote_is_not_answered_twice(
    app_pg: App, caplog: pytest.LogCaptureFixture
) -> None:
    """A connection lost once something was written may have committed it: the person is told
    something went wrong rather than the handler run a second time."""
    runs: list[int] = []

    async def cut_at_commit(ctx: Context) -> Sequence[Reply]:
        runs.append(1)
        await ctx.services.associations.create(f"coupure-{len(runs)}", "Coupure")
        await _drop_every_connection(POSTGRES_URL or "")
        return [Reply(text=msg("cancel.done"))]

    app_pg.dispatcher.command(["coupure"], cut_at_commit)
    marie = Conversation(app_pg.dispatcher)
    await marie.send("/aide")
    with caplog.at_level(logging.ERROR):
        await marie.send("/coupure")
    assert runs == [1]
    assert "pas marché de mon côté" in marie.text
    await marie.send("/aide")  # and the next event works
    assert "Voici ce que je sais faire" in marie.text


async def test_two_events_in_a_deadlock_are_both_answered(
    app_pg: App, caplog: pytest.LogCaptureFixture
) -> None:
    """Two events lock the same two rows in opposite orders: PostgreSQL undoes one, which is
    answered again once the other is through."""
    services = app_pg.services
    first = await services.associations.create("nord", "Nord")
    second = await services.associations.create("sud", "Sud")
    holding = {"a": asyncio.Event(), "b": asyncio.Event()}
    runs: list[str] = []

    async def lock(ctx: Context, association_id: int) -> None:
        async with ctx.services.db.write() as session:
            await session.execute(
                select(Association.id).where(Association.id == association_id).with_for_update()
            )

    def crossing(name: str, mine: int, theirs: int, other: str) -> Handler:
        async def handler(ctx: Context) -> Sequence[Reply]:
            runs.append(name)
            await lock(ctx, mine)
            if runs.count(name) == 1:  # the first time, wait until both hold a row
                holding[name].set()
                await asyncio.wait_for(holding[other].wait(), timeout=10)
            await lock(ctx, theirs)
            return [Reply(text=msg("cancel.done"))]

        return handler

    app_pg.dispatcher.command(["croise_a"], crossing("a", first.id, second.id, "b"))
    app_pg.dispatcher.command(["croise_b"], crossing("b", second.id, first.id, "a"))
    marie = Conversation(app_pg.dispatcher, user_id="marie")
    paul = Conversation(app_pg.dispatcher, user_id="paul", name="Paul")
    with caplog.at_level(logging.WARNING):
        await asyncio.gather(marie.send("/croise_a"), paul.send("/croise_b"))
    assert sorted(runs) == ["a", "a", "b"] or sorted(runs) == ["a", "b", "b"]
    assert marie.text == paul.text == "C'est annulé. On reprend quand vous voulez."
    assert any("deadlock" in r.getMessage() for r in caplog.records)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
