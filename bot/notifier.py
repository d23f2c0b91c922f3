"""Private messages to people who did not just write: queued in the outbox, sent later."""

from __future__ import annotations

import logging

from bot.envelope import reply_to_json
from bot.i18n import Catalogue
from bot.types import Reply
from storage.outbox import OutboxRepository
from storage.volunteers import VolunteerRepository

log = logging.getLogger(__name__)


class Notifier:
    """Queues a reply for one volunteer, in their language, on the platform they used last."""

    def __init__(
        self, volunteers: VolunteerRepository, outbox: OutboxRepository, catalogue: Catalogue
    ) -> None:
        self._volunteers = volunteers
        self._outbox = outbox
        self._catalogue = catalogue

    async def send(self, volunteer_id: int, reply: Reply, key: str) -> bool:
        """Queue ``reply`` once per ``key``; False if already queued or nobody to write to."""
        found = await self._volunteers.reachable_at(volunteer_id)
        if found is None:
            log.warning("no way to reach volunteer %s for %s", volunteer_id, key)
            return False
        volunteer, platform, chat_id = found
        locale = volunteer.locale or self._catalogue.resolve(volunteer.device_language)
        return await self._outbox.enqueue(
            key,
            volunteer_id=volunteer_id,
            platform=platform,
            chat_id=chat_id,
            locale=locale,
            body=reply_to_json(reply),
        )
