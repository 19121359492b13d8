"""The main screen: search bar, views sidebar, paper list and detail pane.

Owns the reader's state (the views and which is open, the order chosen, the latest result) as
reactives the sidebar is bound to, and the flow from a view and typed words to the list: the
query runs in a worker on the core's index, latest query wins; and keeping up with changes
(its own, an import's, another process's). Annotation keys live in ``AnnotationActions``, keys
that reach outside the list (browser, export, import, theme, help) in ``LibraryActions``; the
import runs in ``ImportProgress``, the export in its dialog, the detail's similar papers in
``DetailPane``; views and query strings come from the core's ``quire.views``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.events import Paste, Resize
from textual.reactive import reactive
from textual.timer import Timer
from textual.widgets import Input, Static

from quire.app.commands import keys_of, screen_bindings
from quire.app.screens.annotating import AnnotationActions
from quire.app.screens.library_actions import LibraryActions
from quire.app.session import Session
from quire.app.widgets.detail import DetailPane
from quire.app.widgets.empty_notice import EmptyNotice
from quire.app.widgets.footer import KeyFooter
from quire.app.widgets.import_progress import ImportProgress
from quire.app.widgets.paper_list import PaperList
from quire.app.widgets.search_bar import SearchBar
from quire.app.widgets.sidebar import ViewsSidebar
from quire.search.query import SORT_KEYS, parse_query
from quire.store import StoreError
from quire.views import (
    View,
    build_views,
    more_elsewhere,
    run_view,
    view_for_key,
    view_keys,
    view_query,
    with_counts,
)

if TYPE_CHECKING:
    from collections.abc import Sequence

    from quire.models import Paper
    from quire.search import SearchResult

NARROW = 100
WIDE = 150
MIN_SIZE = (60, 12)
DETAIL_DELAY = 0.03
FIRST_ROWS = 200  # rows read for the first paint, before the whole list
# The whole list is read from the store only when the index is slow to come (a build, or a saved
# index still opening after this many seconds): reading it beside a warm start only slowed that.
WHOLE_LIST_AFTER = 2.0
EXTERNAL_CHECK = 2.0  # seconds between looks for changes made by other quire processes


class MainScreen(AnnotationActions, LibraryActions):
    """Where the papers are read."""

    BINDINGS = screen_bindings()

    views: reactive[list[View]] = reactive(list, always_update=True, init=False)
    view_index: reactive[int] = reactive(0, init=False)
    sort: reactive[str | None] = reactive(None, init=False)
    reverse: reactive[bool] = reactive(False, init=False)

    def __init__(self, session: Session) -> None:
        super().__init__(session)
        self.previous_view = 0
        self.result: SearchResult | None = None
        self.similar_source: int | None = None
        self._query_serial = 0
        self._detail_timer: Timer | None = None
        self.detail_due = False  # a cursor move is waiting for DETAIL_DELAY to show its detail
        self._keep: int | None = None  # put the cursor on this paper in the next result
        self.sidebar_wanted: bool | None = None  # None: shown when the terminal is wide
        self._to_top = False  # the next result starts with the cursor on its first paper
        self.as_typed = False  # search misspelt words as typed (no "showing results for …")
        self.explaining = False  # the detail pane says why the paper ranked
        self._whole_list_of: tuple[bool, bool] | None = None  # (unread, bookmarked) until read
        self._more_in_all = 0  # papers the words typed find outside the open view
        self._new_since_visit: int | None = None  # papers added since the reader was last open
        self._counts: dict[str, int] | None = None  # Inbox/All/Bookmarked sizes, last counted

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

    # -- views -------------------------------------------------------------------------------

    def _build_views(self) -> list[View]:
        """The views; without tag views when the library cannot be read (said once)."""
        try:
            return build_views(self.session.library, self.session.config.views)
        except StoreError as error:
            self._store_problem(error)
            return build_views(None, self.session.config.views)

    def _show_views(self) -> None:
        """Rebuild the views (tag counts change), staying on the open one."""
        current = self.views[self.view_index] if self.views else None
        views = self._build_views()
        if current is not None and current.special == "similar":
            views.append(current)
        if current is not None:
            names = [v.name for v in views]
            self.set_reactive(
                MainScreen.view_index, names.index(current.name) if current.name in names else 0
            )
        self.views = with_counts(views, self._counts)
        # Rows keep room for tags only while some paper has one.
        self.query_one(PaperList).set_tag_column(any(v.is_tag for v in views))
        self._count_views()

    @work(thread=True, exclusive=True, group="view-counts")
    def _count_views(self) -> None:
        """Count the Inbox, All and Bookmarked views: COUNT queries, off the UI thread."""
        try:
            counts = self.session.library.view_counts()
        except StoreError:
            return  # the list's own reads say the library cannot be read
        self.app.call_from_thread(self._show_counts, counts)

    def _show_counts(self, counts: dict[str, int]) -> None:
        if counts != self._counts:
            self._counts = counts
            self.views = with_counts(self.views, counts)

    def action_view(self, number: int) -> None:
        """Open the saved view whose key is ``number + 1``, else view ``number`` (0-based)."""
        index = view_for_key(self.views, str(number + 1))
        if index is not None:
            self._open_view(index)

    def _open_view(self, index: int) -> None:
        if index != self.view_index:
            self.previous_view = self.view_index
        self.view_index = index
        self._to_top = True
        self.as_typed = False
        self.run_query()

    @on(ViewsSidebar.Chosen)
    def _view_chosen(self, event: ViewsSidebar.Chosen) -> None:
        self._open_view(event.index)
        self.query_one(PaperList).focus()

    def action_toggle_sidebar(self) -> None:
        """Show or hide the views."""
        sidebar = self.query_one(ViewsSidebar)
        self.sidebar_wanted = not sidebar.display
        sidebar.display = self.sidebar_wanted
        self.set_class(self.sidebar_wanted, "-sidebar")

    def action_for_you(self) -> None:
        """Open the For you view."""
        self._open_view(next(i for i, v in enumerate(self.views) if v.special == "for-you"))

    def action_similar(self) -> None:
        """A view of the papers most like the current one."""
        paper = self._current()
        if paper is None:
            return
        self.similar_source = paper.pid
        views = [v for v in self.views if v.special != "similar"]
        title = paper.title if len(paper.title) <= 40 else f"{paper.title[:39]}…"
        views.append(View(f"Like: {title}", special="similar"))  # the sidebar cuts it to fit
        self.views = views
        self._open_view(len(views) - 1)

    # -- querying ----------------------------------------------------------------------------

    def _query_text(self) -> str:
        typed = self.query_one("#search-input", Input).value
        if parse_query(typed).sort:  # a sort: typed is the order; s and S edit it there
            return view_query(self.views[self.view_index], typed)
        return view_query(self.views[self.view_index], typed, self.sort, self.reverse)

    @on(Input.Changed, "#search-input")
    def _typed(self) -> None:
        # Every keystroke queries at once: a query takes milliseconds, and a query overtaken
        # by a newer one drops out (serial check) before it touches the index.
        self._to_top = True
        self.as_typed = False
        self.run_query()

    @on(Input.Submitted, "#search-input")
    def _submitted(self, event: Input.Submitted) -> None:
        papers = self.query_one(PaperList)
        papers.focus()
        if event.value.strip():  # an empty bar is left, not searched: the cursor stays
            papers.move_to(0)

    def run_query(self) -> None:
        """Run the current view + search text in a worker; only the latest result is shown."""
        if self.session.index is None:
            self.query_one(SearchBar).status("indexing… results appear when the index is ready")
            return
        self._query_serial += 1
        self._search(
            self._query_text(),
            self.views[self.view_index],
            self._query_serial,
            self.as_typed,
            self.query_one("#search-input", Input).value,
        )

    def action_search_as_typed(self) -> None:
        """Search misspelt words as typed, or go back to their corrections."""
        if self.as_typed or (self.result is not None and self.result.corrections):
            self.as_typed = not self.as_typed
            self.run_query()

    @work(thread=True, exclusive=True, group="search")
    def _search(self, text: str, view: View, serial: int, as_typed: bool = False, typed: str = "") -> None:
        index = self.session.index
        assert index is not None
        if serial != self._query_serial:
            return  # typed over while waiting: a newer query supersedes this one
        index.refresh()  # catch up with changes from other processes (one tiny query if none)
        result = run_view(index, view, text, self.similar_source, correct=not as_typed, typed=typed)
        more = more_elsewhere(index, view, typed, result, correct=not as_typed)
        self.app.call_from_thread(self._apply_result, result, serial, more)

    def _apply_result(self, result: SearchResult, serial: int, more: int = 0) -> None:
        if serial != self._query_serial:
            return  # a newer query is on its way
        self._more_in_all = more
        with self.app.batch_update():
            self._show_result(result)

    def _show_result(self, result: SearchResult) -> None:
        papers = self.query_one(PaperList)
        # New view or new words: start at the top. Re-sorting or a refresh: stay on the paper.
        keep = (
            self._keep
            if self._keep is not None
            else (None if self._to_top or self.result is None else papers.current_pid)
        )
        self._keep = None
        self._to_top = False
        self.result = result
        papers.show(result.pids, result.exact, result.terms, result.prefixes, keep=keep)
        self._status(result)
        self._show_empty(result)

    def _status(self, result: SearchResult, listed: int | None = None) -> None:
        """The status line for ``result``, with what lies outside the view and what is new."""
        notes = []
        if self._more_in_all:
            keys = view_keys(self.views)
            everything = next((i for i, v in enumerate(self.views) if not v.query and not v.special), None)
            key = keys[everything] if everything is not None else None
            notes.append(f"{self._more_in_all} more in All" + (f" ({key})" if key else ""))
        if self._new_since_visit:
            notes.append(f"{self._new_since_visit} new since your last visit")
        key = keys_of("search-as-typed", self.session.config.keymap).split(",")[0]
        self.query_one(SearchBar).result(
            result, self.views[self.view_index], self.as_typed, key, notes, listed
        )

    def _show_pids(self, pids: list[int]) -> None:
        self.query_one(PaperList).show(pids)
        self.query_one(EmptyNotice).display = not pids
        self.set_class(False, "-welcome")

    def _show_empty(self, result: SearchResult) -> None:
        typed = self.query_one("#search-input", Input).value
        self.query_one(EmptyNotice).explain(result, self.views[self.view_index], typed)
        self.set_class(False, "-welcome")

    def _show_welcome(self) -> None:
        self.query_one(EmptyNotice).welcome()
        self.set_class(True, "-welcome")
        self.query_one(PaperList).show([])

    # -- cursor, detail ----------------------------------------------------------------------

    @on(PaperList.Highlighted)
    def _highlighted(self) -> None:
        if self._detail_timer is not None:
            self._detail_timer.stop()
        self.detail_due = True
        self._detail_timer = self.set_timer(DETAIL_DELAY, self._update_detail)

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

    @work(thread=True, exclusive=True, group="refresh")
    def _refresh_index(self, text: str, view: View, serial: int, typed: str) -> None:
        index = self.session.index
        if index is not None:
            index.refresh()
            if not view.special:  # For you and similar lists are not counts of a filter
                fresh = run_view(index, view, text, correct=not self.as_typed, typed=typed)
                self.app.call_from_thread(self._recounted, fresh, serial)
        self.app.call_from_thread(self._show_views)

    @work(thread=True, exclusive=True, group="new-count")
    def _count_new(self) -> None:
        """Count the papers added since the reader was last opened (a query over the whole
        library: off the UI thread, and only when the library grew)."""
        visit = self.session.visit
        if visit is None:
            return
        try:
            count = visit.new_papers(self.session.library)
        except StoreError as error:
            self.app.call_from_thread(self._store_problem, error)
            return
        self.app.call_from_thread(self._new_counted, count)

    def _new_counted(self, count: int | None) -> None:
        self._new_since_visit = count
        if self.result is not None:
            self._status(self.result)

    def _recounted(self, fresh: SearchResult, serial: int) -> None:
        """The open view counted again after a change; the list keeps its rows."""
        if serial == self._query_serial and self.result is not None:
            self._status(fresh, listed=self.result.exact)

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

    def action_open_view(self, index: int) -> None:
        """Open the view at ``index`` of the sidebar (the command palette's view entries)."""
        if 0 <= index < len(self.views):
            self._open_view(index)

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

    # -- order -------------------------------------------------------------------------------

    def action_cycle_sort(self) -> None:
        """Next order: date, upvotes, title, added, and relevance when there are words to rank
        by. A ``sort:`` typed in the bar is what is in effect, so it is the one changed there:
        the bar never shows an order the list does not have."""
        search = self.query_one("#search-input", Input)
        typed = parse_query(search.value)
        current = typed.sort or self.sort or (self.result.sort if self.result else "date")
        orders = [k for k in SORT_KEYS if k != "relevance" or typed.has_words]
        following = orders[(orders.index(current) + 1) % len(orders)] if current in orders else orders[0]
        if typed.sort:
            self._keep = self.query_one(PaperList).current_pid  # re-sorting keeps the paper
            search.value = _with_sort(search.value, following, typed.reverse)
        else:
            self.sort = following

    def action_reverse_sort(self) -> None:
        """Reverse the order (in the bar when a ``sort:`` is typed there)."""
        search = self.query_one("#search-input", Input)
        typed = parse_query(search.value)
        if typed.sort:
            self._keep = self.query_one(PaperList).current_pid
            search.value = _with_sort(search.value, typed.sort, reverse=not typed.reverse)
        else:
            self.reverse = not self.reverse

    def watch_sort(self) -> None:
        """A new order: run the query again (the cursor stays on its paper)."""
        self.run_query()

    def watch_reverse(self) -> None:
        """The other direction: run the query again."""
        self.run_query()

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


def _with_sort(text: str, key: str, reverse: bool) -> str:
    """``text`` with its ``sort:`` words set to ``key``, reversed or not."""
    words = text.split(" ")
    for number, word in enumerate(words):
        if word.lower().startswith(("sort:", "-sort:")):
            words[number] = f"sort:{'-' if reverse else ''}{key}"
    return " ".join(words)
