"""Layout and readability at real terminal sizes: columns that line up, a detail pane reachable
and scrollable from the keyboard, dialogs that fit at 60 columns, honest one-line labels."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from textual._compositor import LayoutUpdate
from textual.app import App
from textual.containers import VerticalScroll
from textual.widgets import Input, Label, OptionList
from textual.widgets._footer import FooterKey

from app_support import app_on, focused, library, papers, ready, screen, settle
from conftest import FIXTURES
from quire.app.commands import COMMANDS
from quire.app.screens.help import HelpScreen, grouped
from quire.app.widgets.detail import DetailPane, Joined
from quire.app.widgets.footer import KeyFooter
from quire.app.widgets.paper_row import date_width
from quire.app.widgets.sidebar import ViewsSidebar

DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def screen_lines(app: App[Any]) -> list[str]:
    """The text of every line of the screen as drawn (the top screen, dialogs included)."""
    update = app.screen._compositor.render_update(full=True)
    assert isinstance(update, LayoutUpdate)
    return ["".join(segment.text for segment in strip) for strip in update.strips]


def widget_lines(app: App[Any], widget: Any) -> list[str]:
    """The text drawn inside ``widget``'s region."""
    region = widget.region
    return [line[region.x : region.right] for line in screen_lines(app)[region.y : region.bottom]]


# -- 1. columns ---------------------------------------------------------------------------------


@pytest.mark.parametrize("size", [(140, 36), (80, 24)])
async def test_rows_with_tags_keep_the_title_width_and_the_date_column(
    tmp_path: Path, size: tuple[int, int]
) -> None:
    app = app_on(tmp_path)
    async with app.run_test(size=size) as pilot:
        await ready(pilot)
        lib = library(pilot)
        listed = papers(pilot).pids
        lib.add_tags([listed[1]], ["reinforcement-learning", "to-read", "survey"])
        lib.add_tags([listed[3]], ["rl"])
        screen(pilot).check_for_changes()
        await settle(pilot)
        rows = [papers(pilot).render_line(y).text for y in range(6)]
        starts = {m.start() for row in rows if (m := DATE.search(row))}
        assert len(starts) == 1, "\n".join(rows)  # one date column for every row
        assert "#reinforce" in rows[1] and rows[1].rstrip().endswith("…")  # cut in its budget
        assert "#rl" in rows[3]
        # The title has as much room with tags as without: the cut lands in the same column.
        date_column = starts.pop()
        title_ends = {row.index("…") for row in rows if "…" in row[:date_column]}
        assert len(title_ends) <= 1, "\n".join(rows)


def test_date_column_is_as_wide_as_the_widest_date() -> None:
    assert date_width("%Y-%m-%d") == 10
    assert date_width("%d %B %Y") == len("28 September 2000")


# -- 2. the detail pane from the keyboard --------------------------------------------------------


async def test_tab_reaches_the_detail_which_the_list_keys_then_scroll(tmp_path: Path) -> None:
    app = app_on(tmp_path)
    async with app.run_test(size=(140, 30)) as pilot:
        await ready(pilot)
        detail = screen(pilot).query_one(DetailPane)
        assert detail.max_scroll_y > 0  # the abstract and similar papers need scrolling
        cursor = papers(pilot).cursor
        await pilot.press("tab")
        assert app.focused is detail and detail.region.width > 0  # visible, not off-screen
        await pilot.press("j", "j", "pagedown")
        await settle(pilot)
        assert detail.scroll_y > 2
        assert papers(pilot).cursor == cursor  # the list did not move
        await pilot.press("G")
        await settle(pilot)
        assert detail.scroll_y == detail.max_scroll_y
        await pilot.press("g")
        await settle(pilot)
        assert detail.scroll_y == 0
        # Then the similar papers, then round to the search bar.
        await pilot.press("tab")
        assert isinstance(app.focused, OptionList) and app.focused.id == "detail-similar"
        await pilot.press("shift+tab", "shift+tab")
        assert focused(pilot) is papers(pilot)


# -- 3. dialogs at 60 columns --------------------------------------------------------------------


@pytest.mark.parametrize("key", ["t", "e", "i"])
async def test_dialogs_fit_at_60_columns(tmp_path: Path, key: str) -> None:
    app = app_on(tmp_path)
    async with app.run_test(size=(60, 20)) as pilot:
        await ready(pilot)
        await pilot.press(key)
        await settle(pilot)
        box = app.screen.children[0].region
        assert app.screen.region.contains_region(box), (box, app.screen.region)
        for label in app.screen.query(Label):
            assert box.contains_region(label.region), label
        text = "\n".join(widget_lines(app, app.screen.children[0]))
        assert "cancel" in text.split("Esc", 1)[1]  # the last line of help is there, not cut


async def test_a_long_dialog_title_ends_in_an_ellipsis(tmp_path: Path) -> None:
    app = app_on(tmp_path)
    async with app.run_test(size=(60, 20)) as pilot:
        await ready(pilot)
        titles = [p.title for p in library(pilot).get_papers(papers(pilot).pids[:10])]
        longest = max(range(10), key=lambda i: len(titles[i]))
        assert len(titles[longest]) > 60
        papers(pilot).move_to(longest)
        await pilot.press("t")
        await settle(pilot)
        title = widget_lines(app, app.screen.query_one("#tags-title"))
        assert len(title) == 1 and title[0].rstrip().endswith("…"), title


# -- 4. detail meta line, similar rows, tags, sidebar --------------------------------------------


def test_joined_items_never_leave_a_separator_at_a_line_end() -> None:
    items = ["2025-12-02", "Wang et al. (12)", "Alibaba", "▲ 3", "2512.01234", "hf-text", "unread"]
    for width in range(12, 80):
        lines = Joined(items).lines(width)
        assert all(not line.endswith("·") and not line.startswith("·") for line in lines)
        assert " · ".join(lines) == " · ".join(items)


async def test_detail_meta_says_bookmarked_once_and_similar_rows_keep_titles_apart(tmp_path: Path) -> None:
    app = app_on(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        await pilot.press("b")
        await settle(pilot)
        detail = screen(pilot).query_one(DetailPane)
        meta = "\n".join(widget_lines(app, detail.query_one("#detail-meta")))
        assert "bookmarked" in meta and "★" not in meta
        assert not any(line.rstrip().endswith("·") for line in meta.splitlines())
        similar = detail.query_one("#detail-similar", OptionList)
        assert similar.option_count
        lib = library(pilot)
        for index in range(similar.option_count):
            option = similar.get_option_at_index(index)
            title = lib.get_papers([int(option.id or 0)])[0].title
            first, *rest = str(option.prompt).split("\n")
            assert first == title  # nothing glued onto the title
            assert not rest or rest[0].strip().startswith("shares:")


async def test_a_tag_typed_with_a_hash_is_stored_without_it(tmp_path: Path) -> None:
    app = app_on(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        pid = papers(pilot).current_pid or 0
        await pilot.press("t", *"#hash", "enter")
        await settle(pilot)
        assert library(pilot).annotations([pid])[pid].tags == ["hash"]
        tags = "".join(widget_lines(app, screen(pilot).query_one("#detail-tags")))
        assert "#hash" in tags and "##" not in tags


async def test_a_long_view_name_stays_on_one_line_with_an_ellipsis(tmp_path: Path) -> None:
    app = app_on(tmp_path)
    async with app.run_test(size=(160, 40)) as pilot:
        await ready(pilot)
        library(pilot).add_tags([papers(pilot).current_pid or 0], ["a-rather-long-reading-list-name"])
        screen(pilot).check_for_changes()
        await settle(pilot)
        sidebar = screen(pilot).query_one(ViewsSidebar)
        lines = [line.rstrip(" ▎") for line in widget_lines(app, sidebar) if line.strip(" ▎")]
        assert len(lines) == sidebar.option_count  # one line per view: nothing wrapped
        assert any(line.endswith("…") and "#a-rather" in line for line in lines), lines


# -- 5. help -----------------------------------------------------------------------------------


async def test_help_has_each_group_once_tab_and_the_reversed_sort(tmp_path: Path) -> None:
    app = app_on(tmp_path)
    # Tall enough for every group of the key table at once (the help scrolls on smaller ones).
    async with app.run_test(size=(120, 80)) as pilot:
        await ready(pilot)
        await pilot.press("question_mark")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        text = "\n".join(widget_lines(app, app.screen.children[0]))
        for group in grouped():
            headings = [line for line in text.splitlines() if line.strip(" █▀▄▂▃▅▆") == group]
            assert len(headings) == 1, (group, headings)
        assert "Tab shift+Tab" in text
        app.screen.query_one(VerticalScroll).scroll_end(animate=False)
        await settle(pilot)
        text = "\n".join(widget_lines(app, app.screen.children[0]))
        assert "sort:-date reverses any order" in text
        assert "author:NAME" in text


def test_readme_lists_the_keys_that_are_not_commands() -> None:
    from quire.app.screens.help import EXTRA_ROWS

    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    keys_table = readme.split("## Keys", 1)[1].split("\n\n- ", 1)[0]
    for rows in EXTRA_ROWS.values():
        for keys, _does, _ident in rows:
            first = keys.split()[0].split("-")[0]
            assert f"`{first}" in keys_table, keys


def test_counted_words_follow_one_rule() -> None:
    from quire.wording import counted

    assert [counted(n, "paper") for n in (0, 1, 2)] == ["0 papers", "1 paper", "2 papers"]
    assert counted(1, "upvote") == "1 upvote" and counted(1, "author") == "1 author"
    assert counted(3, "query", "queries") == "3 queries"


def test_exports_and_labels_count_in_words() -> None:
    from quire.export import export_papers
    from quire.models import Paper

    one = Paper(
        pid=1,
        title="A",
        short_id="t0000001",
        upvotes=1,
        author_count=1,
        added=datetime(2026, 1, 1, tzinfo=UTC),
    )
    assert one.authors_label == "1 author"
    assert "1 upvote " in export_papers([one], "markdown") + " "
    assert "1 upvotes" not in export_papers([one], "markdown")


# -- 6. counts for the sidebar -----------------------------------------------------------------


def test_view_counts_follow_reads_and_bookmarks(tmp_path: Path) -> None:
    from app_support import seeded_library

    lib = seeded_library(tmp_path)
    total = lib.count()
    assert lib.view_counts() == {"unread": total, "all": total, "bookmarked": 0}
    pids = lib.all_pids()[:3]
    lib.set_read(pids, True)
    lib.set_bookmarked(pids[:1], True)
    assert lib.view_counts() == {"unread": total - 3, "all": total, "bookmarked": 1}


def test_no_message_says_paper_s() -> None:
    source = Path(__file__).parent.parent / "src" / "quire"
    found = [
        f"{path.name}: {line.strip()}"
        for path in source.rglob("*.py")
        for line in path.read_text(encoding="utf-8").splitlines()
        if re.search(r"\b(paper|upvote|file|author|tag|view|result|note)\(s\)", line)
    ]
    assert not found, found


# -- batch 2: footer, narrow detail, counts, empty For you, tag column ---------------------------


def footer_keys(app: App[Any]) -> list[FooterKey]:
    """The footer keys drawn on the main screen."""
    return [k for k in screen_of(app).query(FooterKey) if k.display and k.region.width]


def screen_of(app: App[Any]) -> Any:
    return next(s for s in app.screen_stack if s.query(KeyFooter))


@pytest.mark.parametrize("size", [(140, 45), (100, 30), (80, 24), (60, 20)])
async def test_the_footer_keeps_help_and_quit(tmp_path: Path, size: tuple[int, int]) -> None:
    app = app_on(tmp_path)
    async with app.run_test(size=size) as pilot:
        await ready(pilot)
        keys = footer_keys(app)
        actions = [k.action.rpartition(".")[2] for k in keys]
        assert "help" in actions and "quit" in actions and "focus_search" in actions, actions
        ordered = sorted(keys, key=lambda k: k.region.x)
        for left, right in zip(ordered, ordered[1:], strict=False):
            assert left.region.right <= right.region.x, (left, right)  # nothing overlaps
        assert all(k.region.right <= size[0] for k in keys)
        if size[0] >= 140:
            assert len(keys) == 1 + sum(1 for c in COMMANDS if c.footer)  # all, and ^p


@pytest.mark.parametrize("size", [(80, 24), (60, 20)])
async def test_narrow_open_detail_takes_the_scrolling_keys(tmp_path: Path, size: tuple[int, int]) -> None:
    app = app_on(tmp_path, mark_read_on_open=False)
    async with app.run_test(size=size) as pilot:
        await ready(pilot)
        main = screen(pilot)
        detail = main.query_one(DetailPane)
        cursor = papers(pilot).cursor
        await pilot.press("enter")
        await settle(pilot)
        assert main.has_class("-detail-open") and app.focused is detail
        assert detail.max_scroll_y > 0
        await pilot.press("j", "pagedown")
        await settle(pilot)
        assert detail.scroll_y > 1 and papers(pilot).cursor == cursor
        await pilot.press("escape")
        await settle(pilot)
        assert not main.has_class("-detail-open") and focused(pilot) is papers(pilot)
        await pilot.press("j")
        assert papers(pilot).cursor == cursor + 1  # j moves in the list again


async def test_escape_from_the_detail_goes_back_to_the_list(tmp_path: Path) -> None:
    app = app_on(tmp_path)
    async with app.run_test(size=(140, 40)) as pilot:
        await ready(pilot)
        await pilot.press("slash", *"learning", "enter", "tab")
        await settle(pilot)
        assert app.focused is screen(pilot).query_one(DetailPane)
        await pilot.press("escape")
        assert focused(pilot) is papers(pilot)
        assert app.screen.query_one("#search-input", Input).value == "learning"  # kept


async def test_an_empty_for_you_says_how_to_fill_it(tmp_path: Path) -> None:
    app = app_on(tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot)
        await pilot.press("f")
        await settle(pilot)
        assert not papers(pilot).pids
        text = "\n".join(screen_lines(app))
        assert "bookmark papers you like" in text and "with b" in text
        notice = screen(pilot).query_one("#empty")
        assert notice.region.y <= papers(pilot).region.y + 1  # at the top, where rows would be


def sidebar_counts(app: App[Any]) -> dict[str, int]:
    sidebar = screen_of(app).query_one(ViewsSidebar)
    counts = {}
    for line in widget_lines(app, sidebar):
        found = re.match(r"\s*\d (Inbox|All|Bookmarked) (\d+)", line)
        if found:
            counts[found.group(1)] = int(found.group(2))
    return counts


async def test_sidebar_counts_stay_current(tmp_path: Path) -> None:
    app = app_on(tmp_path)
    async with app.run_test(size=(160, 40)) as pilot:
        await ready(pilot)
        total = library(pilot).count()
        assert sidebar_counts(app) == {"Inbox": total, "All": total, "Bookmarked": 0}
        await pilot.press("r", "b")
        await settle(pilot)
        assert sidebar_counts(app) == {"Inbox": total - 1, "All": total, "Bookmarked": 1}
        await pilot.press("i")
        await settle(pilot)
        app.screen.query_one(Input).value = str(FIXTURES / "arxiv.atom")
        await pilot.press("enter")
        await settle(pilot)
        assert library(pilot).count() == total + 2
        assert sidebar_counts(app) == {"Inbox": total + 1, "All": total + 2, "Bookmarked": 1}


async def test_rows_keep_room_for_tags_only_once_a_paper_has_one(tmp_path: Path) -> None:
    app = app_on(tmp_path)
    async with app.run_test(size=(140, 36)) as pilot:
        await ready(pilot)
        listed = papers(pilot)
        assert not listed.tag_column
        before = DATE.search(listed.render_line(0).text)
        library(pilot).add_tags([listed.pids[2]], ["rl"])
        screen(pilot).check_for_changes()
        await settle(pilot)
        assert listed.tag_column
        after = DATE.search(listed.render_line(0).text)
        assert before and after and after.start() < before.start()  # room made for tags


async def test_the_similar_view_fits_the_sidebar(tmp_path: Path) -> None:
    app = app_on(tmp_path)
    async with app.run_test(size=(160, 40)) as pilot:
        await ready(pilot)
        await pilot.press("m")
        await settle(pilot)
        sidebar = screen(pilot).query_one(ViewsSidebar)
        lines = [line.rstrip(" ▎") for line in widget_lines(app, sidebar) if line.strip(" ▎")]
        assert len(lines) == sidebar.option_count
        assert lines[-1].endswith("…") and "Like: " in lines[-1]
