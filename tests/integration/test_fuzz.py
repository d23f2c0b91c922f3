"""Property: whatever arrives (random unicode, huge text, control characters, malformed
commands, forged or stale button data, unknown users, wrong chat types), the dispatcher answers
without an error, every reply comes from the catalogue, and the database stays consistent. At
least 10,000 generated events, on SQLite and on PostgreSQL."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from bot.clock import ManualClock
from bot.config import Settings
from bot.types import ChatRef, Event, Location, Platform, Space, UserRef
from bot.wiring import App, build_app
from storage.models import (
    ConversationState,
    Membership,
    Mission,
    OutboxMessage,
    PlatformIdentity,
    SignUp,
    Volunteer,
)
from tests.factories import a_mission

BATCH = 50
BATCHES = 200
"""200 batches of 50: 10,000 events per database."""
COMMANDS = [
    "start", "aide", "help", "question", "missions", "mes_missions", "pres_de_moi", "rappels",
    "abonnements", "langue", "annuler", "nouvelle_mission", "gerer", "annonce", "kb", "lier",
    "delier", "config", "profil", "lier_compte", "delier_compte", "mes_donnees",
    "supprimer_mes_donnees", "journal", "humain", "devenir_referent", "referents", "binome",
    "inconnue",
]  # fmt: skip
BUTTON_PREFIXES = [
    "mi",
    "ma",
    "an",
    "ab",
    "kb",
    "pf",
    "pv",
    "lg",
    "cmd",
    "hr",
    "rf",
    "rfa",
    "bn",
    "kd",
    "kdc",
    "zz",
]
USERS = [(Platform.TELEGRAM, str(n)) for n in range(6)] + [
    (Platform.DISCORD, f"9{n}") for n in range(4)
]

texts = st.one_of(
    st.text(max_size=60),
    st.builds(lambda piece, n: (piece or "é") * n, st.text(max_size=5), st.integers(800, 6000)),
    st.sampled_from(
        ["comment envoyer une pj", "mdp oublié", "69003", "Lyon", "samedi 14h-17h", "oui", "-"]
    ),
    st.text(alphabet="\x00\x01\x07\x1b\x7f\n\t abc", max_size=40),
)
button_data = st.one_of(
    st.builds(
        lambda prefix, rest: f"{prefix}:{rest}",
        st.sampled_from(BUTTON_PREFIXES),
        st.one_of(
            st.text(max_size=70),
            st.builds(
                lambda action, number: f"{action}:{number}",
                st.sampled_from(
                    [
                        "s",
                        "c",
                        "d",
                        "a",
                        "r",
                        "m",
                        "p",
                        "e",
                        "x",
                        "ok!",
                        "post",
                        "y",
                        "take",
                        "close",
                        "report",
                        "cancel",
                        "fb",
                        "ok",
                        "no",
                        "rm",
                        "yes",
                        "acc",
                        "end",
                        "new",
                        "pub",
                        "del",
                    ]
                ),
                st.integers(min_value=-3, max_value=6),
            ),
            st.sampled_from(["pub", "form", "formagain", "all", "stop:1", "erase:abc", "rem"]),
        ),
    ),
    st.text(max_size=80),
)


@st.composite
def events(draw: st.DrawFn, now: Any) -> Event:
    platform, user_id = draw(st.one_of(st.sampled_from(USERS), st.tuples(
        st.sampled_from([Platform.TELEGRAM, Platform.DISCORD]), st.text(min_size=1, max_size=20)
    )))  # fmt: skip
    private = draw(st.booleans())
    space = None
    if platform is Platform.DISCORD and not private and draw(st.booleans()):
        space = Space(draw(st.sampled_from(["g1", "g2"])), draw(st.text(max_size=30)))
    user = UserRef(
        platform,
        user_id,
        draw(st.one_of(st.none(), st.text(max_size=300))),
        draw(st.sampled_from([None, "fr", "en-GB", "de", "xx-YY", ""])),
    )
    chat_id = user_id if private else draw(st.sampled_from(["-100", "-200", "555"]))
    chat = ChatRef(platform, chat_id, is_private=private, ephemeral=space is not None)
    common: dict[str, Any] = {
        "user": user,
        "chat": chat,
        "received_at": now,
        "space": space,
        "chat_admin": draw(st.booleans()),
        "member_roles": tuple(draw(st.lists(st.sampled_from(["r1", "r2"]), max_size=2))),
    }
    kind = draw(st.sampled_from(["command", "button", "text", "location", "form", "empty"]))
    if kind == "command":
        name = draw(st.one_of(st.sampled_from(COMMANDS), st.text(min_size=1, max_size=40)))
        args = tuple(draw(st.lists(texts, max_size=3)))
        return Event(text=f"/{name}", command=name, args=args, **common)
    if kind == "button":
        return Event(button=draw(button_data), **common)
    if kind == "text":
        return Event(text=draw(texts), **common)
    if kind == "location":
        point = Location(
            draw(st.floats(allow_nan=True, allow_infinity=True)),
            draw(st.floats(allow_nan=True, allow_infinity=True)),
        )
        return Event(location=point, **common)
    if kind == "form":
        values = draw(st.dictionaries(st.text(max_size=12), texts, max_size=12))
        return Event(button=draw(st.sampled_from(["ma:form", "zz:form"])), form=values, **common)
    return Event(**common)


class Problems(logging.Handler):
    """Collects what the bot logs as an error (a handler that failed) or a missing message."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.seen: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if record.levelno >= logging.ERROR or "missing message" in message:
            self.seen.append(f"{record.name}: {message}")


async def seed(app: App) -> None:
    for title, days in (("Collecte", 3), ("Maraude", 6)):
        await a_mission(app, title, days=days)


async def consistency(app: App) -> list[str]:
    """What would be wrong in the database: overbooked missions, counts that disagree with
    the sign-ups, rows that belong to nobody."""
    wrong: list[str] = []
    async with app.services.db.read() as session:
        for mission in (await session.execute(select(Mission))).scalars():
            held = (
                await session.execute(
                    select(func.count(SignUp.id)).where(
                        SignUp.mission_id == mission.id,
                        SignUp.status.in_(["confirmed", "offered"]),
                    )
                )
            ).scalar_one()
            if mission.taken > mission.places or held != mission.taken:
                wrong.append(f"mission {mission.id}: {held} held, {mission.taken}/{mission.places}")
        people = select(Volunteer.id)
        for model, column in (
            (PlatformIdentity, PlatformIdentity.volunteer_id),
            (Membership, Membership.volunteer_id),
            (SignUp, SignUp.volunteer_id),
            (ConversationState, ConversationState.volunteer_id),
            (OutboxMessage, OutboxMessage.volunteer_id),
        ):
            orphans = (
                await session.execute(
                    select(func.count())
                    .select_from(model)
                    .where(column.is_not(None), column.not_in(people))
                )
            ).scalar_one()
            if orphans:
                wrong.append(f"{orphans} orphan rows in {model.__tablename__}")
    return wrong


def test_random_events_never_break_the_bot(
    database_url: str, settings_for: Callable[[str], Settings], clock: ManualClock
) -> None:
    problems = Problems()
    logging.getLogger().addHandler(problems)
    runner = asyncio.Runner()
    configured = settings_for(database_url).model_copy(
        update={"coordinators": "telegram:0,discord:90", "flood_burst": 40}
    )
    app = runner.run(build_app(configured, clock=clock))
    handled = 0
    try:
        runner.run(seed(app))

        @settings(
            max_examples=BATCHES,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(st.lists(events(clock.now()), min_size=BATCH, max_size=BATCH))
        def batch(generated: list[Event]) -> None:
            nonlocal handled

            async def run() -> None:
                nonlocal handled
                for event in generated:
                    response = await app.dispatcher.handle(event)
                    handled += 1
                    for reply in response.replies:
                        assert reply.text.strip(), event
                        assert "Traceback" not in reply.text
                assert problems.seen == [], problems.seen[:3]
                assert await consistency(app) == []

            runner.run(run())

        batch()
    finally:
        runner.run(app.close())
        runner.close()
        logging.getLogger().removeHandler(problems)
    assert handled >= BATCH * BATCHES
