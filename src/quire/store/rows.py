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
# One encoder for every stored list: json.dumps with options builds a new encoder per call.
_encode_list = json.JSONEncoder(ensure_ascii=False).encode


def record_columns(record: PaperRecord) -> dict[str, Any]:
    """The known (non-empty) values of a record as library columns; unknown values are left out."""
    values: dict[str, Any] = {}
    for name in SCALAR_FIELDS:
        value = getattr(record, name)
        if value is None or value == "":
            continue
        values[name] = value.isoformat() if isinstance(value, date) else value
    for name in LIST_FIELDS:
        items = getattr(record, name)
        if items:
            values[name] = _encode_list(items)
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
