"""Views and the query text they run, shared by the reader and the command line.

Owns: the built-in views (Inbox, All, Bookmarked, For you), one view per tag, the user's saved
searches and which key opens which; how a view's query, the words typed and a chosen order
become one query string; running a view on the search index (For you and similar lists
included); and the papers similar to one paper, joined with their titles.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from quire.config import SavedView
from quire.models import Paper
from quire.search.query import parse_query
from quire.store import Library
from quire.wording import counted

if TYPE_CHECKING:
    from quire.search import Neighbour, SearchIndex, SearchResult

FOR_YOU_LIMIT = 200
SIMILAR_VIEW_LIMIT = 50


@dataclass(frozen=True)
class View:
    """A named list of papers: a query, or one of the special lists."""

    name: str
    query: str = ""
    special: str | None = None  # "for-you" or "similar"
    count: int | None = None
    key: str | None = None  # a saved view's own key (1-9)

    @property
    def is_tag(self) -> bool:
        """Whether this is the view of one tag (saved searches have no count)."""
        return self.count is not None and self.query.startswith("tag:")

    @property
    def slug(self) -> str:
        """The name as ``default_view`` spells it: ``For you`` → ``for-you``."""
        return self.name.casefold().replace(" ", "-")


def build_views(library: Library | None, saved: Sequence[SavedView]) -> list[View]:
    """Inbox, All, Bookmarked, For you, one view per tag (with its count), the saved searches.

    ``library`` is None when it cannot be read: the views are listed without tag views."""
    views = [
        View("Inbox", "is:unread"),
        View("All", ""),
        View("Bookmarked", "is:bookmarked"),
        View("For you", special="for-you"),
    ]
    tags = library.tag_counts() if library is not None else []
    views += [View(f"#{tag}", f"tag:{tag}", count=count) for tag, count in tags]
    views += [View(v.name, v.query, key=v.key) for v in saved]
    return views


# What the first three built-in views count (``Library.view_counts`` keys).
COUNTED = ("unread", "all", "bookmarked")


def with_counts(views: Sequence[View], counts: dict[str, int] | None) -> list[View]:
    """``views`` with the Inbox, All and Bookmarked counts filled in (unchanged without)."""
    if counts is None:
        return list(views)
    return [
        replace(view, count=counts[COUNTED[i]]) if i < len(COUNTED) else view for i, view in enumerate(views)
    ]


def view_keys(views: Sequence[View]) -> list[str | None]:
    """The key that opens each view: a saved view's own key, else its position (1-9) unless a
    saved view claimed that key."""
    claimed = {v.key for v in views if v.key}
    return [
        view.key or (str(number) if number <= 9 and str(number) not in claimed else None)
        for number, view in enumerate(views, start=1)
    ]


def view_for_key(views: Sequence[View], key: str) -> int | None:
    """Which view ``key`` (``"1"``…``"9"``) opens, if any."""
    keys = view_keys(views)
    return keys.index(key) if key in keys else None


def with_order(text: str, sort: str | None = None, reverse: bool = False) -> str:
    """``text`` with ``sort:KEY`` appended when an order was chosen (reversing the natural
    order — relevance with words, else date — when only ``reverse`` is asked for)."""
    text = text.strip()
    if not sort and not reverse:
        return text
    key = sort or parse_query(text).order
    return f"{text} sort:{'-' if reverse else ''}{key}".strip()


def view_query(view: View, typed: str, sort: str | None = None, reverse: bool = False) -> str:
    """The query a view runs with the words typed in the search bar and the chosen order."""
    return with_order(f"{view.query} {typed}", sort, reverse)


def run_view(
    index: SearchIndex,
    view: View,
    text: str,
    similar_to: int | None = None,
    correct: bool = True,
    typed: str | None = None,
) -> SearchResult:
    """The papers of ``view`` for query ``text`` (For you and similar lists have their own);
    ``correct`` reads misspelt words as the nearest words the library holds.

    ``typed``, the words of the search bar inside ``text``, gives the query's messages: their
    columns then count in what the user typed, not in the view's query put before it
    (``year:abc`` typed in the Inbox is at column 1, not 11). The view's own query was
    checked when the config was read."""
    from quire.search import SearchResult, for_you, similar_papers

    query = parse_query(text)
    if typed is not None:
        query.errors[:] = parse_query(typed).errors
    if view.special == "for-you":
        found = for_you(index, limit=FOR_YOU_LIMIT)
        result = SearchResult(query, [n.pid for n in found], exact=len(found))
        result.terms = {t for n in found for t in n.shared}
        return result
    if view.special == "similar" and similar_to is not None:
        found = similar_papers(index, similar_to, limit=SIMILAR_VIEW_LIMIT)
        pids = [similar_to, *[n.pid for n in found]]
        return SearchResult(query, pids, exact=len(pids))
    return index.search(query, correct=correct)


def more_elsewhere(
    index: SearchIndex, view: View, typed: str, found: SearchResult, correct: bool = True
) -> int:
    """How many more papers the words typed find in All than in ``view`` (which found
    ``found``): a search is scoped to the open view, and this says what lies outside it.

    0 for All itself, For you and similar lists, and when nothing is typed."""
    if not view.query or view.special or not typed.strip():
        return 0
    everywhere = index.search(parse_query(typed), correct=correct)
    return max(0, everywhere.exact - found.exact)


def similar_with_papers(
    index: SearchIndex, library: Library, pid: int, limit: int
) -> list[tuple[Paper, Neighbour]]:
    """The papers most like ``pid``, each with its neighbour record (score, shared terms)."""
    from quire.search import similar_papers

    found = similar_papers(index, pid, limit=limit)
    papers = {p.pid: p for p in library.get_papers([n.pid for n in found])}
    return [(papers[n.pid], n) for n in found if n.pid in papers]


def count_label(pids: Sequence[int]) -> str:
    """``1 paper``, ``3 papers`` (the one plural rule, ``counted``)."""
    return counted(len(pids), "paper")
