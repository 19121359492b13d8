"""The search index: BM25 over paper text plus column arrays for filters and sorting.

It is built from the library in one scan (off the UI thread), then kept current with
``refresh``, which reads only the papers changed since the last change number it saw. A query
first generates candidates (postings and filter masks, vectorised), then scores only those.
"""

from __future__ import annotations

import ctypes
import math
import sqlite3
import threading
from bisect import bisect_left
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cached_property

import numpy as np
import numpy.typing as npt

from quire.search.bm25 import PostingsBM25
from quire.search.query import Alternative, Filter, Query, parse_query
from quire.search.tokenizer import fold, index_terms, iter_tokens
from quire.store import Library

TITLE_WEIGHT = 3  # a title word counts as three abstract words
TAG_WEIGHT = 2
MAX_PREFIX_EXPANSION = 40
MIN_PREFIX = 2  # shortest word that also matches as a prefix
SCORED_EXPANSIONS = 8  # a prefix matches all its expansions but scores by the commonest
PARTIAL_MIN_WORDS = 3  # queries this long also list papers holding most of their words
PARTIAL_SHARE = 0.5
NO_DATE = -(2**31)
BUILD_BATCH = 2000
Mask = npt.NDArray[np.bool_]


@dataclass
class SearchResult:
    """Papers matching a query, in order, with what the UI needs to explain and highlight them."""

    query: Query
    pids: list[int]
    score_values: list[float] = field(default_factory=list)  # aligned with pids, if scored
    terms: set[str] = field(default_factory=set)  # query terms that matched, prefixes expanded
    prefixes: tuple[str, ...] = ()
    sort: str = "date"
    exact: int = 0  # the first ``exact`` papers hold every word; the rest hold most of them

    @cached_property
    def scores(self) -> dict[int, float]:
        """BM25 score of each paper (empty for filter-only queries)."""
        return dict(zip(self.pids, self.score_values, strict=False))

    @property
    def partial(self) -> int:
        """How many results hold only most of the words (listed after the full matches)."""
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


def _day(value: str | None) -> int:
    if not value:
        return NO_DATE
    try:
        return (date.fromisoformat(value[:10]) - date(1970, 1, 1)).days
    except ValueError:
        return NO_DATE


class _Column:
    """A growable numpy column (amortised appends, vectorised reads)."""

    def __init__(self, fill: int = 0) -> None:
        self.data: npt.NDArray[np.int64] = np.full(1024, fill, dtype=np.int64)
        self.fill = fill
        self.size = 0

    def put(self, slots: list[int], values: list[int]) -> None:
        """Set the values of these slots (slots may lie past the end: the column grows)."""
        end = max(slots) + 1
        if end > len(self.data):
            grown = np.full(max(len(self.data) * 2, end), self.fill, dtype=np.int64)
            grown[: len(self.data)] = self.data
            self.data = grown
        self.data[slots] = values
        self.size = max(self.size, end)

    def view(self) -> npt.NDArray[np.int64]:
        return self.data[: self.size]


class SearchIndex:
    """Everything needed to answer queries over one library, in memory."""

    def __init__(self, library: Library) -> None:
        self.library = library
        self.bm25 = PostingsBM25()
        self.rev = 0
        self.lock = threading.RLock()
        self.slot_of: dict[int, int] = {}
        self.pids: list[int] = []
        self.titles: list[str] = []  # folded, for sorting and phrase checks
        self.ids: list[str] = []
        self.orgs: list[str] = []
        self.sources: list[str] = []
        self.tags: dict[str, set[int]] = {}
        self.slot_tags: list[tuple[str, ...]] = []
        cols = ("pid", "published", "added", "upvotes", "authors", "bookmarked", "read", "note",
                "abstract", "code", "tagged")
        self.cols: dict[str, _Column] = {
            name: _Column(NO_DATE if name == "published" else -1) for name in cols
        }
        self._vocab_sorted: list[str] | None = None
        self._title_rank: npt.NDArray[np.int64] | None = None
        self._orders: dict[str, npt.NDArray[np.int64]] = {}  # sort key -> every slot, in order

    # -- building and keeping current ------------------------------------------------------

    @classmethod
    def build(cls, library: Library, progress: Callable[[int], None] | None = None
              ) -> SearchIndex:
        """Index the whole library (seconds at 100,000 papers: run it in a worker)."""
        index = cls(library)
        index.refresh(progress=progress)
        return index

    def refresh(self, progress: Callable[[int], None] | None = None) -> int:
        """Catch up with every change made since the last refresh; returns how many papers moved."""
        rev = self.library.current_rev()
        if rev == self.rev:
            return 0
        removed = self.library.removed_since(self.rev)
        changed = 0
        with self.lock:
            touched: set[str] = set()
            for pid in removed:
                touched |= self._retire(pid)
            for batch in self.library.index_rows(since_rev=self.rev, batch=BUILD_BATCH):
                documents = []
                for row in batch:
                    touched |= self._retire(row["pid"])
                    documents.append(self._terms(row))
                slots = self.bm25.add_documents(documents)
                self._remember(batch, slots)
                if self.rev:  # a full build recomputes every idf anyway
                    for terms in documents:
                        touched.update(terms)
                changed += len(batch)
                if progress is not None:
                    progress(changed)
            self.bm25.flush()
            changed += len(removed)
            if changed > 200 or self.bm25.average_idf == 0.0:
                self.bm25.refresh_idf()
            else:
                self.bm25.refresh_idf(touched)
            self._vocab_sorted = None
            self._title_rank = None
            self._orders = {}
            # Worked out here, in the refresh worker, so no keystroke ever pays for them.
            for key in ("date", "upvotes", "title", "added"):
                self.ordered_slots(key)
            self.rev = rev
        if changed > 1000:
            _return_free_memory()
        return changed

    def _retire(self, pid: int) -> set[str]:
        slot = self.slot_of.pop(pid, None)
        if slot is None:
            return set()
        terms = {self._term(t) for t in self.bm25.slot_term_ids(slot)}
        self.bm25.retire(slot)
        for tag in self.slot_tags[slot]:
            self.tags.get(tag, set()).discard(slot)
        return terms

    def _term(self, tid: int) -> str:
        return self.bm25.terms[tid]

    @staticmethod
    def _terms(row: sqlite3.Row) -> list[str]:
        """The document BM25 sees: title words count thrice, tags twice."""
        terms = index_terms(row["title"]) * TITLE_WEIGHT
        for text in (row["abstract"], row["authors_text"], row["org_name"], row["org_handle"],
                     row["keywords_text"], row["note"]):
            if text:
                terms += index_terms(text)
        for tag in (row["tags"] or "").split():
            terms += index_terms(tag) * TAG_WEIGHT
        return terms

    def _remember(self, rows: list[sqlite3.Row], slots: list[int]) -> None:
        """Keep what filters and sorting need about each paper, one column write per batch."""
        values: dict[str, list[int]] = {name: [] for name in self.cols}
        for row, slot in zip(rows, slots, strict=True):
            tags = tuple((row["tags"] or "").split())
            self.slot_of[row["pid"]] = slot
            self.pids.append(row["pid"])
            self.titles.append(fold(row["title"]))
            self.ids.append(row["arxiv_id"] or row["short_id"])
            self.orgs.append(fold(f"{row['org_handle'] or ''} {row['org_name'] or ''}"))
            self.sources.append(row["sources"] or "")
            self.slot_tags.append(tags)
            for tag in tags:
                self.tags.setdefault(tag, set()).add(slot)
            values["pid"].append(row["pid"])
            values["published"].append(_day(row["published"]))
            values["added"].append(int(datetime.fromisoformat(row["added"]).timestamp()))
            values["upvotes"].append(row["upvotes"] if row["upvotes"] is not None else -1)
            values["authors"].append(row["author_count"] if row["author_count"] is not None
                                     else -1)
            values["bookmarked"].append(int(row["bookmarked"]))
            values["read"].append(int(row["read"]))
            values["note"].append(int(bool(row["note"])))
            values["abstract"].append(int(bool(row["abstract"])))
            values["code"].append(int(bool(row["github_repo"])))
            values["tagged"].append(int(bool(tags)))
        if slots:
            for name, column in values.items():
                self.cols[name].put(slots, column)

    @property
    def size(self) -> int:
        """How many papers are indexed."""
        return len(self.slot_of)

    # -- queries ---------------------------------------------------------------------------

    def search(self, query: Query | str, limit: int | None = None) -> SearchResult:
        """Run a query (text or parsed). Never raises for a bad query: see ``result.errors``."""
        parsed = parse_query(query) if isinstance(query, str) else query
        with self.lock:
            return self._search(parsed, limit)

    def _alive(self) -> Mask:
        alive: Mask = np.frombuffer(self.bm25.alive, dtype=np.int8) == 1
        return alive

    def _search(self, query: Query, limit: int | None) -> SearchResult:
        mask = self._alive() & self._filter_mask(query.filters)
        terms: set[str] = set()
        prefixes: list[str] = []
        # Each group scores as its best term: a prefix counts once, however many words it expands to.
        score_groups: list[list[str]] = []
        matched = np.zeros(len(mask), dtype=np.int16)
        for clause in query.clauses:
            clause_mask = np.zeros_like(mask)
            for alt in clause:
                alt_mask, expanded = self._alt_mask(alt)
                clause_mask |= alt_mask
                if alt.prefix:
                    score_groups += [[t] for t in alt.terms[:-1]] + [expanded[len(alt.terms) - 1:]]
                else:
                    score_groups += [[t] for t in expanded]
                terms.update(expanded)
                if alt.prefix and len(alt.terms[-1]) >= MIN_PREFIX:
                    prefixes.append(alt.terms[-1])
            matched += clause_mask
        for alt in query.excluded:
            excluded, _ = self._alt_mask(alt)
            mask &= ~excluded
        wanted = len(query.clauses)
        full = mask & (matched == wanted)
        has_phrase = any(a.phrase for c in query.clauses for a in c)
        if wanted >= PARTIAL_MIN_WORDS and not has_phrase:
            # A query written from memory often has a word the paper does not use: after every
            # paper holding all the words come those holding most of them (a separate tier).
            partial = mask & ~full & (matched >= math.ceil(wanted * PARTIAL_SHARE))
        else:
            partial = np.zeros_like(mask)
        keep = full | partial
        phrase_alts = [a for c in query.clauses for a in c if a.phrase] + \
                      [a for a in query.excluded if a.phrase]
        if phrase_alts and keep.any():
            checked = self._check_phrases(query, np.flatnonzero(keep))
            keep = np.zeros_like(keep)
            keep[checked] = True
        sort = query.sort or ("relevance" if query.has_words else "date")
        scores: npt.NDArray[np.float64] | None
        if sort == "relevance":
            slots = np.flatnonzero(keep)
            scores = self._score(score_groups, slots)
            order = self._order_scored(slots, scores, partial[slots].astype(np.int64),
                                       query.reverse)
            ordered, scores = slots[order], scores[order]
        else:
            # A precomputed order filtered by the mask: O(papers), no sort per query.
            ordered = self.ordered_slots(sort)
            if query.reverse:
                ordered = ordered[::-1]
            ordered = ordered[keep[ordered]]
            is_partial = partial[ordered]
            if is_partial.any():
                ordered = np.concatenate([ordered[~is_partial], ordered[is_partial]])
            scores = self._score(score_groups, ordered) if query.has_words else None
        exact = int(len(ordered) - partial[ordered].sum())
        if limit:
            ordered = ordered[:limit]
            scores = scores[:limit] if scores is not None else None
        pids: list[int] = self.cols["pid"].view()[ordered].tolist()
        return SearchResult(query, pids, scores.tolist() if scores is not None else [], terms,
                            tuple(prefixes), sort, exact=min(exact, len(pids)))

    def _score(self, groups: list[list[str]], slots: npt.NDArray[np.int64]
               ) -> npt.NDArray[np.float64]:
        """BM25 of the candidates; each group (a word, or a prefix's words) scores as its best."""
        scores = np.zeros(len(slots))
        for group in groups:
            if len(group) == 1:
                scores += self.bm25.get_batch_scores(group, slots)
            else:
                best = self.most_common(group, SCORED_EXPANSIONS)
                scores += np.max([self.bm25.get_batch_scores([t], slots) for t in best], axis=0)
        return scores

    def most_common(self, terms: list[str], count: int) -> list[str]:
        """The ``count`` terms held by most papers (the exact word always kept first)."""
        if len(terms) <= count:
            return terms
        df = self.bm25.df
        rest = sorted(terms[1:], key=lambda t: -int(df[self.bm25.vocab[t]]))
        return [terms[0], *rest[:count - 1]]

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
        n = len(self.pids)
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
        elif flt.name == "source":
            part[[i for i, src in enumerate(self.sources) if flt.value in src]] = True
        elif flt.name == "id":
            part[[i for i, ident in enumerate(self.ids) if ident.casefold().startswith(flt.value)]] \
                = True
        return part

    def _check_phrases(self, query: Query, slots: npt.NDArray[np.int64]
                       ) -> npt.NDArray[np.int64]:
        """Keep the slots whose text holds each required phrase and no excluded one."""
        pids = [self.pids[s] for s in slots.tolist()]
        texts = self.library.texts(pids)
        keep = []
        for slot, pid in zip(slots.tolist(), pids, strict=True):
            sequence = [t for _, _, t in iter_tokens(texts.get(pid, ""))]
            ok = all(any(not a.phrase or _contains(sequence, a.terms) for a in clause)
                     for clause in query.clauses)
            ok = ok and not any(a.phrase and _contains(sequence, a.terms) for a in query.excluded)
            if ok:
                keep.append(slot)
        return np.asarray(keep, dtype=np.int64)

    def _order_scored(self, slots: npt.NDArray[np.int64], scores: npt.NDArray[np.float64],
                      tier: npt.NDArray[np.int64], reverse: bool) -> npt.NDArray[np.int64]:
        """Best score first (newest first among equals); full matches before partial ones."""
        published = self.cols["published"].view()[slots]
        pid = self.cols["pid"].view()[slots]
        order: npt.NDArray[np.int64] = np.lexsort((pid, -published, -scores))
        if reverse:
            order = order[::-1]
        stable: npt.NDArray[np.int64] = order[np.argsort(tier[order], kind="stable")]
        return stable

    def ordered_slots(self, sort: str) -> npt.NDArray[np.int64]:
        """Every slot in ``sort`` order, computed once per change of the library."""
        cached = self._orders.get(sort)
        if cached is not None:
            return cached
        cols = {k: c.view() for k, c in self.cols.items()}
        published, added, pid = cols["published"], cols["added"], cols["pid"]
        # Newest first by publication date; undated papers come after every dated one
        # (NO_DATE is the smallest value), newest added first among themselves.
        # The last tie-breaker is the paper id, as in Library.all_pids, so the list does not
        # reshuffle when the index takes over from the store.
        if sort == "upvotes":
            order = np.lexsort((pid, -added, -published, -cols["upvotes"]))
        elif sort == "title":
            order = np.lexsort((pid, self.title_rank()))
        elif sort == "added":
            order = np.lexsort((pid, -published, -added))
        else:
            order = np.lexsort((pid, -added, -published))
        self._orders[sort] = order.astype(np.int64)
        return self._orders[sort]

    def title_rank(self) -> npt.NDArray[np.int64]:
        """Each slot's position in title order (computed once per change, for sorting)."""
        if self._title_rank is None:
            order = sorted(range(len(self.titles)), key=self.titles.__getitem__)
            rank = np.empty(len(order), dtype=np.int64)
            rank[order] = np.arange(len(order))
            self._title_rank = rank
        return self._title_rank

    # -- explaining --------------------------------------------------------------------------

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


def _contains(sequence: list[str], phrase: tuple[str, ...]) -> bool:
    width = len(phrase)
    return any(tuple(sequence[i:i + width]) == phrase for i in range(len(sequence) - width + 1))
