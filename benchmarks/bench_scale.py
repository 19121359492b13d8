"""Every figure of "instant at any size" at 100,000 and 1,000,000 papers, next to its target.

Run: python benchmarks/bench_scale.py --size 100000 [--size 1000000] [--no-app]

For each size a generated arXiv snapshot is imported once into ``benchmarks/out/lib-SIZE``
(its import speed and memory are measured then and kept in ``import.json``); the saved search
index lives in ``benchmarks/out/cache-SIZE``. Every measurement runs in a fresh process:

- cold build (no saved index): seconds (and CPU seconds, workers included), memory added at peak
  (the build's worker processes included), index size on disk;
- warm open (saved index, nothing changed): seconds until searches can run, resident memory;
- engine search p50/p95 (words, filters, prefixes) on the warm index;
- catch-up after a CLI import of 1,000 papers, and after removing them again;
- CLI wall times: ``quire search`` warm at this size and at 1,000 papers, ``quire --version``,
  ``list --limit 1``, ``show``, a filter-only ``export`` and a ``remove`` preview;
- the reader: first rows in tmux (120x40) next to a bare Textual app in tmux, search ready after
  a warm start, keystroke-to-screen p50/p95 and resident memory (``bench_app.interactive``).

Timings on a shared machine are noisy: the baselines (bare Textual, ``quire --version``, the
1,000-paper library) are measured in the same run so the ratios mean something.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
QUIRE = [sys.executable, "-m", "quire"]
BARE_TMUX = """
from textual.app import App
from textual.widgets import Static
class Bare(App):
    def compose(self):
        yield Static("bare textual app ready")
Bare().run()
"""
READY = """
import sys, time, json
started = float(sys.argv[1])
from pathlib import Path
from quire.app import make_app
from quire.app.quire_app import QuireApp
from quire.config import Config
from quire.store import Library
original = QuireApp._index_ready
def ready(self, index):
    original(self, index)
    print(json.dumps(time.time() - started), flush=True)
    self.exit()
QuireApp._index_ready = ready
data = Path(sys.argv[2])
app = make_app(Config(), config_path=data / "config.toml",
               library=Library(data / "library.sqlite3"), import_sample_if_new=False)
app.run(headless=True, size=(120, 40))
"""


def rss_now() -> float:
    """Resident memory of this process now, MB (Linux)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS"):
            return int(line.split()[1]) / 1024
    return 0.0


def rss_peak() -> float:
    """Peak resident memory of this process so far, MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def quantile(values: list[float], q: float) -> float:
    """The q-quantile (0-1) of the values."""
    if len(values) < 2:
        return values[0]
    return statistics.quantiles(values, n=100)[int(q * 100) - 1]


# -- measurements run in a child process ------------------------------------------------------


def tree_rss(pid: int) -> tuple[float, float]:
    """Resident memory (MB) of a process and, summed, of its children (Linux)."""

    def rss(of: int) -> float:
        try:
            for line in Path(f"/proc/{of}/status").read_text().splitlines():
                if line.startswith("VmRSS"):
                    return int(line.split()[1]) / 1024
        except OSError:
            pass  # ended meanwhile
        return 0.0

    children: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        with contextlib.suppress(OSError):
            children += [int(c) for c in (task / "children").read_text().split()]
    return rss(pid), sum(rss(c) for c in children)


def child_build(data: Path) -> dict[str, Any]:
    """Build the index from scratch and save it.

    Memory added at peak counts the build's worker processes too: this process's growth and
    the workers' resident memory, sampled together every 10 ms (``build_workers_peak_mb`` is
    the workers' share at their peak).
    """
    import threading

    from quire.search.engine import SearchIndex
    from quire.search.persist import save
    from quire.store import Library

    library = Library(data / "library.sqlite3")
    library.count()
    gc.collect()
    base_peak, base_now = rss_peak(), rss_now()
    sampled = {"total": 0.0, "workers": 0.0}
    building = threading.Event()
    building.set()

    def sample() -> None:
        while building.is_set():
            own, workers = tree_rss(os.getpid())
            sampled["total"] = max(sampled["total"], own - base_now + workers)
            sampled["workers"] = max(sampled["workers"], workers)
            time.sleep(0.01)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    started = time.perf_counter()
    cpu = time.process_time()
    index = SearchIndex.build(library)
    build = time.perf_counter() - started
    cpu = time.process_time() - cpu
    building.clear()
    sampler.join()
    grown = max(rss_peak() - base_peak, rss_peak() - base_now, sampled["total"])
    workers_cpu = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    generation = save(index)
    saving = time.perf_counter() - started
    disk = sum(f.stat().st_size for f in generation.iterdir())
    return {
        "build_s": build,
        "build_cpu_s": cpu + workers_cpu.ru_utime + workers_cpu.ru_stime,
        "build_peak_mb": grown,
        "build_workers_peak_mb": sampled["workers"],
        "save_s": saving,
        "disk_mb": disk / 2**20,
        "papers": index.size,
    }


def child_warm(data: Path) -> dict[str, Any]:
    """Open the saved index (catching up), then time engine queries."""
    from bench_search import FILTERS, PREFIXES, WORDS

    from quire.search.opening import open_index
    from quire.store import Library

    library = Library(data / "library.sqlite3")
    library.count()
    base = rss_now()
    started = time.perf_counter()
    opened = open_index(library, write=False)
    seconds = time.perf_counter() - started
    index = opened.index
    figures: dict[str, Any] = {
        "open_s": seconds,
        "loaded": opened.loaded,
        "caught_up": opened.caught_up,
        "reason": opened.reason,
        "open_rss_mb": rss_now() - base,
    }
    for name, queries in (("words", WORDS), ("filters", FILTERS), ("prefix", PREFIXES)):
        times = []
        for _ in range(3):
            for query in queries:
                begun = time.perf_counter()
                index.search(query)
                times.append((time.perf_counter() - begun) * 1000)
        figures[f"{name}_p50_ms"] = quantile(times, 0.5)
        figures[f"{name}_p95_ms"] = quantile(times, 0.95)
    figures["rss_mb"] = rss_now()
    started = time.perf_counter()
    if index.unsaved:
        from quire.search.persist import save

        save(index)
    figures["save_s"] = time.perf_counter() - started
    return figures


def child_app(data: Path) -> dict[str, Any]:
    """Keystroke-to-screen and cursor figures in the reader, and its memory."""
    from bench_app import interactive

    return asyncio.run(interactive(data))


CHILDREN = {"build": child_build, "warm": child_warm, "app": child_app}


def in_child(step: str, data: Path, cache: Path) -> dict[str, Any]:
    """Run one measurement in a fresh process with its own cache folder."""
    # The benchmarks folder first, then whatever PYTHONPATH names (another checkout to measure).
    path = os.pathsep.join(p for p in (str(HERE), os.environ.get("PYTHONPATH", "")) if p)
    env = {**os.environ, "XDG_CACHE_HOME": str(cache), "PYTHONPATH": path}
    done = subprocess.run(
        [sys.executable, __file__, "--child", step, str(data)], env=env, capture_output=True, text=True
    )
    if done.returncode:
        raise SystemExit(f"{step} failed:\n{done.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


# -- measurements from outside ----------------------------------------------------------------


def wall(command: list[str], cache: Path, runs: int = 3, ok: tuple[int, ...] = (0,)) -> float:
    """Median wall seconds of a command (its exit status must be one of ``ok``)."""
    env = {**os.environ, "XDG_CACHE_HOME": str(cache), "QUIRE_CONFIG": str(cache / "c.toml")}
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        done = subprocess.run(command, env=env, capture_output=True, text=True)
        times.append(time.perf_counter() - started)
        if done.returncode not in ok:
            raise SystemExit(f"{' '.join(command)} failed: {done.stderr[-2000:]}")
    return statistics.median(times)


def quire(data: Path, *args: str) -> list[str]:
    """A quire command line on the library in ``data``."""
    return [*QUIRE, "--data-dir", str(data), *args]


def tmux_first_rows(command: str, marker: str, cache: Path, runs: int = 3) -> float:
    """Median seconds from starting ``command`` in tmux (120x40) until ``marker`` is on screen."""
    env = {**os.environ, "XDG_CACHE_HOME": str(cache), "QUIRE_CONFIG": str(cache / "c.toml")}
    command = f"env XDG_CACHE_HOME={cache} QUIRE_CONFIG={cache / 'c.toml'} {command}"
    times = []
    for run in range(runs):
        # A tmux server of its own for each run (one ending while the next starts fails).
        socket = f"quire-bench-{os.getpid()}-{run}"
        session = "bench"
        try:
            started = time.perf_counter()
            subprocess.run(
                ["tmux", "-L", socket, "new-session", "-d", "-x", "120", "-y", "40", "-s", session, command],
                env=env,
                check=True,
            )
            while True:
                screen = subprocess.run(
                    ["tmux", "-L", socket, "capture-pane", "-p", "-t", session],
                    capture_output=True,
                    text=True,
                ).stdout
                if marker in screen:
                    times.append(time.perf_counter() - started)
                    break
                if time.perf_counter() - started > 120:
                    raise SystemExit(f"never saw {marker!r} in tmux:\n{screen}")
                time.sleep(0.005)
        finally:
            subprocess.run(["tmux", "-L", socket, "kill-server"], capture_output=True)
    return statistics.median(times)


def reader_ready(data: Path, cache: Path, runs: int = 3) -> float:
    """Median seconds from process start to search ready in the reader (headless)."""
    env = {**os.environ, "XDG_CACHE_HOME": str(cache)}
    times = []
    for _ in range(runs):
        done = subprocess.run(
            [sys.executable, "-c", READY, str(time.time()), str(data)],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        times.append(float(done.stdout.strip().splitlines()[-1]))
    return statistics.median(times)


def prepare(size: int) -> tuple[Path, dict[str, Any]]:
    """The library of ``size`` papers (imported once, with its import figures)."""
    from generate import write_snapshot

    data = OUT / f"lib-{size}"
    figures_file = data / "import.json"
    if (data / "library.sqlite3").exists() and figures_file.exists():
        return data, json.loads(figures_file.read_text())
    if (data / "library.sqlite3").exists() and size >= 1_000_000:
        # A million papers take minutes to import: reuse the library, figures unknown.
        return data, {
            "added": size,
            "seconds": float("nan"),
            "peak_rss_mb": float("nan"),
            "measured_at": "not measured (library reused; run bench_import.py)",
        }
    shutil.rmtree(data, ignore_errors=True)
    data.mkdir(parents=True)
    snapshot = write_snapshot(OUT / f"snapshot-{size}.jsonl", size)
    done = subprocess.run(
        [sys.executable, str(HERE / "bench_import.py"), "--child", str(snapshot), str(data)],
        capture_output=True,
        text=True,
        check=True,
    )
    figures: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    figures["measured_at"] = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    figures_file.write_text(json.dumps(figures))
    return data, figures


def extra_snapshot(count: int = 1000) -> Path:
    """``count`` papers that are in no generated library (ids of January 2030)."""
    from generate import snapshot_lines

    path = OUT / f"extra-{count}.jsonl"
    if not path.exists():
        lines = []
        for number, line in enumerate(snapshot_lines(count, seed=2030)):
            record = json.loads(line)
            record["id"] = f"3001.{number:05d}"
            lines.append(json.dumps(record))
        path.write_text("\n".join(lines) + "\n")
    return path


class Table:
    """Rows of figure, value, target, baseline; printed as they come."""

    def __init__(self, size: int) -> None:
        self.size = size
        print(f"\n== {size:,} papers ==")
        print(f"{'figure':<44} {'value':>14}  {'target':<22} baseline / note")

    def row(self, name: str, value: str, target: str = "", note: str = "") -> None:
        """One figure."""
        print(f"{name:<44} {value:>14}  {target:<22} {note}", flush=True)


def measure(size: int, app: bool) -> None:
    """Every figure for one library size."""
    data, imported = prepare(size)
    cache = OUT / f"cache-{size}"
    small, _ = prepare(1000)
    small_cache = OUT / "cache-1000"
    table = Table(size)
    rate = imported["added"] / imported["seconds"]
    table.row(
        "import papers/s",
        f"{rate:,.0f}",
        ">= 10,000 (1M)",
        f"{imported['added']:,} in {imported['seconds']:.0f} s, measured {imported['measured_at']}",
    )
    table.row("import peak RSS MB", f"{imported['peak_rss_mb']:.0f}", "flat with size")

    shutil.rmtree(cache, ignore_errors=True)
    built = in_child("build", data, cache)
    table.row(
        "cold index build s", f"{built['build_s']:.1f}", "<= 5 (100k)", f"{built['build_cpu_s']:.1f} CPU s"
    )
    table.row(
        "cold build memory added at peak MB",
        f"{built['build_peak_mb']:.0f}",
        "<= 300 (100k)",
        f"workers included ({built['build_workers_peak_mb']:.0f} at most)",
    )
    table.row("index save s / size on disk MB", f"{built['save_s']:.1f} / {built['disk_mb']:.0f}")

    warm = in_child("warm", data, cache)
    assert warm["loaded"] and not warm["caught_up"], warm
    table.row("warm open (load saved index) s", f"{warm['open_s']:.2f}", "search ready <= 1 s")
    for kind in ("words", "filters", "prefix"):
        table.row(
            f"engine search p50 / p95 ms: {kind}",
            f"{warm[kind + '_p50_ms']:.1f} / {warm[kind + '_p95_ms']:.1f}",
            "p95 <= 100 (1M)",
        )
    table.row(
        "warm index resident memory MB",
        f"{warm['open_rss_mb']:.0f}",
        "",
        f"process RSS {warm['rss_mb']:.0f} MB",
    )

    extra = extra_snapshot()
    imported_s = wall(quire(data, "import", str(extra)), cache, runs=1)
    caught = in_child("warm", data, cache)
    table.row(
        "catch-up after importing 1,000 papers s",
        f"{caught['open_s']:.2f}",
        "about 1 s",
        f"{caught['caught_up']} papers caught up; the import took {imported_s:.1f} s",
    )
    wall(quire(data, "remove", "id:3001.", "--yes"), cache, runs=1)
    removed = in_child("warm", data, cache)
    table.row(
        "catch-up after removing them s",
        f"{removed['open_s']:.2f}",
        "",
        f"{removed['caught_up']} papers; saved in {removed['save_s']:.1f} s",
    )

    version = wall([*QUIRE, "--version"], cache, runs=5)
    wall(quire(small, "search", "warm up"), small_cache, runs=1)
    search = wall(quire(data, "search", "reinforcement learning", "--limit", "10"), cache, runs=5)
    search_small = wall(
        quire(small, "search", "reinforcement learning", "--limit", "10"), small_cache, runs=5
    )
    table.row(
        "quire search (warm) s",
        f"{search:.2f}",
        "<= 1 s (1M)",
        f"x{search / search_small:.1f} of 1,000 papers ({search_small:.2f} s; <= x2), "
        f"x{search / version:.1f} of --version ({version:.2f} s; <= x3)",
    )
    first_id = subprocess.run(
        quire(data, "list", "--limit", "1", "--json"),
        env={**os.environ, "XDG_CACHE_HOME": str(cache)},
        capture_output=True,
        text=True,
        check=True,
    )
    paper = json.loads(first_id.stdout)[0]
    for name, command, ok in (
        ("quire list --limit 1 s", ["list", "--limit", "1"], (0,)),
        ("quire show ID s", ["show", paper["id"]], (0,)),
        ("quire export year:2023 (filter only) s", ["export", "year:2023", "--format", "csv"], (0,)),
        ("quire remove preview (filter only) s", ["remove", "year:2019 upvotes:>5"], (0, 1)),
    ):
        seconds = wall(quire(data, *command), cache, ok=ok)
        table.row(name, f"{seconds:.2f}", "no index built", f"x{seconds / version:.1f} of --version")

    if not app:
        return
    bare_script = OUT / "bare_textual.txt"  # not .py: mypy checks benchmarks/ and its out/
    bare_script.write_text(BARE_TMUX)
    bare = tmux_first_rows(f"{sys.executable} {bare_script}", "bare textual app ready", cache)
    marker = paper["title"][:20]
    ours = tmux_first_rows(" ".join(quire(data)), marker, cache)
    table.row(
        "reader first rows in tmux s",
        f"{ours:.2f}",
        "<= x3 bare; <= 1 s (1M)",
        f"x{ours / bare:.1f} of a bare Textual app ({bare:.2f} s)",
    )
    ready = reader_ready(data, cache)
    table.row("reader search ready after warm start s", f"{ready:.2f}", "<= 1 s (100k)")
    figures = in_child("app", data, cache)
    table.row(
        "keystroke to screen p50 / p95 ms",
        f"{figures['keystroke_p50_ms']:.0f} / {figures['keystroke_p95_ms']:.0f}",
        "p95 <= 50",
    )
    table.row("reader RSS MB", f"{figures['rss_mb']:.0f}", "<= 1,500 (1M)")
    table.row(
        "cursor move max / page jump p95 ms",
        f"{figures['cursor_move_max_ms']:.1f} / {figures['page_jump_p95_ms']:.1f}",
    )


def main() -> None:
    """Measure every size asked for."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, action="append", help="library size (repeatable)")
    parser.add_argument("--no-app", action="store_true", help="skip the reader figures")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    sys.path.insert(0, str(HERE))
    if args.child:
        print(json.dumps(CHILDREN[args.child[0]](Path(args.child[1]))))
        return
    for size in args.size or [100_000]:
        measure(size, app=not args.no_app)


if __name__ == "__main__":
    main()
