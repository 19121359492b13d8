"""The search bar: the query input and, under it, what is wrong with the query."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Input, Label

from quire.safe_text import safe_text


class SearchBar(Vertical):
    """Query input plus a one-line message area."""

    DEFAULT_CSS = """
    SearchBar { height: auto; background: $surface; }
    SearchBar Input { border: tall $panel; }
    SearchBar Input:focus { border: tall $primary; }
    SearchBar #search-status { height: 1; padding: 0 2; color: $foreground 80%; }
    SearchBar Input > .input--placeholder { color: $foreground 85%; }
    SearchBar #search-status.-error { color: $error; }
    """

    def compose(self) -> ComposeResult:
        """The input and the status line."""
        yield Input(placeholder="/ to search: words, \"phrases\", -exclude, tag:x is:unread "
                    "year:2024 sort:upvotes …", id="search-input")
        yield Label("", id="search-status")

    @property
    def input(self) -> Input:
        """The query input."""
        return self.query_one(Input)

    def status(self, text: str, error: bool = False) -> None:
        """Show a count or a problem under the input."""
        label = self.query_one("#search-status", Label)
        # The status holds the query's words and view names: plain text, never markup.
        label.update(Text(safe_text(text)))
        label.set_class(error, "-error")
