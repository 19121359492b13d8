"""The library: one SQLite file holding papers, where they came from, and the user's annotations.

Writes are transactions (``BEGIN IMMEDIATE``): an import that fails part-way adds nothing. Every write
bumps a change counter (``meta.rev``) and stamps the rows it touched, so the search index can catch
up with only what changed, even when another ``quire`` process made the change.
"""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from itertools import islice
from pathlib import Path
from typing import Any

from quire.models import (
    Annotation,
    ImportSummary,
    Paper,
    PaperRecord,
    doi_key,
    name_words,
    same_name_words,
    short_id_for,
    split_arxiv_version,
    title_key,
)
from quire.store.errors import (
    AmbiguousIdError,
    MissingError,
    PaperNotFoundError,
    ReadOnlyError,
    StoreError,
    library_error,
)
from quire.store.schema import SCHEMA_VERSION, check_version, migrate

SCALAR_FIELDS = (
    "title", "version", "abstract", "author_count", "org_handle", "org_name", "published",
    "updated", "upvotes", "comments", "github_repo", "github_stars", "primary_category", "doi",
    "journal_ref", "comment", "pdf_url",
)
LIST_FIELDS = ("authors", "keywords", "categories")
_BATCH = 1000
_SQL_CHUNK = 500
_READERS = 4  # read connections kept open for reuse
# One encoder for every stored list: json.dumps with options builds a new encoder per call.
_encode_list = json.JSONEncoder(ensure_ascii=False).encode


def _now() -> str:
    # Full precision: "added" orders papers imported within the same second too.
    return datetime.now(UTC).isoformat(timespec="microseconds")


def _chunks(items: Sequence[Any], size: int = _SQL_CHUNK) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _batched(records: Iterable[PaperRecord], size: int) -> Iterator[list[PaperRecord]]:
    iterator = iter(records)
    while batch := list(islice(iterator, size)):
        yield batch


def normalise_tag(raw: str) -> str:
    """Fold a tag for storage (case-insensitive, spaces become hyphens); raise ``ValueError`` if bad.

    A leading ``#`` is dropped: tags are shown as ``#name``, so people type them that way, and a
    stored ``#name`` would show as ``##name``.
    """
    tag = "-".join(raw.strip().lstrip("#").casefold().split())
    if not tag or any(ch in tag for ch in ":\"'(),"):
        raise ValueError(f"invalid tag {raw!r}: tags cannot be empty or contain : \" ' ( ) ,")
    return tag


def record_columns(record: PaperRecord) -> dict[str, Any]:
    """The known (non-empty) values of a record as library columns; unknown values are left out."""
    values: dict[str, Any] = {}
    for name in SCALAR_FIELDS:
        value = getattr(record, name)
        if value is None or value == "":
            continue
        values[name] = value.isoformat() if isinstance(value, date) else value
    for name in LIST_FIELDS:
        items = getattr(record, name)
        if items:
            values[name] = _encode_list(items)
    return values


class _DryRun(Exception):
    """Raised inside a write transaction to roll it back after counting (``--dry-run``)."""


@dataclass
class _Batch:
    """Rows touched by one import batch, kept in memory so duplicates inside a file merge too."""

    rows: dict[int, dict[str, Any]]
    by_arxiv: dict[str, int]
    by_key: dict[str, list[int]]
    by_doi: dict[str, int]
    evidence: dict[int, _Evidence] = field(default_factory=dict)  # per row, kept current
    # Short ids of the batch's titles already taken in the library (looked up in one query).
    free_checked: set[str] = field(default_factory=set)
    taken: set[str] = field(default_factory=set)
    inserted: set[int] = field(default_factory=set)  # papers this batch added
    # Sources of papers this batch added, written together at the end of the batch (or before
    # an absorb reads them). Not journalled: undoing the insert deletes them with the paper.
    new_sources: list[tuple[int, str, str, str]] = field(default_factory=list)

    def flush_sources(self, conn: sqlite3.Connection) -> None:
        """Write the queued sources of new papers."""
        if self.new_sources:
            conn.executemany("INSERT OR IGNORE INTO paper_sources(pid, source, origin, first_seen)"
                             " VALUES (?, ?, ?, ?)", self.new_sources)
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
        return cls._make(record.arxiv_id, record.doi, record.authors[:1],
                         record.published.year if record.published else None, record.journal_ref)

    @classmethod
    def of_row(cls, row: dict[str, Any]) -> _Evidence:
        authors = json.loads(row["authors"]) if row.get("authors") else []
        published = row.get("published")
        year = int(str(published)[:4]) if published else None
        return cls._make(row.get("arxiv_id"), row.get("doi"), authors[:1], year,
                         row.get("journal_ref"))

    @classmethod
    def _make(cls, arxiv_id: str | None, doi: str | None, first: list[str], year: int | None,
              venue: str | None) -> _Evidence:
        folded_doi = doi_key(doi) if doi else None
        if folded_doi and folded_doi.startswith("10.48550/"):
            folded_doi = None
        return cls(arxiv_id, folded_doi, tuple(name_words(first[0])) if first else (), year,
                   title_key(venue) or None if venue else None)

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
        if (self.venue and other.venue and self.venue != other.venue
                and not (self.arxiv_id or other.arxiv_id)):
            return "venue"  # a journal and a conference version (arXiv's journal_ref is free text)
        return None


class Library:
    """A library file, safe to share between threads.

    Writes go through one connection behind a lock (writers queue for it). Reads never touch
    that lock: each read borrows a read-only connection from a small pool, and WAL lets it run
    beside a writer, so a screen reading the library never waits for an import.
    """

    def __init__(self, path: Path | str, read_only: bool | None = None) -> None:
        self.path = Path(path)
        self._lock = threading.RLock()
        self._readers: list[sqlite3.Connection] = []
        self._closed = False
        self._journal: _Journal | None = None  # set while an import batch is being merged
        self._identity: tuple[int, int] | None = None
        if read_only is None:
            read_only = self.path.exists() and not _writable(self.path)
        self.read_only = read_only
        try:
            if read_only:
                self._conn = self._open_reader()
                self.migrated_from = check_version(self._conn, str(self.path))
                if self.migrated_from < SCHEMA_VERSION:
                    raise ReadOnlyError(
                        f"{self.path}: the library needs an upgrade to schema {SCHEMA_VERSION} "
                        "but it is read-only; open it once with write access")
            else:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                self._conn = sqlite3.connect(
                    self.path, timeout=10.0, isolation_level=None, check_same_thread=False
                )
                self._conn.row_factory = sqlite3.Row
                self._conn.execute("PRAGMA busy_timeout = 10000")
                # Refuse a newer schema before any pragma below writes to the file.
                check_version(self._conn, str(self.path))
                self._conn.execute("PRAGMA foreign_keys = ON")
                mode = _use_wal(self._conn)
                if mode.lower() != "wal":
                    self._conn.execute("PRAGMA journal_mode = DELETE")
                self._conn.execute("PRAGMA synchronous = NORMAL")
                self.migrated_from = migrate(self._conn, str(self.path))
                self._recover_imports()
            self._identity = _identity(self.path)
        except (sqlite3.Error, OSError) as error:
            raise library_error(self.path, "open the library", error) from error

    # -- plumbing --------------------------------------------------------------------------

    def checkpoint(self) -> bool:
        """Fold the write-ahead log into the library file and empty it (``TRUNCATE``).

        Run when the reader and the CLI finish, so that the one file ``library.sqlite3`` holds
        every bookmark and note even while another quire still has the library open. Returns
        ``False`` if a busy reader elsewhere kept part of the log (it is folded in later).
        """
        with self._lock:
            if self._closed:
                return False
            try:
                busy = self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
            except sqlite3.Error:
                return False  # read-only or locked: nothing of ours is pending anyway
            return busy is None or not busy[0]

    def backup(self, target: Path) -> None:
        """Write a consistent copy of the library to ``target`` with SQLite's backup API.

        Safe while this or another quire is reading and writing: the copy is one snapshot.
        ``target`` is written through a temporary file beside it and renamed, so a failed backup
        leaves no half file; the copy is a single file (no write-ahead log beside it).
        """
        temporary = target.parent / f".{target.name}.{os.getpid()}.tmp"
        temporary.unlink(missing_ok=True)
        try:
            copy = sqlite3.connect(temporary)
            try:
                with self._lock:
                    self._conn.backup(copy)
                copy.execute("PRAGMA journal_mode = DELETE")
            finally:
                copy.close()
            os.replace(temporary, target)
        except (sqlite3.Error, OSError) as error:
            temporary.unlink(missing_ok=True)
            raise StoreError(f"{target}: cannot write the backup: {error}") from error

    def close(self) -> None:
        """Close every connection (folding the write-ahead log into the file first)."""
        self.checkpoint()
        with self._lock:
            self._closed = True
            # Readers first: the last connection to close folds the write-ahead log into the
            # file, and only the writer can do that (readers are read-only), so a copy of the
            # one library file holds everything.
            while self._readers:
                self._readers.pop().close()
            self._conn.close()

    def __enter__(self) -> Library:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _open_reader(self) -> sqlite3.Connection:
        uri = self.path.resolve().as_uri() + "?mode=ro"
        if not os.access(self.path.parent, os.W_OK) or (
                self.read_only and not Path(f"{self.path}-shm").exists()):
            # A read-only folder cannot hold WAL's shared-memory file; nobody can write there
            # either, so the file is read as immutable.
            uri += "&immutable=1"
        conn = sqlite3.connect(uri, uri=True, timeout=10.0, isolation_level=None,
                               check_same_thread=False)
        conn.row_factory = sqlite3.Row
        return conn

    @contextmanager
    def _reader(self, doing: str = "read the library") -> Iterator[sqlite3.Connection]:
        """Borrow a read connection (no lock shared with writers); errors become StoreErrors."""
        try:
            conn = self._readers.pop()  # list.pop is atomic: no lock needed
        except IndexError:
            try:
                conn = self._open_reader()
            except sqlite3.Error as error:
                raise library_error(self.path, doing, error) from error
        try:
            yield conn
        except sqlite3.Error as error:
            self._check_present(doing)
            raise library_error(self.path, doing, error) from error
        finally:
            if self._closed or len(self._readers) >= _READERS:
                conn.close()
            else:
                self._readers.append(conn)

    def _check_present(self, doing: str) -> None:
        """Raise ``MissingError`` if the file was deleted or replaced since it was opened.

        An open SQLite file that is deleted keeps working on the orphaned inode, so without
        this check writes would quietly go nowhere.
        """
        if self._identity is None:
            return
        try:
            now = _identity(self.path)
        except OSError:
            now = None
        if now != self._identity:
            raise MissingError(f"{self.path}: cannot {doing}: the library file was deleted or "
                               "replaced while quire was running; restart quire")

    @contextmanager
    def _write(self, bump: bool = True) -> Iterator[tuple[sqlite3.Connection, int]]:
        """One write transaction with a fresh change number; rolled back on any error.

        ``bump=False`` is for bookkeeping that readers need not notice (the number is then 0).
        """
        if self.read_only:
            raise ReadOnlyError(f"{self.path}: cannot write the library: it is read-only "
                                "(check the permissions of the file and its folder)")
        with self._lock:
            self._check_present("write the library")
            conn = self._conn
            try:
                conn.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as error:
                raise library_error(self.path, "write the library", error) from error
            try:
                yield conn, (_bump(conn) if bump else 0)
                conn.execute("COMMIT")
            except BaseException as error:
                _rollback(conn)
                if isinstance(error, sqlite3.Error):
                    raise library_error(self.path, "write the library", error) from error
                raise

    def _read(self, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]:
        with self._reader() as conn:
            return conn.execute(sql, params).fetchall()

    def current_rev(self) -> int:
        """The change counter: it grows with every write, from any process.

        Raises ``MissingError`` once the file is deleted (the reader polls this every 2 s).
        """
        self._check_present("read the library")
        return int(self._read("SELECT value FROM meta WHERE key='rev'")[0][0])

    def identity(self) -> str:
        """A random id this library file gets the first time it is asked (kept in ``meta``).

        Caches derived from the library (the search index) record it, so a cache made for another
        library, or for another file later put at the same path, is never taken for this one's.
        Empty when it cannot be recorded (a read-only library without one yet).
        """
        query = "SELECT value FROM meta WHERE key='library_id'"
        rows = self._read(query)
        if not rows:
            with self._lock:
                try:  # not a change of the library: no new rev
                    self._conn.execute("INSERT OR IGNORE INTO meta(key, value) "
                                       "VALUES ('library_id', ?)", (uuid.uuid4().hex,))
                except sqlite3.Error:
                    return ""
            rows = self._read(query)
        return str(rows[0][0]) if rows else ""

    def count(self) -> int:
        """How many papers the library holds."""
        return int(self._read("SELECT count(*) FROM papers")[0][0])

    # -- imports ---------------------------------------------------------------------------

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
            for batch in _batched(records, _BATCH):  # parsing happens here, with no lock held
                with self._write() as (conn, rev):
                    self._journal = _Journal(import_id)
                    try:
                        self._import_batch(conn, batch, source, summary, now, rev)
                        self._journal.flush(conn)
                    finally:
                        self._journal = None
                if progress is not None:
                    progress(len(batch))
        except BaseException:
            self._undo_import(import_id)
            raise
        self._end_import(import_id)
        return summary

    # -- imports as units: begin, end, undo, recover ---------------------------------------

    def _begin_import(self, origin: str) -> int:
        with self._write(bump=False) as (conn, _rev):
            cursor = conn.execute("INSERT INTO imports(origin, owner, started) VALUES (?, ?, ?)",
                                  (origin, _owner(), _now()))
            return int(cursor.lastrowid or 0)

    def _end_import(self, import_id: int) -> None:
        with self._write(bump=False) as (conn, _rev):
            conn.execute("DELETE FROM import_undo WHERE import_id=?", (import_id,))
            conn.execute("DELETE FROM imports WHERE id=?", (import_id,))

    def _undo_import(self, import_id: int) -> None:
        """Roll an import back from its journal, newest change first, in one transaction.

        If even that fails (a full disk), the journal stays and the next open finishes it.
        """
        # On failure the caller raises the import's own error; the next open retries the undo.
        with suppress(StoreError), self._write(bump=False) as (conn, _rev):
            journalled = conn.execute("SELECT count(*) FROM import_undo WHERE import_id=?",
                                      (import_id,)).fetchone()[0]
            if journalled:
                rev = _bump(conn)
                entries = conn.execute(
                    "SELECT kind, pid, data FROM import_undo WHERE import_id=? "
                    "ORDER BY seq DESC", (import_id,)).fetchall()
                for kind, pid, data in entries:
                    self._undo_one(conn, kind, pid, json.loads(data) if data else None, rev)
                conn.execute("DELETE FROM import_undo WHERE import_id=?", (import_id,))
            conn.execute("DELETE FROM imports WHERE id=?", (import_id,))

    def _undo_one(self, conn: sqlite3.Connection, kind: str, pid: int, data: Any, rev: int
                  ) -> None:
        if kind == "insert":
            conn.execute("DELETE FROM papers WHERE pid=?", (pid,))
            conn.execute("INSERT OR REPLACE INTO removed(pid, rev) VALUES (?, ?)", (pid, rev))
        elif kind == "update":
            sets = ", ".join(f"{k}=?" for k in data)
            conn.execute(f"UPDATE papers SET {sets}, rev=? WHERE pid=?",
                         (*data.values(), rev, pid))
        elif kind == "source":
            conn.execute("DELETE FROM paper_sources WHERE pid=? AND source=? AND origin=?",
                         (pid, *data))
        elif kind == "absorb":
            row = {**data["row"], "rev": rev}
            conn.execute(f"INSERT OR REPLACE INTO papers ({', '.join(row)}) "
                         f"VALUES ({','.join('?' * len(row))})", tuple(row.values()))
            conn.execute("DELETE FROM removed WHERE pid=?", (pid,))
            into = int(data["into"])
            for source, origin, first_seen in data["sources"]:
                moved = conn.execute(
                    "UPDATE OR IGNORE paper_sources SET pid=? WHERE pid=? AND source=? "
                    "AND origin=?", (pid, into, source, origin)).rowcount
                if not moved:
                    conn.execute("INSERT OR IGNORE INTO paper_sources(pid, source, origin, "
                                 "first_seen) VALUES (?, ?, ?, ?)",
                                 (pid, source, origin, first_seen))
            self._put_annotations(conn, {
                into: Annotation.model_validate(data["into_annotation"]),
                pid: Annotation.model_validate(data["annotation"])}, rev)

    def _recover_imports(self) -> None:
        """Roll back imports whose process died mid-way (they left their journal behind)."""
        rows = self._conn.execute("SELECT id, owner FROM imports").fetchall()
        for import_id, owner in rows:
            if not _alive(str(owner)):
                self._undo_import(int(import_id))

    def _load_batch(self, conn: sqlite3.Connection, batch: list[PaperRecord],
                    titles: list[str]) -> _Batch:
        ids = sorted({r.arxiv_id for r in batch if r.arxiv_id})
        keys = sorted(set(titles))
        dois = sorted({doi_key(r.doi) for r in batch if r.doi})
        rows: dict[int, dict[str, Any]] = {}
        for column, values in (("arxiv_id", ids), ("title_key", keys), ("lower(doi)", dois)):
            for chunk in _chunks(values):
                marks = ",".join("?" * len(chunk))
                for row in conn.execute(
                    f"SELECT * FROM papers WHERE {column} IN ({marks})", tuple(chunk)
                ):
                    rows[row["pid"]] = dict(row)
        state = _Batch(rows, {}, {}, {})
        for pid in sorted(rows):
            self._remember(state, rows[pid])
        state.free_checked = {short_id_for(key) for key in keys if key}
        for chunk in _chunks(sorted(state.free_checked)):
            state.taken.update(r[0] for r in conn.execute(
                f"SELECT short_id FROM papers WHERE short_id IN ({','.join('?' * len(chunk))})",
                tuple(chunk)))
        return state

    @staticmethod
    def _remember(state: _Batch, row: dict[str, Any], evidence: _Evidence | None = None) -> None:
        state.rows[row["pid"]] = row
        state.evidence[row["pid"]] = _Evidence.of_row(row) if evidence is None else evidence
        if row["arxiv_id"]:
            state.by_arxiv[row["arxiv_id"]] = row["pid"]
        if row.get("doi"):
            state.by_doi.setdefault(doi_key(row["doi"]), row["pid"])
        pids = state.by_key.setdefault(row["title_key"], [])
        if row["pid"] not in pids:
            pids.append(row["pid"])

    @staticmethod
    def _identify(state: _Batch, record: PaperRecord, key: str, evidence: _Evidence
                  ) -> int | None:
        """The paper this record describes: by arXiv id, then DOI, then title with no evidence
        against it (first author and year, venue, other ids); a bare title matches by title."""
        if record.arxiv_id and (pid := state.by_arxiv.get(record.arxiv_id)) is not None:
            return pid
        if record.doi and (pid := state.by_doi.get(doi_key(record.doi))) is not None:
            row = state.rows[pid]
            if not (record.arxiv_id and row["arxiv_id"]):  # two arXiv ids are two papers
                return pid
        for pid in state.by_key.get(key, []):
            if evidence.conflicts(state.evidence[pid]) is None:
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
            evidence = _Evidence.of_record(record)
            pid = self._identify(state, record, key, evidence)
            values = record_columns(record)
            values["title_key"] = key
            if record.arxiv_id:
                values["arxiv_id"] = record.arxiv_id
            if pid is None:
                row = self._insert(conn, state, values, key, now, rev,
                                   fixed[index] if fixed is not None else None)
                summary.added += 1
                if self._journal is not None:
                    self._journal.add("insert", row["pid"])
                # A new row holds exactly the record's values, so its evidence is the record's.
                self._remember(state, row, evidence)
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
                "INSERT OR IGNORE INTO paper_sources(pid, source, origin, first_seen) "
                "VALUES (?, ?, ?, ?)",
                (row["pid"], source, summary.path, now),
            ).rowcount
            if added and self._journal is not None:
                self._journal.add("source", row["pid"], [source, summary.path])
        state.flush_sources(conn)

    def _absorb_same(self, conn: sqlite3.Connection, state: _Batch, row: dict[str, Any],
                     key: str, rev: int) -> None:
        """Papers known only by this title, with nothing against the now identified paper, are
        the same paper: fold them in (their annotations are kept)."""
        evidence = _Evidence.of_row(row)
        for other in list(state.by_key.get(key, [])):
            other_row = state.rows[other]
            if other == row["pid"] or other_row["arxiv_id"]:
                continue
            if evidence.conflicts(state.evidence[other]) is None:
                state.flush_sources(conn)  # the absorb moves (and journals) the sources
                self._absorb(conn, into=row["pid"], other=other, rev=rev)
                state.by_key[key].remove(other)
                state.rows.pop(other)
                state.evidence.pop(other, None)
                if other_row.get("doi"):
                    state.by_doi.pop(doi_key(other_row["doi"]), None)

    @staticmethod
    def _insert(
        conn: sqlite3.Connection, state: _Batch, values: dict[str, Any], key: str, now: str,
        rev: int, fixed: Mapping[str, Any] | None = None
    ) -> dict[str, Any]:
        short = short_id_for(key)
        wanted = fixed.get("short_id") if fixed else None
        if wanted and wanted not in state.taken and not conn.execute(
                "SELECT 1 FROM papers WHERE short_id=?", (wanted,)).fetchone():
            short = wanted  # a carried library keeps its short ids where they are free
        elif short not in state.free_checked or short in state.taken:
            short = _free_short_id(conn, key, values)  # not known free: ask the library
        state.taken.add(short)
        added = fixed.get("added") if fixed else None
        values = {**values, "short_id": short, "added": added or now, "rev": rev}
        columns = ", ".join(values)
        marks = ",".join("?" * len(values))
        cursor = conn.execute(
            f"INSERT INTO papers ({columns}) VALUES ({marks})", tuple(values.values())
        )
        row = dict.fromkeys(("arxiv_id", *SCALAR_FIELDS, *LIST_FIELDS))
        row.update(values)
        row["pid"] = cursor.lastrowid
        return row

    def _absorb(self, conn: sqlite3.Connection, into: int, other: int, rev: int) -> None:
        """Fold paper ``other`` into ``into``: sources and annotations move, nothing is lost."""
        merged = self._annotations(conn, [into, other])
        a, b = merged.get(into, Annotation()), merged.get(other, Annotation())
        if self._journal is not None:
            self._journal.add("absorb", other, {
                "into": into,
                "row": dict(conn.execute("SELECT * FROM papers WHERE pid=?", (other,)).fetchone()),
                "sources": [list(r) for r in conn.execute(
                    "SELECT source, origin, first_seen FROM paper_sources WHERE pid=?",
                    (other,))],
                "into_annotation": a.model_dump(mode="json"),
                "annotation": b.model_dump(mode="json"),
            })
        joined = Annotation(
            bookmarked=a.bookmarked or b.bookmarked,
            read=a.read or b.read,
            tags=sorted(set(a.tags) | set(b.tags)),
            note="\n\n".join(n for n in (a.note, b.note) if n),
            read_at=a.read_at or b.read_at,
            bookmarked_at=a.bookmarked_at or b.bookmarked_at,
        )
        conn.execute(
            "UPDATE OR IGNORE paper_sources SET pid=? WHERE pid=?", (into, other)
        )
        conn.execute("DELETE FROM papers WHERE pid=?", (other,))
        conn.execute("INSERT OR REPLACE INTO removed(pid, rev) VALUES (?, ?)", (other, rev))
        self._put_annotations(conn, {into: joined}, rev)

    # -- feeds -----------------------------------------------------------------------------

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
                added = [int(r[0]) for r in conn.execute(
                    "SELECT pid FROM papers WHERE pid > ? ORDER BY pid", (top,))]
                conn.executemany("INSERT OR IGNORE INTO fresh(pid, rev) VALUES (?, ?)",
                                 [(pid, rev) for pid in added])
                if tag:
                    conn.executemany("INSERT OR IGNORE INTO tags(pid, tag, added) VALUES (?, ?, ?)",
                                     [(pid, tag, now) for pid in added])
                self._put_meta(conn, meta or {})
                if dry_run:
                    raise _DryRun
        except _DryRun:
            pass
        return added

    @staticmethod
    def _put_meta(conn: sqlite3.Connection, values: Mapping[str, str]) -> None:
        conn.executemany(
            "INSERT INTO meta(key, value) VALUES (?, ?) "
            "ON CONFLICT(key) DO UPDATE SET value=excluded.value", list(values.items()))

    def get_meta(self, key: str) -> str | None:
        """A value kept in the library's meta table (sync cursors, HTTP validators), or ``None``."""
        rows = self._read("SELECT value FROM meta WHERE key = ?", (key,))
        return str(rows[0][0]) if rows else None

    def set_meta(self, values: Mapping[str, str]) -> None:
        """Write meta values in one transaction."""
        with self._write() as (conn, _rev):
            self._put_meta(conn, values)

    def fresh_pids(self) -> set[int]:
        """Papers a sync brought that have not been opened yet (the reader's "new" mark)."""
        return {int(r[0]) for r in self._read("SELECT pid FROM fresh")}

    def mark_seen(self, pids: Sequence[int]) -> None:
        """Drop the "new" mark of these papers."""
        with self._write() as (conn, _rev):
            for chunk in _chunks(list(pids)):
                conn.execute(f"DELETE FROM fresh WHERE pid IN ({','.join('?' * len(chunk))})",
                             tuple(chunk))

    def record_watch(self, rule: str, pids: Sequence[int], tag: str | None) -> None:
        """Remember that watch rule ``rule`` caught these papers, and tag them (one transaction)."""
        now = _now()
        with self._write() as (conn, rev):
            conn.executemany(
                "INSERT OR IGNORE INTO watch_hits(rule, pid, hit_at) VALUES (?, ?, ?)",
                [(rule, pid, now) for pid in pids])
            if tag:
                conn.executemany("INSERT OR IGNORE INTO tags(pid, tag, added) VALUES (?, ?, ?)",
                                 [(pid, tag, now) for pid in pids])
                for chunk in _chunks(list(pids)):
                    conn.execute(
                        f"UPDATE papers SET rev=? WHERE pid IN ({','.join('?' * len(chunk))})",
                        (rev, *chunk))

    def watch_hits(self, since: str | None = None) -> list[tuple[str, int, str]]:
        """``(rule, pid, hit_at)`` of every watch-rule hit after ``since`` (ISO time), oldest first."""
        rows = self._read(
            "SELECT rule, pid, hit_at FROM watch_hits WHERE hit_at > ? ORDER BY hit_at, rule, pid",
            (since or "",))
        return [(str(r[0]), int(r[1]), str(r[2])) for r in rows]

    # -- reading papers --------------------------------------------------------------------

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
                tags = _grouped(conn, f"SELECT pid, tag FROM tags WHERE pid IN ({marks}) "
                                     "ORDER BY tag", chunk)
                sources = _grouped(
                    conn,
                    f"SELECT DISTINCT pid, source FROM paper_sources WHERE pid IN ({marks}) "
                    "ORDER BY source", chunk)
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
            "WHERE arxiv_id = ? OR short_id = ?", (text, text))
        if not rows and text:
            like = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            rows = self._read(
                "SELECT pid, coalesce(arxiv_id, short_id) AS id, title FROM papers "
                "WHERE arxiv_id LIKE ? ESCAPE '\\' OR short_id LIKE ? ESCAPE '\\' LIMIT 6",
                (like, like))
        if not rows:
            raise PaperNotFoundError(f"no paper has the id {ident!r}")
        if len(rows) > 1:
            names = ", ".join(row["id"] for row in rows[:5])
            raise AmbiguousIdError(f"the id {ident!r} matches several papers: {names}")
        return int(rows[0]["pid"])

    def all_pids(self, unread: bool = False, bookmarked: bool = False,
                 limit: int | None = None) -> list[int]:
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
            + (f" LIMIT {int(limit)}" if limit is not None else ""))
        return [int(row[0]) for row in rows]

    def index_rows(self, since_rev: int = 0, batch: int = 2000) -> Iterator[list[sqlite3.Row]]:
        """Papers changed after ``since_rev``, with what the search index needs, in batches.

        Read through a connection of its own (WAL lets it run beside writers), streamed, so
        indexing 100,000 papers neither holds every abstract in memory nor blocks the UI's writes.
        """
        sql = (
            "SELECT p.pid, p.arxiv_id, p.short_id, p.title, p.abstract, p.author_count,"
            " (SELECT group_concat(value, ' ') FROM json_each(p.authors)) AS authors_text,"
            " (SELECT group_concat(value, ' ') FROM json_each(p.keywords)) AS keywords_text,"
            " p.org_name, p.org_handle, p.published, p.upvotes, p.added, p.rev, p.github_repo,"
            " coalesce(a.bookmarked, 0) AS bookmarked, coalesce(a.read, 0) AS read,"
            " coalesce(a.note, '') AS note,"
            " (SELECT group_concat(tag, ' ') FROM tags t WHERE t.pid = p.pid) AS tags,"
            " (SELECT group_concat(DISTINCT source) FROM paper_sources s WHERE s.pid = p.pid)"
            "   AS sources"
            " FROM papers p LEFT JOIN annotations a ON a.pid = p.pid WHERE p.rev > ?"
            " ORDER BY p.pid"
        )
        try:
            reader = self._open_reader()
        except sqlite3.Error as error:
            self._check_present("read the library")
            raise library_error(self.path, "read the library", error) from error
        try:
            cursor = reader.execute(sql, (since_rev,))
            while rows := cursor.fetchmany(batch):
                yield rows
        except sqlite3.Error as error:
            self._check_present("read the library")
            raise library_error(self.path, "read the library", error) from error
        finally:
            reader.close()

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

    # -- annotations -----------------------------------------------------------------------

    def _annotations(self, conn: sqlite3.Connection, pids: Sequence[int]) -> dict[int, Annotation]:
        out: dict[int, Annotation] = {}
        for chunk in _chunks(list(pids)):
            marks = ",".join("?" * len(chunk))
            tags: dict[int, list[str]] = {}
            for pid, tag in conn.execute(
                f"SELECT pid, tag FROM tags WHERE pid IN ({marks}) ORDER BY tag", tuple(chunk)
            ):
                tags.setdefault(pid, []).append(tag)
            rows = {r["pid"]: r for r in conn.execute(
                f"SELECT * FROM annotations WHERE pid IN ({marks})", tuple(chunk))}
            for pid in chunk:
                row = rows.get(pid)
                out[pid] = Annotation(
                    bookmarked=bool(row["bookmarked"]) if row else False,
                    read=bool(row["read"]) if row else False,
                    note=row["note"] if row else "",
                    read_at=row["read_at"] if row else None,
                    bookmarked_at=row["bookmarked_at"] if row else None,
                    tags=tags.get(pid, []),
                )
        return out

    def annotations(self, pids: Sequence[int]) -> dict[int, Annotation]:
        """The current annotations of these papers (a snapshot usable for undo)."""
        with self._reader() as conn:
            return self._annotations(conn, pids)

    def _put_annotations(
        self, conn: sqlite3.Connection, values: dict[int, Annotation], rev: int
    ) -> None:
        now = _now()
        # Each aspect that changes gets a new change time (schema v8), which is what a carried
        # library's import compares (newer change wins); an unchanged aspect keeps its time.
        changed_at = datetime.now(UTC).isoformat()
        before = self._annotations(conn, list(values))
        stamps = annotation_stamps(conn, list(values))
        for pid, ann in values.items():
            old = before[pid]
            stamp = dict(zip(STAMP_COLUMNS, stamps.get(pid, (None,) * 4), strict=True))
            for column, differs in (
                    ("bookmark_changed", old.bookmarked != ann.bookmarked),
                    ("read_changed", old.read != ann.read),
                    ("tags_changed", sorted(old.tags) != sorted(ann.tags)),
                    ("note_changed", old.note != ann.note)):
                if differs:
                    stamp[column] = changed_at
            conn.execute(
                "INSERT INTO annotations(pid, bookmarked, read, note, read_at, bookmarked_at, "
                "bookmark_changed, read_changed, tags_changed, note_changed) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(pid) DO UPDATE SET "
                "bookmarked=excluded.bookmarked, read=excluded.read, note=excluded.note, "
                "read_at=excluded.read_at, bookmarked_at=excluded.bookmarked_at, "
                "bookmark_changed=excluded.bookmark_changed, read_changed=excluded.read_changed, "
                "tags_changed=excluded.tags_changed, note_changed=excluded.note_changed",
                (pid, int(ann.bookmarked), int(ann.read), ann.note,
                 ann.read_at.isoformat() if ann.read_at else None,
                 ann.bookmarked_at.isoformat() if ann.bookmarked_at else None,
                 *(stamp[c] for c in STAMP_COLUMNS)),
            )
            if ann.read:  # a paper read is a paper seen: it is no longer new
                conn.execute("DELETE FROM fresh WHERE pid=?", (pid,))
            # Tags that stay keep the time they were added; gone ones go, new ones are stamped.
            conn.executemany("DELETE FROM tags WHERE pid=? AND tag=?",
                             [(pid, tag) for tag in set(old.tags) - set(ann.tags)])
            conn.executemany(
                "INSERT OR IGNORE INTO tags(pid, tag, added) VALUES (?, ?, ?)",
                [(pid, tag, now) for tag in ann.tags],
            )
            conn.execute("UPDATE papers SET rev=? WHERE pid=?", (rev, pid))

    def update_annotations(
        self, pids: Sequence[int], change: Callable[[Annotation], Annotation]
    ) -> dict[int, Annotation]:
        """Apply ``change`` to each paper's annotation in one transaction; return the old ones."""
        with self._write() as (conn, rev):
            known = {r[0] for chunk in _chunks(list(pids)) for r in conn.execute(
                f"SELECT pid FROM papers WHERE pid IN ({','.join('?' * len(chunk))})",
                tuple(chunk))}
            missing = [p for p in pids if p not in known]
            if missing:
                raise PaperNotFoundError(f"no paper with internal id {missing[0]}")
            before = self._annotations(conn, pids)
            self._put_annotations(conn, {p: change(a) for p, a in before.items()}, rev)
        return before

    def restore_annotations(self, values: dict[int, Annotation]) -> None:
        """Put back annotations exactly as given (undo and redo), skipping removed papers."""
        with self._write() as (conn, rev):
            present = {r[0] for chunk in _chunks(list(values)) for r in conn.execute(
                f"SELECT pid FROM papers WHERE pid IN ({','.join('?' * len(chunk))})",
                tuple(chunk))}
            self._put_annotations(
                conn, {p: a for p, a in values.items() if p in present}, rev
            )

    def change_each(
        self, changes: Mapping[int, Callable[[Annotation], Annotation]]
    ) -> dict[int, Annotation]:
        """Apply each paper's own change to its current annotation, in one transaction.

        For undo and redo: each change is worked out against what the library holds now, so
        edits made meanwhile (another process, another step) are kept. Removed papers are
        skipped. Returns the annotations as they were.
        """
        with self._write() as (conn, rev):
            present = [r[0] for chunk in _chunks(list(changes)) for r in conn.execute(
                f"SELECT pid FROM papers WHERE pid IN ({','.join('?' * len(chunk))})",
                tuple(chunk))]
            before = self._annotations(conn, present)
            self._put_annotations(conn, {p: changes[p](a) for p, a in before.items()}, rev)
        return before

    def set_bookmarked(self, pids: Sequence[int], value: bool) -> dict[int, Annotation]:
        """Bookmark or unbookmark papers; returns the annotations as they were."""
        stamp = datetime.now(UTC) if value else None
        return self.update_annotations(
            pids, lambda a: a.model_copy(update={"bookmarked": value, "bookmarked_at": stamp})
        )

    def set_read(self, pids: Sequence[int], value: bool) -> dict[int, Annotation]:
        """Mark papers read or unread; returns the annotations as they were."""
        stamp = datetime.now(UTC) if value else None
        return self.update_annotations(
            pids, lambda a: a.model_copy(update={"read": value, "read_at": stamp})
        )

    def add_tags(self, pids: Sequence[int], tags: Iterable[str]) -> dict[int, Annotation]:
        """Add tags to papers (tags are normalised); returns the annotations as they were."""
        new = {normalise_tag(t) for t in tags}
        return self.update_annotations(
            pids, lambda a: a.model_copy(update={"tags": sorted(set(a.tags) | new)})
        )

    def remove_tags(self, pids: Sequence[int], tags: Iterable[str]) -> dict[int, Annotation]:
        """Remove tags from papers; returns the annotations as they were."""
        gone = {normalise_tag(t) for t in tags}
        return self.update_annotations(
            pids, lambda a: a.model_copy(update={"tags": sorted(set(a.tags) - gone)})
        )

    def set_note(self, pid: int, text: str) -> dict[int, Annotation]:
        """Replace a paper's note; returns the annotation as it was."""
        return self.update_annotations([pid], lambda a: a.model_copy(update={"note": text}))

    def view_counts(self) -> dict[str, int]:
        """How many papers the Inbox (``unread``), ``all`` and ``bookmarked`` views hold.

        Three COUNT queries in one statement (annotations are rows only for annotated papers),
        for the reader's sidebar; it runs them off the UI thread after each change.
        """
        total, read, bookmarked = self._read(
            "SELECT (SELECT count(*) FROM papers), "
            "(SELECT count(*) FROM annotations WHERE read = 1), "
            "(SELECT count(*) FROM annotations WHERE bookmarked = 1)")[0]
        return {"unread": int(total) - int(read), "all": int(total),
                "bookmarked": int(bookmarked)}

    def tag_counts(self) -> list[tuple[str, int]]:
        """Every tag with how many papers carry it, most used first."""
        rows = self._read("SELECT tag, count(*) FROM tags GROUP BY tag ORDER BY count(*) DESC, tag")
        return [(str(r[0]), int(r[1])) for r in rows]

    def remove(self, pids: Sequence[int]) -> int:
        """Delete papers and their annotations; returns how many were removed."""
        with self._write() as (conn, rev):
            removed = 0
            for pid in pids:
                removed += conn.execute("DELETE FROM papers WHERE pid=?", (pid,)).rowcount
                conn.execute("INSERT OR REPLACE INTO removed(pid, rev) VALUES (?, ?)", (pid, rev))
        return removed


def _use_wal(conn: sqlite3.Connection, patience: float = 10.0) -> str:
    """Switch to WAL (once per file) and return the journal mode in use.

    Switching takes an exclusive lock and SQLite does not always wait for it (several processes
    opening a brand-new library at once get "database is locked"), so it is retried here.
    """
    deadline = time.monotonic() + patience
    while True:
        try:
            mode = str(conn.execute("PRAGMA journal_mode").fetchone()[0])
            if mode.lower() == "wal":
                return mode
            return str(conn.execute("PRAGMA journal_mode = WAL").fetchone()[0])
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() > deadline:
                raise
            time.sleep(0.02)


def _bump(conn: sqlite3.Connection) -> int:
    """Take the next change number (inside a write transaction)."""
    rev = int(conn.execute("SELECT value FROM meta WHERE key='rev'").fetchone()[0]) + 1
    conn.execute("UPDATE meta SET value=? WHERE key='rev'", (str(rev),))
    return rev


def _owner() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _alive(owner: str) -> bool:
    """Whether the process that wrote ``owner`` still runs (another host's: assume it does)."""
    host, _, pid = owner.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return True
    if int(pid) == os.getpid():
        return True  # another Library of this process may be importing right now
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # it exists but belongs to someone else
    return True


class _Journal:
    """What one import batch changed, written in the batch's own transaction."""

    def __init__(self, import_id: int) -> None:
        self.import_id = import_id
        self.entries: list[tuple[int, str, int, str | None]] = []

    def add(self, kind: str, pid: int, data: Any = None) -> None:
        """Remember a change and how to undo it."""
        self.entries.append((self.import_id, kind, pid,
                             None if data is None else json.dumps(data, ensure_ascii=False)))

    def flush(self, conn: sqlite3.Connection) -> None:
        """Write the entries (before the batch commits)."""
        conn.executemany("INSERT INTO import_undo(import_id, kind, pid, data) VALUES (?, ?, ?, ?)",
                         self.entries)
        self.entries.clear()


def _grouped(conn: sqlite3.Connection, sql: str, params: Sequence[Any]) -> dict[int, list[str]]:
    out: dict[int, list[str]] = {}
    for pid, value in conn.execute(sql, tuple(params)):
        out.setdefault(pid, []).append(value)
    return out


def _writable(path: Path) -> bool:
    return os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)


def _identity(path: Path) -> tuple[int, int]:
    stat = path.stat()
    return stat.st_dev, stat.st_ino


def _rollback(conn: sqlite3.Connection) -> None:
    """Roll back if a transaction is still open.

    SQLite rolls back by itself after some errors (a full disk, I/O errors); a second ROLLBACK
    would then raise "no transaction is active" and hide the real error.
    """
    if conn.in_transaction:
        # Any error here is secondary: the original one is what the user needs to see.
        with suppress(sqlite3.Error):
            conn.execute("ROLLBACK")


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


STAMP_COLUMNS = ("bookmark_changed", "read_changed", "tags_changed", "note_changed")


def annotation_stamps(conn: sqlite3.Connection, pids: Sequence[int]
                      ) -> dict[int, tuple[str | None, ...]]:
    """When each aspect of these papers' annotations last changed (``STAMP_COLUMNS`` order).

    Papers without an annotation row are left out; a ``None`` is "not since schema v8".
    """
    out: dict[int, tuple[str | None, ...]] = {}
    for chunk in _chunks(list(pids)):
        marks = ",".join("?" * len(chunk))
        for row in conn.execute(f"SELECT pid, {', '.join(STAMP_COLUMNS)} FROM annotations "
                                f"WHERE pid IN ({marks})", tuple(chunk)):
            out[int(row[0])] = tuple(row[1:])
    return out


def _paper_from_row(row: sqlite3.Row, tags: list[str], sources: list[str]) -> Paper:
    data: dict[str, Any] = {name: row[name] for name in SCALAR_FIELDS}
    for name in LIST_FIELDS:
        data[name] = json.loads(row[name] or "[]")
    annotation = Annotation(
        bookmarked=bool(row["bookmarked"]),  # NULL (no annotation row yet) is False
        read=bool(row["read"]),
        note=row["note"] or "",
        read_at=row["read_at"],
        bookmarked_at=row["bookmarked_at"],
        tags=tags,
    )
    return Paper(
        pid=row["pid"], arxiv_id=row["arxiv_id"], short_id=row["short_id"], added=row["added"],
        sources=sources, annotation=annotation, fresh=bool(row["fresh"]), **data,
    )
