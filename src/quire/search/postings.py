"""Postings storage for BM25: for each term, the document slots that hold it and how often.

Most postings live in one compressed-sparse-row block built with a single numpy sort; documents
added later go to small per-term buffers, folded into the block when they grow. Documents are
added in batches counted with numpy (no Python object per posting) and retired one at a time
(their postings stay, flagged dead). This module owns adding, retiring, the block/buffer
bookkeeping and reading a term's postings; scoring is ``quire.search.bm25``'s, and saving and
loading ``quire.search.bm25_arrays``'.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Iterable, Sequence
from itertools import chain
from typing import Any

import numpy as np
import numpy.typing as npt

from quire.search.growable import AppendOnly, Growable, Vocabulary

Slots = npt.NDArray[np.int64]
Array = npt.NDArray[Any]
BULK = 256  # batches at least this large are staged whole, not spread over per-term buffers
MERGE_SHARE = 0.2  # fold the buffers into the block once they hold this share of it
FLUSH_SLICE = 1 << 22  # postings of the old block moved at a time while flushing


class Postings:
    """Postings lists of a growing corpus, with per-document lengths and live flags."""

    def __init__(self) -> None:
        self._empty()

    def _empty(self) -> None:
        self.terms: list[str] = []  # term id -> term
        self.vocab: dict[str, int] = Vocabulary(self.terms)
        self.df = np.zeros(0, dtype=np.int64)  # live documents holding each term
        # The block: postings of term t are [ptr[t], ptr[t+1]) of docs/tfs, slots ascending.
        self.block_ptr: Array = np.zeros(1, dtype=np.int64)
        self.block_docs: Array = np.zeros(0, dtype=np.uint32)
        self.block_tfs: Array = np.zeros(0, dtype=np.uint16)
        self.buffers: dict[int, tuple[array[int], array[int]]] = {}
        self.staged: list[tuple[int, int, Array]] = []  # (first slot, end slot, frequencies)
        self.buffered = 0
        # Each slot's distinct term ids: doc_terms[doc_ptr[s]:doc_ptr[s+1]].
        self.doc_terms = AppendOnly()
        self.doc_ptr = Growable(np.uint64, np.zeros(1, dtype=np.uint64))
        self.lengths = Growable(np.float32)
        self.alive = Growable(np.int8)
        self.total_len = 0
        self.live_docs = 0

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
