"""A broadcast survives its worker being killed with SIGKILL: run the benchmark's crash
scenario on a smaller audience, on each database, and count what every recipient got."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

from tests.conftest import POSTGRES_URL

BENCH = Path(__file__).resolve().parents[2] / "bench" / "broadcast.py"


def load_bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_broadcast", BENCH)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize(
    "backend",
    [
        "sqlite",
        pytest.param(
            "postgresql",
            marks=pytest.mark.skipif(not POSTGRES_URL, reason="ENTRAIDE_TEST_POSTGRES_URL unset"),
        ),
    ],
)
def test_every_recipient_gets_the_announcement_after_a_sigkill(
    backend: str, tmp_path: Path
) -> None:
    bench = load_bench()
    url = POSTGRES_URL if backend == "postgresql" else f"sqlite:///{tmp_path / 'crash.db'}"
    assert url is not None
    result = bench.crash_run(url, recipients=900, cap=300.0, latency=0.005, folder=tmp_path)
    assert result["at_kill"] >= 300, "the worker was killed part-way, not at the start"
    assert result["lost"] == 0
    assert result["sent"] == 900
    # What a kill can repeat: sends of the last 20 ms not yet recorded, plus those under way.
    assert result["duplicates"] <= 300 * 0.02 + 64
