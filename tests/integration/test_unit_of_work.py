"""One event, one transaction: the unit of work on SQLite and on PostgreSQL."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from bot.clock import ManualClock
from storage.associations import AssociationRepository
from storage.db import Database, UnitFailedError, WriterBusyError
from storage.models import Association


async def _slugs(db: Database) -> set[str]:
    """The associations as another connection sees them: committed data only."""
    other = Database(db.url)
    try:
        async with other.read() as session:
            return set((await session.execute(select(Association.slug))).scalars())
    finally:
        await other.dispose()


async def test_a_unit_is_invisible_to_others_until_it_ends(
    db: Database, clock: ManualClock
) -> None:
    associations = AssociationRepository(db, clock.now)
    async with db.unit():
        created = await associations.create("epicerie", "L'Épicerie")
        assert await associations.by_slug("epicerie") == created  # seen inside the unit
        assert "epicerie" not in await _slugs(db)
    assert "epicerie" in await _slugs(db)


async def test_an_error_leaving_the_unit_undoes_all_of_it(db: Database, clock: ManualClock) -> None:
    associations = AssociationRepository(db, clock.now)

    async def broken_event() -> None:
        async with db.unit():
            await associations.create("jardin", "Le Jardin")
            await associations.create("chorale", "La Chorale")
            raise RuntimeError("the handler broke")

    with pytest.raises(RuntimeError):
        await broken_event()
    assert not {"jardin", "chorale"} & await _slugs(db)


async def test_a_failed_write_in_a_savepoint_undoes_only_itself(
    db: Database, clock: ManualClock
) -> None:
    associations = AssociationRepository(db, clock.now)

    async def duplicate() -> None:
        async with db.write(savepoint=True) as session:
            session.add(Association(slug="velo", name="Le même nom", created_at=clock.now()))

    async with db.unit():
        await associations.create("velo", "Atelier vélo")
        with pytest.raises(IntegrityError):
            await duplicate()
        await associations.create("lecture", "Lecture partagée")  # the unit goes on
    assert {"velo", "lecture"} <= await _slugs(db)


async def test_a_database_error_caught_outside_a_savepoint_fails_the_unit(
    db: Database, clock: ManualClock
) -> None:
    associations = AssociationRepository(db, clock.now)

    async def swallowing_event() -> None:
        async with db.unit():
            await associations.create("piano", "Piano")
            with pytest.raises(IntegrityError):
                await associations.create("piano", "Piano encore")
            # Carrying on as if nothing happened must not keep a half-failed transaction.

    with pytest.raises(UnitFailedError):
        await swallowing_event()
    assert "piano" not in await _slugs(db)


async def test_discard_undoes_what_came_before_and_keeps_what_comes_after(
    db: Database, clock: ManualClock
) -> None:
    associations = AssociationRepository(db, clock.now)
    async with db.unit() as unit:
        await associations.create("avant", "Avant")
        await unit.discard()
        await associations.create("apres", "Après")
    slugs = await _slugs(db)
    assert "avant" not in slugs
    assert "apres" in slugs


async def test_a_read_nested_in_a_write_keeps_the_write_going(
    db: Database, clock: ManualClock
) -> None:
    created = await AssociationRepository(db, clock.now).create("cafe", "Café")
    async with db.unit(), db.write() as session:
        row = await session.get(Association, created.id)
        assert row is not None
        async with db.read() as inner:  # the same session: it must not let the row go
            await inner.execute(select(func.count(Association.id)))
        row.name = "Café des langues"
    other = Database(db.url)
    try:
        async with other.read() as session:
            names = set((await session.execute(select(Association.name))).scalars())
    finally:
        await other.dispose()
    assert "Café des langues" in names


async def test_core_reads_in_a_unit_share_its_connection_and_see_its_writes(
    db: Database, clock: ManualClock
) -> None:
    associations = AssociationRepository(db, clock.now)
    count = select(func.count(Association.id))
    async with db.unit() as unit:
        await associations.create("atelier", "L'Atelier")
        async with db.connection() as first:
            assert await first.scalar(count) == 1  # the unit's own write, not yet committed
        async with db.connection() as second:
            assert second is first
        await unit.discard()
        async with db.connection() as fresh:
            assert fresh is not first
            assert await fresh.scalar(count) == 0
        await associations.create("fanfare", "La Fanfare")
        async with db.connection() as last:
            assert await last.scalar(count) == 1
    assert await _slugs(db) == {"fanfare"}


async def test_a_write_block_is_flushed_before_its_objects_are_let_go(
    db: Database, clock: ManualClock
) -> None:
    async with db.unit():
        async with db.write() as session:
            session.add(Association(slug="chorale", name="La Chorale", created_at=clock.now()))
        async with db.connection() as connection:
            assert await connection.scalar(select(Association.name)) == "La Chorale"


async def test_nested_units_are_one(db: Database, clock: ManualClock) -> None:
    associations = AssociationRepository(db, clock.now)
    seen_after_the_inner_end: set[str] = set()

    async def event() -> None:
        async with db.unit():
            async with db.unit():
                await associations.create("dedans", "Dedans")
            seen_after_the_inner_end.update(await _slugs(db))
            raise RuntimeError("the outer unit fails")

    with pytest.raises(RuntimeError):
        await event()
    assert "dedans" not in seen_after_the_inner_end  # the inner end committed nothing
    assert "dedans" not in await _slugs(db)


async def test_a_unit_that_touches_nothing_opens_no_session(db: Database) -> None:
    async with db.unit() as unit:
        assert not unit.opened
    assert not unit.opened


async def test_units_side_by_side_all_land(db: Database, clock: ManualClock) -> None:
    """Twelve events at once (SQLite takes them in turn, PostgreSQL side by side)."""
    associations = AssociationRepository(db, clock.now)

    async def event(number: int) -> None:
        async with db.unit():
            await associations.create(f"asso-{number}", f"Association {number}")
            await asyncio.sleep(0.01)  # rendering, or another task's turn
            await associations.by_slug(f"asso-{number}")

    await asyncio.gather(*(event(n) for n in range(12)))
    assert {f"asso-{n}" for n in range(12)} <= await _slugs(db)


async def test_a_sqlite_writer_gives_up_politely_after_waiting(
    sqlite_url: str, clock: ManualClock
) -> None:
    db = Database(sqlite_url, write_wait=0.2)
    await db.upgrade()
    associations = AssociationRepository(db, clock.now)
    held = asyncio.Event()
    release = asyncio.Event()

    async def long_event() -> None:
        async with db.unit():
            await associations.create("longue", "Longue")
            held.set()
            await release.wait()

    holder = asyncio.create_task(long_event())
    await held.wait()
    try:
        with pytest.raises(WriterBusyError):
            await associations.create("pressee", "Pressée")
    finally:
        release.set()
        await holder
    assert await associations.create("ensuite", "Ensuite")  # the lock was given back
    await db.dispose()
