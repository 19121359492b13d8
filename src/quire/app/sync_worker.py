"""The reader's ``R``: sync the feeds in a thread worker and report back with messages.

The worker never touches widgets: it posts ``SyncProgress`` (replaceable, for the progress bar)
and one ``SyncDone``; the main screen shows them. A failed feed is a notification, never a crash.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from textual.message import Message
from textual.notifications import SeverityLevel
from textual.worker import Worker, WorkerState, get_current_worker

from quire.errors import QuireError, log_unexpected
from quire.sync import Progress, SyncBusy, SyncResult, SystemClock, run_sync
from quire.sync.arxiv_feed import polite_fetcher

if TYPE_CHECKING:
    from textual.app import App
    from textual.screen import Screen

    from quire.app.session import Session

GROUP = "sync"


class SyncCancelled(Exception):
    """The reader is closing: stop between requests."""


class SyncProgress(Message):
    """How far the sync is, 0..100."""

    def __init__(self, percent: float, feed: str) -> None:
        super().__init__()
        self.percent = percent
        self.feed = feed

    def can_replace(self, message: Message) -> bool:
        """Only the latest progress matters."""
        return isinstance(message, SyncProgress)


@dataclass
class Notice:
    """One notification to show."""

    text: str
    title: str
    severity: SeverityLevel = "information"


class SyncDone(Message):
    """The sync ended: its result, or why it could not run."""

    def __init__(self, result: SyncResult | None, problem: str | None = None) -> None:
        super().__init__()
        self.result = result
        self.problem = problem

    def notices(self) -> list[Notice]:
        """What to tell the user: the counts, each failed feed, each warning."""
        if self.result is None:
            return [Notice(self.problem or "The sync did not run", "Sync", "warning")]
        out = []
        if any(f.error is None for f in self.result.feeds):
            out.append(Notice(self.result.message(), "Synced"))
        for report in self.result.feeds:
            if report.error:
                out.append(Notice(f"{report.name}: {report.error}", "Feed failed", "error"))
            elif report.warning:
                out.append(Notice(f"{report.name}: {report.warning}", "Sync", "warning"))
        return out


class _WorkerClock(SystemClock):
    """The real clock, whose sleeps end early (and stop the sync) when the worker is cancelled."""

    def __init__(self, worker: Worker[None]) -> None:
        super().__init__()
        self.worker = worker

    def sleep(self, seconds: float) -> None:
        """Sleep in short steps so quitting never waits out a back-off."""
        end = time.monotonic() + seconds
        while (left := end - time.monotonic()) > 0:
            if self.worker.is_cancelled:
                raise SyncCancelled
            time.sleep(min(0.1, left))


def sync_running(app: App[Any]) -> bool:
    """Whether this reader is already syncing."""
    return any(
        w.group == GROUP and w.state in (WorkerState.PENDING, WorkerState.RUNNING) for w in app.workers
    )


def start_sync(screen: Screen[None], session: Session) -> bool:
    """Start a sync of every configured feed in a thread worker; ``False`` if one is running."""
    app = screen.app
    if sync_running(app):
        app.notify("A sync is already running", title="Sync", severity="warning", markup=False)
        return False
    if not session.config.feeds:
        app.notify(
            "No feeds configured: add a [[feeds]] table to the config (see config.example.toml)",
            title="Sync",
            severity="warning",
            markup=False,
        )
        return False

    def work() -> None:
        worker: Worker[None] = get_current_worker()
        library, config = session.library, session.config

        def progress(step: Progress) -> None:
            if worker.is_cancelled:
                raise SyncCancelled
            screen.post_message(SyncProgress(step.fraction * 100, step.feed))

        try:
            with polite_fetcher(_WorkerClock(worker)) as fetcher:
                result = run_sync(library, config, fetcher=fetcher, progress=progress)
        except SyncCancelled:
            return
        except SyncBusy as error:
            screen.post_message(SyncDone(None, str(error).capitalize()))
            return
        except (QuireError, OSError) as error:
            screen.post_message(SyncDone(None, f"The sync failed: {error}"))
            return
        except Exception as error:  # a bug must not close the reader; its details go to the log
            log = log_unexpected(error, "sync")
            screen.post_message(
                SyncDone(None, f"The sync failed unexpectedly ({type(error).__name__}); details are in {log}")
            )
            return
        index = session.index
        if index is not None and result.new_pids:
            index.refresh()  # here, off the UI thread: the Inbox then shows the new papers at once
        screen.post_message(SyncDone(result))

    screen.run_worker(work, name="sync", group=GROUP, thread=True)
    return True
