"""How a query was read: its words (``Word``), their readings (``Variant``) and the ``Plan`` of
clauses a search scores. Plain data with no numpy, so a result (``SearchResult``) can be made
and shown by commands that never load the engine (``quire list``).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Word:
    """One query word and the index terms that satisfy it."""

    asked: str  # the word as the query holds it (index form)
    exact: tuple[str, ...]  # the word itself (for a typo: its corrections)
    forms: tuple[str, ...] = ()  # other words with the same stem
    prefixed: tuple[str, ...] = ()  # words it starts (the last word, while typing)
    typo: bool = False

    @property
    def terms(self) -> tuple[str, ...]:
        """Every index term that satisfies the word."""
        return self.exact + self.forms + self.prefixed


@dataclass(frozen=True)
class Variant:
    """One reading of a query alternative: every word present (and in order, for a phrase)."""

    words: tuple[Word, ...]
    weight: float = 1.0
    acronym: str = ""  # for a reading through an acronym: "rl = reinforcement learning"
    must_match: bool = False  # scores only where every word is present


@dataclass
class Plan:
    """A query's clauses as readings: AND of clauses, a clause sums its alternatives, an
    alternative scores as its best reading."""

    clauses: list[list[list[Variant]]] = field(default_factory=list)
    corrections: dict[str, tuple[str, ...]] = field(default_factory=dict)
    acronyms: list[str] = field(default_factory=list)
    prefixes: tuple[str, ...] = ()

    @property
    def terms(self) -> set[str]:
        """Every index term any reading uses (for highlighting)."""
        return {t for c in self.clauses for a in c for v in a for w in v.words for t in w.terms}

    def words(self) -> list[tuple[Word, Variant]]:
        """Each word of each reading, with its reading."""
        return [(w, v) for c in self.clauses for a in c for v in a for w in v.words]
