"""Helpers for driving the reader in tests: an app on a real library, and waiting for it."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from contextlib import suppress
from pathlib import Path
from time import monotonic
from typing import Any

import textual._wait
from textual import events
from textual.app import App
from textual.keys import _character_to_key
from textual.pilot import Pilot
from textual.widget import Widget
from textual.worker import Worker, WorkerCancelled, WorkerFailed, WorkerState

from conftest import SEEDS, TODAY, copy_template
from quire.app import make_app
from quire.app.quire_app import QuireApp
from quire.app.screens.main import MainScreen
from quire.app.widgets.paper_list import PaperList
from quire.config import Config
from quire.importers import import_path
from quire.store import Library


def seeded_library(folder: Path, saved_index: bool = False) -> Library:
    """A library file in ``folder`` holding the five seed pages (with its search index saved in
    the cache if ``saved_index``, as after an earlier start of the reader).

    A copy of the session's template (see ``conftest.seed_template``), unless ``folder`` already
    holds a library: a restart in a test opens what the test left there.
    """
    path = folder / "library.sqlite3"
    if not path.exists():
        copy_template("app", path, saved_index=saved_index)
    library = Library(path)
    if library.count() == 0:  # an empty library a test made here: seed it as the template was
        for seed in SEEDS:
            import_path(library, seed, today=TODAY)
        with sqlite3.connect(path) as conn:
            conn.execute("UPDATE papers SET added = ?", (f"{TODAY.isoformat()}T12:00:00+00:00",))
        conn.close()
    return library


def app_on(folder: Path, empty: bool = False, **config: Any) -> QuireApp:
    """The reader on a library in ``folder`` (the seeds unless ``empty``), config from kwargs.

    A new seeded library comes with its index saved (building it is covered by its own tests);
    one a test made in ``folder`` beforehand is opened as it is.
    """
    folder.mkdir(parents=True, exist_ok=True)
    library = Library(folder / "library.sqlite3") if empty else seeded_library(folder, True)
    return make_app(
        Config(**config), config_path=folder / "config.toml", library=library, import_sample_if_new=False
    )


# Pilot waits after every key press until the process looks idle: it sleeps in 20 ms slices until
# one slice used under 1 ms of CPU (textual._wait). Two such waits per key made typing a query
# cost half a second of doing nothing. Slices of 4 ms (same 5% idle test) still let every queued
# message run first; the tests then wait on the real condition (``settle``), never on this.
_IDLE_SLICE = 0.004
if not hasattr(textual._wait, "SLEEP_GRANULARITY") or not hasattr(textual._wait, "SLEEP_IDLE"):
    raise ImportError("textual._wait changed: revisit the idle slice in tests/app_support.py")
textual._wait.SLEEP_GRANULARITY = _IDLE_SLICE
textual._wait.SLEEP_IDLE = _IDLE_SLICE / 20

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
        failed = [w.error for w in app.workers if w.state == WorkerState.ERROR] + app.crashes
        if failed:
            raise AssertionError(f"the index was never built: {failed[0]!r}")
        if not app.is_running:
            raise AssertionError("the app stopped before the index was built")
        if monotonic() > deadline:
            raise AssertionError(f"the index was not built within {timeout} s")
        try:
            with suppress(WorkerCancelled):
                await app.workers.wait_for_complete(_working(app))
        except WorkerFailed as error:
            raise AssertionError(f"the index was never built: {error.error!r}") from error
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
        await pilot.pause()  # queued messages first: a key press may start an animation
        await pilot.app.animator.wait_until_complete()
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
    """Wait for the running workers (not those waiting on a dialog) to finish.

    A superseded (cancelled) worker is normal. A failed one is the reader's to report (its error
    boundary puts it in ``app.crashes`` and a notification, which tests check): raising it here
    as well would depend on whether it failed before or during this wait.
    """
    working = _working(app)
    if working:
        with suppress(WorkerCancelled, WorkerFailed):
            await app.workers.wait_for_complete(working)


def _busy(pilot: Pilot[Any]) -> list[str]:
    """What is still going on: running workers, animations, a detail update waiting for its
    timer."""
    busy = [f"worker {w.name!r}" for w in _working(pilot.app)]
    if not pilot.app.animator._complete_event.is_set():  # no public "is anything animating"
        busy.append("an animation")
    main = next((s for s in pilot.app.screen_stack if isinstance(s, MainScreen)), None)
    if main is not None and main.detail_due:
        busy.append("detail update due")
    return busy


def focused(pilot: Pilot[Any]) -> Widget | None:
    """The focused widget, read afresh: a call, so that mypy does not carry a type narrowed
    before a key press over to what is focused after it."""
    return pilot.app.focused


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


def _key_event(key: str) -> events.Key:
    """The event a terminal's key brings (``/`` is ``slash``, ``enter`` carries ``\\r``)."""
    if len(key) == 1:
        # The terminal driver names characters this way (``/`` is ``slash``).
        return events.Key(_character_to_key(key), key)
    chars = {"enter": "\r", "escape": "\x1b", "tab": "\t", "space": " ", "backspace": "\x7f"}
    return events.Key(key, chars.get(key))


def type_ahead(pilot: Pilot[Any], *keys: str) -> None:
    """Send keys as one write from the terminal brings them: every key is queued before the app
    handles the first (``pilot.press`` waits for the app between keys, like a slow typist)."""
    driver = pilot.app._driver
    assert driver is not None
    for key in keys:
        event = _key_event(key)
        event.set_sender(pilot.app)
        driver.send_message(event)
