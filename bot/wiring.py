"""Builds every dependency once at start-up and hands them to the dispatcher's handlers."""

from __future__ import annotations

import asyncio
import gc
import logging
import os
import socket
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.clock import Clock, SystemClock
from bot.config import DEFAULT_KNOWLEDGE_DIR, Settings
from bot.delivery import Delivery, Send
from bot.demo import seed_demo_if_empty
from bot.dispatcher import Dispatcher
from bot.i18n import Catalogue
from bot.loops import repeat
from bot.metrics import Metrics
from bot.notifier import Notifier
from bot.places import Gazetteer
from bot.ratelimit import UNLIMITED, Limits, RateLimiter
from bot.services import Services
from bot.types import Platform
from bot.worker import Worker
from handlers import (
    accounts,
    announce,
    ask,
    cancel,
    drafts,
    groups,
    handoff,
    journal,
    kb_admin,
    language,
    mentors,
    mission_admin,
    missions,
    pairs,
    privacy,
    profile,
    subscriptions,
)
from handlers import help as help_menu
from knowledge.service import KnowledgeBase
from storage.announcements import AnnouncementRepository
from storage.associations import AssociationRepository
from storage.audit import AuditRepository
from storage.conversations import ConversationRepository
from storage.db import Database
from storage.drafts import DraftRepository
from storage.help import HelpRepository
from storage.jobs import JobRepository
from storage.kb_questions import KbQuestionRepository
from storage.missions import MissionRepository
from storage.outbox import OutboxRepository
from storage.pace import SharedPace, bucket_for
from storage.privacy import PrivacyRepository
from storage.spaces import SpaceRepository
from storage.subscriptions import SubscriptionRepository
from storage.volunteers import VolunteerRepository

if TYPE_CHECKING:
    from bot.adapters.discord import DiscordAdapter

log = logging.getLogger(__name__)

FEATURES: tuple[Callable[[Dispatcher], None], ...] = (
    help_menu.register,
    language.register,
    cancel.register,
    ask.register,
    missions.register,
    mission_admin.register,
    subscriptions.register,
    announce.register,
    groups.register,
    kb_admin.register,
    profile.register,
    accounts.register,
    privacy.register,
    journal.register,
    mentors.register,
    handoff.register,
    drafts.register,
    pairs.register,
)
"""Each feature module adds its commands, buttons and menu entries."""


@dataclass(slots=True)
class App:
    """The running core: services and the dispatcher that uses them."""

    services: Services
    dispatcher: Dispatcher
    worker: Worker

    def delivery(
        self,
        platform: Platform,
        send: Send,
        chat_id: str | None = None,
        *,
        limiter: RateLimiter | None = None,
        concurrency: int = 1,
        lanes: int = 1,
    ) -> Delivery:
        """A drain of the outbox for one platform (and one chat, for the terminal), paced by
        ``limiter`` (shared with the adapter's own replies; no limit by default)."""
        return Delivery(
            self.services.outbox,
            self.services.clock,
            platform,
            send,
            worker=self.worker.name,
            limiter=limiter or RateLimiter(UNLIMITED),
            chat_id=chat_id,
            concurrency=concurrency,
            lanes=lanes,
            metrics=self.services.metrics,
        )

    async def run_background(
        self, stop: asyncio.Event, deliveries: Sequence[Delivery], every: float = 2.0
    ) -> None:
        """Run timed jobs and deliver queued messages until ``stop`` is set: both keep going
        while there is work, and look again every ``every`` seconds when there is none."""

        await asyncio.gather(
            repeat(stop, self.worker.tick, every, "timed jobs"),
            *(d.run(stop, idle=every) for d in deliveries),
        )

    def send_limiter(self, platform: Platform, token: str, limits: Limits) -> RateLimiter:
        """The pacing of one bot's messages: on PostgreSQL, shared by every instance of the
        bot through the database (see :mod:`storage.pace`); on SQLite, this process's own."""
        db = self.services.db
        if db.dialect != "postgresql" or limits.per_second is None:
            return RateLimiter(limits)
        bucket = bucket_for(platform.value, token)
        return RateLimiter(limits, shared=SharedPace(db, bucket, limits.per_second))

    def forget_chat(self, platform: Platform) -> Callable[[str], Awaitable[None]]:
        """What an adapter calls when one of its groups or channels is gone for good: stop
        posting there."""
        announcements = self.services.announcements

        async def forget(chat_id: str) -> None:
            await announcements.unlink_channel(platform.value, chat_id)

        return forget

    def discord_adapter(
        self, limiter: RateLimiter, *, shards: str = "", shard_ids: Sequence[int] = ()
    ) -> DiscordAdapter:
        """The Discord adapter answering through this core (its client not yet connected).
        discord.py is imported here, so that an instance without Discord never loads it."""
        from bot.adapters.discord import DiscordAdapter

        return DiscordAdapter(
            self.dispatcher.handle,
            self.services.catalogue,
            limiter,
            aliases=self.dispatcher.aliases,
            chat_gone=self.forget_chat(Platform.DISCORD),
            shards=shards,
            shard_ids=shard_ids,
            default_locale=self.services.settings.default_locale,
        )

    async def close(self) -> None:
        """Write what is pending and release the database connections."""
        try:
            await self.services.volunteers.flush_seen()
        except Exception:
            log.exception("could not record when people were last seen")
        await self.services.db.dispose()


@dataclass(frozen=True, slots=True)
class Assets:
    """What the bot reads from its own files at start-up and never writes: the messages, the
    communes and the tutorials' index. Loaded once; apps built from the same assets each get
    their own copy of the knowledge base, so that reloading one leaves the others as they
    were."""

    catalogue: Catalogue
    places: Gazetteer
    knowledge: KnowledgeBase
    borrow_questions: bool

    @classmethod
    def load(cls, settings: Settings) -> Assets:
        """Read everything (a few seconds of CPU: call it from a worker thread)."""
        knowledge, _ = KnowledgeBase.load(
            settings.knowledge_dir, DEFAULT_KNOWLEDGE_DIR if settings.borrow_questions else None
        )
        return cls(
            catalogue=Catalogue.load(default_locale=settings.default_locale),
            places=Gazetteer.load(),
            knowledge=knowledge,
            borrow_questions=settings.borrow_questions,
        )

    def suit(self, settings: Settings) -> bool:
        """Whether these assets are what ``settings`` would load."""
        return (
            self.knowledge.directory == settings.knowledge_dir
            and self.catalogue.default_locale == settings.default_locale
            and self.borrow_questions == settings.borrow_questions
        )


def settle_memory() -> None:
    """Once everything is loaded (tutorials, places, catalogue): move what start-up built out
    of the garbage collector's sight, so that its full passes stay short (they otherwise
    pause an answer for tens of milliseconds now and then)."""
    gc.collect()
    gc.freeze()


async def _write_last_seen(services: Services) -> None:
    await services.volunteers.flush_seen()


async def build_app(
    settings: Settings,
    *,
    clock: Clock | None = None,
    migrate: bool = True,
    seed_demo: bool = True,
    assets: Assets | None = None,
) -> App:
    """Open the database (migrating it), build the services and register every feature.
    ``assets`` already loaded are used when they suit ``settings``; otherwise they are read."""
    clock = clock or SystemClock()
    db = Database(settings.database_url)
    if migrate:
        await db.upgrade()
    if assets is None or not assets.suit(settings):
        assets = await asyncio.to_thread(Assets.load, settings)
    catalogue, places = assets.catalogue, assets.places
    knowledge = assets.knowledge.copy()
    volunteers = VolunteerRepository(db, clock.now)
    outbox = OutboxRepository(db, clock.now)
    services = Services(
        settings=settings,
        clock=clock,
        catalogue=catalogue,
        db=db,
        volunteers=volunteers,
        associations=AssociationRepository(db, clock.now),
        conversations=ConversationRepository(db, clock.now),
        knowledge=knowledge,
        kb_questions=KbQuestionRepository(db, clock.now),
        missions=MissionRepository(db, clock.now),
        jobs=JobRepository(db, clock.now),
        outbox=outbox,
        subscriptions=SubscriptionRepository(db, clock.now),
        announcements=AnnouncementRepository(db, clock.now),
        spaces=SpaceRepository(db, clock.now),
        privacy=PrivacyRepository(db, clock.now),
        audit=AuditRepository(db, clock.now),
        help=HelpRepository(db, clock.now),
        drafts=DraftRepository(db, clock.now),
        notifier=Notifier(volunteers, outbox, catalogue),
        places=places,
        metrics=Metrics(),
    )
    dispatcher = Dispatcher(services)
    dispatcher.sweep(_write_last_seen)  # first: later sweeps read who was seen
    for register in FEATURES:
        register(dispatcher)
    if seed_demo:
        await seed_demo_if_empty(services)
    worker = Worker(
        services,
        dispatcher.jobs,
        dispatcher.sweeps,
        name=f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"[-64:],
    )
    return App(services=services, dispatcher=dispatcher, worker=worker)
