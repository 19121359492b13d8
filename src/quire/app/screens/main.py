"""The main screen: search bar, views sidebar, paper list and detail pane, brought together.

Owns the layout (side by side, one at a time below 100 columns, a message when too small), the
first paint from the store before the index is ready and the hand-over to the index, keeping up
with changes (its own, an import's, another process's), the detail of the paper under the
cursor, and the keys that move between the parts (search, detail, Escape, Enter). The rest
comes from its bases: the views in ``ViewActions``, the query and its result in ``Searching``,
annotation keys in ``AnnotationActions``, keys that reach outside the list (browser, export,
import, theme, help) in ``LibraryActions``; the import runs in ``ImportProgress``, the detail's
similar papers in ``DetailPane``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.events import Paste, Resize
from textual.timer import Timer
from textual.widgets import Input, Static

from quire.app.commands import screen_bindings
from quire.app.screens.annotating import AnnotationActions
from quire.app.screens.library_actions import LibraryActions
from quire.app.screens.searching import Searching
from quire.app.session import Session
from quire.app.widgets.detail import DetailPane
from quire.app.widgets.empty_notice import EmptyNotice
from quire.app.widgets.footer import KeyFooter
from quire.app.widgets.import_progress import ImportProgress
from quire.app.widgets.paper_list import PaperList
from quire.app.widgets.search_bar import SearchBar
from quire.app.widgets.sidebar import ViewsSidebar
from quire.store import StoreError

if TYPE_CHECKING:
    from collections.abc import Sequence

    from quire.models import Paper

NARROW = 100
WIDE = 150
MIN_SIZE = (60, 12)
DETAIL_DELAY = 0.03  # seconds the cursor rests on a paper before its detail is shown
TYPING_DETAIL_DELAY = 0.3  # the same after a result of words being typed (a pause in typing)
FIRST_ROWS = 200  # rows read for the first paint, before the whole list
# The whole list is read from the store only when the index is slow to come (a build, or a saved
# index still opening after this many seconds): reading it beside a warm start only slowed that.
WHOLE_LIST_AFTER = 2.0
EXTERNAL_CHECK = 2.0  # seconds between looks for changes made by other quire processes


class MainScreen(AnnotationActions, LibraryActions, Searching):
    """Where the papers are read."""

    BINDINGS = screen_bindings()

    def __init__(self, session: Session) -> None:
        super().__init__(session)
        self._detail_timer: Timer | None = None
        self.detail_due = False  # a cursor move is waiting for DETAIL_DELAY to show its detail
        self.explaining = False  # the detail pane says why the paper ranked
        self._whole_list_of: tuple[bool, bool] | None = None  # (unread, bookmarked) until read

    # -- layout ------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        """Search bar on top, then sidebar | list | detail, footer below."""
        config = self.session.config
        yield SearchBar(id="search")
        with Horizontal(id="body"):
            yield ViewsSidebar(id="sidebar").data_bind(views=MainScreen.views, current=MainScreen.view_index)
            with Vertical(id="list-area"):
                # Above the list: an empty list's explanation shows where its rows would be.
                yield EmptyNotice(id="empty")
                yield PaperList(
                    self._load_papers, columns=config.columns, date_format=config.date_format, id="papers"
                )
                yield ImportProgress(self.session, id="import-progress")
            yield DetailPane(self.session, id="detail")
        yield Static(
            f"The terminal is too small for quire: make it at least {MIN_SIZE[0]}×{MIN_SIZE[1]}.",
            id="too-small",
        )
        yield KeyFooter()

    def on_mount(self) -> None:
        """Build the views and show the first one from the store (the index comes later)."""
        views = self._build_views()
        names = [v.slug for v in views]
        default = self.session.config.default_view
        self.set_reactive(MainScreen.view_index, names.index(default) if default in names else 0)
        self.views = views
        self.query_one(PaperList).focus()
        self._layout(self.size.width, self.size.height)
        self._first_paint()
        self.set_interval(EXTERNAL_CHECK, self.check_for_changes)
        if self.session.config.sync_on_start:
            self.call_after_refresh(self.action_sync)

    def check_for_changes(self) -> None:
        """Catch up with changes another quire process made (one tiny query when there are none)."""
        index = self.session.index
        try:
            rev = self.session.library.current_rev()
        except StoreError as error:
            self._store_problem(error)
            return
        if index is not None and rev != index.rev:
            self._catch_up()

    @work(thread=True, exclusive=True, group="refresh")
    def _catch_up(self) -> None:
        index = self.session.index
        if index is not None and index.refresh():
            self.app.call_from_thread(self._reload)

    def _reload(self) -> None:
        papers = self.query_one(PaperList)
        papers.forget(papers.cached_pids())
        self._count_new()
        self._show_views()
        self._update_detail()
        self.run_query()

    def _load_papers(self, pids: Sequence[int]) -> list[Paper]:
        """Rows for the list; a library that cannot be read shows nothing and says why once."""
        try:
            return self.session.library.get_papers(pids)
        except StoreError as error:
            self._store_problem(error)
            return []

    def _first_paint(self) -> None:
        try:
            self._paint_from_store()
        except StoreError as error:
            self._store_problem(error)

    def _paint_from_store(self) -> None:
        library = self.session.library
        if library.count() == 0:
            self._show_welcome()
            return
        view = self.views[self.view_index]
        unread, bookmarked = view.query == "is:unread", view.query == "is:bookmarked"
        # A screenful now (milliseconds at any size); the whole list from a worker if the
        # index is slow to come, so a million papers never hold up the first rows.
        self._show_pids(library.all_pids(unread=unread, bookmarked=bookmarked, limit=FIRST_ROWS))
        self.query_one(SearchBar).status("opening the search index…")
        self._whole_list_of = (unread, bookmarked)
        self.set_timer(WHOLE_LIST_AFTER, self._whole_list)

    def _whole_list(self) -> None:
        if self._whole_list_of is not None and self.session.index is None:
            unread, bookmarked = self._whole_list_of
            self._load_first_list(unread, bookmarked)
        self._whole_list_of = None

    @work(thread=True, exclusive=True, group="first-list")
    def _load_first_list(self, unread: bool, bookmarked: bool) -> None:
        pids = self.session.library.all_pids(unread=unread, bookmarked=bookmarked)
        self.app.call_from_thread(self._show_first_list, pids)

    def _show_first_list(self, pids: list[int]) -> None:
        if self.session.index is None:  # else the index's result is already on screen
            self.query_one(PaperList).show(pids, keep=self.query_one(PaperList).current_pid)

    def index_progress(self, done: int, total: int, reason: str = "") -> None:
        """The index is being built: say how far it got (and why, when a saved one was refused)."""
        if self.session.index is not None:
            return
        self._whole_list()  # indexing takes a while: the whole list from the store meanwhile
        share = f" {100 * done // total}%" if total else ""
        why = f" (the saved one was not usable: {reason})" if reason else ""
        self.query_one(SearchBar).status(f"indexing for search{why}…{share}")

    def index_ready(self) -> None:
        """The index is built: from now on every list comes from it."""
        self._show_views()
        self._count_new()
        if self.session.library.count():
            self.run_query()

    def on_resize(self, event: Resize) -> None:
        """Side by side when wide, one at a time when narrow, a message when too small."""
        self._layout(event.size.width, event.size.height)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """While the terminal is too small the list is hidden: no key may act on it (only quit,
        an app binding, and resizing still work)."""
        return not self.has_class("-too-small")

    def _layout(self, width: int, height: int) -> None:
        self.set_class(width < NARROW, "-narrow")
        self.set_class(width < MIN_SIZE[0] or height < MIN_SIZE[1], "-too-small")
        if self.sidebar_wanted is None:
            # Unless the user chose, the sidebar shows only where titles keep room to breathe.
            self.query_one(ViewsSidebar).display = width >= WIDE

    # -- cursor, detail ----------------------------------------------------------------------

    @on(PaperList.Highlighted)
    def _highlighted(self) -> None:
        if self._detail_timer is not None:
            self._detail_timer.stop()
        self.detail_due = True
        # While a query is typed each key brings a new first paper: its detail (a layout of
        # the pane, its similar papers in a worker) waits until the typing rests, so it never
        # holds up the rows of the next key.
        delay = TYPING_DETAIL_DELAY if self.typed_result else DETAIL_DELAY
        self.typed_result = False
        self._detail_timer = self.set_timer(delay, self._update_detail)

    def _update_detail(self) -> None:
        self.detail_due = False
        terms = self.result.terms if self.result else set()
        prefixes = self.result.prefixes if self.result else ()
        paper = self._current()
        detail = self.query_one(DetailPane)
        detail.show(paper, terms, prefixes)
        if paper is not None and self.explaining and self.session.index is not None:
            detail.explain(paper.pid, self.result)

    def action_explain(self) -> None:
        """Say (or stop saying) in the detail pane why the paper ranked."""
        self.explaining = not self.explaining
        self._update_detail()

    def _changed(self, pids: list[int]) -> None:
        """Annotations of ``pids`` changed: redraw their rows and the detail, refresh the index
        and count the view again (its rows stay, so the cursor never jumps)."""
        self.query_one(PaperList).forget(pids)
        self._update_detail()
        self._refresh_index(
            self._query_text(),
            self.views[self.view_index],
            self._query_serial,
            self.query_one("#search-input", Input).value,
        )

    @on(DetailPane.SimilarChosen)
    def _similar_chosen(self, event: DetailPane.SimilarChosen) -> None:
        papers = self.query_one(PaperList)
        row = papers.index_of(event.pid)
        if row is not None:
            papers.move_to(row)
        else:
            self._keep = event.pid  # the similar view's result will put the cursor on it
            self.action_similar()
        papers.focus()

    @on(Paste)
    def _pasted(self, event: Paste) -> None:
        """Text pasted over the list is a search, never a string of commands (its letters
        would bookmark, tag and mark papers): it goes into the search bar (a leading ``/``,
        the search key, dropped; one line)."""
        search = self.query_one("#search-input", Input)
        if search.has_focus:
            return
        event.stop()
        text = event.text.strip().splitlines()[0] if event.text.strip() else ""
        self.set_focus(search)
        search.value = text.removeprefix("/").strip()
        search.cursor_position = len(search.value)

    def action_detail_down(self) -> None:
        """Scroll the detail (a long abstract) down half its height (J)."""
        self._scroll_detail(1)

    def action_detail_up(self) -> None:
        """Scroll the detail up half its height (K)."""
        self._scroll_detail(-1)

    def _scroll_detail(self, direction: int) -> None:
        detail = self.query_one(DetailPane)
        if self.has_class("-narrow") and not self.has_class("-detail-open"):
            self.action_open()  # below 100 columns the detail is shown on its own: show it
        step = max(1, detail.scrollable_content_region.height // 2)
        detail.scroll_relative(y=direction * step, animate=False)

    def action_focus_search(self) -> None:
        """Type a query."""
        # set_focus, not focus(): focus() is deferred, and keys typed right after / would
        # still reach the list as commands.
        self.set_focus(self.query_one("#search-input", Input))

    def action_back(self) -> None:
        """Escape: leave the search bar, close the detail, clear selection, then the search."""
        search = self.query_one("#search-input", Input)
        papers = self.query_one(PaperList)
        if self.importing():
            self.query_one(ImportProgress).cancel()
        elif search.has_focus:
            papers.focus()  # the query stays (as in lazygit and tig); Escape again clears it
        elif self.has_class("-detail-open"):
            self.remove_class("-detail-open")
            papers.focus()
        elif self.query_one(DetailPane).has_focus_within:
            papers.focus()  # back from the detail (reached with Tab) to the list
        elif papers.selection:
            papers.selection.clear()
            papers.refresh()
        elif search.value:
            search.value = ""
        elif self.views[self.view_index].special == "similar":
            self._open_view(self.previous_view)
        else:
            papers.focus()

    @on(PaperList.Opened)
    def _opened(self) -> None:
        self.action_open()

    def action_open(self) -> None:
        """Open the detail of the paper (marks it read unless configured not to)."""
        paper = self._current()
        if paper is None:
            return
        if self.has_class("-narrow"):
            self.add_class("-detail-open")
            # The list is hidden now: the detail takes the keys, so j/k/PgDn scroll it.
            self.set_focus(self.query_one(DetailPane))
        if self.session.config.mark_read_on_open and not paper.annotation.read:
            self._annotate(lambda annotator: annotator.mark_read(paper.pid))
        elif paper.fresh:  # seen now: drop its "new" mark (reading it above drops it too)
            try:
                self.session.library.mark_seen([paper.pid])
            except StoreError as error:
                self._not_saved(error)
            self._changed([paper.pid])

    # -- imports ---------------------------------------------------------------------------

    def importing(self) -> bool:
        """Whether an import (or its folder walk) is running."""
        return self.query_one(ImportProgress).importing()

    def _library_grew(self, reload: bool = False) -> None:
        """Papers came in (an import; a sync, which ``reload``s): list them, from the index
        once it is built."""
        if not reload:
            self._show_views()
        if self.session.index is None:
            self._first_paint()
        elif reload:
            self._reload()  # the Inbox gains the new papers at once
        else:
            self._count_new()
            self.run_query()
