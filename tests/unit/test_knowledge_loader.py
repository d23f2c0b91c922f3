"""The tutorial format contract: every kind of bad file is reported with its path and reason."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import DEFAULT_KNOWLEDGE_DIR
from knowledge.loader import load_directory

GOOD = """---
id: {id}
title: Un titre
lang: fr
category: basics
tags: [email, pièce jointe]
questions:
  - Comment envoyer une pièce jointe ?
---
1. Ouvrez votre messagerie.
2. Appuyez sur **Envoyer**.
"""


def write(directory: Path, name: str, text: str) -> Path:
    path = directory / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_bundled_base_is_valid_and_large_enough() -> None:
    loaded = load_directory(DEFAULT_KNOWLEDGE_DIR)
    assert loaded.problems == ()
    by_lang = {lang: [t for t in loaded.tutorials if t.lang == lang] for lang in ("fr", "en")}
    assert len(by_lang["fr"]) >= 40
    assert len(by_lang["en"]) >= 15
    categories = {t.category for t in loaded.tutorials}
    assert categories == {"basics", "tools", "safety", "association"}


def test_bundled_tutorials_are_short_numbered_steps() -> None:
    for tutorial in load_directory(DEFAULT_KNOWLEDGE_DIR).tutorials:
        steps = [line for line in tutorial.body.splitlines() if line[:1].isdigit()]
        assert 4 <= len(steps) <= 10, tutorial.id
        assert len(tutorial.body) <= 1500, tutorial.id


def test_nested_directories_and_fields(tmp_path: Path) -> None:
    write(tmp_path, "a/b/one.md", GOOD.format(id="one"))
    loaded = load_directory(tmp_path)
    assert loaded.problems == ()
    (tutorial,) = loaded.tutorials
    assert tutorial.tags == ("email", "pièce jointe")
    assert tutorial.questions == ("Comment envoyer une pièce jointe ?",)
    assert tutorial.body.startswith("1. Ouvrez")


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("juste du texte\n", "no front matter"),
        ("---\nid: x\ntitle: t\nlang: fr\n", "not closed"),
        ("---\nid: [unclosed\ntitle: t\n---\nbody\n", "broken YAML front matter (line"),
        ("---\ntitle: t\nlang: fr\n---\nbody\n", "missing required field 'id'"),
        ("---\nid: x\nlang: fr\n---\nbody\n", "missing required field 'title'"),
        ("---\nid: x\ntitle: t\n---\nbody\n", "missing required field 'lang'"),
        ("---\nid: x\ntitle: t\nlang: de\n---\nbody\n", "lang 'de' must be one of fr, en"),
        ("---\nid: Not A Slug\ntitle: t\nlang: fr\n---\nbody\n", "must be a slug"),
        ("---\nid: x\ntitle: t\nlang: fr\ncategory: cooking\n---\nb\n", "category 'cooking'"),
        ("---\nid: x\ntitle: t\nlang: fr\ntags: {a: 1}\n---\nbody\n", "'tags' must be a list"),
        ("---\nid: x\ntitle: t\nlang: fr\n---\n   \n", "empty body"),
        ("---\n- a list\n---\nbody\n", "must be a mapping"),
    ],
)
def test_bad_files_are_reported_with_path_and_reason(
    tmp_path: Path, text: str, reason: str
) -> None:
    write(tmp_path, "good.md", GOOD.format(id="good"))
    bad = write(tmp_path, "bad.md", text)
    loaded = load_directory(tmp_path)
    assert [t.id for t in loaded.tutorials] == ["good"]
    (problem,) = loaded.problems
    assert problem.path == bad
    assert reason in problem.reason


def test_duplicate_id_keeps_the_first(tmp_path: Path) -> None:
    first = write(tmp_path, "a.md", GOOD.format(id="same"))
    second = write(tmp_path, "b.md", GOOD.format(id="same"))
    loaded = load_directory(tmp_path)
    assert [t.path for t in loaded.tutorials] == [first]
    (problem,) = loaded.problems
    assert problem.path == second
    assert "duplicate id 'same'" in problem.reason


def test_not_utf8_and_too_big(tmp_path: Path) -> None:
    (tmp_path / "latin1.md").write_bytes("---\nid: é\n".encode("latin-1"))
    write(tmp_path, "huge.md", GOOD.format(id="huge") + "x" * 70_000)
    reasons = sorted(p.reason for p in load_directory(tmp_path).problems)
    assert reasons[0].startswith("file larger than")
    assert reasons[1] == "not UTF-8 text"
