"""``bench/kb_quality.py --only-in``: a base where bilingual topics exist in one language."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

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
