"""The reader's ``R``: sync the feeds in a thread worker and report back with messages.

The worker never touches widgets: it posts ``SyncProgress`` (replaceable, for the progress bar)
and one ``SyncDone``; the main screen shows them. A failed feed is a notification, never a crash.
The worker itself is ``sync_run``, imported on the first sync: the feeds, their HTTP client and
the importers they use are not needed to open the reader.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

from textual.message import Message
from textual.notifications import SeverityLevel
from textual.worker import WorkerState

if TYPE_CHECKING:
    from textual.app import App
    from textual.screen import Screen

    from quire.app.session import Session
    from quire.sync import SyncResult

GROUP = "sync"


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

    from quire.app.sync_run import run_sync_in_worker  # the sync's modules load only now

    screen.run_worker(partial(run_sync_in_worker, screen, session), name="sync", group=GROUP, thread=True)
    return True
