"""How a paper is laid out in the ``papers`` table: its columns, a record's values as columns,
and a row (with its annotation, tags and sources) back as a ``Paper``.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import date
from typing import Any

from quire.models import (
    Annotation,
    Paper,
    PaperRecord,
)

SCALAR_FIELDS = (
    "title",
    "version",
    "abstract",
    "author_count",
    "org_handle",
    "org_name",
    "published",
    "updated",
    "upvotes",
    "comments",
    "github_repo",
    "github_stars",
    "primary_category",
    "doi",
    "journal_ref",
    "comment",
    "pdf_url",
)
LIST_FIELDS = ("authors", "keywords", "categories")
# The JSON string of one list item, exactly as ``json.dumps(..., ensure_ascii=False)`` writes it.
_quoted = json.encoder.encode_basestring


def encode_list(items: list[str]) -> str:
    """A list of strings as stored: the text ``json.dumps(items, ensure_ascii=False)`` gives.

    Written out here because it runs for every list of every imported record, and the general
    encoder costs several times more on these flat lists of strings.
    """
    return "[" + ", ".join(map(_quoted, items)) + "]"


def record_columns(record: PaperRecord) -> dict[str, Any]:
    """The known (non-empty) values of a record as library columns; unknown values are left out."""
    fields = vars(record)  # the model's own dict: this runs once per imported record
    values: dict[str, Any] = {}
    for name in SCALAR_FIELDS:
        value = fields[name]
        if value is None or value == "":
            continue
        values[name] = value.isoformat() if isinstance(value, date) else value
    for name in LIST_FIELDS:
        items = fields[name]
        if items:
            values[name] = encode_list(items)
    return values


def _paper_from_row(row: sqlite3.Row, tags: list[str], sources: list[str]) -> Paper:
    data: dict[str, Any] = {name: row[name] for name in SCALAR_FIELDS}
    for name in LIST_FIELDS:
        data[name] = json.loads(row[name] or "[]")
    annotation = Annotation(
        bookmarked=bool(row["bookmarked"]),  # NULL (no annotation row yet) is False
        read=bool(row["read"]),
        note=row["note"] or "",
        read_at=row["read_at"],
        bookmarked_at=row["bookmarked_at"],
        tags=tags,
    )
    return Paper(
        pid=row["pid"],
        arxiv_id=row["arxiv_id"],
        short_id=row["short_id"],
        added=row["added"],
        sources=sources,
        annotation=annotation,
        fresh=bool(row["fresh"]),
        **data,
    )
