"""BM25Okapi scoring over compact postings (``quire.search.postings``).

``rank_bm25.BM25Okapi`` keeps one Python dict of term frequencies per document (several KB per
paper: hundreds of MB at 100,000 papers) and cannot add documents after it is built. This variant
keeps rank-bm25's scoring formula, parameters and idf rule (``_calc_idf``, with its epsilon floor)
but scores over postings, which makes candidate generation (which slots hold a term) and scoring
only the candidates (``get_batch_scores``) cheap, and lets documents be added or retired one at a
time. A test checks its scores equal ``BM25Okapi``'s.

This module owns idf and scoring. Storage (adding, retiring, reading postings) is ``Postings``';
``to_arrays``/``from_arrays`` hand the whole state to ``quire.search.persist`` and back through
``quire.search.bm25_arrays``, and a loaded index works straight from memory-mapped files.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
from rank_bm25 import BM25Okapi

from quire.search import bm25_arrays
from quire.search.postings import Array, Postings, Slots

__all__ = ["PostingsBM25", "Slots"]


class _Idf(Mapping[str, float]):
    """term -> idf, read from the per-term idf array (terms no live document holds are absent)."""

    def __init__(self, owner: PostingsBM25) -> None:
        self.owner = owner

    def __getitem__(self, term: str) -> float:
        owner = self.owner
        tid = owner.vocab.get(term)
        if tid is None or tid >= len(owner.idf_values) or owner.df[tid] <= 0:
            raise KeyError(term)
        return float(owner.idf_values[tid])

    def __iter__(self) -> Iterator[str]:
        live = np.flatnonzero(self.owner.df[: len(self.owner.idf_values)] > 0)
        return (self.owner.terms[t] for t in live.tolist())

    def __len__(self) -> int:
        return int(np.count_nonzero(self.owner.df[: len(self.owner.idf_values)] > 0))


class PostingsBM25(Postings, BM25Okapi):  # type: ignore[misc]
    """BM25Okapi scoring over postings lists, with incremental adds and removals."""

    def __init__(
        self, corpus: Iterable[Sequence[str]] = (), k1: float = 1.5, b: float = 0.75, epsilon: float = 0.25
    ) -> None:
        self._empty()
        BM25Okapi.__init__(self, list(corpus), k1=k1, b=b, epsilon=epsilon)
        self.idf: Mapping[str, float] = _Idf(self)

    def _empty(self) -> None:
        super()._empty()
        self.idf_values = np.zeros(0, dtype=np.float64)  # term id -> idf (0 for absent terms)
        self.average_idf = 0.0
        self._norm: tuple[tuple[int, float, float, float], npt.NDArray[np.float64]] | None = None

    def length_norm(self) -> npt.NDArray[np.float64]:
        """BM25's length normalisation of every slot, ``k1 * (1 - b + b * length / avgdl)``.

        Worked out once per change of the corpus (a slot's length never changes; the mean
        does) instead of once per query: 4 ms of every search at a million papers.
        """
        key = (len(self.lengths), self.avgdl, self.k1, self.b)
        if self._norm is None or self._norm[0] != key:
            lengths = np.asarray(self.lengths.view(), dtype=np.float64)
            self._norm = (key, self.k1 * (1 - self.b + self.b * lengths / (self.avgdl or 1.0)))
        return self._norm[1]

    # rank-bm25 calls these two from its constructor --------------------------------------

    def _initialize(self, corpus: Sequence[Sequence[str]]) -> dict[str, int]:
        if corpus:
            self.add_documents(corpus)
            self.flush()
        self._sync_sizes()
        return {}

    def _calc_idf(self, nd: dict[str, int]) -> None:
        self._compute_idf()

    # idf -----------------------------------------------------------------------------------

    def refresh_idf(self, terms: Iterable[str] | None = None) -> None:
        """Recompute idf after a change.

        Every term's idf depends on the corpus size, so all are recomputed (vectorised: a few
        milliseconds); ``terms`` is accepted for callers that know what changed. The values depend
        only on the document frequencies, never on the order terms were first seen, so an index
        kept current incrementally scores exactly like one built from scratch.
        """
        self._compute_idf()

    def _compute_idf(self) -> None:
        df = self.df
        live = df > 0
        n_live = int(np.count_nonzero(live))
        self.idf_values = np.zeros(len(df), dtype=np.float64)
        if not n_live or self.corpus_size <= 0:
            self.average_idf = 0.0
            return
        # rank-bm25's formula, with math.log once per distinct frequency (bit-for-bit the same
        # whatever the vocabulary order) and an exactly rounded mean for the epsilon floor.
        freqs, inverse, counts = np.unique(df[live], return_inverse=True, return_counts=True)
        size = self.corpus_size
        raw = np.array([math.log(size - f + 0.5) - math.log(f + 0.5) for f in freqs.tolist()])
        self.average_idf = math.fsum((raw * counts).tolist()) / n_live
        eps = self.epsilon * self.average_idf
        self.idf_values[live] = np.where(raw < 0, eps, raw)[inverse]

    # scoring -------------------------------------------------------------------------------

    def _query_postings(
        self, query: Sequence[str]
    ) -> Iterator[tuple[npt.NDArray[np.uint32], npt.NDArray[np.uint16], float]]:
        """Postings (slots, term frequencies) and idf of each distinct query term, in query
        order, skipping terms with none: the one walk both scorers share, so they add the same
        terms in the same order and stay bit for bit equal."""
        for term in dict.fromkeys(query):
            tid = self.vocab.get(term)
            if tid is None:
                continue
            docs, tfs = self._postings_of(tid)
            if len(docs):
                yield docs, tfs, self.idf.get(term) or 0.0

    def get_batch_scores(
        self, query: Sequence[str], doc_ids: Sequence[int] | Slots
    ) -> npt.NDArray[np.float64]:
        """BM25 scores of ``query`` for the given slots only (rank-bm25's method, on postings)."""
        ids = np.asarray(doc_ids, dtype=np.int64)
        scores = np.zeros(len(ids))
        if not len(ids):
            return scores
        lengths = self.lengths.view()[ids].astype(np.float64)
        norm = self.k1 * (1 - self.b + self.b * lengths / (self.avgdl or 1.0))
        for docs, tfs, idf in self._query_postings(query):
            # Where each candidate sits in the postings (both sorted by slot): no dense arrays.
            at = np.searchsorted(docs, ids)
            at_clipped = np.minimum(at, len(docs) - 1)
            hit = docs[at_clipped] == ids
            tf = np.where(hit, tfs[at_clipped], 0).astype(np.float64)
            scores += idf * (tf * (self.k1 + 1) / (tf + norm))
        return scores

    def scores_over_postings(self, query: Sequence[str]) -> npt.NDArray[np.float64]:
        """The scores ``get_batch_scores`` gives, for every slot, summed over each term's
        postings only (bit for bit the same: the same terms added in the same order)."""
        scores = np.zeros(len(self.lengths))
        lengths = self.lengths.view()
        for docs, tfs, idf in self._query_postings(query):
            norm = self.k1 * (1 - self.b + self.b * lengths[docs].astype(np.float64) / (self.avgdl or 1.0))
            tf = tfs.astype(np.float64)
            scores[docs] += idf * (tf * (self.k1 + 1) / (tf + norm))
        return scores

    def get_scores(self, query: Sequence[str]) -> npt.NDArray[np.float64]:
        """Scores of every slot (retired slots score 0)."""
        scores = self.get_batch_scores(query, np.arange(len(self.lengths)))
        scores[self.alive.view() == 0] = 0.0
        return scores

    # saving and loading ------------------------------------------------------------------------

    def to_arrays(self) -> tuple[dict[str, list[Array]], dict[str, Any]]:
        """The whole state as named arrays (each given as consecutive parts) plus scalars (a
        snapshot: see ``bm25_arrays.to_arrays``)."""
        return bm25_arrays.to_arrays(self)

    @classmethod
    def from_arrays(cls, arrays: Mapping[str, Array], scalars: Mapping[str, Any]) -> PostingsBM25:
        """Rebuild from ``to_arrays``' output (arrays may be memory-mapped; nothing is copied).

        Raises ``ValueError`` when the arrays do not fit together.
        """
        self = cls.__new__(cls)
        self._empty()
        bm25_arrays.load_into(self, arrays, scalars)
        self.idf = _Idf(self)
        return self
