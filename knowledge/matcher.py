"""Finds the tutorial that answers a question, or honestly finds none.

Three signals, all over the concept tokens of :mod:`knowledge.normalise`:

- **BM25** over each tutorial's fields (title, alternate questions and tags weigh more than the
  body), from an inverted index, to retrieve and rank candidates;
- **coverage**: the share of the question's information (IDF-weighted) that the tutorial's
  words account for. Words the knowledge base has never seen count fully against it, which is
  what turns away "la recette des crêpes" and near misses such as "envoyer un colis";
- **fuzzy** similarity (rapidfuzz) between the question and the tutorial's phrasings, for the
  few best candidates only, so the cost does not grow with the size of the base.

The blend decides between a confident answer, "did you mean" suggestions, or nothing.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz

from knowledge.lexicon import NEGATIONS
from knowledge.loader import Tutorial
from knowledge.normalise import Normaliser, detect_language

FIELD_WEIGHTS = {"title": 3.0, "question": 1.5, "tag": 2.0, "body": 0.4}
BODY_ONLY_CREDIT = 0.6
"""A question word found only in a tutorial's body counts for this share of a key-field word."""
NEGATION_WEIGHT = 0.15
BM25_K1 = 1.2
BM25_B = 0.5
RERANK_DEPTH = 12
COMMON_POSTINGS = 1000
COMMON_SHARE = 0.1
"""Words in more tutorials than this do not retrieve candidates on their own."""
TWIN_TITLE_OVERLAP = 0.5
FULL_COVERAGE = 0.99
TWIN_TOKEN_SPREAD = 64
"""Title words shared by more tutorials than this say nothing about twins (keeps it linear)."""


@dataclass(frozen=True, slots=True)
class Thresholds:
    """Blend weights and decision thresholds over the blended score (0 to about 1)."""

    answer: float = 0.74
    margin: float = 0.10
    suggest: float = 0.38
    coverage_weight: float = 0.14
    evidence_weight: float = 0.12
    fuzzy_weight: float = 0.39
    bm25_weight: float = 0.23
    language_bonus: float = 0.07
    evidence_full: float = 7.0
    """Matched information (sum of IDF) at which the evidence signal saturates."""


@dataclass(frozen=True, slots=True)
class Features:
    """What the matcher measured for one candidate tutorial."""

    tutorial: Tutorial
    coverage: float
    evidence: float
    fuzzy: float
    bm25: float
    same_language: bool

    def score(self, weights: Thresholds) -> float:
        """The blended score under ``weights``."""
        return (
            weights.coverage_weight * self.coverage
            + weights.evidence_weight * min(self.evidence / weights.evidence_full, 1.0)
            + weights.fuzzy_weight * self.fuzzy
            + weights.bm25_weight * self.bm25
            + (weights.language_bonus if self.same_language else 0.0)
        )


@dataclass(frozen=True, slots=True)
class Candidate:
    """A tutorial and how well it fits the question."""

    tutorial: Tutorial
    score: float
    coverage: float
    fuzzy: float


@dataclass(frozen=True, slots=True)
class MatchResult:
    """A confident answer, or suggestions, or neither; ``language`` is the question's."""

    answer: Candidate | None
    suggestions: tuple[Candidate, ...]
    language: str

    @property
    def outcome(self) -> str:
        """``answer``, ``suggestions`` or ``none``."""
        if self.answer is not None:
            return "answer"
        return "suggestions" if self.suggestions else "none"


@dataclass(slots=True)
class _Document:
    tutorial: Tutorial
    title_tokens: frozenset[str]
    key_tokens: frozenset[str]
    body_tokens: frozenset[str]
    phrasings: tuple[str, ...]
    length: float


class Matcher:
    """An index over a set of tutorials, built once; :meth:`match` does no I/O."""

    def __init__(
        self,
        tutorials: Sequence[Tutorial],
        *,
        thresholds: Thresholds | None = None,
        normaliser: Normaliser | None = None,
    ) -> None:
        self.thresholds = thresholds or Thresholds()
        self.normaliser = normaliser or Normaliser()
        self.normaliser.learn(
            text for t in tutorials for text in (t.title, *t.questions, *t.tags, t.body)
        )
        self._documents: list[_Document] = []
        self._postings: dict[str, list[tuple[int, float]]] = defaultdict(list)
        for index, tutorial in enumerate(tutorials):
            self._documents.append(self._index(index, tutorial))
        count = max(len(self._documents), 1)
        average = sum(d.length for d in self._documents) / count or 1.0
        self._idf = {
            token: math.log(1 + (count - len(posts) + 0.5) / (len(posts) + 0.5))
            for token, posts in self._postings.items()
        }
        self._unknown_idf = math.log(1 + (count + 0.5) / 0.5)
        # BM25 term weights are fixed per posting: compute them once, not per question.
        for token, posts in self._postings.items():
            idf = self._idf[token]
            self._postings[token] = [
                (
                    index,
                    idf
                    * tf
                    * (BM25_K1 + 1)
                    / (
                        tf
                        + BM25_K1 * (1 - BM25_B + BM25_B * self._documents[index].length / average)
                    ),
                )
                for index, tf in posts
            ]
        self._common = max(COMMON_POSTINGS, int(count * COMMON_SHARE))
        self._twins = self._find_twins()

    def _find_twins(self) -> dict[str, frozenset[str]]:
        """Tutorials on one topic in two languages: their titles share most concepts."""
        by_token: dict[str, list[int]] = defaultdict(list)
        for index, document in enumerate(self._documents):
            for token in document.title_tokens:
                by_token[token].append(index)
        twins: dict[str, set[str]] = defaultdict(set)
        for index, document in enumerate(self._documents):
            mine = document.title_tokens
            overlaps: dict[str, float] = {}
            nearby = {
                i
                for t in mine
                if len(by_token[t]) <= TWIN_TOKEN_SPREAD
                for i in by_token[t]
                if i != index
            }
            for other_index in nearby:
                other = self._documents[other_index]
                if other.tutorial.lang != document.tutorial.lang:
                    union = mine | other.title_tokens
                    overlaps[other.tutorial.id] = len(mine & other.title_tokens) / len(union)
            best = max(overlaps.values(), default=0.0)
            if best >= TWIN_TITLE_OVERLAP:
                closest = {other for other, overlap in overlaps.items() if overlap == best}
                twins[document.tutorial.id].update(closest)
        # Keep a pair only when each side is the other's closest.
        return {
            key: frozenset(other for other in value if key in twins.get(other, ()))
            for key, value in twins.items()
        }

    @property
    def tutorials(self) -> list[Tutorial]:
        """The indexed tutorials."""
        return [d.tutorial for d in self._documents]

    @property
    def phrasing_count(self) -> int:
        """How many phrasings (titles and alternate questions) are indexed."""
        return sum(len(d.phrasings) for d in self._documents)

    def _index(self, index: int, tutorial: Tutorial) -> _Document:
        tokens = self.normaliser.tokens
        weighted: defaultdict[str, float] = defaultdict(float)
        key: set[str] = set()
        phrasings: list[str] = []
        fields: list[tuple[str, str]] = [("title", tutorial.title)]
        fields += [("question", q) for q in tutorial.questions]
        fields += [("tag", tag) for tag in tutorial.tags]
        for field, text in fields:
            field_tokens = tokens(text)
            key.update(field_tokens)
            for token in field_tokens:
                weighted[token] += FIELD_WEIGHTS[field]
            if field != "tag" and field_tokens:
                phrasings.append(" ".join(field_tokens))
        body = tokens(tutorial.body)
        for token in body:
            weighted[token] += FIELD_WEIGHTS["body"]
        for token, weight in weighted.items():
            self._postings[token].append((index, weight))
        return _Document(
            tutorial=tutorial,
            title_tokens=frozenset(tokens(tutorial.title)),
            key_tokens=frozenset(key),
            body_tokens=frozenset(body),
            phrasings=tuple(phrasings),
            length=sum(weighted.values()),
        )

    def _weight(self, token: str) -> float:
        if token in NEGATIONS:
            return NEGATION_WEIGHT
        return self._idf.get(token, self._unknown_idf)

    def match(self, question: str, lang: str = "fr", top: int = 3) -> MatchResult:
        """Answer, suggest, or decline. ``lang`` is the asker's locale; a question plainly
        written in the other language is treated as such."""
        language, features = self.features(question, lang)
        ranked = sorted(
            (
                Candidate(f.tutorial, round(f.score(self.thresholds), 4), f.coverage, f.fuzzy)
                for f in features
            ),
            key=lambda c: c.score,
            reverse=True,
        )
        if not ranked:
            return MatchResult(None, (), language)
        return self._decide(ranked, language, top)

    def features(self, question: str, lang: str = "fr") -> tuple[str, list[Features]]:
        """The question's language and the measurements for its best few candidates."""
        language = detect_language(question, lang)
        query = list(dict.fromkeys(self.normaliser.tokens(question, correct=True)))
        if not query or not self._documents:
            return language, []
        bm25 = self._bm25(query)
        if not bm25:
            return language, []
        shortlist = sorted(bm25, key=bm25.__getitem__, reverse=True)[:RERANK_DEPTH]
        best_bm25 = bm25[shortlist[0]]
        total_weight = sum(self._weight(t) for t in query)
        query_text = " ".join(query)
        measured: list[Features] = []
        for index in shortlist:
            document = self._documents[index]
            found = sum(
                self._weight(t) * (1.0 if t in document.key_tokens else BODY_ONLY_CREDIT)
                for t in query
                if t in document.key_tokens or t in document.body_tokens
            )
            fuzzy = max(
                (fuzz.token_sort_ratio(query_text, p) for p in document.phrasings), default=0.0
            )
            measured.append(
                Features(
                    tutorial=document.tutorial,
                    coverage=found / total_weight,
                    evidence=found,
                    fuzzy=fuzzy / 100,
                    bm25=bm25[index] / best_bm25,
                    same_language=document.tutorial.lang == language,
                )
            )
        return language, measured

    def _bm25(self, query: Sequence[str]) -> dict[int, float]:
        known = [t for t in query if t in self._postings and t not in NEGATIONS]
        rare = [t for t in known if len(self._postings[t]) <= self._common]
        scores: dict[int, float] = defaultdict(float)
        for token in rare or known:
            for index, weight in self._postings[token]:
                scores[index] += weight
        if rare:
            # Very common words only re-score the candidates the rarer words found.
            for token in known:
                if token not in rare:
                    for index, weight in self._postings[token]:
                        if index in scores:
                            scores[index] += weight
        return scores

    def _decide(self, ranked: list[Candidate], language: str, top: int) -> MatchResult:
        limits = self.thresholds
        best = ranked[0]
        # The same topic in the other language is not a rival, nor worth suggesting.
        echoes = self._twins.get(best.tutorial.id, frozenset())
        rivals = [c for c in ranked[1:] if c.tutorial.id not in echoes]
        runner_up = rivals[0].score if rivals else 0.0
        confident = best.score >= limits.answer and best.score - runner_up >= limits.margin
        if rivals and best.coverage >= FULL_COVERAGE and rivals[0].coverage >= FULL_COVERAGE:
            # Every word of the question fits two tutorials: only wording differs, so ask.
            confident = False
        preferred = [c for c in ranked if c.tutorial.lang == language]
        others = [c for c in ranked if c.tutorial.lang != language]
        ordered: list[Candidate] = []
        shown: set[str] = set()
        for candidate in (*preferred, *others):
            if candidate.score < limits.suggest or candidate.tutorial.id in shown:
                continue
            ordered.append(candidate)
            shown.add(candidate.tutorial.id)
            shown.update(self._twins.get(candidate.tutorial.id, ()))
        if confident:
            rest = [c for c in ordered if c.tutorial.id != best.tutorial.id]
            rest = [c for c in rest if c.tutorial.id not in echoes]
            return MatchResult(best, tuple(rest[:top]), language)
        return MatchResult(None, tuple(ordered[:top]), language)
