"""The Hugging Face Papers API: daily-papers and search arrays, and the single-paper object."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

from pydantic import ValidationError

from quire.importers.arxiv_snapshot import is_snapshot_object, snapshot_line_to_record
from quire.importers.base import ParseContext, describe_validation, load_json
from quire.importers.tex import tex_to_text
from quire.models import PaperRecord, split_arxiv_version


def _day(value: Any) -> date | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).date()
    except ValueError:
        return None


def _unwrap(text: Any) -> str | None:
    """Older summaries carry hard line wraps; join them, keeping paragraph breaks. Titles and
    summaries are arXiv's, TeX accents included: decoded like every other source's."""
    if not isinstance(text, str) or not text.strip():
        return None
    paragraphs = re.split(r"\n\s*\n", tex_to_text(text).strip())
    return "\n\n".join(" ".join(p.split()) for p in paragraphs)


def _list(value: Any) -> list[Any]:
    """A JSON array as a list; anything else (a number, a string, an object) as nothing."""
    return value if isinstance(value, list) else []


def _count(value: Any) -> Any:
    """A count as the API gives it; floats and strings are left for validation to refuse."""
    return None if value is None or isinstance(value, bool) else value


def hf_item_to_record(item: dict[str, Any]) -> PaperRecord:
    """Turn one API item (``{"paper": {...}, ...}`` or a flat paper object) into a record.

    Raises ``ValidationError`` (or ``ValueError``) when a value has the wrong type.
    """
    paper = item["paper"] if isinstance(item.get("paper"), dict) else item
    raw_id = paper.get("id")
    arxiv = split_arxiv_version(raw_id) if isinstance(raw_id, str) and raw_id else None
    authors = [
        a["name"].strip()
        for a in _list(paper.get("authors"))
        if isinstance(a, dict) and isinstance(a.get("name"), str) and a["name"].strip()
    ]
    org = paper.get("organization") if isinstance(paper.get("organization"), dict) else None
    fields: dict[str, Any] = {
        "title": _unwrap(paper.get("title") or item.get("title")) or "",
        "arxiv_id": arxiv[0] if arxiv else None,
        "version": arxiv[1] if arxiv else None,
        "abstract": _unwrap(paper.get("summary") or item.get("summary")),
        "authors": authors,
        "author_count": len(authors) or None,
        "published": _day(paper.get("publishedAt") or item.get("publishedAt")),
        "upvotes": _count(paper.get("upvotes")),
        "comments": _count(item.get("numComments")),
        "github_repo": paper.get("githubRepo") or None,
        "github_stars": _count(paper.get("githubStars")),
        "keywords": [k for k in _list(paper.get("ai_keywords")) if isinstance(k, str)],
        "org_handle": org.get("name") if org else None,
        "org_name": (org.get("fullname") or org.get("name")) if org else None,
    }
    return PaperRecord.model_validate(fields)


def read_hf_json(text: str, ctx: ParseContext) -> Iterator[PaperRecord]:
    """Yield the papers of an API response: an array of items or one flat paper object."""
    try:
        data = load_json(text)
    except ValueError as error:
        raise ctx.fail(str(error)) from None
    if isinstance(data, dict):
        items: list[Any] = [data]
    elif isinstance(data, list):
        items = data
    else:
        raise ctx.fail("expected a JSON array of papers or one paper object")
    for number, item in enumerate(items, start=1):
        where = f"item {number}"
        if not isinstance(item, dict):
            ctx.skip(where, "not a JSON object")
            continue
        try:
            # A snapshot record among API items is read as what it is, never imported hollow.
            record = (
                snapshot_line_to_record(item)
                if is_snapshot_object(item) and item.get("id")
                else hf_item_to_record(item)
            )
        except ValidationError as error:
            ctx.skip(where, describe_validation(error))
            continue
        except (ValueError, TypeError, AttributeError) as error:
            ctx.skip(where, str(error))
            continue
        if not record.title:
            ctx.skip(where, "no title")
            continue
        yield record
