"""Search engine figures on generated libraries of 10,000 and 100,000 papers.

Run: python benchmarks/bench_search.py [--sizes 10000 100000]
For each size, in a fresh child process: index build time, memory the index adds (RSS), and
p50/p95 latency of a fixed set of word queries (1-5 words), filter-only queries, prefix queries
(as typed) and similar-papers. Targets at 100,000: search p95 <= 30 ms, similar p95 <= 150 ms,
index ready <= 10 s, index memory <= 300 MB.
"""

from __future__ import annotations

import argparse
import gc
import json
import resource
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"

WORDS = [
    "reinforcement learning",
    "diffusion",
    "graph neural network",
    "language model reasoning benchmark",
    "contrastive representation learning",
    "mixture of experts routing",
    "efficient inference memory quantization training",
    "retrieval",
    "vision language",
    "scaling laws compute",
]
FILTERS = [
    "is:unread",
    "year:2023",
    "authors:>5",
    "year:2020..2022 sort:title",
    "date:>=2024-01-01 sort:date",
    "is:bookmarked",
]
PREFIXES = ["reinfor", "diffu", "transf", "graph neu", "contrast", "lan"]


def rss_mb() -> float:
    """Peak resident memory of this process so far, MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def current_rss_mb() -> float:
    """Resident memory now, MB (Linux)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS"):
            return int(line.split()[1]) / 1024
    return 0.0


def timings(run: object, items: list[str], repeat: int = 5) -> list[float]:
    """Milliseconds of each call, every item ``repeat`` times."""
    out = []
    for _ in range(repeat):
        for item in items:
            started = time.perf_counter()
            run(item)  # type: ignore[operator]
            out.append((time.perf_counter() - started) * 1000)
    return out


def p(values: list[float], q: float) -> float:
    """The q-quantile (0-1)."""
    return statistics.quantiles(values, n=100)[int(q * 100) - 1] if len(values) > 1 else values[0]


def child(snapshot: Path, data: Path) -> None:
    """Build a library and an index, then time queries (runs in its own process)."""
    from quire.importers import import_path
    from quire.search import SearchIndex, similar_papers
    from quire.store import Library

    library = Library(data / "library.sqlite3")
    import_path(library, snapshot)
    pids = library.all_pids()
    library.set_bookmarked(pids[::500], True)
    gc.collect()
    before, before_now = rss_mb(), current_rss_mb()
    started = time.perf_counter()
    index = SearchIndex.build(library)
    build = time.perf_counter() - started
    memory = rss_mb() - before
    gc.collect()
    resident = current_rss_mb() - before_now
    rows = {
        "words": timings(index.search, WORDS),
        "filters": timings(index.search, FILTERS),
        "prefix": timings(index.search, PREFIXES),
        "similar": timings(
            lambda pid: similar_papers(index, int(pid)),
            [str(x) for x in pids[:: max(1, len(pids) // 30)][:30]],
            repeat=2,
        ),
    }
    results = {k: {"p50": p(v, 0.5), "p95": p(v, 0.95)} for k, v in rows.items()}
    print(
        json.dumps(
            {
                "papers": len(pids),
                "build_s": build,
                "index_mb": memory,
                "resident_mb": resident,
                "results": results,
            }
        )
    )


def main() -> None:
    """Print the table."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(Path(args.child[0]), Path(args.child[1]))
        return
    sys.path.insert(0, str(HERE))
    from generate import measure_in_child, write_snapshot

    for size in args.sizes:
        snapshot = write_snapshot(OUT / f"snapshot-{size}.jsonl", size)
        row = measure_in_child(__file__, snapshot)
        print(
            f"{row['papers']} papers: index built in {row['build_s']:.2f} s, "
            f"+{row['resident_mb']:.0f} MB resident after, +{row['index_mb']:.0f} MB at peak"
        )
        for kind, figures in row["results"].items():
            print(f"  {kind:<8} p50 {figures['p50']:7.2f} ms   p95 {figures['p95']:7.2f} ms")


if __name__ == "__main__":
    main()
