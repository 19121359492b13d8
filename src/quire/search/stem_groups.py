"""The vocabulary grouped by stem, kept with the saved index so opening it stems nothing.

Grouping a vocabulary by Snowball stem costs a few microseconds a word: nothing for the
generated benchmark libraries (7,403 words), but seconds for the hundreds of thousands of
words a real library of abstracts holds, and it used to run at every start, before the first
search. The saved index now carries the groups as three arrays: the group keys (stems, sorted,
as one UTF-8 blob), where each group starts, and the term ids of each group in id order.
Opening splits the blob (one C call) and finds a stem by binary search; only words added since
the save are stemmed, into a small overlay that the next save folds in.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Mapping, Sequence

import numpy as np
import numpy.typing as npt

STEM_KEYS = "stem_keys"
STEM_STARTS = "stem_starts"
STEM_TERMS = "stem_terms"


class SavedStems:
    """Stem groups of the first ``covered`` vocabulary terms, as the saved index holds them."""

    def __init__(
        self, keys: list[str], starts: npt.NDArray[np.int64], terms: npt.NDArray[np.int64], covered: int
    ) -> None:
        self.keys = keys
        self.starts = starts
        self.terms = terms
        self.covered = covered

    @classmethod
    def from_arrays(cls, arrays: Mapping[str, npt.NDArray[np.generic]], n_terms: int) -> SavedStems | None:
        """The saved groups, or ``None`` when the index was saved without them (they are then
        worked out from the vocabulary). Raises ``ValueError`` when they do not fit together."""
        blob = arrays.get(STEM_KEYS)
        saved_starts = arrays.get(STEM_STARTS)
        saved_terms = arrays.get(STEM_TERMS)
        if blob is None or saved_starts is None or saved_terms is None:
            return None
        text = blob.tobytes().decode("utf-8")
        keys = text.split("\n") if text else []
        starts: npt.NDArray[np.int64] = np.asarray(saved_starts, dtype=np.int64)
        terms: npt.NDArray[np.int64] = np.asarray(saved_terms, dtype=np.int64)
        covered = len(terms)
        if (
            len(starts) != len(keys) + 1
            or (len(starts) and (starts[0] != 0 or starts[-1] != covered))
            or bool(np.any(np.diff(starts) <= 0))
            or covered > n_terms
            or (covered and (int(terms.min()) < 0 or int(terms.max()) >= covered))
            or (covered and int(np.bincount(terms, minlength=covered).max()) != 1)
            or any(a >= b for a, b in zip(keys, keys[1:], strict=False))
        ):
            raise ValueError("the saved stem groups do not fit the vocabulary")
        return cls(keys, starts, terms, covered)

    def group(self, key: str, vocabulary: Sequence[str]) -> list[str]:
        """The saved terms whose stem is ``key``, in id order (empty when none)."""
        at = bisect_left(self.keys, key)
        if at == len(self.keys) or self.keys[at] != key:
            return []
        return [vocabulary[int(t)] for t in self.terms[self.starts[at] : self.starts[at + 1]]]


def group_arrays(
    saved: SavedStems | None, overlay: Mapping[str, list[str]], vocab: Mapping[str, int]
) -> dict[str, npt.NDArray[np.generic]]:
    """The arrays to save for the saved groups plus the overlay (terms grouped since)."""
    if saved is not None and not overlay:
        keys, starts, terms = saved.keys, saved.starts, saved.terms
    else:
        merged: dict[str, list[int]] = {}
        if saved is not None:
            for at, key in enumerate(saved.keys):
                merged[key] = saved.terms[saved.starts[at] : saved.starts[at + 1]].tolist()
        for key, words in overlay.items():
            # Overlay terms came after every saved one: appending keeps each group in id order.
            merged.setdefault(key, []).extend(vocab[w] for w in words)
        keys = sorted(merged)
        sizes = np.fromiter((len(merged[k]) for k in keys), dtype=np.int64, count=len(keys))
        starts = np.zeros(len(keys) + 1, dtype=np.int64)
        np.cumsum(sizes, out=starts[1:])
        terms = np.fromiter((t for k in keys for t in merged[k]), dtype=np.int64, count=int(starts[-1]))
    return {
        STEM_KEYS: np.frombuffer("\n".join(keys).encode("utf-8"), dtype=np.uint8),
        STEM_STARTS: starts,
        STEM_TERMS: terms,
    }
