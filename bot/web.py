"""The process's web server: Telegram's webhook, ``/healthz`` and ``/metrics`` on one port.

``/healthz`` answers 200 when the database answers and every adapter is connected, 503 (with
what fails) otherwise, for the reverse proxy or the orchestrator to route around a sick
instance. ``/metrics`` is for Prometheus. Neither shows anything about a person; put them
behind the proxy's access rules if the port is reachable from outside.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from aiohttp import web

from bot.metrics import CONTENT_TYPE, Metrics
from storage.outbox import DeliveryStatus, OutboxRepository

log = logging.getLogger(__name__)

Check = Callable[[], Awaitable[bool]]
"""Whether one part is well: the database answers, an adapter is connected."""
Receive = Callable[[Mapping[str, Any]], Awaitable[None]]
"""What takes one webhook update (already authenticated)."""

CHECK_TIMEOUT = 3.0
MAX_UPDATE_BYTES = 1 << 20
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


class WebServer:
    """Serves the health check, the metrics and (optionally) Telegram's webhook."""

    def __init__(
        self,
        host: str,
        port: int,
        *,
        metrics: Metrics,
        outbox: OutboxRepository,
        webhook: tuple[str, str] | None = None,
    ) -> None:
        """``webhook`` is Telegram's (path, secret): updates posted there with the secret go
        to :attr:`receive` once an adapter has set it (before that they are refused with 503
        and Telegram posts them again later)."""
        self._host = host
        self._port = port
        self._metrics = metrics
        self._outbox = outbox
        self._checks: dict[str, Check] = {}
        self._adapters: set[str] = set()
        self.receive: Receive | None = None
        self._app = web.Application(client_max_size=MAX_UPDATE_BYTES)
        self._app.router.add_get("/healthz", self._healthz)
        self._app.router.add_get("/metrics", self._metrics_page)
        if webhook is not None:
            path, secret = webhook
            self._app.router.add_post(f"/{path.strip('/')}", self._webhook(secret))
        self._runner: web.AppRunner | None = None
        self.port = port
        """The port listened on (the one chosen by the system when 0 was asked)."""

    def add_check(self, name: str, check: Check, *, adapter: bool = False) -> None:
        """Make ``/healthz`` depend on ``check`` too; an adapter's is also a metric."""
        self._checks[name] = check
        if adapter:
            self._adapters.add(name)

    def _webhook(self, secret: str) -> Callable[[web.Request], Awaitable[web.Response]]:
        async def webhook(request: web.Request) -> web.Response:
            given = request.headers.get(SECRET_HEADER, "")
            if not hmac.compare_digest(given.encode(), secret.encode()):
                log.warning("webhook call without the right secret from %s", request.remote)
                return web.Response(status=403, text="forbidden")
            if self.receive is None:
                return web.Response(status=503, text="starting")
            try:
                update = await request.json()
            except (json.JSONDecodeError, UnicodeDecodeError):
                return web.Response(status=400, text="not JSON")
            if not isinstance(update, dict):
                return web.Response(status=400, text="not an update")
            try:
                await self.receive(update)
            except Exception:
                # Telegram would post it again and again: log it for the operator instead.
                log.exception("could not take webhook update %s", update.get("update_id"))
            return web.Response(text="ok")

        return webhook

    async def start(self) -> None:
        self._runner = web.AppRunner(self._app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self._host, self._port)
        await site.start()
        addresses = self._runner.addresses
        if addresses:
            self.port = int(addresses[0][1])
        log.info("web server listening on %s:%s", self._host, self.port)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def health(self) -> dict[str, bool]:
        """Every check's verdict; one that fails, raises or hangs counts as not well."""

        async def run(check: Check) -> bool:
            try:
                return await asyncio.wait_for(check(), timeout=CHECK_TIMEOUT)
            except Exception:
                log.warning("health check failed", exc_info=True)
                return False

        names = list(self._checks)
        verdicts = await asyncio.gather(*(run(self._checks[name]) for name in names))
        result = dict(zip(names, verdicts, strict=True))
        for name in self._adapters:
            self._metrics.adapter_up.labels(adapter=name).set(1 if result.get(name) else 0)
        return result

    async def _healthz(self, request: web.Request) -> web.Response:
        checks = await self.health()
        well = all(checks.values())
        body = {
            "status": "ok" if well else "failing",
            "checks": {name: "ok" if ok else "failing" for name, ok in checks.items()},
        }
        return web.json_response(body, status=200 if well else 503)

    async def _metrics_page(self, request: web.Request) -> web.Response:
        try:
            counts = await asyncio.wait_for(self._outbox.counts(), timeout=CHECK_TIMEOUT)
        except Exception:
            log.warning("could not count the outbox for /metrics", exc_info=True)
        else:
            self._metrics.set_outbox({s.value: counts.get(s, 0) for s in DeliveryStatus})
        await self.health()
        return web.Response(body=self._metrics.render(), headers={"Content-Type": CONTENT_TYPE})
