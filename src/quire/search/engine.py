"""The search index: BM25 over paper text plus column arrays for filters and sorting.

It is built from the library in one scan (off the UI thread), then kept current with
``refresh``, which reads only the papers changed since the last change number it saw. A query
first generates candidates (postings and filter masks, vectorised), then scores only those.
"""

from __future__ import annotations

import ctypes
import json
import sqlite3
import threading
from bisect import bisect_left
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cached_property, lru_cache
from itertools import chain
from typing import Any

import numpy as np
import numpy.typing as npt

from quire.search.acronyms import AcronymTable
from quire.search.bm25 import Growable, PostingsBM25
from quire.search.expand import MIN_PREFIX, Lexicon, Plan, Planner, Scorer
from quire.search.query import Alternative, Filter, Query, parse_query
from quire.search.tokenizer import fold, index_term_ids, iter_tokens
from quire.store import Library

TITLE_WEIGHT = 3  # a title word counts as three abstract words
TAG_WEIGHT = 2
MAX_PREFIX_EXPANSION = 40
# "Also relevant" lists the best of the papers holding only some words: past this many, nobody
# scrolls, and sorting every paper that holds a common word would cost a keystroke its budget.
ALSO_RELEVANT_LIMIT = 1000
ACRONYM_EXTRA = "acronym_table_json"  # the name the acronym table is saved under (UTF-8 JSON)
NO_DATE = -(2**31)
BUILD_BATCH = 2000
Mask = npt.NDArray[np.bool_]
Progress = Callable[[int, int], None]  # (papers done, papers in all)
# Orders worked out once per change and saved with the index ("date" also breaks score ties).
ORDERS = ("date", "upvotes", "title", "added")
COLUMNS = ("pid", "published", "added", "upvotes", "authors", "bookmarked", "read", "note",
           "abstract", "code", "tagged")


@dataclass
class SearchResult:
    """Papers matching a query, in order, with what the UI needs to explain and highlight them."""

    query: Query
    pids: list[int]
    score_values: list[float] = field(default_factory=list)  # aligned with pids, if scored
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
        """"showing results for …" when words were corrected (else empty)."""
        if not self.corrections:
            return ""
        used = ", ".join(" or ".join(words) for words in self.corrections.values())
        # Name the words as the user typed them, not as the index folds them.
        written = {term: self.query.text[start:end]
                   for start, end, term in iter_tokens(self.query.text)}
        typed = ", ".join(written.get(term, term) for term in self.corrections)
        return f"showing results for {used} (no paper has {typed})"

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


@lru_cache(maxsize=65536)  # papers share publication days: most rows find theirs here
def _day(value: str | None) -> int:
    if not value:
        return NO_DATE
    try:
        return (date.fromisoformat(value[:10]) - date(1970, 1, 1)).days
    except ValueError:
        return NO_DATE


class _Column:
    """A growable numpy column (amortised appends, vectorised reads); may start memory-mapped."""

    def __init__(self, fill: int = 0, data: npt.NDArray[np.int64] | None = None) -> None:
        self.data: npt.NDArray[np.int64] = np.full(1024, fill, dtype=np.int64) if data is None \
            else data
        self.fill = fill
        self.size = 0 if data is None else len(data)

    def put(self, slots: list[int], values: list[int]) -> None:
        """Set the values of these slots (slots may lie past the end: the column grows)."""
        end = max(slots) + 1
        if end > len(self.data) or not self.data.flags.writeable:
            grown = np.full(max(len(self.data) * 2, end, 1024), self.fill, dtype=np.int64)
            grown[: self.size] = self.data[: self.size]
            self.data = grown
        self.data[slots] = values
        self.size = max(self.size, end)

    def view(self) -> npt.NDArray[np.int64]:
        return self.data[: self.size]


class _Strings:
    """One string per slot, saved as a single NUL-separated UTF-8 blob and decoded on first use.

    Kept out of Python objects until a filter needs them, so a loaded index costs no time for
    the (many) papers nobody filters by organisation or id.
    """

    def __init__(self, blob: npt.NDArray[np.uint8] | None = None, count: int = 0) -> None:
        self._items: list[str] | None = [] if blob is None else None
        self._blob = blob
        self._count = count

    def items(self) -> list[str]:
        """Every string, in slot order."""
        if self._items is None:
            assert self._blob is not None
            text = self._blob.tobytes().decode("utf-8")
            self._items = text.split("\0") if self._count else []
            if len(self._items) != self._count:
                raise ValueError("a string column does not match its count")
            self._blob = None
        return self._items

    def extend(self, values: list[str]) -> None:
        """Append strings (NUL, the separator, becomes a space)."""
        self.items().extend(v.replace("\0", " ") for v in values)
        self._count += len(values)

    def __len__(self) -> int:
        return self._count

    def __getitem__(self, slot: int) -> str:
        return self.items()[slot]

    def __iter__(self) -> Iterator[str]:
        return iter(self.items())

    def blob(self) -> npt.NDArray[np.uint8]:
        """The saved form."""
        if self._items is None and self._blob is not None:
            return self._blob
        return np.frombuffer("\0".join(self.items()).encode("utf-8"), dtype=np.uint8)


class _SlotMap:
    """pid -> slot of the paper's live document: an array indexed by pid (pids are row ids)."""

    LIMIT = 1 << 28  # pids beyond this (never seen in practice) go to a dict

    def __init__(self, table: npt.NDArray[np.int64] | None = None) -> None:
        self.table = Growable(np.int64, table)
        self.far: dict[int, int] = {}
        self.count = int(np.count_nonzero(self.table.view() >= 0))

    def get(self, pid: int, default: int | None = None) -> int | None:
        """The slot of ``pid``, or ``default``."""
        if 0 <= pid < len(self.table):
            slot = int(self.table[pid])
            return slot if slot >= 0 else default
        return self.far.get(pid, default)

    def __getitem__(self, pid: int) -> int:
        slot = self.get(pid)
        if slot is None:
            raise KeyError(pid)
        return slot

    def __contains__(self, pid: object) -> bool:
        return isinstance(pid, int) and self.get(pid) is not None

    def __len__(self) -> int:
        return self.count

    def pop(self, pid: int, default: int | None = None) -> int | None:
        """Forget ``pid``; returns its slot, or ``default``."""
        slot = self.get(pid)
        if slot is None:
            return default
        if 0 <= pid < len(self.table):
            self.table[pid] = -1
        else:
            del self.far[pid]
        self.count -= 1
        return slot

    def put(self, pids: list[int], slots: list[int]) -> None:
        """Map each pid to its slot (none of them mapped yet)."""
        near = [(p, s) for p, s in zip(pids, slots, strict=True) if 0 <= p < self.LIMIT]
        for pid, slot in zip(pids, slots, strict=True):
            if not 0 <= pid < self.LIMIT:
                self.far[pid] = slot
        if near:
            top = max(p for p, _ in near) + 1
            if top > len(self.table):
                self.table.extend(np.full(top - len(self.table), -1, dtype=np.int64))
            near_pids, near_slots = zip(*near, strict=True)
            table = self.table.view()
            if not table.flags.writeable:
                self.table.data = table = table.copy()
            table[list(near_pids)] = list(near_slots)
        self.count += len(pids)


class SearchIndex:
    """Everything needed to answer queries over one library, in memory (or memory-mapped)."""

    def __init__(self, library: Library, text: bool = True) -> None:
        self.library = library
        # Without text, only filters and sorting work (no word queries): what a command that
        # lists by filters needs when no saved index exists, at a fraction of a build's cost.
        self.text = text
        # Order of lists without words (config ``default_sort``); ``sort:`` in a query wins.
        self.default_sort = "date"
        self.bm25 = PostingsBM25()
        self.rev = 0
        self.lock = threading.RLock()
        self.slot_of = _SlotMap()
        self.titles = _Strings()  # folded, for sorting
        self.ids = _Strings()
        self.orgs = _Strings()
        self.author_names = _Strings()  # folded, every author of a paper (for author:NAME)
        self.sources = _Strings()
        self.tags: dict[str, set[int]] = {}
        self.slot_tags: dict[int, tuple[str, ...]] = {}
        self.cols: dict[str, _Column] = {
            name: _Column(NO_DATE if name == "published" else -1) for name in COLUMNS
        }
        # More per-index data kept with the index (name -> array), saved and loaded with it:
        # a component that derives a table from the indexed text (an acronym table, say) puts
        # it here and finds it again after a warm start.
        self.extras: dict[str, npt.NDArray[Any]] = {}
        self.unsaved = 0  # papers changed since the index was last saved (or loaded)
        self._pid_list: list[int] | None = None
        self._vocab_sorted: list[str] | None = None
        self._title_rank: npt.NDArray[np.int64] | None = None
        self._orders: dict[str, npt.NDArray[np.int64]] = {}  # sort key -> every slot, in order
        self.lexicon = Lexicon()  # stems, acronyms, typo candidates of the vocabulary

    # -- building and keeping current ------------------------------------------------------

    @classmethod
    def build(cls, library: Library, progress: Progress | None = None) -> SearchIndex:
        """Index the whole library (seconds at 100,000 papers: run it in a worker)."""
        index = cls(library)
        index.refresh(progress=progress)
        return index

    @property
    def pids(self) -> list[int]:
        """The paper id of each slot (retired slots included)."""
        if self._pid_list is None:
            self._pid_list = self.cols["pid"].view().tolist()
        return self._pid_list

    def refresh(self, progress: Progress | None = None, prepare: bool = True) -> int:
        """Catch up with every change made since the last refresh; returns how many papers moved.

        ``progress(done, total)`` is called after each batch. ``prepare`` works out the sort
        orders now (the reader wants them before the first keystroke; a one-off command does not).
        """
        rev = self.library.current_rev()
        if rev == self.rev:
            return 0
        removed = self.library.removed_since(self.rev)
        total = self.library.count() if progress is not None and not self.rev else 0
        changed = 0
        with self.lock:
            for pid in removed:
                self._retire(pid)
            for batch in self.library.index_rows(since_rev=self.rev, batch=BUILD_BATCH):
                for row in batch:
                    self._retire(row["pid"])
                if self.text:
                    # Each paper as two documents, its title and the rest: the title is
                    # tokenized once and its terms counted thrice.
                    terms, ids, sizes = _weigh_titles(*index_term_ids(chain.from_iterable(
                        ([row["title"]], self._texts(row)) for row in batch)))
                    for row in batch:
                        self.lexicon.learn(f"{row['title']}. {row['abstract'] or ''}")
                else:
                    terms, ids, sizes = [], np.zeros(0, np.int64), np.zeros(len(batch), np.int64)
                slots = self.bm25.add_encoded(terms, ids, sizes)
                self._remember(batch, slots)
                changed += len(batch)
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

    def prepare_orders(self) -> None:
        """Work out every precomputed sort order (after a change, before the next query)."""
        for key in ORDERS:
            self.ordered_slots(key)

    def _retire(self, pid: int) -> None:
        slot = self.slot_of.pop(pid, None)
        if slot is None:
            return
        self.bm25.retire(slot)
        for tag in self.slot_tags.pop(slot, ()):
            self.tags.get(tag, set()).discard(slot)

    def _term(self, tid: int) -> str:
        return self.bm25.terms[tid]

    @staticmethod
    def _texts(row: sqlite3.Row) -> list[str]:
        """The texts of the document BM25 sees besides the title (which counts thrice): tags
        count twice."""
        texts = []
        for text in (row["abstract"], row["authors_text"], row["org_name"], row["org_handle"],
                     row["keywords_text"], row["note"]):
            if text:
                texts.append(text)
        tags = row["tags"]
        if tags:
            texts += [tags] * TAG_WEIGHT
        return texts

    def _remember(self, rows: list[sqlite3.Row], slots: list[int]) -> None:
        """Keep what filters and sorting need about each paper, one column write per batch
        (each column gathered in one pass over the rows)."""
        if not slots:
            return
        tag_lists = [tuple((row["tags"] or "").split()) for row in rows]
        for slot, tags in zip(slots, tag_lists, strict=True):
            if tags:
                self.slot_tags[slot] = tags
                for tag in tags:
                    self.tags.setdefault(tag, set()).add(slot)
        pids = [row["pid"] for row in rows]
        flag = {"bookmarked": "bookmarked", "read": "read"}
        values: dict[str, list[int]] = {
            "pid": pids,
            "published": [_day(row["published"]) for row in rows],
            "added": [int(datetime.fromisoformat(row["added"]).timestamp()) for row in rows],
            "upvotes": [-1 if (v := row["upvotes"]) is None else v for row in rows],
            "authors": [-1 if (v := row["author_count"]) is None else v for row in rows],
            **{name: [int(row[key]) for row in rows] for name, key in flag.items()},
            "note": [int(bool(row["note"])) for row in rows],
            "abstract": [int(bool(row["abstract"])) for row in rows],
            "code": [int(bool(row["github_repo"])) for row in rows],
            "tagged": [int(bool(tags)) for tags in tag_lists],
        }
        self.slot_of.put(pids, slots)
        self.titles.extend([fold(row["title"]) for row in rows])
        self.ids.extend([row["arxiv_id"] or row["short_id"] for row in rows])
        self.orgs.extend([fold(f"{row['org_handle'] or ''} {row['org_name'] or ''}")
                          for row in rows])
        self.sources.extend([row["sources"] or "" for row in rows])
        self.author_names.extend([fold(row["authors_text"] or "") for row in rows])
        for name, column in values.items():
            self.cols[name].put(slots, column)

    @property
    def size(self) -> int:
        """How many papers are indexed."""
        return len(self.slot_of)

    # -- saving and loading (see quire.search.persist) ----------------------------------------

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
            scalars.update(rev=self.rev, n_slots=len(self.bm25.lengths), n_tags=len(tag_names))
            return arrays, scalars

    @classmethod
    def from_arrays(cls, library: Library, arrays: dict[str, npt.NDArray[Any]],
                    scalars: dict[str, Any]) -> SearchIndex:
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
            index.tags[name] = set(slots[at:at + count])
            at += count
            for slot in slots[at - count:at]:
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
        index.extras = {name[6:]: value for name, value in arrays.items()
                        if name.startswith("extra_")}
        index.rev = int(scalars["rev"])
        acronyms = index.extras.get(ACRONYM_EXTRA)
        if acronyms is not None:
            try:
                table = json.loads(acronyms.tobytes().decode("utf-8"))
                index.lexicon.acronyms = AcronymTable.from_json(table)
            except (UnicodeDecodeError, json.JSONDecodeError, AttributeError, TypeError) as error:
                raise ValueError(f"the acronym table is damaged ({error})") from None
        index.lexicon.update(index.bm25.terms)  # stems and typo candidates of the vocabulary
        return index

    # -- queries ---------------------------------------------------------------------------

    def search(self, query: Query | str, limit: int | None = None, correct: bool = True
               ) -> SearchResult:
        """Run a query (text or parsed). Never raises for a bad query: see ``result.errors``.

        ``correct=False`` searches words no paper holds as typed (no typo correction).
        """
        parsed = parse_query(query) if isinstance(query, str) else query
        with self.lock:
            return self._search(parsed, limit, correct)

    def _alive(self) -> Mask:
        return self.bm25.alive_mask()

    def planner(self) -> Planner:
        """Reads query words against this index's vocabulary (stems, acronyms, typos)."""
        return Planner(self.lexicon, self.bm25, self.expand_prefix)

    def scorer(self) -> Scorer:
        """Scores query readings over every live paper (hold ``lock`` while using it)."""
        return Scorer(self.bm25, self._alive())

    def _search(self, query: Query, limit: int | None, correct: bool = True) -> SearchResult:
        scorer = self.scorer()
        mask = scorer.alive & self._filter_mask(query.filters)
        plan = self.planner().plan(query, correct)
        matched = np.zeros(len(mask), dtype=np.int16)
        score_all = np.zeros(len(mask))
        for clause in plan.clauses:
            clause_mask, clause_score = scorer.clause(clause)
            matched += clause_mask
            score_all += clause_score
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
                best = np.argpartition(-score_all[also], ALSO_RELEVANT_LIMIT)
                partial = np.zeros_like(mask)
                partial[also[best[:ALSO_RELEVANT_LIMIT]]] = True
                unlisted = len(also) - ALSO_RELEVANT_LIMIT
        keep = full | partial
        phrase_alts = [a for c in query.clauses for a in c if a.phrase] + \
                      [a for a in query.excluded if a.phrase]
        if phrase_alts and keep.any():
            checked = self._check_phrases(query, np.flatnonzero(keep))
            keep = np.zeros_like(keep)
            keep[checked] = True
        sort = query.sort or ("relevance" if query.has_words else self.default_sort)
        scores: npt.NDArray[np.float64] | None
        if sort == "relevance":
            ordered, scores = self._order_scored(keep, score_all, partial, query.reverse)
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
        exact = int(len(ordered) - partial[ordered].sum())
        total = len(ordered)
        if limit:
            ordered = ordered[:limit]
            scores = scores[:limit] if scores is not None else None
        pids: list[int] = self.cols["pid"].view()[ordered].tolist()
        return SearchResult(query, pids, scores.tolist() if scores is not None else [],
                            plan.terms, plan.prefixes, sort, exact=min(exact, len(pids)),
                            plan=plan, as_typed=not correct, unlisted=unlisted,
                            total=total)

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

    def _order_scored(self, keep: Mask, score_all: npt.NDArray[np.float64], partial: Mask,
                      reverse: bool) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]:
        """The kept slots best score first (newest first among equals, then by paper id), full
        matches before partial ones; and their scores.

        The slots are taken in the precomputed newest-first order, so one stable sort by score
        gives the whole order (a three-key sort of every match cost most of a short prefix's
        search: 40 ms for 94,000 matches at 100,000 papers).
        """
        newest = self.ordered_slots("date")
        slots = newest[keep[newest]]
        scores = score_all[slots]
        order: npt.NDArray[np.int64] = np.argsort(-scores, kind="stable")
        if reverse:
            order = order[::-1]
        tier = partial[slots[order]]
        if tier.any():
            order = np.concatenate([order[~tier], order[tier]])
        return slots[order], scores[order]

    def ordered_slots(self, sort: str) -> npt.NDArray[np.int64]:
        """Every slot in ``sort`` order, computed once per change of the library."""
        cached = self._orders.get(sort)
        if cached is not None:
            return cached
        cols = {k: c.view() for k, c in self.cols.items()}
        published, added, pid = cols["published"], cols["added"], cols["pid"]
        # Newest first by publication date; undated papers come after every dated one
        # (NO_DATE is the smallest value). Ties go to the paper id, never to the import time,
        # so the order does not depend on the clock, and it is Library.all_pids's order, so
        # the list does not reshuffle when the index takes over from the store.
        if sort == "upvotes":
            order = np.lexsort((pid, -published, -cols["upvotes"]))
        elif sort == "title":
            order = np.lexsort((pid, self.title_rank()))
        elif sort == "added":
            order = np.lexsort((pid, -published, -added))
        else:
            order = np.lexsort((pid, -published))
        self._orders[sort] = order.astype(np.int64)
        return self._orders[sort]

    def title_rank(self) -> npt.NDArray[np.int64]:
        """Each slot's rank in title order, equal titles ranking equal (computed once per change).

        Ties are left to the paper id, so the order never depends on which slot a paper got:
        an index kept current incrementally sorts exactly like a fresh one.
        """
        if self._title_rank is None:
            titles = self.titles.items()
            order = sorted(range(len(titles)), key=titles.__getitem__)
            rank = np.empty(len(order), dtype=np.int64)
            position, previous = -1, None
            ranks = []
            for slot in order:
                title = titles[slot]
                if title != previous:
                    position += 1
                    previous = title
                ranks.append(position)
            rank[order] = ranks
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


def _weigh_titles(terms: list[str], ids: npt.NDArray[np.int64], sizes: npt.NDArray[np.int64]
                  ) -> tuple[list[str], npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Papers given as (title, rest) document pairs → one document each, the title's terms
    repeated ``TITLE_WEIGHT`` times (BM25 sees only how often each term occurs)."""
    times = np.tile(np.array([TITLE_WEIGHT, 1], dtype=np.int64), len(sizes) // 2)
    return terms, np.repeat(ids, np.repeat(times, sizes)), \
        TITLE_WEIGHT * sizes[0::2] + sizes[1::2]


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
