"""One Entraide instance's background work, as a separate process for the several-instances test.

    python -m tests.integration.instance_child --db URL --sink URL --lease 3

It builds the real core on the shared database and runs what ``entraide run`` runs besides the
adapters: the job worker and the outbox delivery for Telegram. Its "Telegram" is the test's
sink, an HTTP server that records every message with the process id that sent it. SIGTERM
stops it the way it stops ``entraide run``: the batch under way is finished and recorded.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
from datetime import timedelta

import aiohttp

from bot.config import load_settings
from bot.delivery import Delivery
from bot.envelope import reply_to_json
from bot.types import Outgoing, Platform
from bot.wiring import build_app
from bot.worker import Worker

SEND_LATENCY = 0.002
"""What a platform takes to answer, roughly (kept small: the test is about counting)."""


async def serve(database_url: str, sink: str, lease: timedelta) -> None:
    settings = load_settings(database_url=database_url, demo_missions=False, _env_file=None)
    app = await build_app(settings, migrate=False, seed_demo=False)
    name = f"instance-{os.getpid()}"
    worker = Worker(
        app.services, app.dispatcher.jobs, app.dispatcher.sweeps, name=name, lease=lease
    )
    app.worker = worker
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    async with aiohttp.ClientSession() as http:

        async def send(outgoing: Outgoing) -> str | None:
            await asyncio.sleep(SEND_LATENCY)
            body = {
                "chat": outgoing.chat_id,
                "reply": reply_to_json(outgoing.reply),
                "pid": os.getpid(),
            }
            async with http.post(sink, json=body) as answer:
                answer.raise_for_status()
                return str((await answer.json())["message_id"])

        delivery = Delivery(
            app.services.outbox,
            app.services.clock,
            Platform.TELEGRAM,
            send,
            worker=name,
            concurrency=8,
            lanes=2,
            lease=lease,
        )
        print("ready", flush=True)
        await app.run_background(stop, [delivery], every=0.2)
    await app.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", required=True)
    parser.add_argument("--sink", required=True)
    parser.add_argument("--lease", type=float, default=3.0)
    args = parser.parse_args()
    asyncio.run(serve(args.db, args.sink, timedelta(seconds=args.lease)))


if __name__ == "__main__":
    main()
