"""The reader at 100,000 papers: first paint, search per keystroke, cursor rendering, memory.

Run: python benchmarks/bench_app.py [--size 100000]
- first paint: from process start to the first drawn row of the list (headless, real compose,
  layout and render), next to a bare Textual app measured the same way in the same run;
- keystroke: from the search text changing to the list drawing the new result's rows, p50/p95;
- cursor: time to draw every visible row after a move (warm), after a page jump (rows loaded
  from the store), and after page jumps while the previous jump's detail work still runs;
- memory: resident size once the index is ready.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"

FIRST_PAINT = """
import sys, time
started = float(sys.argv[1])
from quire.app import make_app
from quire.app.widgets.paper_list import PaperList
from quire.config import Config
from quire.store import Library
from pathlib import Path
original = PaperList.render_line
def timed(self, y):
    strip = original(self, y)
    if self.pids and not getattr(PaperList, "_seen", False):
        PaperList._seen = True
        print(json.dumps(time.time() - started)); sys.stdout.flush()
        self.app.exit()
    return strip
import json
PaperList.render_line = timed
data = Path(sys.argv[2])
app = make_app(Config(), config_path=data / "config.toml",
               library=Library(data / "library.sqlite3"), import_sample_if_new=False)
app.run(headless=True, size=(120, 40))
"""

BARE = """
import sys, time, json
started = float(sys.argv[1])
from textual.app import App
from textual.widgets import Static
class Bare(App):
    def compose(self):
        yield Static("hello")
    def on_mount(self):
        self.call_after_refresh(self.done)
    def done(self):
        print(json.dumps(time.time() - started)); sys.stdout.flush()
        self.exit()
Bare().run(headless=True, size=(120, 40))
"""


def first_paint(code: str, data: Path, runs: int = 5) -> float:
    """Median seconds from process start to first paint."""
    times = []
    for _ in range(runs):
        done = subprocess.run(
            [sys.executable, "-c", code, str(time.time()), str(data)],
            capture_output=True,
            text=True,
            check=True,
        )
        times.append(float(done.stdout.strip().splitlines()[-1]))
    return statistics.median(times)


def rss_mb() -> float:
    """Current resident memory of this process, MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS"):
            return int(line.split()[1]) / 1024
    return 0.0


async def interactive(data: Path) -> dict[str, float]:
    """Keystroke and cursor figures, in one app."""
    from textual.strip import Strip

    from quire.app import make_app
    from quire.app.screens.main import MainScreen
    from quire.app.widgets.paper_list import PaperList
    from quire.config import Config
    from quire.store import Library

    app = make_app(
        Config(),
        config_path=data / "config.toml",
        library=Library(data / "library.sqlite3"),
        import_sample_if_new=False,
    )
    figures: dict[str, float] = {}
    async with app.run_test(size=(120, 40)) as pilot:
        started = time.perf_counter()
        while app.index is None:
            await pilot.pause(0.05)
        figures["index_ready_s"] = time.perf_counter() - started
        await app.workers.wait_for_complete()
        figures["rss_mb"] = rss_mb()
        screen = next(s for s in app.screen_stack if isinstance(s, MainScreen))
        plist = screen.query_one(PaperList)
        search = screen.query_one("#search-input")
        typed = [
            "r",
            "re",
            "rei",
            "rein",
            "reinf",
            "reinforcement",
            "reinforcement l",
            "reinforcement learning",
            "graph",
            "graph neural",
            "diffusion model image",
            "is:unread",
            "year:2023",
            "language model reasoning benchmark",
        ] * 3
        keystroke = []
        drawn: list[float] = []
        original = PaperList.render_line

        def spy(widget: PaperList, y: int) -> Strip:
            strip = original(widget, y)
            if widget.pids is getattr(screen.result, "pids", None) and not drawn:
                drawn.append(time.perf_counter())
            return strip

        PaperList.render_line = spy  # type: ignore[method-assign,assignment]
        for text in typed:
            drawn.clear()
            serial = screen._query_serial
            begun = time.perf_counter()
            search.value = text  # type: ignore[attr-defined]  # as a keystroke does
            while not drawn or screen._query_serial == serial:
                await asyncio.sleep(0.0005)
            keystroke.append((drawn[0] - begun) * 1000)
            await pilot.pause(0.15)  # the detail catches up, as between real keystrokes
        PaperList.render_line = original  # type: ignore[method-assign]
        figures["keystroke_p50_ms"] = statistics.median(keystroke)
        figures["keystroke_p95_ms"] = statistics.quantiles(keystroke, n=20)[-1]
        search.value = ""  # type: ignore[attr-defined]
        screen.run_query()
        await pilot.pause(0.3)
        await app.workers.wait_for_complete()
        plist.focus()
        height = plist.size.height

        def draw() -> float:
            begun = time.perf_counter()
            for y in range(height):
                plist.render_line(y)
            return (time.perf_counter() - begun) * 1000

        warm, cold, busy = [], [], []
        for _ in range(30):
            await app.workers.wait_for_complete()
            plist.move_to(plist.cursor + 1)
            warm.append(draw())
        for _ in range(30):
            await app.workers.wait_for_complete()
            plist.move_to(plist.cursor + height * 7)  # rows never drawn before
            plist.scroll_to(y=max(0, plist.cursor - 5), animate=False, immediate=True)
            cold.append(draw())
        for _ in range(30):
            # As when holding PgDn: the previous move's similar-papers worker is still running.
            plist.move_to(plist.cursor + height * 7)
            plist.scroll_to(y=max(0, plist.cursor - 5), animate=False, immediate=True)
            await pilot.pause(0.04)
            busy.append(draw())
        figures["cursor_move_max_ms"] = max(warm)
        figures["page_jump_p95_ms"] = statistics.quantiles(cold, n=20)[-1]
        figures["page_jump_max_ms"] = max(cold)
        figures["page_jump_busy_p95_ms"] = statistics.quantiles(busy, n=20)[-1]
    return figures


def main() -> None:
    """Import the library once, then print every figure."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=100_000)
    args = parser.parse_args()
    sys.path.insert(0, str(HERE))
    from generate import write_snapshot

    from quire.importers import import_path
    from quire.store import Library

    snapshot = write_snapshot(OUT / f"snapshot-{args.size}.jsonl", args.size)
    with tempfile.TemporaryDirectory() as folder:
        data = Path(folder)
        library = Library(data / "library.sqlite3")
        import_path(library, snapshot)
        library.close()
        bare = first_paint(BARE, data)
        ours = first_paint(FIRST_PAINT, data)
        print(
            f"first paint: quire {ours:.2f} s, bare Textual app {bare:.2f} s "
            f"(ratio {ours / bare:.1f}) with {args.size} papers"
        )
        figures = asyncio.run(interactive(data))
    print(json.dumps({k: round(v, 2) for k, v in figures.items()}, indent=1))


if __name__ == "__main__":
    main()
