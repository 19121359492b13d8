"""What the list area says when there is no paper to list.

Owns the three messages: the welcome on an empty library, why a search found nothing (and what
to try), and an empty For you view (how to start it).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.widgets import Static

from quire.views import View

if TYPE_CHECKING:
    from quire.search import SearchResult

WELCOME = (
    "Welcome to quire.\n\nYour library is empty. Press [b]L[/b] to load the sample "
    "library (390 papers from Hugging Face Daily Papers), or [b]i[/b] to import a file: "
    "a Daily Papers page copied as text, Hugging Face API JSON, an arXiv Atom feed, the "
    "arXiv metadata snapshot, or BibTeX.\n\nFrom a shell: quire import PATH"
)


class EmptyNotice(Static):
    """Shown instead of the list when it is empty."""

    def welcome(self) -> None:
        """The library is empty: say how to fill it."""
        self.update(WELCOME)
        self.display = True

    def explain(self, result: SearchResult, view: View, typed: str) -> None:
        """Show why ``result`` is empty (hidden when it is not)."""
        self.display = not result.pids
        if result.pids:
            return
        if view.special == "for-you":
            self.update(
                "For you is empty until you pick some papers: bookmark papers you like "
                "with b (or tag them with t), and For you will suggest unread papers "
                "like them."
            )
        elif typed or view.query:
            hint = (
                f"Try removing a filter, or open All (2) instead of {view.name}."
                if view.query or result.query.filters
                else "Try fewer or other words."
            )
            self.update(Text(f"No papers match. {hint}"))  # the view name may be a tag
        else:
            self.update("No papers here.")
