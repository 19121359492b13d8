"""Import speed and memory on generated arXiv snapshots (10,000 and 100,000 papers).

Run: python benchmarks/bench_import.py [--sizes 10000 100000]
Prints papers/s (by the wall clock, and per CPU second of the importing process, which depends
much less on the neighbours of a shared machine) and the peak memory of the import, measured in a
fresh child process each time so the figures do not mix. Memory that does not grow with the file
shows the import streams.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"


def child(snapshot: Path, data: Path) -> None:
    """Import one file and print what it cost (runs in its own process)."""
    from quire.importers import import_path
    from quire.store import Library

    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    library = Library(data / "library.sqlite3")
    started, cpu = time.perf_counter(), time.process_time()
    summary = import_path(library, snapshot)
    seconds = time.perf_counter() - started
    cpu_seconds = time.process_time() - cpu
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        json.dumps(
            {
                "added": summary.added,
                "seconds": seconds,
                "cpu_seconds": cpu_seconds,
                "peak_rss_mb": peak / 1024,
                "import_growth_mb": (peak - base) / 1024,
            }
        )
    )


def main() -> None:
    """Generate the snapshots, import each into a fresh library, print figures."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(Path(args.child[0]), Path(args.child[1]))
        return
    sys.path.insert(0, str(HERE))
    from generate import measure_in_child, write_snapshot

    print(
        f"{'papers':>8} {'seconds':>8} {'papers/s':>9} {'per CPU s':>10} "
        f"{'peak RSS MB':>12} {'import +MB':>10}"
    )
    for size in args.sizes:
        snapshot = write_snapshot(OUT / f"snapshot-{size}.jsonl", size)
        row = measure_in_child(__file__, snapshot)
        print(
            f"{row['added']:>8} {row['seconds']:>8.2f} {row['added'] / row['seconds']:>9.0f} "
            f"{row['added'] / row['cpu_seconds']:>10.0f} {row['peak_rss_mb']:>12.0f} "
            f"{row['import_growth_mb']:>10.0f}"
        )


if __name__ == "__main__":
    main()
