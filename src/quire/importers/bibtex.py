"""BibTeX and biblatex files: reference-manager exports, Google Scholar, arXiv's and quire's own.

bibtexparser v2 splits the file into blocks; its middlewares then do the BibTeX semantics in
order: ``@string`` macros with ``#`` concatenation (its own resolver only handles a value that is
one bare macro, so that step is ours), ``crossref`` inheritance, month names to numbers, and
person names split into first / von / last / jr. Every value is then turned into the text a reader
sees by :func:`quire.importers.tex.tex_to_text` (the one TeX decoder all importers share).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from datetime import date
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from quire.importers.base import MONTH_NAMES, MONTH_NUMBERS, ParseContext, describe_validation
from quire.importers.tex import tex_to_text
from quire.models import PaperRecord, clean_doi, split_arxiv_version

if TYPE_CHECKING:
    from bibtexparser.library import Library
    from bibtexparser.model import Entry

# BibTeX's predefined month macros (``month = mar``) expand to the full names.
_MONTH_MACROS = {m[:3].casefold(): m for m in MONTH_NAMES}
# One piece of a value: a braced or quoted literal, or a bare word (macro name or number).
_PIECE = re.compile(r'\s*(?:(\{)|(")|([^\s#{}"]+))\s*')
# An arXiv id where people put it: arxiv.org/abs/ID, arXiv:ID, "arXiv preprint arXiv:ID",
# the arXiv DOI (10.48550/arXiv.ID). Every repetition is bounded, so a search is linear in the
# field's length whatever it holds (an unbounded lazy group took 8 s on a 70 KB url).
_ARXIV_IN_TEXT = re.compile(
    r"arxiv(?:\.org/(?:abs|pdf|html)/|\s{0,3}[:.]\s{0,3}|\s{1,3}(?:preprint\s{1,3})?(?:arxiv\s?:\s?)?)"
    r"(\d{4}\.\d{4,5}|[a-z][a-z\-]{1,16}(?:\.[a-z]{2})?/\d{7})(v\d{1,3})?(?!\d)",
    re.IGNORECASE,
)
_ARXIV_FIELDS = (
    "doi",
    "url",
    "journal",
    "journaltitle",
    "note",
    "howpublished",
    "booktitle",
    "publisher",
    "eprint",
)
_JR = re.compile(r"^(?:jr|sr|[ivx]{1,4})\.?$", re.IGNORECASE)
# Container fields a child entry takes from the entry its ``crossref`` names.
_NOT_INHERITED = frozenset(["crossref", "ids", "xref", "entryset", "related", "sortkey"])
_VOLUMES = frozenset(
    [
        "proceedings",
        "mvproceedings",
        "book",
        "mvbook",
        "collection",
        "mvcollection",
        "reference",
        "mvreference",
    ]
)


def _literal_end(value: str, start: int) -> int:
    """The index just past the brace group or quoted string starting at ``start`` (linear)."""
    depth = 0
    quote = value[start] == '"'
    for i in range(start, len(value)):
        char = value[i]
        if char == "\\":
            continue
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0 and not quote:
                return i + 1
        elif char == '"' and quote and depth == 0 and i > start:
            return i + 1
    return len(value)


def resolve_value(raw: str, strings: dict[str, str]) -> str:
    """A raw BibTeX value (``{A} # name # "B"``) with macros expanded and pieces joined.

    Unknown macro names stay as they are (a bare ``2020`` is a number, not a macro).
    """
    pieces: list[str] = []
    pos = 0
    while pos < len(raw):
        match = _PIECE.match(raw, pos)
        if match is None:
            pos += 1  # a stray "#" or "}": BibTeX would complain; skip it
            continue
        if match.group(1) or match.group(2):
            start = match.start(1) if match.group(1) else match.start(2)
            end = _literal_end(raw, start)
            pieces.append(raw[start + 1 : end - 1] if end - start >= 2 else "")
            pos = end
        else:
            word = match.group(3)
            key = word.casefold()
            pieces.append(strings.get(key, _MONTH_MACROS.get(key, word)))
            pos = match.end()
        while pos < len(raw) and raw[pos] in " \t\r\n#":
            pos += 1
    return "".join(pieces)


def _resolve_strings(library: Library) -> None:
    """Expand ``@string`` macros and ``#`` in place, in file order (a macro may use earlier ones)."""
    strings: dict[str, str] = {}
    for block in library.strings:
        strings[block.key.casefold()] = resolve_value(str(block.value), strings)
    for entry in library.entries:
        for field in entry.fields:
            field.value = resolve_value(str(field.value), strings)


def _inherit_crossrefs(library: Library) -> set[str]:
    """Fill each child's missing fields from the entry its ``crossref`` names; return the parents.

    As in biblatex, a parent's ``title`` is the child's ``booktitle`` (a paper in proceedings).
    Parents may come after their children (that is BibTeX's own rule); chains are followed a few
    steps, cycles are not.
    """
    from bibtexparser.model import Field

    by_key = {entry.key.casefold(): entry for entry in library.entries}
    parents: set[str] = set()
    for entry in library.entries:
        seen = {entry.key.casefold()}
        current = entry
        for _ in range(4):
            ref = _field(current, "crossref")
            if ref is None:
                break
            key = str(ref.value).strip().casefold()
            parent = by_key.get(key)
            if parent is None or key in seen:
                break
            seen.add(key)
            parents.add(key)
            have = {f.key.casefold() for f in entry.fields}
            for field in parent.fields:
                name = field.key.casefold()
                target = "booktitle" if name == "title" else name
                if target in _NOT_INHERITED or target in have:
                    continue
                entry.set_field(Field(target, field.value))
                have.add(target)
            current = parent
    return parents


def _field(entry: Entry, name: str) -> Any:
    for field in entry.fields:
        if field.key.casefold() == name:
            return field
    return None


def _fields(entry: Entry) -> dict[str, object]:
    """Field values by lower-cased name (the first of repeated fields wins, as in BibTeX)."""
    out: dict[str, object] = {}
    for field in entry.fields:
        out.setdefault(field.key.casefold(), field.value)
    return out


def _text(value: object) -> str | None:
    if not isinstance(value, str):
        return None if value is None else str(value)
    text = " ".join(tex_to_text(value, bibtex=True).split())
    return text or None


def _unwrap_person(name: str) -> str:
    """``{Pimentel, Jr.,Joseph J.}`` is a name in last, jr, first form that an exporter braced
    whole; a braced corporate name (``{Barnes and Noble, Inc.}``) stays whole."""
    if name.startswith("{") and name.endswith("}") and name.count("{") == 1:
        parts = [p.strip() for p in name[1:-1].split(",")]
        if len(parts) == 3 and _JR.match(parts[1]) and all(parts):
            return ", ".join(parts)
    return name


def _persons(value: object) -> tuple[list[str], bool]:
    """Display names (``First von Last Jr.``) and whether the list ended in ``and others``."""
    from bibtexparser.middlewares.names import (
        parse_single_name_into_parts,
        split_multiple_persons_names,
    )

    if not isinstance(value, str):
        return [], False
    names: list[str] = []
    others = False
    for raw in split_multiple_persons_names(value):
        raw = _unwrap_person(raw.strip())
        if raw.casefold() == "others":
            others = True  # "et al.": more authors exist, but none of them is called "others"
            continue
        try:
            parts = parse_single_name_into_parts(raw, strict=False)
            words = [*parts.first, *parts.von, *parts.last, *parts.jr]
        except ValueError:
            words = raw.split()
        name = _text(" ".join(words))
        if name:
            names.append(name)
    return names, others


def _year_month(fields: dict[str, object]) -> tuple[int | None, int | None, int | None]:
    """Year, month and day from biblatex ``date`` (``2020-05-17``, ``2020-05``, ``1984/1986``)
    or BibTeX ``year`` and ``month`` (``mar``, ``March``, ``3``)."""
    raw_date = fields.get("date")
    if isinstance(raw_date, str):
        match = re.match(r"\s*(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?", raw_date)
        if match:
            return (
                int(match.group(1)),
                int(match.group(2)) if match.group(2) else None,
                int(match.group(3)) if match.group(3) else None,
            )
    raw_year = fields.get("year")
    match = re.match(r"\s*(\d{4})(?!\d)", str(raw_year)) if raw_year is not None else None
    if not match:
        return None, None, None
    month = fields.get("month")
    number: int | None = None
    if isinstance(month, int):
        number = month
    elif isinstance(month, str):
        text = month.strip().casefold()
        number = MONTH_NUMBERS.get(text[:3]) or (int(text) if text.isdigit() else None)
    return int(match.group(1)), number, None


def _published(fields: dict[str, object]) -> date | None:
    year, month, day = _year_month(fields)
    if year is None:
        return None
    for candidate in ((year, month or 1, day or 1), (year, month or 1, 1), (year, 1, 1)):
        try:
            return date(*candidate)
        except ValueError:
            continue
    return None


def find_arxiv_id(fields: dict[str, object]) -> tuple[str, str | None] | None:
    """The arXiv id (and version) of an entry, wherever the exporter put it.

    ``eprint`` (with ``archivePrefix``/``eprinttype`` arXiv or none), then the arXiv DOI, a URL,
    ``journal = {arXiv preprint arXiv:…}``, ``note``, ``howpublished``… New-style ids keep their
    dot (``2306.13394``); old-style ids (``hep-th/9901001``) are found too.
    """
    prefix = str(fields.get("archiveprefix") or fields.get("eprinttype") or "arxiv")
    eprint = fields.get("eprint")
    if isinstance(eprint, str) and prefix.strip().casefold() == "arxiv":
        found = split_arxiv_version(tex_to_text(eprint, bibtex=True))
        if found:
            return found
    for name in ("arxivid", "arxiv"):  # Mendeley: arxivId = {1402.6711}
        value = fields.get(name)
        if isinstance(value, str) and (found := split_arxiv_version(value.strip())):
            return found
    for name in _ARXIV_FIELDS:
        value = fields.get(name)
        if not isinstance(value, str) or "arxiv" not in value.casefold():
            continue
        text = tex_to_text(value, bibtex=True)
        for match in _ARXIV_IN_TEXT.finditer(text):
            ident = match.group(1)
            if "/" in ident:  # old style: archive lower-case, subject class upper-case
                archive, number = ident.split("/")
                head, _, sub = archive.partition(".")
                ident = f"{head.lower()}{'.' + sub.upper() if sub else ''}/{number}"
            found = split_arxiv_version(ident + (match.group(2) or ""))
            if found:
                return found
    # dblp: journal = {CoRR} (or {ArXiv}), volume = {abs/1503.06733}
    journal = str(fields.get("journal") or fields.get("journaltitle") or "").strip("{} ")
    volume = fields.get("volume")
    if journal.casefold() in {"corr", "arxiv"} and isinstance(volume, str):
        return split_arxiv_version(volume.strip().removeprefix("abs/"))
    return None


def _entry_record(entry: Entry) -> PaperRecord:
    fields = _fields(entry)
    title = _text(fields.get("title"))
    if not title:
        raise ValueError("no title")
    authors, _others = _persons(fields.get("author"))
    if not authors and not fields.get("author"):
        authors, _others = _persons(fields.get("editor"))
    arxiv = find_arxiv_id(fields)
    doi_text = _text(fields.get("doi"))
    doi = clean_doi(doi_text) if doi_text else None
    keywords_text = _text(fields.get("keywords")) or ""
    return PaperRecord(
        title=title,
        arxiv_id=arxiv[0] if arxiv else None,
        version=arxiv[1] if arxiv else None,
        abstract=_text(fields.get("abstract")),
        authors=authors,
        author_count=len(authors) or None,
        published=_published(fields),
        doi=doi,
        journal_ref=_text(fields.get("journal") or fields.get("journaltitle") or fields.get("booktitle")),
        primary_category=_text(fields.get("primaryclass")),
        keywords=[k.strip() for k in re.split(r"[,;]", keywords_text) if k.strip()],
    )


def read_bibtex(text: str, ctx: ParseContext) -> Iterator[PaperRecord]:
    """Yield one record per BibTeX entry; a broken entry is skipped and counted with its line."""
    from bibtexparser.entrypoint import parse_string  # loaded on first BibTeX import
    from bibtexparser.middlewares import MonthIntMiddleware
    from bibtexparser.model import DuplicateBlockKeyBlock

    logging.getLogger("bibtexparser").setLevel(logging.CRITICAL)
    library = parse_string(text, parse_stack=[])
    _resolve_strings(library)
    parents = _inherit_crossrefs(library)
    MonthIntMiddleware(allow_inplace_modification=True).transform(library)
    entries: list[Entry] = list(library.entries)
    for block in library.failed_blocks:
        line = f"line {(block.start_line or 0) + 1}"
        if isinstance(block, DuplicateBlockKeyBlock):
            # BibTeX itself keeps the first entry with a key and ignores the repeat.
            first = (block.previous_block.start_line or 0) + 1
            ctx.skip(
                line,
                f"duplicate citation key {block.key!r} (already used on line {first}); "
                "give the entry its own key to import it",
            )
        else:
            ctx.skip(line, f"not a BibTeX entry that can be read ({_why(block)})")
    if not entries and library.failed_blocks:
        first_line = library.failed_blocks[0].start_line or 0
        raise ctx.fail(f"line {first_line + 1}: no BibTeX entry could be parsed")
    for entry in entries:
        where = f"line {(entry.start_line or 0) + 1} (@{entry.entry_type}{{{entry.key}}})"
        if (
            entry.key.casefold() in parents
            and entry.entry_type.casefold() in _VOLUMES
            and _field(entry, "crossref") is None
        ):
            ctx.skip(where, "a volume other entries cite through crossref, not a paper")
            continue
        try:
            yield _entry_record(entry)
        except ValidationError as error:
            ctx.skip(where, describe_validation(error))
        except ValueError as error:
            ctx.skip(where, str(error))


def _why(block: object) -> str:
    """bibtexparser's reason for a block it could not read, on one line."""
    error = getattr(block, "error", None)
    text = str(getattr(error, "abort_reason", "") or error or "")
    text = " ".join(text.split()).replace("`", "'")
    return text[:200] or "unbalanced braces or a missing comma"
