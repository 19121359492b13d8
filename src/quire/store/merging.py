"""Merging imported records into the library: which stored paper a record describes (arXiv id,
DOI, else title with no evidence against it), updating or inserting it, and folding papers found
to be the same into one (sources and annotations move; nothing is lost).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from functools import lru_cache
from itertools import islice
from typing import Any

from quire.models import (
    Annotation,
    ImportSummary,
    PaperRecord,
    doi_key,
    short_id_for,
    title_key,
)
from quire.store.checkpointer import Checkpointer
from quire.store.connection import _chunks, _now
from quire.store.journal import ImportJournal, _Journal
from quire.store.merge_state import _Batch, _Evidence
from quire.store.rows import LIST_FIELDS, SCALAR_FIELDS, record_columns

_BATCH = 1000
_ROW_KEYS = ("arxiv_id", *SCALAR_FIELDS, *LIST_FIELDS)  # a new row's columns before its values
# A file's import merges this many records per transaction. Each commit writes every page it
# dirtied to the write-ahead log, and new papers land at random places in four indexes (title,
# short id, arXiv id, date), so small commits wrote the same index pages over and over: at
# 200,000 papers, 1,000 a batch cost 40 µs of CPU per insert, 5,000 about 20 µs (with the cache
# below). A batch of 5,000 is still merged in well under a second, so other writers get through.
_IMPORT_BATCH = 5000
# The writer's page cache while an import runs (SQLite's default is 2 MB): the indexes' pages a
# batch touches stay cached instead of being read again for every insert. Bounded, and handed
# back when the import ends.
_IMPORT_CACHE_KIB = 32 * 1024
_AUTOCHECKPOINT_PAGES = 1000  # SQLite's default, which the writer has outside imports


def _batched(records: Iterable[PaperRecord], size: int) -> Iterator[list[PaperRecord]]:
    iterator = iter(records)
    while batch := list(islice(iterator, size)):
        yield batch


class LibraryMerging(ImportJournal):
    """Imports that merge into the library, in chunks, as one unit."""

    def import_records(
        self,
        records: Iterable[PaperRecord],
        summary: ImportSummary,
        source: str,
        progress: Callable[[int], None] | None = None,
    ) -> ImportSummary:
        """Merge records into the library as one import and count what happened.

        ``source`` names the format (``hf-text``, ``arxiv-atom``…); ``summary.path`` the origin file.
        Records are read outside any transaction and merged a batch per transaction, so other
        writers get through between batches; every change is journalled, and if the iterator
        raises (or the process dies) the import is rolled back as a unit: nothing is kept and the
        error propagates.
        """
        now = _now()
        import_id = self._begin_import(summary.path)
        try:
            with self._import_settings():
                self._merge_batches(records, summary, source, progress, now, import_id)
        except BaseException:
            self._undo_import(import_id)
            raise
        self._end_import(import_id)
        return summary

    def _merge_batches(
        self,
        records: Iterable[PaperRecord],
        summary: ImportSummary,
        source: str,
        progress: Callable[[int], None] | None,
        now: str,
        import_id: int,
    ) -> None:
        # Parsing happens in _batched, with no lock held, while the last batch is checkpointed.
        for batch in _batched(records, _IMPORT_BATCH):
            checkpointer = self._checkpointer
            if checkpointer is not None:
                checkpointer.wait()  # the log is folded in whole, so this transaction restarts it
            with self._write() as (conn, rev):
                self._journal = _Journal(import_id)
                try:
                    self._import_batch(conn, batch, source, summary, now, rev)
                    self._journal.flush(conn)
                finally:
                    self._journal = None
            if checkpointer is not None:
                checkpointer.start_checkpoint()
            if progress is not None:
                progress(len(batch))

    @contextmanager
    def _import_settings(self) -> Iterator[None]:
        """While imports run: the writer's page cache enlarged, and checkpoints on a thread of
        their own (WAL only). Both are put back when the last import ends."""
        with self._lock:
            first = self._imports_running == 0
            if first:
                self._cache_before = int(self._conn.execute("PRAGMA cache_size").fetchone()[0])
            # Counted before anything changes, so the finally below puts back whatever did,
            # also when changing it fails half-way.
            self._imports_running += 1
        try:
            if first:
                # Only speed is at stake: if these cannot be had, the import runs without them.
                with self._lock, suppress(sqlite3.Error):
                    self._conn.execute(f"PRAGMA cache_size = -{_IMPORT_CACHE_KIB}")
                    self._checkpointer = self._open_checkpointer()
            yield
        finally:
            with self._lock:
                self._imports_running -= 1
                if self._imports_running == 0:
                    self._restore_settings()

    def _open_checkpointer(self) -> Checkpointer | None:
        """A checkpointing thread, with the writer's own checkpoints turned off; ``None`` (SQLite
        keeps checkpointing in the commits) without WAL or if it cannot be had."""
        if self.journal_mode != "wal":
            return None
        try:
            checkpointer = Checkpointer(self.path)
        except sqlite3.Error:
            return None
        try:
            self._conn.execute("PRAGMA wal_autocheckpoint = 0")
        except sqlite3.Error:
            checkpointer.close()
            raise
        return checkpointer

    def _restore_settings(self) -> None:
        checkpointer, self._checkpointer = self._checkpointer, None
        if checkpointer is not None:
            checkpointer.close()
        if self._closed:
            return
        # Only memory and log size are at stake: a failure must not hide the import's own result,
        # nor keep the other settings from coming back (each is tried on its own).
        for pragma in (
            f"wal_autocheckpoint = {_AUTOCHECKPOINT_PAGES}",
            f"cache_size = {self._cache_before}",
            "shrink_memory",
        ):
            with suppress(sqlite3.Error):
                self._conn.execute(f"PRAGMA {pragma}")

    def _load_batch(self, conn: sqlite3.Connection, batch: list[PaperRecord], titles: list[str]) -> _Batch:
        ids = sorted({r.arxiv_id for r in batch if r.arxiv_id})
        keys = sorted(set(titles))
        dois = sorted({doi_key(r.doi) for r in batch if r.doi})
        rows: dict[int, dict[str, Any]] = {}
        for column, values in (("arxiv_id", ids), ("title_key", keys), ("lower(doi)", dois)):
            for chunk in _chunks(values):
                marks = ",".join("?" * len(chunk))
                for row in conn.execute(f"SELECT * FROM papers WHERE {column} IN ({marks})", tuple(chunk)):
                    rows[row["pid"]] = dict(row)
        state = _Batch(rows, {}, {}, {})
        for pid in sorted(rows):
            self._remember(state, rows[pid])
        state.free_checked = {short_id_for(key) for key in keys if key}
        for chunk in _chunks(sorted(state.free_checked)):
            state.taken.update(
                r[0]
                for r in conn.execute(
                    f"SELECT short_id FROM papers WHERE short_id IN ({','.join('?' * len(chunk))})",
                    tuple(chunk),
                )
            )
        return state

    @staticmethod
    def _remember(state: _Batch, row: dict[str, Any]) -> None:
        state.rows[row["pid"]] = row
        state.evidence.pop(row["pid"], None)  # worked out again from the row if needed
        if row["arxiv_id"]:
            state.by_arxiv[row["arxiv_id"]] = row["pid"]
        if row.get("doi"):
            state.by_doi.setdefault(doi_key(row["doi"]), row["pid"])
        pids = state.by_key.setdefault(row["title_key"], [])
        if row["pid"] not in pids:
            pids.append(row["pid"])

    @staticmethod
    def _identify(state: _Batch, record: PaperRecord, key: str) -> int | None:
        """The paper this record describes: by arXiv id, then DOI, then title with no evidence
        against it (first author and year, venue, other ids); a bare title matches by title."""
        if record.arxiv_id and (pid := state.by_arxiv.get(record.arxiv_id)) is not None:
            return pid
        if record.doi and (pid := state.by_doi.get(doi_key(record.doi))) is not None:
            row = state.rows[pid]
            if not (record.arxiv_id and row["arxiv_id"]):  # two arXiv ids are two papers
                return pid
        same_title = state.by_key.get(key)
        if same_title:
            evidence = _Evidence.of_record(record)
            for pid in same_title:
                if evidence.conflicts(state.evidence_of(pid)) is None:
                    return pid
        return None

    def _import_batch(
        self,
        conn: sqlite3.Connection,
        batch: list[PaperRecord],
        source: str | None,
        summary: ImportSummary,
        now: str,
        rev: int,
        fixed: Sequence[Mapping[str, Any]] | None = None,
        landed: Callable[[int, int, bool], None] | None = None,
    ) -> None:
        """Merge one batch of records. ``source`` None records no source (the caller does);
        ``fixed`` gives per record a ``short_id`` and ``added`` for a new paper (a carried
        library's own); ``landed(index, pid, is_new)`` is told where each record went."""
        titles = [title_key(record.title) for record in batch]  # folded once: it is not cheap
        state = self._load_batch(conn, batch, titles)
        for index, (record, key) in enumerate(zip(batch, titles, strict=True)):
            if not key:
                summary.skipped += 1
                summary.skip_reasons.append(f"a record has no usable title: {record.title!r}")
                continue
            pid = self._identify(state, record, key)
            values = record_columns(record)
            values["title_key"] = key
            if record.arxiv_id:
                values["arxiv_id"] = record.arxiv_id
            if pid is None:
                row = self._insert(
                    conn, state, values, key, now, rev, fixed[index] if fixed is not None else None
                )
                summary.added += 1
                if self._journal is not None:
                    self._journal.add("insert", row["pid"])
                self._remember(state, row)
                state.inserted.add(row["pid"])
                if source is not None:
                    state.new_sources.append((row["pid"], source, summary.path, now))
                if landed is not None:
                    landed(index, row["pid"], True)
                continue
            row = state.rows[pid]
            old_key = row["title_key"]
            changes = {k: v for k, v in values.items() if row.get(k) != v}
            if changes and self._journal is not None:
                self._journal.add("update", pid, {k: row.get(k) for k in changes})
            if changes:
                sets = ", ".join(f"{k}=?" for k in changes)
                conn.execute(
                    f"UPDATE papers SET {sets}, rev=? WHERE pid=?",
                    (*changes.values(), rev, pid),
                )
                row.update(changes)
                summary.updated += 1
            else:
                summary.unchanged += 1
            if old_key != key and pid in state.by_key.get(old_key, []):
                state.by_key[old_key].remove(pid)
            if record.arxiv_id or record.doi:
                self._absorb_same(conn, state, row, key, rev)
            self._remember(state, row)
            if landed is not None:
                landed(index, row["pid"], False)
            if source is None:
                continue
            if row["pid"] in state.inserted:
                state.new_sources.append((row["pid"], source, summary.path, now))
                continue
            added = conn.execute(
                "INSERT OR IGNORE INTO paper_sources(pid, source, origin, first_seen) VALUES (?, ?, ?, ?)",
                (row["pid"], source, summary.path, now),
            ).rowcount
            if added and self._journal is not None:
                self._journal.add("source", row["pid"], [source, summary.path])
        state.flush_sources(conn)

    def _absorb_same(
        self, conn: sqlite3.Connection, state: _Batch, row: dict[str, Any], key: str, rev: int
    ) -> None:
        """Papers known only by this title, with nothing against the now identified paper, are
        the same paper: fold them in (their annotations are kept)."""
        evidence = _Evidence.of_row(row)
        for other in list(state.by_key.get(key, [])):
            other_row = state.rows[other]
            if other == row["pid"] or other_row["arxiv_id"]:
                continue
            if evidence.conflicts(state.evidence_of(other)) is None:
                state.flush_sources(conn)  # the absorb moves (and journals) the sources
                self._absorb(conn, into=row["pid"], other=other, rev=rev)
                state.by_key[key].remove(other)
                state.rows.pop(other)
                state.evidence.pop(other, None)
                if other_row.get("doi"):
                    state.by_doi.pop(doi_key(other_row["doi"]), None)

    @staticmethod
    def _insert(
        conn: sqlite3.Connection,
        state: _Batch,
        values: dict[str, Any],
        key: str,
        now: str,
        rev: int,
        fixed: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        short = short_id_for(key)
        wanted = fixed.get("short_id") if fixed else None
        if (
            wanted
            and wanted not in state.taken
            and not conn.execute("SELECT 1 FROM papers WHERE short_id=?", (wanted,)).fetchone()
        ):
            short = wanted  # a carried library keeps its short ids where they are free
        elif short not in state.free_checked or short in state.taken:
            short = _free_short_id(conn, key, values)  # not known free: ask the library
        state.taken.add(short)
        added = fixed.get("added") if fixed else None
        values["short_id"] = short
        values["added"] = added or now
        values["rev"] = rev
        cursor = conn.execute(_insert_sql(tuple(values)), tuple(values.values()))
        row = dict.fromkeys(_ROW_KEYS)
        row.update(values)
        row["pid"] = cursor.lastrowid
        return row

    def _absorb(self, conn: sqlite3.Connection, into: int, other: int, rev: int) -> None:
        """Fold paper ``other`` into ``into``: sources and annotations move, nothing is lost."""
        merged = self._annotations(conn, [into, other])
        a, b = merged.get(into, Annotation()), merged.get(other, Annotation())
        if self._journal is not None:
            self._journal.add(
                "absorb",
                other,
                {
                    "into": into,
                    "row": dict(conn.execute("SELECT * FROM papers WHERE pid=?", (other,)).fetchone()),
                    "sources": [
                        list(r)
                        for r in conn.execute(
                            "SELECT source, origin, first_seen FROM paper_sources WHERE pid=?", (other,)
                        )
                    ],
                    "into_annotation": a.model_dump(mode="json"),
                    "annotation": b.model_dump(mode="json"),
                },
            )
        joined = Annotation(
            bookmarked=a.bookmarked or b.bookmarked,
            read=a.read or b.read,
            tags=sorted(set(a.tags) | set(b.tags)),
            note="\n\n".join(n for n in (a.note, b.note) if n),
            read_at=a.read_at or b.read_at,
            bookmarked_at=a.bookmarked_at or b.bookmarked_at,
        )
        conn.execute("UPDATE OR IGNORE paper_sources SET pid=? WHERE pid=?", (into, other))
        conn.execute("DELETE FROM papers WHERE pid=?", (other,))
        conn.execute("INSERT OR REPLACE INTO removed(pid, rev) VALUES (?, ?)", (other, rev))
        self._put_annotations(conn, {into: joined}, rev)


@lru_cache(maxsize=256)
def _insert_sql(columns: tuple[str, ...]) -> str:
    """The INSERT for a new paper with these columns (records of one source share a few sets)."""
    return f"INSERT INTO papers ({', '.join(columns)}) VALUES ({','.join('?' * len(columns))})"


def _free_short_id(conn: sqlite3.Connection, key: str, values: dict[str, Any]) -> str:
    """The short id for a new paper: from its title, unless another paper with the same title
    (another edition, another version) holds it; then from the title and what sets it apart."""
    short = short_id_for(key)
    extra = "|".join(str(values.get(k) or "") for k in ("doi", "published", "authors"))
    attempt = 0
    while conn.execute("SELECT 1 FROM papers WHERE short_id=?", (short,)).fetchone():
        attempt += 1
        short = short_id_for(f"{key}|{extra}|{attempt}")
    return short
