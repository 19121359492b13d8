"""One error model for everything a user can cause or meet.

Every failure the user can fix (a bad file, a bad record, a bad query, a full disk, a locked,
corrupt, missing or read-only library, a bad config, bad usage) is a ``QuireError`` with a
one-line message naming the file and line, or the query column. The CLI prints the message and
exits with ``exit_code`` (1, or 2 for usage and config); the reader shows it as a notification and
keeps running. Anything else is a bug: the reader logs it with its traceback (``crash_log``).
"""

from __future__ import annotations

import traceback
from datetime import UTC, datetime
from pathlib import Path

from quire import __version__

_LOG_LIMIT = 1_000_000  # bytes kept in the error log


class QuireError(Exception):
    """A failure the user can understand and act on; ``str()`` is the one-line message."""

    exit_code = 1


class UsageError(QuireError):
    """The command line was wrong (missing argument, bad option)."""

    exit_code = 2


class BadFileError(QuireError):
    """A file could not be imported at all; nothing from it was kept."""


class BadRecordError(QuireError):
    """One record in a file is broken; the importer skips and counts it."""


class BadQueryError(QuireError):
    """A query could not be understood (the message names the column)."""


class NotFoundError(QuireError):
    """No paper matches the id given."""


class LibraryError(QuireError):
    """The library could not be read or written; the message says which file and why."""


class DiskFullError(LibraryError):
    """The disk (or the folder's quota) is full; the change was not saved."""


class LockedError(LibraryError):
    """Another process held the library for too long."""


class CorruptError(LibraryError):
    """The library file is damaged (``quire doctor`` says how to recover)."""


class MissingError(LibraryError):
    """The library file vanished (deleted or moved) while quire was running."""


class ReadOnlyError(LibraryError):
    """The library (or its folder) cannot be written; reading still works."""


def log_unexpected(error: BaseException, where: str = "") -> Path:
    """Append ``error`` with its traceback to the error log; return the log's path.

    Used at the reader's worker boundary: a bug must not close the reader, but its details must
    not be lost either. The log is trimmed so it never grows without bound.
    """
    from quire import locations

    path = locations.error_log()
    stamp = datetime.now(UTC).isoformat(timespec="seconds")
    text = "".join(traceback.format_exception(type(error), error, error.__traceback__))
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.exists() and path.stat().st_size > _LOG_LIMIT:
            path.write_text(
                path.read_text(encoding="utf-8", errors="replace")[-_LOG_LIMIT // 2 :], encoding="utf-8"
            )
        with path.open("a", encoding="utf-8") as handle:
            handle.write(f"--- {stamp} quire {__version__} {where}\n{text}\n")
    except OSError:
        pass  # nowhere to write: the notification still tells the user something went wrong
    return path
