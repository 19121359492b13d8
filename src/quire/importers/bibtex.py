"""BibTeX files (arXiv's own ``@misc`` export, and what quire's BibTeX export writes)."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from datetime import date

from pydantic import ValidationError

from quire.importers.arxiv_snapshot import untex
from quire.importers.base import ParseContext, describe_validation
from quire.models import PaperRecord, split_arxiv_version

_MONTHS = {m: i for i, m in enumerate(
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], start=1)}


def _clean(value: str | None) -> str | None:
    if value is None:
        return None
    # untex also drops the braces BibTeX uses to protect capitals ("{G}raph").
    text = " ".join(untex(value).replace("{", "").replace("}", "").split())
    return text or None


def _published(fields: dict[str, str]) -> date | None:
    if raw := fields.get("date"):
        try:
            return date.fromisoformat(raw.strip()[:10])
        except ValueError:
            pass
    year = fields.get("year", "").strip()
    if not year.isdigit():
        return None
    month_raw = fields.get("month", "").strip().casefold()[:3]
    month = _MONTHS.get(month_raw) or (int(month_raw) if month_raw.isdigit() else 1)
    try:
        return date(int(year), month if 1 <= month <= 12 else 1, 1)
    except ValueError:
        return None


def _arxiv(fields: dict[str, str]) -> tuple[str, str | None] | None:
    if (fields.get("archiveprefix", "arxiv").casefold() == "arxiv") and fields.get("eprint"):
        found = split_arxiv_version(fields["eprint"])
        if found:
            return found
    for key in ("url", "journal", "note"):
        match = re.search(r"arxiv(?:\.org/abs/|:|\s+)([\w.\-/]+?\d)(v\d+)?\b",
                          fields.get(key, ""), re.IGNORECASE)
        if match and (found := split_arxiv_version(match.group(1))):
            return found
    return None


def read_bibtex(text: str, ctx: ParseContext) -> Iterator[PaperRecord]:
    """Yield one record per BibTeX entry; broken entries are skipped with their line."""
    from bibtexparser.entrypoint import parse_string  # loaded on first BibTeX import

    logging.getLogger("bibtexparser").setLevel(logging.CRITICAL)
    library = parse_string(text)
    for block in library.failed_blocks:
        ctx.skip(f"line {(block.start_line or 0) + 1}", "BibTeX entry could not be parsed")
    if not library.entries and library.failed_blocks:
        first = library.failed_blocks[0].start_line or 0
        raise ctx.fail(f"line {first + 1}: no BibTeX entry could be parsed")
    for entry in library.entries:
        fields = {f.key.casefold(): str(f.value) for f in entry.fields}
        where = f"line {(entry.start_line or 0) + 1} (@{entry.entry_type}{{{entry.key}}})"
        title = _clean(fields.get("title"))
        if not title:
            ctx.skip(where, "no title")
            continue
        authors = [a for a in (_clean(n) for n in re.split(r"\s+and\s+",
                                                         fields.get("author", ""))) if a]
        authors = [" ".join(reversed([p.strip() for p in a.split(",", 1)])) if "," in a else a
                   for a in authors]
        arxiv = _arxiv(fields)
        keywords = [k.strip() for k in fields.get("keywords", "").split(",") if k.strip()]
        try:
            yield PaperRecord(
                title=title,
                arxiv_id=arxiv[0] if arxiv else None,
                version=arxiv[1] if arxiv else None,
                abstract=_clean(fields.get("abstract")),
                authors=authors,
                author_count=len(authors) or None,
                published=_published(fields),
                doi=_clean(fields.get("doi")),
                journal_ref=_clean(fields.get("journal")),
                primary_category=_clean(fields.get("primaryclass")),
                keywords=keywords,
            )
        except ValidationError as error:
            ctx.skip(where, describe_validation(error))
