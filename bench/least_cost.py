"""The least an event can cost on this machine, whatever the code between the platform and
the database: measured beside ``bench/core_throughput.py``, on the database it has just used.

* **Storage**: an event's transaction holding the arrival read (the very statement the core
  sends first: who wrote, their associations, their dialogue) and one insert (a question's
  record), sent through the driver alone: asyncpg's prepared statements, or sqlite3 in
  aiosqlite's thread, one trip a statement, as the core's own SQLite driver does. SQLite's
  ``COMMIT`` waits for the disk (``synchronous=FULL``, the default, kept by Entraide so that a
  power cut loses no answered event); the same work without that wait is measured too.
* **Matching**: the knowledge base's matcher alone, for the questions of the measured stream.

Added to python-telegram-bot's floor (parsing and processing an update), they give the least
an event of the mix can take one after the other, and the least processor time it needs
(this process's and, when the PostgreSQL server runs on this machine, its backend's).
"""

from __future__ import annotations

import os
import random
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiosqlite
import asyncpg
from sqlalchemy import ClauseElement
from sqlalchemy.dialects.postgresql.asyncpg import dialect as asyncpg_dialect
from sqlalchemy.dialects.sqlite.aiosqlite import dialect as aiosqlite_dialect
from sqlalchemy.engine import Dialect, make_url

from storage.db import POSTGRES_SETTINGS, SQLITE_PRAGMAS
from storage.kb_questions import _RECORD
from storage.volunteers import _ARRIVAL

QUESTION_COLUMNS = (
    "association_id",
    "volunteer_id",
    "text",
    "lang",
    "outcome",
    "tutorial_id",
    "suggestions",
    "helpful",
    "wants_human",
    "created_at",
)
"""The columns the core gives when it records a question (its ``_RECORD`` statement)."""
QUESTION = "comment envoyer une piece jointe"
_ARRIVAL_COLUMNS = [c.name for c in _ARRIVAL.selected_columns]
PERSON = _ARRIVAL_COLUMNS.index("id")
ASSOCIATION = _ARRIVAL_COLUMNS.index("association_id")
"""Where the arrival read gives the person and their association."""


@dataclass(frozen=True, slots=True)
class StorageCost:
    """Microseconds an event's storage work takes through the driver alone."""

    wall: float
    cpu: float
    """This process's processor time (both of its threads, for SQLite)."""
    server_cpu: float | None
    """The PostgreSQL backend's processor time, when it can be read (a server on this
    machine); None for SQLite, whose work is in ``cpu``."""
    unsynced_wall: float | None = None
    """SQLite only: ``wall`` if ``COMMIT`` did not wait for the disk (``synchronous=NORMAL``,
    measured for comparison: Entraide does not use it)."""


def positional(
    statement: ClauseElement, dialect: Dialect, columns: Sequence[str] | None = None
) -> tuple[str, list[str]]:
    """The statement's SQL for ``dialect`` and the names of its parameters, in order
    (``columns``: those an insert is given)."""
    compiled = statement.compile(dialect=dialect, column_keys=columns)
    order: Sequence[str] | None = getattr(compiled, "positiontup", None)
    return compiled.string, list(order or ())


def _record(volunteer_id: int, association_id: int | None, now: Any) -> dict[str, Any]:
    return {
        "association_id": association_id,
        "volunteer_id": volunteer_id,
        "text": QUESTION,
        "lang": "fr",
        "outcome": "answer",
        "tutorial_id": "email-attachment",
        "suggestions": "[]",
        "helpful": None,
        "wants_human": False,
        "created_at": now,
    }


async def storage_cost(url: str, users: Sequence[int], events: int, seed: int) -> StorageCost:
    """Run ``events`` transactions for people drawn from ``users`` (Telegram ids)."""
    drawn = [str(users[i]) for i in _draws(len(users), events, seed)]
    if url.startswith("sqlite"):
        synced = await _sqlite(url, drawn, "FULL")
        unsynced = await _sqlite(url, drawn, "NORMAL")
        return replace(synced, unsynced_wall=unsynced.wall)
    return await _postgres(url, drawn)


def _draws(size: int, count: int, seed: int) -> list[int]:
    rng = random.Random(f"{seed}-least-cost")
    return [rng.randrange(size) for _ in range(count)]


async def _sqlite(url: str, users: Sequence[str], synchronous: str) -> StorageCost:
    path = make_url(url).database
    assert path, url
    dialect = aiosqlite_dialect()
    arrival, arrival_order = positional(_ARRIVAL, dialect)
    record, record_order = positional(_RECORD, dialect, QUESTION_COLUMNS)
    async with aiosqlite.connect(path, isolation_level=None) as connection:
        for pragma in (*SQLITE_PRAGMAS, f"synchronous={synchronous}"):
            await connection.execute_fetchall(f"PRAGMA {pragma}")
        cpu, started = time.process_time(), time.perf_counter()
        for user in users:
            await connection.execute_fetchall("BEGIN IMMEDIATE")
            given = {"platform": "telegram", "user": user, "chat": f"telegram:{user}"}
            rows = await connection.execute_fetchall(arrival, [given[n] for n in arrival_order])
            first = next(iter(rows))
            now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
            values = _record(first[PERSON], first[ASSOCIATION], now)
            await connection.execute_fetchall(record, [values[n] for n in record_order])
            await connection.execute_fetchall("COMMIT")
        wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    count = len(users)
    return StorageCost(wall / count * 1e6, cpu / count * 1e6, None)


async def _postgres(url: str, users: Sequence[str]) -> StorageCost:
    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    dialect = asyncpg_dialect()  # type: ignore[no-untyped-call]
    arrival_sql, arrival_order = positional(_ARRIVAL, dialect)
    record_sql, record_order = positional(_RECORD, dialect, QUESTION_COLUMNS)
    connection = await asyncpg.connect(dsn, server_settings=POSTGRES_SETTINGS)
    try:
        arrival = await connection.prepare(arrival_sql)
        record = await connection.prepare(record_sql)
        backend = await connection.fetchval("SELECT pg_backend_pid()")
        server = _cpu_of(backend)
        cpu, started = time.process_time(), time.perf_counter()
        for user in users:
            async with connection.transaction():
                given = {"platform": "telegram", "user": user, "chat": f"telegram:{user}"}
                rows = await arrival.fetch(*(given[n] for n in arrival_order))
                first = rows[0]
                values = _record(first["id"], first["association_id"], datetime.now(UTC))
                await record.fetch(*(values[n] for n in record_order))
        wall, cpu = time.perf_counter() - started, time.process_time() - cpu
        after = _cpu_of(backend)
    finally:
        await connection.close()
    count = len(users)
    served = (after - server) / count * 1e6 if server is not None and after is not None else None
    return StorageCost(wall / count * 1e6, cpu / count * 1e6, served)


def _cpu_of(pid: int) -> float | None:
    """Seconds of processor time process ``pid`` has used, if this machine runs it."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks  # utime, stime


def matching_cost(match: Callable[[str, str], object], questions: Sequence[str]) -> float:
    """Mean microseconds the matcher alone takes for one of these questions."""
    times = []
    for question in questions:
        started = time.perf_counter()
        match(question, "fr")
        times.append(time.perf_counter() - started)
    return statistics.fmean(times) * 1e6 if times else 0.0
