"""Helpers for driving the reader in tests: an app on a real library, and waiting for it."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from contextlib import suppress
from pathlib import Path
from time import monotonic
from typing import Any

from textual.app import App
from textual.pilot import Pilot
from textual.worker import Worker, WorkerCancelled, WorkerState

from conftest import SEEDS, TODAY
from quire.app import make_app
from quire.app.quire_app import QuireApp
from quire.app.screens.main import MainScreen
from quire.app.widgets.paper_list import PaperList
from quire.config import Config
from quire.importers import import_path
from quire.store import Library


def seeded_library(folder: Path) -> Library:
    """A library file in ``folder`` holding the five seed pages."""
    library = Library(folder / "library.sqlite3")
    if library.count() == 0:
        for seed in SEEDS:
            import_path(library, seed, today=TODAY)
        # One import time for every paper: on a busy machine the imports straddle a second, and
        # papers of one date would then change order between runs (snapshots flake).
        with sqlite3.connect(folder / "library.sqlite3") as conn:
            conn.execute("UPDATE papers SET added = ?", (f"{TODAY.isoformat()}T12:00:00+00:00",))
        conn.close()
    return library


def app_on(folder: Path, empty: bool = False, **config: Any) -> QuireApp:
    """The reader on a library in ``folder`` (the seeds unless ``empty``), config from kwargs."""
    folder.mkdir(parents=True, exist_ok=True)
    library = Library(folder / "library.sqlite3") if empty else seeded_library(folder)
    return make_app(Config(**config), config_path=folder / "config.toml", library=library,
                    import_sample_if_new=False)


# How long a test may wait for the reader to become quiet before it fails (a hang, not a wait:
# every loop below returns as soon as its condition holds).
SETTLE_TIMEOUT = 30.0


async def ready(pilot: Pilot[Any], timeout: float = SETTLE_TIMEOUT) -> None:
    """Wait until the search index is built, then until the reader is quiet.

    Fails loudly if the index never builds (its worker failed, or it never started).
    """
    app = pilot.app
    assert isinstance(app, QuireApp)
    deadline = monotonic() + timeout
    while app.index is None:
        failed = [w for w in app.workers if w.state == WorkerState.ERROR]
        if failed:
            raise AssertionError(f"the index was never built: {failed[0].error!r}")
        if not app.is_running:
            raise AssertionError("the app stopped before the index was built")
        if monotonic() > deadline:
            raise AssertionError(f"the index was not built within {timeout} s")
        await _workers_done(app)
        await pilot.pause()
    await settle(pilot)


async def settle(pilot: Pilot[Any]) -> None:
    """Wait until the reader is quiet: no worker running, no detail update due, no animation
    scheduled and every pending message handled.

    A worker's result can start another worker (a refresh starts a query), so this loops until
    a whole round finds nothing left to do.
    """
    deadline = monotonic() + SETTLE_TIMEOUT
    while True:
        await pilot.wait_for_scheduled_animations()
        await _workers_done(pilot.app)
        await pilot.pause()
        busy = _busy(pilot)
        if not busy:
            return
        if monotonic() > deadline:
            raise AssertionError(f"the reader did not settle within {SETTLE_TIMEOUT} s: {busy}")


async def wait_until(pilot: Pilot[Any], condition: Callable[[], bool], what: str) -> None:
    """Wait for something outside the reader's workers (another process, a timer); fail if it
    never happens."""
    deadline = monotonic() + SETTLE_TIMEOUT
    while not condition():
        if monotonic() > deadline:
            raise AssertionError(f"never happened within {SETTLE_TIMEOUT} s: {what}")
        await pilot.pause()


def _working(app: App[Any]) -> list[Worker[Any]]:
    """Running workers, except those waiting on an open dialog (they end when it closes)."""
    return [w for w in app.workers if not w.is_finished and w.group != "dialog"]


async def _workers_done(app: App[Any]) -> None:
    """Wait for the workers; a superseded (cancelled) one is not an error, a failed one is."""
    working = _working(app)
    if working:
        with suppress(WorkerCancelled):
            await app.workers.wait_for_complete(working)


def _busy(pilot: Pilot[Any]) -> list[str]:
    """What is still going on: running workers and a detail update waiting for its timer."""
    busy = [f"worker {w.name!r}" for w in _working(pilot.app)]
    main = next((s for s in pilot.app.screen_stack if isinstance(s, MainScreen)), None)
    if main is not None and main.detail_due:
        busy.append("detail update due")
    return busy


def screen(pilot: Pilot[Any]) -> MainScreen:
    """The main screen (even with a modal open above it)."""
    return next(s for s in pilot.app.screen_stack if isinstance(s, MainScreen))


def papers(pilot: Pilot[Any]) -> PaperList:
    """The paper list."""
    return screen(pilot).query_one(PaperList)


def library(pilot: Pilot[Any]) -> Library:
    """The app's library."""
    app = pilot.app
    assert isinstance(app, QuireApp)
    return app.library
