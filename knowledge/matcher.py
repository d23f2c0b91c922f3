"""Finds the tutorial that answers a question, or honestly finds none.

Retrieval is **BM25** over each tutorial's fields (title, alternate questions and tags weigh
more than the body), from an inverted index built once. The best few candidates are then
measured (:data:`FEATURES`): how much of the question a tutorial accounts for (*coverage*, where
words the knowledge base has never seen count fully against it: that is what turns away "la
recette des crêpes"), how much of one of the tutorial's own phrasings the question contains,
**rapidfuzz** similarity between the question and each phrasing (``token_sort_ratio`` and
``token_set_ratio`` over normalised tokens), relative BM25 and the asker's language.

A linear model over those measurements ranks the candidates; a logistic model over the best
candidate's score, its lead over the next different tutorial and its coverage gives the
probability that it is right. Both are fitted by ``bench/fit_matcher.py`` on the development
questions and checked on the held-out ones; the decision is a confident answer, "did you mean"
suggestions, or nothing.
"""

from __future__ import annotations

import math
import operator
import re
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace

from rapidfuzz import fuzz, process

from knowledge.lexicon import NEGATIONS, STORY_WORDS
from knowledge.loader import Tutorial
from knowledge.normalise import Normaliser, detect_language

FIELD_WEIGHTS = {"title": 3.0, "question": 1.5, "borrowed": 1.5, "tag": 2.0, "body": 0.4}
BODY_ONLY_CREDIT = 0.6
"""A question word found only in a tutorial's body counts for this share of a key-field word."""
NEGATION_WEIGHT = 0.15
STORY_WEIGHT = 0.5
"""Share of its weight a word of the story around a question keeps (``STORY_WORDS``: who
asked, for which event, when), in retrieval and in every measurement."""
BM25_K1 = 1.2
BM25_B = 0.5
RERANK_DEPTH = 15
COMMON_POSTINGS = 1000
COMMON_SHARE = 0.1
"""Words in more tutorials than this do not retrieve candidates on their own."""
TWIN_TITLE_OVERLAP = 0.5
FULL_COVERAGE = 0.99
CLOSE_SCORE = 3.0
"""Rank-score gap under which two fully covered tutorials are too close to choose between."""
TWIN_TOKEN_SPREAD = 64
"""Title words shared by more tutorials than this say nothing about twins (keeps it linear)."""
LANGUAGE_SUFFIX = re.compile(r"[-_.](fr|en)$")
"""How translations of one tutorial are often named."""
EVIDENCE_FULL = 7.0
"""Matched information (sum of IDF) at which the evidence signal saturates."""
FEW_PHRASINGS = 6
"""A tutorial with fewer alternate questions than this says little about how people ask for
it. Its steps are compared with the question as well, like phrasings (a base written by
someone else rarely has more than a few questions per tutorial, and its steps say what the
tutorial is about); and the confidence model, fitted on richer tutorials, trusts it too much,
so its answer threshold is raised, from the model's for ``FEW_PHRASINGS`` questions to nearly
1 for none."""
STEP_MIN_WORDS = 3
"""A step is compared with the question only if it has this many words that carry meaning."""

FEATURES = (
    "bm25_share",
    "bm25_log",
    "coverage",
    "key_coverage",
    "phrasing_coverage",
    "fuzzy_sort",
    "fuzzy_set",
    "same_language",
    "title_coverage",
    "evidence",
    "body_coverage",
    "phrasing_recall",
    "phrasing_count",
)
"""What is measured for each candidate, in the order of :attr:`Model.rank_weights`.

The fuzzy and phrasing measurements are the best over a tutorial's phrasings, and the best of
twenty is higher than the best of three for any question: ``phrasing_count`` (the logarithm of
how many alternate questions the tutorial has) lets the fitted weights take that back, so that a
tutorial written with few phrasings is not outranked by a well-phrased one on chance alone."""

CONFIDENCE_FEATURES = (
    "bias",
    "score",
    "lead",
    "share",
    "coverage",
    "key_coverage",
    "phrasing_coverage",
    "fuzzy_sort",
    "fuzzy_set",
    "unknown",
    "phrasing_count",
)
"""What the confidence model reads, in the order of :attr:`Model.confidence_weights`."""

_COVERAGE = FEATURES.index("coverage")
_KEY_COVERAGE = FEATURES.index("key_coverage")
_PHRASING_COVERAGE = FEATURES.index("phrasing_coverage")
_FUZZY_SORT = FEATURES.index("fuzzy_sort")
_FUZZY_SET = FEATURES.index("fuzzy_set")
_PHRASING_COUNT = FEATURES.index("phrasing_count")


@dataclass(frozen=True, slots=True)
class Model:
    """Fitted weights and decision thresholds (see ``bench/fit_matcher.py``)."""

    rank_weights: tuple[float, ...]
    confidence_weights: tuple[float, ...]
    answer: float
    """A candidate is answered when its probability of being right reaches this."""
    suggest: float
    """A candidate is suggested when its probability reaches this..."""
    relevant: float
    """...and only if the best candidate's probability reaches this: below it, the question is
    about something the base does not cover, and the bot says so rather than offer buttons."""


DEFAULT_MODEL = Model(
    rank_weights=(
        2.0,
        2.281,
        0.178,
        1.044,
        1.414,
        4.226,
        3.016,
        3.697,
        2.445,
        0.386,
        0.842,
        0.261,
        -1.306,
    ),
    confidence_weights=(
        -10.571,
        0.459,
        -1.062,
        3.44,
        0.609,
        0.271,
        -0.138,
        1.642,
        1.645,
        -1.063,
        -0.138,
    ),
    answer=0.93,
    suggest=0.02,
    relevant=0.105,
)


@dataclass(frozen=True, slots=True)
class Measures:
    """What the matcher measured for one candidate tutorial (see :data:`FEATURES`)."""

    tutorial: Tutorial
    values: tuple[float, ...]
    unknown: float
    """Share of the question's information in words the knowledge base has never seen."""
    exact: bool = False
    """The question's words are those of the tutorial's title or of one of its alternate
    questions, in any order (a step does not count)."""

    def rank_score(self, model: Model) -> float:
        """The candidate's ranking score under ``model``."""
        score: float = sum(map(operator.mul, model.rank_weights, self.values))
        return score

    def value(self, name: str) -> float:
        """One measurement by its name in :data:`FEATURES`."""
        return self.values[FEATURES.index(name)]


@dataclass(frozen=True, slots=True)
class Candidate:
    """A tutorial, its ranking score and the probability that it answers the question."""

    tutorial: Tutorial
    score: float
    confidence: float
    coverage: float
    """Share of the question's information this tutorial accounts for."""
    exact: bool = False
    """The question is one of the tutorial's phrasings, word for word (any order)."""


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
    """Each phrasing's words in alphabetical order: ``token_sort_ratio`` is then a plain ratio,
    and ``token_set_ratio`` does not depend on the order."""
    phrasing_tokens: tuple[tuple[str, ...], ...]
    length: float
    own_phrasings: frozenset[str] = frozenset()
    """The title's and the alternate questions' words, sorted (the phrasings less the steps)."""
    phrasing_totals: tuple[float, ...] = ()
    """Each phrasing's information (sum of its words' weights), once the weights are known."""
    title_total: float = 0.0
    phrasing_count: float = 0.0
    """``log(1 + n)`` for a tutorial with ``n`` alternate questions."""
    phrasing_sizes: tuple[int, ...] = ()
    """How many words each phrasing has."""
    phrasings_with: dict[str, tuple[int, ...]] = field(default_factory=dict)
    """For each word of the phrasings, which phrasings (by position) contain it."""


def confidence_inputs(
    score: float, rival: float, share: float, measures: Measures
) -> tuple[float, ...]:
    """The confidence model's inputs (see :data:`CONFIDENCE_FEATURES`). ``rival`` is the score
    of the best different tutorial (0 when there is none), so the lead is relative, at most 1;
    ``share`` is the candidate's softmax share of the shortlist, its translation included."""
    lead = (score - rival) / score if score > 0 else 0.0
    values = measures.values
    return (
        1.0,
        score,
        max(lead, -1.0),
        share,
        values[_COVERAGE],
        values[_KEY_COVERAGE],
        values[_PHRASING_COVERAGE],
        values[_FUZZY_SORT],
        values[_FUZZY_SET],
        measures.unknown,
        values[_PHRASING_COUNT],
    )


def _closest(query: str, phrasings: Sequence[str], scorer: Callable[..., float]) -> float:
    """The best similarity (0-1) between the question and any of the phrasings."""
    found = process.extractOne(query, phrasings, scorer=scorer, processor=None)
    return found[1] / 100 if found else 0.0


def _sigmoid(value: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(min(value, 40.0), -40.0)))


class Matcher:
    """An index over a set of tutorials, built once; :meth:`match` does no I/O.

    ``borrowed`` gives, by tutorial id, alternate questions lent by another base (see
    :mod:`knowledge.borrowing`): they count as the tutorial's own in every measurement, but a
    question identical to one of them is not a word-for-word match."""

    def __init__(
        self,
        tutorials: Sequence[Tutorial],
        *,
        model: Model | None = None,
        normaliser: Normaliser | None = None,
        borrowed: Mapping[str, Sequence[str]] | None = None,
    ) -> None:
        self.model = model or DEFAULT_MODEL
        self._borrowed = borrowed or {}
        self.normaliser = normaliser or Normaliser()
        self._story = frozenset(t for words in STORY_WORDS for t in self.normaliser.tokens(words))
        self.normaliser.learn(
            text
            for t in tutorials
            for text in (t.title, *t.questions, *t.tags, t.body, *self._borrowed.get(t.id, ()))
        )
        self._documents: list[_Document] = []
        self._postings: dict[str, list[tuple[int, float]]] = defaultdict(list)
        # One tuple for each list of phrasing positions, shared by every tutorial that has it
        # (most are a few small numbers): it keeps a large base's index small.
        shared: dict[tuple[int, ...], tuple[int, ...]] = {}
        for index, tutorial in enumerate(tutorials):
            self._documents.append(self._index(index, tutorial, shared))
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
        for document in self._documents:
            document.phrasing_totals = tuple(
                sum(map(self._weight, p)) for p in document.phrasing_tokens
            )
            document.title_total = sum(map(self._weight, document.title_tokens))
        self._common = max(COMMON_POSTINGS, int(count * COMMON_SHARE))
        self._twins = self._find_twins()
        self._language_of = {d.tutorial.id: d.tutorial.lang for d in self._documents}

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
        mutual = {
            key: {other for other in value if key in twins.get(other, ())}
            for key, value in twins.items()
        }
        for key, value in self._twins_by_id().items():
            mutual.setdefault(key, set()).update(value)
        return {key: frozenset(value) for key, value in mutual.items() if value}

    def _twins_by_id(self) -> dict[str, set[str]]:
        """Translations named after each other: ``topic`` and ``topic-en`` (or ``topic_fr``)."""
        by_stem: dict[str, list[Tutorial]] = defaultdict(list)
        for document in self._documents:
            tutorial = document.tutorial
            by_stem[LANGUAGE_SUFFIX.sub("", tutorial.id)].append(tutorial)
        twins: dict[str, set[str]] = defaultdict(set)
        for group in by_stem.values():
            for one in group:
                for other in group:
                    if one.lang != other.lang:
                        twins[one.id].add(other.id)
        return twins

    @property
    def tutorials(self) -> list[Tutorial]:
        """The indexed tutorials."""
        return [d.tutorial for d in self._documents]

    @property
    def borrowed(self) -> Mapping[str, Sequence[str]]:
        """The alternate questions lent to the tutorials, by tutorial id."""
        return self._borrowed

    @property
    def phrasing_count(self) -> int:
        """How many phrasings (titles and alternate questions) are indexed."""
        return sum(len(d.phrasings) for d in self._documents)

    def twins_of(self, tutorial_id: str) -> frozenset[str]:
        """The same tutorial in the other language, if the base has it."""
        return self._twins.get(tutorial_id, frozenset())

    def _index(
        self, index: int, tutorial: Tutorial, shared: dict[tuple[int, ...], tuple[int, ...]]
    ) -> _Document:
        tokens = self.normaliser.tokens
        weighted: defaultdict[str, float] = defaultdict(float)
        key: set[str] = set()
        phrasings: list[tuple[str, ...]] = []
        own = 0
        fields: list[tuple[str, str]] = [("title", tutorial.title)]
        fields += [("question", q) for q in tutorial.questions]
        fields += [("tag", tag) for tag in tutorial.tags]
        fields += [("borrowed", q) for q in self._borrowed.get(tutorial.id, ())]
        for kind, text in fields:
            field_tokens = tokens(text)
            key.update(field_tokens)
            for token in field_tokens:
                weighted[token] += FIELD_WEIGHTS[kind]
            if kind != "tag" and field_tokens:
                phrasings.append(tuple(dict.fromkeys(field_tokens)))
                own += kind != "borrowed"
        if self._asked(tutorial) < FEW_PHRASINGS:
            for line in tutorial.body.splitlines():
                step = tuple(dict.fromkeys(tokens(line)))
                if len(step) >= STEP_MIN_WORDS:
                    phrasings.append(step)
        phrasings_with: defaultdict[str, list[int]] = defaultdict(list)
        for position, phrasing in enumerate(phrasings):
            for token in phrasing:
                phrasings_with[token].append(position)
        positions: dict[str, tuple[int, ...]] = {}
        for token, found in phrasings_with.items():
            held = tuple(found)
            positions[token] = shared.setdefault(held, held)
        body = tokens(tutorial.body)
        for token in body:
            weighted[token] += FIELD_WEIGHTS["body"]
        for token, weight in weighted.items():
            self._postings[token].append((index, weight))
        sorted_phrasings = tuple(" ".join(sorted(p)) for p in phrasings)
        return _Document(
            tutorial=tutorial,
            title_tokens=frozenset(tokens(tutorial.title)),
            key_tokens=frozenset(key),
            body_tokens=frozenset(body),
            phrasings=sorted_phrasings,
            phrasing_tokens=tuple(phrasings),
            length=sum(weighted.values()),
            own_phrasings=frozenset(sorted_phrasings[:own]),
            phrasing_count=math.log1p(self._asked(tutorial)),
            phrasing_sizes=tuple(map(len, phrasings)),
            phrasings_with=positions,
        )

    def weighted_words(self, text: str) -> dict[str, float]:
        """Each word of ``text``, normalised, with its weight in this base (rarer weighs more)."""
        return {token: self._weight(token) for token in self.normaliser.tokens(text)}

    def _asked(self, tutorial: Tutorial) -> int:
        """How many alternate questions a tutorial has, its borrowed ones included."""
        return len(tutorial.questions) + len(self._borrowed.get(tutorial.id, ()))

    def _weight(self, token: str) -> float:
        if token in NEGATIONS:
            return NEGATION_WEIGHT
        return self._share(token) * self._idf.get(token, self._unknown_idf)

    def _share(self, token: str) -> float:
        """The share of its weight a word keeps: half for a word of the story around a
        question (see :data:`STORY_WEIGHT`), all of it otherwise."""
        return STORY_WEIGHT if token in self._story else 1.0

    def match(self, question: str, lang: str = "fr", top: int = 3) -> MatchResult:
        """Answer, suggest, or decline. ``lang`` is the asker's locale; a question plainly
        written in the other language is treated as such."""
        language, measured = self.measure(question, lang)
        return self.decide(language, measured, top)

    def decide(self, language: str, measured: Sequence[Measures], top: int = 3) -> MatchResult:
        """Rank measured candidates and choose between answer, suggestions and nothing."""
        if not measured:
            return MatchResult(None, (), language)
        return self._decide(self.rank(measured), language, top)

    def rank(self, measured: Sequence[Measures]) -> list[Candidate]:
        """Candidates best first, each with its probability of being the right tutorial."""
        weights = self.model.confidence_weights
        return [
            Candidate(
                measures.tutorial,
                round(score, 4),
                round(_sigmoid(sum(map(operator.mul, weights, inputs))), 4),
                measures.values[_COVERAGE],
                measures.exact,
            )
            for score, inputs, measures in self.scored(measured)
        ]

    def scored(
        self, measured: Sequence[Measures]
    ) -> list[tuple[float, tuple[float, ...], Measures]]:
        """Each candidate's ranking score and confidence inputs, best first."""
        scored = sorted(
            ((m.rank_score(self.model), m) for m in measured),
            key=lambda pair: pair[0],
            reverse=True,
        )
        if not scored:
            return []
        top = scored[0][0]
        mass = {m.tutorial.id: math.exp(score - top) for score, m in scored}
        total = sum(mass.values())
        result = []
        for position, (score, measures) in enumerate(scored):
            echoes = self.twins_of(measures.tutorial.id)
            rival = next(
                (
                    other
                    for index, (other, m) in enumerate(scored)
                    if index != position and m.tutorial.id not in echoes
                ),
                0.0,
            )
            share = (mass[measures.tutorial.id] + sum(mass.get(e, 0.0) for e in echoes)) / total
            result.append((score, confidence_inputs(score, rival, share, measures), measures))
        return result

    def measure(self, question: str, lang: str = "fr") -> tuple[str, list[Measures]]:
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
        weights = {t: self._weight(t) for t in query}
        total = sum(weights.values())
        unknown = sum(w for t, w in weights.items() if t not in self._postings) / total
        sorted_query = " ".join(sorted(query))
        asked = frozenset(weights)
        measured: list[Measures] = []
        for index in shortlist:
            document = self._documents[index]
            key = body_only = body = 0.0
            key_tokens, body_tokens = document.key_tokens, document.body_tokens
            for token, weight in weights.items():
                if token in body_tokens:
                    body += weight
                    if token not in key_tokens:
                        body_only += weight
                if token in key_tokens:
                    key += weight
            found = key + BODY_ONLY_CREDIT * body_only
            phrasing_found, phrasing_share, contained = self._phrasing_overlap(
                document, weights, len(asked)
            )
            title_found = sum(weights[t] for t in document.title_tokens & asked)
            values = (
                bm25[index] / best_bm25,
                math.log1p(bm25[index]),
                found / total,
                key / total,
                phrasing_share,
                _closest(sorted_query, document.phrasings, fuzz.ratio),
                # token_set_ratio is 100 when one phrasing's words contain the other's
                1.0
                if contained
                else _closest(sorted_query, document.phrasings, fuzz.token_set_ratio),
                self._in_language(document.tutorial, language),
                title_found / document.title_total if document.title_total else 0.0,
                min(found / EVIDENCE_FULL, 1.0),
                body / total,
                phrasing_found / total,
                document.phrasing_count,
            )
            exact = sorted_query in document.own_phrasings
            measured.append(Measures(document.tutorial, values, unknown, exact))
        return language, measured

    @staticmethod
    def _phrasing_overlap(
        document: _Document, weights: dict[str, float], asked: int
    ) -> tuple[float, float, bool]:
        """The most question information one phrasing holds, the largest share of a
        phrasing's information that the question holds, and whether one phrasing's words and
        the question's words are one a subset of the other (sharing at least one)."""
        count = len(document.phrasing_tokens)
        matched = [0.0] * count
        shared = [0] * count
        index = document.phrasings_with
        for token, weight in weights.items():
            for position in index.get(token, ()):
                matched[position] += weight
                shared[position] += 1
        contained = asked in shared or any(map(operator.eq, shared, document.phrasing_sizes))
        return (
            max(matched, default=0.0),
            max(map(operator.truediv, matched, document.phrasing_totals), default=0.0),
            contained,
        )

    def _in_language(self, tutorial: Tutorial, language: str) -> float:
        """1 when the tutorial is the asker's best version of its topic: written in the
        asker's language, or the only one there is (no translation in that language)."""
        if tutorial.lang == language:
            return 1.0
        twins = self.twins_of(tutorial.id)
        return 0.0 if any(self._language_of[t] == language for t in twins) else 1.0

    def _bm25(self, query: Sequence[str]) -> dict[int, float]:
        known = [t for t in query if t in self._postings and t not in NEGATIONS]
        rare = [t for t in known if len(self._postings[t]) <= self._common]
        scores: dict[int, float] = defaultdict(float)
        for token in rare or known:
            share = self._share(token)
            for index, weight in self._postings[token]:
                scores[index] += share * weight
        if rare:
            # Very common words only re-score the candidates the rarer words found.
            for token in known:
                if token not in rare:
                    share = self._share(token)
                    for index, weight in self._postings[token]:
                        if index in scores:
                            scores[index] += share * weight
        return scores

    def _decide(self, ranked: list[Candidate], language: str, top: int) -> MatchResult:
        model = self.model
        best = ranked[0]
        echoes = self.twins_of(best.tutorial.id)
        rivals = [c for c in ranked[1:] if c.tutorial.id not in echoes]
        confident = best.confidence >= self.answer_threshold(best.tutorial)
        if (
            rivals
            and best.coverage >= FULL_COVERAGE
            and rivals[0].coverage >= FULL_COVERAGE
            and rivals[0].score > best.score - CLOSE_SCORE
        ):
            # Every word of the question fits two close tutorials: only wording differs, so ask.
            confident = False
        if best.exact and not (rivals and rivals[0].coverage >= FULL_COVERAGE):
            # The question is one of this tutorial's own phrasings and no other fits it whole.
            confident = True
        # A topic is ranked by its best version and shown once, in the asker's language when
        # the shortlist has it.
        by_id = {c.tutorial.id: c for c in ranked}
        ordered: list[Candidate] = []
        shown: set[str] = set()
        for candidate in ranked if best.confidence >= model.relevant else ():
            if candidate.confidence < model.suggest or candidate.tutorial.id in shown:
                continue
            ordered.append(self._in_asker_language(candidate, by_id, language))
            shown.add(candidate.tutorial.id)
            shown.update(self.twins_of(candidate.tutorial.id))
        if confident:
            topic = {best.tutorial.id} | echoes
            rest = [c for c in ordered if c.tutorial.id not in topic]
            answer = self._in_asker_language(best, by_id, language)
            return MatchResult(answer, tuple(rest[:top]), language)
        return MatchResult(None, tuple(ordered[:top]), language)

    def answer_threshold(self, tutorial: Tutorial) -> float:
        """The probability at which this tutorial is answered outright: the model's, or
        closer to 1 for a tutorial written with few alternate questions (a question that is
        one of its phrasings word for word is answered all the same)."""
        asked = self._asked(tutorial)
        if asked >= FEW_PHRASINGS:
            return self.model.answer
        return 1.0 - (1.0 - self.model.answer) * (asked + 1) / (FEW_PHRASINGS + 1)

    def _in_asker_language(
        self, candidate: Candidate, by_id: dict[str, Candidate], language: str
    ) -> Candidate:
        """The candidate's translation in the asker's language when the shortlist has it,
        carrying the topic's score and probability; otherwise the candidate itself."""
        if candidate.tutorial.lang == language:
            return candidate
        for twin in sorted(self.twins_of(candidate.tutorial.id)):
            other = by_id.get(twin)
            if other is not None and other.tutorial.lang == language:
                return replace(other, score=candidate.score, confidence=candidate.confidence)
        return candidate
