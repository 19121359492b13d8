"""Run an import: expand directories, pick the importer, merge into the library in one transaction.

This is the shared level every format passes through: whatever a reader does, a broken record is
skipped and counted (``check_record``), a broken file fails alone with a message naming it, and
a failure of any kind leaves the library as it was.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

from quire.errors import QuireError
from quire.importers.arxiv_atom import read_arxiv_atom
from quire.importers.arxiv_snapshot import read_arxiv_snapshot, read_arxiv_snapshot_json
from quire.importers.base import (
    ImportFailure,
    ParseContext,
    check_record,
    display_path,
    read_text,
)
from quire.importers.bibtex import read_bibtex
from quire.importers.detect import FORMATS, detect_format
from quire.importers.hf_json import read_hf_json
from quire.importers.hf_text import looks_like_hf_text, read_hf_text
from quire.importers.quire_file import import_quire_file
from quire.models import ImportSummary, PaperRecord
from quire.store import Library

_TEXT_READERS: dict[str, Callable[[str, ParseContext], Iterator[PaperRecord]]] = {
    "hf-text": read_hf_text,
    "hf-json": read_hf_json,
    "arxiv-atom": read_arxiv_atom,
    "bibtex": read_bibtex,
}


def _never() -> bool:
    return False


def iter_import_files(path: Path, cancelled: Callable[[], bool] = _never) -> list[Path]:
    """The files an import of ``path`` reads: the file itself, or every visible file in a folder.

    Only regular files count (FIFOs, sockets and devices are left out of a folder and refused
    when named); hidden files and folders are skipped. ``cancelled`` is polled during a long walk.
    """
    name = display_path(path)
    try:
        info = path.stat()
    except FileNotFoundError:
        raise ImportFailure(f"{name}: no such file or directory") from None
    except OSError as error:
        raise ImportFailure(f"{name}: cannot read: {error.strerror or error}") from None
    if not stat.S_ISDIR(info.st_mode):
        _require_regular(path, info.st_mode)
        return [path]
    files: list[Path] = []
    problems: list[OSError] = []
    for folder, dirs, names in os.walk(path, onerror=problems.append):
        if cancelled():
            raise ImportFailure(f"{name}: the folder walk was cancelled")
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for entry in sorted(names):
            if entry.startswith("."):
                continue
            file = Path(folder, entry)
            try:
                if stat.S_ISREG(file.stat().st_mode):
                    files.append(file)
            except OSError:
                continue  # a dangling link or a file gone since the listing
    if not files:
        why = f" ({problems[0].strerror})" if problems and problems[0].strerror else ""
        raise ImportFailure(f"{name}: the directory holds no files to import{why}")
    return sorted(files)


def _require_regular(path: Path, mode: int) -> None:
    if stat.S_ISREG(mode):
        return
    kind = (
        "a FIFO (named pipe)"
        if stat.S_ISFIFO(mode)
        else "a socket"
        if stat.S_ISSOCK(mode)
        else "a device"
        if stat.S_ISCHR(mode) or stat.S_ISBLK(mode)
        else "not a regular file"
    )
    raise ImportFailure(f"{display_path(path)}: is {kind}; quire imports regular files only")


def _sniff(path: Path) -> str:
    name = display_path(path)
    try:
        with path.open("rb") as handle:
            head = handle.read(8192)
    except IsADirectoryError:
        raise ImportFailure(f"{name}: is a directory") from None
    except FileNotFoundError:
        raise ImportFailure(f"{name}: no such file") from None
    except OSError as error:
        raise ImportFailure(f"{name}: cannot read: {error.strerror or error}") from None
    if not head.strip():
        raise ImportFailure(f"{name}: the file is empty")
    if b"\x00" in head:
        raise ImportFailure(f"{name}: looks like a binary file, not text")
    return head.decode("utf-8", errors="ignore")


def _one_object_per_line(head: str) -> bool:
    """JSON lines (the snapshot as published) rather than one JSON document (an array, or an
    object spread over lines)?"""
    stripped = head.lstrip("\ufeff \t\r\n")
    if stripped.startswith("["):
        return False
    first, newline, _ = stripped.partition("\n")
    # A first line longer than the head (a huge author list) is a line still being read.
    return not newline or first.rstrip().endswith("}")


def _records(path: Path, fmt: str | None, ctx: ParseContext) -> tuple[str, Iterator[PaperRecord]]:
    head = _sniff(path)
    chosen = fmt or detect_format(path, head)
    if chosen not in FORMATS or chosen == "quire":  # quire's own file is not read as records
        raise ImportFailure(f"unknown format {chosen!r}; choose one of: {', '.join(FORMATS)}")
    if chosen == "arxiv-snapshot":
        if not _one_object_per_line(head):
            return chosen, read_arxiv_snapshot_json(read_text(path), ctx)
        return chosen, read_arxiv_snapshot(ctx)
    text = read_text(path)
    if chosen == "hf-text" and fmt is None and not looks_like_hf_text(text):
        raise ImportFailure(
            f"{ctx.name}: not a format quire reads: no Hugging Face Daily Papers header, and not "
            f"JSON, Atom XML or BibTeX (use --format to force one of: {', '.join(FORMATS)})"
        )
    return chosen, _TEXT_READERS[chosen](text, ctx)


def _checked(records: Iterator[PaperRecord], ctx: ParseContext, fmt: str) -> Iterator[PaperRecord]:
    """Pass good records through, skip and count those beyond the limits.

    Fails (so the transaction rolls back) if the file held none, or if the reader itself broke:
    a reader's bug then costs one file, named, never the whole import or the program.
    """
    count = 0
    number = 0
    try:
        for record in records:
            number += 1
            checked = check_record(record)
            if isinstance(checked, str):
                ctx.skip(f"record {number}", checked)
                continue
            count += 1
            yield checked
    except QuireError:
        raise
    except RecursionError:
        raise ctx.fail("nested too deeply to read") from None
    except MemoryError:
        raise ctx.fail("too large to read into memory") from None
    except Exception as error:  # the shared boundary: one bad file never stops the others
        raise ctx.fail(
            f"could not be read as {fmt} after record {number} ({type(error).__name__}: {str(error)[:200]})"
        ) from error
    if count == 0:
        detail = f" ({len(ctx.skipped)} skipped; first: {ctx.skipped[0]})" if ctx.skipped else ""
        raise ctx.fail(f"no papers found in the file{detail}")


def import_path(
    library: Library,
    path: Path,
    fmt: str | None = None,
    year: int | None = None,
    on_progress: Callable[[int, int], None] | None = None,
    today: date | None = None,
) -> ImportSummary:
    """Import one file in one transaction. Raises ``ImportFailure`` and keeps nothing if it fails.

    A file deleted while it is read is still read to the end (it was open), and the summary
    says what was imported.
    """
    try:
        info = path.stat()
    except FileNotFoundError:
        raise ImportFailure(f"{display_path(path)}: no such file") from None
    except OSError as error:
        raise ImportFailure(f"{display_path(path)}: cannot read: {error.strerror or error}") from None
    if stat.S_ISDIR(info.st_mode):
        raise ImportFailure(f"{display_path(path)}: is a directory")
    _require_regular(path, info.st_mode)
    ctx = ParseContext(path=path, year=year, on_progress=on_progress, today=today or date.today())
    if (fmt or detect_format(path, _sniff(path))) == "quire":
        summary = import_quire_file(library, path)
        if on_progress is not None:
            on_progress(info.st_size, info.st_size)
        return summary
    try:
        chosen, records = _records(path, fmt, ctx)
    except QuireError:
        raise
    except Exception as error:  # detection or a reader's set-up broke: this file fails alone
        raise ctx.fail(f"could not be read ({type(error).__name__}: {str(error)[:200]})") from error
    summary = ImportSummary(path=ctx.name, format=chosen)
    library.import_records(_checked(records, ctx, chosen), summary, source=chosen)
    summary.skipped += len(ctx.skipped)
    summary.skip_reasons.extend(ctx.skipped)
    if on_progress is not None:
        on_progress(info.st_size, info.st_size)
    return summary
