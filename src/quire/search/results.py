"""What a search hands back: ``SearchResult`` (papers in order, with what the reader needs to
explain and highlight them) and ``Neighbour`` (a paper near another, for similar and "for you").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

from quire.search.plan import Plan
from quire.search.query import Query
from quire.search.tokenizer import iter_tokens

if TYPE_CHECKING:  # numpy is the engine's: a result is made without it (quire list)
    import numpy as np
    import numpy.typing as npt


@dataclass
class SearchResult:
    """Papers matching a query, in order, with what the UI needs to explain and highlight them."""

    query: Query
    pids: list[int]
    # Scores aligned with pids, if scored: a sequence of floats (a numpy array from the
    # engine, turned into a list only when asked for: half a million floats cost 10 ms).
    score_array: Sequence[float] | npt.NDArray[np.float64] = field(default=(), compare=False, repr=False)
    terms: set[str] = field(default_factory=set)  # query terms that matched, prefixes expanded
    prefixes: tuple[str, ...] = ()
    sort: str = "date"
    exact: int = 0  # the first ``exact`` papers hold every word; the rest are "also relevant"
    plan: Plan = field(default_factory=Plan)  # how each word was read (stems, acronyms, typos)
    as_typed: bool = False  # typo correction was turned off for this search
    unlisted: int = 0  # papers holding some of the words but past ALSO_RELEVANT_LIMIT
    total: int = 0  # papers matching before ``limit`` cut the list (0: not counted)

    @property
    def corrections(self) -> dict[str, tuple[str, ...]]:
        """Words no paper holds → the nearest words searched instead."""
        return self.plan.corrections

    @property
    def correction_note(self) -> str:
        """ "showing results for …" when words were corrected (else empty)."""
        if not self.corrections:
            return ""
        used = ", ".join(" or ".join(words) for words in self.corrections.values())
        # Name the words as the user typed them, not as the index folds them.
        written = {term: self.query.text[start:end] for start, end, term in iter_tokens(self.query.text)}
        typed = ", ".join(written.get(term, term) for term in self.corrections)
        return f"showing results for {used} (no paper has {typed})"

    @cached_property
    def score_values(self) -> list[float]:
        """BM25 score of each paper, aligned with ``pids`` (empty for filter-only queries)."""
        values = self.score_array
        if isinstance(values, Sequence):
            return list(values)
        listed: list[float] = values.tolist()
        return listed

    @cached_property
    def scores(self) -> dict[int, float]:
        """BM25 score of each paper (empty for filter-only queries)."""
        return dict(zip(self.pids, self.score_values, strict=False))

    @property
    def partial(self) -> int:
        """How many results hold only some of the words ("also relevant", after the others)."""
        return len(self.pids) - self.exact

    @property
    def errors(self) -> list[str]:
        """Problems found in the query (it still ran on what could be used)."""
        return self.query.errors


@dataclass
class Neighbour:
    """A paper near another, with the terms they share (and, for "for you", the nearest seed)."""

    pid: int
    score: float
    shared: list[str]
    near: int | None = None
