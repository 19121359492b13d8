"""The base of every dialog: a panel centred over the papers; Escape cancels.

Owns the shared shape of the modal screens (tag and note editors, import and export dialogs,
the yes/no question, theme picker, help): the centring, the panel's look and the Escape binding
that dismisses with ``None``. Each dialog sets only its own size and contents.
"""

from __future__ import annotations

from typing import TypeVar

from textual.binding import Binding
from textual.screen import ModalScreen

ResultType = TypeVar("ResultType")


class Dialog(ModalScreen[ResultType]):
    """A modal panel; Escape runs ``action_cancel`` (dismiss with ``None`` unless overridden)."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="dialog-cancel")]
    DEFAULT_CSS = """
    Dialog { align: center middle; }
    /* Never wider or taller than the terminal (60x20 included): a dialog scrolls instead. */
    Dialog > Vertical, Dialog > VerticalScroll { padding: 1 2; background: $panel;
                                                 border: thick $primary; max-width: 100%;
                                                 max-height: 100%; overflow-y: auto; }
    /* Inputs sit on $panel, where Textual's placeholder and completion colour
       ($text-disabled) and its half-tone selection fall below 4.5:1 (tests/test_contrast.py). */
    Dialog Input > .input--placeholder, Dialog Input > .input--suggestion {
        color: $foreground 85%;
    }
    Dialog Input > .input--selection { background: $primary; color: $background; }
    """

    def action_cancel(self) -> None:
        """Close, changing nothing."""
        self.dismiss(None)
