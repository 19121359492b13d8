"""Feeds: ``quire sync``, ``quire add``, watch rules and the digest (the core; never imports Textual).

``run_sync`` is what the command line and the reader's ``R`` both call.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from quire.config import Config, FeedConfig
from quire.store import Library
from quire.sync.feed_run import FeedReport
from quire.sync.feeds import Progress, ProgressCallback, select_feeds, sync_feeds
from quire.sync.http import BadResponse, Clock, Fetcher, FetchError, FetchPolicy, SystemClock
from quire.sync.lock import SyncBusy, SyncError
from quire.sync.watch import WatchReport, apply_watch_rules

__all__ = [
    "BadResponse",
    "Clock",
    "FeedReport",
    "FetchError",
    "FetchPolicy",
    "Fetcher",
    "Progress",
    "SyncBusy",
    "SyncError",
    "SyncResult",
    "SystemClock",
    "WatchReport",
    "run_sync",
    "select_feeds",
]


@dataclass
class SyncResult:
    """A whole sync: one report per feed, then what each watch rule caught."""

    feeds: list[FeedReport]
    watch: list[WatchReport] = field(default_factory=list)

    @property
    def failed(self) -> list[FeedReport]:
        """The feeds that failed."""
        return [f for f in self.feeds if f.error]

    @property
    def new_pids(self) -> list[int]:
        """Every paper this sync added."""
        return [pid for f in self.feeds for pid in f.new_pids]

    def message(self) -> str:
        """One sentence for a notification: "12 new papers from Daily Papers, 40 from arXiv cs.CL"."""
        parts: list[str] = []
        for report in self.feeds:
            if report.error:
                continue
            noun = "new paper" + ("s" if report.added != 1 else "")
            parts.append(
                f"{report.added} {noun} from {report.name}"
                if not parts
                else f"{report.added} from {report.name}"
            )
        text = ", ".join(parts) if parts else "No feed could be synced"
        caught = [w for w in self.watch if w.pids]
        if caught:
            text += "; watch rules: " + ", ".join(f"{w.rule} {len(w.pids)}" for w in caught)
        return text


def run_sync(
    library: Library,
    config: Config,
    feeds: Sequence[FeedConfig] | None = None,
    *,
    since: date | None = None,
    dry_run: bool = False,
    fetcher: Fetcher | None = None,
    progress: ProgressCallback | None = None,
) -> SyncResult:
    """Sync the feeds (all configured ones by default), then apply the watch rules to what is new.

    Raises ``SyncBusy`` if another sync is running; a failing feed is reported in its
    ``FeedReport.error`` and the other feeds still sync.
    """
    before = library.current_rev()
    reports = sync_feeds(
        library, config, feeds, since=since, dry_run=dry_run, fetcher=fetcher, progress=progress
    )
    result = SyncResult(reports)
    if not dry_run:
        result.watch = apply_watch_rules(library, config.watch, result.new_pids, before)
    return result
