"""``entraide ask`` and ``entraide kb check``: the knowledge base from the command line.

``ask`` prints, with ``--json``, exactly one object per question::

    {"answer": {"id": str, "title": str, "score": float} | null,
     "suggestions": [{"id": str, "title": str, "score": float}, ...]}
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from pydantic import TypeAdapter, ValidationError

from bot.config import DEFAULT_KNOWLEDGE_DIR
from knowledge.borrowing import build_matcher, lenders_of
from knowledge.loader import Tutorial, load_directory
from knowledge.matcher import Candidate, MatchResult
from knowledge.service import load_reference


def default_knowledge_dir() -> Path:
    """``ENTRAIDE_KNOWLEDGE_DIR`` if set, else the bundled tutorials."""
    configured = os.environ.get("ENTRAIDE_KNOWLEDGE_DIR")
    return Path(configured) if configured else DEFAULT_KNOWLEDGE_DIR


def _reference(directory: Path, *, borrow: bool) -> tuple[Tutorial, ...]:
    """The bundled tutorials, to lend their questions to another directory's, unless turned
    off (``--no-borrow``, or ``ENTRAIDE_KB_BORROW`` false, read as the bot reads it)."""
    setting = os.environ.get("ENTRAIDE_KB_BORROW", "true").strip()
    # The bot refuses a value it cannot read at start-up; here the default is kept.
    with contextlib.suppress(ValidationError):
        borrow = borrow and TypeAdapter(bool).validate_python(setting)
    return load_reference(directory, DEFAULT_KNOWLEDGE_DIR if borrow else None)


def add_arguments(commands: Any) -> None:
    """Register ``ask`` and ``kb`` on the main parser's sub-commands."""
    ask = commands.add_parser("ask", help="ask the knowledge base a question")
    ask.add_argument("question", nargs="?", help="the question (omit with --batch)")
    ask.add_argument("--kb", type=Path, default=None, help="tutorials directory")
    ask.add_argument("--lang", choices=["fr", "en"], default="fr", help="the asker's language")
    ask.add_argument("--json", action="store_true", help="one JSON object per question")
    ask.add_argument("--top", type=int, default=3, help="how many suggestions at most")
    ask.add_argument("--batch", type=Path, help="a file with one question per line")
    ask.add_argument(
        "--no-borrow",
        action="store_true",
        help="do not lend the bundled tutorials' questions to another base's tutorials",
    )

    kb = commands.add_parser("kb", help="knowledge base tools")
    kb_commands = kb.add_subparsers(dest="kb_command", required=True, metavar="ACTION")
    check = kb_commands.add_parser("check", help="validate every tutorial file")
    check.add_argument("directory", nargs="?", type=Path, default=None)
    check.add_argument(
        "--borrowing",
        action="store_true",
        help="also list the tutorials that borrow a bundled tutorial's questions",
    )


def _candidate(candidate: Candidate) -> dict[str, Any]:
    return {
        "id": candidate.tutorial.id,
        "title": candidate.tutorial.title,
        "score": float(candidate.confidence),
    }


def as_json(result: MatchResult) -> dict[str, Any]:
    """The contract's object for one result."""
    return {
        "answer": _candidate(result.answer) if result.answer else None,
        "suggestions": [_candidate(c) for c in result.suggestions],
    }


def _as_text(question: str, result: MatchResult) -> str:
    lines = [f"question: {question}"]
    if result.answer:
        lines.append(
            f"answer: {result.answer.tutorial.id} ({result.answer.confidence:.2f}) "
            f"{result.answer.tutorial.title}"
        )
    else:
        lines.append("answer: none")
    for candidate in result.suggestions:
        lines.append(
            f"  maybe: {candidate.tutorial.id} ({candidate.confidence:.2f}) "
            f"{candidate.tutorial.title}"
        )
    return "\n".join(lines)


def run_ask(args: argparse.Namespace, out: TextIO = sys.stdout) -> int:
    """Answer one question or a batch; 2 on bad usage."""
    if (args.question is None) == (args.batch is None):
        print("entraide ask: give a QUESTION or --batch FILE (not both)", file=sys.stderr)
        return 2
    if args.top < 0:
        print("entraide ask: --top must be 0 or more", file=sys.stderr)
        return 2
    directory = args.kb or default_knowledge_dir()
    if not directory.is_dir():
        print(f"entraide ask: {directory} is not a readable directory", file=sys.stderr)
        return 2
    loaded = load_directory(directory)
    for problem in loaded.problems:
        print(f"entraide ask: skipped {problem}", file=sys.stderr)
    matcher = build_matcher(loaded.tutorials, _reference(directory, borrow=not args.no_borrow))
    if args.batch is not None:
        try:
            questions = args.batch.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as exc:
            print(f"entraide ask: cannot read {args.batch}: {exc}", file=sys.stderr)
            return 2
    else:
        questions = [args.question]
    for question in questions:
        result = matcher.match(question, args.lang, top=args.top)
        if args.json:
            out.write(json.dumps(as_json(result), ensure_ascii=False) + "\n")
        else:
            out.write(_as_text(question, result) + "\n")
    out.flush()
    return 0


def run_kb_check(args: argparse.Namespace, out: TextIO = sys.stdout) -> int:
    """Print every problem; non-zero exit if there is any."""
    directory = args.directory or default_knowledge_dir()
    loaded = load_directory(directory)
    for problem in loaded.problems:
        out.write(f"{problem}\n")
    languages = {lang: sum(t.lang == lang for t in loaded.tutorials) for lang in ("fr", "en")}
    summary = ", ".join(f"{count} {lang}" for lang, count in languages.items())
    out.write(
        f"{len(loaded.tutorials)} tutorials OK ({summary}), {len(loaded.problems)} problem(s) "
        f"in {directory}\n"
    )
    if args.borrowing:
        _list_borrowing(loaded.tutorials, _reference(directory, borrow=True), out)
    return 1 if loaded.problems else 0


def _list_borrowing(
    tutorials: Sequence[Tutorial], reference: Sequence[Tutorial], out: TextIO
) -> None:
    """One line per borrower: its id, then the bundled tutorials it borrows from."""
    if not reference:
        out.write("Nothing is borrowed: these are the bundled tutorials, or borrowing is off.\n")
        return
    lenders = lenders_of(tutorials, reference)
    if not lenders:
        out.write("No tutorial here borrows: none is about a subject of the bundled ones.\n")
        return
    out.write(
        f"{len(lenders)} of them borrow the alternate questions of a bundled tutorial"
        " on the same subject:\n"
    )
    for borrower in sorted(lenders):
        sources = ", ".join(f"{t.id} ({t.title})" for t in lenders[borrower])
        out.write(f"  {borrower} <- {sources}\n")
