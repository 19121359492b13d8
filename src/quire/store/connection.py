"""The library's connections and transactions: opening (and migrating) the file, the writer and
its lock, the pool of read-only readers, the change counter, checkpoints and backups.

Writes are transactions (``BEGIN IMMEDIATE``): an import that fails part-way adds nothing. Every
write bumps a change counter (``meta.rev``) and stamps the rows it touched, so the search index
can catch up with only what changed, even when another ``quire`` process made the change.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self

from quire.store.errors import (
    MissingError,
    ReadOnlyError,
    StoreError,
    library_error,
)
from quire.store.schema import SCHEMA_VERSION, check_version, migrate

if TYPE_CHECKING:
    from quire.store.checkpointer import Checkpointer
    from quire.store.journal import _Journal


_SQL_CHUNK = 500
_CANTOPEN = 14  # SQLite's primary result code for "unable to open database file"
WAL_NEEDS_SHARED_MEMORY = (
    "it uses a write-ahead log (WAL), which needs memory shared between processes, and this "
    "file system offers none (a network share?); move its folder to a local disk, or there run "
    "`sqlite3 library.sqlite3 'PRAGMA journal_mode=DELETE'` once so it can live here"
)
_READERS = 4  # read connections kept open for reuse


def _now() -> str:
    # Full precision: "added" orders papers imported within the same second too.
    return datetime.now(UTC).isoformat(timespec="microseconds")


def _chunks(items: Sequence[Any], size: int = _SQL_CHUNK) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class LibraryConnection:
    """The library file's connections: one writer behind a lock, a pool of read-only readers.

    Every layer of ``Library`` reads and writes through ``_reader``/``_read`` and ``_write``.
    """

    def __init__(self, path: Path | str, read_only: bool | None = None) -> None:
        self.path = Path(path)
        self._lock = threading.RLock()
        self._readers: list[sqlite3.Connection] = []
        self._closed = False
        self._journal: _Journal | None = None  # set while an import batch is being merged
        self._imports_running = 0  # imports under way (they enlarge the writer's page cache)
        self._cache_before = 0  # the writer's page cache size before they did
        self._checkpointer: Checkpointer | None = None  # checkpoints while imports run
        self._identity: tuple[int, int] | None = None
        # "wal", or "delete" where the file system cannot share memory (see below)
        self.journal_mode = "wal"
        if read_only is None:
            read_only = self.path.exists() and not _writable(self.path)
        self.read_only = read_only
        try:
            if read_only:
                self._conn = self._open_reader()
                self.journal_mode = journal_in_header(self.path) or "delete"
                self.migrated_from = check_version(self._conn, str(self.path))
                if self.migrated_from < SCHEMA_VERSION:
                    raise ReadOnlyError(
                        f"{self.path}: the library needs an upgrade to schema {SCHEMA_VERSION} "
                        "but it is read-only; open it once with write access"
                    )
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
                    # SQLite keeps the old mode when the file system cannot share memory
                    # between processes (macOS picks such a lock style on NFS and AFP shares).
                    # Ask for a rollback journal by name so commits stay atomic whatever this
                    # SQLite's default is; readers then wait while a writer commits, which
                    # `quire doctor` tells the user (the file header says "rollback").
                    mode = str(self._conn.execute("PRAGMA journal_mode = DELETE").fetchone()[0])
                self.journal_mode = mode.lower()
                self._conn.execute("PRAGMA synchronous = NORMAL")
                self.migrated_from = migrate(self._conn, str(self.path))
                self._recover_imports()
            self._identity = _identity(self.path)
        except (sqlite3.Error, OSError) as error:
            if wal_without_shared_memory(self.path, error):
                raise StoreError(
                    f"{self.path}: cannot open the library: {WAL_NEEDS_SHARED_MEMORY}"
                ) from error
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

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def reader_uri(self) -> str:
        """The URI of a read-only connection to the library (the index build's workers, other
        processes, read through it too)."""
        uri = self.path.resolve().as_uri() + "?mode=ro"
        if not os.access(self.path.parent, os.W_OK) or (
            self.read_only and not Path(f"{self.path}-shm").exists()
        ):
            # A read-only folder cannot hold WAL's shared-memory file; nobody can write there
            # either, so the file is read as immutable.
            uri += "&immutable=1"
        return uri

    def _open_reader(self) -> sqlite3.Connection:
        conn = sqlite3.connect(
            self.reader_uri(), uri=True, timeout=10.0, isolation_level=None, check_same_thread=False
        )
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
            raise MissingError(
                f"{self.path}: cannot {doing}: the library file was deleted or "
                "replaced while quire was running; restart quire"
            )

    @contextmanager
    def _write(self, bump: bool = True) -> Iterator[tuple[sqlite3.Connection, int]]:
        """One write transaction with a fresh change number; rolled back on any error.

        ``bump=False`` is for bookkeeping that readers need not notice (the number is then 0).
        """
        if self.read_only:
            raise ReadOnlyError(
                f"{self.path}: cannot write the library: it is read-only "
                "(check the permissions of the file and its folder)"
            )
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
                    self._conn.execute(
                        "INSERT OR IGNORE INTO meta(key, value) VALUES ('library_id', ?)", (uuid.uuid4().hex,)
                    )
                except sqlite3.Error:
                    return ""
            rows = self._read(query)
        return str(rows[0][0]) if rows else ""

    def count(self) -> int:
        """How many papers the library holds."""
        return int(self._read("SELECT count(*) FROM papers")[0][0])

    def _recover_imports(self) -> None:
        """Roll back imports a dead process left unfinished (the journal layer does it)."""


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


def journal_in_header(path: Path) -> str | None:
    """The journal a library file was last written with, from its header: "wal" or "delete".

    Bytes 18 and 19 of an SQLite file are 2 in WAL mode and 1 with a rollback journal; ``None``
    for a file that is missing, too short or not SQLite. Read without SQLite, so it works where
    SQLite cannot open a WAL file at all.
    """
    try:
        with path.open("rb") as handle:
            header = handle.read(20)
    except OSError:
        return None
    if len(header) < 20 or not header.startswith(b"SQLite format 3\0"):
        return None
    return "wal" if header[18] == 2 else "delete"


def wal_without_shared_memory(path: Path, error: BaseException) -> bool:
    """Whether ``error`` is SQLite failing to open a WAL library here for want of shared memory.

    SQLite then says only "unable to open database file", which would send the user looking at
    permissions; the file header says the library is in WAL mode.
    """
    code = getattr(error, "sqlite_errorcode", None)
    return (
        isinstance(error, sqlite3.Error)
        and isinstance(code, int)
        and code & 0xFF == _CANTOPEN
        and journal_in_header(path) == "wal"
    )


def _bump(conn: sqlite3.Connection) -> int:
    """Take the next change number (inside a write transaction)."""
    rev = int(conn.execute("SELECT value FROM meta WHERE key='rev'").fetchone()[0]) + 1
    conn.execute("UPDATE meta SET value=? WHERE key='rev'", (str(rev),))
    return rev


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
