"""Saving and loading the BM25 postings as named numpy arrays plus a few scalars.

``to_arrays`` takes a consistent snapshot of a ``PostingsBM25`` that ``quire.search.persist``
writes out as ``.npy`` files; ``load_into`` fills an empty one back from those arrays (which may
be memory-mapped: nothing large is copied) and checks that the parts fit together.
"""

from __future__ import annotations

from array import array
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from quire.search.growable import AppendOnly, Growable

if TYPE_CHECKING:
    from quire.search.bm25 import PostingsBM25

Array = npt.NDArray[Any]


def to_arrays(bm25: PostingsBM25) -> tuple[dict[str, list[Array]], dict[str, Any]]:
    """The whole state as named arrays (each given as consecutive parts) plus scalars.

    A snapshot: what may change in place later is copied, the rest (replaced, never changed,
    or only appended to past the end of these views) is shared, so the caller can write the
    arrays out without holding the index's lock.
    """
    if bm25.staged:
        bm25.settle()
    pending_t, pending_d, pending_f = [], [], []
    for tid in sorted(bm25.buffers):
        docs, freqs = bm25.buffers[tid]
        pending_t.append(np.full(len(docs), tid, dtype=np.uint32))
        pending_d.append(np.array(docs, dtype=np.uint32))
        pending_f.append(np.array(freqs, dtype=np.uint16))
    terms = "\n".join(bm25.terms).encode("utf-8")  # terms never hold whitespace
    ptr = bm25.block_ptr
    if len(ptr) < len(bm25.terms) + 1:  # terms first seen since the block was sorted
        ptr = np.concatenate([ptr, np.full(len(bm25.terms) + 1 - len(ptr), ptr[-1])])
    arrays: dict[str, list[Array]] = {
        "bm25_terms": [np.frombuffer(terms, dtype=np.uint8)],
        "bm25_df": [bm25.df.copy()],
        "bm25_idf": [bm25.idf_values],
        "bm25_block_ptr": [ptr],
        "bm25_block_docs": [bm25.block_docs],
        "bm25_block_tfs": [bm25.block_tfs],
        "bm25_pending_tids": pending_t or [np.zeros(0, np.uint32)],
        "bm25_pending_docs": pending_d or [np.zeros(0, np.uint32)],
        "bm25_pending_tfs": pending_f or [np.zeros(0, np.uint16)],
        "bm25_doc_terms": bm25.doc_terms.parts(),
        "bm25_doc_ptr": [bm25.doc_ptr.view()],
        "bm25_lengths": [bm25.lengths.view()],
        "bm25_alive": [bm25.alive.view().copy()],
    }
    scalars = {
        "k1": bm25.k1,
        "b": bm25.b,
        "epsilon": bm25.epsilon,
        "total_len": bm25.total_len,
        "live_docs": bm25.live_docs,
        "average_idf": bm25.average_idf,
        "n_terms": len(bm25.terms),
    }
    return arrays, scalars


def load_into(bm25: PostingsBM25, arrays: Mapping[str, Array], scalars: Mapping[str, Any]) -> None:
    """Fill an empty ``bm25`` from ``to_arrays``' output (arrays may be memory-mapped).

    Raises ``ValueError`` when the arrays do not fit together.
    """
    bm25.k1, bm25.b, bm25.epsilon = (float(scalars[k]) for k in ("k1", "b", "epsilon"))
    blob = arrays["bm25_terms"].tobytes().decode("utf-8")
    bm25.terms.extend(blob.split("\n") if blob else [])
    if len(bm25.terms) != int(scalars["n_terms"]):
        raise ValueError("the vocabulary does not match its count")
    bm25.vocab.update(zip(bm25.terms, range(len(bm25.terms)), strict=True))
    bm25.df = arrays["bm25_df"]
    bm25.idf_values = arrays["bm25_idf"]
    bm25.average_idf = float(scalars["average_idf"])
    bm25.block_ptr = arrays["bm25_block_ptr"]
    bm25.block_docs = arrays["bm25_block_docs"]
    bm25.block_tfs = arrays["bm25_block_tfs"]
    _load_pending(bm25, arrays["bm25_pending_tids"], arrays["bm25_pending_docs"], arrays["bm25_pending_tfs"])
    bm25.doc_terms = AppendOnly(arrays["bm25_doc_terms"])
    bm25.doc_ptr = Growable(np.uint64, arrays["bm25_doc_ptr"])
    bm25.lengths = Growable(np.float32, arrays["bm25_lengths"])
    bm25.alive = Growable(np.int8, arrays["bm25_alive"])
    bm25.total_len = int(scalars["total_len"])
    bm25.live_docs = int(scalars["live_docs"])
    bm25.tokenizer = None
    bm25.doc_freqs = []
    bm25._sync_sizes()
    n_slots = len(bm25.lengths)
    if not (
        len(bm25.df) == len(bm25.idf_values) == len(bm25.terms) == len(bm25.block_ptr) - 1
        and len(bm25.doc_ptr) == n_slots + 1
        and len(bm25.alive) == n_slots
        and int(bm25.block_ptr[-1]) == len(bm25.block_docs) == len(bm25.block_tfs)
        and int(bm25.doc_ptr[n_slots]) == len(bm25.doc_terms)
    ):
        raise ValueError("the index arrays do not fit together")


def _load_pending(bm25: PostingsBM25, tids: Array, docs: Array, tfs: Array) -> None:
    """Put the saved per-term buffers back, one slice per term (not one Python call per
    posting: after a catch-up of 1,000 papers at a million, that loop took 0.25 s of every
    warm start). Each term's postings keep their saved order."""
    if not len(tids) == len(docs) == len(tfs):
        raise ValueError("the pending postings do not fit together")
    if not len(tids):
        return
    order = np.argsort(tids, kind="stable")  # saved grouped by term already: a cheap pass
    tids, docs, tfs = tids[order], docs[order].astype(np.uint32), tfs[order].astype(np.uint16)
    starts = np.flatnonzero(np.diff(tids.astype(np.int64), prepend=-1))
    ends = np.append(starts[1:], len(tids))
    for tid, start, end in zip(tids[starts].tolist(), starts.tolist(), ends.tolist(), strict=True):
        slots, freqs = bm25.buffers.setdefault(tid, (array("I"), array("H")))
        slots.frombytes(docs[start:end].tobytes())
        freqs.frombytes(tfs[start:end].tobytes())
    bm25.buffered += len(tids)
