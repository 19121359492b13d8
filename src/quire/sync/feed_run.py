"""What every feed's sync shares: its report, its cursor, HTTP validators and storing a page.

``FeedRun`` fetches one page at a time (conditionally when the source allows it, counting pages
against the cap) and merges each page through the library's import rules in its own transaction,
together with the feed's cursor when the cursor may move: a failure part-way keeps the pages already
committed and leaves the cursor where what was stored allows it. The source-specific loops live in
``hf_daily`` and ``arxiv_feed``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from quire.config import FeedConfig
from quire.importers.base import ImportFailure, ParseContext
from quire.models import ImportSummary, PaperRecord
from quire.store import Library
from quire.sync.http import BadResponse, Fetcher, Page, full_url


@dataclass
class FeedReport:
    """What one feed's sync did."""

    name: str
    source: str
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    pages: int = 0
    not_modified: int = 0
    seconds: float = 0.0
    error: str | None = None
    warning: str | None = None
    cursor: str | None = None
    new_pids: list[int] = field(default_factory=list)

    def line(self) -> str:
        """The one line ``quire sync`` prints for this feed."""
        if self.error:
            return f"{self.name}: failed: {self.error}"
        text = (
            f"{self.name}: {self.added} new, {self.updated} updated, {self.unchanged} "
            f"unchanged ({self.pages} page{'s' if self.pages != 1 else ''}, "
            f"{self.seconds:.1f} s)"
        )
        return text + (f"; {self.warning}" if self.warning else "")

    def as_json(self) -> dict[str, object]:
        """The stable JSON shape of ``quire sync --json``."""
        return {
            "feed": self.name,
            "source": self.source,
            "new": self.added,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "skipped": self.skipped,
            "pages": self.pages,
            "not_modified": self.not_modified,
            "seconds": round(self.seconds, 3),
            "cursor": self.cursor,
            "error": self.error,
            "warning": self.warning,
        }


# -- cursors and validators -------------------------------------------------------------------


def cursor_key(feed: FeedConfig) -> str:
    """The meta key of a feed's cursor: source and query too, so an edited feed starts afresh."""
    return f"sync:{feed.source}:{feed.query or ''}"


def read_cursor(library: Library, feed: FeedConfig) -> date | None:
    """The day through which a feed is synced, or ``None`` before its first sync."""
    raw = library.get_meta(cursor_key(feed))
    if not raw:
        return None
    try:
        return date.fromisoformat(json.loads(raw)["through"])
    except (ValueError, KeyError, TypeError):
        return None  # a damaged cursor means a fresh back-fill, not a crash


def cursor_meta(feed: FeedConfig, through: date) -> dict[str, str]:
    """The meta row that moves a feed's cursor to ``through`` (written with the page that allows it)."""
    return {cursor_key(feed): json.dumps({"through": through.isoformat()})}


def _validators(library: Library, url: str) -> tuple[str | None, str | None]:
    raw = library.get_meta(f"http:{url}")
    if not raw:
        return None, None
    try:
        data = json.loads(raw)
        return data.get("etag"), data.get("last_modified")
    except (ValueError, AttributeError):
        return None, None


def _validator_meta(page: Page) -> dict[str, str]:
    if not (page.etag or page.last_modified):
        return {}
    return {f"http:{page.url}": json.dumps({"etag": page.etag, "last_modified": page.last_modified})}


# -- parsing pages ----------------------------------------------------------------------------


@dataclass
class UrlContext(ParseContext):
    """Parse errors name the URL (a ``Path`` would fold its ``//``)."""

    url: str = ""

    def fail(self, why: str) -> ImportFailure:
        """A failure that names the page's URL."""
        return ImportFailure(f"{self.url}: {why}")


def looks_like(text: str) -> str:
    """A hint to add to a parse error when the server sent an HTML page instead of its API's answer."""
    head = text.lstrip()[:200].lower()
    if head.startswith(("<!doctype html", "<html")) or "<html" in head:
        return " (the server sent an HTML page, not the API's answer)"
    return ""


def read_page(
    page: Page, reader: Callable[[str, ParseContext], Iterator[PaperRecord]]
) -> tuple[list[PaperRecord], list[str]]:
    """The papers ``reader`` finds in ``page`` and the records it skipped; a page it cannot read
    is a ``BadResponse`` that names the URL (and says so when the server sent HTML)."""
    ctx = UrlContext(path=Path("."), url=page.url)
    try:
        records = list(reader(page.text, ctx))
    except ImportFailure as error:
        raise BadResponse(str(error) + looks_like(page.text)) from None
    return records, ctx.skipped


# -- one feed's run ---------------------------------------------------------------------------


class FeedRun:
    """One feed's sync: fetching and storing pages, shared by both sources."""

    def __init__(
        self,
        library: Library,
        fetcher: Fetcher,
        feed: FeedConfig,
        report: FeedReport,
        dry_run: bool,
        max_pages: int,
        progress: Callable[[int, int | None], None],
    ) -> None:
        self.library = library
        self.fetcher = fetcher
        self.feed = feed
        self.report = report
        self.dry_run = dry_run
        self.max_pages = max_pages
        self.progress = progress

    def fetch(
        self, url: str, params: dict[str, str | int], conditional: bool, lane: str | None = None
    ) -> Page:
        """Fetch one page (with the validators stored for its URL when ``conditional``) and count it."""
        etag, modified = _validators(self.library, full_url(url, params)) if conditional else (None, None)
        page = self.fetcher.get(url, params, etag=etag, last_modified=modified, lane=lane)
        self.report.pages += 1
        if page.not_modified:
            self.report.not_modified += 1
        return page

    def store(
        self, page: Page, records: list[PaperRecord], skipped: list[str], source: str, meta: dict[str, str]
    ) -> None:
        """Merge one page's papers in one transaction with ``meta`` and the page's validators."""
        summary = ImportSummary(path=page.url, format=source)
        new = self.library.import_page(
            records,
            summary,
            source,
            meta={**meta, **_validator_meta(page)},
            tag=self.feed.tag,
            dry_run=self.dry_run,
        )
        self.report.added += summary.added
        self.report.updated += summary.updated
        self.report.unchanged += summary.unchanged
        self.report.skipped += summary.skipped + len(skipped)
        if not self.dry_run:
            self.report.new_pids += new
