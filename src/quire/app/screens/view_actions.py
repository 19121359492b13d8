"""The main screen's views: which are offered, which is open, and the keys that change it.

Owns the ``views`` and ``view_index`` reactives the sidebar is bound to, rebuilding the views
when tags change (staying on the open one), counting the Inbox, All and Bookmarked views off the
UI thread, and the keys and messages that open a view: a view's number, the sidebar, For you and
the similar-papers view. The views themselves come from the core's ``quire.views``; running the
open one is ``Searching``'s ``run_query``.
"""

from __future__ import annotations

from textual import on, work
from textual.reactive import reactive

from quire.app.screens.base import PaperScreen
from quire.app.session import Session
from quire.app.widgets.paper_list import PaperList
from quire.app.widgets.sidebar import ViewsSidebar
from quire.store import StoreError
from quire.views import View, build_views, view_for_key, with_counts


class ViewActions(PaperScreen):
    """The views and the keys that open them; ``run_query`` shows the open one."""

    views: reactive[list[View]] = reactive(list, always_update=True, init=False)
    view_index: reactive[int] = reactive(0, init=False)

    def __init__(self, session: Session) -> None:
        super().__init__(session)
        self.previous_view = 0  # where Escape goes back to from a similar view
        self.similar_source: int | None = None  # the paper the similar view is like
        self.sidebar_wanted: bool | None = None  # None: shown when the terminal is wide
        self._counts: dict[str, int] | None = None  # Inbox/All/Bookmarked sizes, last counted

    def run_query(self) -> None:
        """Show the open view with the words typed (the screen runs it)."""
        raise NotImplementedError

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
                ViewActions.view_index, names.index(current.name) if current.name in names else 0
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

    def action_open_view(self, index: int) -> None:
        """Open the view at ``index`` of the sidebar (the command palette's view entries)."""
        if 0 <= index < len(self.views):
            self._open_view(index)

    def _open_view(self, index: int) -> None:
        """Open view ``index`` with the cursor at the top (searching misspelt words corrected)."""
        raise NotImplementedError

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
