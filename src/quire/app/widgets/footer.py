"""The footer: the keys that matter most always fit, whatever the terminal's width.

Textual's footer lists keys in binding order and cuts off the end, so at 80 columns Help and
Quit (listed last) were lost. This one ranks the footer keys (Help and Quit first, then the
daily keys), goes compact below ``COMPACT_BELOW`` columns, and hides the lowest-ranked keys
that do not fit; the rest keep their order. Every key stays in the help screen and palette.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rich.cells import cell_len
from textual import events
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

from quire.keys import COMMANDS

# Most needed first: the way out and the way to learn the rest, then the daily keys.
RANK = ("help", "quit", "search", "bookmark", "read", "tags", "undo", "note", "similar")
COMPACT_BELOW = 100  # columns


def _rank(action: str) -> int:
    """Where a footer key's action stands in ``RANK`` (keys not ranked come last)."""
    ids = [c.id for c in COMMANDS if c.action == action.rpartition(".")[2]]
    return RANK.index(ids[0]) if ids and ids[0] in RANK else len(RANK)


def key_width(key: FooterKey, compact: bool) -> int:
    """Cells a footer key takes: key and label, their padding and (compact) its margin."""
    return cell_len(key.key_display) + cell_len(key.description) + (2 if compact else 3)


def fitting(keys: list[FooterKey], width: int, compact: bool) -> set[int]:
    """Positions of the keys to show in ``width`` cells: by rank, while they fit."""
    shown: set[int] = set()
    used = 0
    for position in sorted(range(len(keys)), key=lambda i: (_rank(keys[i].action), i)):
        needed = key_width(keys[position], compact)
        if used + needed <= width:
            shown.add(position)
            used += needed
    return shown


class KeyFooter(Footer):
    """A footer that keeps the most needed keys when the terminal is narrow."""

    def __init__(self) -> None:
        super().__init__()
        self._composed_for: tuple[object, ...] | None = None  # what the keys on show were built for

    async def recompose(self) -> None:
        """Build the keys again only when what they show would change. Textual rebuilds them
        after focus moves and resizes (a widget per key, each restyled: ~10 ms), mostly to show
        the same keys again; ``_recompose_after_refresh`` already merges those of one turn."""
        shown = self._showing()
        if shown == self._composed_for:
            return
        await super().recompose()

    def _showing(self) -> tuple[object, ...]:
        """What the keys would show now: the width, the footer's own settings and every shown
        binding as displayed (anything Textual's compose reads must be here, or a change to it
        would not rebuild the keys)."""
        if not self._bindings_ready or not self.is_attached:
            return ()
        bindings = tuple(
            (binding.key, self.app.get_key_display(binding), binding.description, binding.action)
            + (enabled, tooltip)
            for (_, binding, enabled, tooltip) in self.screen.active_bindings.values()
            if binding.show or binding.action == "command_palette"
        )
        settings = (self.show_command_palette, self.combine_groups)
        return (self.size.width or self.app.size.width, settings, bindings)

    def compose(self) -> Iterable[Widget]:
        """Textual's footer keys, the ones that do not fit hidden (lowest rank first)."""
        width = self.size.width or self.app.size.width
        compact = width < COMPACT_BELOW
        self.set_reactive(Footer.compact, compact)
        self.set_class(compact, "-compact")
        widgets = list(super().compose())
        keys = [w for w in widgets if isinstance(w, FooterKey) and not w.has_class("-command-palette")]
        # The palette key docks on the right: its border and padding take two more cells.
        room = width - sum(
            key_width(w, compact) + 2
            for w in widgets
            if isinstance(w, FooterKey) and w.has_class("-command-palette")
        )
        shown = fitting(keys, room, compact)
        for position, key in enumerate(keys):
            key.display = position in shown
        self._composed_for = self._showing()
        return widgets

    _recompose_due = False

    def bindings_changed(self, screen: Screen[Any]) -> None:
        """Textual's footer, except that changes before the next refresh share one recompose."""
        self._bindings_ready = True
        if not screen.app.app_focus:
            return
        if self.is_attached and screen is self.screen:
            self._recompose_after_refresh()

    def on_resize(self, event: events.Resize) -> None:
        """Another width may fit other keys."""
        if self._bindings_ready:
            self._recompose_after_refresh()

    def _recompose_after_refresh(self) -> None:
        # Focus moving while a screen mounts changes the bindings several times in one turn;
        # each change used to queue a recompose of its own (fifteen keys mounted and styled).
        if not self._recompose_due:
            self._recompose_due = True
            self.call_after_refresh(self._recompose_once)

    async def _recompose_once(self) -> None:
        self._recompose_due = False
        await self.recompose()
