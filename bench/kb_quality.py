"""Quality and speed of the question matcher on a labelled question set.

    python bench/kb_quality.py                      # development set, bundled tutorials
    python bench/kb_quality.py --set heldout        # the held-out set
    python bench/kb_quality.py --set FILE.csv --kb DIR --errors

The CSV has columns ``question,expected,lang,style``; an empty ``expected`` means the question
must get no answer. Metrics:

- top-1: on-topic questions answered confidently with the expected tutorial;
- ranked top-1: the expected tutorial is first of answer-then-suggestions (answered or not);
- recall@3: the expected tutorial is among the answer and the first suggestions (3 in all);
- MRR over that same list;
- off-topic answered: share of no-answer questions that got a confident answer;
- wrong answers: share of confident answers (on- or off-topic) that were wrong;
- speed: questions per second, median and p99 latency per question.
"""

from __future__ import annotations

import argparse
import csv
import statistics
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from knowledge.loader import load_directory  # noqa: E402
from knowledge.matcher import Matcher  # noqa: E402

SETS = {
    "dev": ROOT / "bench" / "data" / "kb_questions.csv",
    "heldout": ROOT / "bench" / "data" / "kb_heldout.csv",
}
DEFAULT_KB = ROOT / "knowledge" / "tutorials"


@dataclass(frozen=True)
class Row:
    question: str
    expected: str
    lang: str
    style: str


def read_rows(path: Path) -> list[Row]:
    with path.open(encoding="utf-8", newline="") as handle:
        return [
            Row(
                r["question"],
                (r.get("expected") or "").strip(),
                r.get("lang") or "fr",
                r.get("style") or "",
            )
            for r in csv.DictReader(handle)
        ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", default="dev", help="dev, heldout, or a CSV path")
    parser.add_argument("--kb", type=Path, default=DEFAULT_KB)
    parser.add_argument("--errors", action="store_true", help="list every miss")
    args = parser.parse_args()

    path = SETS.get(args.set, Path(args.set))
    rows = read_rows(path)
    loaded = load_directory(args.kb)
    for problem in loaded.problems:
        print(f"skipped {problem}", file=sys.stderr)
    started = time.perf_counter()
    matcher = Matcher(loaded.tutorials)
    build_ms = (time.perf_counter() - started) * 1000

    latencies: list[float] = []
    on_topic = correct = ranked_first = recalled = 0
    reciprocal = 0.0
    off_topic = off_answered = answers = wrong = 0
    by_style: Counter[str] = Counter()
    style_total: Counter[str] = Counter()
    misses: list[str] = []
    for row in rows:
        t0 = time.perf_counter()
        result = matcher.match(row.question, row.lang)
        latencies.append((time.perf_counter() - t0) * 1000)
        ranking = ([result.answer] if result.answer else []) + list(result.suggestions)
        ids = [c.tutorial.id for c in ranking][:3]
        answered = result.answer.tutorial.id if result.answer else None
        if answered is not None:
            answers += 1
            wrong += answered != row.expected
        if not row.expected:
            off_topic += 1
            off_answered += answered is not None
            if answered is not None:
                misses.append(f"OFF-TOPIC ANSWERED {row.question!r} -> {answered}")
            continue
        on_topic += 1
        style_total[row.style] += 1
        if answered == row.expected:
            correct += 1
            by_style[row.style] += 1
        else:
            got = answered or f"(no answer; suggested {ids})"
            misses.append(f"MISS [{row.style}] {row.question!r}: want {row.expected}, got {got}")
        ranked_first += bool(ids) and ids[0] == row.expected
        if row.expected in ids:
            recalled += 1
            reciprocal += 1 / (ids.index(row.expected) + 1)

    if args.errors:
        print("\n".join(misses))
    latencies.sort()
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    median = statistics.median(latencies)
    qps = len(latencies) / (sum(latencies) / 1000)
    print(
        f"set={path.name} tutorials={len(matcher.tutorials)} phrasings={matcher.phrasing_count}"
        f" questions={len(rows)} on_topic={on_topic} off_topic={off_topic}"
        f" index_build_ms={build_ms:.0f}"
    )
    print(
        "per style top-1: "
        + ", ".join(f"{s}={by_style[s] / n:.2f}" for s, n in sorted(style_total.items()))
    )
    print(
        f"top1={correct / max(on_topic, 1):.3f} ranked_top1={ranked_first / max(on_topic, 1):.3f}"
        f" recall_at_3={recalled / max(on_topic, 1):.3f} mrr={reciprocal / max(on_topic, 1):.3f}"
        f" offtopic_answered={off_answered / max(off_topic, 1):.3f}"
        f" wrong_answers={wrong / max(answers, 1):.3f}"
        f" qps={qps:.0f} median_ms={median:.3f} p99_ms={p99:.3f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
