"""The arXiv metadata snapshot: one JSON object per line, millions of lines, read as a stream."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from datetime import date
from email.utils import parsedate_to_datetime
from typing import Any, BinaryIO

from pydantic import ValidationError

from quire.importers.base import (
    MAX_RECORD_BYTES,
    MONTH_NUMBERS,
    ParseContext,
    describe_validation,
    load_json,
)
from quire.importers.tex import tex_to_text
from quire.models import PaperRecord

PROGRESS_EVERY = 2000
# Keys only snapshot records have (Hugging Face items say "summary", "paper", "publishedAt").
SNAPSHOT_KEYS = (
    "authors_parsed",
    "versions",
    "update_date",
    "journal-ref",
    "report-no",
    "submitter",
    "abstract",
)


def _one_line(text: Any) -> str | None:
    if not isinstance(text, str):
        return None
    return " ".join(text.split()) or None


def _reader_text(text: Any) -> str | None:
    """A title or abstract as a reader sees it: TeX accents decoded, wraps joined."""
    if not isinstance(text, str):
        return None
    return " ".join(tex_to_text(text).split()) or None


# How the snapshot writes a version's date: "Mon, 2 Apr 2007 19:18:42 GMT". Read directly (the
# general RFC 2822 parser cost a tenth of an import); anything else goes to that parser.
_CREATED = re.compile(r"[A-Z][a-z]{2}, (\d{1,2}) ([A-Z][a-z]{2}) ([1-9]\d{3}) \d\d:\d\d:\d\d GMT")


def _created_day(created: str) -> date:
    """The day of a version's ``created`` stamp; ``ValueError``/``TypeError`` if it has none."""
    match = _CREATED.fullmatch(created)
    month = MONTH_NUMBERS.get(match.group(2).lower()) if match else None
    if match and month:
        return date(int(match.group(3)), month, int(match.group(1)))
    return parsedate_to_datetime(created).date()


def _first_version_day(versions: Any) -> date | None:
    if not isinstance(versions, list) or not versions:
        return None
    first = versions[0]
    created = first.get("created") if isinstance(first, dict) else None
    if not isinstance(created, str):
        return None
    try:
        return _created_day(created)
    except (TypeError, ValueError):
        return None


def _names(obj: dict[str, Any]) -> list[str]:
    parsed = obj.get("authors_parsed")
    if isinstance(parsed, list) and parsed:
        names = []
        for part in parsed:
            if isinstance(part, list) and part:
                last, first = part[0], part[1] if len(part) > 1 else ""
                suffix = part[2] if len(part) > 2 else ""
                names.append(" ".join(p for p in (first, last, suffix) if p))
        return [" ".join(tex_to_text(n).split()) for n in names]
    raw = obj.get("authors")
    if isinstance(raw, str):
        return [" ".join(tex_to_text(n).split()) for n in re.split(r",\s*|\s+and\s+", raw) if n.strip()]
    return []


def snapshot_line_to_record(obj: dict[str, Any]) -> PaperRecord:
    """One snapshot object as a record."""
    versions = obj.get("versions")
    last = versions[-1].get("version") if isinstance(versions, list) and versions else None
    if not isinstance(obj["id"], str):
        raise ValueError(f"id: not a string ({type(obj['id']).__name__})")
    update = obj.get("update_date")
    authors = _names(obj)
    categories = obj.get("categories")
    cats = categories.split() if isinstance(categories, str) else []
    return PaperRecord(
        arxiv_id=str(obj["id"]).strip(),
        version=last if isinstance(last, str) else None,
        title=_reader_text(obj.get("title")) or "",
        abstract=_reader_text(obj.get("abstract")),
        authors=authors,
        author_count=len(authors) or None,
        categories=cats,
        primary_category=cats[0] if cats else None,
        doi=_one_line(obj.get("doi")),
        journal_ref=_one_line(obj.get("journal-ref")),
        comment=_one_line(obj.get("comments")),
        published=_first_version_day(versions),
        updated=date.fromisoformat(update) if isinstance(update, str) and update else None,
    )


def _lines(handle: BinaryIO) -> Iterator[tuple[bytes, int, bool]]:
    """Lines of at most ``MAX_RECORD_BYTES`` with the bytes read for each and whether it fit.

    A longer line is read past in chunks (never held whole) and reported as not fitting.
    """
    while raw := handle.readline(MAX_RECORD_BYTES + 1):
        size = len(raw)
        if len(raw) <= MAX_RECORD_BYTES or raw.endswith(b"\n"):
            yield raw, size, True
            continue
        while (rest := handle.readline(MAX_RECORD_BYTES)) and not rest.endswith(b"\n"):
            size += len(rest)
        yield b"", size + len(rest), False


def read_arxiv_snapshot(ctx: ParseContext) -> Iterator[PaperRecord]:
    """Stream a snapshot file line by line; memory does not grow with the file."""
    try:
        handle = ctx.path.open("rb")
    except OSError as error:
        raise ctx.fail(f"cannot read: {error.strerror or error}") from None
    with handle:
        # The open handle keeps reading even if the file is deleted meanwhile.
        total = os.fstat(handle.fileno()).st_size
        done = 0
        for number, (raw, size, fits) in enumerate(_lines(handle), start=1):
            done += size
            if ctx.on_progress is not None and number % PROGRESS_EVERY == 0:
                ctx.on_progress(min(done, total), total)
            where = f"line {number}"
            if not fits:
                ctx.skip(where, f"longer than {MAX_RECORD_BYTES:,} bytes ({size:,})")
                continue
            if not raw.strip():
                continue
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as error:
                raise ctx.fail(f"line {number}: not UTF-8 text (byte 0x{raw[error.start]:02x})") from None
            if "\x00" in line:
                raise ctx.fail(f"line {number}: looks like a binary file")
            try:
                obj = load_json(line)
            except ValueError as error:
                ctx.skip(where, str(error).replace("line 1, column", "column"))
                continue
            if not isinstance(obj, dict) or not obj.get("id") or not obj.get("title"):
                ctx.skip(where, "not a snapshot record (needs 'id' and 'title')")
                continue
            try:
                record = snapshot_line_to_record(obj)
            except (ValidationError, ValueError, TypeError, AttributeError) as error:
                why = describe_validation(error) if isinstance(error, ValidationError) else error
                ctx.skip(where, str(why))
                continue
            yield record
        if ctx.on_progress is not None:
            ctx.on_progress(total, total)


def is_snapshot_object(obj: Any) -> bool:
    """Does this JSON object look like a snapshot record (rather than a Hugging Face item)?"""
    return (
        isinstance(obj, dict)
        and "paper" not in obj
        and "summary" not in obj
        and any(key in obj for key in SNAPSHOT_KEYS)
    )


def read_arxiv_snapshot_json(text: str, ctx: ParseContext) -> Iterator[PaperRecord]:
    """Snapshot records saved as one JSON document: an array of records (pretty-printed or not)
    or a single record object. Every field a line would give is read the same way."""
    try:
        data = load_json(text)
    except ValueError as error:
        raise ctx.fail(str(error)) from None
    items: list[Any] = data if isinstance(data, list) else [data]
    for number, obj in enumerate(items, start=1):
        where = f"item {number}"
        if not isinstance(obj, dict) or not obj.get("id") or not obj.get("title"):
            ctx.skip(where, "not a snapshot record (needs 'id' and 'title')")
            continue
        try:
            yield snapshot_line_to_record(obj)
        except (ValidationError, ValueError, TypeError, AttributeError) as error:
            why = describe_validation(error) if isinstance(error, ValidationError) else error
            ctx.skip(where, str(why))
