"""The reader under load and faults: it never hangs, never waits on a writer, never exits on an error."""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from textual import events
from textual.pilot import Pilot
from textual.widgets import Input

from app_support import SETTLE_TIMEOUT, app_on, library, papers, ready, screen, settle, wait_until
from quire.app.screens.files import ImportDialog
from quire.app.widgets import import_progress
from quire.app.widgets.detail import DetailPane
from quire.app.widgets.import_progress import ImportProgress
from quire.importers import import_path
from quire.store.merging import _IMPORT_BATCH

SIZE = (120, 40)
# Papers in the file of an import that a test holds half-way (HeldImport): enough for a whole
# batch to be committed when it stops, whatever the batch size.
HELD_LINES = 3 * _IMPORT_BATCH


def snapshot_file(path: Path, lines: int, start: int = 0) -> Path:
    """A generated arXiv snapshot with ``lines`` papers."""
    with path.open("w", encoding="utf-8") as handle:
        for n in range(start, start + lines):
            handle.write(
                json.dumps(
                    {
                        "id": f"{2400 + n // 90000}.{n % 90000:05d}",
                        "title": f"Generated paper {n}",
                        "abstract": f"Abstract of generated paper {n} about robust readers.",
                        "authors": "Ada Example, Bo Sample",
                        "categories": "cs.LG",
                        "versions": [{"version": "v1", "created": "Mon, 1 Jan 2024 00:00:00 GMT"}],
                    }
                )
                + "\n"
            )
    return path


class HeldImport:
    """Holds the reader's import half-way through its file until the test releases it.

    The import really is under way when it stops: about half the file has been read, and the
    batches merged so far are committed, with no write lock held (the snapshot reader reports
    progress while parsing, between transactions). Waiting on this instead of hoping the import
    is slow keeps the tests true on a fast, idle machine, where 20,000 papers go in within the
    time a key press takes.
    """

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.reached = threading.Event()
        self.release = threading.Event()
        real = import_path

        def held(library: Any, path: Path, on_progress: Any = None, **options: Any) -> Any:
            def progress(done: int, total: int) -> None:
                if on_progress is not None:
                    on_progress(done, total)  # a cancelled import stops here
                if 2 * done >= total and done < total and not self.reached.is_set():
                    self.reached.set()
                    self.release.wait(SETTLE_TIMEOUT)

            return real(library, path, on_progress=progress, **options)

        monkeypatch.setattr(import_progress, "import_path", held)


@pytest.fixture
def held(monkeypatch: pytest.MonkeyPatch) -> Iterator[HeldImport]:
    gate = HeldImport(monkeypatch)
    yield gate
    gate.release.set()  # never leave an import thread waiting


async def start_import(pilot: Pilot[Any], path: Path, gate: HeldImport) -> None:
    """Start importing ``path`` with ``i`` and wait until the import is held half-way."""
    await pilot.press("i")
    assert isinstance(pilot.app.screen, ImportDialog)
    pilot.app.screen.query_one(Input).value = str(path)
    await pilot.press("enter")
    await wait_until(pilot, gate.reached.is_set, "the import got half-way")
    assert screen(pilot).importing()


async def test_import_of_20000_lines_keeps_the_screen_alive(tmp_path: Path, held: HeldImport) -> None:
    snap = snapshot_file(tmp_path / "snap.jsonl", 20_000)
    app = app_on(tmp_path / "lib")
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await ready(pilot)
        await start_import(pilot, snap, held)
        plist = papers(pilot)
        for move in range(20):
            before = plist.cursor
            await pilot.press("j" if move < 10 else "k")
            assert plist.cursor != before, "the cursor froze during the import"
        assert screen(pilot).importing()
        held.release.set()
        await wait_until(pilot, lambda: not screen(pilot).importing(), "the import finished")
        await settle(pilot)
        assert library(pilot).count() == 390 + 20_000
        assert any("20000 added" in n.message for n in app._notifications)
        assert app.crashes == []


async def test_q_quits_during_an_import(tmp_path: Path, held: HeldImport) -> None:
    snap = snapshot_file(tmp_path / "snap.jsonl", HELD_LINES)
    app = app_on(tmp_path / "lib")
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await start_import(pilot, snap, held)
        await pilot.press("j", "j")
        await pilot.press("q")
        held.release.set()
    assert app.return_code == 0
    # The import's thread ends after the reader (it rolls back once it sees the cancel); quire's
    # process waits for it on the way out, so wait for it here too before looking.
    await asyncio.get_running_loop().shutdown_default_executor()
    count = app.library.count()
    assert count == 390  # quitting cancelled the import, and what it had committed was undone


def _imports_in_progress(path: Path) -> int:
    conn = sqlite3.connect(path)
    try:
        return int(conn.execute("SELECT count(*) FROM imports").fetchone()[0])
    finally:
        conn.close()


async def test_escape_cancels_an_import_and_keeps_nothing_from_the_file(
    tmp_path: Path, held: HeldImport
) -> None:
    snap = snapshot_file(tmp_path / "snap.jsonl", HELD_LINES)
    app = app_on(tmp_path / "lib")
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await ready(pilot)
        await start_import(pilot, snap, held)
        assert library(pilot).count() > 390  # batches are committed: cancelling must undo them
        await pilot.press("escape")
        held.release.set()
        await settle(pilot)
        assert not screen(pilot).importing()
        # A cancelled thread worker counts as finished at once, while its thread still rolls
        # the committed batches back; the thread posts Finished (which hides the bar) only once
        # import_path has returned. Waiting for the bookkeeping row alone raced an import whose
        # row was not written yet.
        bar = screen(pilot).query_one(ImportProgress)
        await wait_until(pilot, lambda: not bar.display, "the cancelled import's thread finished")
        assert not _imports_in_progress(library(pilot).path)
        assert library(pilot).count() == 390
        assert any("cancelled" in n.message for n in app._notifications)


async def test_bookmark_during_an_import_is_saved(tmp_path: Path, held: HeldImport) -> None:
    snap = snapshot_file(tmp_path / "snap.jsonl", HELD_LINES)
    app = app_on(tmp_path / "lib")
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await ready(pilot)
        pid = papers(pilot).current_pid
        assert pid is not None
        await start_import(pilot, snap, held)
        await pilot.press("b")
        assert library(pilot).get_paper(pid).annotation.bookmarked
        held.release.set()
        await wait_until(pilot, lambda: not screen(pilot).importing(), "the import finished")
        await settle(pilot)
        assert library(pilot).get_paper(pid).annotation.bookmarked
        assert library(pilot).count() == 390 + HELD_LINES
        assert not any("Not saved" in n.message for n in app._notifications)


async def test_deleted_library_is_reported_and_the_reader_keeps_running(tmp_path: Path) -> None:
    app = app_on(tmp_path / "lib")
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await ready(pilot)
        library(pilot).path.unlink()
        screen(pilot).check_for_changes()  # what the 2-second timer does
        await pilot.press("b")
        await settle(pilot)
        messages = [n.message for n in app._notifications if n.severity == "error"]
        assert any("deleted or replaced" in m for m in messages)
        assert app.is_running and app.crashes == []


async def test_unexpected_worker_error_is_logged_and_shown(tmp_path: Path) -> None:
    from quire import locations

    app = app_on(tmp_path / "lib")
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await ready(pilot)

        def broken() -> None:
            raise RuntimeError("a bug in a worker")

        app.run_worker(broken, thread=True)
        await settle(pilot)
        assert app.is_running
        log = locations.error_log()
        assert "RuntimeError: a bug in a worker" in log.read_text()
        assert any(f"Something went wrong (details in {log})" in n.message for n in app._notifications)
        await pilot.press("j")
        assert papers(pilot).cursor == 1  # still answering keys


def test_quire_tag_during_a_long_import_succeeds(tmp_path: Path) -> None:
    """``quire tag`` gets through while another process's import is under way between batches
    (held there, so the check does not depend on how fast this machine imports)."""
    from child_processes import import_held_between_batches

    data = tmp_path / "data"
    first = snapshot_file(tmp_path / "first.jsonl", 10)
    quire = [sys.executable, "-m", "quire", "--data-dir", str(data)]
    assert subprocess.run([*quire, "import", str(first)], capture_output=True).returncode == 0
    big = snapshot_file(tmp_path / "big.jsonl", 3 * _IMPORT_BATCH, start=100)
    spawn = multiprocessing.get_context("spawn")  # a fresh interpreter: see child_processes
    held, release, results = spawn.Event(), spawn.Event(), spawn.Queue()
    argv = ["--data-dir", str(data), "import", str(big)]
    importer = spawn.Process(target=import_held_between_batches, args=(argv, held, release, results))
    importer.start()
    try:
        assert held.wait(SETTLE_TIMEOUT * 4), "the import never committed its first batch"
        with sqlite3.connect(data / "library.sqlite3") as reader:
            assert reader.execute("SELECT count(*) FROM papers").fetchone()[0] == 10 + _IMPORT_BATCH
        reader.close()
        tagged = subprocess.run(
            [*quire, "tag", "2400.00001", "during-import"], capture_output=True, text=True, timeout=60
        )
        assert tagged.returncode == 0, tagged.stderr
        assert importer.is_alive(), "the import ended while held"
        release.set()
        code, _, output = results.get(timeout=300).partition("\n")
        importer.join(60)
    finally:
        release.set()
        if importer.is_alive():
            importer.kill()
    assert code == "0" and f"{3 * _IMPORT_BATCH} added" in output, output
    listed = subprocess.run([*quire, "list", "tag:during-import", "--json"], capture_output=True, text=True)
    assert [p["id"] for p in json.loads(listed.stdout)] == ["2400.00001"]


async def test_corrupt_library_is_reported_and_the_reader_keeps_running(tmp_path: Path) -> None:
    from quire.app import make_app
    from quire.config import Config
    from quire.store import Library

    folder = tmp_path / "lib"
    app_on(folder).library.close()  # a seeded library file
    path = folder / "library.sqlite3"
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    library = Library(path)  # opened while the file was sound; damaged while in use
    size = path.stat().st_size
    with path.open("r+b") as handle:
        handle.seek(8192)
        handle.write(b"\xde\xad\xbe\xef" * ((size - 8192) // 4))
    app = make_app(Config(), config_path=folder / "config.toml", library=library, import_sample_if_new=False)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("j", "b")
        await settle(pilot)
        messages = [n.message for n in app._notifications if n.severity == "error"]
        assert any("damaged" in m and "quire doctor" in m for m in messages), messages
        assert app.is_running and app.crashes == []


@pytest.mark.parametrize("answer", ["_similar_loaded", "_explained"])
async def test_a_detail_answer_arriving_while_the_reader_closes_is_dropped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, answer: str
) -> None:
    """A similar-papers or explanation worker that answers once the reader is closing (the pane's
    widgets already removed) must not fail: that failure would end quire with a traceback."""
    app = app_on(tmp_path)
    asked = threading.Event()  # the worker has its answer and is about to hand it over
    closing = threading.Event()  # the detail pane is being unmounted: hand it over now
    answered = threading.Event()
    outcome: list[BaseException | None] = []
    seen_running: list[bool] = []

    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        real_call = app.call_from_thread

        def held_call(callback: Any, *args: Any, **kwargs: Any) -> Any:
            # Runs in the worker's thread: only the answer under test waits for the shutdown.
            if getattr(callback, "__name__", "") != answer:
                return real_call(callback, *args, **kwargs)
            asked.set()
            closing.wait(SETTLE_TIMEOUT)
            try:
                result = real_call(callback, *args, **kwargs)
            except BaseException as error:
                outcome.append(error)
                raise
            else:
                outcome.append(None)
                return result
            finally:
                answered.set()

        async def on_unmount(pane: DetailPane, event: events.Unmount) -> None:
            # The pane's children are gone by now; let the held answer arrive and be handled
            # before the shutdown goes on.
            seen_running.append(pane.app.is_running)
            closing.set()
            await asyncio.to_thread(answered.wait, SETTLE_TIMEOUT)

        monkeypatch.setattr(app, "call_from_thread", held_call)
        monkeypatch.setattr(DetailPane, "on_unmount", on_unmount, raising=False)
        await pilot.press("w" if answer == "_explained" else "j")
        await wait_until(pilot, asked.is_set, f"the detail's worker to reach {answer}")
    assert seen_running == [False], "the answer was not held until the reader closed"
    assert answered.is_set() and outcome == [None], outcome
