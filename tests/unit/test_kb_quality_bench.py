"""``bench/kb_quality.py``: a base where bilingual topics exist in one language, a mixed base,
and the figures by target."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

from knowledge.loader import Tutorial
from knowledge.matcher import Candidate, MatchResult
from tests.factories import a_tutorial

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
kb_quality = importlib.import_module("kb_quality")


BASE = [
    a_tutorial("wifi"),
    a_tutorial("wifi-en", lang="en"),
    a_tutorial("print"),
    a_tutorial("scam-en", lang="en"),
]
ROWS = [
    kb_quality.Row("comment se connecter au wifi", "wifi", "fr", "paraphrase"),
    kb_quality.Row("how do I join the wifi", "wifi-en", "en", "english"),
    kb_quality.Row("imprimer", "print", "fr", "paraphrase"),
    kb_quality.Row("recette des crêpes", "", "fr", "offtopic"),
]


def test_only_in_english_keeps_the_english_version_and_points_questions_at_it() -> None:
    tutorials, rows, crossing = kb_quality.only_in("en", BASE, ROWS)
    assert [t.id for t in tutorials] == ["wifi-en", "print", "scam-en"]
    assert [r.expected for r in rows] == ["wifi-en", "wifi-en", "print", ""]
    assert [r.question for r in crossing] == ["comment se connecter au wifi"]


def test_only_in_french_keeps_the_french_version() -> None:
    tutorials, rows, crossing = kb_quality.only_in("fr", BASE, ROWS)
    assert [t.id for t in tutorials] == ["wifi", "print", "scam-en"]
    assert [r.expected for r in rows] == ["wifi", "wifi", "print", ""]
    assert [r.question for r in crossing] == ["how do I join the wifi"]


def test_mixed_cuts_every_other_tutorial_in_id_order() -> None:
    base = [a_tutorial(name, questions=["Une ?", "Deux ?", "Trois ?"]) for name in "dcba"]
    cut = {t.id: len(t.questions) for t in kb_quality.mixed(base, 1)}
    assert cut == {"a": 3, "b": 1, "c": 3, "d": 1}


def test_by_target_splits_bundled_and_unseen_questions_and_counts_alternate_questions() -> None:
    wifi, new = a_tutorial("wifi"), a_tutorial("new", questions=["Une ?"])
    rows = [
        kb_quality.Row("wifi", "wifi", "fr", "paraphrase"),
        kb_quality.Row("nouveau", "new", "fr", "paraphrase"),
        kb_quality.Row("nouveau encore", "new", "fr", "paraphrase"),
        kb_quality.Row("recette des crêpes", "", "fr", "offtopic"),
    ]

    def first(tutorial: Tutorial) -> MatchResult:
        return MatchResult(None, (Candidate(tutorial, 1.0, 0.5, 1.0),), "fr")

    results = [first(wifi), first(new), first(wifi), MatchResult(None, (), "fr")]
    line = kb_quality.by_target(rows, results, {"new"}, [wifi, new])
    assert "bundled (1) top1=1.000" in line
    assert "unseen (2) top1=0.500 recall_at_3=0.500" in line
    assert line.endswith("unseen by alternate questions: 1: 0.500 (2)")
