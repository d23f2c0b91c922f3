"""The core throughput benchmark runs end to end on a tiny SQLite database and ends with its
machine-readable line (no timing is checked: only that it measures something, without errors)."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path
from types import ModuleType

import pytest

from tests.conftest import POSTGRES_URL

BENCH = Path(__file__).resolve().parents[2] / "bench" / "core_throughput.py"
FIELDS = ["db", "events", "events_per_s", "p50_ms", "p99_ms", "floor_ratio", "rss_mb"]


def load_bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_core_throughput", BENCH)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(autouse=True)
def no_platform_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    """The bench builds the bot from the environment: no token, the default language."""
    for name in ("TELEGRAM_BOT_TOKEN", "DISCORD_BOT_TOKEN", "ENTRAIDE_DEFAULT_LOCALE"):
        monkeypatch.delenv(name, raising=False)


def test_tiny_run_ends_with_the_documented_line(capsys: pytest.CaptureFixture[str]) -> None:
    bench = load_bench()
    argv = ["--volunteers", "60", "--missions", "12", "--events", "120", "--warmup", "10"]
    line = bench.main([*argv, "--concurrency", "2", "--count-sql", "--seed", "3"])
    output = capsys.readouterr().out
    assert output.strip().splitlines()[-1] == line
    values = dict(part.split("=", 1) for part in line.split())
    assert list(values) == FIELDS
    assert values["db"] == "sqlite"
    assert values["events"] == "120"
    for name in FIELDS[2:]:
        assert float(values[name]) > 0
    assert "errors=0" in output
    assert "| question |" in output
    assert "SQL per event" in output
    least = least_cost_of(output)
    assert 0 < least["at least"] < least["Entraide takes"], "the code adds to the least cost"
    assert "in the server" not in output, "SQLite's work is this process's"
    assert re.search(r"\(\d+ µs if COMMIT did not wait for the disk; processor", output)


def least_cost_of(output: str) -> dict[str, float]:
    """The figures of the "least cost" line, by the words before them."""
    (line,) = [x for x in output.splitlines() if x.startswith("least cost: ")]
    found = re.findall(r"(at least|Entraide takes|alone) (\d+) µs", line)
    return {words: float(value) for words, value in found}


@pytest.mark.skipif(not POSTGRES_URL, reason="ENTRAIDE_TEST_POSTGRES_URL is not set")
def test_least_cost_on_postgresql_counts_the_server(capsys: pytest.CaptureFixture[str]) -> None:
    assert POSTGRES_URL is not None
    bench = load_bench()
    argv = ["--volunteers", "60", "--missions", "12", "--events", "60", "--warmup", "5"]
    line = bench.main([*argv, "--concurrency", "0", "--db", POSTGRES_URL])
    output = capsys.readouterr().out
    assert line.startswith("db=postgresql events=60 ")
    least = least_cost_of(output)
    assert 0 < least["at least"] < least["Entraide takes"]
    assert re.search(r"processor: \d+ µs here \+ \d+ µs in the server", output)


@pytest.mark.skipif(not POSTGRES_URL, reason="ENTRAIDE_TEST_POSTGRES_URL is not set")
def test_several_instances_answer_together_on_postgresql(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert POSTGRES_URL is not None
    bench = load_bench()
    argv = ["--volunteers", "60", "--missions", "12", "--events", "80", "--warmup", "10"]
    line = bench.main([*argv, "--instances", "2", "--concurrency", "2", "--db", POSTGRES_URL])
    output = capsys.readouterr().out
    values = dict(part.split("=", 1) for part in line.split())
    assert list(values) == [*FIELDS, "instances", "concurrency"]
    assert values["db"] == "postgresql"
    assert values["events"] == "160", "each instance answers its own 80"
    assert values["instances"] == "2"
    assert float(values["events_per_s"]) > 0
    assert "instance 0: 80 events" in output
    assert "instance 1: 80 events" in output
    assert "errors=0" in output
