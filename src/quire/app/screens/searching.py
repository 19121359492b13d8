"""The main screen's flow from a view and typed words to the list, and the order it is in.

Owns the query (the open view's filter, the words typed, the order chosen: the ``sort`` and
``reverse`` reactives, or a ``sort:`` typed in the bar), running it in a worker on the core's
index where the latest query wins, showing its result in the list, the status line and the
empty notice, and counting again after a change (the view's size, the papers new since the
last visit). Views are ``ViewActions``'; query strings and results come from the core's
``quire.views`` and ``quire.search``.
"""

from __future__ import annotations

from dataclasses import dataclass
from threading import Event
from typing import TYPE_CHECKING

from textual import on, work
from textual.reactive import reactive
from textual.widgets import Input

from quire.app import resting_gc
from quire.app.commands import keys_of
from quire.app.screens.view_actions import ViewActions
from quire.app.session import Session
from quire.app.widgets.empty_notice import EmptyNotice
from quire.app.widgets.paper_list import PaperList
from quire.app.widgets.search_bar import SearchBar
from quire.search.query import SORT_KEYS, parse_query
from quire.store import StoreError
from quire.views import View, more_elsewhere, run_view, view_keys, view_query

if TYPE_CHECKING:
    from quire.search import SearchResult

# Longest a count outside the view waits for the rows to be drawn (seconds): the frame comes
# within milliseconds unless the screen is not being drawn (a dialog above it).
DRAWN_WAIT = 0.2


@dataclass(frozen=True)
class _Request:
    """One query for the search worker, with the serial that says whether it is still wanted."""

    text: str
    view: View
    serial: int
    as_typed: bool
    typed: str  # the search bar's words (for messages and the count outside the view)
    similar_to: int | None
    typing: bool = False  # asked for by a key typed in the search bar


class Searching(ViewActions):
    """The open view's query, run in a worker; its result on screen; the order keys."""

    sort: reactive[str | None] = reactive(None, init=False)
    reverse: reactive[bool] = reactive(False, init=False)

    def __init__(self, session: Session) -> None:
        super().__init__(session)
        self.result: SearchResult | None = None
        self._query_serial = 0
        self._keep: int | None = None  # put the cursor on this paper in the next result
        self._to_top = False  # the next result starts with the cursor on its first paper
        self.as_typed = False  # search misspelt words as typed (no "showing results for …")
        self._more_in_all = 0  # papers the words typed find outside the open view
        self._wanted: _Request | None = None  # the newest query, until a search takes it
        self._searching = False  # a search worker is running (one at a time)
        # The list's new first paper came from words being typed (its detail waits for the
        # typing to rest): read and reset when the cursor's move is handled.
        self.typed_result = False
        self._new_since_visit: int | None = None  # papers added since the reader was last open

    def _open_view(self, index: int) -> None:
        if index != self.view_index:
            self.previous_view = self.view_index
        self.view_index = index
        self._to_top = True
        self.as_typed = False
        self.run_query()

    # -- querying ----------------------------------------------------------------------------

    def _query_text(self) -> str:
        typed = self.query_one("#search-input", Input).value
        if parse_query(typed).sort:  # a sort: typed is the order; s and S edit it there
            return view_query(self.views[self.view_index], typed)
        return view_query(self.views[self.view_index], typed, self.sort, self.reverse)

    @on(Input.Changed, "#search-input")
    def _typed(self) -> None:
        # Every keystroke queries at once (a query takes milliseconds); keys typed while a
        # search runs are coalesced into the next one (``run_query``).
        self._to_top = True
        self.as_typed = False
        self.run_query(typing=True)

    @on(Input.Submitted, "#search-input")
    def _submitted(self, event: Input.Submitted) -> None:
        papers = self.query_one(PaperList)
        papers.focus()
        if event.value.strip():  # an empty bar is left, not searched: the cursor stays
            papers.move_to(0)

    def run_query(self, typing: bool = False) -> None:
        """Run the current view + search text in a worker; only the latest result is shown.

        One search runs at a time: a query asked for while one runs waits, and a newer one
        replaces it (keys typed during a search cost one search, not one each). ``typing``:
        the query is the search bar's words just changed."""
        if self.session.index is None:
            self.query_one(SearchBar).status("indexing… results appear when the index is ready")
            return
        resting_gc.activity()  # no full garbage collection while queries come
        self._query_serial += 1
        self._wanted = _Request(
            self._query_text(),
            self.views[self.view_index],
            self._query_serial,
            self.as_typed,
            self.query_one("#search-input", Input).value,
            self.similar_source,
            typing,
        )
        if not self._searching:
            self._next_search()

    def _next_search(self) -> None:
        request, self._wanted = self._wanted, None
        self._searching = request is not None
        if request is not None:
            self._search(request)

    def action_search_as_typed(self) -> None:
        """Search misspelt words as typed, or go back to their corrections."""
        if self.as_typed or (self.result is not None and self.result.corrections):
            self.as_typed = not self.as_typed
            self.run_query()

    # Descriptions given: Textual's default is the repr of the arguments, and a result's repr
    # lists every paper (tens of milliseconds at 100,000 papers, on the UI thread).
    @work(thread=True, group="search", description="search")
    def _search(self, request: _Request) -> None:
        index = self.session.index
        assert index is not None
        result = None
        try:
            index.refresh()  # catch up with changes from other processes (one tiny query if none)
            result = run_view(
                index,
                request.view,
                request.text,
                request.similar_to,
                correct=not request.as_typed,
                typed=request.typed,
            )
        finally:  # a failed search (reported by the app) must not stop the next one
            self.app.call_from_thread(self._searched, result, request)

    def _searched(self, result: SearchResult | None, request: _Request) -> None:
        self._searching = False
        if self._wanted is not None:
            self._next_search()  # typed over while it ran: only the newest query is shown
            return
        if result is None or request.serial != self._query_serial:
            return
        self._more_in_all = 0  # until counted for these words, after the list is drawn
        self.typed_result = request.typing
        with self.app.batch_update():
            self._show_result(result)
        if request.view.query and not request.view.special and request.typed.strip():
            drawn = Event()
            self.call_after_refresh(drawn.set)
            self._count_more(request, result, drawn)

    @work(thread=True, exclusive=True, group="more-count", description="count outside the view")
    def _count_more(self, request: _Request, found: SearchResult, drawn: Event) -> None:
        """Count the papers the words find outside the open view ("N more in All"): a second
        search, so it starts once the view's own rows are on screen (``drawn``), and not at
        all once newer words are typed."""
        drawn.wait(DRAWN_WAIT)
        index = self.session.index
        if index is None or request.serial != self._query_serial or self._searching:
            return
        more = more_elsewhere(index, request.view, request.typed, found, correct=not request.as_typed)
        self.app.call_from_thread(self._more_counted, more, request.serial)

    def _more_counted(self, more: int, serial: int) -> None:
        if serial == self._query_serial and self.result is not None and more != self._more_in_all:
            self._more_in_all = more
            self._status(self.result)

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

    # -- counting again after a change -------------------------------------------------------

    @work(thread=True, exclusive=True, group="refresh")
    def _refresh_index(self, text: str, view: View, serial: int, typed: str) -> None:
        index = self.session.index
        if index is not None:
            index.refresh()
            if not view.special:  # For you and similar lists are not counts of a filter
                fresh = run_view(index, view, text, correct=not self.as_typed, typed=typed)
                self.app.call_from_thread(self._recounted, fresh, serial)
        self.app.call_from_thread(self._show_views)

    def _recounted(self, fresh: SearchResult, serial: int) -> None:
        """The open view counted again after a change; the list keeps its rows."""
        if serial == self._query_serial and self.result is not None:
            self._status(fresh, listed=self.result.exact)

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


def _with_sort(text: str, key: str, reverse: bool) -> str:
    """``text`` with its ``sort:`` words set to ``key``, reversed or not."""
    words = text.split(" ")
    for number, word in enumerate(words):
        if word.lower().startswith(("sort:", "-sort:")):
            words[number] = f"sort:{'-' if reverse else ''}{key}"
    return " ".join(words)
