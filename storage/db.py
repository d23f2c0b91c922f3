"""The database: async engine, sessions, migrations. SQLite by default, PostgreSQL in production."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any, TypeVar, cast

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Select, delete, event, text
from sqlalchemy.engine import AdaptedConnection, make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from storage.sqlite_driver import OneTripDBAPI

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
SUPPORTED_DRIVERS = {"sqlite": "sqlite+aiosqlite", "postgresql": "postgresql+asyncpg"}


class UnsupportedDatabaseError(ValueError):
    """The database URL names a backend Entraide does not support."""


def normalise_url(url: str) -> str:
    """Accept ``sqlite:///x.db`` or ``postgresql://...`` and pick the async driver."""
    try:
        parsed = make_url(url)
    except Exception as exc:
        raise UnsupportedDatabaseError(f"not a database URL: {url!r}") from exc
    backend = parsed.get_backend_name()
    if backend not in SUPPORTED_DRIVERS:
        raise UnsupportedDatabaseError(
            f"unsupported database {backend!r}: use sqlite:///path/to/file.db "
            "or postgresql://user@host/dbname"
        )
    driver = SUPPORTED_DRIVERS[backend]
    return parsed.set(drivername=driver).render_as_string(hide_password=False)


SQLITE_WRITE_WAIT = 30.0
"""Seconds a SQLite writer waits, by default, for this process's other writers."""


SQLITE_PRAGMAS = ("foreign_keys=ON", "journal_mode=WAL", "busy_timeout=30000")
"""Set on every SQLite connection: foreign keys enforced, readers beside the writer (WAL), and
a writer of another process waited for rather than failed at once."""


POSTGRES_SETTINGS = {"random_page_cost": "1.1"}
"""Set on every PostgreSQL connection. The data a chat needs is small and stays in memory,
where reading an index page out of order costs about what a page in order does (the default,
4, is for spinning disks): at 4 the planner reads every mission rather than the index that
holds what a list needs (count 8 → 4 ms, "near me" 6.8 → 1.4 ms, 10,000 missions)."""


class WriterBusyError(RuntimeError):
    """A SQLite writer waited too long for the others of this process."""


class UnitFailedError(RuntimeError):
    """A database error inside a unit of work was caught and the work went on: the unit's
    transaction can not be trusted, so nothing of it is kept."""


def lost_connection(error: BaseException) -> bool:
    """Whether this failure was the database connection dropping (a restart, a network cut):
    nothing was done on it, and a new connection may well work."""
    return isinstance(error, DBAPIError) and error.connection_invalidated


_T = TypeVar("_T")


async def again_if_lost(work: Callable[[], Awaitable[_T]]) -> _T:
    """Run ``work``; if the connection it took turns out dead, once more on a new one."""
    try:
        return await work()
    except Exception as error:
        if not lost_connection(error):
            raise
        return await work()


CONFLICT_STATES = frozenset({"40P01", "40001"})
"""PostgreSQL's deadlock and serialization failure: it rolled one transaction back whole."""


def conflicted(error: BaseException) -> bool:
    """Whether PostgreSQL gave up this transaction for another's sake (a deadlock): nothing of
    it was kept, and running it again will most likely work."""
    return isinstance(error, DBAPIError) and (
        getattr(error.orig, "sqlstate", None) in CONFLICT_STATES
    )


class Unit:
    """One event's unit of work: a single session, opened on first use and committed (or
    rolled back) once, at the end. Inside it, ``Database.read`` and ``Database.write`` hand
    out this session instead of opening their own. A write whose failure is expected and
    caught asks for a savepoint; a database error anywhere else fails the whole unit."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._session: AsyncSession | None = None
        self._connection: AsyncConnection | None = None
        self._locked = False
        self._depth = 0
        self._broken: DBAPIError | None = None
        self.wrote = False
        """Whether a write began: after that, a failure may have changed something."""

    @asynccontextmanager
    async def block(self, *, savepoint: bool) -> AsyncIterator[AsyncSession]:
        """The session for one repository call; when the outermost call ends, its objects are
        let go so that the next one loads afresh, as it would in a session of its own."""
        session = await self.session()
        self._depth += 1
        try:
            if savepoint:
                async with session.begin_nested():
                    yield session
            else:
                yield session
                if session.new or session.dirty or session.deleted:
                    await session.flush()  # before the objects are let go
        except DBAPIError as error:
            if not savepoint:
                self._broken = error
            raise
        finally:
            self._depth -= 1
            if self._depth == 0:
                session.expunge_all()

    async def connection(self) -> AsyncConnection:
        """The connection under the unit's session (asked for once: asking costs a trip
        through SQLAlchemy's async layer)."""
        session = await self.session()
        if self._connection is None:
            self._connection = await session.connection()
        return self._connection

    @property
    def opened(self) -> bool:
        """Whether anything reached the database."""
        return self._session is not None

    async def session(self) -> AsyncSession:
        """The unit's session, begun on first use (on SQLite, holding the write lock from
        the start: a transaction that reads then writes must not see another writer land in
        between)."""
        if self._session is None:
            session = self._db.sessions()
            if self._db.dialect == "sqlite":
                await self._db.take_writer()
                self._locked = True
                try:
                    await session.connection(execution_options={"sqlite_begin": "IMMEDIATE"})
                except BaseException:
                    await session.close()
                    self._release()
                    raise
            self._session = session
        return self._session

    async def discard(self) -> None:
        """Undo everything done so far (the unit goes on with a fresh transaction)."""
        if self._session is not None:
            await self._finish(commit=False)

    async def _finish(self, *, commit: bool) -> None:
        session, self._session = self._session, None
        self._connection = None
        broken, self._broken = self._broken, None
        if session is None:
            return
        try:
            if commit and broken is not None:
                await session.rollback()
                raise UnitFailedError("a database error was caught inside the unit") from broken
            if commit:
                await session.commit()
            else:
                await session.rollback()
        finally:
            await session.close()
            self._release()

    def _release(self) -> None:
        if self._locked:
            self._locked = False
            self._db.give_writer()


class Database:
    """Owns the engine; hands out sessions; applies migrations."""

    def __init__(
        self, url: str, *, echo: bool = False, write_wait: float = SQLITE_WRITE_WAIT
    ) -> None:
        self.url = normalise_url(url)
        self.write_wait = write_wait
        parsed = make_url(self.url)
        self.dialect = parsed.get_backend_name()
        options: dict[str, Any] = {"echo": echo}
        if self.dialect == "sqlite":
            if parsed.database and parsed.database != ":memory:":
                Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
            options["connect_args"] = {"timeout": 30}
            options["module"] = OneTripDBAPI()
        else:
            # No pre-ping (on asyncpg it costs three round trips at every checkout): a dead
            # connection is noticed when used, the pool is then renewed, and the event is
            # answered again (see the dispatcher) or the timed job runs at its next turn.
            options.update(pool_size=10, max_overflow=10)
        self.engine: AsyncEngine = create_async_engine(self.url, **options)
        if self.dialect == "sqlite":
            _configure_sqlite(self.engine)
        else:
            _configure_postgres(self.engine)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        self._unit: ContextVar[Unit | None] = ContextVar(f"unit-{id(self)}", default=None)
        self._writer = asyncio.Lock()

    @asynccontextmanager
    async def unit(self) -> AsyncIterator[Unit]:
        """Make everything done inside (in this task) one transaction: committed at the end,
        rolled back if an exception leaves the block. Nested units join the outer one."""
        current = self._unit.get()
        if current is not None:
            yield current
            return
        unit = Unit(self)
        token = self._unit.set(unit)
        try:
            yield unit
        except BaseException:
            await unit._finish(commit=False)
            raise
        else:
            await unit._finish(commit=True)
        finally:
            self._unit.reset(token)

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        """A session for reads (committed on success, rolled back on error); inside a unit of
        work, the unit's session."""
        unit = self._unit.get()
        if unit is not None:
            async with unit.block(savepoint=False) as session:
                yield session
            return
        async with self.sessions() as session:
            yield session
            await session.commit()

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[AsyncConnection]:
        """A plain connection for Core reads that build no ORM objects; inside a unit of work,
        the unit's own."""
        unit = self._unit.get()
        if unit is not None:
            async with unit.block(savepoint=False):
                yield await unit.connection()
            return
        async with self.engine.connect() as connection:
            yield connection

    @asynccontextmanager
    async def write(self, *, savepoint: bool = False) -> AsyncIterator[AsyncSession]:
        """A session that commits on success and rolls back on error. On SQLite it takes the
        write lock up front (BEGIN IMMEDIATE) so that a read-then-write sequence cannot
        interleave with another writer. Inside a unit of work, the unit's session; with
        ``savepoint``, for a write whose failure the caller catches (a race on a unique key),
        a savepoint of it, so that the failure undoes that write only."""
        unit = self._unit.get()
        if unit is not None:
            unit.wrote = True
            async with unit.block(savepoint=savepoint) as session:
                yield session
            return
        async with self._sqlite_writer(), self.sessions() as session:
            if self.dialect == "sqlite":
                await session.connection(execution_options={"sqlite_begin": "IMMEDIATE"})
            try:
                yield session
                await session.commit()
            except BaseException:
                await session.rollback()
                raise

    async def take_writer(self) -> None:
        """Wait for this process's other SQLite writers, in turn (SQLite has one writer at a
        time; waiting here is fair and wakes at once, where SQLite's own busy wait sleeps)."""
        try:
            async with asyncio.timeout(self.write_wait):
                await self._writer.acquire()
        except TimeoutError:
            raise WriterBusyError(
                f"another writer held the database for over {self.write_wait:g} s"
            ) from None

    def give_writer(self) -> None:
        """Let the next SQLite writer of this process in."""
        self._writer.release()

    @asynccontextmanager
    async def _sqlite_writer(self) -> AsyncIterator[None]:
        if self.dialect != "sqlite":
            yield
            return
        await self.take_writer()
        try:
            yield
        finally:
            self.give_writer()

    async def upgrade(self, revision: str = "head") -> None:
        """Apply the Alembic migrations up to ``revision``."""
        async with self.engine.begin() as connection:
            await connection.run_sync(_run_upgrade, revision)

    async def ping(self) -> bool:
        """Whether the database answers (a pooled connection found dead is replaced first)."""

        async def select_one() -> None:
            async with self.engine.connect() as connection:
                await connection.execute(text("SELECT 1"))

        try:
            await again_if_lost(select_one)
        except Exception:
            log.exception("database ping failed")
            return False
        return True

    async def dispose(self) -> None:
        """Close every pooled connection."""
        await self.engine.dispose()


async def delete_by_batches(db: Database, ids: Select[int], batch: int) -> int:
    """Delete the rows whose ids ``ids`` selects (a query of one table's ``id``), ``batch``
    at a time, each batch in a transaction of its own so that other writers get their turn;
    returns how many."""
    table = ids.selected_columns[0].table
    key = table.c.id
    deleted = 0
    while True:
        async with db.write() as session:
            found = list((await session.execute(ids.limit(batch))).scalars())
            if found:
                await session.execute(delete(table).where(key.in_(found)))
        deleted += len(found)
        if len(found) < batch:
            return deleted


def alembic_config(connection: Connection | None = None) -> Config:
    """An Alembic configuration pointing at the bundled migrations."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


MIGRATION_LOCK = 0x656E7472
"""PostgreSQL advisory lock held while migrating: instances starting together migrate one
after the other (the later ones find nothing left to do)."""


def _run_upgrade(connection: Connection, revision: str) -> None:
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK})")
    command.upgrade(alembic_config(connection), revision)


def _configure_postgres(engine: AsyncEngine) -> None:
    """The planner settings, on each new connection (a ``SET``, which a connection pooler in
    front of the database passes on, where it may refuse them as start-up parameters)."""

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        for name, value in POSTGRES_SETTINGS.items():
            cursor.execute(f"SET {name} = {value}")
        cursor.close()
        dbapi_connection.commit()  # a setting made in a transaction rolled back is undone


def _configure_sqlite(engine: AsyncEngine) -> None:
    """Foreign keys on, WAL, and explicit BEGIN so that transactions mean what they say."""

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        for pragma in SQLITE_PRAGMAS:
            cursor.execute(f"PRAGMA {pragma}")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Connection) -> None:
        mode = connection.get_execution_options().get("sqlite_begin", "DEFERRED")
        # Straight to the driver, in one trip to its thread: this runs for every event, and
        # through a cursor it would take three trips and SQLAlchemy's statement machinery.
        driver = cast(AdaptedConnection, connection.connection.dbapi_connection)
        driver.run_async(lambda raw: raw.execute(f"BEGIN {mode}"))
