"""Lends a base's tutorials the questions volunteers ask about the same subjects.

A coordinator writes a tutorial with a title, its steps and one or two alternate questions at
best; the bundled base has about twenty per subject, in the words volunteers use. When a
tutorial of another base is about the same subject as a bundled one, it borrows the bundled
tutorial's title and questions as alternate questions of its own, and is then found as well
as the bundled one would be.

Two tutorials are taken to be about the same subject when each finds the other:

- the bundled tutorial is the first that the bundled base offers for the other's title;
- at least :data:`REVERSE_SHARE` of the bundled tutorial's title and questions, asked of the
  other base, rank the other tutorial first (so a near subject, such as sending a heavy file
  when the base also explains attachments, does not borrow the attachment questions);
- their steps use the same words (:data:`SAME_STEPS`), so a near subject that the base has
  and the bundled base lacks (signing a PDF) does not borrow a neighbour's (printing).

Each bundled tutorial lends to one tutorial at most, the one its questions find most often. A
tutorial identical to a bundled one (same id, title and steps: the bundled base itself)
borrows nothing, and no tutorial borrows from a bundled one that the base serves itself.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence

from knowledge.loader import Tutorial
from knowledge.matcher import Matcher, MatchResult

REVERSE_SHARE = 1 / 3
"""Share of a bundled tutorial's phrasings that must find the borrower first."""
SAME_STEPS = 0.2
"""Least similarity between the two tutorials' steps (cosine over their words, rarer words
weighing more). Tutorials on one subject share the names of what to tap and where; on two
neighbouring subjects (signing a PDF and printing one) they share far less."""


def borrowed_questions(
    tutorials: Sequence[Tutorial],
    reference: Sequence[Tutorial],
    *,
    target: Matcher | None = None,
    lender: Matcher | None = None,
) -> dict[str, tuple[str, ...]]:
    """For each tutorial of ``tutorials`` about a subject of ``reference``, its lenders'
    titles and questions that it does not have, by borrower id (see :func:`lenders_of`)."""
    own = {t.id: set(t.questions) for t in tutorials}
    return {
        borrower: tuple(
            dict.fromkeys(
                p for s in sources for p in (s.title, *s.questions) if p not in own[borrower]
            )
        )
        for borrower, sources in lenders_of(
            tutorials, reference, target=target, lender=lender
        ).items()
    }


def lenders_of(
    tutorials: Sequence[Tutorial],
    reference: Sequence[Tutorial],
    *,
    target: Matcher | None = None,
    lender: Matcher | None = None,
) -> dict[str, tuple[Tutorial, ...]]:
    """The reference tutorials each tutorial of ``tutorials`` borrows from, by borrower id:
    the one on its subject, then, for a borrower with no translation in its own base, those
    of that one's translations that lend to no one (so that a question in the other language
    finds it). ``target`` and ``lender`` are matchers already built over ``tutorials`` and
    ``reference``, if the caller has them."""
    served = {_identity(t) for t in tutorials}
    lenders = {t.id: t for t in reference if _identity(t) not in served}
    if not tutorials or not lenders:
        return {}
    lender = lender or Matcher(reference)
    target = target or Matcher(tutorials)
    bundled = {_identity(t) for t in reference}
    writers = [t for t in tutorials if _identity(t) not in bundled]
    pairs = _pairs(writers, lenders, lender, target)
    lent = {source.id for source in pairs.values()}
    found: dict[str, tuple[Tutorial, ...]] = {}
    for borrower, source in pairs.items():
        twins: list[str] = []
        if not target.twins_of(borrower):
            twins = sorted(lender.twins_of(source.id) - lent)
        found[borrower] = (source, *(lenders[twin] for twin in twins if twin in lenders))
    return found


def _pairs(
    tutorials: Sequence[Tutorial],
    lenders: dict[str, Tutorial],
    lender: Matcher,
    target: Matcher,
) -> dict[str, Tutorial]:
    """Borrower id to lending tutorial, for the pairs that find each other."""
    candidates: dict[str, list[Tutorial]] = {}
    for tutorial in tutorials:
        found = _first(lender.match(tutorial.title, tutorial.lang))
        if found is not None and lenders.get(found.id) == found:
            candidates.setdefault(found.id, []).append(tutorial)
    pairs: dict[str, Tutorial] = {}
    for lender_id, borrowers in candidates.items():
        source = lenders[lender_id]
        phrasings = (source.title, *source.questions)
        votes = Counter(
            found.id
            for found in (_first(target.match(p, source.lang)) for p in phrasings)
            if found is not None
        )
        best = max(borrowers, key=lambda t: votes[t.id])
        if (
            votes[best.id] >= REVERSE_SHARE * len(phrasings)
            and _similarity(lender.weighted_words(best.body), lender.weighted_words(source.body))
            >= SAME_STEPS
        ):
            pairs[best.id] = source
    return pairs


def build_matcher(
    tutorials: Sequence[Tutorial],
    reference: Sequence[Tutorial] = (),
    *,
    lender: Matcher | None = None,
) -> Matcher:
    """A matcher over ``tutorials`` that borrows questions from ``reference`` where it can;
    ``lender`` is a matcher already built over ``reference``, if the caller keeps one."""
    target = Matcher(tutorials)
    borrowed = borrowed_questions(tutorials, reference, target=target, lender=lender)
    return Matcher(tutorials, borrowed=borrowed) if borrowed else target


def _identity(tutorial: Tutorial) -> tuple[str, str, str]:
    """What makes two loaded tutorials the same one."""
    return tutorial.id, tutorial.title, tutorial.body


def _similarity(one: dict[str, float], other: dict[str, float]) -> float:
    """Cosine similarity of two weighted sets of words."""
    shared = sum(weight * other[word] for word, weight in one.items() if word in other)
    norms = math.sqrt(sum(w * w for w in one.values()) * sum(w * w for w in other.values()))
    return shared / norms if norms else 0.0


def _first(result: MatchResult) -> Tutorial | None:
    """The tutorial a volunteer would see first: the answer, else the first suggestion."""
    if result.answer is not None:
        return result.answer.tutorial
    return result.suggestions[0].tutorial if result.suggestions else None
