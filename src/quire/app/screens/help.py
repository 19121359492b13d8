"""The help screen, generated from the same command definitions as the keys."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Static

from quire.app.commands import COMMANDS, Command
from quire.app.screens.modal import Dialog

QUERY_LANGUAGE = """\
Query language
  words            all must match (the last also as a prefix while typing)
  "exact phrase"   the words in this order
  -word -"phrase"  exclude
  a OR b           either word
  tag:NAME -tag:NAME   is:bookmarked is:unread is:read is:tagged   has:note
  year:2024 year:2023..2025   date:>=2025-06-01   upvotes:>10   authors:>50
  author:NAME   org:NAME   source:hf-text   id:2401.0
  sort:relevance|date|upvotes|title|added     sort:-date reverses any order
Other word forms match (explore finds exploration; the form typed ranks first), acronyms the
library defines match their long form and back (RL, reinforcement learning), and a word no paper
holds is read as the nearest words ("showing results for …"; ctrl+o searches it as typed).
Papers holding only some of the words follow the rest, "also relevant" (in italics).
"""


KEY_NAMES = {
    "slash": "/",
    "question_mark": "?",
    "escape": "Esc",
    "enter": "Enter",
    "space": "Space",
    "down": "↓",
    "up": "↑",
    "pagedown": "PgDn",
    "pageup": "PgUp",
    "home": "Home",
    "end": "End",
}


def key_label(keys: str) -> str:
    """``slash,escape`` as a person reads it: ``/ Esc``."""
    return " ".join(KEY_NAMES.get(k.strip(), k.strip()) for k in keys.split(","))


# Keys that are not commands of their own, shown in their group (README's table lists them too).
EXTRA_ROWS: dict[str, tuple[tuple[str, str, str], ...]] = {
    "Move": (
        (
            "Tab shift+Tab",
            "Move between the search bar, views, list and detail "
            "(j k PgDn scroll the detail when it has focus)",
            "",
        ),
    ),
    "View": (("1-9", "Open view 1-9 of the sidebar", "view-1 … view-9"),),
    "App": (
        ("ctrl+p", "Command palette: every command by name, with its key", ""),
        ("ctrl+c", "Quit from anywhere, even while typing", ""),
    ),
}


def grouped() -> dict[str, list[Command]]:
    """The commands by group, each group once, in the order groups first appear."""
    groups: dict[str, list[Command]] = {}
    for command in COMMANDS:
        groups.setdefault(command.group, []).append(command)
    return groups


class HelpScreen(Dialog[None]):
    """Every key (as remapped), and the query language; Escape, ? or q closes it."""

    BINDINGS = [Binding("question_mark,q", "cancel", "Close", id="help-close")]
    DEFAULT_CSS = """
    HelpScreen > VerticalScroll { width: 90; max-width: 95%; height: 90%; }
    """

    def __init__(self, keys: dict[str, str]) -> None:
        super().__init__()
        self.keys = keys  # binding id -> keys as the user has them

    def compose(self) -> ComposeResult:
        """The key table and the query language."""
        table = Table(box=None, show_header=True, header_style="bold", expand=True)
        table.add_column("Keys", no_wrap=True)
        table.add_column("Does")
        # Italic, not dim: faint text on the dialog measured 3.3:1 in solarized.
        table.add_column(Text("Id (for [keymap])"), style="italic", no_wrap=True)
        for group, commands in grouped().items():
            table.add_row(Text(group, style="bold"), "", "")
            for command in commands:
                # Keys come from the user's [keymap]: Text, so "[" in a key is not markup.
                table.add_row(
                    Text(key_label(self.keys.get(command.id, command.keys))),
                    Text(command.help),
                    Text(command.id),
                )
            for keys, does, ident in EXTRA_ROWS.get(group, ()):
                table.add_row(keys, does, ident)
        with VerticalScroll():
            yield Static(Text("quire keys", style="bold"))
            yield Static(table)
            yield Static(Text("\n" + QUERY_LANGUAGE))
