"""Syncing feeds: what to fetch since each feed's cursor, fetching it page by page, storing it.

Each fetched page is merged through the library's import rules in its own transaction, together with
the feed's cursor when the cursor may move: a failure part-way keeps the pages already committed and
leaves the cursor where what was stored allows it. A file lock beside the library keeps two syncs
(two shells, or the reader and cron) from running at once.
"""

from __future__ import annotations

import calendar
import json
import os
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import IO

from quire.config import Config, FeedConfig
from quire.errors import QuireError
from quire.importers.arxiv_atom import read_arxiv_atom
from quire.importers.base import ImportFailure, ParseContext
from quire.importers.hf_json import read_hf_json
from quire.models import ImportSummary, PaperRecord
from quire.store import Library, StoreError
from quire.sync.http import (
    BadResponse,
    Clock,
    Fetcher,
    FetchError,
    FetchPolicy,
    Page,
    full_url,
)

ARXIV_INTERVAL = 3.0  # arXiv's rule: at most one request every three seconds
ARXIV_LANE = "arxiv"
HF_PAGE = 100  # the daily_papers API's largest page
ARXIV_PAGE = 100


class SyncError(QuireError):
    """A sync could not run at all (another one is running, an unknown feed name)."""


class SyncBusy(SyncError):
    """Another sync holds the lock."""


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


@dataclass
class Progress:
    """Where a sync is: feed ``feed_index`` of ``feed_count``, page ``page`` of about ``pages``."""

    feed: str
    feed_index: int
    feed_count: int
    page: int
    pages: int | None

    @property
    def fraction(self) -> float:
        """Overall share done, 0..1, for a progress bar."""
        within = min(0.95, self.page / self.pages) if self.pages else min(0.9, self.page * 0.1)
        return (self.feed_index + within) / max(1, self.feed_count)


ProgressCallback = Callable[[Progress], None]


# -- the lock ---------------------------------------------------------------------------------


def lock_path(library: Library) -> Path:
    """The lock file of a library's syncs (beside the library file)."""
    return library.path.with_name(library.path.name + ".sync-lock")


@contextmanager
def sync_lock(library: Library) -> Iterator[None]:
    """Hold the library's sync lock, or raise ``SyncBusy`` at once if another sync holds it."""
    import fcntl

    path = lock_path(library)
    try:
        handle: IO[str] = path.open("a+", encoding="utf-8")
    except OSError as error:
        raise SyncError(
            f"{path}: cannot create the sync lock: {error.strerror or error}; nothing was fetched"
        ) from None
    try:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.seek(0)
            who = handle.read().strip()
            raise SyncBusy(
                "another sync is running"
                + (f" (process {who})" if who else "")
                + "; nothing was fetched, try again when it ends"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        try:
            yield
        finally:
            handle.seek(0)
            handle.truncate()
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
    finally:
        handle.close()


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


def _cursor_meta(feed: FeedConfig, through: date) -> dict[str, str]:
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
class _UrlContext(ParseContext):
    """Parse errors name the URL (a ``Path`` would fold its ``//``)."""

    url: str = ""

    def fail(self, why: str) -> ImportFailure:
        return ImportFailure(f"{self.url}: {why}")


def parse_hf(page: Page, require_list: bool = True) -> tuple[list[PaperRecord], list[str]]:
    """The papers of a daily_papers response (an array); ``BadResponse`` names the URL."""
    if require_list:
        try:
            data = json.loads(page.text)
        except json.JSONDecodeError as error:
            raise BadResponse(
                f"{page.url}: line {error.lineno}, column {error.colno}: not valid "
                f"JSON ({error.msg}){_looks_like(page.text)}"
            ) from None
        if not isinstance(data, list):
            raise BadResponse(f"{page.url}: expected a JSON array of papers, got {type(data).__name__}")
    ctx = _UrlContext(path=Path("."), url=page.url)
    try:
        records = list(read_hf_json(page.text, ctx))
    except ImportFailure as error:
        raise BadResponse(str(error) + _looks_like(page.text)) from None
    return records, ctx.skipped


def parse_arxiv(page: Page) -> tuple[list[PaperRecord], list[str]]:
    """The papers of an arXiv API response (Atom); ``BadResponse`` names the URL."""
    ctx = _UrlContext(path=Path("."), url=page.url)
    try:
        records = list(read_arxiv_atom(page.text, ctx))
    except ImportFailure as error:
        raise BadResponse(str(error) + _looks_like(page.text)) from None
    return records, ctx.skipped


def _looks_like(text: str) -> str:
    head = text.lstrip()[:200].lower()
    if head.startswith(("<!doctype html", "<html")) or "<html" in head:
        return " (the server sent an HTML page, not the API's answer)"
    return ""


# -- planning ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """One request of the Daily Papers API: a day, an ISO week or a month."""

    param: str  # date, week or month
    value: str
    last: date  # the last day it covers


def hf_periods(start: date, today: date) -> list[Period]:
    """The requests that cover ``start``..``today``, oldest first.

    Whole past months and ISO weeks inside the range are one request each (``month=``/``week=``),
    the rest one request per day, so a long back-fill costs a few requests, not one per day.
    """
    periods: list[Period] = []
    day = start
    while day <= today:
        if day.day == 1:
            end = day.replace(day=calendar.monthrange(day.year, day.month)[1])
            if end < today:
                periods.append(Period("month", f"{day:%Y-%m}", end))
                day = end + timedelta(days=1)
                continue
        if day.weekday() == 0:
            end = day + timedelta(days=6)
            if end < today:
                year, week, _ = day.isocalendar()
                periods.append(Period("week", f"{year}-W{week:02d}", end))
                day = end + timedelta(days=1)
                continue
        periods.append(Period("date", day.isoformat(), day))
        day += timedelta(days=1)
    return periods


# -- the sync ---------------------------------------------------------------------------------


class _FeedRun:
    """One feed's sync: shared plumbing for both sources."""

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
        etag, modified = _validators(self.library, full_url(url, params)) if conditional else (None, None)
        page = self.fetcher.get(url, params, etag=etag, last_modified=modified, lane=lane)
        self.report.pages += 1
        if page.not_modified:
            self.report.not_modified += 1
        return page

    def store(
        self, page: Page, records: list[PaperRecord], skipped: list[str], source: str, meta: dict[str, str]
    ) -> None:
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


def _sync_hf(run: _FeedRun, base: str, start: date, today: date, old_cursor: date | None) -> None:
    periods = hf_periods(start, today)
    url = f"{base}/api/daily_papers"
    for number, period in enumerate(periods):
        run.progress(number, len(periods))
        page_no = 0
        while True:
            if run.report.pages >= run.max_pages:
                run.report.warning = (
                    f"stopped at the page cap ({run.max_pages} pages, "
                    f"max_pages); run sync again to continue from "
                    f"{period.value}"
                )
                return
            params: dict[str, str | int] = {period.param: period.value, "limit": HF_PAGE}
            if page_no:
                params["p"] = page_no
            page = run.fetch(url, params, conditional=True)
            records, skipped = ([], []) if page.not_modified else parse_hf(page)
            more = len(records) + len(skipped) >= HF_PAGE  # a full page: ask for the next one
            # The cursor moves with the period's last page: every day up to it is then stored.
            # It never moves back (a --since re-fetch of older days leaves it where it was).
            moves = not more and (old_cursor is None or period.last > old_cursor)
            meta = _cursor_meta(run.feed, period.last) if moves else {}
            run.store(page, records, skipped, "hf-json", meta)
            if not more:
                if moves:
                    run.report.cursor = period.last.isoformat()
                break
            page_no += 1


def _sync_arxiv(run: _FeedRun, base: str, floor: date, old_cursor: date | None) -> None:
    url = f"{base}/api/query"
    query = run.feed.query or ""
    newest: date | None = None
    start = 0
    while True:
        run.progress(start // ARXIV_PAGE, None)
        if run.report.pages >= run.max_pages:
            # Moving the cursor to the newest day keeps later syncs incremental; say what was missed.
            run.report.warning = (
                f"stopped at the page cap ({run.max_pages} pages, max_pages): "
                f"papers submitted between {floor} and the oldest fetched were "
                "not fetched"
            )
            break
        params: dict[str, str | int] = {
            "search_query": query,
            "sortBy": "submittedDate",
            "sortOrder": "descending",
            "start": start,
            "max_results": ARXIV_PAGE,
        }
        page = run.fetch(url, params, conditional=False, lane=ARXIV_LANE)
        records, skipped = parse_arxiv(page)
        keep = [r for r in records if r.published is None or r.published >= floor]
        reached_floor = len(keep) < len(records) or len(records) < ARXIV_PAGE
        for record in keep:
            if record.published and (newest is None or record.published > newest):
                newest = record.published
        # The cursor may move only once every page down to the floor is stored (pages come newest
        # first), so it is written with the last page.
        through = max(d for d in (newest, old_cursor, floor) if d is not None)
        meta = _cursor_meta(run.feed, through) if reached_floor else {}
        run.store(page, keep, skipped, "arxiv-atom", meta)
        if reached_floor:
            run.report.cursor = through.isoformat()
            return
        start += ARXIV_PAGE
    if newest is not None and not run.dry_run and (old_cursor is None or newest > old_cursor):
        run.library.set_meta(_cursor_meta(run.feed, newest))
        run.report.cursor = newest.isoformat()


def polite_fetcher(clock: Clock | None = None) -> Fetcher:
    """A fetcher keeping arXiv's 3 s between its requests."""
    return Fetcher(FetchPolicy(min_interval={ARXIV_LANE: ARXIV_INTERVAL}), clock=clock)


def select_feeds(config: Config, names: Sequence[str]) -> list[FeedConfig]:
    """The feeds named (case-insensitive, unique prefixes too), or every feed if none are named."""
    if not names:
        return list(config.feeds)
    chosen: list[FeedConfig] = []
    for name in names:
        wanted = name.casefold()
        exact = [f for f in config.feeds if f.name.casefold() == wanted]
        found = exact or [f for f in config.feeds if f.name.casefold().startswith(wanted)]
        if len(found) != 1:
            known = ", ".join(repr(f.name) for f in config.feeds) or "(none configured)"
            what = "matches several feeds" if found else "is not a configured feed"
            raise SyncError(f"{name!r} {what}; feeds: {known}")
        if found[0] not in chosen:
            chosen.append(found[0])
    return chosen


def sync_feeds(
    library: Library,
    config: Config,
    feeds: Sequence[FeedConfig] | None = None,
    *,
    since: date | None = None,
    dry_run: bool = False,
    fetcher: Fetcher | None = None,
    progress: ProgressCallback | None = None,
) -> list[FeedReport]:
    """Sync feeds one after another; a failed feed is reported and the others still run.

    Raises ``SyncBusy`` if another sync holds the lock (nothing is fetched then).
    """
    chosen = list(config.feeds if feeds is None else feeds)
    own = fetcher is None
    if fetcher is None:
        fetcher = polite_fetcher()
    reports: list[FeedReport] = []
    try:
        with sync_lock(library):
            today = fetcher.clock.today()
            for index, feed in enumerate(chosen):

                def step(page: int, pages: int | None, index: int = index, name: str = feed.name) -> None:
                    if progress is not None:
                        progress(Progress(name, index, len(chosen), page, pages))

                reports.append(_sync_one(library, config, fetcher, feed, today, since, dry_run, step))
            if progress is not None:
                progress(Progress("", len(chosen), len(chosen), 1, 1))
    finally:
        if own:
            fetcher.close()
    return reports


def _sync_one(
    library: Library,
    config: Config,
    fetcher: Fetcher,
    feed: FeedConfig,
    today: date,
    since: date | None,
    dry_run: bool,
    step: Callable[[int, int | None], None],
) -> FeedReport:
    report = FeedReport(feed.name, feed.source)
    started = time.monotonic()
    cursor = read_cursor(library, feed)
    first = today - timedelta(days=config.backfill_days - 1)
    start = since or cursor or first
    run = _FeedRun(library, fetcher, feed, report, dry_run, config.max_pages, step)
    try:
        if feed.source == "hf-daily":
            _sync_hf(run, config.hf_api_url, min(start, today), today, cursor)
        else:
            _sync_arxiv(run, config.arxiv_api_url, min(start, today), cursor)
    except (FetchError, StoreError) as error:
        report.error = str(error)
    report.seconds = time.monotonic() - started
    if report.error is None and report.cursor is None:
        report.cursor = cursor.isoformat() if cursor else None
    return report
