"""The sync lock and the errors of a sync that cannot run at all.

A file lock beside the library keeps two syncs (two shells, or the reader and cron) from running at
once; the second one fails at once with ``SyncBusy`` and fetches nothing.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from quire.errors import QuireError
from quire.store import Library


class SyncError(QuireError):
    """A sync could not run at all (another one is running, an unknown feed name)."""


class SyncBusy(SyncError):
    """Another sync holds the lock."""


def lock_path(library: Library) -> Path:
    """The lock file of a library's syncs (beside the library file)."""
    return library.path.with_name(library.path.name + ".sync-lock")


@contextmanager
def sync_lock(library: Library) -> Iterator[None]:
    """Hold the library's sync lock, or raise ``SyncBusy`` at once if another sync holds it."""
    import fcntl

    path = lock_path(library)
    try:
        handle: IO[str] = path.open("a+", encoding="utf-8")
    except OSError as error:
        raise SyncError(
            f"{path}: cannot create the sync lock: {error.strerror or error}; nothing was fetched"
        ) from None
    try:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.seek(0)
            who = handle.read().strip()
            raise SyncBusy(
                "another sync is running"
                + (f" (process {who})" if who else "")
                + "; nothing was fetched, try again when it ends"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        try:
            yield
        finally:
            handle.seek(0)
            handle.truncate()
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
    finally:
        handle.close()
