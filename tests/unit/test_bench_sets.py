"""The labelled question sets of ``bench/kb_quality.py`` point at tutorials that exist."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from knowledge.loader import load_directory

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "bench" / "data"
BUNDLED = ROOT / "knowledge" / "tutorials"
FRESH_TUTORIALS = DATA / "kb_fresh_tutorials"
BLIND2_TUTORIALS = DATA / "kb_blind2_tutorials"
BLIND3_TUTORIALS = DATA / "kb_blind3_tutorials"
BLIND4_TUTORIALS = DATA / "kb_blind4_tutorials"
BLIND5_TUTORIALS = DATA / "kb_blind5_tutorials"
BLIND6_TUTORIALS = DATA / "kb_blind6_tutorials"
SETS = {
    "kb_questions.csv": [BUNDLED],
    "kb_heldout.csv": [BUNDLED],
    "kb_fresh_a.csv": [BUNDLED, FRESH_TUTORIALS],
    "kb_fresh_b.csv": [BUNDLED, FRESH_TUTORIALS],
    "kb_blind2_a.csv": [BUNDLED, BLIND2_TUTORIALS],
    "kb_blind2_b.csv": [BUNDLED, BLIND2_TUTORIALS],
    "kb_blind3_a.csv": [BUNDLED, BLIND3_TUTORIALS],
    "kb_blind3_b.csv": [BUNDLED, BLIND3_TUTORIALS],
    "kb_blind4.csv": [BUNDLED, BLIND4_TUTORIALS],
    "kb_blind5.csv": [BUNDLED, BLIND5_TUTORIALS],
    "kb_blind6.csv": [BUNDLED, BLIND6_TUTORIALS],
}
STYLES = {"paraphrase", "typo", "noaccent", "sms", "context", "english", "offtopic", "nearmiss"}
DECLINED = {"offtopic", "nearmiss"}


def _ids(folders: list[Path]) -> set[str]:
    ids: set[str] = set()
    for folder in folders:
        loaded = load_directory(folder)
        assert not loaded.problems, loaded.problems
        ids.update(t.id for t in loaded.tutorials)
    return ids


@pytest.mark.parametrize("name", sorted(SETS))
def test_every_label_names_a_tutorial_of_its_base(name: str) -> None:
    known = _ids(SETS[name])
    with (DATA / name).open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) >= 90
    unknown = {r["expected"] for r in rows if r["expected"] and r["expected"] not in known}
    assert unknown == set()
    assert {r["style"] for r in rows} <= STYLES
    assert all((r["expected"] == "") == (r["style"] in DECLINED) for r in rows)
    assert len({r["question"] for r in rows}) == len(rows)


@pytest.mark.parametrize(
    "folder",
    [
        FRESH_TUTORIALS,
        BLIND2_TUTORIALS,
        BLIND3_TUTORIALS,
        BLIND4_TUTORIALS,
        BLIND5_TUTORIALS,
        BLIND6_TUTORIALS,
    ],
)
def test_the_unseen_tutorials_are_not_in_the_bundled_base(folder: Path) -> None:
    assert not _ids([folder]) & _ids([BUNDLED])
