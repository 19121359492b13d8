"""Filters and masks: which papers a query's filters (``year:``, ``tag:``, ``author:``, ``is:``…),
excluded words and phrases leave in, and prefix words (``retriev*``) expanded over the vocabulary.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable

import numpy as np
import numpy.typing as npt

from quire.search.expand import MIN_PREFIX
from quire.search.index_data import NO_DATE, IndexData, Mask
from quire.search.query import Alternative, Filter, Query
from quire.search.tokenizer import iter_tokens

MAX_PREFIX_EXPANSION = 40


class IndexFilters(IndexData):
    """Masks over the index's slots."""

    def _alt_mask(self, alt: Alternative) -> tuple[Mask, list[str]]:
        mask = self._alive().copy()
        used: list[str] = []
        for position, term in enumerate(alt.terms):
            # One letter says too little to expand (it would match most of the library).
            if alt.prefix and position == len(alt.terms) - 1 and len(term) >= MIN_PREFIX:
                expansions = self.expand_prefix(term)
                term_mask = np.zeros_like(mask)
                for word in expansions:
                    term_mask |= self.bm25.term_mask(word)
                used += expansions
                mask &= term_mask
            else:
                mask &= self.bm25.term_mask(term)
                used.append(term)
        return mask, used

    def expand_prefix(self, prefix: str) -> list[str]:
        """Indexed terms starting with ``prefix`` (the exact term first, then the most common)."""
        if self._vocab_sorted is None:
            live = np.flatnonzero(self.bm25.df > 0).tolist()
            self._vocab_sorted = sorted(self.bm25.terms[t] for t in live)
        vocab = self._vocab_sorted
        start = bisect_left(vocab, prefix)
        found: list[str] = []
        for term in vocab[start:]:
            if not term.startswith(prefix):
                break
            found.append(term)
        if len(found) > MAX_PREFIX_EXPANSION:
            df = self.bm25.df
            found.sort(key=lambda t: -int(df[self.bm25.vocab[t]]))
            found = found[:MAX_PREFIX_EXPANSION]
        if prefix in found:
            found.remove(prefix)
        return [prefix, *found]

    def _filter_mask(self, filters: Iterable[Filter]) -> Mask:
        n = len(self.bm25.lengths)
        mask = np.ones(n, dtype=bool)
        for flt in filters:
            part = self._one_filter(flt, n)
            mask &= ~part if flt.negate else part
        return mask

    def _one_filter(self, flt: Filter, n: int) -> Mask:
        cols = {k: c.view() for k, c in self.cols.items()}
        if flt.name in ("year", "date", "upvotes", "authors"):
            column = cols["published" if flt.name in ("year", "date") else flt.name]
            known: Mask = column != (NO_DATE if flt.name in ("year", "date") else -1)
            if flt.low is not None:
                known &= column >= flt.low
            if flt.high is not None:
                known &= column <= flt.high
            return known
        if flt.name in ("is", "has"):
            name = {"unread": "read", "tags": "tagged"}.get(flt.value, flt.value)
            state: Mask = cols[name] == 1
            return ~state if flt.value == "unread" else state
        part = np.zeros(n, dtype=bool)
        if flt.name == "tag":
            slots = list(self.tags.get(flt.value, ()))
            part[slots] = True
        elif flt.name == "org":
            part[[i for i, org in enumerate(self.orgs) if flt.value in org]] = True
        elif flt.name == "author":
            part[[i for i, names in enumerate(self.author_names) if flt.value in names]] = True
        elif flt.name == "source":
            part[[i for i, src in enumerate(self.sources) if flt.value in src]] = True
        elif flt.name == "id":
            part[[i for i, ident in enumerate(self.ids) if ident.casefold().startswith(flt.value)]] = True
        return part

    def _check_phrases(self, query: Query, slots: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
        """Keep the slots whose text holds each required phrase and no excluded one."""
        pids = [self.pids[s] for s in slots.tolist()]
        texts = self.library.texts(pids)
        keep = []
        for slot, pid in zip(slots.tolist(), pids, strict=True):
            sequence = [t for _, _, t in iter_tokens(texts.get(pid, ""))]
            ok = all(
                any(not a.phrase or _contains(sequence, a.terms) for a in clause) for clause in query.clauses
            )
            ok = ok and not any(a.phrase and _contains(sequence, a.terms) for a in query.excluded)
            if ok:
                keep.append(slot)
        return np.asarray(keep, dtype=np.int64)


def _contains(sequence: list[str], phrase: tuple[str, ...]) -> bool:
    width = len(phrase)
    return any(tuple(sequence[i : i + width]) == phrase for i in range(len(sequence) - width + 1))
