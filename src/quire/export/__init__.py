"""Exports of a list of papers: BibTeX, Markdown, JSON and CSV."""

from __future__ import annotations

import csv
import io
import json
import re
import unicodedata
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from quire.models import Paper

if TYPE_CHECKING:
    from bibtexparser.model import Entry

EXPORT_FORMATS = ("bibtex", "markdown", "json", "csv")
SUFFIXES = {"bibtex": ".bib", "markdown": ".md", "json": ".json", "csv": ".csv"}


def _ascii_word(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^A-Za-z0-9]", "", folded)


def citation_key(paper: Paper) -> str:
    """``lastname2024firstword``, the usual shape of a citation key."""
    last = _ascii_word(paper.authors[0].split()[-1]).lower() if paper.authors else "anon"
    year = str(paper.published.year) if paper.published else ""
    words = [w for w in re.findall(r"[A-Za-z0-9]+", _ascii_word_spaced(paper.title))
             if w.lower() not in {"a", "an", "the", "on", "of", "for", "to", "in"}]
    return f"{last or 'anon'}{year}{words[0].lower() if words else ''}"


def _ascii_word_spaced(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def _brace(text: str) -> str:
    # Braces would unbalance the field; the rest of the text goes through as it is.
    return text.replace("{", "(").replace("}", ")")


def to_bibtex_entry(paper: Paper, key: str | None = None) -> Entry:
    """One paper as a BibTeX entry in arXiv's own ``@misc`` shape, plus quire's tags as keywords."""
    from bibtexparser.model import Entry, Field  # loaded on first export, not at start-up

    fields = [Field("title", "{" + _brace(paper.title) + "}")]
    if paper.authors:
        fields.append(Field("author", " and ".join(_brace(a) for a in paper.authors)))
    if paper.published:
        fields.append(Field("year", str(paper.published.year)))
        fields.append(Field("date", paper.published.isoformat()))
    if paper.arxiv_id:
        fields += [Field("eprint", paper.arxiv_id), Field("archivePrefix", "arXiv")]
        if paper.primary_category:
            fields.append(Field("primaryClass", paper.primary_category))
        fields.append(Field("url", f"https://arxiv.org/abs/{paper.arxiv_id}"))
    if paper.doi:
        fields.append(Field("doi", paper.doi))
    if paper.abstract:
        fields.append(Field("abstract", _brace(paper.abstract)))
    if paper.annotation.tags:
        fields.append(Field("keywords", ", ".join(paper.annotation.tags)))
    return Entry("misc", key or citation_key(paper), fields)


def to_bibtex(papers: Sequence[Paper]) -> str:
    """Papers as a BibTeX file; citation keys are made unique with a, b, c suffixes."""
    from bibtexparser.entrypoint import write_string
    from bibtexparser.library import Library
    from bibtexparser.model import Block

    used: dict[str, int] = {}
    entries: list[Block] = []
    for paper in papers:
        key = citation_key(paper)
        count = used.get(key, 0)
        used[key] = count + 1
        if count:
            key = f"{key}{chr(ord('a') + count - 1) if count <= 26 else count}"
        entries.append(to_bibtex_entry(paper, key))
    return str(write_string(Library(entries)))


def to_markdown(papers: Sequence[Paper]) -> str:
    """Papers as a Markdown reading list: title linked, a metadata line, tags, note."""
    lines = ["# Papers", ""]
    for paper in papers:
        link = (f"https://arxiv.org/abs/{paper.arxiv_id}" if paper.arxiv_id else None)
        title = paper.title.replace("[", "\\[").replace("]", "\\]")
        lines.append(f"## [{title}]({link})" if link else f"## {title}")
        meta = [paper.published.isoformat() if paper.published else None,
                paper.authors_label or None,
                paper.org_name,
                f"{paper.upvotes} upvotes" if paper.upvotes is not None else None,
                paper.id]
        lines.append("")
        lines.append(" · ".join(m for m in meta if m))
        if paper.annotation.tags:
            lines.append("")
            lines.append("Tags: " + ", ".join(f"`{t}`" for t in paper.annotation.tags))
        if paper.annotation.note:
            lines.append("")
            lines.extend("> " + line for line in paper.annotation.note.splitlines())
        if paper.abstract:
            lines += ["", paper.abstract]
        lines.append("")
    return "\n".join(lines)


def to_json(papers: Sequence[Paper]) -> str:
    """Papers as a JSON array, in the same shape as ``--json`` output."""
    return json.dumps([p.as_json() for p in papers], ensure_ascii=False, indent=2) + "\n"


CSV_COLUMNS = ("id", "arxiv_id", "title", "authors", "author_count", "organization", "published",
               "upvotes", "tags", "bookmarked", "read", "note", "abstract")


def to_csv(papers: Sequence[Paper]) -> str:
    """Papers as CSV with a header row; lists are joined with ``; ``."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for paper in papers:
        data = paper.as_json()
        row = []
        for column in CSV_COLUMNS:
            value = data[column]
            if isinstance(value, list):
                value = "; ".join(str(v) for v in value)
            row.append("" if value is None else value)
        writer.writerow(row)
    return out.getvalue()


EXPORTERS: dict[str, Callable[[Sequence[Paper]], str]] = {
    "bibtex": to_bibtex, "markdown": to_markdown, "json": to_json, "csv": to_csv,
}


def export_papers(papers: Sequence[Paper], fmt: str) -> str:
    """Render papers in one of ``EXPORT_FORMATS``."""
    try:
        return EXPORTERS[fmt](papers)
    except KeyError:
        raise ValueError(
            f"unknown export format {fmt!r}; choose one of: {', '.join(EXPORT_FORMATS)}"
        ) from None
