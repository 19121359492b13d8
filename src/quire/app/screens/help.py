"""The help screen, generated from the same command definitions as the keys."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Static

from quire.app.commands import COMMANDS
from quire.app.screens.modal import Dialog

QUERY_LANGUAGE = """\
Query language
  words            all must match (the last also as a prefix while typing)
  "exact phrase"   the words in this order
  -word -"phrase"  exclude
  a OR b           either word
  tag:NAME -tag:NAME   is:bookmarked is:unread is:read is:tagged   has:note
  year:2024 year:2023..2025   date:>=2025-06-01   upvotes:>10   authors:>50
  org:NAME  source:hf-text  id:2401.0   sort:relevance|date|upvotes|title|added (sort:-date)
Other word forms match (explore finds exploration; the form typed ranks first), acronyms the
library defines match their long form and back (RL, reinforcement learning), and a word no paper
holds is read as the nearest words ("showing results for …"; ctrl+o searches it as typed).
Papers holding only some of the words follow the rest, "also relevant" (in italics).
"""


KEY_NAMES = {"slash": "/", "question_mark": "?", "escape": "Esc", "enter": "Enter",
             "space": "Space", "down": "↓", "up": "↑", "pagedown": "PgDn", "pageup": "PgUp",
             "home": "Home", "end": "End"}


def key_label(keys: str) -> str:
    """``slash,escape`` as a person reads it: ``/ Esc``."""
    return " ".join(KEY_NAMES.get(k.strip(), k.strip()) for k in keys.split(","))


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
        table.add_column(Text("Id (for [keymap])"), style="dim", no_wrap=True)
        group = None
        for command in COMMANDS:
            if command.group != group:
                group = command.group
                table.add_row(Text(group, style="bold"), "", "")
            # Keys come from the user's [keymap]: Text, so "[" in a key is not markup.
            table.add_row(Text(key_label(self.keys.get(command.id, command.keys))),
                          Text(command.help), Text(command.id))
        table.add_row("1-9", "Open view 1-9 of the sidebar", "view-1 … view-9")
        table.add_row("ctrl+p", "Command palette: every command by name", "")
        with VerticalScroll():
            yield Static(Text("quire keys", style="bold"))
            yield Static(table)
            yield Static(Text("\n" + QUERY_LANGUAGE))
