"""Fit the matcher's ranking and confidence weights on the study questions.

    python bench/fit_matcher.py                # fit on dev and fresh-a, check on held-out
    python bench/fit_matcher.py --kb DIR --set FILE.csv

The study questions are the development set and ``fresh-a``, the half of the blind set that may
be studied (written without sight of the matcher, some about tutorials of their own: fitting on
them teaches the weights what unseen wording and unseen tutorials look like). Both are asked of
the base as it is and of a *mixed* base where every other tutorial keeps only three alternate
questions (:func:`mixed`; ``--no-mixed`` leaves it out): the bundled tutorials have about twenty
each, and without it the weights never see tutorials with few and many phrasings side by side.

1. **Ranking**: a linear score over the candidate measurements (``knowledge.matcher.FEATURES``),
   fitted as a softmax over each question's shortlist so that the expected tutorial comes
   first (L2-regularised gradient descent).
2. **Confidence**: a logistic model over the best candidate's score, its lead over the next
   different tutorial, its coverage and fuzzy similarity and the question's unknown words,
   fitted on whether that best candidate is right (off-topic questions included: never).
3. **Thresholds**: the lowest answer probability that keeps wrong answers and off-topic answers
   under the safety bounds on the development set, ``fresh-a`` and ``blind2-a`` (the studied
   half of the second blind set, whose eight unseen tutorials have three questions each) and
   on the first two asked of the mixed base;
   then the highest "relevant" gate (below it the best candidate is not worth a button: the
   question is off-topic) and the highest suggestion floor that keep recall@3 on each of those
   sets at its best.

``--keep-ranking`` keeps the current ranking weights (when the five-fold cross-validation it
prints first says refitting them does not rank better) and refits the rest; ``--fit-only
FEATURE...`` fits only those ranking weights (a new measurement's) and keeps the others. It prints a
``Model(...)`` to paste into ``knowledge/matcher.py`` and the metrics it gives on the
development, held-out, ``fresh-a`` and ``blind2-a`` sets. The held-out set is only measured,
never fitted; ``fresh-b`` and ``blind2-b`` are left for ``bench/kb_quality.py``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from kb_quality import (
    DEFAULT_KB,
    SETS,
    Report,
    Row,
    load_tutorials,
    read_rows,
    score,
    tutorials_for,
)
from kb_quality import mixed as mixed_base

from knowledge.loader import Tutorial
from knowledge.matcher import (
    DEFAULT_MODEL,
    FEATURES,
    Matcher,
    Measures,
    Model,
)

MAX_WRONG = 0.015
"""Safety bounds used when choosing the answer threshold (kept under 0.02, with room)."""
MAX_OFF_TOPIC_ANSWERED = 0.015
RECALL_SLACK = 0.0
"""Recall@3 the "relevant" gate and the suggestion floor may cost on each study set: none. A
gate allowed to cost one question in a hundred on the study sets cost two to three on the
questions written blind, each a volunteer told "I don't know" when the right tutorial was the
best candidate; the price of none is that more off-topic questions are offered buttons (with
"none of these" and a person), which is not a wrong answer."""

Measured = list[tuple[Row, str, list[Measures]]]

MIXED_THIN = 3
"""Alternate questions kept by every other tutorial of the mixed base (see :func:`mixed`)."""

CALIBRATION = ("fresh-a", "blind2-a")
"""The studied halves of the blind sets: the first is fitted on with the development set, and
the thresholds must hold on both (the second's unseen tutorials have three questions each)."""


def mixed(tutorials: list[Tutorial]) -> list[Tutorial]:
    """The base with every other tutorial (in id order) cut to :data:`MIXED_THIN` alternate
    questions: a base where some tutorials were written in haste. Fitting on it too shows the
    weights tutorials with few and many phrasings side by side, which the bundled base alone
    (twenty each) does not."""
    return mixed_base(tutorials, MIXED_THIN)


def measure(matcher: Matcher, rows: list[Row]) -> Measured:
    return [(row, *matcher.measure(row.question, row.lang)) for row in rows]


def fit_ranking(
    data: Measured,
    l2: float = 1e-3,
    steps: int = 1500,
    rate: float = 0.5,
    free: np.ndarray | None = None,
) -> np.ndarray:
    """Softmax ranking weights. With ``free`` (one flag per feature), only the flagged weights
    are fitted and the others keep their value in :data:`DEFAULT_MODEL`."""
    groups = []
    for row, _, measured in data:
        ids = [m.tutorial.id for m in measured]
        if row.expected and row.expected in ids:
            x = np.array([m.values for m in measured])
            groups.append((x, ids.index(row.expected)))
    weights = np.zeros(groups[0][0].shape[1])
    if free is not None:
        weights = np.where(free, 0.0, np.array(DEFAULT_MODEL.rank_weights))
    for _ in range(steps):
        gradient = np.zeros_like(weights)
        for x, right in groups:
            z = x @ weights
            p = np.exp(z - z.max())
            p /= p.sum()
            p[right] -= 1.0
            gradient += x.T @ p
        step = gradient / len(groups) + l2 * weights
        weights -= rate * (step if free is None else np.where(free, step, 0.0))
    return weights


def confidence_table(matcher: Matcher, data: Measured) -> tuple[np.ndarray, np.ndarray]:
    rows, labels = [], []
    for row, _, measured in data:
        scored = matcher.scored(measured)
        if scored:
            _, inputs, best = scored[0]
            rows.append(inputs)
            labels.append(best.tutorial.id == row.expected)
    return np.array(rows), np.array(labels, dtype=float)


def fit_logistic(x: np.ndarray, y: np.ndarray, l2: float = 1e-2, steps: int = 4000) -> np.ndarray:
    """Logistic regression on standardised inputs (column 0 is the bias), mapped back."""
    mean, spread = x[:, 1:].mean(axis=0), x[:, 1:].std(axis=0) + 1e-9
    z = np.hstack([np.ones((len(x), 1)), (x[:, 1:] - mean) / spread])
    weights = np.zeros(z.shape[1])
    for _ in range(steps):
        p = 1 / (1 + np.exp(-(z @ weights)))
        weights -= 0.5 * (z.T @ (p - y) / len(y) + l2 * np.r_[0.0, weights[1:]])
    scaled = weights[1:] / spread
    mapped: np.ndarray = np.r_[weights[0] - float(scaled @ mean), scaled]
    return mapped


def evaluate(matcher: Matcher, data: Measured) -> Report:
    rows = [row for row, _, _ in data]
    return score(rows, [matcher.decide(language, measured) for _, language, measured in data])


def safe(matcher: Matcher, data: Measured) -> bool:
    """Whether the matcher's answers keep within the safety bounds on these questions."""
    report = evaluate(matcher, data)
    return report.wrong_answers <= MAX_WRONG and report.off_topic_answered <= MAX_OFF_TOPIC_ANSWERED


def choose_thresholds(
    matcher: Matcher,
    data: Measured,
    calibration: list[tuple[Matcher, Measured]],
    guarded: Sequence[tuple[Matcher, Measured]] = (),
) -> Model:
    """The answer threshold keeps ``data``, ``calibration`` and ``guarded`` within the safety
    bounds; the gates keep the recall of ``data`` and ``calibration``."""
    grid = [round(0.01 * i, 2) for i in range(30, 100)]
    answer = grid[-1]
    checked = [*calibration, *guarded]
    for threshold in grid:
        matcher.model = replace(matcher.model, answer=threshold)
        for other, _ in checked:
            other.model = matcher.model
        if safe(matcher, data) and all(safe(other, more) for other, more in checked):
            answer = threshold
            break
    matcher.model = replace(matcher.model, answer=answer, suggest=0.0, relevant=0.0)
    studied = [(matcher, data), *calibration]

    def recalls() -> list[float]:
        for other, _ in calibration:
            other.model = matcher.model
        return [evaluate(one, measured).recall3 for one, measured in studied]

    best = recalls()

    def keeps_recall() -> bool:
        return all(now >= top - RECALL_SLACK for now, top in zip(recalls(), best, strict=True))

    floors = [round(0.005 * i, 3) for i in range(1, 100)]
    relevant = 0.0
    for floor in floors:
        matcher.model = replace(matcher.model, relevant=floor)
        if not keeps_recall():
            break
        relevant = floor
    matcher.model = replace(matcher.model, relevant=relevant)
    suggest = 0.0
    for floor in floors:
        if floor > relevant:
            break
        matcher.model = replace(matcher.model, suggest=floor)
        if not keeps_recall():
            break
        suggest = floor
    return replace(matcher.model, suggest=suggest)


def ranked_first(weights: np.ndarray, matcher: Matcher, data: Measured) -> int:
    """On-topic questions whose expected tutorial (or its translation) ranks first."""
    right = 0
    for row, _, measured in data:
        if row.expected and measured:
            best = max(measured, key=lambda m: float(np.dot(weights, m.values)))
            wanted = {row.expected, *matcher.twins_of(row.expected)}
            right += best.tutorial.id in wanted
    return right


def cross_validate(
    sets: list[tuple[Matcher, Measured]], folds: int = 5, free: np.ndarray | None = None
) -> tuple[float, float]:
    """Top-1 of the shortlist ranking on held-back folds of the study questions: with the
    current weights, and with weights fitted on the other folds. A question's fold is its
    place in its set, so that it is held back from every base it is asked of at once."""
    items = [(index, one, item) for one, data in sets for index, item in enumerate(data)]
    on_topic = sum(1 for _, _, (row, _, _) in items if row.expected)
    current = np.array(DEFAULT_MODEL.rank_weights)
    kept = refitted = 0
    for fold in range(folds):
        held = [(one, item) for index, one, item in items if index % folds == fold]
        rest = [item for index, _, item in items if index % folds != fold]
        weights = fit_ranking(rest, free=free)
        for one, item in held:
            kept += ranked_first(current, one, [item])
            refitted += ranked_first(weights, one, [item])
    return kept / on_topic, refitted / on_topic


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--kb", type=Path, default=DEFAULT_KB)
    parser.add_argument("--set", default="dev", help="the set to fit on: dev or a CSV path")
    parser.add_argument(
        "--keep-ranking",
        action="store_true",
        help="keep the current ranking weights; fit only the confidence model and thresholds",
    )
    parser.add_argument(
        "--fit-only",
        nargs="+",
        choices=FEATURES,
        metavar="FEATURE",
        help="fit only these ranking weights (say, a new measurement's) and keep the others",
    )
    parser.add_argument(
        "--no-mixed",
        action="store_true",
        help="fit on the base as it is only, not also on the mixed base (see mixed())",
    )
    args = parser.parse_args()

    bundled = load_tutorials([args.kb])
    matcher = Matcher(bundled)
    studied = [(name, Matcher(tutorials_for(name, bundled))) for name in CALIBRATION]
    calibration = [(one, measure(one, read_rows(SETS[name]))) for name, one in studied]
    rows = read_rows(SETS.get(args.set, Path(args.set)))
    sets = [(matcher, measure(matcher, rows)), calibration[0]]
    if not args.no_mixed:
        studied_rows = [row for row, _, _ in calibration[0][1]]
        for base, asked in (
            (bundled, rows),
            (tutorials_for(CALIBRATION[0], bundled), studied_rows),
        ):
            one = Matcher(mixed(base))
            sets.append((one, measure(one, asked)))
    free = np.array([name in args.fit_only for name in FEATURES]) if args.fit_only else None
    kept, refitted = cross_validate(sets, free=free)
    print(f"ranking top-1, 5-fold on the study sets: current {kept:.3f}, refitted {refitted:.3f}")
    model = DEFAULT_MODEL
    if not args.keep_ranking:
        ranking = fit_ranking([item for _, data in sets for item in data], free=free)
        model = replace(model, rank_weights=tuple(round(float(w), 3) for w in ranking))
    tables = []
    for one, data in sets:
        one.model = model
        tables.append(confidence_table(one, data))
    confidence = fit_logistic(
        np.vstack([x for x, _ in tables]), np.concatenate([y for _, y in tables])
    )
    matcher.model = replace(model, confidence_weights=tuple(round(float(w), 3) for w in confidence))
    # The mixed bases must keep within the safety bounds too (the answers they get are the ones
    # a base written in haste would get).
    matcher.model = choose_thresholds(matcher, sets[0][1], calibration, sets[2:])
    print(matcher.model)
    for name in ("dev", "heldout"):
        print(f"{name}: {evaluate(matcher, measure(matcher, read_rows(SETS[name]))).summary()}")
    for (name, one), (_, data) in zip(studied, calibration, strict=True):
        one.model = matcher.model
        print(f"{name}: {evaluate(one, data).summary()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
