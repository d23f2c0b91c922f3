"""Secrets never reach the logs: a filter that masks them in every record, whatever logged it
(a library may put a URL with the bot token in an error message)."""

from __future__ import annotations

import logging
from collections.abc import Iterable

MASK = "[secret]"
MIN_LENGTH = 6
"""Shorter values are not masked: they would blank out ordinary words."""


class Redactor(logging.Filter):
    """Replaces each known secret in a record's message (and exception text) by ``[secret]``."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        self._secrets = sorted({s for s in secrets if len(s) >= MIN_LENGTH}, key=len, reverse=True)

    def redact(self, text: str) -> str:
        """``text`` with every secret masked."""
        for secret in self._secrets:
            text = text.replace(secret, MASK)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        if not self._secrets:
            return True
        message = record.getMessage()
        record.msg, record.args = self.redact(message), None
        if record.exc_info:
            formatter = logging.Formatter()
            record.exc_text = self.redact(formatter.formatException(record.exc_info))
            record.exc_info = None
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        return True
