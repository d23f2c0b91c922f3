"""SQLite through aiosqlite, one trip to its thread per statement.

aiosqlite runs each SQLite call in a thread of its own and hands the result back to the event
loop. SQLAlchemy's adapter makes four such trips for a query (make a cursor, run it, fetch the
rows, close it) and three for a write; on this stack a trip costs about as much as a query on
a local PostgreSQL. The cursor below does all of it in one trip: the statement is run, read to
the end and its cursor closed in aiosqlite's thread, and the rows come back with the
description, row count and last row id. Everything else (errors, isolation levels,
connections) is SQLAlchemy's own aiosqlite support, which this module extends.
"""

from __future__ import annotations

import collections
import sqlite3
from collections.abc import Sequence
from typing import Any

import aiosqlite
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
)
from sqlalchemy.util import EMPTY_DICT
from sqlalchemy.util.concurrency import await_

Outcome = tuple[Any, list[Any], int, int | None]
"""What a statement gave: description, rows, row count, last row id."""


def _run(connection: sqlite3.Connection, operation: str, parameters: Any, many: bool) -> Outcome:
    """In aiosqlite's thread: run the statement, read every row, close the cursor."""
    cursor = connection.cursor()
    try:
        if many:
            cursor.executemany(operation, parameters)
        elif parameters is None:
            cursor.execute(operation)
        else:
            cursor.execute(operation, parameters)
        description = cursor.description
        rows = cursor.fetchall() if description else []
        return description, rows, cursor.rowcount, cursor.lastrowid
    finally:
        cursor.close()


class OneTripCursor(AsyncAdapt_aiosqlite_cursor):
    """A cursor whose ``execute`` is one trip to aiosqlite's thread (rows are then read from
    memory, as SQLAlchemy's own cursor does after its trips)."""

    __slots__ = ("_description", "_lastrowid", "_rowcount", "arraysize")

    def __init__(self, adapt_connection: AsyncAdapt_aiosqlite_connection) -> None:
        self._adapt_connection = adapt_connection
        self._connection = adapt_connection._connection
        self._soft_closed_memoized = EMPTY_DICT
        self._rows: collections.deque[Any] = collections.deque()
        self._description: Any = None
        self._rowcount = -1
        self._lastrowid: int | None = None
        self.arraysize = 1

    @property
    def description(self) -> Any:
        return self._description

    @property
    def rowcount(self) -> int:
        return self._rowcount

    @property
    def lastrowid(self) -> int:
        return self._lastrowid  # type: ignore[return-value]

    def execute(self, operation: Any, parameters: Any = None) -> Any:
        try:
            return await_(self._trip(operation, parameters, many=False))
        except Exception as error:
            self._adapt_connection._handle_exception(error)

    def executemany(self, operation: Any, seq_of_parameters: Sequence[Any]) -> Any:
        try:
            return await_(self._trip(operation, seq_of_parameters, many=True))
        except Exception as error:
            self._adapt_connection._handle_exception(error)

    async def _trip(self, operation: str, parameters: Any, *, many: bool) -> None:
        connection: aiosqlite.Connection = self._connection  # type: ignore[assignment]
        async with self._adapt_connection._execute_mutex:
            outcome: Outcome = await connection._execute(  # type: ignore[no-untyped-call]
                _run, connection._conn, operation, parameters, many
            )
        self._description, rows, self._rowcount, self._lastrowid = outcome
        self._rows = collections.deque(rows)

    async def _async_soft_close(self) -> None:
        """Nothing is left open in the driver: the cursor was closed in its thread."""

    def close(self) -> None:
        self._rows.clear()

    def nextset(self) -> None:
        """SQLite statements have one result set: there is never a next one (DB-API: None)."""
        self._rows.clear()


class OneTripConnection(AsyncAdapt_aiosqlite_connection):
    """SQLAlchemy's aiosqlite connection, handing out :class:`OneTripCursor`."""

    __slots__ = ()
    _cursor_cls = OneTripCursor  # type: ignore[assignment]  # a subclass of the cursor it replaces

    def rollback(self) -> None:
        """Undo the transaction; outside one (the pool's reset of a connection given back after
        a commit) there is nothing to undo, and no trip is made."""
        driver: sqlite3.Connection | None = self._connection._connection
        if driver is not None and not driver.in_transaction:
            return
        super().rollback()


class OneTripDBAPI(AsyncAdapt_aiosqlite_dbapi):
    """SQLAlchemy's aiosqlite module, whose connections are :class:`OneTripConnection`;
    given to ``create_async_engine(..., module=...)``."""

    def __init__(self) -> None:
        super().__init__(aiosqlite, sqlite3)

    def connect(self, *arg: Any, **kw: Any) -> OneTripConnection:
        plain = super().connect(*arg, **kw)
        return OneTripConnection(self, plain._connection)
