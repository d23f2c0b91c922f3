"""Builds every dependency once at start-up and hands them to the dispatcher's handlers."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from bot.clock import Clock, SystemClock
from bot.config import Settings
from bot.demo import seed_demo_if_empty
from bot.dispatcher import Dispatcher
from bot.i18n import Catalogue
from bot.services import Services
from handlers import ask, cancel, kb_admin, language
from handlers import help as help_menu
from knowledge.service import KnowledgeBase
from storage.associations import AssociationRepository
from storage.conversations import ConversationRepository
from storage.db import Database
from storage.kb_questions import KbQuestionRepository
from storage.volunteers import VolunteerRepository

log = logging.getLogger(__name__)

FEATURES: tuple[Callable[[Dispatcher], None], ...] = (
    help_menu.register,
    language.register,
    cancel.register,
    ask.register,
    kb_admin.register,
)
"""Each feature module adds its commands, buttons and menu entries."""


@dataclass(slots=True)
class App:
    """The running core: services and the dispatcher that uses them."""

    services: Services
    dispatcher: Dispatcher

    async def close(self) -> None:
        """Release the database connections."""
        await self.services.db.dispose()


async def build_app(
    settings: Settings,
    *,
    clock: Clock | None = None,
    migrate: bool = True,
    seed_demo: bool = True,
) -> App:
    """Open the database (migrating it), build the services and register every feature."""
    clock = clock or SystemClock()
    db = Database(settings.database_url)
    if migrate:
        await db.upgrade()
    catalogue = Catalogue.load(default_locale=settings.default_locale)
    knowledge, _ = KnowledgeBase.load(settings.knowledge_dir)
    services = Services(
        settings=settings,
        clock=clock,
        catalogue=catalogue,
        db=db,
        volunteers=VolunteerRepository(db, clock.now),
        associations=AssociationRepository(db, clock.now),
        conversations=ConversationRepository(db, clock.now),
        knowledge=knowledge,
        kb_questions=KbQuestionRepository(db, clock.now),
    )
    dispatcher = Dispatcher(services)
    for register in FEATURES:
        register(dispatcher)
    if seed_demo:
        await seed_demo_if_empty(services)
    return App(services=services, dispatcher=dispatcher)
