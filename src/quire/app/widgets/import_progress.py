"""The import progress bar, which runs the import it shows.

Owns the import worker: from the folder walk to the end it runs off the UI thread, imports file
after file into the library (each in one transaction), brings the search index up to date, and
talks back only through posted messages (``Progress``, then ``Finished`` with a summary line per
file and the failures): the UI never waits for it and it never waits for the UI. Cancelling
keeps the files done so far; the file being read adds nothing.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from textual import on, work
from textual.message import Message
from textual.widgets import ProgressBar
from textual.worker import get_current_worker

from quire.app.session import Session
from quire.errors import QuireError

if TYPE_CHECKING:
    from collections.abc import Callable

    from quire.models import ImportSummary
    from quire.store import Library


class ImportProgress(ProgressBar):
    """A one-line bar under the list while files are imported."""

    class Progress(Message):
        """Bytes imported so far (a newer one replaces an older)."""

        def __init__(self, done: int, total: int) -> None:
            super().__init__()
            self.done = done
            self.total = total

        def can_replace(self, message: Message) -> bool:
            """Only the latest progress matters."""
            return isinstance(message, ImportProgress.Progress)

    class Finished(Message):
        """The import is over: summary lines and failures, one per file."""

        def __init__(self, lines: list[str], failures: list[str], cancelled: bool) -> None:
            super().__init__()
            self.lines = lines
            self.failures = failures
            self.cancelled = cancelled

    def __init__(self, session: Session, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(show_eta=False, id=id)
        self.session = session

    def start(self, paths: list[Path]) -> None:
        """Show the bar and import ``paths`` (files or folders) in a worker."""
        self.update(total=None, progress=0)
        self.display = True
        self._import(paths)

    def importing(self) -> bool:
        """Whether an import (or its folder walk) is running."""
        return any(w.group == "import" and w.is_running for w in self.workers)

    def cancel(self) -> None:
        """Stop the import: files done so far stay, the file being read adds nothing."""
        self.workers.cancel_group(self, "import")
        self.notify("Import cancelled: the file being read adds nothing", timeout=6)

    @work(thread=True, exclusive=True, group="import")
    def _import(self, paths: list[Path]) -> None:
        from quire.importers import ImportCancelled, iter_import_files

        worker = get_current_worker()
        lines: list[str] = []
        failures: list[str] = []
        files: list[Path] = []
        for path in paths:
            try:
                files += iter_import_files(path, cancelled=lambda: worker.is_cancelled)
            except QuireError as error:
                failures.append(str(error))
        sizes = [_size(f) for f in files]
        total = sum(sizes)
        self.post_message(self.Progress(0, total))
        done_bytes = 0
        for file, size in zip(files, sizes, strict=True):
            if worker.is_cancelled:
                break

            def progress(done: int, _total: int, base: int = done_bytes) -> None:
                if worker.is_cancelled:
                    raise ImportCancelled("import cancelled")
                self.post_message(self.Progress(base + done, total))

            try:
                summary = import_path(self.session.library, file, on_progress=progress)
                lines += [summary.line(), *summary.notices]  # notices: note conflicts
            except ImportCancelled:
                break
            except QuireError as error:
                failures.append(str(error))
            done_bytes += size
        index = self.session.index
        if index is not None and lines:
            index.refresh()
        self.post_message(self.Finished(lines, failures, worker.is_cancelled))

    @on(Progress)
    def _moved(self, event: Progress) -> None:
        self.update(total=event.total or None, progress=event.done)

    @on(Finished)
    def _finished(self, event: Finished) -> None:
        self.display = False  # the message goes on to the screen


def import_path(
    library: Library, path: Path, on_progress: Callable[[int, int], None] | None = None
) -> ImportSummary:
    """The core's ``import_path``, imported on the first import: the reader opens without the
    importers (tens of milliseconds of a start-up)."""
    from quire.importers import import_path as core_import_path

    return core_import_path(library, path, on_progress=on_progress)


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0  # gone or unreadable: the import itself says so
