"""Growable numpy storage the BM25 postings are built from: a term vocabulary that hands out
ids, a 1-d array grown by appends (``Growable``), and a long append-only ``uint32`` sequence
(``AppendOnly``). Each may start from memory-mapped arrays and never writes into them.
"""

from __future__ import annotations

from array import array
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

Array = npt.NDArray[Any]


class Vocabulary(dict[str, int]):
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


class AppendOnly:
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
