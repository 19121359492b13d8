"""Snapshots of the reader at a fixed size (pytest-textual-snapshot), grouped by feature.

Update after an intended change with: pytest -n 0 tests/test_snapshots.py --snapshot-update
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from textual.pilot import Pilot
from textual.widgets import Input

from app_support import app_on, library, ready, screen, settle

SIZE = (120, 36)
SnapCompare = Callable[..., bool]


def prepare(*keys: str, annotate: bool = False) -> Callable[[Pilot[Any]], Awaitable[None]]:
    """Wait for the index, optionally annotate a paper, press keys, let everything settle."""

    async def run_before(pilot: Pilot[Any]) -> None:
        await ready(pilot)
        if annotate:
            lib = library(pilot)
            pid = lib.resolve(lib.get_papers(lib.all_pids()[:1])[0].id)
            lib.add_tags([pid], ["to-read", "rl"])
            lib.set_note(pid, "Compare with GRPO; the active-learning angle is new.")
            lib.set_bookmarked([pid], True)
            screen(pilot).check_for_changes()  # what the app does every 2 s on its own
            await settle(pilot)
        for input_widget in pilot.app.query(Input):
            input_widget.cursor_blink = False
        await pilot.press(*keys)
        await settle(pilot)
        for input_widget in pilot.app.screen.query(Input):
            input_widget.cursor_blink = False
        await pilot.pause()

    return run_before


def test_main_screen(snap_compare: SnapCompare, tmp_path: Path) -> None:
    assert snap_compare(app_on(tmp_path), terminal_size=SIZE, run_before=prepare("j", "j", annotate=True))


def test_detail_with_note_tags_and_similar(snap_compare: SnapCompare, tmp_path: Path) -> None:
    assert snap_compare(app_on(tmp_path), terminal_size=SIZE, run_before=prepare(annotate=True))


def test_search_with_highlights(snap_compare: SnapCompare, tmp_path: Path) -> None:
    assert snap_compare(
        app_on(tmp_path), terminal_size=SIZE, run_before=prepare("slash", *"learning rate sched")
    )


def test_search_error_message(snap_compare: SnapCompare, tmp_path: Path) -> None:
    assert snap_compare(app_on(tmp_path), terminal_size=SIZE, run_before=prepare("slash", *"rank year:20x"))


def test_tag_editor(snap_compare: SnapCompare, tmp_path: Path) -> None:
    assert snap_compare(app_on(tmp_path), terminal_size=SIZE, run_before=prepare("t", *"to-r", annotate=True))


def test_help(snap_compare: SnapCompare, tmp_path: Path) -> None:
    assert snap_compare(app_on(tmp_path), terminal_size=SIZE, run_before=prepare("question_mark"))


def test_welcome_view(snap_compare: SnapCompare, tmp_path: Path) -> None:
    assert snap_compare(app_on(tmp_path, empty=True), terminal_size=SIZE, run_before=prepare())


def test_narrow_layout_list_and_detail(snap_compare: SnapCompare, tmp_path: Path) -> None:
    assert snap_compare(
        app_on(tmp_path, mark_read_on_open=False), terminal_size=(80, 30), run_before=prepare("j", "enter")
    )


def test_wide_layout_with_sidebar(snap_compare: SnapCompare, tmp_path: Path) -> None:
    assert snap_compare(app_on(tmp_path), terminal_size=(160, 36), run_before=prepare(annotate=True))


def test_light_theme(snap_compare: SnapCompare, tmp_path: Path) -> None:
    assert snap_compare(
        app_on(tmp_path, theme="quire-light"),
        terminal_size=SIZE,
        run_before=prepare("slash", *"diffusion", "enter", annotate=True),
    )


def test_high_contrast_theme(snap_compare: SnapCompare, tmp_path: Path) -> None:
    assert snap_compare(
        app_on(tmp_path, theme="quire-high-contrast"), terminal_size=SIZE, run_before=prepare()
    )


def test_main_screen_at_80x24(snap_compare: SnapCompare, tmp_path: Path) -> None:
    assert snap_compare(app_on(tmp_path), terminal_size=(80, 24), run_before=prepare("j", annotate=True))


def test_main_screen_at_60x20(snap_compare: SnapCompare, tmp_path: Path) -> None:
    assert snap_compare(app_on(tmp_path), terminal_size=(60, 20), run_before=prepare("j", annotate=True))


def test_tag_editor_at_60x20(snap_compare: SnapCompare, tmp_path: Path) -> None:
    assert snap_compare(
        app_on(tmp_path), terminal_size=(60, 20), run_before=prepare("t", *"to-r", annotate=True)
    )


def test_export_dialog_at_60x20(snap_compare: SnapCompare, tmp_path: Path) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await prepare("e")(pilot)
        # The suggested file is in the working directory: a fixed one keeps the picture stable.
        pilot.app.screen.query_one(Input).value = "~/papers/quire-export.bib"
        await settle(pilot)

    assert snap_compare(app_on(tmp_path), terminal_size=(60, 20), run_before=run_before)


def test_narrow_detail_scrolled_at_80x24(snap_compare: SnapCompare, tmp_path: Path) -> None:
    assert snap_compare(
        app_on(tmp_path, mark_read_on_open=False),
        terminal_size=(80, 24),
        run_before=prepare("enter", "pagedown"),
    )
