"""The knowledge base as the bot uses it: loaded once, reloadable without a restart."""

from __future__ import annotations

import asyncio
import copy
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from knowledge.borrowing import build_matcher
from knowledge.loader import LoadResult, Problem, Tutorial, load_directory
from knowledge.matcher import Matcher, MatchResult

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ReloadReport:
    """What a (re)load found."""

    tutorials: int
    problems: tuple[Problem, ...]
    borrowers: int = 0
    """How many tutorials borrowed questions from the bundled base."""


def load_reference(directory: Path, reference_dir: Path | None) -> tuple[Tutorial, ...]:
    """The tutorials of ``reference_dir``, to lend their questions to those of ``directory``;
    none when there is no reference or it is the served directory itself."""
    if reference_dir is None or reference_dir.resolve() == directory.resolve():
        return ()
    return load_directory(reference_dir).tutorials


class KnowledgeBase:
    """Holds the current matcher; a reload builds a new one aside and swaps it in whole.

    ``reference`` is the bundled base when another directory is served: its tutorials lend
    their questions to the served ones on the same subjects (:mod:`knowledge.borrowing`)."""

    def __init__(self, directory: Path, reference: Sequence[Tutorial] = ()) -> None:
        self.directory = directory
        self._reference = tuple(reference)
        self._lender = Matcher(self._reference) if self._reference else None
        self._matcher = Matcher(())
        self._by_id: dict[str, Tutorial] = {}

    @classmethod
    def load(
        cls, directory: Path, reference_dir: Path | None = None
    ) -> tuple[KnowledgeBase, ReloadReport]:
        """Build the index synchronously (at start-up), borrowing from the tutorials of
        ``reference_dir`` unless it is the served directory itself."""
        base = cls(directory, load_reference(directory, reference_dir))
        loaded = load_directory(directory)
        return base, base._swap(loaded, base._build(loaded))

    async def reload(self) -> ReloadReport:
        """Re-read the directory in a worker thread, then switch to the new index at once."""
        loaded = await asyncio.to_thread(load_directory, self.directory)
        matcher = await asyncio.to_thread(self._build, loaded)
        return self._swap(loaded, matcher)

    def _build(self, loaded: LoadResult) -> Matcher:
        return build_matcher(loaded.tutorials, self._reference, lender=self._lender)

    def _swap(self, loaded: LoadResult, matcher: Matcher) -> ReloadReport:
        for problem in loaded.problems:
            log.warning("skipped tutorial %s", problem)
        self._matcher = matcher
        self._by_id = {t.id: t for t in loaded.tutorials}
        borrowers = len(matcher.borrowed)
        log.info(
            "knowledge base: %d tutorials from %s, %d borrowing questions from the bundled base",
            len(loaded.tutorials),
            self.directory,
            borrowers,
        )
        return ReloadReport(len(loaded.tutorials), loaded.problems, borrowers)

    def copy(self) -> KnowledgeBase:
        """Another knowledge base serving the same index (built once, never changed): a
        reload of either swaps in its own new index and leaves the other as it was."""
        return copy.copy(self)

    def match(self, question: str, lang: str) -> MatchResult:
        """Answer, suggestions or nothing for one question (pure CPU, no I/O)."""
        return self._matcher.match(question, lang)

    def get(self, tutorial_id: str) -> Tutorial | None:
        """A tutorial by id."""
        return self._by_id.get(tutorial_id)

    @property
    def size(self) -> int:
        """How many tutorials are served."""
        return len(self._by_id)
