"""The labelled question sets of ``bench/kb_quality.py`` point at tutorials that exist."""

from __future__ import annotations

import csv
import importlib
import sys
from pathlib import Path

import pytest

from knowledge.loader import Tutorial, load_directory

ROOT = Path(__file__).resolve().parents[2]
BUNDLED = ROOT / "knowledge" / "tutorials"
sys.path.insert(0, str(ROOT / "bench"))
kb_quality = importlib.import_module("kb_quality")
DATA = kb_quality.DATA
SETS = {
    path.name: [kb_quality.OWN_BASE[name]]
    if name in kb_quality.OWN_BASE
    else [BUNDLED, *filter(None, [kb_quality.EXTRA_TUTORIALS.get(name)])]
    for name, path in kb_quality.SETS.items()
}
"""Each set registered with ``bench/kb_quality.py`` and the tutorials it is asked of."""
UNSEEN = sorted(
    {folder for folders in SETS.values() for folder in folders}
    - {BUNDLED, *kb_quality.OWN_BASE.values()}
)
STYLES = {"paraphrase", "typo", "noaccent", "sms", "context", "english", "offtopic", "nearmiss"}
DECLINED = {"offtopic", "nearmiss"}


def _tutorials(folder: Path) -> tuple[Tutorial, ...]:
    loaded = load_directory(folder)
    assert not loaded.problems, loaded.problems
    return loaded.tutorials


def _ids(folders: list[Path]) -> set[str]:
    return {t.id for folder in folders for t in _tutorials(folder)}


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


@pytest.mark.parametrize("folder", UNSEEN, ids=lambda folder: folder.name)
def test_the_unseen_tutorials_are_not_in_the_bundled_base(folder: Path) -> None:
    assert not _ids([folder]) & _ids([BUNDLED])


@pytest.mark.parametrize(
    "folder", [kb_quality.PARALLEL_KB, kb_quality.TERSE_KB], ids=lambda folder: folder.name
)
def test_the_other_bases_cover_the_bundled_subjects_one_for_one(folder: Path) -> None:
    written = {(t.id, t.lang) for t in _tutorials(folder)}
    assert written == {(t.id, t.lang) for t in _tutorials(BUNDLED)}
