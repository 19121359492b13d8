"""What ``quire sync`` keeps in the library: a fetched page merged with its feed cursor in one
transaction, the meta table (cursors, HTTP validators), the "new" marks, watch-rule hits.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Mapping, Sequence

from quire.models import (
    ImportSummary,
    PaperRecord,
)
from quire.store.connection import _chunks, _now
from quire.store.merging import _BATCH, LibraryMerging, _batched


class _DryRun(Exception):
    """Raised inside a write transaction to roll it back after counting (``--dry-run``)."""


class LibrarySyncState(LibraryMerging):
    """Feeds' pages, cursors, new marks and watch hits."""

    def import_page(
        self,
        records: Iterable[PaperRecord],
        summary: ImportSummary,
        source: str,
        *,
        meta: Mapping[str, str] | None = None,
        tag: str | None = None,
        dry_run: bool = False,
    ) -> list[int]:
        """Merge one fetched page in one transaction; return the ids of the papers it added.

        In the same transaction the ``meta`` keys are written (a feed's cursor moves only together
        with what it stored), added papers are marked new, and tagged ``tag`` if given. With
        ``dry_run`` everything is counted in ``summary`` and then rolled back.
        """
        now = _now()
        added: list[int] = []
        try:
            with self._write() as (conn, rev):
                # New rows get rowids above the current maximum (no AUTOINCREMENT, writer lock held).
                top = int(conn.execute("SELECT coalesce(max(pid), 0) FROM papers").fetchone()[0])
                for batch in _batched(records, _BATCH):
                    self._import_batch(conn, batch, source, summary, now, rev)
                added = [
                    int(r[0])
                    for r in conn.execute("SELECT pid FROM papers WHERE pid > ? ORDER BY pid", (top,))
                ]
                conn.executemany(
                    "INSERT OR IGNORE INTO fresh(pid, rev) VALUES (?, ?)", [(pid, rev) for pid in added]
                )
                if tag:
                    conn.executemany(
                        "INSERT OR IGNORE INTO tags(pid, tag, added) VALUES (?, ?, ?)",
                        [(pid, tag, now) for pid in added],
                    )
                self._put_meta(conn, meta or {})
                if dry_run:
                    raise _DryRun
        except _DryRun:
            pass
        return added

    @staticmethod
    def _put_meta(conn: sqlite3.Connection, values: Mapping[str, str]) -> None:
        conn.executemany(
            "INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value=excluded.value",
            list(values.items()),
        )

    def get_meta(self, key: str) -> str | None:
        """A value kept in the library's meta table (sync cursors, HTTP validators), or ``None``."""
        rows = self._read("SELECT value FROM meta WHERE key = ?", (key,))
        return str(rows[0][0]) if rows else None

    def set_meta(self, values: Mapping[str, str], bump: bool = True) -> None:
        """Write meta values in one transaction (``bump=False``: bookkeeping other readers
        need not catch up with, such as when the reader was last opened)."""
        with self._write(bump) as (conn, _rev):
            self._put_meta(conn, values)

    def count_added_since(self, stamp: str) -> int:
        """How many papers were added after ``stamp`` (an ISO 8601 UTC time)."""
        return int(self._read("SELECT count(*) FROM papers WHERE added > ?", (stamp,))[0][0])

    def fresh_pids(self) -> set[int]:
        """Papers a sync brought that have not been opened yet (the reader's "new" mark)."""
        return {int(r[0]) for r in self._read("SELECT pid FROM fresh")}

    def mark_seen(self, pids: Sequence[int]) -> None:
        """Drop the "new" mark of these papers."""
        with self._write() as (conn, _rev):
            for chunk in _chunks(list(pids)):
                conn.execute(f"DELETE FROM fresh WHERE pid IN ({','.join('?' * len(chunk))})", tuple(chunk))

    def record_watch(self, rule: str, pids: Sequence[int], tag: str | None) -> None:
        """Remember that watch rule ``rule`` caught these papers, and tag them (one transaction)."""
        now = _now()
        with self._write() as (conn, rev):
            conn.executemany(
                "INSERT OR IGNORE INTO watch_hits(rule, pid, hit_at) VALUES (?, ?, ?)",
                [(rule, pid, now) for pid in pids],
            )
            if tag:
                conn.executemany(
                    "INSERT OR IGNORE INTO tags(pid, tag, added) VALUES (?, ?, ?)",
                    [(pid, tag, now) for pid in pids],
                )
                for chunk in _chunks(list(pids)):
                    conn.execute(
                        f"UPDATE papers SET rev=? WHERE pid IN ({','.join('?' * len(chunk))})", (rev, *chunk)
                    )

    def watch_hits(self, since: str | None = None) -> list[tuple[str, int, str]]:
        """``(rule, pid, hit_at)`` of every watch-rule hit after ``since`` (ISO time), oldest first."""
        rows = self._read(
            "SELECT rule, pid, hit_at FROM watch_hits WHERE hit_at > ? ORDER BY hit_at, rule, pid",
            (since or "",),
        )
        return [(str(r[0]), int(r[1]), str(r[2])) for r in rows]
