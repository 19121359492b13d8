"""Pick a theme: moving through the list previews it, Enter keeps it, Escape goes back.

Owns the preview: it sets the app's theme as the highlight moves and puts the original back on
Escape. It dismisses with the theme picked (or ``None``); saving it is the app's business.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Label, OptionList
from textual.widgets.option_list import Option

from quire.app.screens.modal import Dialog


class ThemePicker(Dialog[str | None]):
    """Every registered theme, quire's first."""

    DEFAULT_CSS = """
    ThemePicker > Vertical { width: 50; height: 24; }
    ThemePicker OptionList { height: 1fr; }
    """

    def __init__(self, names: list[str], current: str) -> None:
        super().__init__()
        self.names = names
        self.original = current

    def compose(self) -> ComposeResult:
        """The list of themes."""
        with Vertical():
            yield Label("Theme (Enter keeps it, Esc goes back)")
            # Names come from theme files: shown as text, never as markup.
            yield OptionList(*[Option(Text(n), id=n) for n in self.names], id="themes")

    def on_mount(self) -> None:
        """Start on the current theme; moving through the list only previews."""
        options = self.query_one(OptionList)
        if self.original in self.names:
            options.highlighted = self.names.index(self.original)
        options.focus()

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        """Preview the theme."""
        if event.option.id:
            self.app.theme = event.option.id

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        """Keep the theme."""
        if event.option.id:
            self.app.theme = event.option.id
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        """Back to the theme in use before."""
        self.app.theme = self.original
        self.dismiss(None)
