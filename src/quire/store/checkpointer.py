"""Folding the write-ahead log into the library file on a thread of its own during an import.

SQLite folds the log into the file (a checkpoint) inside the commit that fills it past 1,000 pages,
so a long import waited for every checkpoint: at a million papers that was the largest part of its
time (new papers dirty pages all over the title, short id and date indexes, and each checkpoint
copies them and waits for the disk twice). While an import runs, its writer leaves checkpoints to
this thread, which runs one after each batch's commit while the next batch is being read and
parsed. The writer waits for it before its next transaction, so the log is always folded in whole
and starts over (it never grows past one batch), and every commit is as durable as before: the
checkpoint is the same one SQLite would have run, with the same syncs, on another connection.
"""

from __future__ import annotations

import sqlite3
import threading
from contextlib import suppress
from pathlib import Path


class Checkpointer:
    """One background thread with its own connection that checkpoints when asked."""

    def __init__(self, path: Path) -> None:
        # Opened here so a failure is the caller's to see (it then keeps SQLite's own checkpoints).
        self._conn = sqlite3.connect(path, timeout=10.0, isolation_level=None, check_same_thread=False)
        self._asked = threading.Event()
        self._done = threading.Event()
        self._done.set()
        self._stopping = False
        self._thread = threading.Thread(target=self._run, name="quire-checkpoint", daemon=True)
        self._thread.start()

    def start_checkpoint(self) -> None:
        """Begin folding what was committed so far into the file (returns at once)."""
        self._done.clear()
        self._asked.set()

    def wait(self) -> None:
        """Return once the checkpoint asked for last has finished."""
        self._done.wait()

    def close(self) -> None:
        """Finish the checkpoint under way, stop the thread and close its connection."""
        self._stopping = True
        self._asked.set()
        self._thread.join()
        self._conn.close()

    def _run(self) -> None:
        while True:
            self._asked.wait()
            self._asked.clear()
            if self._stopping:
                self._done.set()
                return
            # PASSIVE never waits for or blocks readers and writers. A checkpoint that fails (a
            # busy reader elsewhere) leaves the log to the next one; nothing committed is at stake.
            with suppress(sqlite3.Error):
                self._conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
            self._done.set()
