"""The search bar: the query input and, under it, what the result holds or what is wrong with
the query."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.geometry import Size
from textual.reactive import Reactive
from textual.widgets import Input, Label

from quire.safe_text import safe_text
from quire.views import View, count_label

if TYPE_CHECKING:
    from collections.abc import Sequence

    from quire.search import SearchResult


class SearchInput(Input):
    """The query input. Its size is fixed by the bar, so the text's width (which Textual's
    ``Input`` keeps as its virtual size, for scrolling) changes without a layout of the whole
    screen on every key typed; the text still scrolls to keep the cursor in view."""

    virtual_size: Reactive[Size] = Reactive(Size(0, 0), layout=False)


class SearchBar(Vertical):
    """Query input plus a one-line message area."""

    DEFAULT_CSS = """
    SearchBar { height: auto; background: $surface; }
    SearchBar Input { border: tall $panel; }
    SearchBar Input:focus { border: tall $primary; }
    SearchBar #search-status { width: 100%; height: 1; padding: 0 2; color: $foreground 80%; }
    SearchBar Input > .input--placeholder { color: $foreground 85%; }
    SearchBar #search-status.-error { color: $error; }
    """

    def compose(self) -> ComposeResult:
        """The input and the status line."""
        yield SearchInput(
            placeholder='/ to search: words, "phrases", -exclude, tag:x is:unread year:2024 sort:upvotes …',
            id="search-input",
        )
        yield Label("", id="search-status")

    @property
    def input(self) -> Input:
        """The query input."""
        return self.query_one(Input)

    def status(self, text: str, error: bool = False) -> None:
        """Show a count or a problem under the input."""
        label = self.query_one("#search-status", Label)
        # The status holds the query's words and view names: plain text, never markup. Its
        # size is fixed (one line, the bar's width), so a new text needs no layout.
        label.update(Text(safe_text(text)), layout=False)
        label.set_class(error, "-error")

    def result(
        self,
        result: SearchResult,
        view: View,
        as_typed: bool,
        as_typed_key: str,
        notes: Sequence[str] = (),
        listed: int | None = None,
    ) -> None:
        """What a result holds (or what is wrong with its query): counts, corrections, view,
        order, then ``notes`` (papers outside the view, new since the last visit).

        ``listed``: how many papers the list still shows when ``result`` is a recount after a
        change (a paper read in the Inbox stays listed until the view is opened again)."""
        if result.errors:
            self.status(" · ".join(result.errors), error=True)
            return
        partial = f" (+{result.partial} also relevant)" if result.partial else ""
        if result.unlisted:
            partial = f" (+{result.partial} also relevant, the best of {result.partial + result.unlisted:,})"
        if listed is not None and listed > result.exact:
            partial += f" ({listed - result.exact} more listed until the view is reopened)"
        if result.corrections:
            corrected = f"{result.correction_note}; {as_typed_key}: search as typed · "
        elif as_typed:
            corrected = f"searching as typed ({as_typed_key}: correct misspelt words) · "
        else:
            corrected = ""
        # For you and similar lists come in the order of their likeness, whatever sort says.
        order = (
            "ordered by similarity"
            if view.special
            else f"sorted by {result.sort}{' (reversed)' if result.query.reverse else ''}"
        )
        self.status(
            " · ".join(
                [f"{corrected}{count_label(result.pids[: result.exact])}{partial}", view.name, order, *notes]
            )
        )
