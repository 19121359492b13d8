"""The views sidebar: Inbox, All, Bookmarked, For you, each tag (a reading list), saved searches.

Owns showing the views (bound to the main screen's ``views`` and ``view_index``) with the key
that opens each; choosing one posts ``Chosen``.
"""

from __future__ import annotations

from rich.text import Text
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from quire.safe_text import safe_text
from quire.views import View, view_keys


class ViewsSidebar(OptionList):
    """The views, each with the key (1-9) that opens it."""

    DEFAULT_CSS = """
    /* One line per view: a long name (a similar view's title) ends in an ellipsis. */
    ViewsSidebar { width: 24; border: none; border-right: tall $panel; background: $surface;
                   text-wrap: nowrap; text-overflow: ellipsis; }
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

    views: reactive[list[View]] = reactive(list, always_update=True, init=False)
    current: reactive[int] = reactive(0, init=False)

    def watch_views(self) -> None:
        """New views (a tag count changed, a similar view opened): list them again."""
        self._list()

    def watch_current(self) -> None:
        """Another view is open: mark it."""
        self._list()

    def _list(self) -> None:
        self.clear_options()
        options = []
        for number, (view, key) in enumerate(zip(self.views, view_keys(self.views), strict=True)):
            label = Text()
            label.append(f"{key or ' '} ")
            # Names come from tags and the config: appended as text, never parsed as markup.
            label.append(safe_text(view.name), "bold" if number == self.current else "")
            if view.count is not None:
                label.append(f" {view.count}")
            options.append(Option(label, id=str(number)))
        self.add_options(options)
        if 0 <= self.current < len(options):
            self.highlighted = self.current

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        """Open the chosen view."""
        event.stop()
        if event.option.id is not None:
            self.post_message(self.Chosen(int(event.option.id)))
