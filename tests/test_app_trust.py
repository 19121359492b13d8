"""The reader shows imported text as text (issue #7): no markup, no actions, no escapes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.text import Text
from textual.pilot import Pilot
from textual.widgets import Input, OptionList, Static, TextArea

from app_support import app_on, library, papers, ready, screen, settle, wait_until
from conftest import dump
from hostile import BAD_MARKUP, FORBIDDEN, QUIT, TITLE_ESC, add_hostile, screenshot_author
from quire.app.screens.note_editor import NoteEditor
from quire.app.screens.tag_editor import TagEditor
from quire.app.widgets.detail import DetailPane
from quire.app.widgets.paper_list import PaperList
from quire.app.widgets.sidebar import ViewsSidebar
from quire.config import SavedView
from quire.store import Library

SIZE = (160, 40)


def shown(pilot: Pilot[Any], selector: str) -> str:
    """What a Static in the main screen shows, as plain text."""
    widget = screen(pilot).query_one(selector, Static)
    return str(widget.content)  # a Text, or the detail's Joined meta line (its str is its text)


def hostile_app(folder: Path, **config: Any):  # type: ignore[no-untyped-def]
    """The reader on the seed library plus the hostile papers (the first is first in the Inbox)."""
    folder.mkdir(parents=True, exist_ok=True)
    from app_support import seeded_library

    lib = seeded_library(folder)
    pids = add_hostile(lib, folder)
    lib.close()
    return app_on(folder, **config), pids


def user_rows(path: Path) -> list[str]:
    """The papers and everything the user said about them (not caches or change counters)."""
    tables = ("papers", "paper_sources", "annotations", "tags")
    return [line for line in dump(path) if line.startswith(tuple(f'INSERT INTO "{t}"' for t in tables))]


def no_escapes(text: str) -> None:
    for bad in FORBIDDEN:
        assert bad not in text, (bad, text)


async def test_hostile_paper_first_in_inbox_shows_literally(tmp_path: Path) -> None:
    app, pids = hostile_app(tmp_path, views=[SavedView(name=BAD_MARKUP, query="tag:x")])
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        assert papers(pilot).current_pid == pids[0]  # the reader started on it, no crash
        title = shown(pilot, "#detail-title")
        assert title.startswith(f"{BAD_MARKUP} Evil \u241b]0;pwned-title\u2407title")
        meta = shown(pilot, "#detail-meta")
        assert screenshot_author(tmp_path) in meta and f"{BAD_MARKUP} Org \u241b]52" in meta
        assert f"#{BAD_MARKUP}" in shown(pilot, "#detail-tags")
        assert f"note {BAD_MARKUP} {QUIT}" in shown(pilot, "#detail-note")
        for part in ("title", "meta", "tags", "note", "abstract"):
            no_escapes(shown(pilot, f"#detail-{part}"))
        # The list row holds the visible stand-ins, never the escape itself.
        row = papers(pilot)._rows[pids[0]]
        no_escapes(row.title + row.who + row.tags)
        strip = papers(pilot).render_line(0)
        no_escapes("".join(segment.text for segment in strip))
        # The sidebar: the tag view and the saved view named like invalid markup.
        sidebar = screen(pilot).query_one(ViewsSidebar)
        labels = [str(sidebar.get_option_at_index(i).prompt) for i in range(sidebar.option_count)]
        assert any(f"#{BAD_MARKUP}" in label for label in labels)
        assert any(label.split(" ", 1)[1].startswith(BAD_MARKUP) for label in labels)
        await pilot.press("j")
        await settle(pilot)
        assert QUIT in shown(pilot, "#detail-meta")


async def test_clicking_an_imported_author_does_nothing_harmful(tmp_path: Path) -> None:
    app, pids = hostile_app(tmp_path)
    before = user_rows(tmp_path / "library.sqlite3")
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        detail = screen(pilot).query_one(DetailPane)
        meta = detail.query_one("#detail-meta", Static)
        # Click along the whole line: the date, then the author name with its markup.
        for x in range(0, min(meta.size.width, 90), 3):
            await pilot.click(meta, offset=(x, 0))
        await pilot.click("#detail-title", offset=(2, 0))
        await settle(pilot)
        assert app.is_running
        await pilot.press("j")  # the second paper: authors holding [@click=app.quit]
        await settle(pilot)
        for x in range(0, min(meta.size.width, 90), 3):
            await pilot.click(meta, offset=(x, 0))
        await settle(pilot)
        assert app.is_running
        rendered = meta.render()
        assert not any(
            "click" in str(span.style) or "link" in str(span.style) for span in getattr(rendered, "spans", [])
        )
    head = (tmp_path / "library.sqlite3").read_bytes()[:16]
    assert head == b"SQLite format 3\x00"
    assert not list(tmp_path.glob("*.svg"))
    assert user_rows(tmp_path / "library.sqlite3") == before


async def test_dialogs_and_notifications_with_invalid_markup(tmp_path: Path) -> None:
    app, pids = hostile_app(tmp_path)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await ready(pilot)
        await pilot.press("t")
        assert isinstance(app.screen, TagEditor)
        assert str(app.screen.query_one("#tags-title", Static).render()).startswith(
            f"Tags of {BAD_MARKUP} Evil"
        )
        assert f"#{BAD_MARKUP}" in str(app.screen.query_one("#tags-current", Static).render())
        app.screen.query_one(Input).value = "[/y] [b]bold"
        await pilot.press("enter")
        await settle(pilot)
        assert library(pilot).get_paper(pids[0]).annotation.tags == [BAD_MARKUP, "[/y]", "[b]bold"]
        await pilot.press("u")  # the notification names the tags: plain text, no crash
        await settle(pilot)
        assert any("#[/y]" in n.message for n in app._notifications)
        await pilot.press("a")
        assert isinstance(app.screen, NoteEditor)
        assert str(app.screen.query_one("#note-title", Static).render()).startswith(
            f"Note on {BAD_MARKUP} Evil"
        )
        no_escapes(app.screen.query_one(TextArea).text)
        await pilot.press("ctrl+s")
        await settle(pilot)
        app.notify(f"{BAD_MARKUP} {QUIT} {TITLE_ESC}", title=BAD_MARKUP)
        await settle(pilot)
        last = app._notifications.last if hasattr(app._notifications, "last") else None
        messages = [n.message for n in app._notifications]
        assert any(m.startswith(f"{BAD_MARKUP} {QUIT} \u241b") for m in messages), (last, messages)
        # The search bar's status names the view and echoes the query's words.
        await pilot.press("slash", *"[/z]")
        await settle(pilot)
        assert app.is_running
        await pilot.press("escape", "escape")
        await pilot.press("e")  # a dialog title, then back
        await pilot.press("escape")
        await pilot.press("s")  # "Like: <title>" view in the sidebar
        await settle(pilot)
        assert app.is_running


async def test_theme_value_with_invalid_markup_is_reported_as_text(tmp_path: Path) -> None:
    themes = tmp_path / "themes"
    themes.mkdir(parents=True)
    (themes / "bad.toml").write_text(f'name = "bad"\nprimary = "{BAD_MARKUP}"\n', encoding="utf-8")
    app = app_on(tmp_path)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await ready(pilot)
        assert any(BAD_MARKUP in n.message for n in app._notifications)
        assert app.is_running


async def test_invalid_markup_first_in_inbox_survives_a_restart(tmp_path: Path) -> None:
    app, pids = hostile_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
    app.library.close()
    again = app_on(tmp_path)
    async with again.run_test(size=SIZE) as pilot:
        await ready(pilot)
        assert papers(pilot).current_pid == pids[0]
        assert isinstance(screen(pilot).query_one(PaperList), PaperList)
        assert BAD_MARKUP in shown(pilot, "#detail-title")


async def test_similar_titles_are_text(tmp_path: Path) -> None:
    app, pids = hostile_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        similar = screen(pilot).query_one("#detail-similar", OptionList)
        for index in range(similar.option_count):
            prompt = similar.get_option_at_index(index).prompt
            assert isinstance(prompt, Text)
            no_escapes(prompt.plain)


async def test_open_with_a_shell_template_runs_no_injected_command(tmp_path: Path) -> None:
    """Even a ``sh -c`` template with {url} inside the script: only a safe URL reaches it."""
    lib = Library(tmp_path / "library.sqlite3")
    from datetime import date

    from quire.models import ImportSummary, PaperRecord

    lib.import_records(
        [PaperRecord(title="x;touch${IFS}PWNED $(touch PWNED2) `touch PWNED3`", published=date(2030, 1, 1))],
        ImportSummary(path="t", format="t"),
        "hf-json",
    )
    lib.close()
    argv_file = tmp_path / "argv.txt"
    template = f'sh -c \'echo {{url}} > {argv_file}; printf "%s\\n" "$@" >> {argv_file}\' sh {{url}}'
    app = app_on(tmp_path, browser=template)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("o")
        await wait_until(
            pilot,
            lambda: argv_file.exists() and len(argv_file.read_text().splitlines()) >= 2,
            "the browser template wrote its arguments",
        )
    lines = argv_file.read_text().splitlines()
    assert lines[0].startswith("https://huggingface.co/papers?q=x%3Btouch%24%7BIFS%7DPWNED")
    assert lines[1:] == [lines[0]]  # exactly one extra argument: the URL
    assert not list(tmp_path.glob("PWNED*")) and not list(Path.cwd().glob("PWNED*"))


async def test_export_asks_before_overwriting(tmp_path: Path) -> None:
    from quire.app.screens.confirm import ConfirmDialog
    from quire.app.screens.files import ExportDialog

    target = tmp_path / "exists.md"
    target.write_text("precious", encoding="utf-8")
    app = app_on(tmp_path)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await ready(pilot)
        for answer in ("n", "y"):
            await pilot.press("e")
            assert isinstance(app.screen, ExportDialog)
            await pilot.click("#fmt-markdown")
            field = app.screen.query_one(Input)
            field.value = str(target)
            field.focus()
            await pilot.press("enter")
            await settle(pilot)
            assert isinstance(app.screen, ConfirmDialog)
            assert str(target) in str(app.screen.query_one("#confirm-question", Static).render())
            await pilot.press(answer)
            await settle(pilot)
            if answer == "n":
                assert target.read_text(encoding="utf-8") == "precious"
        assert target.read_text(encoding="utf-8").startswith("# Papers")
        # A folder that does not exist is reported, not created.
        await pilot.press("e")
        field = app.screen.query_one(Input)
        field.value = str(tmp_path / "typo" / "x.bib")
        field.focus()
        await pilot.press("enter")
        await settle(pilot)
        assert not (tmp_path / "typo").exists()
        assert any("does not exist" in n.message for n in app._notifications)


async def test_undo_after_an_outside_change_reverts_only_the_bookmark(tmp_path: Path) -> None:
    from quire.cli import main as cli

    app = app_on(tmp_path)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await ready(pilot)
        pid = papers(pilot).current_pid
        assert pid is not None
        await pilot.press("b")
        ident = library(pilot).get_paper(pid).id
        # `quire tag` and `quire note` from a shell, through the CLI's own code.
        for args in (["tag", ident, "from-shell"], ["note", ident, "written in a shell"]):
            assert cli(["--data-dir", str(tmp_path), *args]) == 0
        await pilot.press("u")
        await settle(pilot)
        ann = library(pilot).get_paper(pid).annotation
        assert not ann.bookmarked
        assert ann.tags == ["from-shell"] and ann.note == "written in a shell"
        await pilot.press("U")
        await settle(pilot)
        ann = library(pilot).get_paper(pid).annotation
        assert ann.bookmarked and ann.tags == ["from-shell"] and ann.note == "written in a shell"


async def test_copying_only_the_library_file_after_the_reader_exits_keeps_bookmarks(tmp_path: Path) -> None:
    import shutil
    import sqlite3

    app = app_on(tmp_path)
    watcher = sqlite3.connect(tmp_path / "library.sqlite3")  # a CLI or second reader, still open
    watcher.execute("SELECT count(*) FROM papers").fetchone()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        pid = papers(pilot).current_pid
        await pilot.press("b", "t", *"kept", "enter")
        await settle(pilot)
        await pilot.press("q")
        await pilot.pause()
    shutil.copy(tmp_path / "library.sqlite3", tmp_path / "copy.sqlite3")  # not the -wal
    copy = sqlite3.connect(tmp_path / "copy.sqlite3")
    assert copy.execute("SELECT bookmarked FROM annotations WHERE pid=?", (pid,)).fetchone()[0]
    assert copy.execute("SELECT tag FROM tags WHERE pid=?", (pid,)).fetchall() == [("kept",)]
    copy.close()
    watcher.close()


async def test_escape_in_the_note_editor_keeps_the_draft_unless_discarded(tmp_path: Path) -> None:
    from quire.app.screens.confirm import ConfirmDialog

    app = app_on(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        pid = papers(pilot).current_pid
        assert pid is not None
        await pilot.press("a")
        app.screen.query_one(TextArea).insert("an hour of thinking")
        await pilot.press("escape")
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("n")  # keep editing: the draft is still there
        assert isinstance(app.screen, NoteEditor)
        assert app.screen.query_one(TextArea).text == "an hour of thinking"
        await pilot.press("ctrl+s")
        assert library(pilot).get_paper(pid).annotation.note == "an hour of thinking"
        await pilot.press("a", "escape")  # nothing changed: closes at once
        assert not isinstance(app.screen, (NoteEditor, ConfirmDialog))
        await pilot.press("a")
        app.screen.query_one(TextArea).insert(" and more")
        await pilot.press("escape", "y")
        assert not isinstance(app.screen, (NoteEditor, ConfirmDialog))
        assert library(pilot).get_paper(pid).annotation.note == "an hour of thinking"


async def test_too_small_terminal_blocks_every_key_but_quit(tmp_path: Path) -> None:
    app = app_on(tmp_path)
    before = user_rows(tmp_path / "library.sqlite3")
    async with app.run_test(size=(40, 8)) as pilot:
        await ready(pilot)
        assert screen(pilot).has_class("-too-small")
        pid = papers(pilot).current_pid
        await pilot.press("enter", "b", "r", "x", "space", "b", "t", "a", "n", "J", "e", "u")
        await settle(pilot)
        assert app.screen is screen(pilot)  # no dialog opened behind the message
        assert papers(pilot).current_pid == pid
        assert user_rows(tmp_path / "library.sqlite3") == before
        await pilot.resize_terminal(120, 40)
        await settle(pilot)
        await pilot.press("b")  # big enough again: keys work
        assert library(pilot).get_paper(pid).annotation.bookmarked  # type: ignore[arg-type]
        await pilot.resize_terminal(40, 8)
        await pilot.press("q")
        await pilot.pause()
        assert not app.is_running
