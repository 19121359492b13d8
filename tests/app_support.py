"""Helpers for driving the reader in tests: an app on a real library, and waiting for it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.pilot import Pilot

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
    return library


def app_on(folder: Path, empty: bool = False, **config: Any) -> QuireApp:
    """The reader on a library in ``folder`` (the seeds unless ``empty``), config from kwargs."""
    folder.mkdir(parents=True, exist_ok=True)
    library = Library(folder / "library.sqlite3") if empty else seeded_library(folder)
    return make_app(Config(**config), config_path=folder / "config.toml", library=library,
                    import_sample_if_new=False)


async def ready(pilot: Pilot[Any]) -> None:
    """Wait until the index is built and every worker (search, detail, similar) is done."""
    app = pilot.app
    assert isinstance(app, QuireApp)
    for _ in range(200):
        await pilot.pause()
        if app.index is not None or app.library.count() == 0:
            break
    await settle(pilot)


async def settle(pilot: Pilot[Any]) -> None:
    """Let timers fire and workers finish, twice over (a result can start another worker)."""
    for _ in range(3):
        await pilot.pause(0.12)
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()


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
