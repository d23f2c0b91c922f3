"""Configuration, read once at start-up from the environment and an optional ``.env`` file."""

from __future__ import annotations

import os
import re
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AliasChoices, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.i18n import SUPPORTED_LOCALES
from storage.db import UnsupportedDatabaseError, normalise_url

DEFAULT_KNOWLEDGE_DIR = Path(__file__).resolve().parent.parent / "knowledge" / "tutorials"


class ConfigError(Exception):
    """A setting is missing or malformed; the message is one line naming it."""


class Settings(BaseSettings):
    """Every setting Entraide reads. Names are the environment variables."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", populate_by_name=True
    )

    database_url: str = Field(
        default="sqlite:///data/entraide.db",
        validation_alias=AliasChoices("ENTRAIDE_DATABASE_URL"),
    )
    telegram_bot_token: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("TELEGRAM_BOT_TOKEN")
    )
    discord_bot_token: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("DISCORD_BOT_TOKEN")
    )
    default_locale: str = Field(
        default="fr", validation_alias=AliasChoices("ENTRAIDE_DEFAULT_LOCALE")
    )
    timezone: str = Field(
        default="Europe/Paris", validation_alias=AliasChoices("ENTRAIDE_TIMEZONE")
    )
    knowledge_dir: Path = Field(
        default=DEFAULT_KNOWLEDGE_DIR, validation_alias=AliasChoices("ENTRAIDE_KNOWLEDGE_DIR")
    )
    borrow_questions: bool = Field(
        default=True,
        validation_alias=AliasChoices("ENTRAIDE_KB_BORROW"),
        description="When another tutorials directory is served, its tutorials on the"
        " subjects of the bundled ones borrow the bundled tutorials' alternate questions.",
    )
    default_association: str = Field(
        default="demo",
        validation_alias=AliasChoices("ENTRAIDE_DEFAULT_ASSOCIATION"),
        description="Slug of the association newcomers join when no chat says otherwise.",
    )
    log_level: str = Field(default="INFO", validation_alias=AliasChoices("ENTRAIDE_LOG_LEVEL"))
    log_format: str = Field(
        default="text",
        pattern="^(text|json)$",
        validation_alias=AliasChoices("ENTRAIDE_LOG_FORMAT"),
        description="text, or json for one JSON object a line.",
    )
    demo_missions: bool = Field(
        default=True,
        validation_alias=AliasChoices("ENTRAIDE_DEMO_MISSIONS"),
        description="Add a few example missions when the demo association is created.",
    )
    offer_hours: float = Field(
        default=12.0,
        gt=0,
        le=24 * 7,
        validation_alias=AliasChoices("ENTRAIDE_OFFER_HOURS"),
        description="How long a freed place is held for the next person on a waitlist.",
    )
    search_radius_km: float = Field(
        default=20.0,
        gt=0,
        le=500,
        validation_alias=AliasChoices("ENTRAIDE_SEARCH_RADIUS_KM"),
        description="How far 'near me' looks for missions by default.",
    )

    coordinators: str = Field(
        default="",
        validation_alias=AliasChoices("ENTRAIDE_COORDINATORS"),
        description="People who coordinate the default association, as platform:user_id, "
        "comma-separated (telegram:123456789, discord:2345...).",
    )
    telegram_api_url: str = Field(
        default="https://api.telegram.org",
        validation_alias=AliasChoices("ENTRAIDE_TELEGRAM_API_URL"),
        description="The Bot API server (a local test server in the end-to-end tests).",
    )
    telegram_webhook_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("ENTRAIDE_TELEGRAM_WEBHOOK_URL"),
        description="Public HTTPS address Telegram posts updates to; unset: long polling.",
    )
    telegram_webhook_listen: str = Field(
        default="127.0.0.1:8443",
        validation_alias=AliasChoices("ENTRAIDE_TELEGRAM_WEBHOOK_LISTEN"),
        description="host:port the webhook server listens on, behind the reverse proxy.",
    )
    http_listen: str | None = Field(
        default=None,
        validation_alias=AliasChoices("ENTRAIDE_HTTP_LISTEN"),
        description="host:port serving /healthz and /metrics without a webhook (long polling, "
        "Discord only); with a webhook they are served by the webhook's server.",
    )
    telegram_webhook_secret: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices("ENTRAIDE_TELEGRAM_WEBHOOK_SECRET"),
        description="Secret Telegram sends with every update; required with a webhook.",
    )
    flood_burst: int = Field(
        default=10,
        ge=1,
        le=100_000,
        validation_alias=AliasChoices("ENTRAIDE_FLOOD_BURST"),
        description="Messages and presses one person may send within ENTRAIDE_FLOOD_SECONDS "
        "before the bot asks them to slow down.",
    )
    flood_seconds: float = Field(
        default=10.0,
        gt=0,
        le=3600,
        validation_alias=AliasChoices("ENTRAIDE_FLOOD_SECONDS"),
    )
    help_delay_hours: float = Field(
        default=2.0,
        gt=0,
        le=72,
        validation_alias=AliasChoices("ENTRAIDE_HELP_DELAY_HOURS"),
        description="Daytime hours (8:00-20:00) a help request waits for a mentor before the "
        "coordinators are told.",
    )
    retention_months: int = Field(
        default=24,
        ge=1,
        le=120,
        validation_alias=AliasChoices("ENTRAIDE_RETENTION_MONTHS"),
        description="Profiles not used for this many months are erased.",
    )
    discord_shards: str = Field(
        default="",
        validation_alias=AliasChoices("ENTRAIDE_DISCORD_SHARDS"),
        description="Empty: one connection (most associations). 'auto': as many shards as "
        "Discord recommends. A number: that many shards in all.",
    )
    discord_shard_ids: str = Field(
        default="",
        validation_alias=AliasChoices("ENTRAIDE_DISCORD_SHARD_IDS"),
        description="The shards this process runs (e.g. 0,1), to split them across "
        "processes; empty: all of them.",
    )

    def secrets(self) -> list[str]:
        """Every secret value set (tokens, webhook secret, database password), to keep out of
        logs."""
        found = [
            secret.get_secret_value()
            for secret in (
                self.telegram_bot_token,
                self.discord_bot_token,
                self.telegram_webhook_secret,
            )
            if secret is not None
        ]
        password = urlsplit(self.database_url).password
        if password:
            found.append(password)
        return found

    @field_validator("discord_shards")
    @classmethod
    def _shards(cls, value: str) -> str:
        value = value.strip().lower()
        if value not in {"", "auto"} and not (value.isdigit() and int(value) > 0):
            raise ValueError("use nothing, 'auto' or a number of shards")
        return value

    @field_validator("discord_shard_ids")
    @classmethod
    def _shard_ids(cls, value: str) -> str:
        if any(not part.strip().isdigit() for part in value.split(",") if part.strip()):
            raise ValueError("use shard numbers separated by commas, e.g. 0,1")
        return value

    @field_validator("coordinators")
    @classmethod
    def _coordinators(cls, value: str) -> str:
        for item in filter(None, (part.strip() for part in value.split(","))):
            platform, _, user = item.partition(":")
            if platform not in {"telegram", "discord", "console"} or not user:
                raise ValueError(f"{item!r} is not platform:user_id (e.g. telegram:123456789)")
        return value

    @field_validator("telegram_webhook_listen", "http_listen")
    @classmethod
    def _listen(cls, value: str | None) -> str | None:
        if value is None:
            return None
        host, _, port = value.rpartition(":")
        if not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise ValueError("must be host:port, e.g. 127.0.0.1:8443")
        return value

    @field_validator("telegram_webhook_secret")
    @classmethod
    def _secret(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not re.fullmatch(
            r"[A-Za-z0-9_-]{16,256}", value.get_secret_value()
        ):
            raise ValueError("use 16 to 256 letters, digits, _ or -")
        return value

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str) -> str:
        try:
            return normalise_url(value)
        except UnsupportedDatabaseError as exc:
            raise ValueError(str(exc)) from None

    @field_validator("default_locale")
    @classmethod
    def _locale(cls, value: str) -> str:
        if value not in SUPPORTED_LOCALES:
            raise ValueError(f"must be one of {', '.join(SUPPORTED_LOCALES)}")
        return value

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r} (e.g. Europe/Paris)") from None
        return value

    @field_validator("knowledge_dir")
    @classmethod
    def _knowledge_dir(cls, value: Path) -> Path:
        if not value.is_dir():
            raise ValueError(f"{value} is not a readable directory")
        if not os.access(value, os.R_OK | os.X_OK):
            raise ValueError(f"{value} is not readable")
        return value

    @field_validator("log_level")
    @classmethod
    def _log_level(cls, value: str) -> str:
        level = value.upper()
        if level not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
            raise ValueError("must be DEBUG, INFO, WARNING or ERROR")
        return level

    @property
    def zone(self) -> ZoneInfo:
        """The time zone as an object."""
        return ZoneInfo(self.timezone)

    @property
    def coordinator_ids(self) -> frozenset[str]:
        """``platform:user_id`` of the configured coordinators."""
        return frozenset(p.strip() for p in self.coordinators.split(",") if p.strip())

    @property
    def offer_for(self) -> timedelta:
        """How long a freed place is held for the next person on the waitlist."""
        return timedelta(hours=self.offer_hours)


_FIELD_TO_ENV = {
    name: str(field.validation_alias.choices[0])
    for name, field in Settings.model_fields.items()
    if isinstance(field.validation_alias, AliasChoices)
}


def load_settings(**overrides: object) -> Settings:
    """Read the settings; raise :class:`ConfigError` with one clear line on the first problem."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        error = exc.errors()[0]
        field = str(error["loc"][0]) if error["loc"] else "?"
        name = _FIELD_TO_ENV.get(field, field)
        reason = str(error["msg"]).removeprefix("Value error, ")
        raise ConfigError(f"configuration error: {name}: {reason}") from None
