"""A yes/no question (overwrite a file, discard a draft): y or Enter says yes, n or Escape no."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Label

from quire.app.screens.modal import Dialog
from quire.safe_text import safe_text


class ConfirmDialog(Dialog[bool]):
    """Ask one question; the answer is ``True`` for yes."""

    BINDINGS = [
        Binding("y", "answer(True)", "Yes", id="confirm-yes"),
        Binding("n,escape", "answer(False)", "No", id="confirm-no"),
    ]
    DEFAULT_CSS = """
    ConfirmDialog > #confirm-box { width: 70; height: auto; border: thick $warning; }
    ConfirmDialog Horizontal { height: auto; margin: 1 0 0 0; }
    ConfirmDialog Button { margin: 0 2 0 0; }
    /* Textual's warning button puts light text on $warning (3.3-4.3:1 in light and
       solarized): the theme's background colour reads on it in every built-in theme. */
    ConfirmDialog Button.-warning { background: $warning; color: $background; }
    """

    def __init__(self, question: str, yes: str = "Yes", no: str = "No") -> None:
        super().__init__()
        self.question = question
        self.yes = yes
        self.no = no

    def compose(self) -> ComposeResult:
        """The question (plain text: it may name a file) and two buttons."""
        with Vertical(id="confirm-box"):
            yield Label(Text(safe_text(self.question, multiline=True)), id="confirm-question")
            with Horizontal():
                yield Button(f"{self.yes} (y)", variant="warning", id="confirm-yes")
                yield Button(f"{self.no} (n)", id="confirm-no")

    def on_mount(self) -> None:
        """No is the safe default for Enter."""
        self.query_one("#confirm-no", Button).focus()

    @on(Button.Pressed)
    def pressed(self, event: Button.Pressed) -> None:
        """A button answers."""
        self.dismiss(event.button.id == "confirm-yes")

    def action_answer(self, yes: bool) -> None:
        """A key answers."""
        self.dismiss(yes)

    def action_cancel(self) -> None:
        """Escape says no."""
        self.dismiss(False)
