"""Fit the matcher's ranking and confidence weights on the development questions.

    python bench/fit_matcher.py                # fit on the development set, check on held-out
    python bench/fit_matcher.py --kb DIR --set FILE.csv

1. **Ranking**: a linear score over the candidate measurements (``knowledge.matcher.FEATURES``),
   fitted as a softmax over each question's shortlist so that the expected tutorial comes
   first (L2-regularised gradient descent).
2. **Confidence**: a logistic model over the best candidate's score, its lead over the next
   different tutorial, its coverage and fuzzy similarity and the question's unknown words,
   fitted on whether that best candidate is right (off-topic questions included: never).
3. **Thresholds**: the lowest answer probability that keeps wrong answers and off-topic answers
   under the safety bounds on the development set and on ``fresh-a``, the half of the blind set
   that may be studied (its questions were written without sight of the matcher, some about
   tutorials it is not fitted to: a fitted confidence is optimistic on the questions it was
   fitted to, and the threshold must hold on others); then the highest "relevant" gate (below it
   the best candidate is not worth a button: the question is off-topic) and the highest
   suggestion floor that keep recall@3 within a quarter of a point of its best.

It prints a ``Model(...)`` to paste into ``knowledge/matcher.py`` and the metrics it gives on
the development, held-out and ``fresh-a`` sets. The held-out set is only measured, never
fitted; ``fresh-b`` is left for ``bench/kb_quality.py --set fresh-b``, once.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from kb_quality import DEFAULT_KB, EXTRA_TUTORIALS, SETS, Report, Row, read_rows, score

from knowledge.loader import load_directory
from knowledge.matcher import (
    DEFAULT_MODEL,
    Matcher,
    Measures,
    Model,
)

MAX_WRONG = 0.015
"""Safety bounds used when choosing the answer threshold (kept under 0.02, with room)."""
MAX_OFF_TOPIC_ANSWERED = 0.015
RECALL_SLACK = 0.0025
"""Recall@3 the "relevant" gate and the suggestion floor may cost on the development set."""

Measured = list[tuple[Row, str, list[Measures]]]


def measure(matcher: Matcher, rows: list[Row]) -> Measured:
    return [(row, *matcher.measure(row.question, row.lang)) for row in rows]


def fit_ranking(
    data: Measured, l2: float = 1e-3, steps: int = 1500, rate: float = 0.5
) -> np.ndarray:
    groups = []
    for row, _, measured in data:
        ids = [m.tutorial.id for m in measured]
        if row.expected and row.expected in ids:
            x = np.array([m.values for m in measured])
            groups.append((x, ids.index(row.expected)))
    weights = np.zeros(groups[0][0].shape[1])
    for _ in range(steps):
        gradient = np.zeros_like(weights)
        for x, right in groups:
            z = x @ weights
            p = np.exp(z - z.max())
            p /= p.sum()
            p[right] -= 1.0
            gradient += x.T @ p
        weights -= rate * (gradient / len(groups) + l2 * weights)
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
    return np.r_[weights[0] - float(scaled @ mean), scaled]


def evaluate(matcher: Matcher, data: Measured) -> Report:
    rows = [row for row, _, _ in data]
    return score(rows, [matcher.decide(language, measured) for _, language, measured in data])


def safe(matcher: Matcher, data: Measured) -> bool:
    """Whether the matcher's answers keep within the safety bounds on these questions."""
    report = evaluate(matcher, data)
    return report.wrong_answers <= MAX_WRONG and report.off_topic_answered <= MAX_OFF_TOPIC_ANSWERED


def choose_thresholds(
    matcher: Matcher, data: Measured, calibration: list[tuple[Matcher, Measured]]
) -> Model:
    grid = [round(0.01 * i, 2) for i in range(30, 100)]
    answer = grid[-1]
    for threshold in grid:
        matcher.model = replace(matcher.model, answer=threshold)
        for other, _ in calibration:
            other.model = matcher.model
        if safe(matcher, data) and all(safe(other, more) for other, more in calibration):
            answer = threshold
            break
    matcher.model = replace(matcher.model, answer=answer, suggest=0.0, relevant=0.0)
    best_recall = evaluate(matcher, data).recall3
    floors = [round(0.005 * i, 3) for i in range(1, 100)]
    relevant = 0.0
    for floor in floors:
        matcher.model = replace(matcher.model, relevant=floor)
        if evaluate(matcher, data).recall3 < best_recall - RECALL_SLACK:
            break
        relevant = floor
    matcher.model = replace(matcher.model, relevant=relevant)
    suggest = 0.0
    for floor in floors:
        if floor > relevant:
            break
        matcher.model = replace(matcher.model, suggest=floor)
        if evaluate(matcher, data).recall3 < best_recall - RECALL_SLACK:
            break
        suggest = floor
    return replace(matcher.model, suggest=suggest)


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--kb", type=Path, default=DEFAULT_KB)
    parser.add_argument("--set", default="dev", help="the set to fit on: dev or a CSV path")
    args = parser.parse_args()

    matcher = Matcher(load_directory(args.kb).tutorials)
    fitted = measure(matcher, read_rows(SETS.get(args.set, Path(args.set))))
    ranking = fit_ranking(fitted)
    matcher.model = replace(DEFAULT_MODEL, rank_weights=tuple(round(float(w), 3) for w in ranking))
    x, y = confidence_table(matcher, fitted)
    confidence = fit_logistic(x, y)
    matcher.model = replace(
        matcher.model, confidence_weights=tuple(round(float(w), 3) for w in confidence)
    )
    study = Matcher(
        [*load_directory(args.kb).tutorials, *load_directory(EXTRA_TUTORIALS["fresh-a"]).tutorials]
    )
    calibration = [(study, measure(study, read_rows(SETS["fresh-a"])))]
    matcher.model = choose_thresholds(matcher, fitted, calibration)
    print(matcher.model)
    study.model = matcher.model
    for name in ("dev", "heldout"):
        print(f"{name}: {evaluate(matcher, measure(matcher, read_rows(SETS[name]))).summary()}")
    print(f"fresh-a: {evaluate(study, calibration[0][1]).summary()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
