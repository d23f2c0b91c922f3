"""The services handlers receive: built once at start-up by :mod:`bot.wiring`."""

from __future__ import annotations

from dataclasses import dataclass

from bot.clock import Clock
from bot.config import Settings
from bot.i18n import Catalogue
from bot.metrics import Metrics
from bot.notifier import Notifier
from bot.places import Gazetteer
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
from storage.privacy import PrivacyRepository
from storage.spaces import SpaceRepository
from storage.subscriptions import SubscriptionRepository
from storage.volunteers import VolunteerRepository


@dataclass(frozen=True, slots=True)
class Services:
    """Everything a handler may use, passed in rather than imported."""

    settings: Settings
    clock: Clock
    catalogue: Catalogue
    db: Database
    volunteers: VolunteerRepository
    associations: AssociationRepository
    conversations: ConversationRepository
    knowledge: KnowledgeBase
    kb_questions: KbQuestionRepository
    missions: MissionRepository
    jobs: JobRepository
    outbox: OutboxRepository
    subscriptions: SubscriptionRepository
    announcements: AnnouncementRepository
    spaces: SpaceRepository
    privacy: PrivacyRepository
    audit: AuditRepository
    help: HelpRepository
    drafts: DraftRepository
    notifier: Notifier
    places: Gazetteer
    metrics: Metrics
