"""The main screen's keys that reach outside the list: browser, citation, export, import,
the sample library, sync, theme and help.

Owns asking for a file or a theme in a dialog (awaited in a worker), starting the import on the
``ImportProgress`` bar and the sync in its worker and saying how they went, and the messages
the app answers: ``OpenLink`` (it knows the browser command) and ``ThemePicked`` (it saves the
config).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from textual import on, work
from textual.message import Message
from textual.widgets import ProgressBar

from quire import locations
from quire.app.commands import COMMANDS
from quire.app.screens.base import PaperScreen
from quire.app.screens.help import HelpScreen
from quire.app.screens.theme_picker import ThemePicker
from quire.app.sync_worker import SyncDone, SyncProgress, start_sync
from quire.app.widgets.import_progress import ImportProgress
from quire.app.widgets.paper_list import PaperList
from quire.clipboard import copy_to_system_clipboard
from quire.models import arxiv_url, search_url

CITATION_FILE = "citation.bib"  # where c leaves the BibTeX when no clipboard tool took it


class LibraryActions(PaperScreen):
    """Keys that open, copy, export, import or configure."""

    @dataclass
    class ThemePicked(Message):
        """The user picked a theme in the picker (the app saves it)."""

        theme: str

    @dataclass
    class OpenLink(Message):
        """Open this link in the browser (the app knows how)."""

        url: str

    def action_open_browser(self) -> None:
        """The arXiv page when the id is known, else a Hugging Face papers search."""
        paper = self._current()
        if paper is None:
            return
        # Only a validated id (Paper drops any other) becomes a URL, percent-encoded.
        url = arxiv_url(paper.arxiv_id) if paper.arxiv_id else search_url(paper.title)
        self.post_message(self.OpenLink(url))  # the app opens it and says so

    def action_copy_citation(self) -> None:
        """Copy the paper's BibTeX, and say where it went."""
        paper = self._current()
        if paper is None:
            return
        from quire.export import to_bibtex

        self._copy(to_bibtex([paper]), paper.title[:50])

    @work(thread=True, group="clipboard")
    def _copy(self, text: str, title: str) -> None:
        """ "Copied" only when a clipboard tool took the text. Otherwise the terminal is asked
        to copy it (OSC 52, which many terminals ignore and none confirms) and the text is also
        saved to a file beside the library, so it is never only in a place that may not
        exist."""
        tool = copy_to_system_clipboard(text)
        if tool is not None:
            self.app.call_from_thread(self.notify, f"Copied BibTeX for {title} ({tool})")
            return
        self.app.call_from_thread(self.app.copy_to_clipboard, text)
        target = self.session.library.path.parent / CITATION_FILE
        try:
            target.write_text(text, encoding="utf-8")
            saved = f"saved to {target}"
        except OSError as error:
            saved = f"not saved to {target}: {error.strerror or error}"
        self.app.call_from_thread(
            self.notify,
            f"BibTeX for {title} sent to the terminal's clipboard (OSC 52: if "
            f"your terminal does not support it, nothing was copied) and {saved}",
            timeout=10,
        )

    def action_export(self) -> None:
        """Export the current view to a file (the dialog writes it)."""
        pids = list(self.query_one(PaperList).pids)
        if not pids:
            self.notify("Nothing to export in this view", severity="warning")
            return
        # The file dialogs (and the export formats) are imported when first asked for: the
        # reader opens without them.
        from quire.app.screens.files import ExportDialog

        self.app.push_screen(ExportDialog(pids, self.session.library, Path.cwd()))

    def action_import_file(self) -> None:
        """Import a file or folder, with a progress bar."""
        self._ask_import()

    @work(group="dialog")
    async def _ask_import(self) -> None:
        from quire.app.screens.files import ImportDialog

        path = await self.app.push_screen_wait(ImportDialog())
        if path is not None:
            self.query_one(ImportProgress).start([path])

    def action_load_sample(self) -> None:
        """Import the bundled sample library (offered by the welcome view)."""
        self.query_one(ImportProgress).start(locations.sample_files())

    @on(ImportProgress.Finished)
    def _imported(self, event: ImportProgress.Finished) -> None:
        if event.lines:
            self.notify("\n".join(event.lines), title="Imported", timeout=8)
        if event.failures:
            self.notify(
                "\n".join(event.failures) + "\n(nothing was kept from these files)",
                title="Import failed",
                severity="error",
                timeout=12,
            )
        self._library_grew()

    def action_sync(self) -> None:
        """Fetch new papers from the feeds in a worker, with a progress bar (R)."""
        if start_sync(self, self.session):
            bar = self.query_one("#import-progress", ProgressBar)
            bar.update(total=100, progress=0)
            bar.display = True

    @on(SyncProgress)
    def _sync_progress(self, event: SyncProgress) -> None:
        self.query_one("#import-progress", ProgressBar).update(progress=event.percent)

    @on(SyncDone)
    def _sync_done(self, event: SyncDone) -> None:
        self.query_one("#import-progress", ProgressBar).display = False
        for notice in event.notices():
            # Feed text and server messages are untrusted: never read as markup.
            self.notify(
                notice.text,
                title=notice.title,
                severity=notice.severity,
                timeout=12 if notice.severity == "error" else 8,
                markup=False,
            )
        self._library_grew(reload=True)

    def _library_grew(self, reload: bool = False) -> None:
        """Papers came in (the screen lists them)."""
        raise NotImplementedError

    def action_pick_theme(self) -> None:
        """Pick a theme; the app saves it to the config file."""
        self._ask_theme()

    @work(group="dialog")
    async def _ask_theme(self) -> None:
        names = sorted(self.app.available_themes, key=lambda n: (not n.startswith("quire"), n))
        picked = await self.app.push_screen_wait(ThemePicker(names, self.app.theme))
        if picked is not None:
            self.post_message(self.ThemePicked(picked))

    def action_help(self) -> None:
        """Every key (as the user has remapped them) and the query language."""
        keymap = self.session.config.keymap
        self.app.push_screen(HelpScreen({c.id: keymap.get(c.id, c.keys) for c in COMMANDS}))
