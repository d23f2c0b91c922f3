"""Discord, through discord.py 2.7: slash commands, buttons and modals become neutral events;
replies become messages, embeds, buttons and modals.

- Slash commands carry French names with English translations (``app_commands.Translator``);
  in a server every answer is ephemeral (only the person sees it), and what concerns one person
  (a confirmation with its calendar file, a list to keep) goes to their private messages, or
  stays in the ephemeral answer with a note when their private messages are closed.
- Buttons are persistent: their ``custom_id`` is ``e:<core data>`` (a ``DynamicItem``), so
  buttons on old messages keep working after a restart.
- A reply carrying a form opens a modal when it answers a command or a press; modal
  submissions are read from the interaction itself (``f:<form data>``), restart or not.
- One server is one association by default; members who can manage the server or its events
  (or hold the role chosen with ``/config role``) coordinate it.
"""

from __future__ import annotations

import asyncio
import io
import logging
import re
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any, cast

import discord
from discord import app_commands

from bot import markup
from bot.delivery import RateLimited, Unreachable
from bot.i18n import Catalogue
from bot.ratelimit import RateLimiter
from bot.types import (
    Attachment,
    ChatRef,
    Event,
    Outgoing,
    Platform,
    RenderedButton,
    RenderedForm,
    RenderedReply,
    Response,
    Space,
    UserRef,
    msg,
)

log = logging.getLogger(__name__)

MESSAGE_LIMIT = 2000
PIECE = 1800
"""Subset markup is cut below Discord's limit: escaping may lengthen it a little."""
EMBED_TITLE_LIMIT = 256
EMBED_LIMIT = 4096
BUTTON_LABEL_LIMIT = 80
MAX_ROWS = 5
MAX_PER_ROW = 5
MODAL_TITLE_LIMIT = 45
MODAL_LABEL_LIMIT = 45
MODAL_FIELDS = 5
BUTTON_PREFIX = "e:"
FORM_PREFIX = "f:"
ANSWER_WITHIN = 2.5
"""Seconds the core has to answer before the interaction is deferred (Discord allows 3)."""
CARD_COLOUR = discord.Colour(0x2E7D32)
NO_PINGS = discord.AllowedMentions.none()
ENGLISH = (discord.Locale.american_english, discord.Locale.british_english)
CHANNEL_PERMISSIONS = ("view_channel", "send_messages", "embed_links")
"""What the bot needs in the announcements channel."""
INVITE_PERMISSIONS = discord.Permissions(
    view_channel=True, send_messages=True, embed_links=True, attach_files=True
)
"""What the invite link asks for: see the channels, post there, with cards and files."""

Handle = Callable[[Event], Awaitable[Response]]
ChatGone = Callable[[str], Awaitable[None]]


# -- platform facts → neutral events -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Interacted:
    """What an interaction tells, read off discord.py's objects by :func:`facts_of`."""

    kind: str
    """``command``, ``button`` or ``form``."""
    user_id: str
    user_name: str | None
    locale: str | None
    channel_id: str
    guild_id: str | None = None
    guild_name: str | None = None
    manager: bool = False
    """Can manage the server or its events."""
    roles: tuple[str, ...] = ()
    command: str | None = None
    args: tuple[str, ...] = ()
    custom_id: str | None = None
    values: Mapping[str, str] | None = None
    message_id: str | None = None


def to_event(facts: Interacted, now: datetime) -> Event | None:
    """The neutral event an interaction carries, or None when it is not one of ours."""
    private = facts.guild_id is None
    base: dict[str, Any] = {
        "user": UserRef(Platform.DISCORD, facts.user_id, facts.user_name, facts.locale),
        # A person's private chat is known by their user id (the outbox writes to people).
        "chat": ChatRef(
            Platform.DISCORD,
            facts.user_id if private else facts.channel_id,
            is_private=private,
            ephemeral=not private,
        ),
        "received_at": now,
        "message_id": facts.message_id,
    }
    if not private and facts.guild_id is not None:
        base["space"] = Space(facts.guild_id, facts.guild_name)
        base["chat_admin"] = facts.manager
        base["member_roles"] = facts.roles
    if facts.kind == "command" and facts.command:
        text = " ".join((f"/{facts.command}", *facts.args))
        return Event(text=text, command=facts.command, args=facts.args, **base)
    custom_id = facts.custom_id or ""
    if facts.kind == "button" and custom_id.startswith(BUTTON_PREFIX):
        return Event(button=custom_id.removeprefix(BUTTON_PREFIX), **base)
    if facts.kind == "form" and custom_id.startswith(FORM_PREFIX):
        values = {k: v for k, v in (facts.values or {}).items() if isinstance(v, str)}
        return Event(button=custom_id.removeprefix(FORM_PREFIX), form=values, **base)
    return None


def message_event(
    user_id: str,
    user_name: str | None,
    text: str,
    message_id: str,
    now: datetime,
    *,
    unsupported: str | None = None,
) -> Event | None:
    """A private message typed to the bot (the platform reports no language with it); a
    message with only a picture, a sticker or a file says what it carried."""
    base: dict[str, Any] = {
        "user": UserRef(Platform.DISCORD, user_id, user_name),
        "chat": ChatRef(Platform.DISCORD, user_id, is_private=True),
        "received_at": now,
        "message_id": message_id,
    }
    if text.strip():
        return Event(text=text, **base)
    if unsupported is not None:
        return Event(unsupported=unsupported, **base)
    return None


def _unsupported(message: discord.Message) -> str | None:
    if message.stickers:
        return "sticker"
    for attachment in message.attachments:
        kind = (attachment.content_type or "").split("/")[0]
        return {"image": "photo", "audio": "voice", "video": "video"}.get(kind, "file")
    return None


def form_values(data: Mapping[str, Any] | None) -> dict[str, str]:
    """The text typed in each field of a submitted modal (``custom_id`` → ``value``),
    whatever the nesting of its components."""
    found: dict[str, str] = {}

    def walk(node: Any) -> None:
        if isinstance(node, Mapping):
            if isinstance(node.get("custom_id"), str) and isinstance(node.get("value"), str):
                found[node["custom_id"]] = node["value"]
            for child in node.values():
                if isinstance(child, list | dict):
                    walk(child)
        elif isinstance(node, list):
            for child in node:
                walk(child)

    walk((data or {}).get("components", []))
    return found


# -- neutral replies → Discord messages ----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DiscordMessage:
    """One message to send: text or an embed, button rows and files."""

    content: str | None = None
    embed_title: str | None = None
    embed_text: str | None = None
    rows: tuple[tuple[RenderedButton, ...], ...] = ()
    files: tuple[Attachment, ...] = ()

    @property
    def custom_ids(self) -> list[str]:
        """The ``custom_id`` of every button, row by row."""
        return [f"{BUTTON_PREFIX}{b.data}" for row in self.rows for b in row]


def render(reply: RenderedReply, *, form_label: str | None = None) -> list[DiscordMessage]:
    """A reply as Discord messages: long text cut at paragraph breaks, a card as an embed,
    at most five button rows a message (more go to extra messages), files on the last.
    ``form_label`` adds a button that shows the reply's form (where it cannot open by itself)."""
    rows = [
        tuple(
            RenderedButton(b.label[:BUTTON_LABEL_LIMIT] or "…", b.data) for b in row[:MAX_PER_ROW]
        )
        for row in reply.buttons
        if row
    ]
    if reply.form is not None and form_label is not None:
        label = reply.form.reopen_label or form_label
        rows.append((RenderedButton(label[:BUTTON_LABEL_LIMIT], reply.form.reopen),))
    messages: list[DiscordMessage] = []
    if reply.card:
        headline, _, rest = reply.text.strip().partition("\n")
        body = markup.to_discord(rest.strip())
        messages.append(
            DiscordMessage(
                embed_title=markup.to_plain(headline)[:EMBED_TITLE_LIMIT] or "…",
                embed_text=_clip(body, EMBED_LIMIT) or None,
            )
        )
    else:
        pieces = markup.split(reply.text, PIECE) if len(reply.text) > PIECE else [reply.text]
        messages.extend(
            DiscordMessage(content=_clip(markup.to_discord(p), MESSAGE_LIMIT))
            for p in pieces
            if p.strip()
        )
    if not messages:
        messages.append(DiscordMessage(content="…"))
    chunks = [tuple(rows[i : i + MAX_ROWS]) for i in range(0, len(rows), MAX_ROWS)] or [()]
    last = messages.pop()
    messages.append(replace(last, rows=chunks[0]))
    messages.extend(DiscordMessage(content="…", rows=chunk) for chunk in chunks[1:])
    if reply.files:
        messages[-1] = replace(messages[-1], files=reply.files)
    return messages


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip("\\") + "…"


def send_kwargs(message: DiscordMessage) -> dict[str, Any]:
    """Keyword arguments for ``Messageable.send``, ``InteractionResponse.send_message`` or a
    followup (only what the message has)."""
    kwargs: dict[str, Any] = {"allowed_mentions": NO_PINGS}
    if message.content is not None:
        kwargs["content"] = message.content
    embed = _embed(message)
    if embed is not None:
        kwargs["embed"] = embed
    if message.rows:
        kwargs["view"] = buttons_view(message.rows)
    if message.files:
        kwargs["files"] = [discord.File(io.BytesIO(f.content), f.filename) for f in message.files]
    return kwargs


def edit_kwargs(message: DiscordMessage) -> dict[str, Any]:
    """Keyword arguments to replace a message by this one (what it lacks is removed)."""
    return {
        "content": message.content,
        "embed": _embed(message),
        "view": buttons_view(message.rows) if message.rows else None,
        "allowed_mentions": NO_PINGS,
    }


def _embed(message: DiscordMessage) -> discord.Embed | None:
    if message.embed_title is None:
        return None
    return discord.Embed(
        title=message.embed_title, description=message.embed_text, colour=CARD_COLOUR
    )


class CoreButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=r"e:(?P<data>.+)"):
    """A button carrying core data; recognised from its ``custom_id`` alone, so it works on
    messages sent before a restart."""

    def __init__(self, data: str, label: str = "…", row: int | None = None) -> None:
        super().__init__(
            discord.ui.Button(
                label=label, custom_id=f"{BUTTON_PREFIX}{data}", style=_style(data), row=row
            )
        )
        self.data = data

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[discord.Client],
        item: discord.ui.Item[Any],
        match: re.Match[str],
    ) -> CoreButton:
        label = getattr(item, "label", None) or "…"
        return cls(match["data"], label)

    async def callback(self, interaction: discord.Interaction[discord.Client]) -> None:
        await _adapter_of(interaction).on_press(interaction, self.data)


def _style(data: str) -> discord.ButtonStyle:
    """Signing up stands out; everything else is a plain button."""
    return (
        discord.ButtonStyle.success if data.startswith("mi:s:") else discord.ButtonStyle.secondary
    )


def buttons_view(rows: Sequence[Sequence[RenderedButton]]) -> discord.ui.View:
    """A persistent view holding the rows of buttons."""
    view = discord.ui.View(timeout=None)
    for number, row in enumerate(rows[:MAX_ROWS]):
        for button in row[:MAX_PER_ROW]:
            view.add_item(CoreButton(button.data, button.label, row=number))
    return view


def form_modal(form: RenderedForm) -> discord.ui.Modal:
    """A modal showing the form; its submission is read by the adapter from the interaction
    (``custom_id`` ``f:<data>``), so that it does not depend on this object surviving."""
    modal = discord.ui.Modal(
        title=form.title[:MODAL_TITLE_LIMIT] or "…",
        custom_id=f"{FORM_PREFIX}{form.data}",
        timeout=None,
    )
    for item in form.fields[:MODAL_FIELDS]:
        modal.add_item(
            discord.ui.Label(
                text=item.label[:MODAL_LABEL_LIMIT] or item.name,
                component=discord.ui.TextInput(
                    custom_id=item.name,
                    style=discord.TextStyle.paragraph if item.long else discord.TextStyle.short,
                    required=item.required,
                    max_length=min(item.max_length, 4000),
                    default=item.value or None,
                    placeholder=(item.placeholder or "")[:100] or None,
                ),
            )
        )
    return modal


# -- slash commands ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CommandSpec:
    """A slash command: its French name, English name, descriptions and option."""

    name: str
    english: str
    description: Mapping[str, str]
    option: str | None = None
    """``text`` (optional free text), ``question`` (required) or None."""


COMMANDS = (
    "aide",
    "question",
    "humain",
    "missions",
    "mes_missions",
    "pres_de_moi",
    "rappels",
    "abonnements",
    "langue",
    "annuler",
    "nouvelle_mission",
    "gerer",
    "annonce",
    "kb",
    "lier",
    "delier",
    "journal",
    "referents",
    "devenir_referent",
    "binome",
    "profil",
    "lier_compte",
    "delier_compte",
    "mes_donnees",
    "supprimer_mes_donnees",
)
"""What Discord's command picker offers, in this order (plus ``/config``)."""
TEXT_OPTION = frozenset(
    {"missions", "nouvelle_mission", "annonce", "kb", "lier", "langue", "lier_compte", "humain"}
)


def command_specs(aliases: Callable[[str], list[str]], catalogue: Catalogue) -> list[CommandSpec]:
    """The slash commands, from the core's command names and the catalogue's descriptions."""
    specs = []
    for name in COMMANDS:
        names = aliases(name)
        if not names:
            continue
        english = names[1] if len(names) > 1 and not names[0].startswith(names[1]) else name
        option = "question" if name == "question" else "text" if name in TEXT_OPTION else None
        specs.append(
            CommandSpec(name, english, _descriptions(catalogue, f"discord.commands.{name}"), option)
        )
    return specs


def _descriptions(catalogue: Catalogue, key: str) -> dict[str, str]:
    return {
        locale: markup.to_plain(catalogue.translate(msg(key), locale))[:100]
        for locale in catalogue.locales
    }


class Translations(app_commands.Translator):
    """English names and descriptions for the French slash commands."""

    def __init__(self, english: Mapping[str, str]) -> None:
        self._english = dict(english)

    async def translate(
        self,
        string: app_commands.locale_str,
        locale: discord.Locale,
        context: app_commands.TranslationContextTypes,
    ) -> str | None:
        if locale in ENGLISH:
            return self._english.get(string.message)
        return None


# -- the adapter ---------------------------------------------------------------------------------


class DiscordAdapter:
    """Runs the bot on Discord: answers interactions and private messages through the core,
    and sends the outbox's messages."""

    def __init__(
        self,
        handle: Handle,
        catalogue: Catalogue,
        limiter: RateLimiter,
        *,
        aliases: Callable[[str], list[str]],
        chat_gone: ChatGone | None = None,
        shards: str = "",
        shard_ids: Sequence[int] = (),
        default_locale: str = "fr",
    ) -> None:
        self._handle = handle
        self._catalogue = catalogue
        self._limiter = limiter
        self._chat_gone = chat_gone
        self._default_locale = default_locale
        self._dm_channels: dict[int, discord.DMChannel] = {}
        """Private channels already opened, by user id (saves a call per message)."""
        self._connection: asyncio.Task[None] | None = None
        self.specs = command_specs(aliases, catalogue)
        self.client = _client(self, shards, shard_ids)
        self.publishes_commands = not shard_ids or 0 in shard_ids
        """Slash commands are global: with shards split across processes, the one running
        shard 0 publishes them, the others only answer them."""

    # -- set-up ---------------------------------------------------------------------------------

    async def setup(self) -> None:
        """Register the persistent buttons and the slash commands (from ``setup_hook``)."""
        client = self.client
        client.add_dynamic_items(CoreButton)
        tree = client.tree
        english: dict[str, str] = {}
        for spec in self.specs:
            tree.add_command(self._command(spec))
            english[spec.name] = spec.english
            english[spec.description["fr"]] = spec.description.get("en", spec.description["fr"])
        config = self._config_group()
        tree.add_command(config)
        english.update(self._config_english())
        for key in ("text", "question", "channel", "role"):
            french, english_name = (
                self._text("fr", f"discord.option_{key}"),
                self._text("en", f"discord.option_{key}"),
            )
            english[french] = english_name
            description = f"discord.option_{key}_description"
            english[self._text("fr", description)] = self._text("en", description)
        await tree.set_translator(Translations(english))
        if self.publishes_commands:
            await tree.sync()

    def _command(self, spec: CommandSpec) -> app_commands.Command[Any, Any, None]:
        adapter = self
        name = spec.name
        description = app_commands.locale_str(spec.description["fr"])
        if spec.option == "question":

            async def ask(interaction: discord.Interaction[discord.Client], question: str) -> None:
                await adapter.on_command(interaction, name, (question,))

            ask = app_commands.rename(question=self._option_name("question"))(ask)
            ask = app_commands.describe(question=self._option_description("question"))(ask)
            return app_commands.Command(
                name=app_commands.locale_str(name), description=description, callback=ask
            )
        if spec.option == "text":

            async def with_text(
                interaction: discord.Interaction[discord.Client], texte: str | None = None
            ) -> None:
                await adapter.on_command(interaction, name, (texte,) if texte else ())

            with_text = app_commands.rename(texte=self._option_name("text"))(with_text)
            with_text = app_commands.describe(texte=self._option_description("text"))(with_text)
            return app_commands.Command(
                name=app_commands.locale_str(name), description=description, callback=with_text
            )

        async def plain(interaction: discord.Interaction[discord.Client]) -> None:
            await adapter.on_command(interaction, name, ())

        return app_commands.Command(
            name=app_commands.locale_str(name), description=description, callback=plain
        )

    def _option_name(self, key: str) -> app_commands.locale_str:
        return app_commands.locale_str(self._text("fr", f"discord.option_{key}"))

    def _option_description(self, key: str) -> app_commands.locale_str:
        return app_commands.locale_str(self._text("fr", f"discord.option_{key}_description"))

    def _config_group(self) -> app_commands.Group:
        adapter = self
        group = app_commands.Group(
            name=app_commands.locale_str("config"),
            description=app_commands.locale_str(self._text("fr", "discord.commands.config")),
            guild_only=True,
        )

        async def channel(
            interaction: discord.Interaction[discord.Client],
            salon: discord.TextChannel | None = None,
        ) -> None:
            await adapter.on_config_channel(interaction, salon)

        async def role(
            interaction: discord.Interaction[discord.Client], role: discord.Role | None = None
        ) -> None:
            args = ("role", str(role.id)) if role is not None else ("role", "aucun")
            await adapter.on_command(interaction, "config", args)

        async def mentors(interaction: discord.Interaction[discord.Client]) -> None:
            await adapter.on_command(interaction, "config", ("referents",))

        channel = app_commands.rename(salon=self._option_name("channel"))(channel)
        channel = app_commands.describe(salon=self._option_description("channel"))(channel)
        role = app_commands.describe(role=self._option_description("role"))(role)
        subcommands: tuple[tuple[str, Any], ...] = (
            ("canal", channel),
            ("role", role),
            ("referents", mentors),
        )
        for sub, callback in subcommands:
            group.add_command(
                app_commands.Command(
                    name=app_commands.locale_str(sub),
                    description=app_commands.locale_str(
                        self._text("fr", f"discord.commands.config_{sub}")
                    ),
                    callback=callback,
                    parent=group,
                )
            )
        return group

    def _config_english(self) -> dict[str, str]:
        english = {"config": "settings", "canal": "channel", "referents": "mentors"}
        for key in ("config", "config_canal", "config_role", "config_referents"):
            english[self._text("fr", f"discord.commands.{key}")] = self._text(
                "en", f"discord.commands.{key}"
            )
        return english

    # -- incoming -------------------------------------------------------------------------------

    async def on_command(
        self,
        interaction: discord.Interaction[discord.Client],
        name: str,
        args: Sequence[str],
    ) -> None:
        """A slash command."""
        words = tuple(word for arg in args for word in arg.split())
        await self._run(interaction, facts_of(interaction, "command", command=name, args=words))

    async def on_press(self, interaction: discord.Interaction[discord.Client], data: str) -> None:
        """A press on one of our buttons."""
        custom_id = f"{BUTTON_PREFIX}{data}"
        await self._run(interaction, facts_of(interaction, "button", custom_id=custom_id))

    async def on_interaction(self, interaction: discord.Interaction[discord.Client]) -> None:
        """Modal submissions (the rest is routed by the command tree and the buttons)."""
        if interaction.type is not discord.InteractionType.modal_submit:
            return
        data = cast(Mapping[str, Any], interaction.data or {})
        custom_id = str(data.get("custom_id", ""))
        if not custom_id.startswith(FORM_PREFIX):
            return
        facts = facts_of(interaction, "form", custom_id=custom_id, values=form_values(data))
        await self._run(interaction, facts)

    async def on_config_channel(
        self,
        interaction: discord.Interaction[discord.Client],
        channel: discord.TextChannel | None,
    ) -> None:
        """``/config canal``: first make sure the bot may post there."""
        target = channel or interaction.channel
        guild = interaction.guild
        if isinstance(target, discord.TextChannel) and guild is not None and guild.me:
            permissions = target.permissions_for(guild.me)
            missing = [p for p in CHANNEL_PERMISSIONS if not getattr(permissions, p)]
            if missing:
                locale = self._locale(interaction)
                names = ", ".join(self._text(locale, f"discord.permission_{p}") for p in missing)
                text = self._text(
                    locale,
                    "discord.missing_permissions",
                    channel=markup.escape(f"#{target.name}"),
                    permissions=names,
                )
                await self._respond(
                    interaction, [DiscordMessage(content=markup.to_discord(text))], True
                )
                log.info("missing %s in channel %s of guild %s", missing, target.id, guild.id)
                return
        chosen = (str(target.id),) if target is not None else ()
        await self.on_command(interaction, "config", ("canal", *chosen))

    async def on_message(self, message: discord.Message) -> None:
        """A private message typed to the bot (messages in servers are not read)."""
        if message.author.bot or message.guild is not None:
            return
        event = message_event(
            str(message.author.id),
            message.author.display_name,
            message.content,
            str(message.id),
            datetime.now(UTC),
            unsupported=_unsupported(message),
        )
        if event is None:
            return
        response = await self._handle(event)
        label = self._text(response.locale, "discord.open_form")
        for reply in response.replies:
            for item in render(reply, form_label=label):
                await self._limiter.acquire(event.chat.chat_id)
                await message.channel.send(**send_kwargs(item))

    async def on_channel_deleted(self, channel_id: int) -> None:
        """A channel is gone: stop posting there."""
        if self._chat_gone is not None:
            await self._chat_gone(str(channel_id))

    def _locale(self, interaction: discord.Interaction[discord.Client]) -> str:
        return self._catalogue.resolve(str(interaction.locale))

    # -- answering ------------------------------------------------------------------------------

    async def _run(
        self, interaction: discord.Interaction[discord.Client], facts: Interacted
    ) -> None:
        event = to_event(facts, datetime.now(UTC))
        in_server = facts.guild_id is not None
        if event is None:
            text = self._text(self._locale(interaction), "discord.unsupported")
            await self._respond(interaction, [DiscordMessage(content=text)], in_server)
            return
        answer = asyncio.ensure_future(self._handle(event))
        done, _ = await asyncio.wait({answer}, timeout=ANSWER_WITHIN)
        if not done:
            await interaction.response.defer(ephemeral=in_server, thinking=True)
        await self._answer(interaction, event, await answer)

    async def _answer(
        self,
        interaction: discord.Interaction[discord.Client],
        event: Event,
        response: Response,
    ) -> None:
        in_server = not event.chat.is_private
        form = next((r.form for r in response.replies if r.form is not None), None)
        can_open = (
            form is not None
            and not interaction.response.is_done()
            and interaction.type is not discord.InteractionType.modal_submit
        )
        if form is not None and can_open:
            await interaction.response.send_modal(form_modal(form))
            return
        label = self._text(response.locale, "discord.open_form")
        wrote_privately = False
        for reply in response.replies:
            messages = render(reply, form_label=label)
            if in_server and (reply.private or reply.files):
                if await self._write_privately(interaction.user, messages):
                    wrote_privately = True
                    continue
                note = self._text(response.locale, "discord.dm_closed")
                messages = [DiscordMessage(content=markup.to_discord(note)), *messages]
            edit = reply.edit and event.button is not None and event.form is None
            await self._respond(interaction, messages, in_server, edit=edit)
        if wrote_privately:
            note = self._text(response.locale, "discord.answered_privately")
            await self._respond(interaction, [DiscordMessage(content=note)], in_server)
        if not interaction.response.is_done():
            await _acknowledge_silently(interaction)

    async def _respond(
        self,
        interaction: discord.Interaction[discord.Client],
        messages: Iterable[DiscordMessage],
        ephemeral: bool,
        *,
        edit: bool = False,
    ) -> None:
        for number, message in enumerate(messages):
            if edit and number == 0 and not interaction.response.is_done():
                await interaction.response.edit_message(**edit_kwargs(message))
            elif not interaction.response.is_done():
                await interaction.response.send_message(**send_kwargs(message), ephemeral=ephemeral)
            else:
                await interaction.followup.send(**send_kwargs(message), ephemeral=ephemeral)

    async def _write_privately(
        self, user: discord.User | discord.Member, messages: Sequence[DiscordMessage]
    ) -> bool:
        """Send to the person's private messages; False when they are closed to the bot."""
        try:
            for message in messages:
                await self._limiter.acquire(str(user.id))
                await user.send(**send_kwargs(message))
        except discord.Forbidden as exc:
            log.info("private messages of user %s are closed: %s", user.id, exc)
            return False
        return True

    def _text(self, locale: str, key: str, **params: object) -> str:
        return self._catalogue.translate(msg(key, **params), locale)

    # -- outgoing -------------------------------------------------------------------------------

    async def send(self, outgoing: Outgoing) -> str | None:
        """The outbox's sender: one message to a person (by user id) or a channel; returns the
        id of the last message sent. :mod:`bot.delivery` has already waited for its slot."""
        rendered = self._catalogue.render(outgoing.reply, outgoing.locale)
        messages = render(rendered)
        try:
            channel = await self._destination(outgoing)
            if outgoing.edit_message_id is not None and len(messages) == 1:
                try:
                    await channel.get_partial_message(int(outgoing.edit_message_id)).edit(
                        **edit_kwargs(messages[0])
                    )
                    return outgoing.edit_message_id
                except discord.NotFound:
                    log.info("message %s is gone; sending anew", outgoing.edit_message_id)
            sent: discord.Message | None = None
            for number, message in enumerate(messages):
                if number:
                    await self._limiter.acquire(outgoing.chat_id, group=outgoing.is_group)
                sent = await channel.send(**send_kwargs(message))
            return str(sent.id) if sent is not None else None
        except (discord.Forbidden, discord.NotFound) as exc:
            where = "channel" if outgoing.is_group else "user"
            log.warning("cannot write to %s %s: %s", where, outgoing.chat_id, exc)
            raise Unreachable(str(exc)) from exc
        except discord.HTTPException as exc:
            if exc.status == 429:
                retry_after = float(getattr(exc.response, "headers", {}).get("Retry-After", 1))
                raise RateLimited(retry_after) from exc
            raise

    async def _destination(
        self, outgoing: Outgoing
    ) -> discord.PartialMessageable | discord.DMChannel:
        chat = int(outgoing.chat_id)
        if outgoing.is_group:
            return self.client.get_partial_messageable(chat)
        known = self._dm_channels.get(chat)
        if known is not None:
            return known
        channel = await self.client.create_dm(discord.Object(chat))
        self._dm_channels[chat] = channel
        return channel

    # -- life cycle -----------------------------------------------------------------------------

    async def start(self, token: str) -> None:
        """Log in and connect; returns once the gateway is ready (or raises)."""
        await self.client.login(token)
        connection = self._connection = asyncio.create_task(self.client.connect(reconnect=True))
        ready = asyncio.create_task(self.client.wait_until_ready())
        done, _ = await asyncio.wait({ready, connection}, return_when=asyncio.FIRST_COMPLETED)
        if connection in done:
            ready.cancel()
            connection.result()  # raises what stopped the connection
        log.info("connected to Discord as %s", self.client.user)

    async def connected(self) -> bool:
        """Whether the gateway connection is up (for the health check)."""
        return self.client.is_ready() and not self.client.is_closed()

    def invite_url(self) -> str | None:
        """The link that adds the bot to a server with the permissions it needs."""
        application = self.client.application_id
        if application is None:
            return None
        return discord.utils.oauth_url(
            application,
            permissions=INVITE_PERMISSIONS,
            scopes=("bot", "applications.commands"),
        )

    def on_connection_end(self, callback: Callable[[asyncio.Future[None]], None]) -> None:
        """Call ``callback`` when the gateway connection stops for good."""
        if self._connection is not None:
            self._connection.add_done_callback(callback)

    async def stop(self) -> None:
        """Disconnect."""
        await self.client.close()
        if self._connection is not None:
            await asyncio.gather(self._connection, return_exceptions=True)


async def _acknowledge_silently(interaction: discord.Interaction[discord.Client]) -> None:
    """Nothing to say: a press is simply acknowledged; a command's "thinking" note (which
    Discord always shows) is removed at once."""
    if interaction.type is discord.InteractionType.component:
        await interaction.response.defer()
        return
    await interaction.response.defer(ephemeral=True, thinking=True)
    await interaction.delete_original_response()


def facts_of(
    interaction: discord.Interaction[discord.Client],
    kind: str,
    *,
    command: str | None = None,
    args: tuple[str, ...] = (),
    custom_id: str | None = None,
    values: Mapping[str, str] | None = None,
) -> Interacted:
    """What :func:`to_event` needs, read off a discord.py interaction."""
    user = interaction.user
    permissions = interaction.permissions
    roles = tuple(str(role.id) for role in getattr(user, "roles", ()) if not role.is_default())
    guild = interaction.guild
    message = interaction.message
    return Interacted(
        kind=kind,
        user_id=str(user.id),
        user_name=user.display_name,
        locale=str(interaction.locale),
        channel_id=str(interaction.channel_id),
        guild_id=str(interaction.guild_id) if interaction.guild_id is not None else None,
        guild_name=guild.name if guild is not None else None,
        manager=bool(permissions.manage_guild or permissions.manage_events),
        roles=roles,
        command=command,
        args=args,
        custom_id=custom_id,
        values=values,
        message_id=str(message.id) if message is not None else None,
    )


def intents() -> discord.Intents:
    """The minimum: servers (channels, roles, permissions) and private messages. No member
    list and no message content of servers (both privileged)."""
    chosen = discord.Intents.none()
    chosen.guilds = True
    chosen.dm_messages = True
    return chosen


def _adapter_of(interaction: discord.Interaction[discord.Client]) -> DiscordAdapter:
    client = interaction.client
    adapter = getattr(client, "adapter", None)
    if not isinstance(adapter, DiscordAdapter):
        raise RuntimeError("this interaction does not belong to Entraide's client")
    return adapter


class _Hooks:
    """What Entraide's clients do on top of discord.py's (mixed into both kinds)."""

    adapter: DiscordAdapter
    tree: app_commands.CommandTree[Any]

    async def setup_hook(self) -> None:
        await self.adapter.setup()

    async def on_message(self, message: discord.Message) -> None:
        await self.adapter.on_message(message)

    async def on_interaction(self, interaction: discord.Interaction[discord.Client]) -> None:
        await self.adapter.on_interaction(interaction)

    async def on_guild_channel_delete(self, channel: discord.abc.GuildChannel) -> None:
        await self.adapter.on_channel_deleted(channel.id)


class EntraideClient(_Hooks, discord.Client):
    """One gateway connection: most associations."""

    def __init__(self, adapter: DiscordAdapter, **options: Any) -> None:
        super().__init__(intents=intents(), allowed_mentions=NO_PINGS, **options)
        self.adapter = adapter
        self.tree = app_commands.CommandTree(self)


class ShardedEntraideClient(_Hooks, discord.AutoShardedClient):
    """Several shards in one process, for large deployments."""

    def __init__(self, adapter: DiscordAdapter, **options: Any) -> None:
        super().__init__(intents=intents(), allowed_mentions=NO_PINGS, **options)
        self.adapter = adapter
        self.tree = app_commands.CommandTree(self)


def _client(
    adapter: DiscordAdapter, shards: str, shard_ids: Sequence[int]
) -> EntraideClient | ShardedEntraideClient:
    if not shards:
        return EntraideClient(adapter)
    options: dict[str, Any] = {}
    if shards != "auto":
        options["shard_count"] = int(shards)
    if shard_ids:
        options["shard_ids"] = list(shard_ids)
    return ShardedEntraideClient(adapter, **options)
