"""Telegram, through python-telegram-bot 22: updates become neutral events, replies become
HTML messages with inline keyboards and documents.

In a private chat every reply goes back to that chat. In a group the bot reacts only to its
commands (``/aide`` or ``/aide@bot``) and to messages that mention it; what concerns one
person (replies with buttons or files, or marked private) goes to that person's private chat,
and when the bot may not write there yet (they never opened it) the group gets a button that
opens the private chat and carries on (``t.me/<bot>?start=go_<command>``).
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeAllGroupChats,
    BotCommandScopeAllPrivateChats,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    Message,
    Update,
    User,
)
from telegram.constants import ChatMemberStatus, ChatType, ParseMode
from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError
from telegram.ext import Application, ApplicationBuilder, BaseUpdateProcessor, TypeHandler

from bot import markup
from bot.delivery import RateLimited, Unreachable
from bot.i18n import Catalogue
from bot.ratelimit import RateLimiter
from bot.types import (
    ChatRef,
    Event,
    Location,
    Outgoing,
    Platform,
    RenderedReply,
    Response,
    UserRef,
    msg,
)

log = logging.getLogger(__name__)

MESSAGE_LIMIT = 4096
"""Telegram's limit on a message's text (after entity parsing); pieces are cut below it."""
PIECE = 3900
START_PREFIX = "go_"
"""``/start go_missions`` (from a deep link) runs ``/missions`` in the private chat."""
_DEEP_LINK_SAFE = re.compile(r"[^A-Za-z0-9_-]")
_ADMINS = frozenset({ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.OWNER})

Handle = Callable[[Event], Awaitable[Response]]
CONCURRENT_UPDATES = 64
"""Updates answered at once: people do not wait for each other's answers to be sent."""


class OnePersonAtATime(BaseUpdateProcessor):
    """Answers updates concurrently, except that one person's updates are answered in the
    order they came (a typed answer must not overtake the button press before it)."""

    def __init__(self, max_concurrent_updates: int) -> None:
        super().__init__(max_concurrent_updates)
        self._locks: dict[int, asyncio.Lock] = {}
        self._queued: Counter[int] = Counter()

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        user = update.effective_user if isinstance(update, Update) else None
        if user is None:
            await coroutine
            return
        lock = self._locks.setdefault(user.id, asyncio.Lock())
        self._queued[user.id] += 1
        try:
            async with lock:
                await coroutine
        finally:
            self._queued[user.id] -= 1
            if not self._queued[user.id]:
                del self._queued[user.id]
                del self._locks[user.id]

    async def initialize(self) -> None:
        """Nothing to prepare."""

    async def shutdown(self) -> None:
        """Nothing to release."""


@dataclass(frozen=True, slots=True)
class TelegramMessage:
    """One message to send: HTML text and an optional inline keyboard."""

    text: str
    keyboard: InlineKeyboardMarkup | None


def to_event(update: Update, bot_username: str, now: datetime) -> Event | None:
    """The neutral event an update carries, or None when it is not for the bot (group chatter,
    a command for another bot, a service message)."""
    query = update.callback_query
    if query is not None:
        return _button_event(query, now)
    message = update.message
    if message is None or message.from_user is None or message.from_user.is_bot:
        return None
    user = message.from_user
    chat = message.chat
    private = chat.type == ChatType.PRIVATE
    base: dict[str, Any] = {
        "user": _user_ref(user),
        "chat": ChatRef(Platform.TELEGRAM, str(chat.id), is_private=private),
        "received_at": now,
        "message_id": str(message.message_id),
    }
    if message.location is not None:
        if not private:
            return None
        point = Location(message.location.latitude, message.location.longitude)
        return Event(location=point, **base)
    text = message.text
    if not text:
        kind = _unsupported(message)
        return Event(unsupported=kind, **base) if kind is not None and private else None
    command = _command(text, bot_username)
    if command is not None:
        name, args = command
        if name == "start" and args and args[0].startswith(START_PREFIX):
            name, args = args[0].removeprefix(START_PREFIX), args[1:]
        return Event(text=text, command=name, args=args, **base)
    if text.startswith("/"):
        return None  # a command for another bot
    if private:
        return Event(text=text, **base)
    mention = f"@{bot_username}".casefold()
    if bot_username and mention in text.casefold():
        cleaned = re.sub(re.escape(f"@{bot_username}"), "", text, flags=re.IGNORECASE).strip()
        return Event(text=cleaned or text, **base)
    return None


def _unsupported(message: Message) -> str | None:
    """What kind of content, other than text, a message carries (to say it cannot be read)."""
    if message.photo:
        return "photo"
    if message.sticker is not None:
        return "sticker"
    if message.voice is not None or message.audio is not None:
        return "voice"
    if message.video is not None or message.video_note is not None:
        return "video"
    if message.document is not None:
        return "file"
    return None


def _command(text: str, bot_username: str) -> tuple[str, tuple[str, ...]] | None:
    """``/name@bot args`` → ``(name, args)``; None if not a command for this bot."""
    if not text.startswith("/") or len(text) < 2:
        return None
    head, *args = text[1:].split()
    name, _, addressee = head.partition("@")
    if addressee and addressee.casefold() != bot_username.casefold():
        return None
    if not name:
        return None
    return name.lower(), tuple(args)


def _user_ref(user: User) -> UserRef:
    """A Telegram user as the core knows them: id, first name, reported language."""
    return UserRef(Platform.TELEGRAM, str(user.id), user.first_name or None, user.language_code)


def _button_event(query: CallbackQuery, now: datetime) -> Event | None:
    user = query.from_user
    message = query.message
    if query.data is None:
        return None
    if message is not None:
        chat = ChatRef(
            Platform.TELEGRAM,
            str(message.chat.id),
            is_private=message.chat.type == ChatType.PRIVATE,
        )
        message_id: str | None = str(message.message_id)
    else:
        chat = ChatRef(Platform.TELEGRAM, str(user.id), is_private=True)
        message_id = None
    return Event(
        user=_user_ref(user),
        chat=chat,
        received_at=now,
        button=query.data,
        message_id=message_id,
    )


def render(reply: RenderedReply) -> list[TelegramMessage]:
    """A reply as Telegram messages: long text cut at paragraph breaks, the keyboard on the
    last piece."""
    pieces = markup.split(reply.text, PIECE) if len(reply.text) > PIECE else [reply.text]
    if not pieces:
        pieces = ["…"]
    keyboard = None
    if reply.buttons:
        keyboard = InlineKeyboardMarkup(
            [
                [
                    InlineKeyboardButton(button.label[:64], callback_data=button.data)
                    for button in row
                ]
                for row in reply.buttons
            ]
        )
    rendered = [TelegramMessage(markup.to_telegram_html(p), None) for p in pieces]
    rendered[-1] = TelegramMessage(rendered[-1].text, keyboard)
    return rendered


def deep_link(bot_username: str, command: str | None) -> str:
    """A link that opens the private chat with the bot, running ``command`` there."""
    payload = _DEEP_LINK_SAFE.sub("", f"{START_PREFIX}{command}")[:64] if command else ""
    link = f"https://t.me/{bot_username}"
    return f"{link}?start={payload}" if payload else link


def retry_after_seconds(error: RetryAfter) -> float:
    """``retry_after`` as seconds, whichever type this version of the library gives."""
    value: Any = error.retry_after
    if isinstance(value, timedelta):
        return value.total_seconds()
    return float(value)


class TelegramAdapter:
    """Runs the bot on Telegram: receives updates, answers through the core, and sends the
    outbox's messages."""

    def __init__(
        self,
        application: Application[Any, Any, Any, Any, Any, Any],
        handle: Handle,
        catalogue: Catalogue,
        limiter: RateLimiter,
        *,
        default_locale: str = "fr",
    ) -> None:
        self.application = application
        self._handle = handle
        self._catalogue = catalogue
        self._limiter = limiter
        self._default_locale = default_locale
        application.add_handler(TypeHandler(Update, self._on_update))
        application.add_error_handler(self._on_error)

    @classmethod
    def build(
        cls,
        token: str,
        handle: Handle,
        catalogue: Catalogue,
        limiter: RateLimiter,
        *,
        api_url: str = "https://api.telegram.org",
        default_locale: str = "fr",
    ) -> TelegramAdapter:
        """An adapter talking to ``api_url`` (Telegram, or a test server)."""
        base = api_url.rstrip("/")
        application = (
            ApplicationBuilder()
            .token(token)
            .base_url(f"{base}/bot")
            .base_file_url(f"{base}/file/bot")
            .concurrent_updates(OnePersonAtATime(CONCURRENT_UPDATES))
            .build()
        )
        return cls(application, handle, catalogue, limiter, default_locale=default_locale)

    @property
    def bot(self) -> Bot:
        """The Bot API client."""
        bot: Bot = self.application.bot
        return bot

    @property
    def username(self) -> str:
        return self.bot.username or ""

    # -- incoming ----------------------------------------------------------------------

    async def _on_update(self, update: object, context: object) -> None:
        if not isinstance(update, Update):
            return
        await self.process(update)

    async def process(self, update: Update) -> None:
        """Answer one update (also used by webhook tests)."""
        query = update.callback_query
        event = to_event(update, self.username, datetime.now(UTC))
        if query is not None:
            await self._answer_query(query)
        if event is None:
            return
        if event.command is not None and not event.chat.is_private:
            event = await self._with_admin_flag(event)
        response = await self._handle(event)
        await self._reply(event, response)

    async def _answer_query(self, query: CallbackQuery) -> None:
        try:
            await query.answer()  # stops the spinning clock on the button
        except TelegramError as exc:
            log.info("could not answer callback query %s: %s", query.id, exc)

    async def _with_admin_flag(self, event: Event) -> Event:
        try:
            member = await self.bot.get_chat_member(
                int(event.chat.chat_id), int(event.user.user_id)
            )
        except (TelegramError, ValueError) as exc:
            log.info("could not check admin rights in chat %s: %s", event.chat.chat_id, exc)
            return event
        if member.status in _ADMINS:
            return replace(event, chat_admin=True)
        return event

    async def _reply(self, event: Event, response: Response) -> None:
        in_group = not event.chat.is_private
        told_privately = False
        for reply in response.replies:
            personal = in_group and (reply.private or reply.buttons or reply.files)
            chat_id = event.user.user_id if personal else event.chat.chat_id
            edit_id = event.message_id if reply.edit and event.button and not personal else None
            try:
                await self._deliver(chat_id, reply, edit_id)
            except Forbidden:
                if personal:
                    await self._offer_private_chat(event, response.locale)
                    return
                log.info("chat %s refused the bot's reply", chat_id)
                return
            told_privately = told_privately or bool(personal)
        if told_privately and event.command is not None:
            name = event.user.display_name or ""
            await self._notice(
                event.chat.chat_id, response.locale, "telegram.answered_privately", name=name
            )

    async def _offer_private_chat(self, event: Event, locale: str) -> None:
        link = deep_link(self.username, event.command)
        keyboard = InlineKeyboardMarkup(
            [[InlineKeyboardButton(self._text(locale, "telegram.open_private_button"), url=link)]]
        )
        name = event.user.display_name or ""
        await self._notice(
            event.chat.chat_id, locale, "telegram.open_private", keyboard=keyboard, name=name
        )

    async def _notice(
        self,
        chat_id: str,
        locale: str,
        key: str,
        *,
        keyboard: InlineKeyboardMarkup | None = None,
        **params: object,
    ) -> None:
        """A short message from the bot itself in a group (paced like the rest)."""
        await self._limiter.acquire(chat_id, group=True)
        try:
            await self.bot.send_message(
                int(chat_id),
                markup.to_telegram_html(self._text(locale, key, **params)),
                parse_mode=ParseMode.HTML,
                reply_markup=keyboard,
            )
        except TelegramError as exc:
            log.info("could not post a notice in %s: %s", chat_id, exc)

    def _text(self, locale: str, key: str, **params: object) -> str:
        return self._catalogue.translate(msg(key, **params), locale)

    async def _on_error(self, update: object, context: Any) -> None:
        log.error(
            "error while handling a Telegram update: %s", context.error, exc_info=context.error
        )

    # -- outgoing ----------------------------------------------------------------------

    async def _deliver(
        self, chat_id: str, reply: RenderedReply, edit_id: str | None, *, first_paced: bool = False
    ) -> str | None:
        """Send (or, for a message being replaced, edit) one reply and its files; returns the
        id of the last text message. Every call to Telegram waits for a send slot, except the
        first when the caller already has one."""
        chat = int(chat_id)
        group = chat < 0
        calls = 0

        async def pace() -> None:
            nonlocal calls
            if calls or not first_paced:
                await self._limiter.acquire(chat_id, group=group)
            calls += 1

        messages = render(reply)
        last: str | None = None
        if edit_id is not None and len(messages) == 1:
            await pace()
            try:
                await self.bot.edit_message_text(
                    messages[0].text,
                    chat_id=chat,
                    message_id=int(edit_id),
                    parse_mode=ParseMode.HTML,
                    reply_markup=messages[0].keyboard,
                )
                messages, last = [], edit_id
            except BadRequest as exc:
                if "not modified" in str(exc).lower():
                    messages, last = [], edit_id
                else:
                    log.info("could not edit message %s (%s); sending it anew", edit_id, exc)
        for message in messages:
            await pace()
            sent = await self.bot.send_message(
                chat, message.text, parse_mode=ParseMode.HTML, reply_markup=message.keyboard
            )
            last = str(sent.message_id)
        for attachment in reply.files:
            await pace()
            await self.bot.send_document(
                chat, InputFile(attachment.content, filename=attachment.filename)
            )
        return last

    async def send(self, outgoing: Outgoing) -> str | None:
        """The outbox's sender: one message, errors translated for :mod:`bot.delivery`,
        which has already waited for this message's send slot; returns the message's id."""
        rendered = self._catalogue.render(outgoing.reply, outgoing.locale)
        try:
            return await self._deliver(
                outgoing.chat_id, rendered, outgoing.edit_message_id, first_paced=True
            )
        except RetryAfter as exc:
            raise RateLimited(retry_after_seconds(exc)) from exc
        except Forbidden as exc:
            raise Unreachable(str(exc)) from exc
        except BadRequest as exc:
            if "chat not found" in str(exc).lower() or "user not found" in str(exc).lower():
                raise Unreachable(str(exc)) from exc
            raise

    # -- life cycle --------------------------------------------------------------------

    async def set_commands(
        self, menus: Sequence[tuple[str, str, Sequence[tuple[str, str]]]]
    ) -> None:
        """Publish the command menus: ``(scope, language, [(command, description)])`` with
        scope ``private`` or ``group``."""
        for scope, language, commands in menus:
            target = (
                BotCommandScopeAllPrivateChats()
                if scope == "private"
                else BotCommandScopeAllGroupChats()
            )
            try:
                await self.bot.set_my_commands(
                    [BotCommand(name, description[:256]) for name, description in commands],
                    scope=target,
                    language_code=language,
                )
            except TelegramError as exc:
                log.warning("could not publish the %s command menu (%s): %s", scope, language, exc)

    async def start(
        self, *, webhook: WebhookSettings | None = None, poll_interval: float = 0.0
    ) -> None:
        """Connect (``getMe``), then receive updates by long polling, or tell Telegram where
        the webhook is (the updates then come through :meth:`receive`, from the web server)."""
        await self.application.initialize()
        await self.application.start()
        allowed = ["message", "callback_query"]
        if webhook is None:
            updater = self.application.updater
            assert updater is not None
            await updater.start_polling(
                poll_interval=poll_interval, timeout=timedelta(seconds=10), allowed_updates=allowed
            )
        else:
            await self.bot.set_webhook(
                url=webhook.url, secret_token=webhook.secret, allowed_updates=allowed
            )
        log.info("connected to Telegram as @%s", self.username)

    async def receive(self, data: Mapping[str, Any]) -> None:
        """Take one update posted to the webhook (its secret already checked): it is answered
        in turn, like a polled one."""
        update = Update.de_json(dict(data), self.bot)
        await self.application.update_queue.put(update)

    async def connected(self) -> bool:
        """Whether updates are being taken (for the health check)."""
        return self.application.running

    async def stop(self) -> None:
        """Stop receiving and release the connection. A webhook stays set: with several
        instances, the others go on receiving through it."""
        updater = self.application.updater
        if updater is not None and updater.running:
            await updater.stop()
        if self.application.running:
            await self.application.stop()
        await self.application.shutdown()


@dataclass(frozen=True, slots=True)
class WebhookSettings:
    """Where Telegram posts updates (``url``, whose ``path`` the web server answers) and the
    secret it sends with each."""

    url: str
    path: str
    secret: str
