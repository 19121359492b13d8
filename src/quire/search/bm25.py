"""BM25Okapi over compact postings, held in numpy arrays that can be saved and memory-mapped.

``rank_bm25.BM25Okapi`` keeps one Python dict of term frequencies per document (several KB per
paper: hundreds of MB at 100,000 papers) and cannot add documents after it is built. This variant
keeps rank-bm25's scoring formula, parameters and idf rule (``_calc_idf``, with its epsilon floor),
but stores postings: for each term, the document slots that hold it and how often. Most postings
live in one compressed-sparse-row block built with a single numpy sort; documents added later go
to small per-term buffers, folded into the block when they grow. That makes candidate generation
(which slots hold a term) and scoring only the candidates (``get_batch_scores``) cheap, and lets
documents be added or retired one at a time. A test checks its scores equal ``BM25Okapi``'s.

Every large part is a numpy array (no Python object per posting or per document), so
``to_arrays``/``from_arrays`` hand the whole state to ``quire.search.persist`` and back, and a
loaded index works straight from memory-mapped files.
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from itertools import chain
from typing import Any

import numpy as np
import numpy.typing as npt
from rank_bm25 import BM25Okapi

Slots = npt.NDArray[np.int64]
Array = npt.NDArray[Any]
BULK = 256  # batches at least this large are staged whole, not spread over per-term buffers
MERGE_SHARE = 0.2  # fold the buffers into the block once they hold this share of it
FLUSH_SLICE = 1 << 22  # postings of the old block moved at a time while flushing


class _Vocabulary(dict[str, int]):
    """term -> id; an unseen term gets the next id (so lookups can run through ``map``)."""

    def __init__(self, terms: list[str]) -> None:
        super().__init__()
        self.terms = terms

    def __missing__(self, term: str) -> int:
        tid = self[term] = len(self.terms)
        self.terms.append(term)
        return tid


class Growable:
    """A 1-d numpy array grown by appends (amortised), which may start as a memory-mapped file.

    The first append after loading copies the file's data into memory; for per-document columns
    (a few bytes per paper) that is cheap, and it leaves the file untouched.
    """

    def __init__(self, dtype: npt.DTypeLike, data: Array | None = None) -> None:
        self.data: Array = np.zeros(0, dtype=dtype) if data is None else data
        self.size = len(self.data)

    def extend(self, values: Array | Sequence[float]) -> None:
        """Append values at the end."""
        values = np.asarray(values, dtype=self.data.dtype)
        need = self.size + len(values)
        if need > len(self.data) or not self.data.flags.writeable:
            grown = np.zeros(max(need, self.size + self.size // 2, 1024), dtype=self.data.dtype)
            grown[: self.size] = self.data[: self.size]
            self.data = grown
        self.data[self.size : need] = values
        self.size = need

    def view(self) -> Array:
        """The values (a view: no copy)."""
        return self.data[: self.size]

    def __len__(self) -> int:
        return self.size

    def __getitem__(self, at: int) -> Any:
        return self.data[at]

    def __setitem__(self, at: int, value: Any) -> None:
        if not self.data.flags.writeable:
            self.data = self.view().copy()
        self.data[at] = value


class _AppendOnly:
    """A long append-only uint32 sequence: a (memory-mapped) base plus an in-memory tail.

    Each document's distinct term ids live here; as many values as postings, so a loaded index
    must not copy them on its first change.
    """

    def __init__(self, base: Array | None = None) -> None:
        self.base: Array = np.zeros(0, dtype=np.uint32) if base is None else base
        self.tail = array("I")

    def __len__(self) -> int:
        return len(self.base) + len(self.tail)

    def extend_array(self, values: Array) -> None:
        """Append values at the end."""
        self.tail.frombytes(values.astype(np.uint32).tobytes())

    def slice(self, start: int, end: int) -> Array:
        """Values ``[start, end)``."""
        cut = len(self.base)
        if end <= cut:
            return self.base[start:end]
        tail = np.frombuffer(self.tail, dtype=np.uint32) if self.tail else np.zeros(0, dtype=np.uint32)
        if start >= cut:
            return tail[start - cut : end - cut]
        return np.concatenate([self.base[start:], tail[: end - cut]])

    def parts(self) -> list[Array]:
        """The values as consecutive arrays (written one after the other when saving)."""
        parts = [self.base]
        if self.tail:  # a copy: the tail may grow while the parts are being written
            parts.append(np.array(self.tail, dtype=np.uint32))
        return parts


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


class PostingsBM25(BM25Okapi):  # type: ignore[misc]
    """BM25Okapi scoring over postings lists, with incremental adds and removals."""

    def __init__(
        self, corpus: Iterable[Sequence[str]] = (), k1: float = 1.5, b: float = 0.75, epsilon: float = 0.25
    ) -> None:
        self._empty()
        super().__init__(list(corpus), k1=k1, b=b, epsilon=epsilon)
        self.idf = _Idf(self)

    def _empty(self) -> None:
        self.terms: list[str] = []  # term id -> term
        self.vocab: dict[str, int] = _Vocabulary(self.terms)
        self.df = np.zeros(0, dtype=np.int64)  # live documents holding each term
        self.idf_values = np.zeros(0, dtype=np.float64)  # term id -> idf (0 for absent terms)
        self.average_idf = 0.0
        # The block: postings of term t are [ptr[t], ptr[t+1]) of docs/tfs, slots ascending.
        self.block_ptr: Array = np.zeros(1, dtype=np.int64)
        self.block_docs: Array = np.zeros(0, dtype=np.uint32)
        self.block_tfs: Array = np.zeros(0, dtype=np.uint16)
        self.buffers: dict[int, tuple[array[int], array[int]]] = {}
        self.staged: list[tuple[int, int, Array]] = []  # (first slot, end slot, frequencies)
        self.buffered = 0
        # Each slot's distinct term ids: doc_terms[doc_ptr[s]:doc_ptr[s+1]].
        self.doc_terms = _AppendOnly()
        self.doc_ptr = Growable(np.uint64, np.zeros(1, dtype=np.uint64))
        self.lengths = Growable(np.float32)
        self.alive = Growable(np.int8)
        self.total_len = 0
        self.live_docs = 0

    # rank-bm25 calls these two from its constructor --------------------------------------

    def _initialize(self, corpus: Sequence[Sequence[str]]) -> dict[str, int]:
        if corpus:
            self.add_documents(corpus)
            self.flush()
        self._sync_sizes()
        return {}

    def _calc_idf(self, nd: dict[str, int]) -> None:
        self._compute_idf()

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

    def add_documents(self, documents: Iterable[Sequence[str]]) -> list[int]:
        """Index documents; returns their slots. Call ``refresh_idf`` after a batch.

        Counted for the whole batch at once with numpy (no Python object per posting): each
        document's distinct term ids go to ``doc_terms`` and their frequencies wait, staged,
        until ``flush`` or ``settle`` sorts them into the postings.
        """
        documents = documents if isinstance(documents, list) else list(documents)
        if not documents:
            return []
        sizes = np.fromiter(map(len, documents), dtype=np.int64, count=len(documents))
        flat = list(chain.from_iterable(documents))
        tids = np.fromiter(map(self.vocab.__getitem__, flat), dtype=np.int64, count=len(flat))
        del flat
        return self._add(tids, sizes)

    def add_encoded(self, terms: Sequence[str], ids: Array, sizes: Array) -> list[int]:
        """Index documents given as term ids (``tokenizer.index_term_ids``' output): document
        after document, ``sizes[i]`` ids into ``terms``. Returns their slots."""
        if not len(sizes):
            return []
        known = np.fromiter(map(self.vocab.__getitem__, terms), dtype=np.int64, count=len(terms))
        return self._add(
            known[ids] if len(ids) else np.zeros(0, dtype=np.int64), np.asarray(sizes, dtype=np.int64)
        )

    def _add(self, tids: Array, sizes: Array) -> list[int]:
        first = len(self.lengths)
        added = len(sizes)
        n_terms = len(self.terms)
        # One sort of (document, term) keys gives each document's distinct terms and counts.
        keys = np.repeat(np.arange(added, dtype=np.int64), sizes) * n_terms + tids
        del tids
        keys.sort()
        starts = np.flatnonzero(np.diff(keys, prepend=-1))
        distinct = keys[starts]
        del keys
        tfs = np.minimum(np.diff(starts, append=int(sizes.sum())), 65535).astype(np.uint16)
        doc_of, term_of = np.divmod(distinct, max(n_terms, 1))
        del distinct
        term_ids = term_of.astype(np.uint32)
        per_doc = np.bincount(doc_of, minlength=added)
        self.doc_terms.extend_array(term_ids)
        ends = len(self.doc_terms) - int(per_doc.sum()) + np.cumsum(per_doc)
        self.doc_ptr.extend(ends.astype(np.uint64))
        self.lengths.extend(sizes.astype(np.float32))
        self.alive.extend(np.ones(added, dtype=np.int8))
        self.total_len += int(sizes.sum())
        self.live_docs += added
        if len(self.df) < n_terms:
            self.df = np.concatenate([self.df, np.zeros(n_terms - len(self.df), dtype=np.int64)])
        elif not self.df.flags.writeable:
            self.df = self.df.copy()
        self.df += np.bincount(term_of, minlength=len(self.df))
        if added >= BULK or self.staged:
            # Staged (the term ids are in doc_terms already) and placed by one flush later.
            # Behind other staged batches even when small: buffers must only hold slots below
            # every staged one, so that each term's slots stay ascending.
            self.staged.append((first, first + added, tfs))
        else:
            slots = (doc_of + first).tolist()
            self._buffer(term_ids.tolist(), slots, tfs.tolist())
        self._sync_sizes()
        return list(range(first, first + added))

    def _buffer(self, tids: Iterable[int], slots: Iterable[int], tfs: Iterable[int]) -> None:
        count = 0
        for tid, slot, tf in zip(tids, slots, tfs, strict=True):
            docs, freqs = self.buffers.setdefault(tid, (array("I"), array("H")))
            docs.append(slot)
            freqs.append(tf)
            count += 1
        self.buffered += count
        if self.buffered > MERGE_SHARE * max(len(self.block_docs), 10_000):
            self.flush()

    def add_document(self, document: Sequence[str]) -> int:
        """Index one document; returns its slot."""
        return self.add_documents([document])[0]

    def _staged_postings(self, first: int, end: int) -> tuple[Array, Array]:
        """Term ids and slots of the postings of documents ``[first, end)``, in slot order."""
        ptr = self.doc_ptr.view()[first : end + 1].astype(np.int64)
        tids = self.doc_terms.slice(int(ptr[0]), int(ptr[-1]))
        slots = np.repeat(np.arange(first, end, dtype=np.uint32), np.diff(ptr))
        return tids, slots

    def settle(self) -> None:
        """Put staged batches where queries find them, without re-sorting a large block for few.

        A build (or a change as large as a share of the block) is sorted into the block; a few
        thousand papers caught up at start go to the per-term buffers instead.
        """
        if not self.staged:
            return
        staged = sum(len(tfs) for _, _, tfs in self.staged)
        if staged + self.buffered > MERGE_SHARE * max(len(self.block_docs), 10_000):
            self.flush()
            return
        batches, self.staged = self.staged, []
        for first, end, tfs in batches:
            tids, slots = self._staged_postings(first, end)
            self._buffer(tids.tolist(), slots.tolist(), tfs.tolist())

    def flush(self, progress: Callable[[], None] | None = None) -> None:
        """Sort the buffers and staged batches into the block.

        A counting sort into arrays sized up front: every term's new extent is known from the
        counts, the old block is moved over in slices, and each staged batch is placed after
        it (slots only grow, so each term's slots stay ascending). Memory: the new block plus
        one batch at a time, never a sort over every posting.
        """
        if not self.staged and not self.buffers:
            return
        n_terms = len(self.terms)
        old_ptr = self.block_ptr.astype(np.int64)
        old_counts = np.zeros(n_terms, dtype=np.int64)
        old_counts[: len(old_ptr) - 1] = np.diff(old_ptr)
        counts = old_counts.copy()
        for tid, (docs, _) in self.buffers.items():
            counts[tid] += len(docs)
        for first, end, _ in self.staged:
            tids, _ = self._staged_postings(first, end)
            counts += np.bincount(tids, minlength=n_terms)
        ptr = np.zeros(n_terms + 1, dtype=np.int64)
        np.cumsum(counts, out=ptr[1:])
        docs_out = np.empty(int(ptr[-1]), dtype=np.uint32)
        tfs_out = np.empty(int(ptr[-1]), dtype=np.uint16)
        # The old block, in slices of postings: each moves by its term's shift.
        shift = ptr[: len(old_ptr) - 1] - old_ptr[:-1]
        total_old = int(old_ptr[-1])
        for start in range(0, total_old, FLUSH_SLICE):
            end = min(start + FLUSH_SLICE, total_old)
            at = np.arange(start, end, dtype=np.int64)
            term = np.searchsorted(old_ptr, at, side="right") - 1
            dest = at + shift[term]
            docs_out[dest] = self.block_docs[start:end]
            tfs_out[dest] = self.block_tfs[start:end]
        cursor = ptr[:-1] + old_counts
        for tid in sorted(self.buffers):
            docs, freqs = self.buffers[tid]
            place = int(cursor[tid])
            docs_out[place : place + len(docs)] = np.frombuffer(docs, dtype=np.uint32)
            tfs_out[place : place + len(docs)] = np.frombuffer(freqs, dtype=np.uint16)
            cursor[tid] += len(docs)
        for first, end, tfs in self.staged:
            tids, slots = self._staged_postings(first, end)
            # numpy's stable sort is a radix sort for 16-bit keys: use it when the vocabulary fits.
            order = np.argsort(tids.astype(np.uint16) if n_terms <= 65536 else tids, kind="stable")
            sorted_tids = tids[order]
            run_start = np.flatnonzero(np.diff(sorted_tids.astype(np.int64), prepend=-1))
            rank = np.arange(len(order)) - np.repeat(run_start, np.diff(run_start, append=len(order)))
            dest = cursor[sorted_tids] + rank
            docs_out[dest] = slots[order]
            tfs_out[dest] = tfs[order]
            cursor += np.bincount(tids, minlength=n_terms)
            if progress is not None:
                progress()
        self.block_ptr, self.block_docs, self.block_tfs = ptr, docs_out, tfs_out
        self.buffers.clear()
        self.staged.clear()
        self.buffered = 0

    def retire(self, slot: int) -> None:
        """Take a document out of the corpus (its postings stay but are never counted again)."""
        if not self.alive[slot]:
            return
        self.alive[slot] = 0
        tids = self.slot_terms(slot).astype(np.int64)
        if not self.df.flags.writeable:
            self.df = self.df.copy()
        self.df[tids] -= 1
        self.total_len -= int(self.lengths[slot])
        self.live_docs -= 1
        self._sync_sizes()

    def slot_terms(self, slot: int) -> Array:
        """The distinct term ids of a document, as an array."""
        return self.doc_terms.slice(int(self.doc_ptr[slot]), int(self.doc_ptr[slot + 1]))

    def slot_term_ids(self, slot: int) -> list[int]:
        """The distinct term ids of a document."""
        ids: list[int] = self.slot_terms(slot).tolist()
        return ids

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

    # postings access -------------------------------------------------------------------------

    def _postings_of(self, tid: int) -> tuple[npt.NDArray[np.uint32], npt.NDArray[np.uint16]]:
        if self.staged:
            self.settle()
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

    def alive_mask(self) -> npt.NDArray[np.bool_]:
        """Which slots hold a live document."""
        mask: npt.NDArray[np.bool_] = self.alive.view() == 1
        return mask

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
        """The whole state as named arrays (each given as consecutive parts) plus scalars.

        A snapshot: what may change in place later is copied, the rest (replaced, never
        changed, or only appended to past the end of these views) is shared, so the caller can
        write the arrays out without holding the index's lock.
        """
        if self.staged:
            self.settle()
        pending_t, pending_d, pending_f = [], [], []
        for tid in sorted(self.buffers):
            docs, freqs = self.buffers[tid]
            pending_t.append(np.full(len(docs), tid, dtype=np.uint32))
            pending_d.append(np.array(docs, dtype=np.uint32))
            pending_f.append(np.array(freqs, dtype=np.uint16))
        terms = "\n".join(self.terms).encode("utf-8")  # terms never hold whitespace
        ptr = self.block_ptr
        if len(ptr) < len(self.terms) + 1:  # terms first seen since the block was sorted
            ptr = np.concatenate([ptr, np.full(len(self.terms) + 1 - len(ptr), ptr[-1])])
        arrays: dict[str, list[Array]] = {
            "bm25_terms": [np.frombuffer(terms, dtype=np.uint8)],
            "bm25_df": [self.df.copy()],
            "bm25_idf": [self.idf_values],
            "bm25_block_ptr": [ptr],
            "bm25_block_docs": [self.block_docs],
            "bm25_block_tfs": [self.block_tfs],
            "bm25_pending_tids": pending_t or [np.zeros(0, np.uint32)],
            "bm25_pending_docs": pending_d or [np.zeros(0, np.uint32)],
            "bm25_pending_tfs": pending_f or [np.zeros(0, np.uint16)],
            "bm25_doc_terms": self.doc_terms.parts(),
            "bm25_doc_ptr": [self.doc_ptr.view()],
            "bm25_lengths": [self.lengths.view()],
            "bm25_alive": [self.alive.view().copy()],
        }
        scalars = {
            "k1": self.k1,
            "b": self.b,
            "epsilon": self.epsilon,
            "total_len": self.total_len,
            "live_docs": self.live_docs,
            "average_idf": self.average_idf,
            "n_terms": len(self.terms),
        }
        return arrays, scalars

    @classmethod
    def from_arrays(cls, arrays: Mapping[str, Array], scalars: Mapping[str, Any]) -> PostingsBM25:
        """Rebuild from ``to_arrays``' output (arrays may be memory-mapped; nothing is copied)."""
        self = cls.__new__(cls)
        self._empty()
        self.k1, self.b, self.epsilon = (float(scalars[k]) for k in ("k1", "b", "epsilon"))
        blob = arrays["bm25_terms"].tobytes().decode("utf-8")
        self.terms.extend(blob.split("\n") if blob else [])
        if len(self.terms) != int(scalars["n_terms"]):
            raise ValueError("the vocabulary does not match its count")
        self.vocab.update(zip(self.terms, range(len(self.terms)), strict=True))
        self.df = arrays["bm25_df"]
        self.idf_values = arrays["bm25_idf"]
        self.average_idf = float(scalars["average_idf"])
        self.block_ptr = arrays["bm25_block_ptr"]
        self.block_docs = arrays["bm25_block_docs"]
        self.block_tfs = arrays["bm25_block_tfs"]
        pending = zip(
            arrays["bm25_pending_tids"].tolist(),
            arrays["bm25_pending_docs"].tolist(),
            arrays["bm25_pending_tfs"].tolist(),
            strict=True,
        )
        for tid, slot, tf in pending:
            docs, freqs = self.buffers.setdefault(tid, (array("I"), array("H")))
            docs.append(slot)
            freqs.append(tf)
            self.buffered += 1
        self.doc_terms = _AppendOnly(arrays["bm25_doc_terms"])
        self.doc_ptr = Growable(np.uint64, arrays["bm25_doc_ptr"])
        self.lengths = Growable(np.float32, arrays["bm25_lengths"])
        self.alive = Growable(np.int8, arrays["bm25_alive"])
        self.total_len = int(scalars["total_len"])
        self.live_docs = int(scalars["live_docs"])
        self.tokenizer = None
        self.doc_freqs = []
        self._sync_sizes()
        self.idf = _Idf(self)
        n_slots = len(self.lengths)
        if not (
            len(self.df) == len(self.idf_values) == len(self.terms) == len(self.block_ptr) - 1
            and len(self.doc_ptr) == n_slots + 1
            and len(self.alive) == n_slots
            and int(self.block_ptr[-1]) == len(self.block_docs) == len(self.block_tfs)
            and int(self.doc_ptr[n_slots]) == len(self.doc_terms)
        ):
            raise ValueError("the index arrays do not fit together")
        return self
