"""What can go wrong with the library, as exceptions whose messages name the file.

They are part of quire's one error model (``quire.errors``): ``StoreError`` is ``LibraryError``,
and raw ``sqlite3`` errors are turned into its subtypes by ``library_error``.
"""

from __future__ import annotations

from pathlib import Path

from quire.errors import (
    CorruptError,
    DiskFullError,
    LibraryError,
    LockedError,
    MissingError,
    NotFoundError,
    ReadOnlyError,
)

StoreError = LibraryError

__all__ = [
    "AmbiguousIdError",
    "CorruptError",
    "DiskFullError",
    "LockedError",
    "MissingError",
    "PaperNotFoundError",
    "ReadOnlyError",
    "SchemaTooNewError",
    "StoreError",
    "library_error",
]

# Primary SQLite result codes (the low byte of extended codes).
_PERM, _BUSY, _LOCKED, _READONLY, _IOERR, _CORRUPT, _FULL, _CANTOPEN, _NOTADB = (
    3,
    5,
    6,
    8,
    10,
    11,
    13,
    14,
    26,
)


class PaperNotFoundError(StoreError, NotFoundError):
    """No paper has that id."""


class AmbiguousIdError(StoreError, NotFoundError):
    """An id prefix matches more than one paper."""


class SchemaTooNewError(StoreError):
    """The database was written by a newer quire; it is left untouched."""


def library_error(path: Path, doing: str, error: BaseException) -> StoreError:
    """The error model's view of a failed SQLite call: which file, what was being done, and why.

    ``doing`` is a short phrase such as ``"write the library"``.
    """
    if isinstance(error, StoreError):
        return error
    code = getattr(error, "sqlite_errorcode", None)
    primary = code & 0xFF if isinstance(code, int) else None
    text = str(error)
    if isinstance(error, OSError) and error.strerror:
        text = error.strerror
    lowered = text.casefold()
    if primary == _FULL or "disk is full" in lowered or "no space left" in lowered:
        return DiskFullError(
            f"{path}: cannot {doing}: the disk is full; free some space and try again (nothing was changed)"
        )
    if primary in (_BUSY, _LOCKED) or "database is locked" in lowered:
        return LockedError(
            f"{path}: cannot {doing}: the library is busy (another quire process "
            "is writing it, e.g. a long import); try again in a moment"
        )
    if primary in (_CORRUPT, _NOTADB) or "malformed" in lowered or "not a database" in lowered:
        return CorruptError(
            f"{path}: cannot {doing}: the library file is damaged ({text}); "
            "run `quire doctor` for how to recover"
        )
    if not path.exists():
        return MissingError(
            f"{path}: cannot {doing}: the library file is gone (deleted or "
            "moved); restart quire to open a new one"
        )
    if (
        primary in (_READONLY, _PERM)
        or "readonly" in lowered
        or "read-only" in lowered
        or isinstance(error, PermissionError)
    ):
        return ReadOnlyError(
            f"{path}: cannot {doing}: the library or its folder is read-only "
            "(check its permissions); reading still works"
        )
    if primary == _CANTOPEN:
        return StoreError(
            f"{path}: cannot {doing}: the file cannot be opened ({text}); "
            "check that its folder exists and is writable"
        )
    return StoreError(f"{path}: cannot {doing}: {text}")
