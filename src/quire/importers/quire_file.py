"""quire's own library file (``quire export --format quire``), merged back into a library.

The whole file is read and checked before the library is touched, and merged in one
transaction, so a wrong version, a truncated file or a value of the wrong type adds nothing:
the message names the file and the key at fault.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from quire.export.quire_format import CarriedPaper, LibraryFileError, parse_library_file
from quire.importers.base import ImportFailure, check_record, display_path, load_json, read_text
from quire.models import ImportSummary
from quire.store import Library
from quire.store.carry import import_carried


def _strings(data: Any) -> Iterator[tuple[str, str]]:
    """Every string in parsed JSON (keys too) with where it is, without recursion."""
    stack: list[tuple[str, Any]] = [("", data)]
    while stack:
        where, value = stack.pop()
        if isinstance(value, str):
            yield where, value
        elif isinstance(value, list):
            stack.extend((f"{where}[{i}]", item) for i, item in enumerate(value))
        elif isinstance(value, dict):
            for key, item in value.items():
                yield where, key
                stack.append((f"{where}.{key}" if where else str(key), item))


def _lone_surrogate(data: Any) -> str | None:
    """Where the first string holding a lone surrogate is (JSON can escape one; SQLite and
    terminals cannot take it), or ``None``."""
    for where, text in _strings(data):
        if not text.isascii():
            try:
                text.encode("utf-8")
            except UnicodeEncodeError:
                return where or "the document"
    return None


def import_quire_file(library: Library, path: Path) -> ImportSummary:
    """Read a library file and merge it into ``library``; ``ImportFailure`` leaves it untouched."""
    name = display_path(path)
    text = read_text(path)
    try:
        data = load_json(text)
    except ValueError as error:
        raise ImportFailure(f"{name}: {error}") from None
    bad = _lone_surrogate(data)
    if bad:
        raise ImportFailure(f"{name}: {bad}: holds a lone surrogate (not text)")
    try:
        carried = parse_library_file(data)
    except LibraryFileError as error:
        raise ImportFailure(f"{name}: {error}") from None
    summary = ImportSummary(path=name, format="quire")
    papers: list[CarriedPaper] = []
    for number, paper in enumerate(carried.papers):
        checked = check_record(paper.record())  # the limits every import keeps
        if isinstance(checked, str):
            summary.skipped += 1
            summary.skip_reasons.append(f"papers[{number}]: {checked}")
            continue
        papers.append(paper)
    return import_carried(library, papers, summary)
