"""The main screen: search bar, views sidebar, paper list and detail pane.

The screen owns the state (view, query, sort, result); widgets only display it. All filtering,
ranking and sorting happen in the core's search index, in a worker, latest query wins.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, cast

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.events import Resize
from textual.message import Message
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Footer, Input, ProgressBar, Static
from textual.worker import get_current_worker

from quire import locations
from quire.app.commands import COMMANDS, screen_bindings
from quire.app.screens.confirm import ConfirmDialog
from quire.app.screens.files import ExportDialog, ImportDialog
from quire.app.screens.help import HelpScreen
from quire.app.screens.note_editor import NoteEditor
from quire.app.screens.tag_editor import TagChange, TagEditor
from quire.app.screens.theme_picker import ThemePicker
from quire.app.sync_worker import SyncDone, SyncProgress, start_sync
from quire.app.widgets.detail import DetailPane
from quire.app.widgets.paper_list import PaperList
from quire.app.widgets.search_bar import SearchBar
from quire.app.widgets.sidebar import View, ViewsSidebar
from quire.errors import QuireError
from quire.export.writing import ExportExistsError, export_target, write_export
from quire.importers import ImportCancelled, import_path, iter_import_files
from quire.models import Annotation, Paper, arxiv_url, search_url
from quire.search.query import parse_query
from quire.store import Library, StoreError

if TYPE_CHECKING:
    from quire.app.quire_app import QuireApp
    from quire.search import SearchResult

# Writes one annotation change for these papers; returns the annotations as they were (for undo).
AnnotationWrite = Callable[[Library, list[int]], dict[int, Annotation]]
SORTS = ("date", "upvotes", "title", "added", "relevance")
NARROW = 100
WIDE = 150
MIN_SIZE = (60, 12)
DETAIL_DELAY = 0.03
FIRST_ROWS = 200  # rows read for the first paint, before the whole list
EXTERNAL_CHECK = 2.0  # seconds between looks for changes made by other quire processes


class MainScreen(Screen[None]):
    """Where the papers are read."""

    BINDINGS = screen_bindings()

    def __init__(self) -> None:
        super().__init__()
        self.views: list[View] = []
        self.view_index = 0
        self.previous_view = 0
        self.sort: str | None = None
        self.reverse = False
        self.result: SearchResult | None = None
        self.similar_source: int | None = None
        self._query_serial = 0
        self._detail_timer: Timer | None = None
        self.detail_due = False  # a cursor move is waiting for DETAIL_DELAY to show its detail
        self._keep: int | None = None  # put the cursor on this paper in the next result
        self.sidebar_wanted: bool | None = None  # None: shown when the terminal is wide
        self._to_top = False  # the next result starts with the cursor on its first paper
        self._reported = ""  # the last library problem shown, so a timer does not repeat it
        self.as_typed = False  # search misspelt words as typed (no "showing results for …")
        self.explaining = False  # the detail pane says why the paper ranked

    @property
    def quire(self) -> QuireApp:
        """The app, typed."""
        return cast("QuireApp", self.app)

    # -- layout ------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        """Search bar on top, then sidebar | list | detail, footer below."""
        config = self.quire.config
        yield SearchBar(id="search")
        with Horizontal(id="body"):
            yield ViewsSidebar(id="sidebar")
            with Vertical(id="list-area"):
                yield PaperList(self._load_papers, columns=config.columns,
                                date_format=config.date_format, id="papers")
                yield Static(id="empty")
                yield ProgressBar(id="import-progress", show_eta=False)
            yield DetailPane(id="detail")
        yield Static("The terminal is too small for quire: make it at least "
                     f"{MIN_SIZE[0]}×{MIN_SIZE[1]}.", id="too-small")
        yield Footer()

    def on_mount(self) -> None:
        """Build the views and show the first one from the store (the index comes later)."""
        self.views = self._build_views()
        names = [v.name.casefold().replace(" ", "-") for v in self.views]
        default = self.quire.config.default_view
        self.view_index = names.index(default) if default in names else 0
        self.query_one(PaperList).focus()
        self._layout(self.size.width, self.size.height)
        self._show_views()
        self._first_paint()
        self.set_interval(EXTERNAL_CHECK, self.check_for_changes)
        if self.quire.config.sync_on_start:
            self.call_after_refresh(self.action_sync)

    def check_for_changes(self) -> None:
        """Catch up with changes another quire process made (one tiny query when there are none)."""
        index = self.quire.index
        try:
            rev = self.quire.library.current_rev()
        except StoreError as error:
            self._store_problem(error)
            return
        if index is not None and rev != index.rev:
            self._catch_up()

    def _store_problem(self, error: StoreError) -> None:
        """Say once that the library cannot be read (deleted, damaged…); keep running."""
        if str(error) != self._reported:
            self._reported = str(error)
            self.quire.report_error(error)

    @work(thread=True, exclusive=True, group="refresh")
    def _catch_up(self) -> None:
        index = self.quire.index
        if index is not None and index.refresh():
            self.app.call_from_thread(self._reload)

    def _reload(self) -> None:
        papers = self.query_one(PaperList)
        papers.forget(papers.cached_pids())
        self._show_views()
        self._update_detail()
        self.run_query()

    def _load_papers(self, pids: Sequence[int]) -> list[Paper]:
        """Rows for the list; a library that cannot be read shows nothing and says why once."""
        try:
            return self.quire.library.get_papers(pids)
        except StoreError as error:
            self._store_problem(error)
            return []

    def _first_paint(self) -> None:
        try:
            self._paint_from_store()
        except StoreError as error:
            self._store_problem(error)

    def _paint_from_store(self) -> None:
        library = self.quire.library
        if library.count() == 0:
            self._show_welcome()
            return
        view = self.views[self.view_index]
        unread, bookmarked = view.query == "is:unread", view.query == "is:bookmarked"
        # A screenful now (milliseconds at any size); the whole list from a worker, so a
        # million papers never hold up the first rows.
        self._show_pids(library.all_pids(unread=unread, bookmarked=bookmarked, limit=FIRST_ROWS))
        self.query_one(SearchBar).status("opening the search index…")
        self._load_first_list(unread, bookmarked)

    @work(thread=True, exclusive=True, group="first-list")
    def _load_first_list(self, unread: bool, bookmarked: bool) -> None:
        pids = self.quire.library.all_pids(unread=unread, bookmarked=bookmarked)
        self.app.call_from_thread(self._show_first_list, pids)

    def _show_first_list(self, pids: list[int]) -> None:
        if self.quire.index is None:  # else the index's result is already on screen
            self.query_one(PaperList).show(pids, keep=self.query_one(PaperList).current_pid)

    def index_progress(self, done: int, total: int, reason: str = "") -> None:
        """The index is being built: say how far it got (and why, when a saved one was refused)."""
        if self.quire.index is not None:
            return
        share = f" {100 * done // total}%" if total else ""
        why = f" (the saved one was not usable: {reason})" if reason else ""
        self.query_one(SearchBar).status(f"indexing for search{why}…{share}")

    def index_ready(self) -> None:
        """The index is built: from now on every list comes from it."""
        self._show_views()
        if self.quire.library.count():
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
        library = self.quire.library
        views = [View("Inbox", "is:unread"), View("All", ""),
                 View("Bookmarked", "is:bookmarked"), View("For you", special="for-you")]
        try:
            tags = library.tag_counts()
        except StoreError as error:
            self._store_problem(error)
            tags = []
        views += [View(f"#{tag}", f"tag:{tag}", count=count) for tag, count in tags]
        views += [View(v.name, v.query, key=v.key) for v in self.quire.config.views]
        return views

    def _show_views(self) -> None:
        current = self.views[self.view_index] if self.views else None
        self.views = self._build_views()
        if current is not None and current.special == "similar":
            self.views.append(current)
        if current is not None:
            names = [v.name for v in self.views]
            self.view_index = names.index(current.name) if current.name in names else 0
        self.query_one(ViewsSidebar).set_views(self.views, self.view_index)

    def action_view(self, number: int) -> None:
        """Open the saved view whose key is ``number + 1``, else view ``number`` (0-based)."""
        keyed = next((i for i, v in enumerate(self.views) if v.key == str(number + 1)), None)
        if keyed is not None:
            self._open_view(keyed)
        elif 0 <= number < len(self.views):
            self._open_view(number)

    def _open_view(self, index: int) -> None:
        if index != self.view_index:
            self.previous_view = self.view_index
        self.view_index = index
        self.query_one(ViewsSidebar).set_views(self.views, index)
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
        self.views = [v for v in self.views if v.special != "similar"]
        self.views.append(View(f"Like: {paper.title[:20]}…", special="similar"))
        self._open_view(len(self.views) - 1)

    # -- querying ----------------------------------------------------------------------------

    def _query_text(self) -> str:
        view = self.views[self.view_index]
        typed = self.query_one("#search-input", Input).value
        text = f"{view.query} {typed}".strip()
        if self.sort or self.reverse:
            key = self.sort or ("relevance" if parse_query(typed).has_words else "date")
            text += f" sort:{'-' if self.reverse else ''}{key}"
        return text

    @on(Input.Changed, "#search-input")
    def _typed(self) -> None:
        # Every keystroke queries at once: a query takes milliseconds, and a query overtaken
        # by a newer one drops out (serial check) before it touches the index.
        self._to_top = True
        self.as_typed = False
        self.run_query()

    @on(Input.Submitted, "#search-input")
    def _submitted(self) -> None:
        papers = self.query_one(PaperList)
        papers.focus()
        papers.move_to(0)

    def run_query(self) -> None:
        """Run the current view + search text in a worker; only the latest result is shown."""
        if self.quire.index is None:
            self.query_one(SearchBar).status("indexing… results appear when the index is ready")
            return
        self._query_serial += 1
        self._search(self._query_text(), self.views[self.view_index], self._query_serial,
                     self.as_typed)

    def action_search_as_typed(self) -> None:
        """Search misspelt words as typed, or go back to their corrections."""
        if self.as_typed or (self.result is not None and self.result.corrections):
            self.as_typed = not self.as_typed
            self.run_query()

    def _key_label(self, command_id: str) -> str:
        """The key of a command as the user has mapped it."""
        default = next(c.keys for c in COMMANDS if c.id == command_id)
        return self.quire.config.keymap.get(command_id, default).split(",")[0]

    @work(thread=True, exclusive=True, group="search")
    def _search(self, text: str, view: View, serial: int, as_typed: bool = False) -> None:
        from quire.search import SearchResult, for_you, similar_papers

        index = self.quire.index
        assert index is not None
        if serial != self._query_serial:
            return  # typed over while waiting: a newer query supersedes this one
        index.refresh()  # catch up with changes from other processes (one tiny query if none)
        query = parse_query(text)
        if view.special == "for-you":
            found = for_you(index, limit=200)
            result = SearchResult(query, [n.pid for n in found], exact=len(found))
            result.terms = {t for n in found for t in n.shared}
        elif view.special == "similar" and self.similar_source is not None:
            found = similar_papers(index, self.similar_source, limit=50)
            pids = [self.similar_source, *[n.pid for n in found]]
            result = SearchResult(query, pids, exact=len(pids))
        else:
            result = index.search(query, correct=not as_typed)
        self.app.call_from_thread(self._apply_result, result, serial)

    def _apply_result(self, result: SearchResult, serial: int) -> None:
        if serial != self._query_serial:
            return  # a newer query is on its way
        with self.app.batch_update():
            self._show_result(result)

    def _show_result(self, result: SearchResult) -> None:
        papers = self.query_one(PaperList)
        # New view or new words: start at the top. Re-sorting or a refresh: stay on the paper.
        keep = self._keep if self._keep is not None else \
            (None if self._to_top or self.result is None else papers.current_pid)
        self._keep = None
        self._to_top = False
        self.result = result
        papers.show(result.pids, result.exact, result.terms, result.prefixes, keep=keep)
        bar = self.query_one(SearchBar)
        if result.errors:
            bar.status(" · ".join(result.errors), error=True)
        else:
            partial = f" (+{result.partial} also relevant)" if result.partial else ""
            if result.unlisted:
                partial = f" (+{result.partial} also relevant, the best of " \
                          f"{result.partial + result.unlisted:,})"
            key = self._key_label("search-as-typed")
            if result.corrections:
                corrected = f"{result.correction_note}; {key}: search as typed · "
            elif self.as_typed:
                corrected = f"searching as typed ({key}: correct misspelt words) · "
            else:
                corrected = ""
            bar.status(f"{corrected}{_count(result.pids[:result.exact])}{partial} · "
                       f"{self.views[self.view_index].name} · "
                       f"sorted by {result.sort}{' (reversed)' if result.query.reverse else ''}")
        self._show_empty(result)

    def _show_pids(self, pids: list[int]) -> None:
        self.query_one(PaperList).show(pids)
        self.query_one("#empty").display = not pids
        self.set_class(False, "-welcome")

    def _show_empty(self, result: SearchResult) -> None:
        empty = self.query_one("#empty", Static)
        empty.display = not result.pids
        self.set_class(False, "-welcome")
        if result.pids:
            return
        view = self.views[self.view_index]
        if view.special == "for-you":
            empty.update("Nothing for you yet: bookmark (b) or tag (t) a few papers you like, "
                         "and For you lists unread papers near them.")
        elif self.query_one("#search-input", Input).value or view.query:
            hint = (f"Try removing a filter, or open All (2) instead of {view.name}."
                    if view.query or result.query.filters else "Try fewer or other words.")
            empty.update(Text(f"No papers match. {hint}"))  # the view name may be a tag
        else:
            empty.update("No papers here.")

    def _show_welcome(self) -> None:
        empty = self.query_one("#empty", Static)
        empty.update(
            "Welcome to quire.\n\nYour library is empty. Press [b]L[/b] to load the sample "
            "library (390 papers from Hugging Face Daily Papers), or [b]i[/b] to import a file: "
            "a Daily Papers page copied as text, Hugging Face API JSON, an arXiv Atom feed, the "
            "arXiv metadata snapshot, or BibTeX.\n\nFrom a shell: quire import PATH")
        empty.display = True
        self.set_class(True, "-welcome")
        self.query_one(PaperList).show([])

    def action_load_sample(self) -> None:
        """Import the bundled sample library (offered by the welcome view)."""
        self._import_paths(locations.sample_files())

    # -- cursor, detail ----------------------------------------------------------------------

    def _current(self) -> Paper | None:
        pid = self.query_one(PaperList).current_pid
        if pid is None:
            return None
        try:
            papers = self.quire.library.get_papers([pid])
        except StoreError as error:
            self._store_problem(error)
            return None
        return papers[0] if papers else None

    @on(PaperList.Highlighted)
    def _highlighted(self) -> None:
        if self._detail_timer is not None:
            self._detail_timer.stop()
        self.detail_due = True
        self._detail_timer = self.set_timer(DETAIL_DELAY, self._update_detail)

    def _update_detail(self) -> None:
        self.detail_due = False
        paper = self._current()
        terms = self.result.terms if self.result else set()
        prefixes = self.result.prefixes if self.result else ()
        detail = self.query_one(DetailPane)
        detail.show(paper, terms, prefixes, self.quire.config.date_format)
        detail.show_similar([])
        if paper is not None and self.quire.index is not None:
            self._load_similar(paper.pid)
            if self.explaining:
                self._load_explanation(paper.pid, self.result)
        if paper is None or not self.explaining:
            detail.show_why(None)

    def action_explain(self) -> None:
        """Say (or stop saying) in the detail pane why the paper ranked."""
        self.explaining = not self.explaining
        self._update_detail()

    @work(thread=True, exclusive=True, group="explain")
    def _load_explanation(self, pid: int, result: SearchResult | None) -> None:
        from quire.search.explain import explain

        index = self.quire.index
        if index is None:
            return
        if result is None or not result.query.has_words:
            lines = ["Why: search for some words first; this list is not ranked by them."]
        else:
            found = explain(index, result, self.quire.library.get_papers([pid]))
            lines = ["Why it ranked here:", *(found[0].lines() if found else [])]
        self.app.call_from_thread(self._show_explanation, pid, lines)

    def _show_explanation(self, pid: int, lines: list[str]) -> None:
        if self.explaining and self.query_one(PaperList).current_pid == pid:
            self.query_one(DetailPane).show_why(lines)

    @work(thread=True, exclusive=True, group="similar")
    def _load_similar(self, pid: int) -> None:
        from quire.search import similar_papers

        index = self.quire.index
        if index is None:
            return
        found = similar_papers(index, pid, limit=5)
        papers = {p.pid: p for p in self.quire.library.get_papers([n.pid for n in found])}
        items = [(n.pid, papers[n.pid].title, n.shared) for n in found if n.pid in papers]
        self.app.call_from_thread(self._show_similar, pid, items)

    def _show_similar(self, pid: int, items: list[tuple[int, str, list[str]]]) -> None:
        if self.query_one(PaperList).current_pid == pid:
            self.query_one(DetailPane).show_similar(items)

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

    def action_cursor_down(self) -> None:
        """Next paper."""
        self.query_one(PaperList).action_cursor_down()

    def action_cursor_up(self) -> None:
        """Previous paper."""
        self.query_one(PaperList).action_cursor_up()

    def action_cursor_top(self) -> None:
        """First paper."""
        self.query_one(PaperList).move_to(0)

    def action_cursor_bottom(self) -> None:
        """Last paper."""
        papers = self.query_one(PaperList)
        papers.move_to(len(papers.pids) - 1)

    def action_page_down(self) -> None:
        """A page down."""
        papers = self.query_one(PaperList)
        papers.move_to(papers.cursor + max(1, papers.size.height - 1))

    def action_page_up(self) -> None:
        """A page up."""
        papers = self.query_one(PaperList)
        papers.move_to(papers.cursor - max(1, papers.size.height - 1))

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
            self.cancel_import()
        elif search.has_focus:
            if search.value:
                search.value = ""
            else:
                papers.focus()
        elif self.has_class("-detail-open"):
            self.remove_class("-detail-open")
            papers.focus()
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
        if self.quire.config.mark_read_on_open and not paper.annotation.read:
            self._change([paper.pid], "Marked read", lambda lib, p: lib.set_read(p, True))
        elif paper.fresh:  # seen now: drop its "new" mark (reading it above drops it too)
            try:
                self.quire.library.mark_seen([paper.pid])
            except StoreError as error:
                self.quire.save_failed(error)
            self._changed([paper.pid])

    # -- annotations -------------------------------------------------------------------------

    def _targets(self) -> list[int]:
        papers = self.query_one(PaperList)
        if papers.selection:
            return sorted(papers.selection)
        return [papers.current_pid] if papers.current_pid is not None else []

    def _change(self, pids: Sequence[int], description: str, write: AnnotationWrite) -> bool:
        """Write an annotation change now, record it for undo, redraw; report failures."""
        library = self.quire.library
        try:
            before = write(library, list(pids))
            self.quire.undo_stack.record(description, before)
        except StoreError as error:
            self.quire.save_failed(error)
            return False
        self._changed(list(pids))
        return True

    def _changed(self, pids: list[int]) -> None:
        self.query_one(PaperList).forget(pids)
        self._update_detail()
        self._refresh_index()

    @work(thread=True, exclusive=True, group="refresh")
    def _refresh_index(self) -> None:
        index = self.quire.index
        if index is not None:
            index.refresh()
        self.app.call_from_thread(self._show_views)

    def _annotations(self, pids: list[int]) -> dict[int, Annotation]:
        return self.quire.library.annotations(pids)

    def action_bookmark(self) -> None:
        """Bookmark (or unbookmark, if all are bookmarked) the paper or the selection."""
        pids = self._targets()
        if not pids:
            return
        value = not all(a.bookmarked for a in self._annotations(pids).values())
        what = f"{'Bookmarked' if value else 'Unbookmarked'} {_count(pids)}"
        if self._change(pids, what, lambda lib, p: lib.set_bookmarked(p, value)) and len(pids) > 1:
            self.notify(what)

    def action_toggle_read(self) -> None:
        """Mark read (or unread, if all are read) the paper or the selection."""
        pids = self._targets()
        if not pids:
            return
        value = not all(a.read for a in self._annotations(pids).values())
        what = f"Marked {_count(pids)} {'read' if value else 'unread'}"
        if self._change(pids, what, lambda lib, p: lib.set_read(p, value)) and len(pids) > 1:
            self.notify(what)

    def action_toggle_select(self) -> None:
        """Select the paper (b, t and r then act on the whole selection)."""
        self.query_one(PaperList).toggle_selected()

    def action_edit_tags(self) -> None:
        """Open the tag editor for the paper or the selection."""
        pids = self._targets()
        if not pids:
            return
        current = Counter(t for a in self._annotations(pids).values() for t in a.tags)
        known = [t for t, _ in self.quire.library.tag_counts()]
        paper = self._current()
        subject = _count(pids) if len(pids) > 1 or paper is None else paper.title[:50]

        def done(change: TagChange | None) -> None:
            if change is None:
                return
            try:
                if change.add:
                    self._change(pids, f"Tagged {_count(pids)} #{' #'.join(change.add)}",
                                 lambda lib, p: lib.add_tags(p, change.add))
                if change.remove:
                    self._change(pids, f"Untagged {_count(pids)} #{' #'.join(change.remove)}",
                                 lambda lib, p: lib.remove_tags(p, change.remove))
            except ValueError as error:
                self.notify(str(error), severity="error")

        self.app.push_screen(TagEditor(subject, dict(current), len(pids), known), done)

    def action_edit_note(self) -> None:
        """Open the note editor for the paper under the cursor."""
        paper = self._current()
        if paper is None:
            return

        def done(text: str | None) -> None:
            if text is not None and text != paper.annotation.note:
                self._change([paper.pid], "Edited note", lambda lib, p: lib.set_note(p[0], text))

        self.app.push_screen(NoteEditor(paper.title, paper.annotation.note), done)

    def action_undo(self) -> None:
        """Undo the last annotation change."""
        self._history(undo=True)

    def action_redo(self) -> None:
        """Redo the last undone change."""
        self._history(undo=False)

    def _history(self, undo: bool) -> None:
        stack = self.quire.undo_stack
        try:
            step = stack.undo() if undo else stack.redo()
        except StoreError as error:
            self.quire.save_failed(error)
            return
        if step is None:
            self.notify(f"Nothing to {'undo' if undo else 'redo'}")
            return
        self.notify(f"{'Undid' if undo else 'Redid'}: {step.description}")
        self._changed(step.pids)

    # -- order -------------------------------------------------------------------------------

    def action_cycle_sort(self) -> None:
        """Next order: date, upvotes, title, added, relevance."""
        current = self.sort or (self.result.sort if self.result else "date")
        self.sort = SORTS[(SORTS.index(current) + 1) % len(SORTS)] if current in SORTS \
            else SORTS[0]
        self.run_query()

    def action_reverse_sort(self) -> None:
        """Reverse the order."""
        self.reverse = not self.reverse
        self.run_query()

    # -- outside world -------------------------------------------------------------------------

    def action_open_browser(self) -> None:
        """The arXiv page when the id is known, else a Hugging Face papers search."""
        paper = self._current()
        if paper is None:
            return
        # Only a validated id (Paper drops any other) becomes a URL, percent-encoded.
        url = arxiv_url(paper.arxiv_id) if paper.arxiv_id else search_url(paper.title)
        if self.quire.open_link(url):
            self.notify(f"Opening {url}")

    def action_copy_citation(self) -> None:
        """Copy the paper's BibTeX."""
        paper = self._current()
        if paper is None:
            return
        from quire.export import to_bibtex

        self.app.copy_to_clipboard(to_bibtex([paper]))
        self.notify(f"Copied BibTeX for {paper.title[:50]}")

    def action_export(self) -> None:
        """Export the current view to a file."""
        pids = list(self.query_one(PaperList).pids)
        if not pids:
            self.notify("Nothing to export in this view", severity="warning")
            return

        def done(choice: tuple[str, Path] | None) -> None:
            if choice is None:
                return
            fmt, path = choice
            if not export_target(path).exists():
                self._export(pids, fmt, path, overwrite=False)
                return

            def answer(yes: bool | None) -> None:
                if yes:
                    self._export(pids, fmt, path, overwrite=True)

            self.app.push_screen(ConfirmDialog(f"{path} exists. Overwrite it?", yes="Overwrite",
                                               no="Keep it"), answer)

        self.app.push_screen(ExportDialog(len(pids), Path.cwd()), done)

    @work(thread=True, group="export")
    def _export(self, pids: list[int], fmt: str, path: Path, overwrite: bool) -> None:
        from quire.export import export_papers

        try:
            text = export_papers(self.quire.library.get_papers(pids), fmt)
            write_export(path, text, overwrite=overwrite)
        except ExportExistsError:  # created while the dialog was open: still not overwritten
            self.app.call_from_thread(self.notify, f"Export failed: {path} exists now; "
                                      "nothing was overwritten", severity="error")
            return
        except (QuireError, StoreError) as error:
            self.app.call_from_thread(self.notify, f"Export failed: {error}", severity="error")
            return
        self.app.call_from_thread(self.notify, f"Exported {len(pids)} paper(s) to {path}")

    class ImportProgress(Message):
        """Bytes imported so far (posted by the import worker; a newer one replaces an older)."""

        def __init__(self, done: int, total: int) -> None:
            super().__init__()
            self.done = done
            self.total = total

        def can_replace(self, message: Message) -> bool:
            """Only the latest progress matters."""
            return isinstance(message, MainScreen.ImportProgress)

    class ImportFinished(Message):
        """The import worker is done: summary lines and failures, one per file."""

        def __init__(self, lines: list[str], failures: list[str], cancelled: bool) -> None:
            super().__init__()
            self.lines = lines
            self.failures = failures
            self.cancelled = cancelled

    def action_import_file(self) -> None:
        """Import a file or folder, with a progress bar."""

        def done(path: Path | None) -> None:
            if path is not None:
                self._import_paths([path])

        self.app.push_screen(ImportDialog(), done)

    def _import_paths(self, paths: list[Path]) -> None:
        bar = self.query_one("#import-progress", ProgressBar)
        bar.update(total=None, progress=0)
        bar.display = True
        self._import(paths)

    def importing(self) -> bool:
        """Whether an import (or its folder walk) is running."""
        return any(w.group == "import" and w.is_running for w in self.workers)

    def cancel_import(self) -> None:
        """Stop the import: files done so far stay, the file being read adds nothing."""
        self.workers.cancel_group(self, "import")
        self.notify("Import cancelled: the file being read adds nothing", timeout=6)

    @work(thread=True, exclusive=True, group="import")
    def _import(self, paths: list[Path]) -> None:
        # Runs off the UI thread from the folder walk to the end, and talks back only through
        # posted messages: the UI never waits for it and it never waits for the UI.
        worker = get_current_worker()
        lines: list[str] = []
        failures: list[str] = []
        files: list[Path] = []
        for path in paths:
            try:
                files += iter_import_files(path, cancelled=lambda: worker.is_cancelled)
            except QuireError as error:
                failures.append(str(error))
        sizes = [_size(f) for f in files]
        total = sum(sizes)
        self.post_message(self.ImportProgress(0, total))
        done_bytes = 0
        for file, size in zip(files, sizes, strict=True):
            if worker.is_cancelled:
                break

            def progress(done: int, _total: int, base: int = done_bytes) -> None:
                if worker.is_cancelled:
                    raise ImportCancelled("import cancelled")
                self.post_message(self.ImportProgress(base + done, total))

            try:
                summary = import_path(self.quire.library, file, on_progress=progress)
                lines.append(summary.line())
            except ImportCancelled:
                break
            except QuireError as error:
                failures.append(str(error))
            done_bytes += size
        index = self.quire.index
        if index is not None and lines:
            index.refresh()
        self.post_message(self.ImportFinished(lines, failures, worker.is_cancelled))

    @on(ImportProgress)
    def _import_progress(self, event: ImportProgress) -> None:
        self.query_one("#import-progress", ProgressBar).update(total=event.total or None,
                                                               progress=event.done)

    @on(ImportFinished)
    def _imported(self, event: ImportFinished) -> None:
        self.query_one("#import-progress", ProgressBar).display = False
        if event.lines:
            self.notify("\n".join(event.lines), title="Imported", timeout=8)
        if event.failures:
            self.notify("\n".join(event.failures) + "\n(nothing was kept from these files)",
                        title="Import failed", severity="error", timeout=12)
        self._show_views()
        if self.quire.index is not None:
            self.run_query()
        else:
            self._first_paint()

    def action_sync(self) -> None:
        """Fetch new papers from the feeds in a worker, with a progress bar (R)."""
        if start_sync(self, self.quire):
            bar = self.query_one("#import-progress", ProgressBar)
            bar.update(total=100, progress=0)
            bar.display = True

    @on(SyncProgress)
    def _sync_progress(self, event: SyncProgress) -> None:
        self.query_one("#import-progress", ProgressBar).update(progress=event.percent)

    @on(SyncDone)
    def _sync_done(self, event: SyncDone) -> None:
        self.query_one("#import-progress", ProgressBar).display = False
        for notice in event.notices():
            # Feed text and server messages are untrusted: never read as markup.
            self.notify(notice.text, title=notice.title, severity=notice.severity,
                        timeout=12 if notice.severity == "error" else 8, markup=False)
        if self.quire.index is not None:
            self._reload()  # the Inbox gains the new papers at once
        else:
            self._first_paint()

    def action_pick_theme(self) -> None:
        """Pick a theme; it is saved to the config file."""
        names = sorted(self.app.available_themes, key=lambda n: (not n.startswith("quire"), n))
        self.app.push_screen(ThemePicker(names, self.app.theme))

    def action_help(self) -> None:
        """Every key (as the user has remapped them) and the query language."""
        keymap = self.quire.config.keymap
        self.app.push_screen(HelpScreen({c.id: keymap.get(c.id, c.keys) for c in COMMANDS}))


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0  # gone or unreadable: the import itself says so


def _count(pids: Sequence[int]) -> str:
    """``1 paper``, ``3 papers``."""
    return "1 paper" if len(pids) == 1 else f"{len(pids)} papers"
