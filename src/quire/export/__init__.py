"""Exports of a list of papers: BibTeX, Markdown, JSON, CSV, and quire's own lossless file."""

from __future__ import annotations

import csv
import io
import json
import re
import unicodedata
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from quire.models import Paper, arxiv_url
from quire.safe_text import safe_text
from quire.wording import counted

if TYPE_CHECKING:
    from bibtexparser.model import Entry

    from quire.store import Library

EXPORT_FORMATS = ("bibtex", "markdown", "json", "csv", "quire")
SUFFIXES = {"bibtex": ".bib", "markdown": ".md", "json": ".json", "csv": ".csv", "quire": ".quire.json"}


def _ascii_word(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^A-Za-z0-9]", "", folded)


def citation_key(paper: Paper) -> str:
    """``lastname2024firstword``, the usual shape of a citation key."""
    last = _ascii_word(paper.authors[0].split()[-1]).lower() if paper.authors else "anon"
    year = str(paper.published.year) if paper.published else ""
    words = [
        w
        for w in re.findall(r"[A-Za-z0-9]+", _ascii_word_spaced(paper.title))
        if w.lower() not in {"a", "an", "the", "on", "of", "for", "to", "in"}
    ]
    return f"{last or 'anon'}{year}{words[0].lower() if words else ''}"


def _ascii_word_spaced(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


_TEX_SPECIALS = {
    "\\": "\\textbackslash{}",
    "{": "\\{",
    "}": "\\}",
    "$": "\\$",
    "&": "\\&",
    "%": "\\%",
    "#": "\\#",
    "_": "\\_",
    "~": "\\textasciitilde{}",
    "^": "{^}",
}
_TEX_SPECIALS_UNPAIRED = {**_TEX_SPECIALS, "{": "\\lbrace{}", "}": "\\rbrace{}"}


def _balanced(text: str) -> bool:
    depth = 0
    for char in text:
        depth += 1 if char == "{" else -1 if char == "}" else 0
        if depth < 0:
            return False
    return depth == 0


def tex_escape(text: str) -> str:
    """Text as a BibTeX field value that a LaTeX-aware reader turns back into exactly ``text``.

    BibTeX counts every brace, escaped or not, to find where a value ends, so braces are written
    as ``\\{ \\}`` only when they pair up; a value with a lone brace (a DOI ``10.1000/x}, title
    = {Injected``) gets ``\\lbrace{}``/``\\rbrace{}`` instead, which hold no unpaired brace, so no
    value can close its field and start another. Backslashes and TeX's other specials are
    escaped, and the ligatures (``--``, ``''``, ``!```) are broken with ``\\/`` so they stay as typed.
    Controls are made visible first (a .bib file is read on terminals too).
    """
    text = safe_text(text)
    specials = _TEX_SPECIALS if _balanced(text) else _TEX_SPECIALS_UNPAIRED
    out: list[str] = []
    for position, char in enumerate(text):
        out.append(specials.get(char, char))
        following = text[position + 1 : position + 2]
        if (char in "-'`" and following == char) or (char in "!?" and following == "`"):
            out.append("\\/")  # TeX's ligature breaker: "--" stays two hyphens
    return "".join(out)


def to_bibtex_entry(paper: Paper, key: str | None = None) -> Entry:
    """One paper as a BibTeX entry in arXiv's own ``@misc`` shape, plus quire's tags as keywords."""
    from bibtexparser.model import Entry, Field  # loaded on first export, not at start-up

    fields = [Field("title", "{" + tex_escape(paper.title) + "}")]
    if paper.authors:
        # A name holding " and " would become two authors unless braced as one.
        fields.append(
            Field(
                "author",
                " and ".join(
                    "{" + tex_escape(a) + "}" if " and " in a else tex_escape(a) for a in paper.authors
                ),
            )
        )
    if paper.published:
        fields.append(Field("year", str(paper.published.year)))
        fields.append(Field("date", paper.published.isoformat()))
    if paper.arxiv_id:
        fields += [Field("eprint", tex_escape(paper.arxiv_id)), Field("archivePrefix", "arXiv")]
        if paper.primary_category:
            fields.append(Field("primaryClass", tex_escape(paper.primary_category)))
        fields.append(Field("url", tex_escape(arxiv_url(paper.arxiv_id))))
    if paper.doi:
        fields.append(Field("doi", tex_escape(paper.doi)))
    if paper.abstract:
        fields.append(Field("abstract", tex_escape(" ".join(paper.abstract.split()))))
    if paper.annotation.tags:
        fields.append(Field("keywords", tex_escape(", ".join(paper.annotation.tags))))
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


_MD_SPECIALS = re.compile(r"([\\`*_\[\]<>#~&])")


def md_escape(text: str) -> str:
    """One line of untrusted text as literal Markdown: no links, HTML, emphasis or headings."""
    return _MD_SPECIALS.sub(r"\\\1", safe_text(text))


def to_markdown(papers: Sequence[Paper]) -> str:
    """Papers as a Markdown reading list: title linked, a metadata line, tags, note.

    Every value is escaped (a title cannot open a link or raw HTML) and made terminal-safe.
    """
    lines = ["# Papers", ""]
    for paper in papers:
        link = arxiv_url(paper.arxiv_id) if paper.arxiv_id else None
        title = md_escape(paper.title)
        lines.append(f"## [{title}]({link})" if link else f"## {title}")
        meta = [
            paper.published.isoformat() if paper.published else None,
            paper.authors_label or None,
            paper.org_name,
            counted(paper.upvotes, "upvote") if paper.upvotes is not None else None,
            paper.id,
        ]
        lines.append("")
        lines.append(" · ".join(md_escape(m) for m in meta if m))
        if paper.annotation.tags:
            lines.append("")
            lines.append("Tags: " + ", ".join(md_escape(t) for t in paper.annotation.tags))
        if paper.annotation.note:
            lines.append("")
            lines.extend(
                "> " + md_escape(line)
                for line in safe_text(paper.annotation.note, multiline=True).split("\n")
            )
        if paper.abstract:
            lines += ["", " ".join(md_escape(paper.abstract).split())]
        lines.append("")
    return "\n".join(lines)


def to_json(papers: Sequence[Paper]) -> str:
    """Papers as a JSON array, in the same shape as ``--json`` output."""
    return json.dumps([p.as_json() for p in papers], ensure_ascii=False, indent=2) + "\n"


CSV_COLUMNS = (
    "id",
    "arxiv_id",
    "title",
    "authors",
    "author_count",
    "organization",
    "published",
    "upvotes",
    "tags",
    "bookmarked",
    "read",
    "note",
    "abstract",
)


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: object) -> object:
    """A value as a CSV cell: text made terminal-safe, and never read as a spreadsheet formula.

    A cell starting with ``= + - @`` (or a tab or carriage return) gets a leading ``'``, the
    usual neutraliser: spreadsheets show the text instead of evaluating it.
    """
    if not isinstance(value, str):
        return value
    text = safe_text(value, multiline=True)
    return "'" + text if text.startswith(_FORMULA_START) else text


def to_csv(papers: Sequence[Paper]) -> str:
    """Papers as CSV with a header row; lists are joined with ``; ``."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for paper in papers:
        data = paper.as_json()
        row: list[object] = []
        for column in CSV_COLUMNS:
            value = data[column]
            if isinstance(value, list):
                value = "; ".join(str(v) for v in value)
            row.append("" if value is None else csv_cell(value))
        writer.writerow(row)
    return out.getvalue()


EXPORTERS: dict[str, Callable[[Sequence[Paper]], str]] = {
    "bibtex": to_bibtex,
    "markdown": to_markdown,
    "json": to_json,
    "csv": to_csv,
}


def export_papers(papers: Sequence[Paper], fmt: str) -> str:
    """Render papers in one of ``EXPORT_FORMATS`` but ``quire`` (see :func:`export_library`)."""
    try:
        return EXPORTERS[fmt](papers)
    except KeyError:
        raise ValueError(
            f"unknown export format {fmt!r}; choose one of: {', '.join(EXPORT_FORMATS)}"
        ) from None


def export_library(library: Library, pids: Sequence[int], fmt: str) -> str:
    """Render these papers of the library in any of ``EXPORT_FORMATS``.

    ``quire`` is the lossless library file (every field, source and annotation with its change
    times), read from the library itself: a ``Paper`` does not carry all of that.
    """
    if fmt == "quire":
        from quire.export.quire_format import write_library_file
        from quire.store.carry import carried_papers

        return write_library_file(carried_papers(library, pids))
    return export_papers(library.get_papers(pids), fmt)
