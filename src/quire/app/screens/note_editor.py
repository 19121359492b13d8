"""The note editor: a multi-line note on a paper, saved to the store."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Label, TextArea

from quire.app.screens.modal import Dialog
from quire.safe_text import safe_text


class NoteEditor(Dialog[str | None]):
    """ctrl+s saves; Escape closes, asking first whether to throw away what was typed."""

    BINDINGS = [Binding("ctrl+s", "save", "Save", id="note-save")]
    DEFAULT_CSS = """
    NoteEditor > Vertical { width: 80%; max-width: 100; height: 70%; }
    NoteEditor TextArea { height: 1fr; }
    NoteEditor #note-title { width: 100%; text-wrap: nowrap; text-overflow: ellipsis; }
    NoteEditor #note-help { color: $foreground 90%; }
    """

    def __init__(self, title: str, note: str) -> None:
        super().__init__()
        self.paper_title = title
        self.note = note

    def compose(self) -> ComposeResult:
        """Title, the text area, the keys."""
        with Vertical():
            yield Label(Text(safe_text(f"Note on {self.paper_title}")), id="note-title")
            # A note may come from an imported file: controls are made visible before editing.
            yield TextArea(safe_text(self.note, multiline=True), id="note-text", soft_wrap=True)
            yield Label("ctrl+s save · Esc close (asks before dropping changes)", id="note-help")

    def on_mount(self) -> None:
        """Start typing at the end of the note."""
        area = self.query_one(TextArea)
        area.focus()
        area.move_cursor(area.document.end)

    def action_save(self) -> None:
        """Return the text."""
        self.dismiss(self.query_one(TextArea).text)

    def action_cancel(self) -> None:
        """Close without saving; a changed draft is only thrown away when the user says so."""
        text = self.query_one(TextArea).text
        if text == safe_text(self.note, multiline=True):
            self.dismiss(None)
            return

        def answer(discard: bool | None) -> None:
            if discard:
                self.dismiss(None)
            else:
                self.query_one(TextArea).focus()

        from quire.app.screens.confirm import ConfirmDialog

        self.app.push_screen(
            ConfirmDialog("Throw away the changes to this note?", yes="Discard", no="Keep editing"), answer
        )
