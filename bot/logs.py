"""Log lines for operators: plain text by default, or one JSON object a line
(``ENTRAIDE_LOG_FORMAT=json``), each with the request it belongs to and its association."""

from __future__ import annotations

import json
import logging
from contextvars import ContextVar
from datetime import UTC, datetime

REQUEST: ContextVar[tuple[str, int | None] | None] = ContextVar("entraide_request", default=None)
"""The event being handled: its request id and, once known, its association id."""


class RequestFilter(logging.Filter):
    """Adds ``request_id`` and ``association`` to every record (``-`` outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        current = REQUEST.get()
        record.request_id = current[0] if current else "-"
        record.association = str(current[1]) if current and current[1] is not None else "-"
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request id, association, and
    the traceback when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", "-"),
            "association": getattr(record, "association", "-"),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            entry["exception"] = record.exc_text
        return json.dumps(entry, ensure_ascii=False)


TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s a=%(association)s]: %(message)s"
