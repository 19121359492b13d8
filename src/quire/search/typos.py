"""Typos: a query word that matches nothing is read as the nearest words of the library.

The vocabulary is kept in buckets by length, so a word is compared (rapidfuzz, optimal string
alignment distance: a swap of two letters costs one) only with words of about its length.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from rapidfuzz import process
from rapidfuzz.distance import OSA

MIN_LENGTH = 4  # shorter words are too often a real word or an acronym to correct
MAX_SUGGESTIONS = 3


def max_distance(word: str) -> int:
    """How many edits a word of this length may be away from its correction."""
    if len(word) < MIN_LENGTH:
        return 0
    return 1 if len(word) < 7 else 2


class TypoCorrector:
    """The library's words by length, for finding a misspelt word's nearest words."""

    def __init__(self) -> None:
        self.by_length: dict[int, list[str]] = {}

    def add(self, terms: Iterable[str]) -> None:
        """Make new vocabulary words candidates (plain words only: no numbers, no compounds)."""
        for term in terms:
            if len(term) >= MIN_LENGTH - 1 and term.isalpha():
                self.by_length.setdefault(len(term), []).append(term)

    def nearest(self, word: str, papers_holding: Callable[[str], int]) -> list[str]:
        """The closest words held by at least one paper, commonest first (empty: none close)."""
        limit = max_distance(word)
        if not limit or not word.isalpha():
            return []
        found: list[tuple[int, int, str]] = []
        for length in range(len(word) - limit, len(word) + limit + 1):
            bucket = self.by_length.get(length)
            if not bucket:
                continue
            for term, distance, _ in process.extract(
                word, bucket, scorer=OSA.distance, score_cutoff=limit, limit=None
            ):
                count = papers_holding(term)
                if count and term != word:
                    found.append((int(distance), -count, term))
        if not found:
            return []
        best = min(found)[0]
        return [term for distance, _, term in sorted(found) if distance == best][:MAX_SUGGESTIONS]
