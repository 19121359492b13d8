"""Keys that do what people expect: typed ahead, in the tag editor, in the search bar."""

from __future__ import annotations

from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Input, Static

from app_support import type_ahead, wait_until
from quire.app.typeahead import OrderedKeysApp

# -- the key gate on its own: an app shaped like the reader (a list with letter commands, a bar
# that `/` focuses, Enter in the bar giving focus back to the list) --------------------------


class Letters(Static, can_focus=True):
    """A list whose letters are commands."""

    BINDINGS = [Binding("b", "command('b')"), Binding("k", "command('k')"),
                Binding("e", "command('e')")]

    def __init__(self) -> None:
        super().__init__(id="letters")
        self.commands: list[str] = []

    def action_command(self, key: str) -> None:
        """Record a command key."""
        self.commands.append(key)


class Shaped(OrderedKeysApp[None]):
    """The reader's focus moves, without the reader."""

    BINDINGS = [Binding("slash", "search")]

    def compose(self) -> ComposeResult:
        """A bar and a list."""
        yield Input(id="bar")
        yield Letters()

    def on_mount(self) -> None:
        """The list has focus."""
        self.query_one(Letters).focus()

    def action_search(self) -> None:
        """Focus the bar (deferred, as Widget.focus is)."""
        self.query_one(Input).focus()

    @on(Input.Submitted)
    def back_to_list(self) -> None:
        """Enter in the bar: back to the list (deferred)."""
        self.query_one(Letters).focus()


async def test_keys_sent_together_follow_the_focus_their_predecessors_set() -> None:
    app = Shaped()
    async with app.run_test() as pilot:
        letters = app.query_one(Letters)
        bar = app.query_one(Input)
        type_ahead(pilot, "/", "k", "e", "r", "n", "e", "l", "enter", "b")
        await wait_until(pilot, lambda: letters.commands == ["b"] and letters.has_focus,
                         f"the last b reached the list (commands: {letters.commands})")
        assert bar.value == "kernel"


async def test_typeahead_keeps_every_key_in_order() -> None:
    app = Shaped()
    async with app.run_test() as pilot:
        letters = app.query_one(Letters)
        keys: list[str] = list("bkbekb")
        type_ahead(pilot, *keys)
        await wait_until(pilot, lambda: len(letters.commands) == len(keys), "every key")
        assert letters.commands == keys


async def test_without_the_gate_the_same_keys_go_astray() -> None:
    """The test above could fail: Textual alone hands the query's letters to the list."""

    class Ungated(Shaped):
        async def on_event(self, event: Any) -> None:
            await super(OrderedKeysApp, self).on_event(event)

    app = Ungated()
    async with app.run_test() as pilot:
        letters = app.query_one(Letters)
        type_ahead(pilot, "/", "k", "e")
        await wait_until(pilot, lambda: app.query_one(Input).has_focus, "the bar has focus")
        await pilot.pause()
        assert letters.commands == ["k", "e"]
