"""What one import batch keeps in memory while it merges: the rows it touched, found by arXiv id,
DOI and title, and what tells same-titled papers apart (``_Evidence``).
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from typing import Any

from quire.models import PaperRecord, doi_key, name_words, same_name_words, title_key


@dataclass
class _Batch:
    """Rows touched by one import batch, kept in memory so duplicates inside a file merge too."""

    rows: dict[int, dict[str, Any]]
    by_arxiv: dict[str, int]
    by_key: dict[str, list[int]]
    by_doi: dict[str, int]
    # Per row, worked out when a same-titled record needs it (most rows never do) and dropped
    # whenever the row changes.
    evidence: dict[int, _Evidence] = field(default_factory=dict)
    # Short ids of the batch's titles already taken in the library (looked up in one query).
    free_checked: set[str] = field(default_factory=set)
    taken: set[str] = field(default_factory=set)
    inserted: set[int] = field(default_factory=set)  # papers this batch added
    # Sources of papers this batch added, written together at the end of the batch (or before
    # an absorb reads them). Not journalled: undoing the insert deletes them with the paper.
    new_sources: list[tuple[int, str, str, str]] = field(default_factory=list)

    def evidence_of(self, pid: int) -> _Evidence:
        """What tells row ``pid`` apart from other papers with its title."""
        evidence = self.evidence.get(pid)
        if evidence is None:
            evidence = self.evidence[pid] = _Evidence.of_row(self.rows[pid])
        return evidence

    def flush_sources(self, conn: sqlite3.Connection) -> None:
        """Write the queued sources of new papers."""
        if self.new_sources:
            conn.executemany(
                "INSERT OR IGNORE INTO paper_sources(pid, source, origin, first_seen) VALUES (?, ?, ?, ?)",
                self.new_sources,
            )
            self.new_sources.clear()


@dataclass(frozen=True)
class _Evidence:
    """What tells two papers with the same title apart: ids, first author, year, venue."""

    arxiv_id: str | None
    doi: str | None  # folded; arXiv's own DOIs (10.48550/…) are left out: they repeat the id
    first_author: tuple[str, ...]  # folded words of the first author's name; () if unknown
    year: int | None
    venue: str | None

    @classmethod
    def of_record(cls, record: PaperRecord) -> _Evidence:
        return cls._make(
            record.arxiv_id,
            record.doi,
            record.authors[:1],
            record.published.year if record.published else None,
            record.journal_ref,
        )

    @classmethod
    def of_row(cls, row: dict[str, Any]) -> _Evidence:
        authors = json.loads(row["authors"]) if row.get("authors") else []
        published = row.get("published")
        year = int(str(published)[:4]) if published else None
        return cls._make(row.get("arxiv_id"), row.get("doi"), authors[:1], year, row.get("journal_ref"))

    @classmethod
    def _make(
        cls, arxiv_id: str | None, doi: str | None, first: list[str], year: int | None, venue: str | None
    ) -> _Evidence:
        folded_doi = doi_key(doi) if doi else None
        if folded_doi and folded_doi.startswith("10.48550/"):
            folded_doi = None
        return cls(
            arxiv_id,
            folded_doi,
            tuple(name_words(first[0])) if first else (),
            year,
            title_key(venue) or None if venue else None,
        )

    def conflicts(self, other: _Evidence) -> str | None:
        """Why two same-titled papers are different works, or ``None`` if nothing says so.

        Missing values say nothing. A year is only compared when both sides name authors: a
        date without authors comes from a Hugging Face page capture, whose year is inferred.
        """
        if self.arxiv_id and other.arxiv_id and self.arxiv_id != other.arxiv_id:
            return "arxiv"
        if self.doi and other.doi and self.doi != other.doi:
            return "doi"
        if self.first_author and other.first_author:
            if not same_name_words(self.first_author, other.first_author):
                return "author"
            if self.year and other.year and self.year != other.year:
                return "year"
        if self.venue and other.venue and self.venue != other.venue and not (self.arxiv_id or other.arxiv_id):
            return "venue"  # a journal and a conference version (arXiv's journal_ref is free text)
        return None
