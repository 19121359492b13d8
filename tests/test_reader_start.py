"""What the reader does while it starts: only what the first frame needs is imported, and the
footer is not rebuilt when what it shows did not change."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from textual.widgets._footer import FooterKey

from app_support import app_on, ready, screen, settle
from quire.app import resting_gc
from quire.app.widgets.footer import KeyFooter
from quire.app.widgets.paper_list import PaperList

SIZE = (120, 40)

# Loaded on first use (a sync, an import, the note editor, a file dialog, a link) or by the
# index's worker once the first rows are drawn, never before the reader opens.
NOT_AT_START = (
    "httpx",
    "numpy",
    "quire.sync",
    "quire.importers",
    "quire.export",
    "quire.search.persist",
    "quire.search.opening",
    "quire.app.sync_run",
    "quire.app.screens.files",
    "quire.app.screens.note_editor",
    "webbrowser",
)


def test_opening_the_reader_imports_only_what_the_first_frame_needs() -> None:
    code = (
        "import sys\n"
        "from quire.app import make_app\n"
        "from quire.config import Config\n"
        "from quire.store import Library\n"
        f"print(','.join(m for m in {NOT_AT_START!r} if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == ""


async def test_the_footer_is_rebuilt_only_when_its_keys_change(tmp_path: Path) -> None:
    app = app_on(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        footer = screen(pilot).query_one(KeyFooter)
        keys = list(footer.query(FooterKey))
        assert keys
        await pilot.press("tab")  # focus moves to the detail: the same keys are shown
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
        assert list(footer.query(FooterKey)) == keys  # the same widgets: not rebuilt
        await pilot.resize_terminal(80, 24)  # compact: other keys fit
        await settle(pilot)
        await pilot.pause()
        rebuilt = list(footer.query(FooterKey))
        assert rebuilt and rebuilt[0] is not keys[0]
        shown = [k.description for k in rebuilt if k.display]
        assert "Help" in shown and "Quit" in shown


async def test_keys_and_the_mouse_put_off_full_garbage_passes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = app_on(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        seen: list[str] = []
        real = resting_gc.activity

        def activity() -> None:
            seen.append("busy")
            real()

        monkeypatch.setattr(resting_gc, "activity", activity)
        await pilot.press("j")
        assert seen
        seen.clear()
        await pilot.click(PaperList, offset=(5, 3))  # a click on the list, no key
        assert seen
