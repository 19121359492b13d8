"""Run an import: expand directories, pick the importer, merge into the library in one transaction."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

from quire.importers.arxiv_atom import read_arxiv_atom
from quire.importers.arxiv_snapshot import read_arxiv_snapshot
from quire.importers.base import ImportFailure, ParseContext, read_text
from quire.importers.bibtex import read_bibtex
from quire.importers.detect import FORMATS, detect_format
from quire.importers.hf_json import read_hf_json
from quire.importers.hf_text import looks_like_hf_text, read_hf_text
from quire.models import ImportSummary, PaperRecord
from quire.store import Library

_TEXT_READERS: dict[str, Callable[[str, ParseContext], Iterator[PaperRecord]]] = {
    "hf-text": read_hf_text,
    "hf-json": read_hf_json,
    "arxiv-atom": read_arxiv_atom,
    "bibtex": read_bibtex,
}


def iter_import_files(path: Path) -> list[Path]:
    """The files an import of ``path`` reads: the file itself, or every visible file in a folder."""
    if path.is_dir():
        files = sorted(p for p in path.rglob("*")
                       if p.is_file() and not any(part.startswith(".")
                                                  for part in p.relative_to(path).parts))
        if not files:
            raise ImportFailure(f"{path}: the directory holds no files to import")
        return files
    if not path.exists():
        raise ImportFailure(f"{path}: no such file or directory")
    return [path]


def _sniff(path: Path) -> str:
    try:
        with path.open("rb") as handle:
            head = handle.read(8192)
    except IsADirectoryError:
        raise ImportFailure(f"{path}: is a directory") from None
    except OSError as error:
        raise ImportFailure(f"{path}: cannot read: {error.strerror or error}") from None
    if not head.strip():
        raise ImportFailure(f"{path}: the file is empty")
    if b"\x00" in head:
        raise ImportFailure(f"{path}: looks like a binary file, not text")
    return head.decode("utf-8", errors="ignore")


def _records(path: Path, fmt: str | None, ctx: ParseContext) -> tuple[str, Iterator[PaperRecord]]:
    head = _sniff(path)
    chosen = fmt or detect_format(path, head)
    if chosen not in FORMATS:
        raise ImportFailure(f"unknown format {chosen!r}; choose one of: {', '.join(FORMATS)}")
    if chosen == "arxiv-snapshot":
        return chosen, read_arxiv_snapshot(ctx)
    text = read_text(path)
    if chosen == "hf-text" and fmt is None and not looks_like_hf_text(text):
        raise ImportFailure(
            f"{path}: not a format quire reads: no Hugging Face Daily Papers header, and not "
            f"JSON, Atom XML or BibTeX (use --format to force one of: {', '.join(FORMATS)})"
        )
    return chosen, _TEXT_READERS[chosen](text, ctx)


def _require_papers(records: Iterator[PaperRecord], ctx: ParseContext) -> Iterator[PaperRecord]:
    """Pass records through; fail (so the transaction rolls back) if the file held none."""
    count = 0
    for record in records:
        count += 1
        yield record
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
    """Import one file in one transaction. Raises ``ImportFailure`` and keeps nothing if it fails."""
    ctx = ParseContext(path=path, year=year, on_progress=on_progress,
                       today=today or date.today())
    chosen, records = _records(path, fmt, ctx)
    summary = ImportSummary(path=str(path), format=chosen)
    library.import_records(_require_papers(records, ctx), summary, source=chosen)
    summary.skipped += len(ctx.skipped)
    summary.skip_reasons.extend(ctx.skipped)
    if on_progress is not None:
        size = path.stat().st_size
        on_progress(size, size)
    return summary
