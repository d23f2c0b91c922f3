"""How the matcher's cost grows with the size of the knowledge base.

    python bench/kb_scale.py                 # 1k, 10k and 100k phrasings
    python bench/kb_scale.py --sizes 1000 5000
    python bench/kb_scale.py --kb bench/data/kb_parallel2_tutorials  # a base that borrows

Synthetic tutorials are added to the bundled ones: each has a title and nine alternate
questions (ten phrasings) drawn from the bundled base's own vocabulary, and a body, so that the
inverted index and the typo vocabulary look like a real, larger base. The development questions
are then asked; we report index build time, resident memory added by the index, and per-question
latency (median, p99). With ``--kb``, another base is grown instead, and it borrows the bundled
tutorials' questions as the bot does (``knowledge/borrowing.py``): the build time includes
finding which tutorials share a subject.
"""

from __future__ import annotations

import argparse
import csv
import gc
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from knowledge.borrowing import build_matcher  # noqa: E402
from knowledge.loader import Tutorial, load_directory  # noqa: E402

PHRASINGS_PER_TUTORIAL = 10


def rss_mb() -> float:
    with open("/proc/self/statm") as handle:
        pages = int(handle.read().split()[1])
    return pages * 4096 / 1_000_000


def synthetic(base: list[Tutorial], phrasings: int, seed: int = 7) -> list[Tutorial]:
    rng = random.Random(seed)
    words = sorted({w for t in base for q in (t.title, *t.questions) for w in q.split()})
    bodies = [t.body for t in base]
    needed = max(0, phrasings - sum(1 + len(t.questions) for t in base))
    tutorials = list(base)
    for number in range(needed // PHRASINGS_PER_TUTORIAL + 1):

        def sentence() -> str:
            return " ".join(rng.choice(words) for _ in range(rng.randint(4, 9)))

        tutorials.append(
            Tutorial(
                id=f"synthetic-{number}",
                title=sentence(),
                lang=rng.choice(("fr", "en")),
                category="basics",
                tags=(rng.choice(words), rng.choice(words)),
                questions=tuple(sentence() for _ in range(PHRASINGS_PER_TUTORIAL - 1)),
                body=rng.choice(bodies),
                path=Path(f"synthetic/{number}.md"),
            )
        )
    return tutorials


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000, 100_000])
    parser.add_argument("--kb", type=Path, help="grow this base, which borrows (default: bundled)")
    args = parser.parse_args()
    bundled = list(load_directory(ROOT / "knowledge" / "tutorials").tutorials)
    base = list(load_directory(args.kb).tutorials) if args.kb else bundled
    reference = bundled if args.kb else []
    with (ROOT / "bench" / "data" / "kb_questions.csv").open(encoding="utf-8") as handle:
        questions = [(r["question"], r["lang"]) for r in csv.DictReader(handle)]
    print("phrasings  tutorials  build_s  index_mb  median_ms  p99_ms")
    for size in args.sizes:
        tutorials = synthetic(base, size)
        gc.collect()
        before = rss_mb()
        started = time.perf_counter()
        matcher = build_matcher(tutorials, reference)
        build = time.perf_counter() - started
        grown = rss_mb() - before
        latencies = []
        for question, lang in questions:
            t0 = time.perf_counter()
            matcher.match(question, lang)
            latencies.append((time.perf_counter() - t0) * 1000)
        latencies.sort()
        p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
        print(
            f"{matcher.phrasing_count:>9}  {len(tutorials):>9}  {build:>7.1f}  {grown:>8.0f}"
            f"  {statistics.median(latencies):>9.3f}  {p99:>6.3f}"
        )
        del matcher, tutorials
    return 0


if __name__ == "__main__":
    sys.exit(main())
