"""Reads and validates a directory of Markdown tutorials with YAML front matter.

The format is a contract other tools read::

    ---
    id: email-attachment          # unique slug, required
    title: Joindre un fichier à un e-mail   # required
    lang: fr                      # fr or en, required
    category: basics              # basics | tools | safety | association, optional
    tags: [email, pièce jointe]   # optional
    questions:                    # alternate phrasings, optional
      - Comment envoyer une pièce jointe ?
    ---
    1. Ouvrez votre messagerie...
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

LANGUAGES = ("fr", "en")
CATEGORIES = ("basics", "tools", "safety", "association")
ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{0,79}$")
MAX_FILE_BYTES = 64 * 1024
MAX_BODY_CHARS = 3500
"""A tutorial is sent as one chat message; Telegram allows 4,096 characters."""


@dataclass(frozen=True, slots=True)
class Tutorial:
    """One validated tutorial."""

    id: str
    title: str
    lang: str
    category: str | None
    tags: tuple[str, ...]
    questions: tuple[str, ...]
    body: str
    path: Path


@dataclass(frozen=True, slots=True)
class Problem:
    """Why a file was not loaded."""

    path: Path
    reason: str

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"


@dataclass(frozen=True, slots=True)
class LoadResult:
    """The tutorials that loaded and the problems found in the others."""

    tutorials: tuple[Tutorial, ...]
    problems: tuple[Problem, ...]


class InvalidTutorialError(ValueError):
    """A tutorial file breaks the format; the message says how."""


def _split_front_matter(text: str) -> tuple[str, str]:
    text = text.lstrip("\ufeff")
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].strip() != "---":
        raise InvalidTutorialError("no front matter: the file must start with a '---' line")
    for index in range(1, len(lines)):
        if lines[index].strip() == "---":
            return "".join(lines[1:index]), "".join(lines[index + 1 :])
    raise InvalidTutorialError("front matter is not closed by a '---' line")


def _string_list(meta: dict[str, Any], field: str) -> tuple[str, ...]:
    value = meta.get(field)
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(
        isinstance(item, str | int | float) and not isinstance(item, bool) for item in value
    ):
        raise InvalidTutorialError(f"'{field}' must be a list of texts")
    items = tuple(str(item).strip() for item in value)
    if any(not item for item in items):
        raise InvalidTutorialError(f"'{field}' contains an empty item")
    return items


def _required_text(meta: dict[str, Any], field: str) -> str:
    value = meta.get(field)
    if value is None or (isinstance(value, str) and not value.strip()):
        raise InvalidTutorialError(f"missing required field '{field}'")
    if not isinstance(value, str):
        raise InvalidTutorialError(f"'{field}' must be a text")
    return value.strip()


def parse_tutorial(text: str, path: Path) -> Tutorial:
    """Validate one file's content; raise :class:`InvalidTutorialError` with the reason."""
    front, body = _split_front_matter(text)
    try:
        meta = yaml.safe_load(front)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 2})" if mark is not None else ""
        problem = getattr(exc, "problem", None) or "syntax error"
        raise InvalidTutorialError(f"broken YAML front matter{where}: {problem}") from None
    if not isinstance(meta, dict):
        raise InvalidTutorialError("front matter must be a mapping of fields")
    tutorial_id = _required_text(meta, "id")
    if not ID_PATTERN.match(tutorial_id):
        raise InvalidTutorialError(
            f"id {tutorial_id!r} must be a slug: lowercase letters, digits and dashes"
        )
    title = _required_text(meta, "title")
    lang = _required_text(meta, "lang")
    if lang not in LANGUAGES:
        raise InvalidTutorialError(f"lang {lang!r} must be one of {', '.join(LANGUAGES)}")
    category = meta.get("category")
    if category is not None and category not in CATEGORIES:
        raise InvalidTutorialError(f"category {category!r} must be one of {', '.join(CATEGORIES)}")
    body = body.strip()
    if not body:
        raise InvalidTutorialError("empty body: the tutorial has no steps")
    if len(body) > MAX_BODY_CHARS:
        raise InvalidTutorialError(
            f"body too long for one chat message ({len(body)} > {MAX_BODY_CHARS} characters)"
        )
    return Tutorial(
        id=tutorial_id,
        title=title,
        lang=lang,
        category=category,
        tags=_string_list(meta, "tags"),
        questions=_string_list(meta, "questions"),
        body=body,
        path=path,
    )


def load_directory(directory: Path) -> LoadResult:
    """Every ``*.md`` file under ``directory`` (any depth), in a stable order."""
    tutorials: list[Tutorial] = []
    problems: list[Problem] = []
    seen: dict[str, Path] = {}
    if not directory.is_dir():
        return LoadResult((), (Problem(directory, "not a readable directory"),))
    for path in sorted(directory.rglob("*.md")):
        try:
            if path.stat().st_size > MAX_FILE_BYTES:
                raise InvalidTutorialError(f"file larger than {MAX_FILE_BYTES // 1024} KiB")
            text = path.read_text(encoding="utf-8")
            tutorial = parse_tutorial(text, path)
        except UnicodeDecodeError:
            problems.append(Problem(path, "not UTF-8 text"))
            continue
        except OSError as exc:
            problems.append(Problem(path, f"cannot read: {exc.strerror or exc}"))
            continue
        except InvalidTutorialError as exc:
            problems.append(Problem(path, str(exc)))
            continue
        if tutorial.id in seen:
            problems.append(
                Problem(path, f"duplicate id {tutorial.id!r} (also in {seen[tutorial.id]})")
            )
            continue
        seen[tutorial.id] = path
        tutorials.append(tutorial)
    return LoadResult(tuple(tutorials), tuple(problems))
