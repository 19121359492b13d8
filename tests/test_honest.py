"""The core behind honest messages: a browser that failed, a clipboard that was not there, and
how many papers came in since the reader was last opened."""

from __future__ import annotations

import os
import stat
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from quire.browser import open_url, run_browser
from quire.clipboard import copy_to_system_clipboard
from quire.store import Library
from quire.visits import begin_visit

URL = "https://arxiv.org/abs/2401.00001"


def script(folder: Path, name: str, body: str) -> Path:
    """An executable shell script (a stand-in browser or clipboard tool that really runs)."""
    path = folder / name
    path.write_text(f"#!/bin/sh\n{body}\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


def test_a_browser_that_starts_is_reported_as_started(tmp_path: Path) -> None:
    got = tmp_path / "got"
    browser = script(tmp_path, "browser", f'echo "$1" > {got}')
    assert open_url(URL, f"{browser} {{url}}") is None
    assert got.read_text().strip() == URL


def test_a_browser_still_running_counts_as_started(tmp_path: Path) -> None:
    browser = script(tmp_path, "browser", "sleep 5")
    assert run_browser([str(browser), URL], settle=0.2) is None


def test_a_failing_browser_says_why(tmp_path: Path) -> None:
    browser = script(tmp_path, "browser", 'echo "Error: no DISPLAY environment variable" >&2\nexit 3')
    problem = open_url(URL, f"{browser} {{url}}")
    assert problem is not None
    assert "exit status 3" in problem and "no DISPLAY" in problem


def test_a_missing_browser_says_so(tmp_path: Path) -> None:
    problem = open_url(URL, str(tmp_path / "no-such-browser"))
    assert problem is not None and "could not run" in problem


def test_a_url_quire_could_not_have_built_is_refused() -> None:
    assert "refusing" in (open_url("https://x.org/a b; rm -rf ~", "") or "")


def test_no_clipboard_tool_means_no_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    assert copy_to_system_clipboard("text") is None


@pytest.mark.skipif(sys.platform == "darwin", reason="pbcopy is tried first on macOS")
def test_a_clipboard_tool_that_fails_is_not_a_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    script(tmp_path, "xclip", 'cat > /dev/null\necho "Error: Can\'t open display" >&2\nexit 1')
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}/usr/bin:/bin")
    monkeypatch.setenv("DISPLAY", ":0")
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    assert copy_to_system_clipboard("text") is None


@pytest.mark.skipif(sys.platform == "darwin", reason="pbcopy is tried first on macOS")
def test_a_clipboard_tool_that_works_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    got = tmp_path / "clip"
    script(tmp_path, "wl-copy", f"cat > {got}")
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}/usr/bin:/bin")
    monkeypatch.setenv("WAYLAND_DISPLAY", "wayland-0")
    assert copy_to_system_clipboard("@article{x}") == "wl-copy"
    assert got.read_text() == "@article{x}"


def test_new_since_last_visit_counts_papers_added_after_it(seeded: Library) -> None:
    first = begin_visit(seeded)
    assert first.previous is None and first.new_papers(seeded) is None
    rev = seeded.current_rev()
    second = begin_visit(seeded)
    assert second.new_papers(seeded) == 0
    assert seeded.current_rev() == rev  # bookkeeping: other readers need not catch up
    long_ago = begin_visit(seeded, now=datetime.now(UTC) - timedelta(days=3650))
    assert long_ago.previous is not None
    assert begin_visit(seeded).new_papers(seeded) == seeded.count()
