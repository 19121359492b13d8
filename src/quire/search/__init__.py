"""Search: tokenizer, query parser, BM25 engine, similar papers and "for you".

The engine needs numpy and rank-bm25; they load on first use of these names (PEP 562), so
importing the light parts (``quire.search.query``, ``quire.search.tokenizer``, and
``SearchResult``, which ``quire list`` makes without an index) stays cheap.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from quire.search.engine import SearchIndex
    from quire.search.query import Query, parse_query
    from quire.search.results import Neighbour, SearchResult
    from quire.search.similar import for_you, similar_papers

_WHERE = {
    "Neighbour": "quire.search.results",
    "SearchIndex": "quire.search.engine",
    "SearchResult": "quire.search.results",
    "Query": "quire.search.query",
    "parse_query": "quire.search.query",
    "for_you": "quire.search.similar",
    "similar_papers": "quire.search.similar",
}

__all__ = ["Neighbour", "Query", "SearchIndex", "SearchResult", "for_you", "parse_query", "similar_papers"]


def __getattr__(name: str) -> Any:
    """Import the engine the first time one of its names is used."""
    if name in _WHERE:
        return getattr(import_module(_WHERE[name]), name)
    raise AttributeError(f"module 'quire.search' has no attribute {name!r}")
