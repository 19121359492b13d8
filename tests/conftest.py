"""Shared fixtures: real SQLite libraries in temporary folders, the real seed pages.

Importing the five seed pages and indexing them is the same work for every test that wants them,
so it is done once per test process into a template folder (``seed_template``) and each test gets
a copy of the files in its own ``tmp_path``: a real library file, opened fresh, never shared.
"""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from quire import locations
from quire.importers import import_path
from quire.store import Library

FIXTURES = Path(__file__).parent / "fixtures"
SEEDS = sorted(FIXTURES.glob("0*.txt"))
# The seed captures come from 2025 pages; a fixed "today" keeps the year rule deterministic.
TODAY = date(2026, 11, 25)


# The session's folder for templates (set by ``_template_folder`` before any test runs).
_TEMPLATES: list[Path] = []


@pytest.fixture(scope="session", autouse=True)
def _template_folder(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Where this test process keeps its templates (one per pytest-xdist worker)."""
    _TEMPLATES[:] = [tmp_path_factory.mktemp("templates")]


def seed_template(kind: str) -> Path:
    """The folder of a template library, made on first use in this process.

    ``plain``: the seeds imported as ``seeded`` always did (``lib.sqlite3``). ``app``: the seeds
    with one import time for every paper and a saved search index beside it (``index/``), as the
    reader finds a library it has opened before.
    """
    folder = _TEMPLATES[0] / kind
    if (folder / "done").exists():
        return folder
    folder.mkdir(exist_ok=True)
    path = folder / "lib.sqlite3"
    with Library(path) as library:
        for seed in SEEDS:
            import_path(library, seed, today=TODAY)
        if kind == "app":
            # One import time for every paper: on a busy machine the imports straddle a second,
            # and papers of one date would then change order between runs (snapshots flake).
            with sqlite3.connect(path) as conn:
                conn.execute("UPDATE papers SET added = ?", (f"{TODAY.isoformat()}T12:00:00+00:00",))
            conn.close()
            from quire.search import SearchIndex
            from quire.search.persist import save

            save(SearchIndex.build(library), folder / "index")
    (folder / "done").touch()
    return folder


def copy_template(kind: str, path: Path, saved_index: bool = False) -> None:
    """Put a copy of a template library at ``path`` (and, if asked, its saved index in the cache
    folder where quire looks for it)."""
    template = seed_template(kind)
    path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(template / "lib.sqlite3", path)
    if saved_index:
        shutil.copytree(template / "index", locations.index_dir(path))


@pytest.fixture(autouse=True)
def _isolated_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Never touch the real user folders."""
    monkeypatch.setenv("QUIRE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("QUIRE_CONFIG", str(tmp_path / "config" / "config.toml"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))


@pytest.fixture
def library(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Library]:
    """An empty library file; the seeded one when the test asks for ``seeded`` (the same object)."""
    if "seeded" in request.fixturenames:
        copy_template("plain", tmp_path / "lib.sqlite3")
    lib = Library(tmp_path / "lib.sqlite3")
    yield lib
    lib.close()


@pytest.fixture
def seeded(library: Library) -> Library:
    """A library holding the five real seed pages (a copy of the ``plain`` template)."""
    return library


def dump(path: Path) -> list[str]:
    """Every row of every table, for comparing a library before and after."""
    conn = sqlite3.connect(path)
    try:
        return list(conn.iterdump())
    finally:
        conn.close()
