"""Imports as units: each import is recorded with an undo journal of what its chunks changed,
and a failed, cancelled or crashed import is rolled back from it, newest change first.
"""

from __future__ import annotations

import json
import os
import socket
import sqlite3
from contextlib import suppress
from typing import Any

from quire.models import (
    Annotation,
)
from quire.store.annotating import LibraryAnnotations
from quire.store.connection import _bump, _now
from quire.store.errors import (
    StoreError,
)


class ImportJournal(LibraryAnnotations):
    """Begin, end, undo and recover imports (schema v6's ``imports`` and ``import_undo``)."""

    def _begin_import(self, origin: str) -> int:
        with self._write(bump=False) as (conn, _rev):
            cursor = conn.execute(
                "INSERT INTO imports(origin, owner, started) VALUES (?, ?, ?)", (origin, _owner(), _now())
            )
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
            journalled = conn.execute(
                "SELECT count(*) FROM import_undo WHERE import_id=?", (import_id,)
            ).fetchone()[0]
            if journalled:
                rev = _bump(conn)
                entries = conn.execute(
                    "SELECT kind, pid, data FROM import_undo WHERE import_id=? ORDER BY seq DESC",
                    (import_id,),
                ).fetchall()
                for kind, pid, data in entries:
                    self._undo_one(conn, kind, pid, json.loads(data) if data else None, rev)
                conn.execute("DELETE FROM import_undo WHERE import_id=?", (import_id,))
            conn.execute("DELETE FROM imports WHERE id=?", (import_id,))

    def _undo_one(self, conn: sqlite3.Connection, kind: str, pid: int, data: Any, rev: int) -> None:
        if kind == "insert":
            conn.execute("DELETE FROM papers WHERE pid=?", (pid,))
            conn.execute("INSERT OR REPLACE INTO removed(pid, rev) VALUES (?, ?)", (pid, rev))
        elif kind == "update":
            sets = ", ".join(f"{k}=?" for k in data)
            conn.execute(f"UPDATE papers SET {sets}, rev=? WHERE pid=?", (*data.values(), rev, pid))
        elif kind == "source":
            conn.execute("DELETE FROM paper_sources WHERE pid=? AND source=? AND origin=?", (pid, *data))
        elif kind == "annotation":  # a carried library's merge changed it (store/carry.py)
            conn.execute("DELETE FROM annotations WHERE pid=?", (pid,))
            if data["row"] is not None:
                row = data["row"]
                conn.execute(
                    f"INSERT INTO annotations ({', '.join(row)}) VALUES ({','.join('?' * len(row))})",
                    tuple(row.values()),
                )
            conn.execute("DELETE FROM tags WHERE pid=?", (pid,))
            conn.executemany(
                "INSERT INTO tags(pid, tag, added) VALUES (?, ?, ?)",
                [(pid, tag, added) for tag, added in data["tags"]],
            )
            if data["fresh"]:
                conn.execute("INSERT OR IGNORE INTO fresh(pid, rev) VALUES (?, ?)", (pid, rev))
            conn.execute("UPDATE papers SET rev=? WHERE pid=?", (rev, pid))
        elif kind == "absorb":
            row = {**data["row"], "rev": rev}
            conn.execute(
                f"INSERT OR REPLACE INTO papers ({', '.join(row)}) VALUES ({','.join('?' * len(row))})",
                tuple(row.values()),
            )
            conn.execute("DELETE FROM removed WHERE pid=?", (pid,))
            into = int(data["into"])
            for source, origin, first_seen in data["sources"]:
                moved = conn.execute(
                    "UPDATE OR IGNORE paper_sources SET pid=? WHERE pid=? AND source=? AND origin=?",
                    (pid, into, source, origin),
                ).rowcount
                if not moved:
                    conn.execute(
                        "INSERT OR IGNORE INTO paper_sources(pid, source, origin, "
                        "first_seen) VALUES (?, ?, ?, ?)",
                        (pid, source, origin, first_seen),
                    )
            self._put_annotations(
                conn,
                {
                    into: Annotation.model_validate(data["into_annotation"]),
                    pid: Annotation.model_validate(data["annotation"]),
                },
                rev,
            )

    def _recover_imports(self) -> None:
        """Roll back imports whose process died mid-way (they left their journal behind)."""
        rows = self._conn.execute("SELECT id, owner FROM imports").fetchall()
        for import_id, owner in rows:
            if not _alive(str(owner)):
                self._undo_import(int(import_id))


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
        self.entries.append(
            (self.import_id, kind, pid, None if data is None else json.dumps(data, ensure_ascii=False))
        )

    def flush(self, conn: sqlite3.Connection) -> None:
        """Write the entries (before the batch commits)."""
        conn.executemany(
            "INSERT INTO import_undo(import_id, kind, pid, data) VALUES (?, ?, ?, ?)", self.entries
        )
        self.entries.clear()
