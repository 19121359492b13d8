"""Reading papers: by id, by any id a user types, the list before the index is ready, what the
search index needs (streamed), texts for phrase checks, what was removed; and removing papers.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from typing import Any

from quire.models import (
    Paper,
    split_arxiv_version,
)
from quire.search.index_rows import index_row_batches
from quire.store.connection import LibraryConnection, _chunks
from quire.store.errors import (
    AmbiguousIdError,
    PaperNotFoundError,
    library_error,
)
from quire.store.rows import _paper_from_row


class LibraryReads(LibraryConnection):
    """Papers read back from the library."""

    def get_papers(self, pids: Sequence[int]) -> list[Paper]:
        """The papers with these ids, in the order given (unknown ids are left out)."""
        found: dict[int, Paper] = {}
        with self._reader() as conn:
            for chunk in _chunks(list(pids)):
                marks = ",".join("?" * len(chunk))
                rows = conn.execute(
                    f"SELECT p.*, a.bookmarked, a.read, a.note, a.read_at, a.bookmarked_at, "
                    f"f.pid IS NOT NULL AS fresh "
                    f"FROM papers p LEFT JOIN annotations a ON a.pid = p.pid "
                    f"LEFT JOIN fresh f ON f.pid = p.pid "
                    f"WHERE p.pid IN ({marks})",
                    tuple(chunk),
                ).fetchall()
                tags = _grouped(conn, f"SELECT pid, tag FROM tags WHERE pid IN ({marks}) ORDER BY tag", chunk)
                sources = _grouped(
                    conn,
                    f"SELECT DISTINCT pid, source FROM paper_sources WHERE pid IN ({marks}) ORDER BY source",
                    chunk,
                )
                for row in rows:
                    found[row["pid"]] = _paper_from_row(
                        row, tags.get(row["pid"], []), sources.get(row["pid"], [])
                    )
        return [found[p] for p in pids if p in found]

    def get_paper(self, pid: int) -> Paper:
        """One paper by its internal id."""
        papers = self.get_papers([pid])
        if not papers:
            raise PaperNotFoundError(f"no paper with internal id {pid}")
        return papers[0]

    def resolve(self, ident: str) -> int:
        """The paper an id names: an arXiv id (any version), a short id, or a unique prefix."""
        text = ident.strip()
        parsed = split_arxiv_version(text)
        if parsed:
            text = parsed[0]
        rows = self._read(
            "SELECT pid, coalesce(arxiv_id, short_id) AS id, title FROM papers "
            "WHERE arxiv_id = ? OR short_id = ?",
            (text, text),
        )
        if not rows and text:
            like = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            rows = self._read(
                "SELECT pid, coalesce(arxiv_id, short_id) AS id, title FROM papers "
                "WHERE arxiv_id LIKE ? ESCAPE '\\' OR short_id LIKE ? ESCAPE '\\' LIMIT 6",
                (like, like),
            )
        if not rows:
            raise PaperNotFoundError(f"no paper has the id {ident!r}")
        if len(rows) > 1:
            names = ", ".join(row["id"] for row in rows[:5])
            raise AmbiguousIdError(f"the id {ident!r} matches several papers: {names}")
        return int(rows[0]["pid"])

    def all_pids(self, unread: bool = False, bookmarked: bool = False, limit: int | None = None) -> list[int]:
        """Papers newest first, optionally only unread or bookmarked ones (the first ``limit``).

        This is what a list shows before the search index is ready, so it is one indexed scan
        (with a limit, a screenful is read in milliseconds whatever the library's size).
        """
        where = []
        if unread:
            where.append("coalesce(a.read, 0) = 0")
        if bookmarked:
            where.append("coalesce(a.bookmarked, 0) = 1")
        rows = self._read(
            "SELECT p.pid FROM papers p LEFT JOIN annotations a ON a.pid = p.pid "
            + (f"WHERE {' AND '.join(where)} " if where else "")
            + "ORDER BY p.published IS NULL, p.published DESC, p.pid"
            + (f" LIMIT {int(limit)}" if limit is not None else "")
        )
        return [int(row[0]) for row in rows]

    def index_rows(
        self, since_rev: int = 0, batch: int = 2000, after: int | None = None, upto: int | None = None
    ) -> Iterator[list[sqlite3.Row]]:
        """Papers changed after ``since_rev``, with what the search index needs, in batches.

        Read through a connection of its own (WAL lets it run beside writers), streamed, so
        indexing 100,000 papers neither holds every abstract in memory nor blocks the UI's writes.
        ``after``/``upto`` keep to papers with ``after < pid <= upto`` (see
        ``quire.search.index_rows``, which owns the query).
        """
        try:
            reader = self._open_reader()
        except sqlite3.Error as error:
            self._check_present("read the library")
            raise library_error(self.path, "read the library", error) from error
        try:
            yield from index_row_batches(reader, since_rev, batch, after, upto)
        except sqlite3.Error as error:
            self._check_present("read the library")
            raise library_error(self.path, "read the library", error) from error
        finally:
            reader.close()

    def changed_pids(self, since_rev: int) -> list[int]:
        """The ids of the papers changed after ``since_rev``, ascending."""
        # Ordered by rev so that SQLite walks the (small) rev index, not every row's pages.
        rows = self._read("SELECT pid FROM papers WHERE rev > ? ORDER BY rev", (since_rev,))
        return sorted(int(row[0]) for row in rows)

    def texts(self, pids: Sequence[int]) -> dict[int, str]:
        """Title and abstract of each paper, as one text (for phrase checks)."""
        out: dict[int, str] = {}
        for chunk in _chunks(list(pids)):
            marks = ",".join("?" * len(chunk))
            for row in self._read(
                f"SELECT pid, title, coalesce(abstract, '') FROM papers WHERE pid IN ({marks})",
                tuple(chunk),
            ):
                out[int(row[0])] = f"{row[1]}\n{row[2]}"
        return out

    def removed_since(self, rev: int) -> list[int]:
        """Papers removed (or merged into another) after ``rev``."""
        return [int(r[0]) for r in self._read("SELECT pid FROM removed WHERE rev > ?", (rev,))]

    def remove(self, pids: Sequence[int]) -> int:
        """Delete papers and their annotations; returns how many were removed."""
        with self._write() as (conn, rev):
            removed = 0
            for pid in pids:
                removed += conn.execute("DELETE FROM papers WHERE pid=?", (pid,)).rowcount
                conn.execute("INSERT OR REPLACE INTO removed(pid, rev) VALUES (?, ?)", (pid, rev))
        return removed


def _grouped(conn: sqlite3.Connection, sql: str, params: Sequence[Any]) -> dict[int, list[str]]:
    out: dict[int, list[str]] = {}
    for pid, value in conn.execute(sql, tuple(params)):
        out.setdefault(pid, []).append(value)
    return out
