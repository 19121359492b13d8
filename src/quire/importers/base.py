"""What every importer shares: the error type, the per-file context, and reading text safely."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from pydantic import ValidationError


class ImportFailure(Exception):
    """A file could not be imported at all. The message names the file and, where known, the place."""


@dataclass
class ParseContext:
    """One file being read: its path, the year rule override, and the records skipped so far."""

    path: Path
    year: int | None = None
    today: date = field(default_factory=date.today)
    skipped: list[str] = field(default_factory=list)
    on_progress: Callable[[int, int], None] | None = None

    def skip(self, where: str, why: str) -> None:
        """Count a broken record inside an otherwise good file."""
        self.skipped.append(f"{where}: {why}")

    def fail(self, why: str) -> ImportFailure:
        """An error for the whole file, naming it."""
        return ImportFailure(f"{self.path}: {why}")


def describe_validation(error: ValidationError) -> str:
    """A one-line account of what was wrong in a record, naming the field."""
    first = error.errors()[0]
    where = ".".join(str(p) for p in first["loc"]) or "record"
    return f"{where}: {first['msg']}"


def read_text(path: Path) -> str:
    """Read a whole file as UTF-8 text, refusing binary files and other encodings by name."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ImportFailure(f"{path}: no such file") from None
    except IsADirectoryError:
        raise ImportFailure(f"{path}: is a directory") from None
    except OSError as error:
        raise ImportFailure(f"{path}: cannot read: {error.strerror or error}") from None
    return decode_text(path, data)


def decode_text(path: Path, data: bytes) -> str:
    """Decode bytes as UTF-8 (a BOM is allowed), with errors that say where the bad byte is."""
    if not data.strip():
        raise ImportFailure(f"{path}: the file is empty")
    if b"\x00" in data[:8192]:
        raise ImportFailure(f"{path}: looks like a binary file, not text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise ImportFailure(
            f"{path}: line {line}: not UTF-8 text (byte 0x{data[error.start]:02x} at offset "
            f"{error.start}); save the file as UTF-8 and import it again"
        ) from None
