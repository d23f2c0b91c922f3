"""SQLite statements make one trip to aiosqlite's thread, and give what SQLAlchemy expects."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import aiosqlite
import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, insert, select, text, update
from sqlalchemy.exc import IntegrityError, OperationalError

from storage.db import Database

METADATA = MetaData()
NOTES = Table(
    "notes",
    METADATA,
    Column("id", Integer, primary_key=True),
    Column("title", String(20), unique=True, nullable=False),
)


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = Database(f"sqlite:///{tmp_path / 'driver.db'}")
    async with database.engine.begin() as connection:
        await connection.run_sync(METADATA.create_all)
    yield database
    await database.dispose()


@pytest.fixture
def trips(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Each call queued to aiosqlite's thread, by the name of what it ran."""
    seen: list[str] = []
    original: Callable[..., Any] = aiosqlite.Connection._execute

    async def counted(self: aiosqlite.Connection, fn: Callable[..., Any], *args: Any) -> Any:
        seen.append(getattr(fn, "__name__", repr(fn)))
        return await original(self, fn, *args)

    monkeypatch.setattr(aiosqlite.Connection, "_execute", counted)
    return seen


async def test_a_query_and_a_write_are_one_trip_each(db: Database, trips: list[str]) -> None:
    async with db.engine.connect() as connection:
        await connection.execute(text("SELECT 1"))  # the transaction begins
        trips.clear()
        await connection.execute(insert(NOTES), {"title": "a"})
        assert len(trips) == 1
        rows = (await connection.execute(select(NOTES.c.title))).all()
        assert len(trips) == 2
        assert rows == [("a",)]


async def test_an_event_is_three_trips_and_an_open_transaction_is_still_undone(
    db: Database, trips: list[str]
) -> None:
    async with db.unit(), db.connection() as connection:
        await connection.execute(select(NOTES.c.id))
    assert len(trips) == 3, f"BEGIN, the query, COMMIT: {trips}"
    async with db.engine.connect() as connection:
        await connection.execute(insert(NOTES), {"title": "never kept"})
    async with db.engine.connect() as connection:  # the same pooled connection
        assert (await connection.execute(select(NOTES.c.title))).all() == []


async def test_rows_counts_and_ids_come_back(db: Database) -> None:
    async with db.engine.begin() as connection:
        first = await connection.execute(insert(NOTES), {"title": "a"})
        assert first.inserted_primary_key == (1,)
        await connection.execute(insert(NOTES), [{"title": "b"}, {"title": "c"}])
        returned = await connection.execute(
            insert(NOTES).returning(NOTES.c.id, NOTES.c.title), {"title": "d"}
        )
        assert returned.all() == [(4, "d")]
        changed = await connection.execute(
            update(NOTES).where(NOTES.c.id > 1).values(title=NOTES.c.title + "!")
        )
        assert changed.rowcount == 3
        result = await connection.execute(select(NOTES.c.title).order_by(NOTES.c.id))
        assert result.fetchone() == ("a",)
        assert result.fetchmany(2) == [("b!",), ("c!",)]
        assert result.fetchall() == [("d!",)]
        empty = await connection.execute(select(NOTES.c.id).where(NOTES.c.id > 99))
        assert list(empty.keys()) == ["id"]
        assert empty.all() == []


async def test_driver_errors_are_sqlalchemys_and_the_connection_goes_on(db: Database) -> None:
    async with db.engine.connect() as connection:
        await connection.execute(insert(NOTES), {"title": "a"})
        with pytest.raises(IntegrityError):
            await connection.execute(insert(NOTES), {"title": "a"})
        await connection.rollback()
        with pytest.raises(OperationalError):
            await connection.execute(text("SELECT nothing FROM nowhere"))
        await connection.rollback()
        assert (await connection.execute(text("SELECT 41 + 1"))).scalar_one() == 42


async def test_there_is_never_a_next_result_set(db: Database) -> None:
    def rows_after_nextset(connection: Any) -> tuple[Any, list[Any]]:
        cursor = connection.connection.dbapi_connection.cursor()
        cursor.execute("SELECT 1 UNION ALL SELECT 2")
        return cursor.nextset(), cursor.fetchall()

    async with db.engine.connect() as connection:
        assert await connection.run_sync(rows_after_nextset) == (None, [])
