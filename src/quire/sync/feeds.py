"""Syncing feeds: choosing them, and running each one from its cursor under the sync lock.

``sync_feeds`` holds the lock (``sync.lock``), works out each feed's start day (``--since``, its
cursor, or the back-fill window) and hands it to its source's loop (``hf_daily``, ``arxiv_feed``);
what they share (the report, cursors, storing a page) is in ``feed_run``, polite HTTP in ``http``.
A failed feed is reported and the others still run.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from quire.config import Config, FeedConfig
from quire.store import Library, StoreError
from quire.sync.arxiv_feed import polite_fetcher, sync_arxiv
from quire.sync.feed_run import FeedReport, FeedRun, read_cursor
from quire.sync.hf_daily import sync_hf
from quire.sync.http import Fetcher, FetchError
from quire.sync.lock import SyncError, sync_lock


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
    run = FeedRun(library, fetcher, feed, report, dry_run, config.max_pages, step)
    try:
        if feed.source == "hf-daily":
            sync_hf(run, config.hf_api_url, min(start, today), today, cursor)
        else:
            sync_arxiv(run, config.arxiv_api_url, min(start, today), cursor)
    except (FetchError, StoreError) as error:
        report.error = str(error)
    report.seconds = time.monotonic() - started
    if report.error is None and report.cursor is None:
        report.cursor = cursor.isoformat() if cursor else None
    return report
