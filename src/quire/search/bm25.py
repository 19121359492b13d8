"""BM25Okapi over compact postings.

``rank_bm25.BM25Okapi`` keeps one Python dict of term frequencies per document (several KB per
paper: hundreds of MB at 100,000 papers) and cannot add documents after it is built. This variant
keeps rank-bm25's scoring formula, parameters and idf rule (``_calc_idf``, with its epsilon floor),
but stores postings: for each term, the document slots that hold it and how often. Most postings
live in one compressed-sparse-row block built with a single numpy sort; documents added later go
to small per-term buffers, folded into the block when they grow. That makes candidate generation
(which slots hold a term) and scoring only the candidates (``get_batch_scores``) cheap, and lets
documents be added or retired one at a time. A test checks its scores equal ``BM25Okapi``'s.
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
BULK = 256  # batches at least this large are merged straight into the block
MERGE_SHARE = 0.2  # fold the buffers into the block once they hold this share of it


class _Vocabulary(dict[str, int]):
    """term -> id; an unseen term gets the next id (so lookups can run through ``map``)."""

    def __init__(self, terms: list[str]) -> None:
        super().__init__()
        self.terms = terms

    def __missing__(self, term: str) -> int:
        tid = self[term] = len(self.terms)
        self.terms.append(term)
        return tid


class PostingsBM25(BM25Okapi):  # type: ignore[misc]
    """BM25Okapi scoring over postings lists, with incremental adds and removals."""

    def __init__(self, corpus: Iterable[Sequence[str]] = (), k1: float = 1.5, b: float = 0.75,
                 epsilon: float = 0.25) -> None:
        self.terms: list[str] = []  # term id -> term
        self.vocab: dict[str, int] = _Vocabulary(self.terms)
        self.df = np.zeros(0, dtype=np.int64)  # live documents holding each term
        self.idf: dict[str, float] = {}
        # The block: postings of term t are [ptr[t], ptr[t+1]) of docs/tfs, slots ascending.
        self.block_ptr = np.zeros(1, dtype=np.int64)
        self.block_docs = np.zeros(0, dtype=np.uint32)
        self.block_tfs = np.zeros(0, dtype=np.uint16)
        self.buffers: dict[int, tuple[array[int], array[int]]] = {}
        self.staged: list[tuple[npt.NDArray[np.uint32], npt.NDArray[np.uint32],
                                npt.NDArray[np.uint16]]] = []
        self.buffered = 0
        # Each slot's distinct term ids: doc_terms[doc_ptr[s]:doc_ptr[s+1]].
        self.doc_terms = array("I")
        self.doc_ptr = array("Q", [0])
        self.lengths = array("f")
        self.alive = array("b")
        self.total_len = 0
        self.live_docs = 0
        super().__init__(list(corpus), k1=k1, b=b, epsilon=epsilon)

    # rank-bm25 calls these two from its constructor --------------------------------------

    def _initialize(self, corpus: Sequence[Sequence[str]]) -> dict[str, int]:
        if corpus:
            self.add_documents(corpus)
            self.flush()
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
        live = np.flatnonzero(self.df > 0)
        terms = self.terms
        return {terms[t]: int(self.df[t]) for t in live.tolist()}

    def _sync_sizes(self) -> None:
        self.corpus_size = self.live_docs
        self.avgdl = self.total_len / self.live_docs if self.live_docs else 0.0
        self.doc_len = self.lengths  # rank-bm25's name for it

    def _term_ids(self, counts: Counter[str]) -> list[int]:
        return list(map(self.vocab.__getitem__, counts))

    def add_documents(self, documents: Iterable[Sequence[str]]) -> list[int]:
        """Index documents; returns their slots. Call ``refresh_idf`` after a batch."""
        first = len(self.lengths)
        flat_tids, flat_tfs, flat_slots = array("I"), array("H"), array("I")
        for document in documents:
            slot = len(self.lengths)
            counts = Counter(document)
            tids = self._term_ids(counts)
            flat_tids.extend(tids)
            if len(document) < 65536:
                flat_tfs.extend(counts.values())
            else:  # a term could occur more often than 16 bits count
                flat_tfs.extend(min(tf, 65535) for tf in counts.values())
            flat_slots.extend([slot] * len(tids))
            self.doc_terms.extend(tids)
            self.doc_ptr.append(len(self.doc_terms))
            self.lengths.append(float(len(document)))
            self.alive.append(1)
            self.total_len += len(document)
            self.live_docs += 1
        slots = list(range(first, len(self.lengths)))
        tids_np = np.frombuffer(flat_tids, dtype=np.uint32).astype(np.int64)
        if len(self.df) < len(self.terms):
            self.df = np.concatenate([self.df, np.zeros(len(self.terms) - len(self.df),
                                                        dtype=np.int64)])
        self.df += np.bincount(tids_np, minlength=len(self.df))
        if len(slots) >= BULK:
            # Staged, and sorted into the block once (flush), not once per batch.
            self.staged.append((np.frombuffer(flat_tids, dtype=np.uint32),
                                np.frombuffer(flat_slots, dtype=np.uint32),
                                np.frombuffer(flat_tfs, dtype=np.uint16)))
        else:
            for tid, slot, tf in zip(flat_tids, flat_slots, flat_tfs, strict=True):
                docs, tfs = self.buffers.setdefault(tid, (array("I"), array("H")))
                docs.append(slot)
                tfs.append(tf)
            self.buffered += len(flat_tids)
            if self.buffered > MERGE_SHARE * max(len(self.block_docs), 10_000):
                self.flush()
        self._sync_sizes()
        return slots

    def add_document(self, document: Sequence[str]) -> int:
        """Index one document; returns its slot."""
        return self.add_documents([document])[0]

    def flush(self) -> None:
        """Sort staged batches and buffers into the block (one stable sort for all of them)."""
        if not self.staged and not self.buffers:
            return
        n_terms = len(self.terms)
        parts_t = [np.repeat(np.arange(len(self.block_ptr) - 1, dtype=np.uint32),
                             np.diff(self.block_ptr))]
        parts_d, parts_f = [self.block_docs], [self.block_tfs]
        # Slots only grow, so block < buffers < staged batches keeps every term's slots
        # ascending under a stable sort by term id.
        for tid in sorted(self.buffers):
            docs, freqs = self.buffers[tid]
            parts_t.append(np.full(len(docs), tid, dtype=np.uint32))
            parts_d.append(np.frombuffer(docs, dtype=np.uint32).copy())
            parts_f.append(np.frombuffer(freqs, dtype=np.uint16).copy())
        for tids, slots, tfs in self.staged:
            parts_t.append(tids)
            parts_d.append(slots)
            parts_f.append(tfs)
        all_t = np.concatenate(parts_t)
        del parts_t
        # numpy's stable sort is a radix sort for 16-bit keys: much faster when the vocabulary fits.
        keys = all_t.astype(np.uint16) if n_terms <= 65536 else all_t
        order = np.argsort(keys, kind="stable")
        del keys
        counts = np.bincount(all_t, minlength=n_terms)
        del all_t
        self.block_docs = np.concatenate(parts_d)[order]
        self.block_tfs = np.concatenate(parts_f)[order]
        self.block_ptr = np.zeros(n_terms + 1, dtype=np.int64)
        np.cumsum(counts, out=self.block_ptr[1:])
        self.buffers.clear()
        self.staged.clear()
        self.buffered = 0

    def retire(self, slot: int) -> None:
        """Take a document out of the corpus (its postings stay but are never counted again)."""
        if not self.alive[slot]:
            return
        self.alive[slot] = 0
        tids = np.frombuffer(self.doc_terms, dtype=np.uint32)[
            self.doc_ptr[slot]:self.doc_ptr[slot + 1]].astype(np.int64)
        self.df[tids] -= 1
        self.total_len -= int(self.lengths[slot])
        self.live_docs -= 1
        self._sync_sizes()

    def slot_term_ids(self, slot: int) -> list[int]:
        """The distinct term ids of a document."""
        return list(self.doc_terms[self.doc_ptr[slot]:self.doc_ptr[slot + 1]])

    def refresh_idf(self, terms: Iterable[str] | None = None) -> None:
        """Recompute idf: for every term (after a large change) or only for ``terms``."""
        if terms is None:
            self._calc_idf(self.nd())
            return
        eps = self.epsilon * self.average_idf
        for term in terms:
            tid = self.vocab.get(term)
            freq = int(self.df[tid]) if tid is not None else 0
            if freq == 0:
                self.idf.pop(term, None)
                continue
            value = math.log(self.corpus_size - freq + 0.5) - math.log(freq + 0.5)
            self.idf[term] = value if value >= 0 else eps

    # postings access -------------------------------------------------------------------------

    def _postings_of(self, tid: int) -> tuple[npt.NDArray[np.uint32], npt.NDArray[np.uint16]]:
        if self.staged:
            self.flush()
        docs: npt.NDArray[np.uint32] = np.zeros(0, np.uint32)
        tfs: npt.NDArray[np.uint16] = np.zeros(0, np.uint16)
        if tid < len(self.block_ptr) - 1:
            start, end = self.block_ptr[tid], self.block_ptr[tid + 1]
            docs, tfs = self.block_docs[start:end], self.block_tfs[start:end]
        extra = self.buffers.get(tid)
        if extra is not None:
            docs = np.concatenate([docs, np.frombuffer(extra[0], dtype=np.uint32)])
            tfs = np.concatenate([tfs, np.frombuffer(extra[1], dtype=np.uint16)])
        return docs, tfs

    def postings(self, term: str) -> tuple[Slots, npt.NDArray[np.uint16]]:
        """Slots holding ``term`` and their term frequencies (retired slots included)."""
        tid = self.vocab.get(term)
        if tid is None:
            return np.empty(0, np.int64), np.empty(0, np.uint16)
        docs, tfs = self._postings_of(tid)
        return docs.astype(np.int64), tfs

    def term_mask(self, term: str) -> npt.NDArray[np.bool_]:
        """A boolean mask over slots: which documents hold ``term``."""
        mask = np.zeros(len(self.lengths), dtype=bool)
        tid = self.vocab.get(term)
        if tid is not None:
            mask[self._postings_of(tid)[0]] = True
        return mask

    def tf_in(self, term: str, slot: int) -> int:
        """How often ``term`` occurs in document ``slot`` (postings are sorted by slot)."""
        tid = self.vocab.get(term)
        if tid is None:
            return 0
        docs, tfs = self._postings_of(tid)
        at = int(np.searchsorted(docs, slot))
        return int(tfs[at]) if at < len(docs) and int(docs[at]) == slot else 0

    # scoring -------------------------------------------------------------------------------

    def get_batch_scores(self, query: Sequence[str], doc_ids: Sequence[int] | Slots
                         ) -> npt.NDArray[np.float64]:
        """BM25 scores of ``query`` for the given slots only (rank-bm25's method, on postings)."""
        ids = np.asarray(doc_ids, dtype=np.int64)
        scores = np.zeros(len(ids))
        if not len(ids):
            return scores
        lengths = np.frombuffer(self.lengths, dtype=np.float32)[ids].astype(np.float64)
        norm = self.k1 * (1 - self.b + self.b * lengths / (self.avgdl or 1.0))
        for term in dict.fromkeys(query):
            tid = self.vocab.get(term)
            if tid is None:
                continue
            docs, tfs = self._postings_of(tid)
            if not len(docs):
                continue
            # Where each candidate sits in the postings (both sorted by slot): no dense arrays.
            at = np.searchsorted(docs, ids)
            at_clipped = np.minimum(at, len(docs) - 1)
            hit = docs[at_clipped] == ids
            tf = np.where(hit, tfs[at_clipped], 0).astype(np.float64)
            idf = self.idf.get(term) or 0.0
            scores += idf * (tf * (self.k1 + 1) / (tf + norm))
        return scores

    def get_scores(self, query: Sequence[str]) -> npt.NDArray[np.float64]:
        """Scores of every slot (retired slots score 0)."""
        scores = self.get_batch_scores(query, np.arange(len(self.lengths)))
        scores[np.frombuffer(self.alive, dtype=np.int8) == 0] = 0.0
        return scores
