"""Background work repeated until the bot stops."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from storage.db import lost_connection

log = logging.getLogger(__name__)


async def repeat(
    stop: asyncio.Event, work: Callable[[], Awaitable[object]], every: float, what: str
) -> None:
    """Run ``work`` until ``stop`` is set: again at once while it returns something truthy
    (there is more to do), else after ``every`` seconds. A failure is logged, not fatal."""
    while not stop.is_set():
        try:
            if await work():
                continue
        except Exception as error:
            if lost_connection(error):
                log.warning("%s: database connection lost; trying again shortly", what)
            else:
                log.exception("%s failed; trying again shortly", what)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=every)
