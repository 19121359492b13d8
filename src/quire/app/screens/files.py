"""Dialogs that ask for a file: export the current view, import a file or folder."""

from __future__ import annotations

from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, RadioButton, RadioSet

from quire.export import EXPORT_FORMATS, SUFFIXES


class ExportDialog(ModalScreen[tuple[str, Path] | None]):
    """Choose a format and a file; Enter exports."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="export-cancel")]
    DEFAULT_CSS = """
    ExportDialog { align: center middle; }
    ExportDialog > Vertical { width: 70; height: auto; padding: 1 2; background: $panel;
                              border: thick $primary; }
    ExportDialog RadioSet { layout: horizontal; width: 100%; }
    """

    def __init__(self, count: int, folder: Path) -> None:
        super().__init__()
        self.count = count
        self.folder = folder
        self.fmt = "bibtex"

    def compose(self) -> ComposeResult:
        """Format buttons and the file input."""
        with Vertical():
            yield Label(f"Export {self.count} paper(s) of this view")
            with RadioSet(id="export-format"):
                for fmt in EXPORT_FORMATS:
                    yield RadioButton(fmt, value=fmt == self.fmt, id=f"fmt-{fmt}")
            yield Input(str(self.folder / f"quire-export{SUFFIXES[self.fmt]}"), id="export-path")
            yield Label("Enter export · Esc cancel")

    def on_mount(self) -> None:
        """Focus the file name."""
        self.query_one(Input).focus()

    @on(RadioSet.Changed)
    def pick(self, event: RadioSet.Changed) -> None:
        """Switch format and the file's suffix with it."""
        self.fmt = str(event.pressed.label)
        path_input = self.query_one(Input)
        path_input.value = str(Path(path_input.value).with_suffix(SUFFIXES[self.fmt]))

    @on(Input.Submitted)
    def done(self, event: Input.Submitted) -> None:
        """Export to the file typed."""
        if event.value.strip():
            self.dismiss((self.fmt, Path(event.value.strip()).expanduser()))

    def action_cancel(self) -> None:
        """Close without exporting."""
        self.dismiss(None)


class ImportDialog(ModalScreen[Path | None]):
    """Type a path to a file or folder; Enter imports it (format detected)."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="import-cancel")]
    DEFAULT_CSS = """
    ImportDialog { align: center middle; }
    ImportDialog > Vertical { width: 70; height: auto; padding: 1 2; background: $panel;
                              border: thick $primary; }
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

    def action_cancel(self) -> None:
        """Close without importing."""
        self.dismiss(None)
