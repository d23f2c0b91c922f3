"""Tokens never reach the logs or the messages printed at start-up."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from bot.redact import MASK, Redactor
from tests.e2e.cli import entraide

TOKEN = "123456789:AAExampleSecretTokenValue_0123456789"


def test_the_redactor_masks_secrets_in_messages_arguments_and_tracebacks(
    caplog: pytest.LogCaptureFixture,
) -> None:
    logger = logging.getLogger("entraide.test.redact")
    redactor = Redactor([TOKEN, "abc"])
    handler = caplog.handler
    handler.addFilter(redactor)
    try:
        logger.error("calling https://api.telegram.org/bot%s/getMe", TOKEN)
        try:
            raise RuntimeError(f"refused: {TOKEN}")
        except RuntimeError:
            logger.exception("start-up failed")
    finally:
        handler.removeFilter(redactor)
    assert TOKEN not in caplog.text
    assert f"bot{MASK}/getMe" in caplog.text
    assert "refused: [secret]" in caplog.text
    assert "abc" not in Redactor([TOKEN, "abc"]).redact("x"), "short values are left alone"


def test_a_failing_start_with_a_token_leaves_it_nowhere(tmp_path: Path) -> None:
    done = entraide(
        ["run"],
        tmp_path,
        TELEGRAM_BOT_TOKEN=TOKEN,
        ENTRAIDE_TELEGRAM_API_URL="http://127.0.0.1:9",
        ENTRAIDE_LOG_LEVEL="DEBUG",
    )
    assert done.returncode == 1
    assert "cannot reach Telegram" in done.stderr
    logged = (tmp_path / "data" / "entraide.log").read_text(encoding="utf-8")
    assert MASK in logged, "the library logged its URL, token masked"
    for output in (done.stdout, done.stderr, logged):
        assert TOKEN not in output
        assert TOKEN.split(":")[1] not in output
