"""The reader and the saved index: a warm start loads it, a damaged one is rebuilt in the open."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest

from app_support import SETTLE_TIMEOUT, app_on, library, papers, ready, seeded_library, wait_until
from quire.app.screens.main import MainScreen
from quire.search.engine import SearchIndex
from quire.search.opening import open_index
from quire.search.persist import CURRENT, folder_for, load
from quire.store import Library

SIZE = (120, 40)


@pytest.fixture
def indexed_text(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The papers whose text was indexed during the test."""
    calls: list[int] = []
    original = SearchIndex._texts

    def counting(row: Any) -> list[str]:
        calls.append(row["pid"])
        return original(row)

    monkeypatch.setattr(SearchIndex, "_texts", staticmethod(counting))
    return calls


@pytest.fixture
def progress(monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, int, str]]:
    """What the status line was told while indexing."""
    seen: list[tuple[int, int, str]] = []
    original = MainScreen.index_progress

    def spy(self: MainScreen, done: int, total: int, reason: str = "") -> None:
        seen.append((done, total, reason))
        original(self, done, total, reason)

    monkeypatch.setattr(MainScreen, "index_progress", spy)
    return seen


async def test_warm_start_loads_the_saved_index(
    tmp_path: Path, indexed_text: list[int], progress: list[tuple[int, int, str]]
) -> None:
    folder = tmp_path / "lib"
    folder.mkdir()
    seeded = seeded_library(folder)
    open_index(seeded)
    pid = seeded.all_pids()[5]
    seeded.add_tags([pid], ["warm"])  # changed since it was saved: caught up at start
    seeded.close()
    indexed_text.clear()
    app = app_on(folder)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        assert app.index is not None and app.index.rev == library(pilot).current_rev()
        assert indexed_text == [pid]  # only the changed paper, no build
        assert progress == [(1, 1, "")]
        await pilot.press("slash", *"tag:warm", "enter")
        await ready(pilot)
        assert papers(pilot).pids == [pid]


async def test_damaged_index_is_rebuilt_in_the_background(
    tmp_path: Path, indexed_text: list[int], progress: list[tuple[int, int, str]]
) -> None:
    folder = tmp_path / "lib"
    folder.mkdir()
    seeded = seeded_library(folder)
    open_index(seeded)
    saved = folder_for(seeded)
    generation = saved / (saved / CURRENT).read_text().strip()
    postings = generation / "bm25_block_docs.npy"
    data = bytearray(postings.read_bytes())
    data[-1] ^= 0xFF
    postings.write_bytes(bytes(data))
    seeded.close()
    indexed_text.clear()
    app = app_on(folder)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        assert len(set(indexed_text)) == 390  # rebuilt
        assert progress and progress[-1][:2] == (390, 390)
        assert all("checksum" in reason for _, _, reason in progress)
        assert len(papers(pilot).pids) > 0
        await pilot.press("slash", *"GaLore", "enter")
        await ready(pilot)
        assert papers(pilot).pids
    await app.workers.wait_for_complete()
    assert load(library(pilot)).size == 390  # the rebuilt index was saved


async def test_whole_list_is_read_from_the_store_only_while_indexing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A build takes a while: the list beyond the first screenful comes from the store
    meanwhile. A warm start opens the saved index at once: reading the whole list beside it
    would only slow it down, so it is not read."""
    folder = tmp_path / "lib"
    folder.mkdir()
    seeded_library(folder).close()  # no saved index yet: the first start builds one
    whole_lists: list[int] = []
    all_pids = Library.all_pids

    def spy(self: Library, *args: Any, **kwargs: Any) -> list[int]:
        pids = all_pids(self, *args, **kwargs)
        if kwargs.get("limit") is None:
            whole_lists.append(len(pids))
        return pids

    monkeypatch.setattr(Library, "all_pids", spy)
    release = threading.Event()
    build = SearchIndex.build.__func__  # type: ignore[attr-defined]

    def held_build(cls: type[SearchIndex], *args: Any, **kwargs: Any) -> SearchIndex:
        release.wait(SETTLE_TIMEOUT)  # the build lasts until the test has seen the list
        index: SearchIndex = build(cls, *args, **kwargs)
        return index

    monkeypatch.setattr(SearchIndex, "build", classmethod(held_build))
    app = app_on(folder)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: len(papers(pilot).pids) >= 390, "the list read from the store")
        assert app.index is None and whole_lists == [390] and len(papers(pilot).pids) == 390
        release.set()
        await ready(pilot)
    whole_lists.clear()
    app = app_on(folder)  # warm: the saved index opens at once
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        assert len(papers(pilot).pids) == 390
    assert whole_lists == []
