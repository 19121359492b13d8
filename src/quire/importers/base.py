"""What every importer shares: the error type, the per-file context, and reading text safely."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from quire.errors import BadFileError, QuireError
from quire.models import PaperRecord

# Input limits (README, "Limits"): a record or field beyond them is skipped and counted, so one
# absurd record can neither exhaust memory nor slow every later list.
MAX_RECORD_BYTES = 1_000_000  # one snapshot line, or one record's text in total
MAX_FIELD_CHARS = {"title": 2_000, "abstract": 100_000}
MAX_OTHER_FIELD_CHARS = 10_000  # any other text field, and each author or keyword
MAX_LIST_ITEMS = 10_000  # authors, keywords or categories of one record
MAX_COUNT = 10**12  # upvotes, comments, stars, author counts
MAX_TEXT_FILE_BYTES = 512 * 1024 * 1024  # whole-file formats; the snapshot is streamed
_SURROGATES = re.compile("[\ud800-\udfff]")
# The months as every importer reads them (BibTeX macros, Hugging Face dates, snapshot stamps).
MONTH_NAMES = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
MONTH_NUMBERS = {name[:3].casefold(): number for number, name in enumerate(MONTH_NAMES, start=1)}


class ImportFailure(BadFileError):
    """A file could not be imported at all. The message names the file and, where known, the place."""


class ImportCancelled(QuireError):
    """The user stopped an import; the file being read added nothing."""


def display_path(path: Path | str) -> str:
    """The path as text that can be printed and stored (undecodable bytes shown as U+FFFD)."""
    return str(path).encode("utf-8", "surrogateescape").decode("utf-8", "replace")


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

    @property
    def name(self) -> str:
        """The file's path, printable."""
        return display_path(self.path)

    def fail(self, why: str) -> ImportFailure:
        """An error for the whole file, naming it."""
        return ImportFailure(f"{self.name}: {why}")


def describe_validation(error: ValidationError) -> str:
    """A one-line account of what was wrong in a record, naming the field."""
    first = error.errors()[0]
    where = ".".join(str(p) for p in first["loc"]) or "record"
    return f"{where}: {first['msg']}"


def load_json(text: str | bytes) -> Any:
    """``json.loads`` whose every failure is a ``ValueError`` with a one-line reason.

    Python's parser recurses once per nesting level (RecursionError past about 1,000 levels)
    and refuses integers of more than 4,300 digits with a plain ``ValueError``.
    """
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise ValueError(f"line {error.lineno}, column {error.colno}: not valid JSON ({error.msg})") from None
    except RecursionError:
        raise ValueError("JSON nested too deeply") from None
    except ValueError as error:  # e.g. "Exceeds the limit (4300 digits) for integer string"
        raise ValueError(f"not valid JSON ({str(error).split(';')[0]})") from None


def _has_surrogate(text: str) -> bool:
    """Does ``text`` hold a lone surrogate? (UTF-8 refuses only those; encoding is faster than a
    regex search over a long abstract.)"""
    if text.isascii():
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def check_record(record: PaperRecord) -> PaperRecord | str:
    """The record with lone surrogates replaced, or why it breaks the input limits.

    Shared by every importer, so no format can put an unstorable string or an out-of-range
    number into the library.
    """
    total = 0
    texts: list[str] = []  # every string of the record, searched for lone surrogates at once
    # The fields' own dict, not the model's iterator: this runs once per record of every import,
    # so the common types are told apart by ``type(...) is`` before any slower test.
    for name, value in vars(record).items():
        if not value:
            continue  # None, "", [] or 0, as most fields of most records: nothing to check
        kind = type(value)
        if kind is not str and kind is not list and kind is not int:
            kind = _kind(value)
        if kind is str:
            limit = MAX_FIELD_CHARS.get(name, MAX_OTHER_FIELD_CHARS)
            if len(value) > limit:
                return f"{name}: longer than {limit:,} characters ({len(value):,})"
            total += len(value)
            texts.append(value)
        elif kind is list:
            if len(value) > MAX_LIST_ITEMS:
                return f"{name}: more than {MAX_LIST_ITEMS:,} items ({len(value):,})"
            lengths = list(map(len, value))  # in C: a record may list thousands of authors
            if max(lengths) > MAX_OTHER_FIELD_CHARS:
                return f"{name}: an item is longer than {MAX_OTHER_FIELD_CHARS:,} characters"
            total += sum(lengths)
            texts += value
        elif kind is int:
            if not 0 <= value <= MAX_COUNT:
                return f"{name}: {_short_number(value)} is out of range (0 to {MAX_COUNT:,})"
        elif isinstance(value, date) and not 1 <= value.year <= 9999:
            return f"{name}: impossible date"  # pragma: no cover - date() refuses these already
    if total > MAX_RECORD_BYTES:
        return f"the record is larger than {MAX_RECORD_BYTES:,} characters ({total:,})"
    if not _has_surrogate("".join(texts)):
        return record
    changes: dict[str, Any] = {}
    for name, value in vars(record).items():
        if isinstance(value, str) and _has_surrogate(value):
            changes[name] = _SURROGATES.sub("\ufffd", value)
        elif isinstance(value, list) and _has_surrogate("".join(value)):
            changes[name] = [_SURROGATES.sub("\ufffd", item) for item in value]
    return record.model_copy(update=changes)


def _kind(value: object) -> type:
    """The type ``check_record`` checks ``value`` as (subclasses count as their base)."""
    for base in (str, list):
        if isinstance(value, base):
            return base
    return int if isinstance(value, int) and not isinstance(value, bool) else type(value)


def _short_number(value: int) -> str:
    text = str(value) if abs(value) < 10**30 else f"a {len(str(abs(value)))}-digit number"
    return text


def read_text(path: Path) -> str:
    """Read a whole file as UTF-8 text, refusing binary files and other encodings by name."""
    name = display_path(path)
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_TEXT_FILE_BYTES + 1)
    except FileNotFoundError:
        raise ImportFailure(f"{name}: no such file") from None
    except IsADirectoryError:
        raise ImportFailure(f"{name}: is a directory") from None
    except OSError as error:
        raise ImportFailure(f"{name}: cannot read: {error.strerror or error}") from None
    if len(data) > MAX_TEXT_FILE_BYTES:
        raise ImportFailure(
            f"{name}: larger than {MAX_TEXT_FILE_BYTES // 2**20} MB; only the "
            "arXiv snapshot (JSON lines) is read as a stream"
        )
    return decode_text(path, data)


def decode_text(path: Path, data: bytes) -> str:
    """Decode bytes as UTF-8 (a BOM is allowed), with errors that say where the bad byte is."""
    name = display_path(path)
    if not data.strip():
        raise ImportFailure(f"{name}: the file is empty")
    if b"\x00" in data[:8192]:
        raise ImportFailure(f"{name}: looks like a binary file, not text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise ImportFailure(
            f"{name}: line {line}: not UTF-8 text (byte 0x{data[error.start]:02x} at offset "
            f"{error.start}); save the file as UTF-8 and import it again"
        ) from None
