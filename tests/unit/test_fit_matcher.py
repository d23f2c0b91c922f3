"""Helpers of ``bench/fit_matcher.py``: the mixed base and fitting only some weights."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import numpy as np

from knowledge.loader import Tutorial
from knowledge.matcher import DEFAULT_MODEL, FEATURES, Matcher
from tests.factories import a_tutorial

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
fit_matcher = importlib.import_module("fit_matcher")


def tutorial(id_: str, questions: int) -> Tutorial:
    return a_tutorial(id_, questions=[f"Question {n} sur {id_} ?" for n in range(questions)])


def test_mixed_base_cuts_every_other_tutorial() -> None:
    base = [tutorial(name, 10) for name in ("d", "b", "a", "c")]
    cut = {t.id: len(t.questions) for t in fit_matcher.mixed(base)}
    assert cut == {"a": 10, "b": fit_matcher.MIXED_THIN, "c": 10, "d": fit_matcher.MIXED_THIN}


def test_fit_only_keeps_the_other_weights() -> None:
    base = [tutorial("alarme", 1), tutorial("sonnerie", 8)]
    matcher = Matcher(base)
    rows = [
        fit_matcher.Row("Question 0 sur alarme ?", "alarme", "fr", "paraphrase"),
        fit_matcher.Row("Question 3 sur sonnerie ?", "sonnerie", "fr", "paraphrase"),
    ]
    free = np.array([name == "title_coverage" for name in FEATURES])
    weights = fit_matcher.fit_ranking(fit_matcher.measure(matcher, rows), steps=20, free=free)
    kept = ~free
    assert np.allclose(weights[kept], np.array(DEFAULT_MODEL.rank_weights)[kept])
    assert weights[free][0] != 0.0
