"""Routes a neutral event to the handler that owns it and turns failures into polite replies."""

from __future__ import annotations

import logging
import math
import re
import time
import uuid
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, replace

from bot.context import Context, UserError, chat_key
from bot.flood import FloodGate, Verdict
from bot.logs import REQUEST
from bot.services import Services
from bot.types import Button, Event, Location, Msg, Platform, Reply, Response, msg
from storage.db import Unit, conflicted, lost_connection
from storage.records import (
    AssociationRecord,
    JobRecord,
    MembershipRecord,
    Role,
    VolunteerRecord,
)
from storage.spaces import SpaceRecord

log = logging.getLogger(__name__)

Handler = Callable[[Context], Awaitable[Sequence[Reply]]]
JobHandler = Callable[[Services, JobRecord], Awaitable[None]]
"""Does one job; must be idempotent (a job may run again after a crash)."""
Sweep = Callable[[Services], Awaitable[None]]
"""Periodic work that reads its own state from storage."""

MAX_TEXT_LENGTH = 4000
"""Longer messages are refused with an explanation rather than processed."""
MAX_FORM_FIELDS = 10
MAX_ID_LENGTH = 64
"""Platform ids (of people, chats, servers) are stored in 64 characters."""
MAX_BUTTON_DATA = 64
"""Telegram's own limit on callback data; anything longer is not ours."""
MISSED_NOTICES = {
    Platform.TELEGRAM: "delivery.missed_telegram",
    Platform.DISCORD: "delivery.missed_discord",
}
"""What to tell someone the platform would not let the bot write to privately, when they
come back."""
COMMAND_BUTTON_PREFIX = "cmd"
"""Button data ``cmd:<name>`` runs the command ``<name>``: any command can be a button."""


@dataclass(frozen=True, slots=True)
class Route:
    """A registered handler and who may use it."""

    handler: Handler
    coordinator_only: bool = False


@dataclass(frozen=True, slots=True)
class MenuEntry:
    """A feature as /aide presents it: a line of description and a button."""

    order: int
    label: Msg
    description: Msg
    command: str
    coordinator_only: bool = False


class _AnswerAgain(Exception):
    """Nothing of the event was kept (its connection was found dead before any write, or the
    database undid its transaction): it can be answered again."""


class Dispatcher:
    """Routes commands (with aliases), button data prefixes, dialogues, locations and free text."""

    def __init__(self, services: Services, flood: FloodGate | None = None) -> None:
        self.services = services
        settings = services.settings
        self._flood = flood or FloodGate(settings.flood_burst, settings.flood_seconds)
        self._commands: dict[str, Route] = {}
        self._canonical: dict[str, str] = {}
        self._buttons: dict[str, Route] = {}
        self._dialogues: dict[str, Handler] = {}
        self._text: Handler | None = None
        self._location: Handler | None = None
        self._menu: list[MenuEntry] = []
        self.jobs: dict[str, JobHandler] = {}
        """Handlers of timed work, by job kind (run by :class:`bot.worker.Worker`)."""
        self.sweeps: list[Sweep] = []
        """Periodic work run on every worker tick."""

    # -- registration -------------------------------------------------------------------

    def command(
        self, names: Iterable[str], handler: Handler, *, coordinator_only: bool = False
    ) -> None:
        """Register a command under its French name first, then its aliases."""
        names = list(names)
        for name in names:
            key = name.lower()
            if key in self._commands:
                raise ValueError(f"command /{key} registered twice")
            self._commands[key] = Route(handler, coordinator_only)
            self._canonical[key] = names[0]

    def button(self, prefix: str, handler: Handler, *, coordinator_only: bool = False) -> None:
        """Register the handler for button data ``prefix`` or ``prefix:...``."""
        if prefix in self._buttons or prefix == COMMAND_BUTTON_PREFIX:
            raise ValueError(f"button prefix {prefix!r} registered twice")
        self._buttons[prefix] = Route(handler, coordinator_only)

    def dialogue(self, name: str, handler: Handler) -> None:
        """Register the handler for free text (and locations) while a dialogue is active."""
        self._dialogues[name] = handler

    def on_text(self, handler: Handler) -> None:
        """The handler for free text outside any dialogue (the question handler)."""
        self._text = handler

    def on_location(self, handler: Handler) -> None:
        """The handler for a shared location outside any dialogue."""
        self._location = handler

    def job(self, kind: str, handler: JobHandler) -> None:
        """Register the handler for jobs of ``kind`` in the job table."""
        if kind in self.jobs:
            raise ValueError(f"job kind {kind!r} registered twice")
        self.jobs[kind] = handler

    def sweep(self, handler: Sweep) -> None:
        """Register periodic work (expiring offers, say)."""
        self.sweeps.append(handler)

    def menu_entry(self, entry: MenuEntry) -> None:
        """Add a feature to the /aide menu."""
        self._menu.append(entry)
        self._menu.sort(key=lambda e: e.order)

    def menu(self, *, coordinator: bool) -> list[MenuEntry]:
        """The features this person can use, in menu order."""
        return [e for e in self._menu if coordinator or not e.coordinator_only]

    def aliases(self, name: str) -> list[str]:
        """Every name of a command, its French name first (then usually its English one)."""
        canonical = self._canonical.get(name.lower())
        return [n for n, c in self._canonical.items() if c == canonical] if canonical else []

    def canonical_command(self, name: str) -> str | None:
        """The French name of a command or alias."""
        return self._canonical.get(name.lower())

    @property
    def commands(self) -> list[str]:
        """Every registered command name and alias."""
        return list(self._commands)

    # -- dispatch -----------------------------------------------------------------------

    async def handle(self, event: Event) -> Response:
        """Answer one event. Never raises: failures become a polite message and a log line."""
        default = self.services.catalogue.resolve(event.user.language_code)
        verdict = Verdict.PASS
        if event.user.platform is not Platform.CONSOLE:  # the terminal is one local person
            verdict = self._flood.check(f"{event.user.platform.value}:{event.user.user_id}")
        if verdict is Verdict.DROP:
            return Response(locale=default, replies=())
        if verdict is Verdict.WARN:
            log.info("flood from %s user %s", event.user.platform, event.user.user_id)
            return self._respond(default, [Reply(text=msg("flood.slow_down"))])
        event = clean(event)
        token = REQUEST.set((uuid.uuid4().hex[:12], None))
        metrics = self.services.metrics
        metrics.events.labels(platform=event.user.platform.value, kind=event.kind).inc()
        started = time.perf_counter()
        try:
            return await self._handle(event, default)
        finally:
            metrics.event_seconds.observe(time.perf_counter() - started)
            REQUEST.reset(token)

    async def _handle(self, event: Event, default: str) -> Response:
        """Everything the event changes is one transaction: a failure leaves nothing half
        done. When nothing of it was kept (its connection turned out dead before any write, or
        the database undid it in a deadlock), the event is answered again, once."""
        try:
            try:
                ctx, replies = await self._transaction(event)
            except _AnswerAgain as again:
                log.warning(
                    "%s; answering %s user %s again", again, event.user.platform, event.user.user_id
                )
                ctx, replies = await self._transaction(event)
        except Exception:
            log.exception(
                "could not load or save the event of %s user %s (kind=%s)",
                event.user.platform,
                event.user.user_id,
                event.kind,
            )
            return self._respond(default, [Reply(text=msg("error.generic"))])
        if event.chat.ephemeral and ctx.dialogue is not None and not any(r.form for r in replies):
            # The next answer must be typed, and typing is read in the private chat only.
            replies = [replace(r, private=True) for r in replies]
        if ctx.volunteer.missed_since is not None and event.user.platform in MISSED_NOTICES:
            replies = [Reply(text=msg(MISSED_NOTICES[event.user.platform])), *replies]
        return self._respond(ctx.locale, replies)

    async def _transaction(self, event: Event) -> tuple[Context, Sequence[Reply]]:
        """The event's context and replies, in one unit of work."""
        unit: Unit | None = None
        try:
            async with self.services.db.unit() as unit:
                ctx = await self._context(event)
                return ctx, await self._answer(ctx, unit)
        except Exception as error:
            # Answering again is safe only if nothing was kept: a connection lost during a
            # write, or its commit, may have changed something; a deadlock undid everything.
            if lost_connection(error) and unit is not None and not unit.wrote:
                raise _AnswerAgain("database connection lost") from error
            if conflicted(error):
                raise _AnswerAgain("transaction undone by the database (deadlock)") from error
            raise

    async def _answer(self, ctx: Context, unit: Unit) -> Sequence[Reply]:
        """The handler's replies; when it fails, what it changed is undone."""
        event = ctx.event
        current = REQUEST.get()
        if current is not None and ctx.association is not None:
            REQUEST.set((current[0], ctx.association.id))
        try:
            return await self._route(ctx)
        except UserError as problem:
            await unit.discard()
            return [Reply(text=problem.message)]
        except Exception as error:
            if conflicted(error):
                raise  # the whole event is answered again
            await unit.discard()
            log.exception(
                "handler failed: platform=%s user=%s volunteer=%s kind=%s command=%s button=%s",
                event.user.platform,
                event.user.user_id,
                ctx.volunteer.id,
                event.kind,
                event.command,
                event.button,
            )
            return [Reply(text=msg("error.generic"), buttons=((self.help_button(),),))]

    def help_button(self) -> Button:
        """A button back to the menu, for dead ends."""
        return Button(label=msg("help.button"), data=f"{COMMAND_BUTTON_PREFIX}:aide")

    def _respond(self, locale: str, replies: Sequence[Reply]) -> Response:
        return Response(locale=locale, replies=self.services.catalogue.render_all(replies, locale))

    async def _context(self, event: Event) -> Context:
        services = self.services
        arrival = await services.volunteers.arrive(
            event.user.platform.value,
            event.user.user_id,
            event.user.display_name,
            event.user.language_code,
            chat_key(event),
        )
        volunteer = arrival.volunteer
        space = None
        if event.space is not None:
            space = await services.spaces.resolve(
                event.chat.platform.value, event.space.space_id, event.space.name
            )
        association, role = await self._membership(volunteer, arrival.memberships, space)
        if (
            association is not None
            and role is not Role.COORDINATOR
            and (await self._appointed(event, association, space))
        ):
            await services.associations.set_role(volunteer.id, association.id, Role.COORDINATOR)
            role = Role.COORDINATOR
        locale = volunteer.locale or services.catalogue.resolve(event.user.language_code)
        ctx = Context(
            event=event,
            services=services,
            volunteer=volunteer,
            association=association,
            role=role,
            locale=locale,
        )
        ctx.dialogue = arrival.dialogue
        return ctx

    async def _appointed(
        self, event: Event, association: AssociationRecord, space: SpaceRecord | None
    ) -> bool:
        """Configured as a coordinator; in a server, a manager of it or a holder of its
        coordinators' role; in a group linked to the association, an administrator of it (as
        the platform says, for a command typed there)."""
        settings = self.services.settings
        if f"{event.user.platform.value}:{event.user.user_id}" in settings.coordinator_ids:
            return True
        if space is not None:
            role = space.coordinator_role_id
            return event.chat_admin or (role is not None and role in event.member_roles)
        if not event.chat_admin or event.chat.is_private:
            return False
        owner = await self.services.announcements.owner_of(
            event.chat.platform.value, event.chat.chat_id, "announce"
        )
        return owner == association.id

    async def _membership(
        self,
        volunteer: VolunteerRecord,
        memberships: Sequence[MembershipRecord],
        space: SpaceRecord | None,
    ) -> tuple[AssociationRecord | None, Role | None]:
        """In a server, the association it stands for (joined on first use); elsewhere the
        volunteer's first association, or the default one."""
        associations = self.services.associations
        if space is not None:
            association = await associations.get(space.association_id)
            if association is not None:
                return association, await associations.enter(volunteer.id, association.id)
        if memberships:
            return memberships[0].association, memberships[0].role
        default = await associations.by_slug(self.services.settings.default_association)
        if default is None:
            default = await associations.first()
        if default is None:
            return None, None
        return default, await associations.join(volunteer.id, default.id)

    async def _route(self, ctx: Context) -> Sequence[Reply]:
        event = ctx.event
        if event.text is not None and len(event.text) > MAX_TEXT_LENGTH:
            return [Reply(text=msg("error.too_long", limit=MAX_TEXT_LENGTH))]
        if event.form is not None and (
            len(event.form) > MAX_FORM_FIELDS
            or any(len(v) > MAX_TEXT_LENGTH for v in event.form.values())
        ):
            return [Reply(text=msg("error.too_long", limit=MAX_TEXT_LENGTH))]
        if event.location is not None and not _on_earth(event.location):
            return [Reply(text=msg("error.not_understood"), buttons=((self.help_button(),),))]
        if event.command is not None:
            return await self._command(ctx, event.command, event.args)
        if event.button is not None:
            return await self._button(ctx, event.button)
        if ctx.dialogue is not None and (event.text or event.location or event.unsupported):
            handler = self._dialogues.get(ctx.dialogue.dialogue)
            if handler is None:
                log.warning("dropping unknown dialogue %r", ctx.dialogue.dialogue)
                await ctx.end_dialogue()
            else:
                return await handler(ctx)
        if event.location is not None and self._location is not None:
            return await self._location(ctx)
        if event.unsupported is not None:
            return [Reply(text=msg("error.unsupported_content"), buttons=((self.help_button(),),))]
        if event.text and event.text.strip():
            if self._text is not None:
                return await self._text(ctx)
            return [Reply(text=msg("error.not_understood"), buttons=((self.help_button(),),))]
        return []

    async def _command(self, ctx: Context, name: str, args: tuple[str, ...]) -> Sequence[Reply]:
        route = self._commands.get(name.lower())
        if route is None:
            return [
                Reply(
                    text=msg("error.unknown_command", command=name[:40]),
                    buttons=((self.help_button(),),),
                )
            ]
        ctx.payload = " ".join(args)
        return await self._guarded(ctx, route)

    async def _button(self, ctx: Context, data: str) -> Sequence[Reply]:
        if len(data) > MAX_BUTTON_DATA:
            return [Reply(text=msg("error.stale_button"))]
        prefix, _, payload = data.partition(":")
        if prefix == COMMAND_BUTTON_PREFIX:
            command, *args = payload.split(" ") if payload else [""]
            return await self._command(ctx, command, tuple(args))
        route = self._buttons.get(prefix)
        if route is None:
            return [Reply(text=msg("error.stale_button"), buttons=((self.help_button(),),))]
        ctx.payload = payload
        return await self._guarded(ctx, route)

    async def _guarded(self, ctx: Context, route: Route) -> Sequence[Reply]:
        if route.coordinator_only and not ctx.is_coordinator:
            return [Reply(text=msg("error.coordinators_only"))]
        return await route.handler(ctx)


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
"""Control characters nobody types (NUL breaks PostgreSQL text); line breaks and tabs stay."""


def _scrub(text: str | None) -> str | None:
    return _CONTROL.sub("", text) if text else text


def clean(event: Event) -> Event:
    """The event without control characters in anything typed or named, and with ids no
    longer than storage keeps (platforms never send such ids; forged events may)."""
    user = event.user
    space = event.space
    return replace(
        event,
        text=_scrub(event.text),
        button=_scrub(event.button),
        args=tuple(_CONTROL.sub("", a) for a in event.args),
        form={k: _CONTROL.sub("", v) for k, v in event.form.items()} if event.form else event.form,
        user=replace(user, user_id=_ident(user.user_id), display_name=_scrub(user.display_name)),
        chat=replace(event.chat, chat_id=_ident(event.chat.chat_id)),
        space=replace(space, space_id=_ident(space.space_id), name=_scrub(space.name))
        if space
        else None,
    )


def _ident(value: str) -> str:
    return _CONTROL.sub("", value)[:MAX_ID_LENGTH] or "?"


def _on_earth(point: Location) -> bool:
    return (
        math.isfinite(point.latitude)
        and math.isfinite(point.longitude)
        and -90 <= point.latitude <= 90
        and -180 <= point.longitude <= 180
    )
