"""Race many simultaneous sign-ups for a few places and check nobody is overbooked or lost.

    python bench/signups.py                                  # SQLite in a temporary folder
    python bench/signups.py --db postgresql://postgres@127.0.0.1/entraide_bench
    python bench/signups.py --places 20 --attempts 500

The database must be empty or disposable: the schema is migrated and one association, one
mission and ``attempts`` volunteers are added. The last line is machine-readable:
``db=sqlite places=20 attempts=500 confirmed=20 waitlisted=480 lost=0 order_ok=1 signups_per_s=...``
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from storage.associations import AssociationRepository  # noqa: E402
from storage.db import Database  # noqa: E402
from storage.missions import MissionRepository, Outcome  # noqa: E402
from storage.models import Volunteer  # noqa: E402
from storage.records import MissionDraft, SignUpStatus  # noqa: E402


def now() -> datetime:
    return datetime.now(UTC)


async def race(url: str, places: int, attempts: int) -> str:
    db = Database(url)
    await db.upgrade()
    try:
        association = await AssociationRepository(db, now).create(
            f"bench-{time.time_ns()}", "Banc d'essai"
        )
        missions = MissionRepository(db, now)
        start = now() + timedelta(days=7)
        mission = await missions.create(
            association.id,
            MissionDraft(
                "Course aux places", start, start + timedelta(hours=2), places, city="Paris"
            ),
            None,
        )
        async with db.write() as session:
            rows = [Volunteer(created_at=now(), last_seen_at=now()) for _ in range(attempts)]
            session.add_all(rows)
            await session.flush()
            people = [r.id for r in rows]
        started = time.perf_counter()
        changes = await asyncio.gather(
            *(missions.sign_up(association.id, mission.id, p) for p in people)
        )
        elapsed = time.perf_counter() - started
        confirmed = sum(c.outcome is Outcome.CONFIRMED for c in changes)
        waitlisted = sum(c.outcome is Outcome.WAITLISTED for c in changes)
        stored = await missions.participants(association.id, mission.id)
        queue = [s.arrival for s in stored if s.status is SignUpStatus.WAITLISTED]
        held = sorted(s.arrival for s in stored if s.status is SignUpStatus.CONFIRMED)
        order_ok = held == list(range(1, places + 1)) and queue == sorted(queue)
        lost = attempts - len({s.volunteer_id for s in stored})
        return (
            f"db={db.dialect} places={places} attempts={attempts} confirmed={confirmed}"
            f" waitlisted={waitlisted} lost={lost} order_ok={int(order_ok)}"
            f" signups_per_s={attempts / elapsed:.0f}"
        )
    finally:
        await db.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--db", help="database URL (default: a temporary SQLite file)")
    parser.add_argument("--places", type=int, default=20)
    parser.add_argument("--attempts", type=int, default=500)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = args.db or f"sqlite:///{Path(folder) / 'signups.db'}"
        print(asyncio.run(race(url, args.places, args.attempts)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
