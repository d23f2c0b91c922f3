"""Flood limits: a burst gets one polite "slow down", then silence, then normal answers."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from bot.clock import ManualClock
from bot.config import Settings
from bot.flood import FloodGate, Verdict
from bot.types import Platform
from bot.wiring import build_app
from tests.harness import Conversation


class Ticks:
    """A monotonic clock moved by hand."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_the_gate_warns_once_then_drops_until_the_window_passes() -> None:
    ticks = Ticks()
    gate = FloodGate(3, 10.0, ticks)
    assert [gate.check("a") for _ in range(3)] == [Verdict.PASS] * 3
    assert gate.check("a") is Verdict.WARN
    assert gate.check("a") is Verdict.DROP
    assert gate.check("b") is Verdict.PASS, "others are not slowed down"
    ticks.now = 10.5
    assert gate.check("a") is Verdict.PASS


def test_many_people_are_forgotten_once_quiet() -> None:
    ticks = Ticks()
    gate = FloodGate(2, 1.0, ticks)
    for n in range(1500):
        gate.check(str(n))
    ticks.now = 5.0
    gate.check("late")
    assert list(gate._seen) == ["late"]


def test_only_the_quiet_are_forgotten_and_a_flooder_stays_held() -> None:
    ticks = Ticks()
    gate = FloodGate(2, 10.0, ticks)
    gate.check("early")
    ticks.now = 6.0
    assert [gate.check("flooder") for _ in range(4)] == [
        Verdict.PASS,
        Verdict.PASS,
        Verdict.WARN,
        Verdict.DROP,
    ]
    ticks.now = 12.0  # "early" has been quiet for a whole window, "flooder" has not
    assert gate.check("someone") is Verdict.PASS
    assert set(gate._seen) == {"flooder", "someone"}
    assert gate.check("flooder") is Verdict.DROP, "still within the window of the burst"
    gate.check("early")
    assert list(gate._seen) == ["someone", "flooder", "early"], "latest heard from last"


async def test_a_burst_through_the_dispatcher_gets_one_slow_down(
    tmp_path: Path, settings_for: Callable[[str], Settings], clock: ManualClock
) -> None:
    settings = settings_for(f"sqlite:///{tmp_path / 'flood.db'}").model_copy(
        update={"flood_burst": 5, "flood_seconds": 60.0}
    )
    app = await build_app(settings, clock=clock)
    try:
        eager = Conversation(app.dispatcher, user_id="e", name="Eager", platform=Platform.TELEGRAM)
        answered = [len(await eager.send("bonjour")) for _ in range(5)]
        assert all(answered)
        await eager.send("bonjour")
        assert "Doucement" in eager.text
        for _ in range(20):
            assert await eager.send("bonjour") == ()
        calm = Conversation(app.dispatcher, user_id="c", name="Calm", platform=Platform.TELEGRAM)
        assert await calm.send("/aide")
        terminal = Conversation(app.dispatcher, user_id="t", name="Local")
        assert all([await terminal.send("/aide") for _ in range(10)]), "the terminal is exempt"
    finally:
        await app.close()
