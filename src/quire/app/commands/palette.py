"""The command palette (ctrl+p) lists the same commands as the keys and the help screen.

Each entry shows its key as the user has mapped it, so the palette also teaches the keys; the
views of the sidebar are entries too ("View: Inbox  1"). Textual's own Theme and Quit entries
are left out by the app (``QuireApp.get_system_commands``): quire's do the same and show keys.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content
from textual.markup import escape

from quire.app.commands import COMMANDS, keys_of
from quire.app.screens.help import key_label
from quire.views import View, view_keys

Entry = tuple[str, str, str, Callable[[], None]]  # label, key, help, what it runs


class QuireCommands(Provider):
    """Every quire command and view, runnable by name."""

    def _run_action(self, action: str) -> None:
        screen = self.screen
        # Actions live on the main screen; run them there even when the palette was opened
        # over it.
        name = action.partition("(")[0]
        target = screen if hasattr(screen, f"action_{name}") else self.app
        self.app.call_later(target.run_action, action)

    def _entries(self) -> Iterator[Entry]:
        config = getattr(self.app, "config", None)
        keymap = config.keymap if config is not None else {}
        for command in COMMANDS:
            key = key_label(keys_of(command.id, keymap))
            yield command.label, key, command.help, partial(self._run_action, command.action)
        views: list[View] = list(getattr(self.screen, "views", []))
        for number, (view, view_key) in enumerate(zip(views, view_keys(views), strict=True)):
            what = view.query or {
                "for-you": "unread papers near your bookmarks and tags",
                "similar": "papers like the one you chose",
            }.get(view.special or "", "every paper")
            yield (
                f"View: {view.name}",
                view_key or "",
                f"Open the view ({what})",
                partial(self._run_action, f"open_view({number})"),
            )

    @staticmethod
    def _prompt(label: str | Content, key: str) -> Content:
        # Content built from plain text, never markup: view names are tag names and the
        # user's saved searches.
        return Content.assemble(
            Content(label) if isinstance(label, str) else label, (f"  {key}", "dim") if key else ""
        )

    async def discover(self) -> Hits:
        """All commands and views, before anything is typed."""
        for label, key, help_text, run in self._entries():
            yield DiscoveryHit(self._prompt(label, key), run, text=label, help=escape(help_text))

    async def search(self, query: str) -> Hits:
        """Commands and views whose label or help matches what is typed."""
        matcher = self.matcher(query)
        for label, key, help_text, run in self._entries():
            score = max(matcher.match(label), matcher.match(help_text) * 0.8)
            if score > 0:
                yield Hit(
                    score,
                    self._prompt(matcher.highlight(label), key),
                    run,
                    text=label,
                    help=escape(help_text),
                )
