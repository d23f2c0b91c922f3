"""Events a second and latency through the whole core: dispatcher, handlers and storage.

    python bench/core_throughput.py                       # SQLite in a temporary folder
    python bench/core_throughput.py --db postgresql://postgres@127.0.0.1/entraide_bench
    python bench/core_throughput.py --events 3000 --volunteers 10000 --missions 1000
    python bench/core_throughput.py --growth              # 1k/100, 10k/1k, 100k/10k: a table
    python bench/core_throughput.py --count-sql           # also SQL statements per event kind
    python bench/core_throughput.py --db postgresql://... --instances 2 --concurrency 2

Before the measure (not timed), ``--volunteers`` Telegram volunteers (100,000 by default; each
with a platform identity, a membership of the association, a language and an area: a town or a
postcode) and ``--missions`` missions (10,000, spread over 150 French towns and the next six
months, a few already full with a waitlist, some places taken) are bulk-inserted through the
models, with the outbox a month of delivery leaves behind (two announcements delivered to
every volunteer). Then ``--events`` Telegram updates are made, the way Telegram sends them,
for people drawn at random, in private chats (chat id = user id):

* 60% questions to the knowledge base, typed as in ``bench/data/kb_questions.csv``;
* 20% mission lists: ``/missions``, ``/missions <their town or postcode>``, the "near me"
  list around their town, the next page or "this week";
* 10% sign-ups and cancellations (the ``mi:s:<id>`` and ``mi:c:<id>`` buttons);
* 10% other presses: "did this help? yes/no" under an answer they just got, a picked
  suggestion, the help menu, a mission's details, "my missions".

Each update becomes the core's event as the Telegram adapter makes it, and the events are
answered **one after the other**: latency is the time of ``Dispatcher.handle``; events/s (the
primary figure) is events over the wall time of that sequential run. ``--concurrency N`` then
answers another stream of as many events with N asyncio tasks (throughput only; 0 to skip).

``--instances N`` (PostgreSQL) measures several instances of the bot on one database, as
deployed for more traffic: the data is loaded once, then N processes each warm up, start
together and answer their own stream of ``--events`` (``--concurrency`` at a time); events/s is
all their events over the time from the first start to the last end, the latencies are pooled,
and the memory is the largest instance's. The last line then ends with ``instances=N
concurrency=C``.

The floor is python-telegram-bot's own work for the same updates: ``Update.de_json`` and
``Application.process_update`` through a handler that does nothing (offline: the bot's requests
are answered locally). ``floor_ratio`` is Entraide's seconds per event over the floor's. With
it, the "least cost" line adds what no code could avoid (``bench/least_cost.py``): an event's
transaction sent through the database driver alone, and the matcher alone for the questions.

Targets on a 2-core machine: >= 1,000 events/s, p99 <= 20 ms, resident memory <= 200 MB
(VmRSS after the run; the peak VmHWM, which includes loading, is shown too). Responses that are
the generic error message are counted (``errors``) and their tracebacks printed.

The database must be empty or disposable: a SQLite file is deleted, a PostgreSQL database has
its ``public`` schema dropped and recreated, then it is migrated. The last line is
machine-readable::

    db=sqlite events=10000 events_per_s=... p50_ms=... p99_ms=... floor_ratio=... rss_mb=...
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import gzip
import json
import logging
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from array import array
from asyncio.subprocess import PIPE
from collections import Counter, defaultdict, deque
from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from least_cost import matching_cost, storage_cost  # noqa: E402
from sqlalchemy import event as sql_event  # noqa: E402
from sqlalchemy import insert, text  # noqa: E402
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine  # noqa: E402
from telegram import Update  # noqa: E402
from telegram.ext import Application, ContextTypes, TypeHandler  # noqa: E402
from telegram.request import BaseRequest, RequestData  # noqa: E402

from bot.adapters.telegram import to_event  # noqa: E402
from bot.config import load_settings  # noqa: E402
from bot.envelope import reply_to_json  # noqa: E402
from bot.loops import repeat  # noqa: E402
from bot.places import DEFAULT_PLACES  # noqa: E402
from bot.types import Event, Msg, Reply, Response, msg  # noqa: E402
from bot.wiring import App, build_app, settle_memory  # noqa: E402
from handlers.missions import SCAN, Search  # noqa: E402
from storage.db import normalise_url  # noqa: E402
from storage.models import (  # noqa: E402
    Announcement,
    Membership,
    Mission,
    OutboxMessage,
    PlatformIdentity,
    SignUp,
    Volunteer,
)

KINDS = ("question", "list", "signup-cancel", "press")
SHARES = (0.6, 0.2, 0.1, 0.1)
TARGET_EVENTS_PER_S = 1000.0
TARGET_P99_MS = 20.0
TARGET_RSS_MB = 200.0
GROWTH = ((1_000, 100), (10_000, 1_000), (100_000, 10_000))
QUESTIONS = ROOT / "bench" / "data" / "kb_questions.csv"
CITIES = 150
COORDINATORS = 20
CHUNK = 5_000
ANNOUNCED_DAYS_AGO = (25, 10)
"""The announcements of the last month, each delivered to every volunteer: the outbox keeps a
month of delivered messages, as in production (two rows a volunteer)."""
ANNOUNCEMENT = "Assemblée générale samedi à 14 h à la salle des fêtes."
RESULT_LIMIT = 1 << 26
"""Bytes of an instance's result line (its latencies)."""
SLUG = "bench"
BOT_ID = 7_000_000_001
BOT_USERNAME = "entraide_bench_bot"
BOT_USER = {"id": BOT_ID, "is_bot": True, "first_name": "Entraide", "username": BOT_USERNAME}
LANGUAGES = ("fr", "en", None)
LANGUAGE_WEIGHTS = (0.9, 0.08, 0.02)
FIRST_NAMES = (
    "Marie", "Jean", "Fatima", "Pierre", "Nathalie", "Mohamed", "Sophie", "Michel", "Isabelle",
    "Karim", "Catherine", "Philippe", "Aïcha", "Alain", "Monique", "Thomas", "Chantal", "Léa",
    "Bernard", "Yasmine", "Hélène", "Patrick", "Nadia", "Louis", "Odile", "Sylvie", "Malik",
    "Françoise", "Hugo", "Jeanne", "Didier", "Camille", "Mamadou", "Josiane", "Lucas", "Inès",
)  # fmt: skip
MISSION_TITLES = (
    "Collecte alimentaire au supermarché", "Distribution de colis", "Tri de vêtements",
    "Maraude du soir", "Aide aux devoirs", "Atelier numérique : premiers pas sur smartphone",
    "Accueil du public à la permanence", "Appels de convivialité aux aînés",
    "Ramassage de déchets au parc", "Épicerie solidaire : mise en rayon",
    "Accompagnement aux courses", "Repas partagé", "Café des langues", "Vide-grenier solidaire",
    "Transport de denrées", "Atelier réparation de vélos", "Lecture à la médiathèque",
)  # fmt: skip
STREETS = (
    "rue de la République", "avenue Jean Jaurès", "place de la Mairie", "rue Victor Hugo",
    "boulevard Pasteur", "rue des Écoles", "allée des Tilleuls", "rue du Marché",
    "chemin des Vignes", "rue Gambetta", "quai de la Gare", "rue Jules Ferry",
)  # fmt: skip
TAGS = (
    "alimentaire", "accueil", "numérique", "solidarité", "environnement", "enfants",
    "aînés", "transport", "bricolage", "cuisine", "téléphone", "formation",
)  # fmt: skip

log = logging.getLogger("bench.core_throughput")


# -- the population -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class City:
    """A French town missions happen in and volunteers live in."""

    name: str
    postcodes: tuple[str, ...]
    latitude: float
    longitude: float
    population: int


@dataclass(slots=True)
class World:
    """What was loaded, compactly (index ``i`` is volunteer id ``i + 1``)."""

    cities: list[City]
    telegram_ids: array[int]
    names: array[int]
    languages: array[int]
    homes: array[int]
    """The city index of each volunteer."""
    mission_count: int
    areas: list[str] = field(default_factory=list)
    """Each volunteer's area as they typed it (a town or a postcode)."""
    by_language: dict[str | None, list[int]] = field(default_factory=dict)
    upcoming: list[tuple[datetime, int]] = field(default_factory=list)
    soonest: list[int] = field(default_factory=list)
    """The missions ``/missions`` shows first (the ``SCAN`` soonest published)."""
    held: list[tuple[int, int]] = field(default_factory=list)
    """Some preloaded places ``(volunteer index, mission id)`` that can be given up."""

    @property
    def size(self) -> int:
        return len(self.telegram_ids)

    def dumps(self) -> str:
        """The world as JSON, for the instances started beside the loader."""
        return json.dumps(
            {
                "cities": [
                    [c.name, list(c.postcodes), c.latitude, c.longitude, c.population]
                    for c in self.cities
                ],
                "telegram_ids": list(self.telegram_ids),
                "names": list(self.names),
                "languages": list(self.languages),
                "homes": list(self.homes),
                "mission_count": self.mission_count,
                "areas": self.areas,
                "by_language": [[k, v] for k, v in self.by_language.items()],
                "soonest": self.soonest,
                "held": self.held,
            }
        )

    @classmethod
    def loads(cls, data: str) -> World:
        raw = json.loads(data)
        return cls(
            cities=[City(n, tuple(p), la, lo, po) for n, p, la, lo, po in raw["cities"]],
            telegram_ids=array("q", raw["telegram_ids"]),
            names=array("H", raw["names"]),
            languages=array("B", raw["languages"]),
            homes=array("H", raw["homes"]),
            mission_count=raw["mission_count"],
            areas=raw["areas"],
            by_language=dict(raw["by_language"]),
            soonest=raw["soonest"],
            held=[(person, mission) for person, mission in raw["held"]],
        )


def french_cities(count: int) -> list[City]:
    """The ``count`` most populous communes of the bundled gazetteer (no arrondissements)."""
    rows: list[City] = []
    with gzip.open(DEFAULT_PLACES, "rt", encoding="utf-8") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            if "Arrondissement" in row["name"] or not row["postcodes"]:
                continue
            rows.append(
                City(
                    row["name"],
                    tuple(row["postcodes"].split(",")),
                    float(row["lat"]),
                    float(row["lon"]),
                    int(row["population"] or 0),
                )
            )
    rows.sort(key=lambda c: (-c.population, c.name))
    return rows[:count]


async def reset(url: str) -> None:
    """Start from an empty database (see the docstring: it must be disposable)."""
    if url.startswith("sqlite:///"):
        await asyncio.to_thread(Path(url.removeprefix("sqlite:///")).unlink, missing_ok=True)
        return
    engine = create_async_engine(normalise_url(url))
    async with engine.begin() as connection:
        await connection.execute(text("DROP SCHEMA public CASCADE"))
        await connection.execute(text("CREATE SCHEMA public"))
    await engine.dispose()


async def open_app(url: str) -> App:
    settings = load_settings(
        database_url=url,
        demo_missions=False,
        default_association=SLUG,
        flood_burst=100_000,
        _env_file=None,
    )
    return await build_app(settings, migrate=True, seed_demo=False)


def _people(
    world: World, start: int, stop: int, association_id: int, now: datetime, rng: random.Random
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    """Rows of volunteers ``start`` to ``stop``: the person, their Telegram identity (1% that
    Telegram refused a message to) and their membership (the first ones coordinate)."""
    people: list[dict[str, Any]] = []
    identities: list[dict[str, Any]] = []
    members: list[dict[str, Any]] = []
    for index in range(start, stop):
        seen = now - timedelta(minutes=rng.randrange(5, 60 * 24 * 60))
        people.append(
            {
                "id": index + 1,
                "display_name": FIRST_NAMES[world.names[index]],
                "device_language": LANGUAGES[world.languages[index]],
                "reminders": rng.random() < 0.9,
                "area": world.areas[index],
                "interests": [],
                "failed_codes": 0,
                "created_at": seen - timedelta(days=rng.randrange(1, 700)),
                "last_seen_at": seen,
            }
        )
        identities.append(
            {
                "volunteer_id": index + 1,
                "platform": "telegram",
                "platform_user_id": str(world.telegram_ids[index]),
                "created_at": seen,
                "last_used_at": seen,
                "unreachable_at": seen if rng.random() < 0.01 else None,
            }
        )
        members.append(
            {
                "volunteer_id": index + 1,
                "association_id": association_id,
                "role": "coordinator" if index < COORDINATORS else "volunteer",
                "created_at": seen,
            }
        )
    return people, identities, members


def _missions(
    world: World,
    start: int,
    stop: int,
    association_id: int,
    now: datetime,
    zone: ZoneInfo,
    rng: random.Random,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Rows of missions ``start + 1`` to ``stop`` (3% remote, 3% cancelled, 15% full with a
    waitlist, the others partly taken) and of their sign-ups."""
    cities = world.cities
    weights = [c.population for c in cities]
    missions: list[dict[str, Any]] = []
    signups: list[dict[str, Any]] = []
    for mission_id in range(start + 1, stop + 1):
        city = cities[rng.choices(range(len(cities)), weights=weights)[0]]
        day = (now + timedelta(days=rng.randrange(1, 181))).astimezone(zone).date()
        hour = rng.randrange(8, 20)
        begins = datetime(day.year, day.month, day.day, hour, tzinfo=zone).astimezone(UTC)
        places = rng.randrange(2, 21)
        wanting = rng.randrange(0, places + 1)
        if rng.random() < 0.15:
            wanting = places + rng.randrange(1, 4)
        wanting = min(wanting, world.size)
        remote = rng.random() < 0.03
        status = "published" if rng.random() < 0.97 else "cancelled"
        where: dict[str, Any] = {"address": None, "city": None, "postcode": None}
        where |= {"latitude": None, "longitude": None}
        if not remote:
            where = {
                "address": f"{rng.randrange(1, 120)} {rng.choice(STREETS)}",
                "city": city.name,
                "postcode": rng.choice(city.postcodes),
                "latitude": city.latitude + rng.uniform(-0.03, 0.03),
                "longitude": city.longitude + rng.uniform(-0.03, 0.03),
            }
        missions.append(
            {
                "id": mission_id,
                "association_id": association_id,
                "title": rng.choice(MISSION_TITLES),
                "description": "Merci de prévenir si vous avez un empêchement.",
                **where,
                "remote": remote,
                "starts_at": begins,
                "ends_at": begins + timedelta(hours=rng.randrange(1, 5)),
                "places": places,
                "taken": min(wanting, places),
                "arrivals": wanting,
                "tags": rng.sample(TAGS, rng.randrange(1, 3)),
                "bring": "Des gants" if rng.random() < 0.3 else None,
                "contact": "Claire, 06 12 34 56 78" if rng.random() < 0.3 else None,
                "status": status,
                "created_by": rng.randrange(1, COORDINATORS + 1),
                "created_at": now - timedelta(days=rng.randrange(1, 30)),
                "updated_at": now,
            }
        )
        if status == "published":
            world.upcoming.append((begins, mission_id))
        for arrival, person in enumerate(rng.sample(range(world.size), wanting), 1):
            confirmed = arrival <= places
            signups.append(
                {
                    "mission_id": mission_id,
                    "volunteer_id": person + 1,
                    "status": "confirmed" if confirmed else "waitlisted",
                    "arrival": arrival,
                    "created_at": now,
                    "updated_at": now,
                }
            )
            if confirmed and rng.random() < 0.1 and len(world.held) < 20_000:
                world.held.append((person, mission_id))
    return missions, signups


async def _announcement(session: AsyncSession, association_id: int, sent: datetime) -> int:
    """An announcement to everyone, delivered at ``sent``; its id."""
    row = Announcement(
        key=f"bench-{sent.isoformat()}",
        association_id=association_id,
        created_by=1,
        text=ANNOUNCEMENT,
        audience="all",
        status="done",
        created_at=sent,
    )
    session.add(row)
    await session.flush()
    return row.id


def _delivered(
    world: World, announcement: int, start: int, stop: int, sent: datetime
) -> list[dict[str, Any]]:
    """The announcement's messages to volunteers ``start`` to ``stop``, delivered."""
    body = reply_to_json(Reply(text=Msg.text(ANNOUNCEMENT)))
    return [
        {
            "key": f"ann:{announcement}:v:{index + 1}",
            "volunteer_id": index + 1,
            "announcement_id": announcement,
            "platform": "telegram",
            "chat_id": str(world.telegram_ids[index]),
            "is_group": False,
            "bulk": True,
            "locale": LANGUAGES[world.languages[index]] or "fr",
            "body": body,
            "sent_message_id": str(index + 1),
            "status": "sent",
            "sent_at": sent,
            "created_at": sent,
            "due_at": sent,
            "attempts": 1,
        }
        for index in range(start, stop)
    ]


async def load(app: App, volunteers: int, missions: int, rng: random.Random) -> World:
    """Bulk-insert the association, the volunteers and the missions with their sign-ups."""
    services = app.services
    association = await services.associations.create(SLUG, "Banc d'essai solidaire")
    now = services.clock.now()
    cities = french_cities(CITIES)
    world = World(
        cities=cities,
        telegram_ids=array("q", rng.sample(range(100_000_000, 7_000_000_000), volunteers)),
        names=array("H", (rng.randrange(len(FIRST_NAMES)) for _ in range(volunteers))),
        languages=array(
            "B", rng.choices(range(len(LANGUAGES)), weights=LANGUAGE_WEIGHTS, k=volunteers)
        ),
        homes=array(
            "H",
            rng.choices(range(len(cities)), weights=[c.population for c in cities], k=volunteers),
        ),
        mission_count=missions,
    )
    for index in range(volunteers):
        city = cities[world.homes[index]]
        world.areas.append(city.name if rng.random() < 0.5 else rng.choice(city.postcodes))
        world.by_language.setdefault(LANGUAGES[world.languages[index]], []).append(index)
    async with services.db.write() as session:
        for start in range(0, volunteers, CHUNK):
            stop = min(start + CHUNK, volunteers)
            people, identities, members = _people(world, start, stop, association.id, now, rng)
            await session.execute(insert(Volunteer), people)
            await session.execute(insert(PlatformIdentity), identities)
            await session.execute(insert(Membership), members)
        for days in ANNOUNCED_DAYS_AGO:
            sent = now - timedelta(days=days)
            announcement = await _announcement(session, association.id, sent)
            for start in range(0, volunteers, CHUNK):
                stop = min(start + CHUNK, volunteers)
                rows = _delivered(world, announcement, start, stop, sent)
                await session.execute(insert(OutboxMessage), rows)
        for start in range(0, missions, CHUNK):
            stop = min(start + CHUNK, missions)
            zone = services.settings.zone
            rows, signups = _missions(world, start, stop, association.id, now, zone, rng)
            await session.execute(insert(Mission), rows)
            if signups:
                await session.execute(insert(SignUp), signups)
        if services.db.dialect == "postgresql":
            for table in ("volunteers", "missions"):
                await session.execute(
                    text(f"SELECT setval('{table}_id_seq', (SELECT max(id) FROM {table}))")
                )
    if services.db.dialect == "postgresql":
        # What autovacuum does after a bulk load: statistics, and the visibility map that
        # lets an index answer alone.
        async with services.db.engine.connect() as connection:
            done = await connection.execution_options(isolation_level="AUTOCOMMIT")
            await done.execute(text("VACUUM ANALYZE"))
    world.upcoming.sort()
    world.soonest = [mission_id for _, mission_id in world.upcoming[:SCAN]]
    world.upcoming.clear()
    rng.shuffle(world.held)
    return world


# -- the events -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Planned:
    """One thing a person does: type ``text`` (a command if it starts with ``/``) or press
    ``button``; ``follow`` presses a button of the answer to their last question instead."""

    kind: str
    person: int
    text: str | None = None
    button: str | None = None
    follow: str | None = None


def questions() -> dict[str | None, list[str]]:
    """The phrasings of ``kb_questions.csv``, by the language they are asked in."""
    found: dict[str | None, list[str]] = defaultdict(list)
    with QUESTIONS.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            found[row["lang"]].append(row["question"])
    return found


def plan(world: World, count: int, rng: random.Random) -> Iterator[Planned]:
    """A realistic, reproducible stream of ``count`` events."""
    asked = questions()
    askers: deque[int] = deque(maxlen=200)
    signed: list[tuple[int, int]] = []
    held = list(world.held)
    for kind in rng.choices(KINDS, weights=SHARES, k=count):
        person = rng.randrange(world.size)
        if kind == "question":
            english = rng.random() < 0.1
            language = "en" if english else "fr"
            speakers = world.by_language.get(language) or []
            if speakers and rng.random() < 0.8:
                person = rng.choice(speakers)
            askers.append(person)
            yield Planned(kind, person, text=rng.choice(asked[language]))
        elif kind == "list":
            home = world.cities[world.homes[person]]
            roll = rng.random()
            if roll < 0.3:
                yield Planned(kind, person, text="/missions")
            elif roll < 0.7:
                yield Planned(kind, person, text=f"/missions {world.areas[person]}")
            elif roll < 0.9:
                search = Search(latitude=home.latitude, longitude=home.longitude, km=20.0)
                yield Planned(kind, person, button=search.encode())
            else:
                search = rng.choice((Search(offset=3, km=20.0), Search(when="w", km=20.0)))
                yield Planned(kind, person, button=search.encode())
        elif kind == "signup-cancel":
            if rng.random() < 0.45 and (signed or held):
                source = signed if signed and (not held or rng.random() < 0.5) else held
                person, mission = source.pop(rng.randrange(len(source)))
                yield Planned(kind, person, button=f"mi:c:{mission}")
            else:
                if world.soonest and rng.random() < 0.7:
                    mission = rng.choice(world.soonest)
                else:
                    mission = rng.randrange(1, world.mission_count + 1)
                signed.append((person, mission))
                yield Planned(kind, person, button=f"mi:s:{mission}")
        else:
            roll = rng.random()
            if roll < 0.45 and askers:
                wanted = rng.choice(("kb:y", "kb:y", "kb:n", "kb:s"))
                yield Planned(kind, rng.choice(askers), button=f"{wanted}:0", follow=wanted)
            elif roll < 0.7:
                yield Planned(kind, person, button="cmd:aide")
            elif roll < 0.85 and world.soonest:
                yield Planned(kind, person, button=f"mi:d:{rng.choice(world.soonest)}")
            else:
                yield Planned(kind, person, button="cmd:mes_missions")


def update_json(world: World, planned: Planned, update_id: int, date: int) -> dict[str, Any]:
    """The update Telegram would send for ``planned`` (a private chat: chat id = user id)."""
    user_id = world.telegram_ids[planned.person]
    name = FIRST_NAMES[world.names[planned.person]]
    user: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": name}
    language = LANGUAGES[world.languages[planned.person]]
    if language is not None:
        user["language_code"] = language
    chat = {"id": user_id, "type": "private", "first_name": name}
    message_id = 1000 + 2 * update_id
    if planned.button is not None:
        shown = {"message_id": message_id - 1, "date": date - 5, "chat": chat, "from": BOT_USER}
        return {
            "update_id": update_id,
            "callback_query": {
                "id": str(10**12 + update_id),
                "from": user,
                "chat_instance": str(-user_id),
                "message": {**shown, "text": "…"},
                "data": planned.button,
            },
        }
    assert planned.text is not None
    body: dict[str, Any] = {
        "message_id": message_id,
        "date": date,
        "chat": chat,
        "from": user,
        "text": planned.text,
    }
    if planned.text.startswith("/"):
        length = len(planned.text.split()[0])
        body["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
    return {"update_id": update_id, "message": body}


def to_core_event(world: World, planned: Planned, update_id: int, now: datetime) -> Event:
    update = Update.de_json(update_json(world, planned, update_id, int(now.timestamp())), None)
    event = to_event(update, BOT_USERNAME, now)
    assert event is not None, planned
    return event


# -- measuring the core ---------------------------------------------------------------------


class Captured(logging.Handler):
    """Keeps the records of handler failures (logged with their traceback)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


class SqlCounter:
    """Counts the statements and transactions sent to the database (``--count-sql``)."""

    def __init__(self, app: App) -> None:
        self.statements = 0
        self.commits = 0
        engine = app.services.db.engine.sync_engine
        sql_event.listen(engine, "before_cursor_execute", self._statement)
        sql_event.listen(engine, "commit", self._commit)

    def _statement(self, *_: object) -> None:
        self.statements += 1

    def _commit(self, *_: object) -> None:
        self.commits += 1


@dataclass(slots=True)
class Run:
    """What one pass measured."""

    elapsed: float = 0.0
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: int = 0
    statements: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    commits: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    outcomes: Counter[str] = field(default_factory=Counter)

    @property
    def all(self) -> list[float]:
        return [value for values in self.latencies.values() for value in values]


class Driver:
    """Answers planned events through the dispatcher, as the Telegram adapter would."""

    def __init__(self, app: App, world: World, count_sql: bool) -> None:
        self.app = app
        self.world = world
        self.last_kb: dict[int, list[str]] = {}
        self.update_id = 0
        catalogue = app.services.catalogue
        self.generic = {
            catalogue.render(Reply(text=msg("error.generic")), locale).text
            for locale in catalogue.locales
        }
        self.counter = SqlCounter(app) if count_sql else None

    def event(self, planned: Planned) -> Event:
        self.update_id += 1
        event = to_core_event(self.world, planned, self.update_id, self.app.services.clock.now())
        if planned.follow is not None:
            event = replace(event, button=self._follow(planned.person, planned.follow))
        return event

    def _follow(self, person: int, wanted: str) -> str:
        """A button of the answer to this person's last question: the one wanted, else a
        suggestion, else "none of these"; the help menu if they have no such answer."""
        shown = self.last_kb.pop(person, [])
        for prefix in (wanted, "kb:s", "kb:y", "kb:x"):
            for data in shown:
                if data.startswith(prefix + ":"):
                    return data
        return "cmd:aide"

    def _note(self, planned: Planned, response: Response, run: Run) -> None:
        texts = [reply.text for reply in response.replies]
        if any(t in self.generic for t in texts):
            run.errors += 1
        if planned.kind == "question":
            self.last_kb[planned.person] = [
                button.data
                for reply in response.replies
                for row in reply.buttons
                for button in row
                if button.data.startswith("kb:")
            ]
        if not response.replies:
            run.outcomes["no reply"] += 1

    async def one(self, planned: Planned, run: Run) -> None:
        event = self.event(planned)
        counter = self.counter
        before = (counter.statements, counter.commits) if counter else (0, 0)
        started = time.perf_counter()
        response = await self.app.dispatcher.handle(event)
        run.latencies[planned.kind].append(time.perf_counter() - started)
        if counter is not None:
            run.statements[planned.kind].append(counter.statements - before[0])
            run.commits[planned.kind].append(counter.commits - before[1])
        self._note(planned, response, run)

    async def sequential(self, stream: Sequence[Planned]) -> Run:
        run = Run()
        started = time.perf_counter()
        for planned in stream:
            await self.one(planned, run)
        run.elapsed = time.perf_counter() - started
        return run

    async def concurrent(self, stream: Sequence[Planned], tasks: int) -> Run:
        run = Run()
        pending = iter(stream)

        async def worker() -> None:
            for planned in pending:
                await self.one(planned, run)

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(tasks)))
        run.elapsed = time.perf_counter() - started
        return run


# -- the floor: python-telegram-bot alone ---------------------------------------------------


class OfflineRequest(BaseRequest):
    """Answers the bot's requests locally (``getMe`` at initialisation), never the network."""

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    @property
    def read_timeout(self) -> float | None:
        return 5.0

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: object = BaseRequest.DEFAULT_NONE,
        write_timeout: object = BaseRequest.DEFAULT_NONE,
        connect_timeout: object = BaseRequest.DEFAULT_NONE,
        pool_timeout: object = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        return 200, json.dumps({"ok": True, "result": BOT_USER}).encode()


async def floor(world: World, stream: Sequence[Planned]) -> float:
    """Seconds python-telegram-bot takes for these updates: parse and process each one
    through a handler that does nothing."""
    application = (
        Application.builder()
        .token("123:ABC")
        .request(OfflineRequest())
        .get_updates_request(OfflineRequest())
        .updater(None)
        .build()
    )
    handled = 0

    async def noop(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        nonlocal handled
        handled += 1

    application.add_handler(TypeHandler(Update, noop))
    await application.initialize()
    date = int(time.time())
    payloads = [update_json(world, p, n, date) for n, p in enumerate(stream, 1)]
    bot = application.bot
    started = time.perf_counter()
    for payload in payloads:
        await application.process_update(Update.de_json(payload, bot))
    elapsed = time.perf_counter() - started
    await application.shutdown()
    assert handled == len(stream)
    return elapsed


async def report_least_cost(
    url: str,
    app: App,
    world: World,
    stream: Sequence[Planned],
    floor_s: float,
    measured_s: float,
    seed: int,
) -> None:
    """Print the least an event of this stream can cost here (see ``bench/least_cost.py``)."""
    storage = await storage_cost(url, world.telegram_ids, len(stream), seed)
    questions = [p.text for p in stream if p.kind == "question" and p.text is not None]
    matching = matching_cost(app.services.knowledge.match, questions)
    floor_us = floor_s * 1e6
    wall = floor_us + storage.wall + matching * len(questions) / len(stream)
    cpu = wall - storage.wall + storage.cpu + (storage.server_cpu or 0.0)
    cores = os.cpu_count() or 1
    server = (
        f" + {storage.server_cpu:.0f} µs in the server" if storage.server_cpu is not None else ""
    )
    unsynced = (
        f"{storage.unsynced_wall:.0f} µs if COMMIT did not wait for the disk; "
        if storage.unsynced_wall is not None
        else ""
    )
    print(
        f"least cost: storage through the driver alone {storage.wall:.0f} µs an event"
        f" ({unsynced}processor: {storage.cpu:.0f} µs here{server}), the matcher alone"
        f" {matching:.0f} µs a question; with the floor, an event of this mix needs at least"
        f" {wall:.0f} µs one after the other (at most {1e6 / wall:.0f} events/s) and"
        f" {cpu:.0f} µs of processor time (at most {cores * 1e6 / cpu:.0f} events/s on"
        f" {cores} cores); Entraide takes {measured_s * 1e6:.0f} µs ="
        f" {measured_s * 1e6 / wall:.1f}x"
    )


# -- reporting ------------------------------------------------------------------------------


def percentile(values: Sequence[float], share: float) -> float:
    """Nearest-rank percentile (``share`` in 0..1)."""
    ordered = sorted(values)
    if not ordered:
        return 0.0
    rank = max(1, min(len(ordered), round(share * len(ordered) + 0.5)))
    return ordered[rank - 1]


def memory() -> tuple[float, float]:
    """Resident and peak resident size of this process, in MB (VmRSS, VmHWM)."""
    fields: dict[str, float] = {}
    with open("/proc/self/status", encoding="ascii") as handle:
        for line in handle:
            name, _, value = line.partition(":")
            if name in {"VmRSS", "VmHWM"}:
                fields[name] = int(value.split()[0]) / 1024
    return fields.get("VmRSS", 0.0), fields.get("VmHWM", 0.0)


def breakdown(run: Run) -> None:
    print("| kind | events | p50 ms | p99 ms | mean ms | max ms |")
    print("|---|---:|---:|---:|---:|---:|")
    for kind in KINDS:
        values = run.latencies.get(kind, [])
        if values:
            print(
                f"| {kind} | {len(values)} | {percentile(values, 0.5) * 1000:.2f}"
                f" | {percentile(values, 0.99) * 1000:.2f}"
                f" | {statistics.fmean(values) * 1000:.2f} | {max(values) * 1000:.2f} |"
            )
    if run.statements:
        print("SQL per event (mean / max statements, mean commits):")
        for kind in KINDS:
            counts = run.statements.get(kind, [])
            commits = run.commits.get(kind, [])
            if counts:
                print(
                    f"  {kind}: {statistics.fmean(counts):.1f} / {max(counts)} statements,"
                    f" {statistics.fmean(commits):.1f} commits"
                )


def verdict(met: bool) -> str:
    return "met" if met else "NOT met"


async def load_reported(app: App, volunteers: int, missions: int, seed: int) -> World:
    """:func:`load`, timed and reported (not part of the measure)."""
    started = time.perf_counter()
    world = await load(app, volunteers, missions, random.Random(seed))
    print(
        f"{app.services.db.dialect}: loaded {volunteers:,} volunteers, {missions:,} missions and"
        f" their sign-ups in {time.perf_counter() - started:.1f} s (not measured)"
    )
    return world


@asynccontextmanager
async def worker_beside(app: App) -> AsyncIterator[None]:
    """The worker runs beside the events, as in `entraide run`: sweeps, due jobs and the
    "last seen" times written every two seconds."""
    stop = asyncio.Event()
    background = asyncio.create_task(repeat(stop, app.worker.tick, 2.0, "timed jobs"))
    try:
        yield
    finally:
        stop.set()
        await background


def targets(rate: float, p99: float, rss: float, errors: int, *, rss_of: str = "RSS") -> str:
    """The line saying which targets are met."""
    return (
        f"targets: >= {TARGET_EVENTS_PER_S:.0f} events/s"
        f" {verdict(rate >= TARGET_EVENTS_PER_S)};"
        f" p99 <= {TARGET_P99_MS:.0f} ms {verdict(p99 <= TARGET_P99_MS)};"
        f" {rss_of} <= {TARGET_RSS_MB:.0f} MB {verdict(rss <= TARGET_RSS_MB)};"
        f" errors {errors} ({verdict(errors == 0)})"
    )


def summary(
    dialect: str, events: int, rate: float, p50: float, p99: float, ratio: float, rss: float
) -> str:
    """The machine-readable last line."""
    return (
        f"db={dialect} events={events} events_per_s={rate:.0f} p50_ms={p50:.2f}"
        f" p99_ms={p99:.2f} floor_ratio={ratio:.1f} rss_mb={rss:.0f}"
    )


async def measure(
    url: str, volunteers: int, missions: int, events: int, seed: int, args: argparse.Namespace
) -> str:
    captured = Captured()
    logging.getLogger("bot").addHandler(captured)
    await reset(url)
    app = await open_app(url)
    try:
        world = await load_reported(app, volunteers, missions, seed)
        dialect = app.services.db.dialect
        settle_memory()  # as `entraide run` does once started
        async with worker_beside(app):
            driver = Driver(app, world, args.count_sql)
            warmup = list(plan(world, args.warmup, random.Random(f"{seed}-warmup")))
            await driver.sequential(warmup)
            stream = list(plan(world, events, random.Random(seed)))
            run = await driver.sequential(stream)
            latencies = run.all
            per_event = run.elapsed / len(stream)
            rate = len(stream) / run.elapsed
            p50 = percentile(latencies, 0.5) * 1000
            p99 = percentile(latencies, 0.99) * 1000
            print(
                f"sequential: {len(stream):,} events in {run.elapsed:.2f} s = {rate:.0f} events/s"
                f" (primary figure), p50 {p50:.2f} ms, p99 {p99:.2f} ms,"
                f" mean {statistics.fmean(latencies) * 1000:.2f} ms, errors={run.errors}"
                + (f", {dict(run.outcomes)}" if run.outcomes else "")
            )
            breakdown(run)
            if args.concurrency > 0:
                other = list(plan(world, events, random.Random(f"{seed}-concurrent")))
                parallel = await driver.concurrent(other, args.concurrency)
                print(
                    f"concurrent ({args.concurrency} tasks, another stream of {len(other):,}):"
                    f" {len(other) / parallel.elapsed:.0f} events/s,"
                    f" p50 {percentile(parallel.all, 0.5) * 1000:.2f} ms,"
                    f" p99 {percentile(parallel.all, 0.99) * 1000:.2f} ms,"
                    f" errors={parallel.errors}"
                )
        ptb = await floor(world, stream)
        ratio = per_event / (ptb / len(stream))
        print(
            f"floor: python-telegram-bot parses and processes the same {len(stream):,} updates"
            f" in {ptb:.3f} s = {ptb / len(stream) * 1e6:.1f} µs each"
            f" ({len(stream) / ptb:.0f}/s); Entraide takes {per_event * 1e6:.0f} µs"
            f" = {ratio:.1f}x the floor"
        )
        await report_least_cost(url, app, world, stream, ptb / len(stream), per_event, seed)
        rss, peak = memory()
        print(f"memory: VmRSS {rss:.0f} MB after the run, peak VmHWM {peak:.0f} MB (with loading)")
        print(targets(rate, p99, rss, run.errors))
        for record in captured.records[:5]:
            print(f"--- {record.getMessage()}")
            if record.exc_info:
                print(logging.Formatter().formatException(record.exc_info))
        return summary(dialect, len(stream), rate, p50, p99, ratio, rss)
    finally:
        logging.getLogger("bot").removeHandler(captured)
        await app.close()


# -- several instances on one database -------------------------------------------------------


async def instance(url: str, world_file: str, number: int, args: argparse.Namespace) -> None:
    """One of ``--instances`` processes on the loaded database: warm up, say ``ready``, answer
    its own stream once told to go (a line on stdin), then print what it measured as JSON."""
    captured = Captured()
    logging.getLogger("bot").addHandler(captured)
    world = World.loads(await asyncio.to_thread(Path(world_file).read_text, "utf-8"))
    world.held = world.held[number :: args.instances]  # no two instances give up one place
    app = await open_app(url)
    try:
        settle_memory()
        async with worker_beside(app):
            driver = Driver(app, world, count_sql=False)
            seed = f"{args.seed}-instance-{number}"
            warmup = list(plan(world, args.warmup, random.Random(f"{seed}-warmup")))
            await driver.sequential(warmup)
            stream = list(plan(world, args.events, random.Random(seed)))
            print("ready", flush=True)
            if not await asyncio.to_thread(sys.stdin.readline):  # the bench stopped first
                return
            started = time.time()
            if args.concurrency > 1:
                run = await driver.concurrent(stream, args.concurrency)
            else:
                run = await driver.sequential(stream)
            ended = time.time()
        result = {
            "started": started,
            "ended": ended,
            "latencies": run.latencies,
            "errors": run.errors,
            "rss_mb": memory()[0],
            "problems": [record.getMessage() for record in captured.records[:3]],
        }
        print(json.dumps(result), flush=True)
    finally:
        await app.close()


async def _run_instances(url: str, world_file: Path, args: argparse.Namespace) -> list[Any]:
    """Start the instances, let them go together once all are warm, and read their results;
    if one fails, the others are stopped."""
    children: list[asyncio.subprocess.Process] = []
    try:
        for number in range(args.instances):
            command = [__file__, "--db", url, "--instance-of", str(world_file)]
            command += ["--number", str(number), "--instances", str(args.instances)]
            command += ["--events", str(args.events), "--concurrency", str(args.concurrency)]
            command += ["--seed", str(args.seed), "--warmup", str(args.warmup)]
            children.append(
                await asyncio.create_subprocess_exec(
                    sys.executable, *command, stdin=PIPE, stdout=PIPE, limit=RESULT_LIMIT
                )
            )
        for child in children:
            assert child.stdout is not None
            ready = await child.stdout.readline()
            if ready.strip() != b"ready":
                raise RuntimeError(f"an instance did not start: {ready!r}")
        for child in children:
            assert child.stdin is not None
            child.stdin.write(b"go\n")
            await child.stdin.drain()
        results = []
        for child in children:
            assert child.stdout is not None
            results.append(json.loads(await child.stdout.readline()))
            if await child.wait() != 0:
                raise RuntimeError("an instance failed")
        return results
    finally:
        for child in children:
            if child.returncode is None:
                child.kill()
                await child.wait()


async def several(url: str, args: argparse.Namespace) -> str:
    """Load once, then run ``--instances`` processes on the database at the same moment, each
    with its own stream of ``--events`` (``--concurrency`` at a time), and add them up."""
    await reset(url)
    app = await open_app(url)
    try:
        world = await load_reported(app, args.volunteers, args.missions, args.seed)
        dialect = app.services.db.dialect
    finally:
        await app.close()
    with tempfile.TemporaryDirectory() as folder:
        world_file = Path(folder) / "world.json"
        await asyncio.to_thread(world_file.write_text, world.dumps(), "utf-8")
        results = await _run_instances(url, world_file, args)
    run = Run()
    for number, result in enumerate(results):
        answered = sum(len(values) for values in result["latencies"].values())
        seconds = result["ended"] - result["started"]
        print(
            f"instance {number}: {answered:,} events in {seconds:.2f} s ="
            f" {answered / seconds:.0f} events/s, errors={result['errors']},"
            f" RSS {result['rss_mb']:.0f} MB"
        )
        for problem in result["problems"]:
            print(f"--- {problem}")
        for kind, values in result["latencies"].items():
            run.latencies[kind].extend(values)
        run.errors += result["errors"]
    window = max(r["ended"] for r in results) - min(r["started"] for r in results)
    latencies = run.all
    rate = len(latencies) / window
    p50 = percentile(latencies, 0.5) * 1000
    p99 = percentile(latencies, 0.99) * 1000
    at_a_time = f"{args.concurrency} at a time" if args.concurrency > 1 else "one at a time"
    print(
        f"together ({args.instances} instances, each {at_a_time}): {len(latencies):,} events in"
        f" {window:.2f} s = {rate:.0f} events/s, p50 {p50:.2f} ms, p99 {p99:.2f} ms,"
        f" errors={run.errors}"
    )
    breakdown(run)
    stream = list(plan(world, args.events, random.Random(args.seed)))
    ptb = await floor(world, stream)
    ratio = (1 / rate) / (ptb / len(stream))
    rss = max(r["rss_mb"] for r in results)
    print(
        f"floor: python-telegram-bot takes {ptb / len(stream) * 1e6:.1f} µs an update in one"
        f" process; the instances together take {1e6 / rate:.0f} µs an event = {ratio:.1f}x"
    )
    print(targets(rate, p99, rss, run.errors, rss_of="RSS of each"))
    return (
        summary(dialect, len(latencies), rate, p50, p99, ratio, rss)
        + f" instances={args.instances} concurrency={max(args.concurrency, 1)}"
    )


def growth(args: argparse.Namespace) -> str:
    """Run each size in its own process (so that each RSS is its own) and tabulate."""
    rows = []
    last = ""
    for volunteers, missions in GROWTH:
        command = [sys.executable, __file__, "--volunteers", str(volunteers)]
        command += ["--missions", str(missions), "--events", str(args.events)]
        command += ["--seed", str(args.seed), "--concurrency", "0"]
        if args.db:
            command += ["--db", args.db]
        print(f"== {volunteers:,} volunteers, {missions:,} missions", flush=True)
        output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
        print(output, end="", flush=True)
        last = output.strip().splitlines()[-1]
        values = dict(part.split("=", 1) for part in last.split())
        rows.append(
            f"| {volunteers:,} | {missions:,} | {values['events_per_s']} | {values['p50_ms']}"
            f" | {values['p99_ms']} | {values['rss_mb']} |"
        )
    print("| volunteers | missions | events/s | p50 ms | p99 ms | RSS MB |")
    print("|---:|---:|---:|---:|---:|---:|")
    print("\n".join(rows))
    return last


def main(argv: Sequence[str] | None = None) -> str:
    """Run the measure and print its report; returns (and prints last) the summary line."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--db", help="database URL (default: a temporary SQLite file)")
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--volunteers", type=int, default=100_000)
    parser.add_argument("--missions", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--warmup", type=int, default=200, help="events answered unmeasured")
    parser.add_argument("--concurrency", type=int, default=8, help="asyncio tasks; 0: skip")
    parser.add_argument("--count-sql", action="store_true", help="statements per event kind")
    parser.add_argument("--growth", action="store_true", help="1k/100 to 100k/10k, a table")
    parser.add_argument(
        "--instances", type=int, default=1, help="processes answering at once (PostgreSQL)"
    )
    parser.add_argument("--instance-of", help=argparse.SUPPRESS)
    parser.add_argument("--number", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.volunteers < COORDINATORS or args.missions < 1 or args.events < 1:
        parser.error(f"use at least {COORDINATORS} volunteers, 1 mission and 1 event")
    if args.instance_of:
        asyncio.run(instance(args.db, args.instance_of, args.number, args))
        return ""
    if args.instances > 1:
        if not args.db or not args.db.startswith("postgresql"):
            parser.error("several instances share one PostgreSQL database: give --db")
        line = asyncio.run(several(args.db, args))
        print(line)
        return line
    if args.growth:
        line = growth(args)
        print(line)
        return line
    with tempfile.TemporaryDirectory() as folder:
        url = args.db or f"sqlite:///{Path(folder) / 'core.db'}"
        line = asyncio.run(
            measure(url, args.volunteers, args.missions, args.events, args.seed, args)
        )
    print(line)
    return line


if __name__ == "__main__":
    main()
