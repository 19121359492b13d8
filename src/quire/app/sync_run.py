"""The thread of the reader's ``R`` sync (``sync_worker`` starts it and defines its messages).

Owns running the core's sync with a clock whose back-off sleeps end when the worker is
cancelled (quitting never waits out a back-off), posting progress, and turning every failure
into a ``SyncDone`` that says what went wrong: a failed feed is a notification, never a crash.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from textual.worker import Worker, get_current_worker

from quire.app.sync_worker import SyncDone, SyncProgress
from quire.errors import QuireError, log_unexpected
from quire.sync import Progress, SyncBusy, SystemClock, run_sync
from quire.sync.arxiv_feed import polite_fetcher

if TYPE_CHECKING:
    from textual.screen import Screen

    from quire.app.session import Session


class SyncCancelled(Exception):
    """The reader is closing: stop between requests."""


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


def run_sync_in_worker(screen: Screen[None], session: Session) -> None:
    """Sync every configured feed (in a thread worker), posting ``SyncProgress`` and then one
    ``SyncDone`` to ``screen``."""
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
