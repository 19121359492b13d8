"""BM25Okapi over compact postings.

``rank_bm25.BM25Okapi`` keeps one Python dict of term frequencies per document (several KB per
paper: about 470 MB at 100,000 papers) and cannot add documents after it is built. This variant
keeps rank-bm25's scoring formula, parameters and idf rule (``_calc_idf``, with its epsilon floor),
but stores postings: for each term, the document slots that hold it and how often, in ``array``
buffers (6 bytes a posting). That makes candidate generation (which slots hold a term) and
scoring only the candidates (``get_batch_scores``) cheap, and lets documents be added or retired
one at a time. A test checks its scores equal ``BM25Okapi``'s on the same corpus.
"""

from __future__ import annotations

import math
from array import array
from collections import Counter
from collections.abc import Iterable, Sequence

import numpy as np
import numpy.typing as npt
from rank_bm25 import BM25Okapi

Slots = npt.NDArray[np.int64]


class PostingsBM25(BM25Okapi):  # type: ignore[misc]
    """BM25Okapi scoring over postings lists, with incremental adds and removals."""

    def __init__(self, corpus: Iterable[Sequence[str]] = (), k1: float = 1.5, b: float = 0.75,
                 epsilon: float = 0.25) -> None:
        self.vocab: dict[str, int] = {}
        self.terms: list[str] = []  # term id -> term
        self.post_docs: list[array[int]] = []
        self.post_tfs: list[array[int]] = []
        self.df: list[int] = []
        self.idf: dict[str, float] = {}
        self.slot_terms: list[array[int]] = []
        self.lengths = array("f")
        self.alive = array("b")
        self.total_len = 0
        self.live_docs = 0
        super().__init__(list(corpus), k1=k1, b=b, epsilon=epsilon)

    # rank-bm25 calls these two from its constructor --------------------------------------

    def _initialize(self, corpus: Sequence[Sequence[str]]) -> dict[str, int]:
        for document in corpus:
            self._add(document)
        self._sync_sizes()
        return self.nd()

    def _calc_idf(self, nd: dict[str, int]) -> None:
        self.idf.clear()
        if nd and self.corpus_size > 0:
            super()._calc_idf(nd)
        else:
            self.average_idf = 0.0

    # bookkeeping ---------------------------------------------------------------------------

    def nd(self) -> dict[str, int]:
        """Term → number of live documents holding it (rank-bm25's ``nd``)."""
        return {term: self.df[tid] for term, tid in self.vocab.items() if self.df[tid] > 0}

    def _sync_sizes(self) -> None:
        self.corpus_size = self.live_docs
        self.avgdl = self.total_len / self.live_docs if self.live_docs else 0.0
        self.doc_len = self.lengths  # rank-bm25's name for it

    def _add(self, document: Sequence[str]) -> int:
        slot = len(self.lengths)
        counts = Counter(document)
        tids = array("I")
        for term, tf in counts.items():
            tid = self.vocab.get(term)
            if tid is None:
                tid = self.vocab[term] = len(self.post_docs)
                self.terms.append(term)
                self.post_docs.append(array("I"))
                self.post_tfs.append(array("H"))
                self.df.append(0)
            self.post_docs[tid].append(slot)
            self.post_tfs[tid].append(min(tf, 65535))
            self.df[tid] += 1
            tids.append(tid)
        self.slot_terms.append(tids)
        self.lengths.append(float(len(document)))
        self.alive.append(1)
        self.total_len += len(document)
        self.live_docs += 1
        return slot

    def add_document(self, document: Sequence[str]) -> int:
        """Index one more document; returns its slot. Call ``refresh_idf`` after a batch."""
        slot = self._add(document)
        self._sync_sizes()
        return slot

    def retire(self, slot: int) -> None:
        """Take a document out of the corpus (its postings stay but are never counted again)."""
        if not self.alive[slot]:
            return
        self.alive[slot] = 0
        for tid in self.slot_terms[slot]:
            self.df[tid] -= 1
        self.total_len -= int(self.lengths[slot])
        self.live_docs -= 1
        self._sync_sizes()

    def refresh_idf(self, terms: Iterable[str] | None = None) -> None:
        """Recompute idf: for every term (after a large change) or only for ``terms``."""
        if terms is None:
            self._calc_idf(self.nd())
            return
        eps = self.epsilon * self.average_idf
        for term in terms:
            tid = self.vocab.get(term)
            if tid is None or self.df[tid] == 0:
                self.idf.pop(term, None)
                continue
            freq = self.df[tid]
            value = math.log(self.corpus_size - freq + 0.5) - math.log(freq + 0.5)
            self.idf[term] = value if value >= 0 else eps

    @property
    def dead_slots(self) -> int:
        """How many retired documents still occupy postings."""
        return len(self.lengths) - self.live_docs

    # postings access -------------------------------------------------------------------------

    def postings(self, term: str) -> tuple[Slots, npt.NDArray[np.uint16]]:
        """Slots holding ``term`` and their term frequencies (copies; retired slots included)."""
        tid = self.vocab.get(term)
        if tid is None:
            return np.empty(0, np.int64), np.empty(0, np.uint16)
        docs = np.frombuffer(self.post_docs[tid], dtype=np.uint32).astype(np.int64)
        tfs = np.frombuffer(self.post_tfs[tid], dtype=np.uint16).copy()
        return docs, tfs

    def term_mask(self, term: str) -> npt.NDArray[np.bool_]:
        """A boolean mask over slots: which documents hold ``term``."""
        mask = np.zeros(len(self.lengths), dtype=bool)
        docs, _ = self.postings(term)
        mask[docs] = True
        return mask

    def tf_in(self, term: str, slot: int) -> int:
        """How often ``term`` occurs in document ``slot`` (postings are sorted by slot)."""
        tid = self.vocab.get(term)
        if tid is None:
            return 0
        docs = np.frombuffer(self.post_docs[tid], dtype=np.uint32)
        at = int(np.searchsorted(docs, slot))
        found = at < len(docs) and int(docs[at]) == slot
        return int(self.post_tfs[tid][at]) if found else 0

    # scoring -------------------------------------------------------------------------------

    def _term_scores(self, term: str, tf: npt.NDArray[np.float64],
                     lengths: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        idf = self.idf.get(term) or 0.0
        norm = self.k1 * (1 - self.b + self.b * lengths / (self.avgdl or 1.0))
        result: npt.NDArray[np.float64] = idf * (tf * (self.k1 + 1) / (tf + norm))
        return result

    def get_batch_scores(self, query: Sequence[str], doc_ids: Sequence[int] | Slots
                         ) -> npt.NDArray[np.float64]:
        """BM25 scores of ``query`` for the given slots only (rank-bm25's method, on postings)."""
        ids = np.asarray(doc_ids, dtype=np.int64)
        lengths = np.frombuffer(self.lengths, dtype=np.float32)[ids].astype(np.float64)
        scores = np.zeros(len(ids))
        dense = np.zeros(len(self.lengths), dtype=np.float64)
        for term in dict.fromkeys(query):
            docs, tfs = self.postings(term)
            if not len(docs):
                continue
            dense[docs] = tfs
            scores += self._term_scores(term, dense[ids], lengths)
            dense[docs] = 0.0
        return scores

    def get_scores(self, query: Sequence[str]) -> npt.NDArray[np.float64]:
        """Scores of every slot (retired slots score 0)."""
        scores = self.get_batch_scores(query, np.arange(len(self.lengths)))
        scores[np.frombuffer(self.alive, dtype=np.int8) == 0] = 0.0
        return scores
