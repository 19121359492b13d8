"""Typing a query: one search at a time (keys typed meanwhile coalesce, the newest words win),
the count outside the view after the rows, the detail after the typing rests, and the list and
the bar sized without a layout of the screen."""

from __future__ import annotations

import threading
from pathlib import Path
from time import monotonic
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Input

from app_support import app_on, papers, ready, screen, settle, wait_until
from quire.app.screens import main, searching
from quire.app.widgets.detail import DetailPane
from quire.search import SearchResult
from quire.views import more_elsewhere, run_view, view_query

SIZE = (120, 40)


def bar(pilot: Pilot[Any]) -> Input:
    """The search input."""
    return screen(pilot).query_one("#search-input", Input)


def status(pilot: Pilot[Any]) -> str:
    """The line under the search bar."""
    return str(screen(pilot).query_one("#search-status").render())


def expected(pilot: Pilot[Any], typed: str) -> list[int]:
    """The papers the open view lists for ``typed``, straight from the core."""
    main_screen = screen(pilot)
    index = main_screen.session.index
    assert index is not None
    view = main_screen.views[main_screen.view_index]
    return run_view(index, view, view_query(view, typed), typed=typed).pids


async def test_keys_typed_during_a_search_cost_one_search_and_the_newest_words_win(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = run_view
    started, release = threading.Event(), threading.Event()
    searched: list[str | None] = []

    def held(*args: Any, **kwargs: Any) -> SearchResult:
        searched.append(kwargs.get("typed"))
        if len(searched) == 1:  # the first search is slow: every other key arrives during it
            started.set()
            release.wait(30)
        return real(*args, **kwargs)

    try:
        app = app_on(tmp_path)
        async with app.run_test(size=SIZE) as pilot:
            await ready(pilot)
            shown: list[str] = []
            show = screen(pilot)._show_result

            def spy(result: SearchResult) -> None:
                shown.append(bar(pilot).value)
                show(result)

            monkeypatch.setattr(screen(pilot), "_show_result", spy)
            monkeypatch.setattr(searching, "run_view", held)
            await pilot.press("/", "k")
            await wait_until(pilot, started.is_set, "the first search started")
            await pilot.press(*"ernel")
            release.set()
            await settle(pilot)
            monkeypatch.setattr(searching, "run_view", real)
            assert searched == ["k", "kernel"]  # five keys, two searches: the first and the newest
            assert shown == ["kernel"]  # the result for "k" came too late and was never shown
            assert papers(pilot).pids == expected(pilot, "kernel") != []
    finally:
        release.set()  # never leave the held worker waiting, even when the test fails


async def test_a_count_outside_the_view_for_older_words_is_never_shown(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = more_elsewhere
    started, release = threading.Event(), threading.Event()
    counted: list[str] = []

    def held(index: Any, view: Any, typed: str, *args: Any, **kwargs: Any) -> int:
        counted.append(typed)
        if typed == "diffusion":  # held until newer words are typed
            started.set()
            release.wait(30)
        return real(index, view, typed, *args, **kwargs)

    try:
        app = app_on(tmp_path)
        async with app.run_test(size=SIZE) as pilot:
            await ready(pilot)
            index = app.index
            assert index is not None
            read = index.search("diffusion").pids[:5]
            app.library.set_read(read, True)  # five of them are outside the Inbox
            monkeypatch.setattr(searching, "more_elsewhere", held)
            await pilot.press("/", *"diffusion")
            await wait_until(pilot, started.is_set, "the count for 'diffusion' started")
            await pilot.press("backspace", *"model")  # "diffusiomodel": found nowhere
            release.set()
            await settle(pilot)
            assert bar(pilot).value == "diffusiomodel"
            assert papers(pilot).pids == [] and "more in All" not in status(pilot)
            await pilot.press(*["backspace"] * 13, *"diffusion")
            await settle(pilot)
            assert "5 more in All" in status(pilot)
            monkeypatch.setattr(searching, "more_elsewhere", real)
    finally:
        release.set()  # never leave the held worker waiting, even when the test fails


async def test_the_detail_of_a_typed_result_waits_for_the_typing_to_rest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = app_on(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        applied: list[float] = []
        details: list[tuple[float, int | None]] = []
        show = screen(pilot)._show_result
        detail = screen(pilot).query_one(DetailPane)
        show_detail = detail.show

        def spy_result(result: SearchResult) -> None:
            applied.append(monotonic())
            show(result)

        def spy_detail(paper: Any, *args: Any) -> None:
            details.append((monotonic(), paper.pid if paper else None))
            show_detail(paper, *args)

        monkeypatch.setattr(screen(pilot), "_show_result", spy_result)
        monkeypatch.setattr(detail, "show", spy_detail)
        await pilot.press("/", *"model")
        await settle(pilot)
        assert applied and details
        # Timers never fire early: the detail came at least the typing delay after the last
        # result, and shows the paper under the cursor.
        assert details[-1][0] - applied[-1] >= main.TYPING_DETAIL_DELAY
        assert details[-1][1] == papers(pilot).current_pid == expected(pilot, "model")[0]
        await pilot.press("enter", "j")  # cursor keys keep the short delay
        await settle(pilot)
        assert details[-1][1] == papers(pilot).current_pid == expected(pilot, "model")[1]


async def test_the_scrollbar_follows_each_result_without_a_layout(tmp_path: Path) -> None:
    app = app_on(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("2")  # All: longer than the screen
        await settle(pilot)
        plist = papers(pilot)
        height = plist.container_size.height

        def sized() -> None:
            lines = len(plist.pids) + (plist.divider is not None)
            assert plist.virtual_size.height == lines
            assert plist.show_vertical_scrollbar == (lines > height)
            if lines > height:
                assert plist.vertical_scrollbar.window_virtual_size == lines

        sized()
        everything = len(plist.pids)
        await pilot.press("/", *"model")  # fewer papers, still more than a screenful
        await settle(pilot)
        assert height < len(plist.pids) < everything
        sized()
        await pilot.press("enter", "G")  # the last paper is reachable and drawn
        await settle(pilot)
        assert plist.cursor == len(plist.pids) - 1
        assert plist.scroll_y == plist.max_scroll_y > 0
        await pilot.press("/", *["backspace"] * 5, *"kernel")  # a few papers: the scrollbar goes
        await settle(pilot)
        assert 0 < len(plist.pids) <= height
        sized()
        await pilot.press(*["backspace"] * 6)  # all again: it comes back
        await settle(pilot)
        assert len(plist.pids) == everything
        sized()


async def test_a_long_query_scrolls_the_bar_to_the_cursor(tmp_path: Path) -> None:
    app = app_on(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        words = "model " * 30 + "END"
        await pilot.press("/", *words)
        await settle(pilot)
        search = bar(pilot)
        assert search.value == words
        assert search.scroll_x > 0
        assert "END" in search.render_line(0).text
