"""The reader driven through Textual's Pilot: every key, views, undo, dialogs, persistence."""

from __future__ import annotations

import shutil
import tomllib
from pathlib import Path
from typing import Any

import pytest
from textual.app import App
from textual.command import CommandList, CommandPalette
from textual.pilot import Pilot
from textual.widgets import Input, OptionList, TextArea

from app_support import app_on, focused, library, papers, ready, screen, settle, wait_until
from conftest import FIXTURES
from quire.app.screens.files import ExportDialog, ImportDialog
from quire.app.screens.help import HelpScreen
from quire.app.screens.note_editor import NoteEditor
from quire.app.screens.tag_editor import TagEditor
from quire.app.screens.theme_picker import ThemePicker
from quire.app.widgets.detail import DetailPane
from quire.app.widgets.sidebar import ViewsSidebar
from quire.store import Library

SIZE = (120, 40)


def current(pilot) -> int:  # type: ignore[no-untyped-def]
    pid = papers(pilot).current_pid
    assert pid is not None
    return pid


def _palette_offers(app: App[Any], prompt: str) -> bool:
    """The command palette is open and its highlighted hit starts with ``prompt``."""
    if not isinstance(app.screen, CommandPalette):
        return False
    hits = app.screen.query_one(CommandList)
    option = hits.highlighted_option
    return option is not None and str(option.prompt).startswith(prompt)


async def test_starts_on_inbox_and_moves(tmp_path: Path) -> None:
    app = app_on(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        plist = papers(pilot)
        assert len(plist.pids) == 390 and plist.cursor == 0
        await pilot.press("j", "j", "down")
        assert plist.cursor == 3
        await pilot.press("k", "up")
        assert plist.cursor == 1
        await pilot.press("G")
        assert plist.cursor == 389
        await pilot.press("g")
        assert plist.cursor == 0
        await pilot.press("pagedown")
        assert plist.cursor == plist.size.height - 1
        await pilot.press("pageup")
        assert plist.cursor == 0
        await pilot.press("end", "home")
        assert plist.cursor == 0


async def test_detail_follows_cursor_with_similar_papers(tmp_path: Path) -> None:
    app = app_on(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("j")
        await settle(pilot)
        detail = screen(pilot).query_one(DetailPane)
        title = str(detail.query_one("#detail-title").render())
        assert title == library(pilot).get_paper(current(pilot)).title
        similar = detail.query_one("#detail-similar", OptionList)
        assert similar.option_count == 5
        chosen = int(similar.get_option_at_index(0).id or 0)
        similar.focus()
        await pilot.press("enter")
        await settle(pilot)
        assert current(pilot) == chosen


async def test_search_bar_live_results_and_enter(tmp_path: Path) -> None:
    app = app_on(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("slash")
        assert isinstance(app.focused, Input)
        await pilot.press(*"kernel tun")
        await settle(pilot)
        plist = papers(pilot)
        assert library(pilot).get_paper(plist.pids[0]).title.startswith("OS-R1")
        assert {"kernel", "tun"} <= plist.terms | set(plist.prefixes)
        await pilot.press("enter")
        assert focused(pilot) is plist and plist.cursor == 0
        assert not library(pilot).get_paper(plist.pids[0]).annotation.read  # Enter opens nothing
        await pilot.press("escape")  # clears the search
        await settle(pilot)
        assert len(plist.pids) == 390


async def test_bad_query_shows_message_and_still_searches(tmp_path: Path) -> None:
    app = app_on(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("slash", *"kernel year:abc")
        await settle(pilot)
        status = str(screen(pilot).query_one("#search-status").render())
        assert "year:abc is not a valid year" in status
        assert papers(pilot).pids


async def test_no_results_suggests_removing_a_filter(tmp_path: Path) -> None:
    app = app_on(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("slash", *"kernel is:bookmarked")
        await settle(pilot)
        empty = screen(pilot).query_one("#empty")
        assert empty.display and "No papers match" in str(empty.render())
        assert "removing a filter" in str(empty.render())


async def test_escape_from_search_returns_to_list(tmp_path: Path) -> None:
    app = app_on(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("slash", "escape")
        assert app.focused is papers(pilot)


async def test_enter_marks_read_unless_configured(tmp_path: Path) -> None:
    app = app_on(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        pid = current(pilot)
        await pilot.press("enter")
        assert library(pilot).get_paper(pid).annotation.read
    app = app_on(tmp_path / "b", mark_read_on_open=False)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        pid = current(pilot)
        await pilot.press("enter")
        assert not library(pilot).get_paper(pid).annotation.read


async def test_bookmark_read_and_undo_redo(tmp_path: Path) -> None:
    app = app_on(tmp_path)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await ready(pilot)
        pid = current(pilot)
        lib = library(pilot)
        await pilot.press("b")
        assert lib.get_paper(pid).annotation.bookmarked
        await pilot.press("r")
        assert lib.get_paper(pid).annotation.read
        await pilot.press("u")
        assert not lib.get_paper(pid).annotation.read
        assert any("Undid: Marked 1 paper read" in n.message for n in app._notifications)
        await pilot.press("u")
        assert not lib.get_paper(pid).annotation.bookmarked
        await pilot.press("U")
        assert lib.get_paper(pid).annotation.bookmarked
        await pilot.press("b")
        assert not lib.get_paper(pid).annotation.bookmarked
        await pilot.press("u", "u", "u", "u")
        assert any("Nothing to undo" in n.message for n in app._notifications)


async def test_selection_and_bulk_actions(tmp_path: Path) -> None:
    app = app_on(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        plist = papers(pilot)
        first, second, third = plist.pids[:3]
        await pilot.press("space", "space", "space")
        assert plist.selection == {first, second, third}
        await pilot.press("b", "r")
        lib = library(pilot)
        for pid in (first, second, third):
            ann = lib.get_paper(pid).annotation
            assert ann.bookmarked and ann.read
        await pilot.press("t")
        await pilot.press(*"batch", "enter")
        assert dict(lib.tag_counts()) == {"batch": 3}
        await pilot.press("u")  # one undo takes back the whole bulk tag
        assert lib.tag_counts() == []
        await pilot.press("escape")
        assert plist.selection == set()


async def test_tag_editor_adds_removes_and_completes(tmp_path: Path) -> None:
    app = app_on(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        lib = library(pilot)
        pid = current(pilot)
        lib.add_tags([pid], ["reinforcement-learning"])
        await pilot.press("t")
        assert isinstance(app.screen, TagEditor)
        await pilot.press(*"to-read rein")
        await pilot.press("right")  # accept the suggestion
        value = app.screen.query_one(Input).value
        assert value == "to-read reinforcement-learning"
        await pilot.press("enter")
        assert lib.get_paper(pid).annotation.tags == ["reinforcement-learning", "to-read"]
        await pilot.press("t", *"-to-read", "enter")
        assert lib.get_paper(pid).annotation.tags == ["reinforcement-learning"]
        await pilot.press("t", *"nothing", "escape")
        assert lib.get_paper(pid).annotation.tags == ["reinforcement-learning"]
        await pilot.press("t", *"bad:tag", "enter")
        assert lib.get_paper(pid).annotation.tags == ["reinforcement-learning"]


async def test_tags_become_views_with_counts(tmp_path: Path) -> None:
    app = app_on(tmp_path)
    async with app.run_test(size=(160, 40)) as pilot:
        await ready(pilot)
        await pilot.press("t", *"later", "enter")
        await settle(pilot)
        sidebar = screen(pilot).query_one(ViewsSidebar)
        labels = [str(sidebar.get_option_at_index(i).prompt) for i in range(sidebar.option_count)]
        assert any("#later 1" in label for label in labels)
        await pilot.press("5")
        await settle(pilot)
        assert len(papers(pilot).pids) == 1


async def test_note_editor_saves_multiline_and_cancels(tmp_path: Path) -> None:
    app = app_on(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        pid = current(pilot)
        await pilot.press("a")
        assert isinstance(app.screen, NoteEditor)
        area = app.screen.query_one(TextArea)
        area.insert("first line\nsecond line")
        await pilot.press("ctrl+s")
        assert library(pilot).get_paper(pid).annotation.note == "first line\nsecond line"
        await pilot.press("a")
        app.screen.query_one(TextArea).insert(" more")
        await pilot.press("escape", "y")  # a changed draft is dropped only when confirmed
        assert library(pilot).get_paper(pid).annotation.note == "first line\nsecond line"
        await pilot.press("u")
        assert library(pilot).get_paper(pid).annotation.note == ""


async def test_views_keys_and_sidebar_toggle(tmp_path: Path) -> None:
    # Kernels is the fifth view; its own key, 7, opens it (not its position).
    app = app_on(tmp_path, views=[{"name": "Kernels", "query": "kernel", "key": "7"}])
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        lib = library(pilot)
        lib.set_read(lib.all_pids()[:10], True)
        lib.set_bookmarked(lib.all_pids()[:2], True)
        await pilot.press("2")
        await settle(pilot)
        assert len(papers(pilot).pids) == 390
        await pilot.press("3")
        await settle(pilot)
        assert len(papers(pilot).pids) == 2
        await pilot.press("1")
        await settle(pilot)
        assert len(papers(pilot).pids) == 380
        await pilot.press("7")
        await settle(pilot)
        assert 0 < len(papers(pilot).pids) < 20
        assert "Kernels" in str(screen(pilot).query_one("#search-status").render())
        sidebar = screen(pilot).query_one(ViewsSidebar)
        assert str(sidebar.get_option_at_index(4).prompt).startswith("7 Kernels")
        assert not sidebar.display  # 120 columns: hidden until asked for
        await pilot.press("v")
        assert sidebar.display
        await pilot.press("v")
        assert not sidebar.display


async def test_for_you_and_similar_views(tmp_path: Path) -> None:
    app = app_on(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("f")
        await settle(pilot)
        assert papers(pilot).pids == []
        assert "bookmark papers you like with b" in str(screen(pilot).query_one("#empty").render())
        await pilot.press("2", "b")
        await settle(pilot)
        seed = current(pilot)
        await pilot.press("f")
        await settle(pilot)
        assert papers(pilot).pids and seed not in papers(pilot).pids
        await pilot.press("2")
        await settle(pilot)
        assert current(pilot) == seed  # a new view starts at its top
        await pilot.press("m")
        await settle(pilot)
        assert papers(pilot).pids[0] == seed and len(papers(pilot).pids) > 5
        await pilot.press("escape")  # back to the view before
        await settle(pilot)
        assert len(papers(pilot).pids) == 390


async def test_sort_cycle_and_reverse(tmp_path: Path) -> None:
    app = app_on(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        lib = library(pilot)
        await pilot.press("2", "s")  # date -> upvotes
        await settle(pilot)
        votes = [p.upvotes or 0 for p in lib.get_papers(papers(pilot).pids[:5])]
        assert votes == sorted(votes, reverse=True) and votes[0] > 0
        await pilot.press("s")  # title
        await settle(pilot)
        titles = [p.title.casefold() for p in lib.get_papers(papers(pilot).pids[:20])]
        assert titles == sorted(titles)
        await pilot.press("S")
        await settle(pilot)
        titles = [p.title.casefold() for p in lib.get_papers(papers(pilot).pids[:20])]
        assert titles == sorted(titles, reverse=True)
        assert "sorted by title (reversed)" in str(screen(pilot).query_one("#search-status").render())


async def test_open_in_browser_runs_configured_command(tmp_path: Path) -> None:
    out = tmp_path / "opened.txt"
    app = app_on(tmp_path, browser=f"sh -c 'echo $0 > {out}' {{url}}")
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        title = library(pilot).get_paper(current(pilot)).title
        await pilot.press("o")
        await wait_until(
            pilot, lambda: out.exists() and bool(out.read_text().strip()), "the browser command ran"
        )
        opened = out.read_text().strip()
        assert opened.startswith("https://huggingface.co/papers?q=")
        assert title.split()[0].rstrip(":") in opened


async def test_copy_citation(tmp_path: Path) -> None:
    app = app_on(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        title = library(pilot).get_paper(current(pilot)).title
        await pilot.press("c")
        await settle(pilot)  # the citation is copied by a worker (the clipboard can be slow)
        assert app.clipboard.startswith("@misc{") and title in app.clipboard


async def test_export_current_view(tmp_path: Path) -> None:
    app = app_on(tmp_path)
    target = tmp_path / "kernel.md"
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("slash", *"kernel", "enter", "e")
        assert isinstance(app.screen, ExportDialog)
        await pilot.click("#fmt-markdown")
        field = app.screen.query_one(Input)
        assert field.value.endswith(".md")  # the suffix follows the format
        field.value = str(target)
        field.focus()
        await pilot.press("enter")
        await settle(pilot)
        text = target.read_text(encoding="utf-8")
        assert text.startswith("# Papers") and "OS-R1" in text
        assert text.count("\n## ") == len(papers(pilot).pids)


async def test_export_failure_is_reported_and_writes_nothing(tmp_path: Path) -> None:
    app = app_on(tmp_path)
    target = tmp_path / "no-such-folder" / "kernel.md"
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await ready(pilot)
        await pilot.press("e")
        assert isinstance(app.screen, ExportDialog)
        field = app.screen.query_one(Input)
        field.value = str(target)
        field.focus()
        await pilot.press("enter")
        await settle(pilot)
        assert not target.parent.exists()  # quire creates no folders
        assert any(
            n.message.startswith("Export failed") and "does not exist" in n.message and n.severity == "error"
            for n in app._notifications
        )
        assert not isinstance(app.screen, ExportDialog)  # closed; the reader carries on


async def test_import_with_progress(tmp_path: Path) -> None:
    app = app_on(tmp_path)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await ready(pilot)
        await pilot.press("i")
        assert isinstance(app.screen, ImportDialog)
        app.screen.query_one(Input).value = str(FIXTURES / "arxiv.atom")
        await pilot.press("enter")
        await settle(pilot)
        assert library(pilot).count() == 392
        assert any("2 added" in n.message for n in app._notifications)
        await pilot.press("2", "slash", *"graph neural networks made-up")
        await settle(pilot)
        assert library(pilot).get_paper(papers(pilot).pids[0]).arxiv_id == "2206.01234"


async def test_import_failure_is_reported_and_nothing_kept(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("[{")
    app = app_on(tmp_path)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await ready(pilot)
        await pilot.press("i")
        app.screen.query_one(Input).value = str(bad)
        await pilot.press("enter")
        await settle(pilot)
        assert library(pilot).count() == 390
        assert any(str(bad) in n.message and n.severity == "error" for n in app._notifications)


async def test_theme_picker_saves_choice(tmp_path: Path) -> None:
    app = app_on(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("ctrl+t")
        assert isinstance(app.screen, ThemePicker)
        options = app.screen.query_one(OptionList)
        target = next(
            i for i in range(options.option_count) if options.get_option_at_index(i).id == "quire-light"
        )
        options.highlighted = target
        await pilot.pause()
        assert app.theme == "quire-light"  # previewed
        await pilot.press("enter")
        await pilot.pause()
    saved = tomllib.loads((tmp_path / "config.toml").read_text())
    assert saved["theme"] == "quire-light"


async def test_theme_picker_escape_reverts(tmp_path: Path) -> None:
    app = app_on(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("ctrl+t", "down", "down", "escape")
        await pilot.pause()
        assert app.theme == "quire-dark"
    assert not (tmp_path / "config.toml").exists()


async def test_broken_user_theme_reported_once(tmp_path: Path) -> None:
    themes = tmp_path / "themes"
    themes.mkdir(parents=True)
    (themes / "bad.toml").write_text('name = "bad"\nprimary = "not-a-colour"\n')
    (themes / "mine.toml").write_text('name = "mine"\nprimary = "#ff0000"\ndark = false\n')
    app = app_on(tmp_path)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await ready(pilot)
        problems = [n for n in app._notifications if n.title == "Theme problems"]
        assert len(problems) == 1 and "bad.toml: primary" in problems[0].message
        assert "mine" in app.available_themes and "bad" not in app.available_themes
        assert "textual-dark" in app.available_themes


async def test_help_lists_remapped_keys(tmp_path: Path) -> None:
    app = app_on(tmp_path, keymap={"bookmark": "B"})
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        assert app.screen.keys["bookmark"] == "B"
        await pilot.press("escape")
        pid = current(pilot)
        await pilot.press("b")
        assert not library(pilot).get_paper(pid).annotation.bookmarked
        await pilot.press("B")
        assert library(pilot).get_paper(pid).annotation.bookmarked


async def test_command_palette_runs_commands(tmp_path: Path) -> None:
    app = app_on(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        pid = current(pilot)
        await pilot.press("ctrl+p", *"Bookmark")
        await wait_until(pilot, lambda: _palette_offers(app, "Bookmark"), "the palette lists Bookmark")
        await pilot.press("enter")
        await settle(pilot)
        assert library(pilot).get_paper(pid).annotation.bookmarked


async def test_empty_library_welcome_and_sample_key(tmp_path: Path) -> None:
    app = app_on(tmp_path, empty=True)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        empty = screen(pilot).query_one("#empty")
        assert empty.display and "Welcome to quire" in str(empty.render())
        await pilot.press("L")
        for _ in range(100):
            await settle(pilot)
            if library(pilot).count() == 390 and papers(pilot).pids:
                break
        assert library(pilot).count() == 390
        assert len(papers(pilot).pids) == 390 and not empty.display


async def test_narrow_terminal_switches_panes(tmp_path: Path) -> None:
    app = app_on(tmp_path)
    async with app.run_test(size=(80, 30)) as pilot:
        await ready(pilot)
        main = screen(pilot)
        assert main.has_class("-narrow")
        detail = main.query_one(DetailPane)
        assert not detail.display or detail.region.width == 0
        await pilot.press("enter")
        await pilot.pause()
        assert main.has_class("-detail-open") and detail.region.width > 0
        await pilot.press("escape")
        await pilot.pause()
        assert not main.has_class("-detail-open")


async def test_too_small_terminal_says_so(tmp_path: Path) -> None:
    app = app_on(tmp_path)
    async with app.run_test(size=(40, 8)) as pilot:
        await ready(pilot)
        assert screen(pilot).has_class("-too-small")
        assert screen(pilot).query_one("#too-small").region.width > 0


async def test_changes_from_another_process_appear(tmp_path: Path) -> None:
    app = app_on(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        pid = current(pilot)
        other = Library(tmp_path / "library.sqlite3")  # as `quire bookmark` from a shell would
        other.set_bookmarked([pid], True)
        other.add_tags([pid], ["from-shell"])
        other.close()
        # Nothing here tells the app: it looks by itself every 2 s.
        await wait_until(
            pilot,
            lambda: app.index is not None and app.index.rev == library(pilot).current_rev(),
            "the app caught up",
        )
        await settle(pilot)
        assert papers(pilot)._rows[pid].bookmarked
        await pilot.press("3")
        await settle(pilot)
        assert papers(pilot).pids == [pid]


async def test_quit(tmp_path: Path) -> None:
    app = app_on(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        assert app.is_running
        await pilot.press("q")
        await pilot.pause()
        assert not app.is_running  # q ended the app
    assert app.return_code == 0


async def test_work_survives_a_restart(tmp_path: Path) -> None:
    app = app_on(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        pid = current(pilot)
        await pilot.press("b", "t", *"keep", "enter", "a")
        app.screen.query_one(TextArea).insert("my note")
        await pilot.press("ctrl+s")
    app.library.close()
    again = Library(tmp_path / "library.sqlite3")
    ann = again.get_paper(pid).annotation
    assert ann.bookmarked and ann.tags == ["keep"] and ann.note == "my note"
    again.close()
    app = app_on(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("3")
        await settle(pilot)
        assert papers(pilot).pids == [pid]


async def test_unwritable_store_keeps_screen_and_says_so(tmp_path: Path) -> None:
    import sqlite3

    app = app_on(tmp_path)
    blocker = sqlite3.connect(tmp_path / "library.sqlite3", timeout=0, isolation_level=None)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await ready(pilot)
        pid = current(pilot)
        app.library._conn.execute("PRAGMA busy_timeout = 50")
        blocker.execute("BEGIN EXCLUSIVE")
        try:
            await pilot.press("b")
        finally:
            blocker.execute("ROLLBACK")
        assert any(n.severity == "error" and "Not saved" in n.message for n in app._notifications)
        assert not library(pilot).get_paper(pid).annotation.bookmarked
        assert not papers(pilot)._rows[pid].bookmarked  # the screen does not claim it either
        assert app.is_running
        await pilot.press("b")  # works again once the lock is gone
        assert library(pilot).get_paper(pid).annotation.bookmarked
    blocker.close()


def test_bad_config_exits_2_before_drawing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from quire.cli import main

    config = tmp_path / "config.toml"
    config.write_text('theme = 3\nmark_read_on_opn = true\n[keymap]\nbokmark = "B"\n')
    assert main(["--config", str(config)]) == 2
    err = capsys.readouterr().err
    assert "theme: Input should be a valid string" in err
    assert "unknown key 'mark_read_on_opn' (did you mean 'mark_read_on_open'?)" in err
    config.write_text('[keymap]\nbokmark = "B"\n')
    assert main(["--config", str(config)]) == 2
    assert "unknown key 'keymap.bokmark' (did you mean 'bookmark'?)" in capsys.readouterr().err
    config.write_text("theme = \n")
    assert main(["--config", str(config)]) == 2
    err = capsys.readouterr().err
    assert "invalid TOML" in err and "line 1" in err


async def test_first_start_imports_the_sample_and_says_so(tmp_path: Path) -> None:
    from quire.app import make_app
    from quire.config import Config

    app = make_app(Config(), data_dir=tmp_path / "fresh", config_path=tmp_path / "c.toml")
    assert app.library.count() == 390
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await ready(pilot)
        welcome = [n for n in app._notifications if n.title == "Welcome"]
        assert welcome and "imported its sample library (390 papers" in welcome[0].message
        assert len(papers(pilot).pids) == 390
    again = make_app(Config(), data_dir=tmp_path / "fresh", config_path=tmp_path / "c.toml")
    assert again.sample_imported == 0  # only a brand-new library gets the sample


def test_help_shows_keys_as_people_read_them() -> None:
    from quire.app.screens.help import key_label

    assert key_label("slash") == "/" and key_label("j,down") == "j ↓"
    assert key_label("escape,question_mark") == "Esc ?"


async def test_selection_keeps_only_papers_still_listed(tmp_path: Path) -> None:
    app = app_on(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        plist = papers(pilot)
        await pilot.press("2", "slash", *"kernel tuning", "enter")
        await settle(pilot)
        kernel = plist.pids[0]
        await pilot.press("space")
        assert plist.selection == {kernel}
        await pilot.press("slash", "backspace", "escape")  # clear the search: All again
        await settle(pilot)
        assert plist.selection == {kernel} and plist.index_of(kernel) is not None
        await pilot.press("slash", *"diffusion")
        await settle(pilot)
        assert plist.index_of(kernel) is None and plist.selection == set()


async def test_ready_fails_loudly_when_the_index_never_builds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from quire.app.quire_app import QuireApp

    monkeypatch.setattr(QuireApp, "build_index", lambda self: None)  # the worker never starts
    app = app_on(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        with pytest.raises(AssertionError, match="index was not built within 0.5 s"):
            await ready(pilot, timeout=0.5)


async def _pick_theme(pilot: Pilot[Any], name: str) -> None:
    """Open the picker, move to ``name`` and keep it."""
    app = pilot.app
    await pilot.press("ctrl+t")
    assert isinstance(app.screen, ThemePicker)
    options = app.screen.query_one(OptionList)
    options.highlighted = next(
        i for i in range(options.option_count) if options.get_option_at_index(i).id == name
    )
    await pilot.pause()
    await pilot.press("enter")
    await settle(pilot)


async def test_theme_pick_keeps_the_config_comments(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    shutil.copy(Path(__file__).parent.parent / "config.example.toml", config)
    before = config.read_text(encoding="utf-8")
    comments = [line for line in before.splitlines() if line.lstrip().startswith("#")]
    assert len(comments) >= 21
    app = app_on(tmp_path, **tomllib.loads(before))
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await _pick_theme(pilot, "quire-light")
    after = config.read_text(encoding="utf-8")
    # Only the theme line changed: every comment, key and its order are as the user left them.
    assert after == before.replace('theme = "quire-dark"', 'theme = "quire-light"')
    assert tomllib.loads(after)["theme"] == "quire-light"


async def test_unknown_theme_falls_back_and_says_so(tmp_path: Path) -> None:
    app = app_on(tmp_path, theme="no-such-theme")
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await ready(pilot)
        assert app.theme == "quire-dark"
        problems = [n.message for n in app._notifications if n.title == "Theme problems"]
        assert problems and "'no-such-theme' is not installed; using quire-dark" in problems[0]
    assert not (tmp_path / "config.toml").exists()  # the fallback is not saved over the choice


async def test_theme_that_cannot_be_saved_says_so(tmp_path: Path) -> None:
    (tmp_path / "config.toml").mkdir(parents=True)  # where the file should be: a folder
    app = app_on(tmp_path)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await ready(pilot)
        await _pick_theme(pilot, "quire-light")
        errors = [n.message for n in app._notifications if n.severity == "error"]
        assert any("Could not save the theme" in m and "config.toml" in m for m in errors)
        assert app.config.theme == "quire-dark" and app.is_running
