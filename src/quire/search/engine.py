"""The search index: BM25 over paper text plus column arrays for filters and sorting.

It is built from the library in one scan (off the UI thread), then kept current with
``refresh``, which reads only the papers changed since the last change number it saw. A query
first generates candidates (postings and filter masks, vectorised), then scores only those.

This module owns building, refreshing, saving/loading as arrays, and running a query. What the
index holds per paper is in ``index_data``, filter masks in ``filters``, sort orders in
``ordering``, and what a search returns in ``results``.
"""

from __future__ import annotations

import ctypes
import json
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
import numpy.typing as npt

from quire.search.acronyms import AcronymTable
from quire.search.bm25 import PostingsBM25
from quire.search.build import Prepared, prepared_batches, texts
from quire.search.expand import Planner, Scorer
from quire.search.index_data import COLUMNS, NO_DATE, Mask, _Column, _SlotMap, _Strings
from quire.search.ordering import ORDERS, IndexOrdering, score_keys
from quire.search.query import Query, parse_query
from quire.search.results import Neighbour, SearchResult
from quire.search.stem_groups import SavedStems
from quire.store import Library

__all__ = [
    "ALSO_RELEVANT_LIMIT",
    "COLUMNS",
    "NO_DATE",
    "ORDERS",
    "Mask",
    "Neighbour",
    "Progress",
    "SearchIndex",
    "SearchResult",
]

# "Also relevant" lists the best of the papers holding only some words: past this many, nobody
# scrolls, and sorting every paper that holds a common word would cost a keystroke its budget.
ALSO_RELEVANT_LIMIT = 1000
ACRONYM_EXTRA = "acronym_table_json"  # the name the acronym table is saved under (UTF-8 JSON)
Progress = Callable[[int, int], None]  # (papers done, papers in all)


class SearchIndex(IndexOrdering):
    """Everything needed to answer queries over one library, in memory (or memory-mapped)."""

    # -- building and keeping current ----------------------------------------------------------

    @classmethod
    def build(
        cls, library: Library, progress: Progress | None = None, workers: int | None = None
    ) -> SearchIndex:
        """Index the whole library (seconds at 100,000 papers: run it in a worker)."""
        index = cls(library)
        index.refresh(progress=progress, workers=workers)
        return index

    def refresh(
        self, progress: Progress | None = None, prepare: bool = True, workers: int | None = None
    ) -> int:
        """Catch up with every change made since the last refresh; returns how many papers moved.

        ``progress(done, total)`` is called after each batch. ``prepare`` works out the sort
        orders now (the reader wants them before the first keystroke; a one-off command does not).
        A large change (a first build) is tokenized in worker processes; ``workers`` overrides
        how many (0: in this process; see ``quire.search.build``).
        """
        # The revision is read and compared under the lock: several workers refresh (the
        # reader's catch-up, an import's, a sync's), and one that read it outside could apply
        # changes another had already applied, or set ``rev`` back to an older number.
        with self.lock:
            rev = self.library.current_rev()
            if rev == self.rev:
                return 0
            removed = self.library.removed_since(self.rev)
            changed = 0
            for pid in removed:
                self._retire(pid)
            total, batches = prepared_batches(self.library, self.rev, self.text, self._texts, workers)
            for batch in batches:
                for pid in batch.pids:
                    self._retire(pid)
                slots = self.bm25.add_encoded(batch.terms, batch.ids, batch.sizes)
                self.lexicon.acronyms.record(batch.taught)
                self._remember(batch, slots)
                changed += len(batch.pids)
                if progress is not None:
                    progress(changed, max(total, changed))
            self.bm25.settle()
            self._update_lexicon()
            changed += len(removed)
            self.bm25.refresh_idf()
            self._pid_list = None
            self._vocab_sorted = None
            if changed:
                self._title_rank = None
                self._orders = {}
            if prepare:
                # The default order (which also breaks ties in relevance), worked out here in
                # the refresh worker so the first list and search never wait; the others when
                # first asked for.
                self.ordered_slots("date")
            self.rev = rev
            self.unsaved += changed
        if changed > 1000:
            _return_free_memory()
        return changed

    def _update_lexicon(self) -> None:
        """Group new words by stem; keep the acronym table with the index (saved with it)."""
        self.lexicon.update(self.bm25.terms)
        if self.lexicon.acronyms.changed:
            data = json.dumps(self.lexicon.acronyms.to_json(), ensure_ascii=False).encode()
            self.extras[ACRONYM_EXTRA] = np.frombuffer(data, dtype=np.uint8)
            self.lexicon.acronyms.changed = False

    def _retire(self, pid: int) -> None:
        slot = self.slot_of.pop(pid, None)
        if slot is None:
            return
        self.bm25.retire(slot)
        for tag in self.slot_tags.pop(slot, ()):
            self.tags.get(tag, set()).discard(slot)

    _texts = staticmethod(texts)  # what BM25 sees of a paper besides its title

    def _remember(self, batch: Prepared, slots: list[int]) -> None:
        """Keep what filters and sorting need about each paper, one column write per batch."""
        if not slots:
            return
        for slot, tags in zip(slots, batch.tags, strict=True):
            if tags:
                self.slot_tags[slot] = tags
                for tag in tags:
                    self.tags.setdefault(tag, set()).add(slot)
        self.slot_of.put(batch.pids, slots)
        for name, blob in batch.strings.items():
            getattr(self, name).extend_blob(blob, len(slots))
        self.cols["pid"].put(slots, batch.pids)
        for name, column in batch.values.items():
            self.cols[name].put(slots, column)

    # -- saving and loading (see quire.search.persist) -----------------------------------------

    def to_arrays(self) -> tuple[dict[str, list[npt.NDArray[Any]]], dict[str, Any]]:
        """The whole index as named arrays (each as consecutive parts) plus scalars.

        A consistent snapshot (see ``PostingsBM25.to_arrays``): it can be written out while
        queries and refreshes go on.
        """
        if not self.text:
            raise ValueError("an index without text is never saved")
        with self.lock:
            self.prepare_orders()
            arrays, scalars = self.bm25.to_arrays()
            for name, column in self.cols.items():
                arrays[f"col_{name}"] = [column.view().copy()]
            for name in ("titles", "ids", "orgs", "sources", "author_names"):
                arrays[f"str_{name}"] = [getattr(self, name).blob()]
            tag_names = sorted(self.tags)
            tag_slots = [np.asarray(sorted(self.tags[t]), dtype=np.int64) for t in tag_names]
            arrays["tag_names"] = [np.frombuffer("\0".join(tag_names).encode(), dtype=np.uint8)]
            arrays["tag_counts"] = [np.asarray([len(s) for s in tag_slots], dtype=np.int64)]
            arrays["tag_slots"] = tag_slots or [np.zeros(0, dtype=np.int64)]
            arrays["slot_of"] = [self.slot_of.table.view().copy()]
            arrays["far_pids"] = [np.asarray(list(self.slot_of.far), dtype=np.int64)]
            arrays["far_slots"] = [np.asarray(list(self.slot_of.far.values()), dtype=np.int64)]
            for key, order in self._orders.items():
                arrays[f"order_{key}"] = [order]
            arrays["title_rank"] = [self.title_rank()]
            for name, extra in self.extras.items():
                arrays[f"extra_{name}"] = [extra]
            for name, array in self.lexicon.stem_arrays(self.bm25.vocab).items():
                arrays[name] = [array]
            scalars.update(rev=self.rev, n_slots=len(self.bm25.lengths), n_tags=len(tag_names))
            return arrays, scalars

    @classmethod
    def from_arrays(
        cls, library: Library, arrays: dict[str, npt.NDArray[Any]], scalars: dict[str, Any]
    ) -> SearchIndex:
        """Rebuild an index from ``to_arrays``' output (arrays may be memory-mapped).

        Raises ``ValueError`` (or ``KeyError``) when the parts do not fit together.
        """
        index = cls(library)
        index.bm25 = PostingsBM25.from_arrays(arrays, scalars)
        n_slots = int(scalars["n_slots"])
        if len(index.bm25.lengths) != n_slots:
            raise ValueError("the index arrays do not fit together")
        for name in COLUMNS:
            data = arrays[f"col_{name}"]
            if len(data) != n_slots:
                raise ValueError(f"column {name} does not fit the index")
            index.cols[name] = _Column(NO_DATE if name == "published" else -1, data)
        for name in ("titles", "ids", "orgs", "sources", "author_names"):
            setattr(index, name, _Strings(arrays[f"str_{name}"], n_slots))
        n_tags = int(scalars["n_tags"])
        names_text = arrays["tag_names"].tobytes().decode("utf-8")
        names = names_text.split("\0") if n_tags else []
        counts = arrays["tag_counts"].tolist()
        if len(names) != n_tags or len(counts) != n_tags:
            raise ValueError("the tag table does not fit the index")
        slots = arrays["tag_slots"].tolist()
        at = 0
        for name, count in zip(names, counts, strict=True):
            index.tags[name] = set(slots[at : at + count])
            at += count
            for slot in slots[at - count : at]:
                index.slot_tags[slot] = (*index.slot_tags.get(slot, ()), name)
        index.slot_tags = {s: tuple(sorted(t)) for s, t in index.slot_tags.items()}
        index.slot_of = _SlotMap(arrays["slot_of"])
        far = dict(zip(arrays["far_pids"].tolist(), arrays["far_slots"].tolist(), strict=True))
        index.slot_of.far = far
        index.slot_of.count += len(far)
        if index.slot_of.count != index.bm25.live_docs:
            raise ValueError("the paper map does not fit the index")
        for key in ORDERS:
            order = arrays.get(f"order_{key}")
            if order is not None and len(order) == n_slots:
                index._orders[key] = order
        rank = arrays.get("title_rank")
        if rank is not None and len(rank) == n_slots:
            index._title_rank = rank
        index.extras = {name[6:]: value for name, value in arrays.items() if name.startswith("extra_")}
        index.rev = int(scalars["rev"])
        acronyms = index.extras.get(ACRONYM_EXTRA)
        if acronyms is not None:
            try:
                table = json.loads(acronyms.tobytes().decode("utf-8"))
                index.lexicon.acronyms = AcronymTable.from_json(table)
            except (UnicodeDecodeError, json.JSONDecodeError, AttributeError, TypeError) as error:
                raise ValueError(f"the acronym table is damaged ({error})") from None
        saved_stems = SavedStems.from_arrays(arrays, len(index.bm25.terms))
        if saved_stems is not None:  # an index saved before the groups were kept has none
            index.lexicon.adopt(saved_stems, index.bm25.terms)
        index.lexicon.update(index.bm25.terms)  # stems and typo candidates of the vocabulary
        return index

    # -- queries -------------------------------------------------------------------------------

    def search(self, query: Query | str, limit: int | None = None, correct: bool = True) -> SearchResult:
        """Run a query (text or parsed). Never raises for a bad query: see ``result.errors``.

        ``correct=False`` searches words no paper holds as typed (no typo correction).
        """
        parsed = parse_query(query) if isinstance(query, str) else query
        with self.lock:
            return self._search(parsed, limit, correct)

    def planner(self) -> Planner:
        """Reads query words against this index's vocabulary (stems, acronyms, typos)."""
        return Planner(self.lexicon, self.bm25, self.expand_prefix)

    def scorer(self) -> Scorer:
        """Scores query readings over every live paper (hold ``lock`` while using it)."""
        return Scorer(self.bm25, self._alive())

    def _search(self, query: Query, limit: int | None, correct: bool = True) -> SearchResult:
        scorer = self.scorer()
        mask = scorer.alive & self._filter_mask(query.filters) if query.filters else scorer.alive.copy()
        plan = self.planner().plan(query, correct)
        matched = np.zeros(len(mask), dtype=np.int16)
        score_all = np.zeros(len(mask))
        for clause in plan.clauses:
            # Added where the clause holds or scores only (elsewhere it adds 0: the same sums).
            slots, holds, clause_score = scorer.clause_slots(clause)
            matched[slots] += holds
            score_all[slots] += clause_score
        for alt in query.excluded:
            excluded, _ = self._alt_mask(alt)
            mask &= ~excluded
        wanted = len(plan.clauses)
        full = mask & (matched == wanted)
        has_phrase = any(a.phrase for c in query.clauses for a in c)
        # A query written from memory often has a word the paper does not use: after every
        # paper holding all the words come the rest holding any, by BM25 ("also relevant").
        # A phrase asks for exact wording, so its queries stay strict.
        rest = wanted >= 2 and not has_phrase
        partial = mask & ~full & (matched > 0) if rest else np.zeros_like(mask)
        unlisted = 0
        if rest:
            also = np.flatnonzero(partial)
            if len(also) > ALSO_RELEVANT_LIMIT:
                # Cut by the keys that order the result (score, then newest first, then paper
                # id), not by score alone: among equal scores at the cut, a partition by score
                # kept whichever papers sat first in the index's slots, so a caught-up index and
                # a fresh build could list different papers.
                rank = self.date_rank()
                keys = score_keys(score_all[also], rank[also], len(rank))
                best = np.argpartition(keys, ALSO_RELEVANT_LIMIT - 1)
                partial = np.zeros_like(mask)
                partial[also[best[:ALSO_RELEVANT_LIMIT]]] = True
                unlisted = len(also) - ALSO_RELEVANT_LIMIT
        keep = full | partial
        phrase_alts = [a for c in query.clauses for a in c if a.phrase] + [
            a for a in query.excluded if a.phrase
        ]
        if phrase_alts and keep.any():
            checked = self._check_phrases(query, np.flatnonzero(keep))
            keep = np.zeros_like(keep)
            keep[checked] = True
        sort = query.sort or ("relevance" if query.has_words else self.default_sort)
        scores: npt.NDArray[np.float64] | None
        total = int(np.count_nonzero(keep))
        exact = total - int(np.count_nonzero(keep & partial))
        if sort == "relevance":
            held = np.flatnonzero(keep)
            ordered, scores = self._order_scored(held, score_all[held], partial[held], query.reverse, limit)
        else:
            # A precomputed order filtered by the mask: O(papers), no sort per query.
            ordered = self.ordered_slots(sort)
            if query.reverse:
                ordered = ordered[::-1]
            ordered = ordered[keep[ordered]]
            is_partial = partial[ordered]
            if is_partial.any():
                ordered = np.concatenate([ordered[~is_partial], ordered[is_partial]])
            scores = score_all[ordered] if query.has_words else None
        if limit:
            ordered = ordered[:limit]
            scores = scores[:limit] if scores is not None else None
        pids: list[int] = self.cols["pid"].view()[ordered].tolist()
        return SearchResult(
            query,
            pids,
            scores if scores is not None else (),
            plan.terms,
            plan.prefixes,
            sort,
            exact=min(exact, len(pids)),
            plan=plan,
            as_typed=not correct,
            unlisted=unlisted,
            total=total,
        )

    # -- explaining ----------------------------------------------------------------------------

    def matched_terms(self, pid: int, terms: Iterable[str]) -> list[str]:
        """Which of ``terms`` occur in the paper (for ``--json`` and highlighting)."""
        slot = self.slot_of.get(pid)
        if slot is None:
            return []
        return [t for t in terms if self.bm25.tf_in(t, slot)]

    def distinctive_terms(self, slot: int, count: int) -> list[tuple[str, float]]:
        """The paper's terms that best tell it apart: high tf·idf, shared with some other paper."""
        weights: list[tuple[str, float]] = []
        ceiling = max(2, int(self.bm25.live_docs * 0.2))
        for tid in self.bm25.slot_term_ids(slot):
            df = int(self.bm25.df[tid])
            term = self._term(tid)
            if df < 2 or df > ceiling or len(term) < 3 or term.isdigit():
                continue
            weight = self.bm25.tf_in(term, slot) * self.bm25.idf.get(term, 0.0)
            weights.append((term, weight))
        weights.sort(key=lambda tw: (-tw[1], tw[0]))
        return weights[:count]


def _return_free_memory() -> None:
    """Hand memory freed by a large build back to the OS (glibc keeps it otherwise)."""
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.malloc_trim(0)
    except (OSError, AttributeError):
        pass  # not glibc: nothing to do
