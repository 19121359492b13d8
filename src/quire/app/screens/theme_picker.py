"""Pick a theme: moving through the list previews it, Enter keeps it, Escape goes back."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList
from textual.widgets.option_list import Option

if TYPE_CHECKING:
    from quire.app.quire_app import QuireApp


class ThemePicker(ModalScreen[str | None]):
    """Every registered theme, quire's first."""

    @property
    def quire(self) -> QuireApp:
        """The app, typed."""
        return cast("QuireApp", self.app)

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="theme-cancel")]
    DEFAULT_CSS = """
    ThemePicker { align: center middle; }
    ThemePicker > Vertical { width: 50; height: 24; padding: 1 2; background: $panel;
                             border: thick $primary; }
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
        self.quire.previewing_theme = True
        options = self.query_one(OptionList)
        if self.original in self.names:
            options.highlighted = self.names.index(self.original)
        options.focus()

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        """Preview the theme."""
        if event.option.id:
            self.app.theme = event.option.id

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        """Keep the theme (and save it)."""
        self.quire.previewing_theme = False
        if event.option.id:
            self.app.theme = event.option.id
            self.quire.save_theme(event.option.id)
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        """Back to the theme in use before, saving nothing."""
        self.app.theme = self.original
        self.quire.previewing_theme = False
        self.dismiss(None)
