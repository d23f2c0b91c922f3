"""Configuration: defaults, normalisation, and one clear line for each bad setting."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import ConfigError, load_settings


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in (
        "ENTRAIDE_DATABASE_URL",
        "TELEGRAM_BOT_TOKEN",
        "DISCORD_BOT_TOKEN",
        "ENTRAIDE_DEFAULT_LOCALE",
        "ENTRAIDE_TIMEZONE",
        "ENTRAIDE_KNOWLEDGE_DIR",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # no stray .env


def test_defaults() -> None:
    settings = load_settings()
    assert settings.database_url == "sqlite+aiosqlite:///data/entraide.db"
    assert settings.default_locale == "fr"
    assert settings.timezone == "Europe/Paris"
    assert settings.telegram_bot_token is None
    assert settings.knowledge_dir.is_dir()


def test_environment_and_driver_normalisation(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENTRAIDE_DATABASE_URL", "postgresql://bot@db.local/entraide")
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123:abc")
    settings = load_settings()
    assert settings.database_url == "postgresql+asyncpg://bot@db.local/entraide"
    assert settings.telegram_bot_token is not None
    assert "123:abc" not in repr(settings)


def test_dotenv_file_is_read(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("ENTRAIDE_DEFAULT_LOCALE=en\n")
    assert load_settings().default_locale == "en"


@pytest.mark.parametrize(
    ("name", "value", "fragment"),
    [
        ("ENTRAIDE_DATABASE_URL", "mysql://x/y", "unsupported database 'mysql'"),
        ("ENTRAIDE_DATABASE_URL", "::::", "not a database URL"),
        ("ENTRAIDE_TIMEZONE", "Europe/Atlantis", "unknown time zone"),
        ("ENTRAIDE_DEFAULT_LOCALE", "de", "must be one of fr, en"),
        ("ENTRAIDE_KNOWLEDGE_DIR", "/no/such/dir", "not a readable directory"),
    ],
)
def test_bad_setting_gives_one_line_naming_it(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, fragment: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as caught:
        load_settings()
    message = str(caught.value)
    assert message.startswith(f"configuration error: {name}: ")
    assert fragment in message
    assert "\n" not in message
