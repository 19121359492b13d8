"""The command palette (ctrl+p) lists the same commands as the keys and the help screen."""

from __future__ import annotations

from textual.command import DiscoveryHit, Hit, Hits, Provider

from quire.app.commands import COMMANDS, Command


class QuireCommands(Provider):
    """Every quire command, runnable by name."""

    def _run(self, command: Command) -> None:
        screen = self.screen
        # Actions live on the main screen; run them there even when the palette was opened
        # over it.
        target = screen if hasattr(screen, f"action_{command.action}") else self.app
        self.app.call_later(target.run_action, command.action)

    async def discover(self) -> Hits:
        """All commands, before anything is typed."""
        for command in COMMANDS:
            yield DiscoveryHit(command.label, lambda c=command: self._run(c), help=command.help)

    async def search(self, query: str) -> Hits:
        """Commands whose label or help matches what is typed."""
        matcher = self.matcher(query)
        for command in COMMANDS:
            score = max(matcher.match(command.label), matcher.match(command.help) * 0.8)
            if score > 0:
                yield Hit(score, matcher.highlight(command.label),
                          lambda c=command: self._run(c), help=command.help)
