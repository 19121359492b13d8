"""arXiv API responses: Atom XML from ``export.arxiv.org/api/query``."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

from pydantic import ValidationError

from quire.importers.base import ParseContext, describe_validation
from quire.importers.tex import tex_to_text
from quire.models import PaperRecord, split_arxiv_version

ATOM = "{http://www.w3.org/2005/Atom}"
ARXIV = "{http://arxiv.org/schemas/atom}"


def _text(entry: ET.Element, tag: str) -> str | None:
    node = entry.find(tag)
    if node is None or node.text is None:
        return None
    return " ".join(node.text.split()) or None  # older feeds hard-wrap titles and summaries


def _tex(text: str | None) -> str | None:
    return " ".join(tex_to_text(text).split()) or None if text else None


def _day(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).date()
    except ValueError:
        return None


def read_arxiv_atom(text: str, ctx: ParseContext) -> Iterator[PaperRecord]:
    """Yield the entries of an arXiv Atom feed."""
    try:
        root = ET.fromstring(text)
    except ET.ParseError as error:
        line, column = error.position
        raise ctx.fail(f"line {line}, column {column}: not well-formed XML") from None
    if root.tag != f"{ATOM}feed":
        raise ctx.fail(f"XML, but not an Atom feed (root element is <{root.tag}>)")
    entries = root.findall(f"{ATOM}entry")
    if len(entries) == 1 and _text(entries[0], f"{ATOM}title") == "Error":
        why = _text(entries[0], f"{ATOM}summary") or "unknown error"
        raise ctx.fail(f"the arXiv API returned an error: {why}")
    for number, entry in enumerate(entries, start=1):
        where = f"entry {number}"
        raw_id = _text(entry, f"{ATOM}id") or ""
        parsed = split_arxiv_version(raw_id)
        if parsed is None:
            ctx.skip(where, f"no arXiv id in <id>{raw_id}</id>")
            continue
        pdf = None
        for link in entry.findall(f"{ATOM}link"):
            href = link.get("href", "")
            if link.get("title") == "pdf" or "/pdf/" in href:
                pdf = href
                break
        primary = entry.find(f"{ARXIV}primary_category")
        fields: dict[str, Any] = {
            "arxiv_id": parsed[0],
            "version": parsed[1],
            # The API returns titles and abstracts as submitted, TeX accents included.
            "title": tex_to_text(_text(entry, f"{ATOM}title") or ""),
            "abstract": _tex(_text(entry, f"{ATOM}summary")),
            "authors": [
                " ".join(tex_to_text(name.text).split())
                for author in entry.findall(f"{ATOM}author")
                if (name := author.find(f"{ATOM}name")) is not None and name.text
            ],
            "published": _day(_text(entry, f"{ATOM}published")),
            "updated": _day(_text(entry, f"{ATOM}updated")),
            "categories": [c.get("term", "") for c in entry.findall(f"{ATOM}category") if c.get("term")],
            "primary_category": primary.get("term") if primary is not None else None,
            "comment": _text(entry, f"{ARXIV}comment"),
            "journal_ref": _text(entry, f"{ARXIV}journal_ref"),
            "doi": _text(entry, f"{ARXIV}doi"),
            "pdf_url": pdf,
        }
        fields["author_count"] = len(fields["authors"]) or None
        if not fields["title"]:
            ctx.skip(where, "no title")
            continue
        try:
            yield PaperRecord.model_validate(fields)
        except ValidationError as error:
            ctx.skip(where, describe_validation(error))
