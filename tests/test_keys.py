"""Keys that do what people expect: typed ahead, in the tag editor, in the search bar."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.command import CommandList, CommandPalette
from textual.pilot import Pilot
from textual.widgets import Input, Static

from app_support import app_on, library, papers, ready, screen, settle, type_ahead, wait_until
from quire.app.screens.tag_editor import TagEditor
from quire.app.typeahead import OrderedKeysApp
from quire.app.widgets.detail import DetailPane
from quire.store import Library
from quire.visits import LAST_VISIT

# -- the key gate on its own: an app shaped like the reader (a list with letter commands, a bar
# that `/` focuses, Enter in the bar giving focus back to the list) --------------------------


class Letters(Static, can_focus=True):
    """A list whose letters are commands."""

    BINDINGS = [Binding("b", "command('b')"), Binding("k", "command('k')"), Binding("e", "command('e')")]

    def __init__(self) -> None:
        super().__init__(id="letters")
        self.commands: list[str] = []

    def action_command(self, key: str) -> None:
        """Record a command key."""
        self.commands.append(key)


class Shaped(OrderedKeysApp[None]):
    """The reader's focus moves, without the reader."""

    BINDINGS = [Binding("slash", "search")]

    def compose(self) -> ComposeResult:
        """A bar and a list."""
        yield Input(id="bar")
        yield Letters()

    def on_mount(self) -> None:
        """The list has focus."""
        self.query_one(Letters).focus()

    def action_search(self) -> None:
        """Focus the bar (deferred, as Widget.focus is)."""
        self.query_one(Input).focus()

    @on(Input.Submitted)
    def back_to_list(self) -> None:
        """Enter in the bar: back to the list (deferred)."""
        self.query_one(Letters).focus()


async def test_keys_sent_together_follow_the_focus_their_predecessors_set() -> None:
    app = Shaped()
    async with app.run_test() as pilot:
        letters = app.query_one(Letters)
        bar = app.query_one(Input)
        type_ahead(pilot, "/", "k", "e", "r", "n", "e", "l", "enter", "b")
        await wait_until(
            pilot,
            lambda: letters.commands == ["b"] and letters.has_focus,
            f"the last b reached the list (commands: {letters.commands})",
        )
        assert bar.value == "kernel"


async def test_typeahead_keeps_every_key_in_order() -> None:
    app = Shaped()
    async with app.run_test() as pilot:
        letters = app.query_one(Letters)
        keys: list[str] = list("bkbekb")
        type_ahead(pilot, *keys)
        await wait_until(pilot, lambda: len(letters.commands) == len(keys), "every key")
        assert letters.commands == keys


async def test_without_the_gate_the_same_keys_go_astray() -> None:
    """The test above could fail: Textual alone hands the query's letters to the list."""

    class Ungated(Shaped):
        async def on_event(self, event: Any) -> None:
            await super(OrderedKeysApp, self).on_event(event)

    app = Ungated()
    async with app.run_test() as pilot:
        letters = app.query_one(Letters)
        type_ahead(pilot, "/", "k", "e")
        await wait_until(pilot, lambda: app.query_one(Input).has_focus, "the bar has focus")
        await pilot.pause()
        assert letters.commands == ["k", "e"]


# -- the README's Keys table says what the command table says ---------------------------------


def test_readme_keys_table_matches_the_command_table() -> None:
    from quire.app.screens.help import key_label
    from quire.keys import COMMANDS

    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    rows: dict[str, tuple[list[str], str]] = {}
    for line in readme.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 3 and cells[2].startswith("`") and cells[2].count("`") == 2:
            keys = [k.strip("`") for k in cells[0].split()]
            rows[cells[2].strip("`")] = (keys, cells[1].replace("`", ""))
    for command in COMMANDS:
        assert command.id in rows, f"README has no row for {command.id}"
        keys, does = rows[command.id]
        assert keys == key_label(command.keys).split(), (command.id, keys)
        assert does == command.help.replace("`", ""), (command.id, does)
    assert set(rows) == {c.id for c in COMMANDS}, "README rows for commands that do not exist"


# -- the reader -----------------------------------------------------------------------------

SIZE = (120, 40)


def status(pilot: Pilot[Any]) -> str:
    """The line under the search bar."""
    return str(screen(pilot).query_one("#search-status").render())


def bar(pilot: Pilot[Any]) -> Input:
    """The search input."""
    return screen(pilot).query_one("#search-input", Input)


def all_marks(pilot: Pilot[Any]) -> list[tuple[int, bool, bool, tuple[str, ...], str]]:
    """Every paper's bookmark, read, tags and note (to see that no key acted on a paper)."""
    lib = library(pilot)
    marks = lib.annotations(lib.all_pids())
    return sorted((pid, a.bookmarked, a.read, tuple(a.tags), a.note) for pid, a in marks.items())


async def test_a_query_typed_at_once_goes_into_the_bar(tmp_path: Path) -> None:
    app = app_on(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        before = all_marks(pilot)
        type_ahead(pilot, "/", *"kernel")
        await wait_until(pilot, lambda: bar(pilot).value == "kernel", "the query is in the bar")
        await settle(pilot)
        assert bar(pilot).has_focus
        assert all_marks(pilot) == before  # no letter acted on a paper
        assert "sorted by relevance" in status(pilot)
        first = papers(pilot).pids[0]
        type_ahead(pilot, "enter", "b")  # back to the list, then bookmark the first hit
        await wait_until(
            pilot,
            lambda: library(pilot).get_paper(first).annotation.bookmarked,
            "b after Enter bookmarked the first paper",
        )
        assert papers(pilot).has_focus and bar(pilot).value == "kernel"


async def test_escape_then_a_view_key_typed_at_once_switches_view(tmp_path: Path) -> None:
    app = app_on(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        type_ahead(pilot, "/", *"rank", "escape", "2")
        await wait_until(pilot, lambda: screen(pilot).view_index == 1, "view 2 (All) is open")
        await settle(pilot)
        assert bar(pilot).value == "rank" and papers(pilot).has_focus
        assert "All" in status(pilot)


async def test_escape_leaves_the_bar_keeping_the_query_and_again_clears_it(tmp_path: Path) -> None:
    app = app_on(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("/", *"kernel")
        await settle(pilot)
        hits = len(papers(pilot).pids)
        await pilot.press("escape")
        await settle(pilot)
        assert papers(pilot).has_focus and bar(pilot).value == "kernel"
        assert len(papers(pilot).pids) == hits  # still filtered
        pid = papers(pilot).current_pid
        assert pid is not None
        await pilot.press("x")  # the next key acts on the list, not the bar
        assert library(pilot).get_paper(pid).annotation.read
        assert bar(pilot).value == "kernel"
        await pilot.press("escape")
        await settle(pilot)
        assert bar(pilot).value == "" and len(papers(pilot).pids) > hits


async def test_enter_on_an_empty_bar_only_leaves_it(tmp_path: Path) -> None:
    app = app_on(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("j", "j", "j", "/")
        assert bar(pilot).has_focus
        await pilot.press("enter")
        await settle(pilot)
        assert papers(pilot).has_focus and papers(pilot).cursor == 3


async def test_tab_in_the_tag_editor_accepts_the_suggestion(tmp_path: Path) -> None:
    app = app_on(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        pid = papers(pilot).current_pid
        assert pid is not None
        library(pilot).add_tags([pid], ["reinforcement-learning"])
        await pilot.press("t", *"to-read rein")
        await wait_until(pilot, lambda: isinstance(app.screen, TagEditor), "the tag editor")
        editor = app.screen.query_one(Input)
        await wait_until(pilot, lambda: bool(editor._suggestion), "a suggestion is shown")
        await pilot.press("tab")
        assert editor.value == "to-read reinforcement-learning" and editor.has_focus
        await pilot.press("tab")  # nothing left to complete: Tab stays put
        assert editor.value == "to-read reinforcement-learning" and editor.has_focus
        await pilot.press("enter")
        await settle(pilot)
        assert library(pilot).get_paper(pid).annotation.tags == ["reinforcement-learning", "to-read"]


async def test_n_and_shift_n_jump_between_unread_papers(tmp_path: Path) -> None:
    app = app_on(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("2")  # All: read papers stay listed
        await settle(pilot)
        plist = papers(pilot)
        lib = library(pilot)
        lib.set_read(list(plist.pids[1:4]), True)
        await pilot.press("n")
        assert plist.cursor == 4
        await pilot.press("N")
        assert plist.cursor == 0
        await pilot.press("N")  # none above: stays, says so
        assert plist.cursor == 0
        lib.set_read(list(plist.pids[5:]), True)
        await pilot.press("n")
        assert plist.cursor == 4
        await pilot.press("n")
        assert plist.cursor == 4


async def test_x_marks_read_and_moves_on(tmp_path: Path) -> None:
    app = app_on(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        plist = papers(pilot)
        first, second = plist.pids[0], plist.pids[1]
        await pilot.press("x", "x")
        lib = library(pilot)
        assert lib.get_paper(first).annotation.read and lib.get_paper(second).annotation.read
        assert plist.cursor == 2
        await pilot.press("k", "k", "x")  # already read: stays read (x never un-reads)
        assert lib.get_paper(first).annotation.read and plist.cursor == 1
        await pilot.press("u")  # one undo takes back the last x that changed something
        assert not lib.get_paper(second).annotation.read


async def test_capital_j_and_k_scroll_the_detail(tmp_path: Path) -> None:
    app = app_on(tmp_path)
    async with app.run_test(size=(120, 16)) as pilot:
        await ready(pilot)
        detail = screen(pilot).query_one(DetailPane)
        await wait_until(pilot, lambda: detail.max_scroll_y > 0, "the detail overflows")
        cursor = papers(pilot).cursor
        await pilot.press("J", "J")
        await settle(pilot)
        assert detail.scroll_y > 0 and papers(pilot).cursor == cursor
        await pilot.press("K", "K")
        await settle(pilot)
        assert detail.scroll_y == 0


async def test_ctrl_c_quits_even_while_typing_and_keeps_what_was_done(tmp_path: Path) -> None:
    app = app_on(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        pid = papers(pilot).current_pid
        assert pid is not None
        await pilot.press("b", "/", *"kern", "ctrl+c")
        await wait_until(pilot, lambda: not app.is_running, "the reader quit")
    assert Library(tmp_path / "library.sqlite3").get_paper(pid).annotation.bookmarked


def messages(app: Any) -> list[str]:
    """Every notification shown so far."""
    return [n.message for n in app._notifications]


async def test_palette_lists_each_command_once_with_its_key_and_the_views(tmp_path: Path) -> None:
    app = app_on(tmp_path, keymap={"bookmark": "B"})
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("ctrl+p")
        await wait_until(pilot, lambda: isinstance(app.screen, CommandPalette), "the palette")
        hits = app.screen.query_one(CommandList)
        await wait_until(pilot, lambda: hits.option_count > 30, "the commands are listed")
        prompts = [str(hits.get_option_at_index(i).prompt).split("\n")[0] for i in range(hits.option_count)]
        titles = [p.split("  ")[0].strip() for p in prompts]
        assert titles.count("Theme") == 1 and titles.count("Quit") == 1, titles
        assert any(p.startswith("Bookmark") and p.rstrip().endswith("B") for p in prompts)
        assert any(p.startswith("Next unread") and p.rstrip().endswith("n") for p in prompts)
        assert any(p.startswith("View: Inbox") and p.rstrip().endswith("1") for p in prompts)
        assert any(p.startswith("View: All") and p.rstrip().endswith("2") for p in prompts)
        await pilot.press(*"view: all", "enter")
        await wait_until(pilot, lambda: screen(pilot).view_index == 1, "All opened from palette")


async def test_a_search_in_the_inbox_says_how_many_more_are_in_all(tmp_path: Path) -> None:
    app = app_on(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        lib = library(pilot)
        hits = [p.pid for p in lib.get_papers(lib.all_pids()) if "GroupRank" in p.title]
        lib.set_read(hits, True)
        await pilot.press("/", *"grouprank")
        await settle(pilot)
        assert papers(pilot).pids == []
        assert f"{len(hits)} more in All" in status(pilot)
        await pilot.press("escape", "2")  # the key it names: the All view, same words
        await settle(pilot)
        assert sorted(papers(pilot).pids) == sorted(hits)
        assert "more in All" not in status(pilot)


async def test_a_query_error_points_at_what_was_typed_in_any_view(tmp_path: Path) -> None:
    app = app_on(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("/", *"rl year:abc")
        await settle(pilot)
        assert "column 4: year:abc" in status(pilot)  # Inbox (is:unread) not counted
        await pilot.press("escape", "3")
        await settle(pilot)
        assert "column 4: year:abc" in status(pilot)  # Bookmarked


async def test_similar_and_for_you_lists_say_they_are_ordered_by_similarity(tmp_path: Path) -> None:
    app = app_on(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("m")
        await settle(pilot)
        assert "ordered by similarity" in status(pilot) and "sorted by" not in status(pilot)
        await pilot.press("b", "f")
        await settle(pilot)
        assert "ordered by similarity" in status(pilot) and "sorted by" not in status(pilot)


async def test_s_edits_a_typed_sort_and_skips_relevance_without_words(tmp_path: Path) -> None:
    app = app_on(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        orders = []
        for _ in range(5):
            await pilot.press("s")
            await settle(pilot)
            orders.append(status(pilot).rsplit("sorted by ", 1)[1].split()[0])
        assert orders == ["upvotes", "title", "added", "date", "upvotes"]
        await pilot.press("/", *"agent sort:title", "escape")
        await settle(pilot)
        await pilot.press("s")
        await settle(pilot)
        assert bar(pilot).value == "agent sort:added"  # the bar says what is in effect
        assert "sorted by added" in status(pilot)
        await pilot.press("s")
        await settle(pilot)
        assert bar(pilot).value == "agent sort:relevance"  # words: relevance is an order
        await pilot.press("S")
        await settle(pilot)
        assert bar(pilot).value == "agent sort:-relevance"
        assert "sorted by relevance (reversed)" in status(pilot)


async def test_the_inbox_count_follows_r_and_enter(tmp_path: Path) -> None:
    app = app_on(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        assert status(pilot).startswith("390 papers")
        await pilot.press("r")
        await settle(pilot)
        assert status(pilot).startswith("389 papers")
        await pilot.press("j", "enter")
        await settle(pilot)
        assert status(pilot).startswith("388 papers")
        await pilot.press("u", "u")
        await settle(pilot)
        assert status(pilot).startswith("390 papers")


async def test_cite_says_copied_only_when_a_clipboard_took_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "no-tools"))  # no clipboard tool at all
    app = app_on(tmp_path / "lib")
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await ready(pilot)
        await pilot.press("c")
        await wait_until(pilot, lambda: any("BibTeX" in m for m in messages(app)), "a message")
        said = next(m for m in messages(app) if "BibTeX" in m)
        assert not said.startswith("Copied")
        assert "OSC 52" in said
        saved = tmp_path / "lib" / "citation.bib"
        assert str(saved) in said and saved.read_text().startswith("@")

    got = tmp_path / "clip"
    tools = tmp_path / "tools"
    tools.mkdir()
    tool = tools / "wl-copy"
    tool.write_text(f"#!/bin/sh\ncat > {got}\n")
    tool.chmod(0o755)
    monkeypatch.setenv("PATH", f"{tools}{os.pathsep}/usr/bin:/bin")
    monkeypatch.setenv("WAYLAND_DISPLAY", "wayland-0")
    app = app_on(tmp_path / "lib")
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await ready(pilot)
        await pilot.press("c")
        await wait_until(pilot, lambda: any("BibTeX" in m for m in messages(app)), "a message")
        assert any(m.startswith("Copied BibTeX") for m in messages(app))
        assert got.read_text().startswith("@")


async def test_a_failing_browser_shows_only_its_error(tmp_path: Path) -> None:
    browser = tmp_path / "browser"
    browser.write_text("#!/bin/sh\necho 'no display here' >&2\nexit 4\n")
    browser.chmod(0o755)
    app = app_on(tmp_path / "lib", browser=f"{browser} {{url}}")
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await ready(pilot)
        await pilot.press("o")
        await wait_until(pilot, lambda: bool(messages(app)), "a message")
        await settle(pilot)
        assert len(messages(app)) == 1
        assert "no display here" in messages(app)[0] and "Opening" not in messages(app)[0]

    got = tmp_path / "got"
    browser.write_text(f'#!/bin/sh\necho "$1" > {got}\n')
    app = app_on(tmp_path / "lib", browser=f"{browser} {{url}}")
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await ready(pilot)
        await pilot.press("o")
        await wait_until(pilot, lambda: bool(messages(app)), "a message")
        assert messages(app)[0].startswith("Opened https://")
        assert got.read_text().startswith("https://")


async def test_new_papers_since_the_last_visit_are_counted(tmp_path: Path) -> None:
    app = app_on(tmp_path)
    async with app.run_test(size=SIZE) as pilot:  # the first visit: nothing to compare with
        await ready(pilot)
        assert "since your last visit" not in status(pilot)
    app = app_on(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        assert "since your last visit" not in status(pilot)  # nothing came in
    lib = Library(tmp_path / "library.sqlite3")
    lib.set_meta({LAST_VISIT: "2000-01-01T00:00:00+00:00"}, bump=False)
    lib.close()
    app = app_on(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        assert "390 new since your last visit" in status(pilot)


async def test_text_pasted_over_the_list_becomes_the_search(tmp_path: Path) -> None:
    app = app_on(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        before = all_marks(pilot)
        pilot.app.post_message(events.Paste("/kernel tuning\n"))
        await wait_until(pilot, lambda: bar(pilot).value == "kernel tuning", "the bar holds it")
        await settle(pilot)
        assert bar(pilot).has_focus and all_marks(pilot) == before
        assert "sorted by relevance" in status(pilot)
