"""Dialogs that ask for a file: export the current view, import a file or folder.

Owns the export dialog, which asks before overwriting a file, writes it in its own worker and
says how it went, and the import dialog, which only asks for the path (the import itself runs
in ``ImportProgress`` on the main screen, so reading can go on while it does).
"""

from __future__ import annotations

from pathlib import Path

from textual import events, on, work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Input, Label, RadioButton, RadioSet

from quire.app.screens.confirm import ConfirmDialog
from quire.app.screens.modal import Dialog
from quire.errors import QuireError
from quire.export import EXPORT_FORMATS, SUFFIXES
from quire.export.writing import ExportExistsError, export_target, write_export
from quire.store import Library, StoreError
from quire.wording import counted

NARROW_DIALOG = 74  # the dialog's 70 columns, its border and a margin


class ExportDialog(Dialog[Path | None]):
    """Choose a format and a file; Enter exports (dismisses with the file written)."""

    DEFAULT_CSS = """
    ExportDialog > Vertical { width: 70; height: auto; }
    ExportDialog RadioSet { layout: horizontal; width: 100%; }
    /* The format under the radio cursor: Textual's blurred cursor colour measured 3.7:1. */
    ExportDialog RadioSet:blur > RadioButton.-selected > .toggle--label {
        background: $panel; color: $foreground;
    }
    ExportDialog RadioSet:focus > RadioButton.-selected > .toggle--label {
        background: $primary; color: $background;
    }
    /* Too narrow for the four formats in a row: two rows of two. */
    ExportDialog.-narrow RadioSet { layout: grid; grid-size: 2; grid-rows: 1; height: auto; }
    ExportDialog Label { width: 100%; text-wrap: nowrap; text-overflow: ellipsis; }
    """

    def __init__(self, pids: list[int], library: Library, folder: Path) -> None:
        super().__init__()
        self.pids = pids
        self.library = library
        self.folder = folder
        self.fmt = "bibtex"

    def compose(self) -> ComposeResult:
        """Format buttons and the file input."""
        with Vertical():
            yield Label(f"Export {counted(len(self.pids), 'paper')} of this view")
            with RadioSet(id="export-format"):
                for fmt in EXPORT_FORMATS:
                    yield RadioButton(fmt, value=fmt == self.fmt, id=f"fmt-{fmt}")
            yield Input(str(self.folder / f"quire-export{SUFFIXES[self.fmt]}"), id="export-path")
            yield Label("Enter export · Esc cancel")

    def on_mount(self) -> None:
        """Focus the file name."""
        self.query_one(Input).focus()

    def on_resize(self, event: events.Resize) -> None:
        """Below 74 columns the format buttons no longer fit in one row."""
        self.set_class(event.size.width < NARROW_DIALOG, "-narrow")

    @on(RadioSet.Changed)
    def pick(self, event: RadioSet.Changed) -> None:
        """Switch format and the file's suffix with it."""
        self.fmt = str(event.pressed.label)
        path_input = self.query_one(Input)
        base = Path(path_input.value.removesuffix(SUFFIXES["quire"]))  # two dots: not a suffix
        path_input.value = str(base.with_suffix(SUFFIXES[self.fmt]))

    @on(Input.Submitted)
    def done(self, event: Input.Submitted) -> None:
        """Export to the file typed (asking first if it exists)."""
        if event.value.strip():
            self._confirm_and_export(self.fmt, Path(event.value.strip()).expanduser())

    @work(group="dialog")
    async def _confirm_and_export(self, fmt: str, path: Path) -> None:
        overwrite = export_target(path).exists()
        if overwrite:
            question = ConfirmDialog(f"{path} exists. Overwrite it?", yes="Overwrite", no="Keep it")
            if not await self.app.push_screen_wait(question):
                self.dismiss(None)
                return
        self._export(fmt, path, overwrite)

    @work(thread=True, exclusive=True, group="export")
    def _export(self, fmt: str, path: Path, overwrite: bool) -> None:
        from quire.export import export_library

        try:
            text = export_library(self.library, self.pids, fmt)
            write_export(path, text, overwrite=overwrite)
        except ExportExistsError:  # created while the dialog was open: still not overwritten
            self.app.call_from_thread(
                self._finished, None, f"Export failed: {path} exists now; nothing was overwritten"
            )
            return
        except (QuireError, StoreError) as error:
            self.app.call_from_thread(self._finished, None, f"Export failed: {error}")
            return
        self.app.call_from_thread(
            self._finished, path, f"Exported {counted(len(self.pids), 'paper')} to {path}"
        )

    def _finished(self, path: Path | None, message: str) -> None:
        self.notify(message, severity="information" if path else "error")
        if self.is_current:
            self.dismiss(path)


class ImportDialog(Dialog[Path | None]):
    """Type a path to a file or folder; Enter imports it (format detected)."""

    DEFAULT_CSS = """
    ImportDialog > Vertical { width: 70; height: auto; }
    ImportDialog Label { width: 100%; }
    """

    def compose(self) -> ComposeResult:
        """The path input."""
        with Vertical():
            yield Label("Import a file or folder (HF pages, HF JSON, arXiv Atom, snapshot, BibTeX)")
            yield Input(placeholder="~/Downloads/daily-papers.txt", id="import-path")
            yield Label("Enter import · Esc cancel")

    def on_mount(self) -> None:
        """Focus the path."""
        self.query_one(Input).focus()

    @on(Input.Submitted)
    def done(self, event: Input.Submitted) -> None:
        """Import the path typed."""
        if event.value.strip():
            self.dismiss(Path(event.value.strip()).expanduser())
