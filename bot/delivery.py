"""Drains the outbox for one platform: each queued message is sent once, retried on passing
errors, and given up on when the person cannot be reached."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta

from bot.clock import Clock
from bot.envelope import reply_from_json
from bot.types import Outgoing, Platform
from storage.outbox import DeliveryStatus, OutboxRepository

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=2)
MAX_ATTEMPTS = 6
FIRST_RETRY = timedelta(seconds=30)


class Unreachable(Exception):
    """The recipient blocked the bot, left, or does not accept private messages."""


Send = Callable[[Outgoing], Awaitable[None]]
"""An adapter's way to deliver a message; raises :class:`Unreachable` or any passing error."""


class Delivery:
    """Sends the outbox's messages for one platform (optionally one chat) through ``send``."""

    def __init__(
        self,
        outbox: OutboxRepository,
        clock: Clock,
        platform: Platform,
        send: Send,
        *,
        worker: str,
        chat_id: str | None = None,
    ) -> None:
        self._outbox = outbox
        self._clock = clock
        self._platform = platform
        self._send = send
        self._worker = worker
        self._chat_id = chat_id

    async def drain(self, limit: int = 30) -> int:
        """Send what is due now; returns how many messages were delivered."""
        claimed = await self._outbox.claim(
            self._worker, self._platform.value, LEASE, chat_id=self._chat_id, limit=limit
        )
        delivered = 0
        for message in claimed:
            outgoing = Outgoing(
                platform=self._platform,
                chat_id=message.chat_id,
                locale=message.locale,
                reply=reply_from_json(message.body),
            )
            try:
                await self._send(outgoing)
            except Unreachable as exc:
                log.info("volunteer %s unreachable: %s", message.volunteer_id, exc)
                await self._outbox.settle(
                    message.id, self._worker, DeliveryStatus.UNREACHABLE, str(exc)
                )
                continue
            except Exception as exc:
                error = f"{type(exc).__name__}: {exc}"
                if message.attempts >= MAX_ATTEMPTS:
                    log.error(
                        "giving up on message %s after %s tries: %s",
                        message.key,
                        message.attempts,
                        error,
                    )
                    await self._outbox.settle(
                        message.id, self._worker, DeliveryStatus.FAILED, error
                    )
                else:
                    log.warning(
                        "message %s not sent (try %s): %s", message.key, message.attempts, error
                    )
                    delay = FIRST_RETRY * 2 ** (message.attempts - 1)
                    await self._outbox.retry(
                        message.id, self._worker, self._clock.now() + delay, error
                    )
                continue
            await self._outbox.settle(message.id, self._worker, DeliveryStatus.SENT)
            delivered += 1
        return delivered
