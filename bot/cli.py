"""The ``entraide`` command: run the bot, chat in the terminal, manage the database."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
import sys
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from urllib.parse import urlsplit

from telegram.error import InvalidToken, NetworkError

from bot import kb_cli
from bot.adapters.console import ConsoleAdapter, ConsoleUser
from bot.adapters.telegram import TelegramAdapter, WebhookSettings
from bot.config import ConfigError, Settings, load_settings
from bot.delivery import Delivery
from bot.logs import TEXT_FORMAT, JsonFormatter, RequestFilter
from bot.menus import command_menus
from bot.ratelimit import DISCORD, TELEGRAM
from bot.redact import Redactor
from bot.types import Platform
from bot.web import WebServer
from bot.wiring import App, build_app, settle_memory
from storage.db import Database
from storage.records import Role

log = logging.getLogger("entraide")

EXIT_CONFIG = 2
EXIT_RUNTIME = 1


class StartupError(Exception):
    """Start-up cannot go on; the message is one line for the operator."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="entraide", description="Entraide, the volunteers' chat assistant."
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    commands.add_parser(
        "run", help="start every adapter whose token is set (the terminal chat if none is)"
    )

    chat = commands.add_parser("chat", help="talk to the bot in this terminal")
    chat.add_argument(
        "--as",
        dest="role",
        choices=[r.value for r in Role],
        default=Role.VOLUNTEER.value,
        help="try the bot as a volunteer (default) or as a coordinator of the demo association",
    )
    chat.add_argument("--lang", choices=["fr", "en"], help="the language your 'device' reports")
    chat.add_argument("--name", default=None, help="your display name")
    chat.add_argument("--user", default="console-user", help="an id, to play several people")

    db = commands.add_parser("db", help="database maintenance")
    db_commands = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    db_commands.add_parser("upgrade", help="apply the migrations")
    kb_cli.add_arguments(commands)
    return parser


def _configure_logging(settings: Settings, *, to_file: bool) -> None:
    """Logs go to stderr, or to ``data/entraide.log`` while the terminal chat owns the screen."""
    root = logging.getLogger()
    root.setLevel(settings.log_level)
    if to_file:
        path = Path("data") / "entraide.log"
        path.parent.mkdir(parents=True, exist_ok=True)
        handler: logging.Handler = logging.FileHandler(path, encoding="utf-8")
    else:
        handler = logging.StreamHandler(sys.stderr)
    if settings.log_format == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter(TEXT_FORMAT))
    handler.addFilter(RequestFilter())
    handler.addFilter(Redactor(settings.secrets()))
    root.handlers[:] = [handler]
    for noisy in ("httpx", "sqlalchemy.engine", "aiosqlite"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def _database_problem(exc: BaseException) -> str | None:
    """One line describing a failure to reach or migrate the database, if that is what it is."""
    if isinstance(exc, OSError) or type(exc).__module__.startswith(
        ("sqlalchemy", "asyncpg", "alembic", "sqlite3")
    ):
        detail = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return f"cannot open the database: {detail}"
    return None


async def _chat(settings: Settings, user: ConsoleUser, role: Role) -> None:
    app = await build_app(settings)
    try:
        services = app.services
        if role is Role.COORDINATOR:
            volunteer = await services.volunteers.identify(
                "console", user.user_id, user.display_name
            )
            association = await services.associations.by_slug(settings.default_association)
            if association is None:
                association = await services.associations.first()
            if association is not None:
                await services.associations.set_role(volunteer.id, association.id, role)
        adapter = ConsoleAdapter(
            handle=app.dispatcher.handle,
            catalogue=services.catalogue,
            user=user,
            stdin=sys.stdin,
            stdout=sys.stdout,
            downloads=Path("data") / "downloads",
            color=sys.stdout.isatty(),
            locale=services.catalogue.resolve(user.language_code),
        )
        delivery = app.delivery(Platform.CONSOLE, adapter.send, chat_id=user.user_id)
        await delivery.drain()  # what was sent while this person was away comes first
        stop = asyncio.Event()
        background = asyncio.create_task(app.run_background(stop, [delivery]))
        try:
            await adapter.run()
        finally:
            stop.set()
            await background
    finally:
        await app.close()


async def _run(settings: Settings) -> None:
    if settings.telegram_bot_token is None and settings.discord_bot_token is None:
        print("No TELEGRAM_BOT_TOKEN or DISCORD_BOT_TOKEN set: starting the terminal chat.")
        await _chat(settings, ConsoleUser(), Role.VOLUNTEER)
        return
    await _serve(settings)


async def _serve(settings: Settings) -> None:
    """Answer on every platform whose token is set, and deliver the outbox there, until
    SIGINT or SIGTERM."""
    app = await build_app(settings)
    settle_memory()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signal_number in (signal.SIGINT, signal.SIGTERM):
        # Event loops without signal support (Windows) raise; Ctrl+C still stops the process.
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(signal_number, stop.set)
    stoppers: list[Callable[[], Awaitable[None]]] = []
    deliveries: list[Delivery] = []
    try:
        hook = _webhook(settings) if settings.telegram_bot_token is not None else None
        server = await _start_web_server(app, settings, hook, stoppers)
        if settings.telegram_bot_token is not None:
            token = settings.telegram_bot_token.get_secret_value()
            deliveries.append(await _start_telegram(app, settings, token, stoppers, hook, server))
        if settings.discord_bot_token is not None:
            token = settings.discord_bot_token.get_secret_value()
            deliveries.append(await _start_discord(app, settings, token, stoppers, stop, server))
        await app.run_background(stop, deliveries)
    finally:
        for stopper in reversed(stoppers):
            await stopper()
        await app.close()


async def _start_web_server(
    app: App,
    settings: Settings,
    hook: WebhookSettings | None,
    stoppers: list[Callable[[], Awaitable[None]]],
) -> WebServer | None:
    """The web server of the webhook, /healthz and /metrics, when one is asked for."""
    address = settings.telegram_webhook_listen if hook is not None else settings.http_listen
    if address is None:
        return None
    host, _, port = address.rpartition(":")
    services = app.services
    server = WebServer(
        host,
        int(port),
        metrics=services.metrics,
        outbox=services.outbox,
        webhook=(hook.path, hook.secret) if hook is not None else None,
    )
    server.add_check("database", services.db.ping)
    try:
        await server.start()
    except OSError as exc:
        raise StartupError(f"cannot listen on {address}: {exc.strerror or exc}") from exc
    stoppers.append(server.stop)
    print(f"Health and metrics: http://{host}:{server.port}/healthz and /metrics")
    return server


async def _start_telegram(
    app: App,
    settings: Settings,
    token: str,
    stoppers: list[Callable[[], Awaitable[None]]],
    hook: WebhookSettings | None,
    server: WebServer | None,
) -> Delivery:
    """Connect to Telegram; returns the outbox's delivery there."""
    catalogue = app.services.catalogue
    limiter = app.send_limiter(Platform.TELEGRAM, token, TELEGRAM)
    adapter = TelegramAdapter.build(
        token,
        app.dispatcher.handle,
        catalogue,
        limiter,
        api_url=settings.telegram_api_url,
        default_locale=settings.default_locale,
    )
    stoppers.append(adapter.stop)
    try:
        await adapter.start(webhook=hook)
    except InvalidToken as exc:
        raise StartupError("TELEGRAM_BOT_TOKEN was refused by Telegram") from exc
    except NetworkError as exc:
        raise StartupError(f"cannot reach Telegram at {settings.telegram_api_url}: {exc}") from exc
    if server is not None:
        server.add_check("telegram", adapter.connected, adapter=True)
        server.receive = adapter.receive
    menus = command_menus(app.dispatcher, catalogue)
    await adapter.set_commands([(m.scope, m.language, m.commands) for m in menus])
    print(f"Connected to Telegram as @{adapter.username}. Ctrl+C to stop.")
    return app.delivery(Platform.TELEGRAM, adapter.send, limiter=limiter, concurrency=8, lanes=2)


async def _start_discord(
    app: App,
    settings: Settings,
    token: str,
    stoppers: list[Callable[[], Awaitable[None]]],
    stop: asyncio.Event,
    server: WebServer | None,
) -> Delivery:
    """Connect to Discord; returns the outbox's delivery there. A connection that ends for
    good (token revoked, say) stops the process rather than leaving it half alive."""
    import aiohttp  # discord.py and its HTTP client are loaded only when Discord is used
    import discord

    limiter = app.send_limiter(Platform.DISCORD, token, DISCORD)
    adapter = app.discord_adapter(
        limiter,
        shards=settings.discord_shards,
        shard_ids=[int(n) for n in settings.discord_shard_ids.split(",") if n.strip()],
    )
    stoppers.append(adapter.stop)
    try:
        await adapter.start(token)
    except discord.LoginFailure as exc:
        raise StartupError("DISCORD_BOT_TOKEN was refused by Discord") from exc
    except discord.PrivilegedIntentsRequired as exc:
        raise StartupError(f"Discord refused the gateway intents: {exc}") from exc
    except (OSError, aiohttp.ClientError, discord.HTTPException) as exc:
        raise StartupError(f"cannot reach Discord: {exc}") from exc

    def connection_ended(task: asyncio.Future[None]) -> None:
        if not stop.is_set():
            error = None if task.cancelled() else task.exception()
            log.error("the Discord connection ended: %s", error or "closed")
            stop.set()

    adapter.on_connection_end(connection_ended)
    if server is not None:
        server.add_check("discord", adapter.connected, adapter=True)
    print(f"Connected to Discord as {adapter.client.user}. Ctrl+C to stop.")
    invite = adapter.invite_url()
    if invite:
        print(f"To add it to a server: {invite}")
    return app.delivery(Platform.DISCORD, adapter.send, limiter=limiter, concurrency=8, lanes=2)


def _webhook(settings: Settings) -> WebhookSettings | None:
    url = settings.telegram_webhook_url
    if url is None:
        return None
    secret = settings.telegram_webhook_secret
    if secret is None:
        raise StartupError(
            "ENTRAIDE_TELEGRAM_WEBHOOK_SECRET is required with ENTRAIDE_TELEGRAM_WEBHOOK_URL"
        )
    path = urlsplit(url).path.strip("/") or "telegram"
    return WebhookSettings(url, path, secret.get_secret_value())


async def _db_upgrade(settings: Settings) -> None:
    db = Database(settings.database_url)
    try:
        await db.upgrade()
    finally:
        await db.dispose()
    print(f"database is up to date: {settings.database_url}")


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``entraide`` console script."""
    args = _parser().parse_args(argv)
    if args.command == "ask":
        return kb_cli.run_ask(args)
    if args.command == "kb":
        return kb_cli.run_kb_check(args)
    try:
        settings = load_settings()
    except ConfigError as exc:
        print(f"entraide: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    interactive = args.command in {"run", "chat"}
    _configure_logging(settings, to_file=interactive)
    redactor = Redactor(settings.secrets())
    try:
        if args.command == "run":
            asyncio.run(_run(settings))
        elif args.command == "chat":
            user = ConsoleUser(args.user, args.name, args.lang)
            asyncio.run(_chat(settings, user, Role(args.role)))
        elif args.command == "db":
            asyncio.run(_db_upgrade(settings))
    except StartupError as exc:
        print(f"entraide: {redactor.redact(str(exc))}", file=sys.stderr)
        return EXIT_RUNTIME
    except Exception as exc:
        problem = _database_problem(exc)
        if problem is None:
            raise
        log.debug("start-up failed", exc_info=exc)
        print(f"entraide: {redactor.redact(problem)}", file=sys.stderr)
        return EXIT_RUNTIME
    except KeyboardInterrupt:
        return 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
