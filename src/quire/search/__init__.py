"""Search: tokenizer, query parser, BM25 engine, similar papers and "for you"."""

from quire.search.engine import Neighbour, SearchIndex, SearchResult
from quire.search.query import Query, parse_query
from quire.search.similar import for_you, similar_papers

__all__ = ["Neighbour", "Query", "SearchIndex", "SearchResult", "for_you", "parse_query",
           "similar_papers"]
