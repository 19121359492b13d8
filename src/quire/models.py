"""The data quire handles: papers as sources describe them, and papers as the library holds them.

A ``PaperRecord`` is what an importer reads from one source; it carries only what that source knows
(``None`` or empty for the rest), so merging never erases a known value. A ``Paper`` is a record in
the library together with the user's ``Annotation``.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from datetime import date, datetime
from urllib.parse import quote, quote_plus

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from quire.folding import fold as _fold
from quire.wording import counted

_ARXIV_NEW = re.compile(r"^(\d{4}\.\d{4,5})(v\d+)?$")
_ARXIV_OLD = re.compile(r"^([a-z\-]+(?:\.[A-Z]{2})?/\d{7})(v\d+)?$")
# A DOI is "10.", a registrant number, "/" and a suffix. Suffixes may hold almost any printable
# character, but never whitespace, controls, braces or backslashes: those only ever come from
# broken or hostile files, and would break out of a BibTeX field or a command line.
_DOI = re.compile(r"^10\.\d{4,9}/[^\x00-\x20\x7f-\x9f{}\\]+$")
_DOI_PREFIX = re.compile(r"(?i)^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)")


def split_arxiv_version(raw: str) -> tuple[str, str | None] | None:
    """Split ``2206.01234v3`` into ``("2206.01234", "v3")``; ``None`` if it is not an arXiv id.

    Accepts URLs (``https://arxiv.org/abs/…``) and the ``arXiv:`` prefix too.
    """
    text = raw.strip()
    text = re.sub(r"^https?://(www\.)?(export\.)?arxiv\.org/(abs|pdf)/", "", text)
    text = re.sub(r"(?i)^arxiv:", "", text).removesuffix(".pdf")
    for pattern in (_ARXIV_NEW, _ARXIV_OLD):
        match = pattern.match(text)
        if match:
            return match.group(1), match.group(2)
    return None


def clean_doi(raw: str) -> str | None:
    """A DOI as ``10.prefix/suffix`` (URL and ``doi:`` prefixes dropped); ``None`` if it is not one."""
    text = _DOI_PREFIX.sub("", raw.strip()).strip()
    return text if _DOI.fullmatch(text) else None


def doi_key(doi: str) -> str:
    """A DOI folded for identity: DOIs are case-insensitive (ASCII-only folding, as SQL's lower())."""
    return doi.strip().lower()


_SUFFIXES = frozenset(["jr", "sr", "ii", "iii", "iv"])
_WORDS = re.compile(r"\w+")


def name_words(name: str) -> list[str]:
    """A person's name as folded words, suffixes (Jr., III) left out: ``Kollár, J.`` → kollar, j."""
    return [w for w in _WORDS.findall(_fold(name)) if w not in _SUFFIXES]


def same_person(a: str, b: str) -> bool:
    """Could two spellings name the same person? The family name of one is a word of the other.

    ``J. Smith`` / ``John Smith`` and ``Wang Wei`` / ``Wei Wang`` agree; ``John Smith`` /
    ``John Doe`` do not.
    """
    return same_name_words(name_words(a), name_words(b))


def same_name_words(words_a: Sequence[str], words_b: Sequence[str]) -> bool:
    """:func:`same_person` on names already split by :func:`name_words`."""
    if not words_a or not words_b:
        return True
    return words_a[-1] in words_b or words_b[-1] in words_a


def valid_arxiv_id(text: str) -> bool:
    """Is ``text`` exactly an arXiv id, new (``2409.00001``) or old style (``hep-th/9901001``)?"""
    return bool(_ARXIV_NEW.fullmatch(text) or _ARXIV_OLD.fullmatch(text))


def arxiv_url(arxiv_id: str) -> str:
    """The abstract page of a validated arXiv id, percent-encoded; ``ValueError`` for anything else.

    The URL goes to a browser command as one argument; only an id that is exactly an arXiv id
    can get there, so no file can smuggle options, spaces or shell syntax into it.
    """
    if not valid_arxiv_id(arxiv_id):
        raise ValueError(f"not an arXiv id: {arxiv_id!r}")
    return "https://arxiv.org/abs/" + quote(arxiv_id, safe="/.")


def search_url(title: str) -> str:
    """A Hugging Face papers search for a title (every character percent-encoded as needed)."""
    return "https://huggingface.co/papers?q=" + quote_plus(title)


def title_key(title: str) -> str:
    """Fold a title for identity: case, accents, whitespace and punctuation do not matter."""
    return " ".join(_WORDS.findall(_fold(title)))


def short_id_for(key: str) -> str:
    """A short stable id for a paper without an arXiv id, derived from its title key."""
    return "t" + hashlib.sha1(key.encode("utf-8")).hexdigest()[:7]


class PaperRecord(BaseModel):
    """One paper as one source describes it. Unknown values are ``None`` (or empty lists)."""

    model_config = ConfigDict(extra="forbid")

    title: str
    arxiv_id: str | None = None
    version: str | None = None
    abstract: str | None = None
    authors: list[str] = Field(default_factory=list)
    author_count: int | None = None
    org_handle: str | None = None
    org_name: str | None = None
    published: date | None = None
    updated: date | None = None
    upvotes: int | None = None
    comments: int | None = None
    github_repo: str | None = None
    github_stars: int | None = None
    keywords: list[str] = Field(default_factory=list)
    categories: list[str] = Field(default_factory=list)
    primary_category: str | None = None
    doi: str | None = None
    journal_ref: str | None = None
    comment: str | None = None
    pdf_url: str | None = None

    @field_validator("arxiv_id")
    @classmethod
    def _arxiv_id(cls, value: str | None) -> str | None:
        # Checked here, where every importer's records pass, not in each importer: a record
        # whose id is not an arXiv id is refused (the importer skips it and says why).
        if value is not None and not valid_arxiv_id(value):
            raise ValueError(f"not an arXiv id: {value!r}")
        return value

    @field_validator("doi")
    @classmethod
    def _doi(cls, value: str | None) -> str | None:
        # A malformed DOI is only a detail of an otherwise good record: it is dropped.
        return clean_doi(value) if value else None

    @model_validator(mode="after")
    def _version_apart(self) -> PaperRecord:
        # "2409.00001v2" is stored as the id "2409.00001" and the version "v2".
        if self.arxiv_id:
            match = _ARXIV_NEW.fullmatch(self.arxiv_id) or _ARXIV_OLD.fullmatch(self.arxiv_id)
            if match and match.group(2):
                self.arxiv_id = match.group(1)
                self.version = self.version or match.group(2)
        return self


def row_marks(read: bool, bookmarked: bool, noted: bool) -> tuple[str, str, str]:
    """The marks a list row shows, in the CLI and the reader: • unread, ★ bookmarked, ✎ has a
    note (a space where one does not apply, so columns line up)."""
    return ("•" if not read else " ", "★" if bookmarked else " ", "✎" if noted else " ")


class Annotation(BaseModel):
    """What the user has said about a paper. Stored apart from the paper and never touched by imports."""

    bookmarked: bool = False
    read: bool = False
    tags: list[str] = Field(default_factory=list)
    note: str = ""
    read_at: datetime | None = None
    bookmarked_at: datetime | None = None


class Paper(PaperRecord):
    """A paper in the library: the merged record, its identity, sources and the user's annotation."""

    model_config = ConfigDict(extra="forbid")

    pid: int
    short_id: str
    added: datetime
    sources: list[str] = Field(default_factory=list)
    annotation: Annotation = Field(default_factory=Annotation)
    fresh: bool = False  # brought by a sync and not opened yet: the reader shows it as new

    @field_validator("arxiv_id")
    @classmethod
    def _arxiv_id(cls, value: str | None) -> str | None:
        # Overrides the record's check: a library written before ids were checked may hold a
        # bad one; the paper still loads, but without it (so no link is ever built from it).
        return value if value is not None and valid_arxiv_id(value) else None

    @property
    def id(self) -> str:
        """The id users type: the arXiv id when known, else the short stable id."""
        return self.arxiv_id or self.short_id

    @property
    def authors_label(self) -> str:
        """Authors as one short line: names, or the count, or the organisation."""
        if self.authors:
            if len(self.authors) > 3:
                return f"{self.authors[0]} et al. ({len(self.authors)})"
            return ", ".join(self.authors)
        if self.author_count:
            return counted(self.author_count, "author")
        return self.org_name or ""

    def as_json(self) -> dict[str, object]:
        """The stable JSON shape of ``--json`` output and the JSON export."""
        ann = self.annotation
        return {
            "id": self.id,
            "arxiv_id": self.arxiv_id,
            "title": self.title,
            "abstract": self.abstract,
            "authors": list(self.authors),
            "author_count": self.author_count
            if self.author_count is not None
            else (len(self.authors) or None),
            "organization": self.org_name,
            "published": self.published.isoformat() if self.published else None,
            "upvotes": self.upvotes,
            "comments": self.comments,
            "categories": list(self.categories),
            "doi": self.doi,
            "github_repo": self.github_repo,
            "keywords": list(self.keywords),
            "sources": list(self.sources),
            "tags": list(ann.tags),
            "bookmarked": ann.bookmarked,
            "read": ann.read,
            "note": ann.note,
            "added": self.added.isoformat(timespec="seconds"),
        }


class ImportSummary(BaseModel):
    """What one import did: counts, and why records were skipped."""

    path: str
    format: str
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    skip_reasons: list[str] = Field(default_factory=list)
    notices: list[str] = Field(default_factory=list)  # what else the user should hear

    def line(self) -> str:
        """The one-line summary printed after an import (notices on lines of their own)."""
        return (
            f"{self.path} ({self.format}): {self.added} added, {self.updated} updated, "
            f"{self.unchanged} unchanged, {self.skipped} skipped"
        )
