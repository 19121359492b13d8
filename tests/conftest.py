"""Shared fixtures: real SQLite libraries in temporary folders, the real seed pages."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from quire.importers import import_path
from quire.store import Library

FIXTURES = Path(__file__).parent / "fixtures"
SEEDS = sorted(FIXTURES.glob("0*.txt"))
# The seed captures come from 2025 pages; a fixed "today" keeps the year rule deterministic.
TODAY = date(2026, 11, 25)


@pytest.fixture(autouse=True)
def _isolated_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Never touch the real user folders."""
    monkeypatch.setenv("QUIRE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("QUIRE_CONFIG", str(tmp_path / "config" / "config.toml"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))


@pytest.fixture
def library(tmp_path: Path) -> Iterator[Library]:
    """An empty library file."""
    lib = Library(tmp_path / "lib.sqlite3")
    yield lib
    lib.close()


@pytest.fixture
def seeded(library: Library) -> Library:
    """A library holding the five real seed pages."""
    for seed in SEEDS:
        import_path(library, seed, today=TODAY)
    return library


def dump(path: Path) -> list[str]:
    """Every row of every table, for comparing a library before and after."""
    conn = sqlite3.connect(path)
    try:
        return list(conn.iterdump())
    finally:
        conn.close()
