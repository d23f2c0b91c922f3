"""A participants list as CSV for coordinators, ready for French Excel.

UTF-8 with a byte order mark (so Excel shows accents), ``;`` as delimiter (the French list
separator), CRLF line endings, and protection against formula injection: a cell that starts
with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is prefixed with a single quote.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Final

__all__ = ["participants_csv", "safe_cell"]

DELIMITER: Final = ";"
FORMULA_STARTS: Final = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> str:
    """``str(value)`` (``None`` gives an empty cell), quoted against formula injection."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def participants_csv(header: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    """The CSV file (header line, then one line per row) as UTF-8 bytes with a BOM."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=DELIMITER, lineterminator="\r\n")
    writer.writerow([safe_cell(cell) for cell in header])
    writer.writerows([safe_cell(cell) for cell in row] for row in rows)
    return buffer.getvalue().encode("utf-8-sig")
