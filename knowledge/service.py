"""The knowledge base as the bot uses it: loaded once, reloadable without a restart."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from pathlib import Path

from knowledge.loader import LoadResult, Problem, Tutorial, load_directory
from knowledge.matcher import Matcher, MatchResult

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ReloadReport:
    """What a (re)load found."""

    tutorials: int
    problems: tuple[Problem, ...]


class KnowledgeBase:
    """Holds the current matcher; a reload builds a new one aside and swaps it in whole."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._matcher = Matcher(())
        self._by_id: dict[str, Tutorial] = {}

    @classmethod
    def load(cls, directory: Path) -> tuple[KnowledgeBase, ReloadReport]:
        """Build the index synchronously (at start-up)."""
        base = cls(directory)
        loaded = load_directory(directory)
        return base, base._swap(loaded, Matcher(loaded.tutorials))

    async def reload(self) -> ReloadReport:
        """Re-read the directory in a worker thread, then switch to the new index at once."""
        loaded = await asyncio.to_thread(load_directory, self.directory)
        matcher = await asyncio.to_thread(Matcher, loaded.tutorials)
        return self._swap(loaded, matcher)

    def _swap(self, loaded: LoadResult, matcher: Matcher) -> ReloadReport:
        for problem in loaded.problems:
            log.warning("skipped tutorial %s", problem)
        self._matcher = matcher
        self._by_id = {t.id: t for t in loaded.tutorials}
        log.info("knowledge base: %d tutorials from %s", len(loaded.tutorials), self.directory)
        return ReloadReport(len(loaded.tutorials), loaded.problems)

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
