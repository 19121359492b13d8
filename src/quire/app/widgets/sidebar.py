"""The views sidebar: Inbox, All, Bookmarked, For you, each tag (a reading list), saved searches."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from quire.safe_text import safe_text


@dataclass(frozen=True)
class View:
    """A named list of papers: a query, or one of the special lists."""

    name: str
    query: str = ""
    special: str | None = None  # "for-you" or "similar"
    count: int | None = None
    key: str | None = None


class ViewsSidebar(OptionList):
    """The views, numbered for the 1-9 keys (a saved view with a key shows its own)."""

    DEFAULT_CSS = """
    ViewsSidebar { width: 24; border: none; border-right: tall $panel; background: $surface; }
    ViewsSidebar > .option-list--option-highlighted { background: $panel; color: $foreground; }
    ViewsSidebar:focus > .option-list--option-highlighted {
        background: $primary; color: $background;
    }
    """

    class Chosen(Message):
        """A view was picked with Enter or a click."""

        def __init__(self, index: int) -> None:
            super().__init__()
            self.index = index

    def set_views(self, views: list[View], current: int) -> None:
        """Show the views, marking the current one."""
        self.clear_options()
        options = []
        claimed = {v.key for v in views if v.key}
        for number, view in enumerate(views, start=1):
            # A saved view's own key wins over the position that would otherwise have it.
            key = view.key or (str(number) if number <= 9 and str(number) not in claimed else " ")
            label = Text()
            label.append(f"{key} ")
            # Names come from tags and the config: appended as text, never parsed as markup.
            label.append(safe_text(view.name), "bold" if number - 1 == current else "")
            if view.count is not None:
                label.append(f" {view.count}")
            options.append(Option(label, id=str(number - 1)))
        self.add_options(options)
        if 0 <= current < len(options):
            self.highlighted = current

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        """Open the chosen view."""
        event.stop()
        if event.option.id is not None:
            self.post_message(self.Chosen(int(event.option.id)))
