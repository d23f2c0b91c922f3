"""Shared fixtures: every storage-backed test runs on SQLite, and on PostgreSQL when
``ENTRAIDE_TEST_POSTGRES_URL`` is set."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from bot.clock import ManualClock
from bot.config import Settings, load_settings
from bot.dispatcher import Dispatcher
from bot.wiring import App, Assets, build_app
from storage.db import Database, normalise_url
from tests.harness import Conversation

POSTGRES_URL = os.environ.get("ENTRAIDE_TEST_POSTGRES_URL")
BACKENDS = [
    "sqlite",
    pytest.param(
        "postgresql",
        marks=pytest.mark.skipif(not POSTGRES_URL, reason="ENTRAIDE_TEST_POSTGRES_URL is not set"),
    ),
]
START = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
"""A Friday morning; every test's clock starts there."""


async def _reset_postgres(url: str) -> None:
    engine = create_async_engine(normalise_url(url))
    async with engine.begin() as connection:
        await connection.execute(text("DROP SCHEMA public CASCADE"))
        await connection.execute(text("CREATE SCHEMA public"))
    await engine.dispose()


@pytest.fixture(params=BACKENDS)
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database on each backend."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'entraide.db'}"
    assert POSTGRES_URL is not None
    await _reset_postgres(POSTGRES_URL)
    return POSTGRES_URL


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    """A migrated database on each backend, for repository tests."""
    database = Database(database_url)
    await database.upgrade()
    yield database
    await database.dispose()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """An empty SQLite database, for tests that are about behaviour rather than storage."""
    return f"sqlite:///{tmp_path / 'entraide.db'}"


@pytest.fixture
def clock() -> ManualClock:
    """A clock the test moves by hand."""
    return ManualClock(START)


@pytest.fixture
def settings_for(monkeypatch: pytest.MonkeyPatch) -> Callable[[str], Settings]:
    """Settings for a database URL, ignoring the developer's environment and .env."""
    for name in ("TELEGRAM_BOT_TOKEN", "DISCORD_BOT_TOKEN", "ENTRAIDE_DEFAULT_LOCALE"):
        monkeypatch.delenv(name, raising=False)
    return _settings


def _settings(url: str) -> Settings:
    # Flood limits have tests of their own; elsewhere people may type fast.
    return load_settings(database_url=url, demo_missions=False, flood_burst=100_000, _env_file=None)


@pytest.fixture(scope="session")
def assets() -> Assets:
    """The messages, communes and tutorials' index, read once for every app the tests build
    (each app gets its own copy of the knowledge base)."""
    return Assets.load(_settings("sqlite://"))


async def _app(
    url: str, settings_for: Callable[[str], Settings], clock: ManualClock, assets: Assets
) -> App:
    return await build_app(settings_for(url), clock=clock, assets=assets)


@pytest.fixture
async def app(
    sqlite_url: str, settings_for: Callable[[str], Settings], clock: ManualClock, assets: Assets
) -> AsyncIterator[App]:
    """The whole core on a fresh SQLite database."""
    application = await _app(sqlite_url, settings_for, clock, assets)
    yield application
    await application.close()


@pytest.fixture
async def app_any_db(
    database_url: str, settings_for: Callable[[str], Settings], clock: ManualClock, assets: Assets
) -> AsyncIterator[App]:
    """The whole core, once per storage backend."""
    application = await _app(database_url, settings_for, clock, assets)
    yield application
    await application.close()


@pytest.fixture
def dispatcher(app: App) -> Dispatcher:
    """The dispatcher with every feature registered."""
    return app.dispatcher


@pytest.fixture
def convo(dispatcher: Dispatcher) -> Conversation:
    """Marie, a French-speaking volunteer, in a private chat."""
    return Conversation(dispatcher)
