"""Broadcast an announcement to many people through a fake Telegram that enforces its limits.

    python bench/broadcast.py                       # 10,000 recipients, SQLite in a temp folder
    python bench/broadcast.py --crash               # SIGKILL the worker part-way, restart it
    python bench/broadcast.py --db postgresql://postgres@127.0.0.1/entraide_bench
    python bench/broadcast.py --recipients 2000 --cap 300

Telegram allows about 30 messages a second per bot. So that the default run finishes in
seconds, the cap is scaled up (``--cap``, 1,000 a second by default) and the fake Telegram
enforces that scaled cap, one message a second per chat and 20 a minute per group, answering
429 with ``retry_after`` when a limit is broken. The fake answers after ``--latency`` seconds.

Two measures:

* the **rate achieved** with the limits on, as a share of the cap (target >= 95%);
* the **CPU time per message** with no limits and no latency: queueing and delivering, in
  this process (target <= 1 ms; with PostgreSQL, the server's CPU is not counted).

``--crash`` runs the worker in a child process, kills it with SIGKILL once a third of the
messages are out, starts a new one, and counts what each recipient got. The database must be
empty or disposable. The last line is machine-readable::

    recipients=10000 sent=10000 lost=0 duplicates=0 cap_share=0.97 cpu_ms_per_msg=0.40
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert, text  # noqa: E402

from bot.config import load_settings  # noqa: E402
from bot.delivery import Delivery, RateLimited  # noqa: E402
from bot.ratelimit import UNLIMITED, Limits, RateLimiter  # noqa: E402
from bot.types import Outgoing, Platform  # noqa: E402
from bot.wiring import App, build_app  # noqa: E402
from handlers import announce  # noqa: E402
from storage.announcements import ReportTo  # noqa: E402
from storage.models import PlatformIdentity, Subscription, Volunteer  # noqa: E402
from storage.outbox import DeliveryStatus  # noqa: E402
from storage.records import AnnouncementRecord, Audience, AudienceKind, JobRecord, Role  # noqa: E402

TELEGRAM_CAP = 30.0
FIRST_ID = 1000
WORKER_LEASE = timedelta(seconds=3)
"""Short, so that a restarted worker takes back the dead one's messages quickly."""


class FakeTelegram:
    """Accepts messages at a scaled Telegram pace; refuses with 429 beyond it. With ``log``,
    every accepted message is appended to that file at once (it survives a SIGKILL)."""

    def __init__(self, cap: float | None, latency: float, log: Path | None = None) -> None:
        self.cap = cap
        self.latency = latency
        self.accepted: Counter[str] = Counter()
        self.refused = 0
        self.first = self.last = 0.0
        self._tokens = max(cap * 0.05, 1.0) if cap else 0.0
        self._stamp = time.monotonic()
        self._chat_last: dict[str, float] = {}
        self._log = os.open(log, os.O_WRONLY | os.O_APPEND | os.O_CREAT) if log else None

    def _allowed(self, chat: str) -> bool:
        if self.cap is None:
            return True
        now = time.monotonic()
        burst = max(self.cap * 0.05, 1.0)  # the server tolerates a 50 ms burst
        self._tokens = min(burst, self._tokens + (now - self._stamp) * self.cap)
        self._stamp = now
        if self._tokens < 1.0 or now - self._chat_last.get(chat, -10.0) < 1.0:
            return False
        self._tokens -= 1.0
        self._chat_last[chat] = now
        return True

    async def send(self, outgoing: Outgoing) -> None:
        if self.latency:
            await asyncio.sleep(self.latency)
        if not self._allowed(outgoing.chat_id):
            self.refused += 1
            raise RateLimited(retry_after=1.0 / (self.cap or 1.0))
        now = time.monotonic()
        self.first = self.first or now
        self.last = now
        self.accepted[outgoing.chat_id] += 1
        if self._log is not None:
            os.write(self._log, f"{outgoing.chat_id} {time.time():.6f}\n".encode())


async def seed(app: App, recipients: int) -> AnnouncementRecord:
    """``recipients`` Telegram volunteers subscribed to everything, and a confirmed
    announcement to them."""
    services = app.services
    association = await services.associations.create("bench", "Banc d'essai")
    coordinator = await services.volunteers.identify("bench", "coordinator", "Claire")
    await services.associations.join(coordinator.id, association.id, Role.COORDINATOR)
    now = datetime.now(UTC)
    ids = range(FIRST_ID, FIRST_ID + recipients)
    async with services.db.write() as session:
        for start in range(0, recipients, 5000):
            chunk = ids[start : start + 5000]
            await session.execute(
                insert(Volunteer),
                [
                    {"id": i, "reminders": True, "created_at": now, "last_seen_at": now}
                    for i in chunk
                ],
            )
            await session.execute(
                insert(PlatformIdentity),
                [
                    {
                        "volunteer_id": i,
                        "platform": "telegram",
                        "platform_user_id": str(i),
                        "created_at": now,
                        "last_used_at": now,
                    }
                    for i in chunk
                ],
            )
            await session.execute(
                insert(Subscription),
                [
                    {
                        "volunteer_id": i,
                        "association_id": association.id,
                        "scope": "all",
                        "value": "",
                        "created_at": now,
                    }
                    for i in chunk
                ],
            )
        if services.db.dialect == "postgresql":
            await session.execute(
                text("SELECT setval('volunteers_id_seq', (SELECT max(id) FROM volunteers))")
            )
    created = await services.announcements.create(
        "bench:1",
        association_id=association.id,
        created_by=coordinator.id,
        text="Collecte samedi, il manque 5 bras !",
        audience=Audience(AudienceKind.ALL),
        audience_label="",
        post_in_groups=False,
        report_to=ReportTo("bench", "coordinator", None),
    )
    assert created is not None
    return created


def queue_job(announcement: AnnouncementRecord) -> JobRecord:
    return JobRecord(0, "bench", announce.QUEUE_JOB, {"id": announcement.id}, datetime.now(UTC), 1)


def delivery(app: App, telegram: FakeTelegram, limits: Limits, worker: str) -> Delivery:
    return Delivery(
        app.services.outbox,
        app.services.clock,
        Platform.TELEGRAM,
        telegram.send,
        worker=worker,
        limiter=RateLimiter(limits),
        concurrency=64,
        lanes=3,
        lease=WORKER_LEASE,
    )


async def drain_all(app: App, announcement: AnnouncementRecord, sender: Delivery) -> None:
    """Deliver (as the bot does, in its lanes) until nothing of this announcement is pending."""
    stop = asyncio.Event()
    running = asyncio.create_task(sender.run(stop, idle=0.05))
    while True:
        await asyncio.sleep(0.05)
        counts = await app.services.outbox.announcement_counts(announcement.id)
        if not counts[DeliveryStatus.PENDING]:
            stop.set()
            await running
            return


async def open_app(url: str, *, migrate: bool) -> App:
    settings = load_settings(database_url=url, demo_missions=False, _env_file=None)
    return await build_app(settings, migrate=migrate, seed_demo=False)


async def reset(url: str) -> None:
    """Start from an empty database."""
    if url.startswith("sqlite:///"):
        await asyncio.to_thread(Path(url.removeprefix("sqlite:///")).unlink, missing_ok=True)
    elif url.startswith("postgresql"):
        app = await open_app(url, migrate=False)
        async with app.services.db.write() as session:
            await session.execute(text("DROP SCHEMA public CASCADE"))
            await session.execute(text("CREATE SCHEMA public"))
        await app.close()


async def limited_run(url: str, recipients: int, cap: float, latency: float) -> dict[str, float]:
    """The rate achieved with the (scaled) limits on."""
    await reset(url)
    app = await open_app(url, migrate=True)
    try:
        announcement = await seed(app, recipients)
        await announce.queue_job(app.services, queue_job(announcement))
        telegram = FakeTelegram(cap, latency)
        limits = Limits(per_second=cap, chat_interval=1.0, group_per_minute=20)
        await drain_all(app, announcement, delivery(app, telegram, limits, "bench-limited"))
        elapsed = telegram.last - telegram.first
        rate = (telegram.accepted.total() - 1) / elapsed if elapsed > 0 else float("inf")
        return {
            "sent": len(telegram.accepted),
            "duplicates": telegram.accepted.total() - len(telegram.accepted),
            "rate": rate,
            "cap_share": rate / cap,
            "refused": telegram.refused,
            "elapsed": elapsed,
        }
    finally:
        await app.close()


async def cpu_run(url: str, recipients: int) -> float:
    """Milliseconds of this process's CPU per message, queueing and delivering, no limits."""
    await reset(url)
    app = await open_app(url, migrate=True)
    try:
        announcement = await seed(app, recipients)
        telegram = FakeTelegram(None, 0.0)
        started = time.process_time()
        await announce.queue_job(app.services, queue_job(announcement))
        await drain_all(app, announcement, delivery(app, telegram, UNLIMITED, "bench-cpu"))
        used = time.process_time() - started
        assert len(telegram.accepted) == recipients
        return used / recipients * 1000
    finally:
        await app.close()


async def worker_process(url: str, log: Path, cap: float, latency: float, name: str) -> None:
    """The child of ``--crash``: queue (if needed) and deliver until nothing is pending."""
    app = await open_app(url, migrate=False)
    try:
        announcement = await app.services.announcements.get(1)
        assert announcement is not None
        await announce.queue_job(app.services, queue_job(announcement))
        telegram = FakeTelegram(cap, latency, log)
        limits = Limits(per_second=cap, chat_interval=1.0, group_per_minute=20)
        await drain_all(app, announcement, delivery(app, telegram, limits, name))
    finally:
        await app.close()


def crash_run(
    url: str, recipients: int, cap: float, latency: float, folder: Path
) -> dict[str, float]:
    """Kill the worker with SIGKILL a third of the way, restart it, count deliveries."""
    asyncio.run(reset(url))

    async def prepare() -> None:
        app = await open_app(url, migrate=True)
        await seed(app, recipients)
        await app.close()

    asyncio.run(prepare())
    log = folder / "deliveries.log"
    log.write_text("")

    def start(name: str) -> subprocess.Popen[bytes]:
        command = [sys.executable, __file__, "--worker", name, "--db", url, "--log", str(log)]
        command += ["--cap", str(cap), "--latency", str(latency)]
        return subprocess.Popen(command)

    first = start("worker-1")
    while log.read_bytes().count(b"\n") < recipients // 3:
        if first.poll() is not None:
            raise SystemExit("the first worker ended before it could be killed")
        time.sleep(0.01)
    first.send_signal(signal.SIGKILL)
    first.wait()
    at_kill = log.read_bytes().count(b"\n")
    second = start("worker-2")
    if second.wait() != 0:
        raise SystemExit("the restarted worker failed")
    lines = [line.split() for line in log.read_text().splitlines()]
    got = Counter(chat for chat, _ in lines)
    expected = {str(i) for i in range(FIRST_ID, FIRST_ID + recipients)}
    before = [float(moment) for _, moment in lines[:at_kill]]
    rate = (len(before) - 1) / (before[-1] - before[0])
    return {
        "cap_share": rate / cap,
        "at_kill": at_kill,
        "sent": len(expected & set(got)),
        "lost": len(expected - set(got)),
        "duplicates": sum(got.values()) - len(got),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", help="database URL (default: SQLite in a temporary folder)")
    parser.add_argument("--recipients", type=int, default=10_000)
    parser.add_argument("--cap", type=float, default=1000.0, help="messages a second allowed")
    parser.add_argument("--latency", type=float, default=0.005, help="fake API answer time, s")
    parser.add_argument("--crash", action="store_true", help="SIGKILL the worker part-way")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--log", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    logging.getLogger("bot.delivery").setLevel(logging.ERROR)  # 429s are counted instead
    if args.worker:
        asyncio.run(worker_process(args.db, args.log, args.cap, args.latency, args.worker))
        return
    with tempfile.TemporaryDirectory() as folder:
        url = args.db or f"sqlite:///{Path(folder) / 'broadcast.db'}"
        print(
            f"{args.recipients} recipients, cap {args.cap:g}/s "
            f"(Telegram's {TELEGRAM_CAP:g}/s scaled up), latency {args.latency * 1000:g} ms"
        )
        cpu = asyncio.run(cpu_run(url, args.recipients))
        print(f"CPU per message, no limits: {cpu:.3f} ms")
        if args.crash:
            result = crash_run(url, args.recipients, args.cap, args.latency, Path(folder))
            print(
                f"killed after {result['at_kill']:.0f} deliveries "
                f"(rate before: {result['cap_share']:.1%} of the cap); after the restart: "
                f"{result['sent']:.0f} received, {result['duplicates']:.0f} twice, "
                f"{result['lost']:.0f} lost"
            )
            share = result["cap_share"]
            sent, lost = int(result["sent"]), int(result["lost"])
            duplicates = int(result["duplicates"])
        else:
            run = asyncio.run(limited_run(url, args.recipients, args.cap, args.latency))
            print(
                f"limited: {run['sent']:.0f} sent in {run['elapsed']:.2f} s, "
                f"{run['rate']:.0f}/s = {run['cap_share']:.1%} of the cap, "
                f"{run['refused']:.0f} refused by the fake Telegram"
            )
            share = run["cap_share"]
            sent, duplicates = int(run["sent"]), int(run["duplicates"])
            lost = args.recipients - sent
    print(
        f"recipients={args.recipients} sent={sent} lost={lost} duplicates={duplicates} "
        f"cap_share={share:.2f} cpu_ms_per_msg={cpu:.2f}"
    )


if __name__ == "__main__":
    main()
