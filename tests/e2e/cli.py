"""Runs the ``entraide`` command in a subprocess, isolated from the developer's environment."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def entraide(
    args: list[str], cwd: Path, stdin: str = "", **env: str
) -> subprocess.CompletedProcess[str]:
    """``entraide ARGS`` in ``cwd`` with a fresh SQLite database there; ``env`` overrides."""
    environment = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("ENTRAIDE_", "TELEGRAM_", "DISCORD_"))
    }
    environment["ENTRAIDE_DATABASE_URL"] = f"sqlite:///{cwd / 'entraide.db'}"
    environment["PYTHONPATH"] = str(ROOT)
    environment.update(env)
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=cwd,
        env=environment,
        timeout=60,
        check=False,
    )
