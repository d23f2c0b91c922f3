"""One bot's send rate shared by all its instances, kept in PostgreSQL.

The ``send_slots`` row of a bot holds the moment its next message may go. An instance about to
send moves that moment on by one interval (``1 / rate``) in a single statement and waits until
the moment it was given: the row lock serialises the instances, so whatever the number of
instances, the bot's messages leave spaced by at least the interval, as if one process sent
them all. When the platform refuses a message (HTTP 429), the moment is pushed past its
``retry_after`` for every instance at once. Times come from the database's clock, the one clock
all instances share.
"""

from __future__ import annotations

import hashlib

from sqlalchemy import text

from storage.db import Database

_RESERVE = text(
    """
    INSERT INTO send_slots (bucket, next_free)
    VALUES (:bucket, statement_timestamp() + CAST(:interval AS float8) * interval '1 second')
    ON CONFLICT (bucket) DO UPDATE
    SET next_free = GREATEST(send_slots.next_free, statement_timestamp())
        + CAST(:interval AS float8) * interval '1 second'
    RETURNING CAST(EXTRACT(EPOCH FROM send_slots.next_free - statement_timestamp()) AS float8)
        - CAST(:interval AS float8)
    """
)
"""Move the bot's next slot on by one interval; returns the wait for the slot taken."""
_PUSH_BACK = text(
    """
    INSERT INTO send_slots (bucket, next_free)
    VALUES (:bucket, statement_timestamp() + CAST(:seconds AS float8) * interval '1 second')
    ON CONFLICT (bucket) DO UPDATE
    SET next_free = GREATEST(
        send_slots.next_free,
        statement_timestamp() + CAST(:seconds AS float8) * interval '1 second'
    )
    """
)


def bucket_for(platform: str, token: str) -> str:
    """The row of one bot: its platform and a hash of its token (the token stays secret)."""
    digest = hashlib.sha256(token.encode()).hexdigest()[:32]
    return f"{platform}:{digest}"


class SharedPace:
    """Send slots of one bot, reserved in the database (PostgreSQL only)."""

    def __init__(self, db: Database, bucket: str, per_second: float) -> None:
        if db.dialect != "postgresql":
            raise ValueError("a shared pace needs PostgreSQL")
        self._db = db
        self._bucket = bucket
        self._interval = 1.0 / per_second

    async def reserve(self) -> float:
        """Take the bot's next slot; returns how many seconds to wait for it (0 if now)."""
        async with self._db.engine.begin() as connection:
            wait = await connection.scalar(
                _RESERVE, {"bucket": self._bucket, "interval": self._interval}
            )
        return max(float(wait or 0.0), 0.0)

    async def push_back(self, seconds: float) -> None:
        """Nobody sends for ``seconds`` (the platform asked every instance to wait)."""
        async with self._db.engine.begin() as connection:
            await connection.execute(_PUSH_BACK, {"bucket": self._bucket, "seconds": seconds})
