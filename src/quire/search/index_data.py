"""What the search index holds per paper besides BM25: numeric columns (dates, upvotes, marks),
folded strings (titles, ids, organisations, authors, sources), the paper-id → slot map, and
``IndexData``, the state every part of ``SearchIndex`` works on.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any, cast

import numpy as np
import numpy.typing as npt

from quire.search.bm25 import PostingsBM25
from quire.search.build import NO_DATE as NO_DATE  # re-exported: filters and the engine use it
from quire.search.expand import Lexicon
from quire.search.growable import Growable
from quire.store import Library

Mask = npt.NDArray[np.bool_]
COLUMNS = (
    "pid",
    "published",
    "added",
    "upvotes",
    "authors",
    "bookmarked",
    "read",
    "note",
    "abstract",
    "code",
    "tagged",
)


class _Column:
    """A growable numpy column (amortised appends, vectorised reads); may start memory-mapped."""

    def __init__(self, fill: int = 0, data: npt.NDArray[np.int64] | None = None) -> None:
        self.data: npt.NDArray[np.int64] = np.full(1024, fill, dtype=np.int64) if data is None else data
        self.fill = fill
        self.size = 0 if data is None else len(data)

    def put(self, slots: list[int], values: list[int] | npt.NDArray[np.int64]) -> None:
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
    """One string per slot, kept as NUL-separated UTF-8 blobs and decoded on first use.

    Kept out of Python objects until a filter or an order needs them: a loaded index costs no
    time for the (many) papers nobody filters by organisation or id, and a build adds each
    batch's blob (made by ``build.prepare``) as it is, at a third of the memory of its strings.
    """

    def __init__(self, blob: npt.NDArray[np.uint8] | None = None, count: int = 0) -> None:
        self._items: list[str] | None = None
        self._blobs: list[bytes | npt.NDArray[np.uint8]] = [] if blob is None or not count else [blob]
        self._count = count

    def items(self) -> list[str]:
        """Every string, in slot order."""
        if self._items is None:
            text = b"\0".join(self._parts()).decode("utf-8")
            self._items = text.split("\0") if self._count else []
            if len(self._items) != self._count:
                raise ValueError("a string column does not match its count")
            self._blobs = []
        return self._items

    def extend_blob(self, blob: bytes, count: int) -> None:
        """Append ``count`` strings given as ``join_strings`` gives them."""
        if not count:
            return
        if self._items is not None:
            self._items.extend(blob.decode("utf-8").split("\0"))
        else:
            self._blobs.append(blob)
        self._count += count

    def _parts(self) -> list[bytes]:
        # A loaded blob is a (memory-mapped) uint8 array: bytes.join takes it as it is.
        return cast(list[bytes], self._blobs)

    def __len__(self) -> int:
        return self._count

    def __getitem__(self, slot: int) -> str:
        return self.items()[slot]

    def __iter__(self) -> Iterator[str]:
        return iter(self.items())

    def blob(self) -> npt.NDArray[np.uint8]:
        """The saved form."""
        if self._items is None:
            if len(self._blobs) == 1 and isinstance(self._blobs[0], np.ndarray):
                return self._blobs[0]
            return np.frombuffer(b"\0".join(self._parts()), dtype=np.uint8)
        return np.frombuffer("\0".join(self._items).encode("utf-8"), dtype=np.uint8)


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


class IndexData:
    """The index's state: BM25 postings, per-paper columns and strings, tags, cached orders."""

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
        # The date order it was worked out from, and each slot's position in it.
        self._date_rank: tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]] | None = None
        self.lexicon = Lexicon()  # stems, acronyms, typo candidates of the vocabulary

    @property
    def pids(self) -> list[int]:
        """The paper id of each slot (retired slots included)."""
        if self._pid_list is None:
            self._pid_list = self.cols["pid"].view().tolist()
        return self._pid_list

    @property
    def size(self) -> int:
        """How many papers are indexed."""
        return len(self.slot_of)

    def _term(self, tid: int) -> str:
        return self.bm25.terms[tid]

    def _alive(self) -> Mask:
        return self.bm25.alive_mask()
