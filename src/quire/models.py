"""The data quire handles: papers as sources describe them, and papers as the library holds them.

A ``PaperRecord`` is what an importer reads from one source; it carries only what that source knows
(``None`` or empty for the rest), so merging never erases a known value. A ``Paper`` is a record in
the library together with the user's ``Annotation``.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

_ARXIV_NEW = re.compile(r"^(\d{4}\.\d{4,5})(v\d+)?$")
_ARXIV_OLD = re.compile(r"^([a-z\-]+(?:\.[A-Z]{2})?/\d{7})(v\d+)?$")


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


_DOI = re.compile(r"^10\.\d{4,9}/\S+$")
_DOI_PREFIX = re.compile(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", re.IGNORECASE)


def clean_doi(raw: str) -> str | None:
    """A DOI as ``10.prefix/suffix`` (URL and ``doi:`` prefixes dropped); ``None`` if it is not one."""
    text = _DOI_PREFIX.sub("", raw.strip()).strip()
    return text if _DOI.match(text) else None


def doi_key(doi: str) -> str:
    """A DOI folded for identity: DOIs are case-insensitive (ASCII-only folding, as SQL's lower())."""
    return doi.strip().lower()


_SUFFIXES = frozenset(["jr", "sr", "ii", "iii", "iv"])


def name_words(name: str) -> list[str]:
    """A person's name as folded words, suffixes (Jr., III) left out: ``Kollár, J.`` → kollar, j."""
    text = unicodedata.normalize("NFKD", name).casefold()
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return [w for w in re.findall(r"\w+", text) if w not in _SUFFIXES]


def same_person(a: str, b: str) -> bool:
    """Could two spellings name the same person? The family name of one is a word of the other.

    ``J. Smith`` / ``John Smith`` and ``Wang Wei`` / ``Wei Wang`` agree; ``John Smith`` /
    ``John Doe`` do not.
    """
    words_a, words_b = name_words(a), name_words(b)
    if not words_a or not words_b:
        return True
    return words_a[-1] in words_b or words_b[-1] in words_a


def title_key(title: str) -> str:
    """Fold a title for identity: case, accents, whitespace and punctuation do not matter."""
    text = unicodedata.normalize("NFKD", title).casefold()
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return " ".join(re.findall(r"\w+", text))


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
            return f"{self.author_count} authors"
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
            "author_count": self.author_count if self.author_count is not None
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

    def line(self) -> str:
        """The one-line summary printed after an import."""
        return (
            f"{self.path} ({self.format}): {self.added} added, {self.updated} updated, "
            f"{self.unchanged} unchanged, {self.skipped} skipped"
        )
