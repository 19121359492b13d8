"""Every user command, defined once: key, footer label, help text and binding id.

``BINDINGS``, the help screen and the command palette are all generated from ``COMMANDS``, and
users remap keys by binding id in config (``[keymap]``).
"""

from __future__ import annotations

from textual.binding import Binding, BindingType

from quire.keys import COMMANDS, VIEW_KEYS, Command, binding_ids, keys_of

__all__ = ["COMMANDS", "VIEW_KEYS", "Command", "app_bindings", "binding_ids", "keys_of", "screen_bindings"]


def screen_bindings() -> list[BindingType]:
    """The main screen's bindings, generated from ``COMMANDS``."""
    bindings: list[BindingType] = [
        Binding(c.keys, c.action, c.label, show=c.footer, id=c.id, tooltip=c.help)
        for c in COMMANDS
        if c.action != "quit"
    ]
    bindings += [
        Binding(k, f"view({int(k) - 1})", f"View {k}", show=False, id=f"view-{k}") for k in VIEW_KEYS
    ]
    return bindings


def app_bindings() -> list[BindingType]:
    """Bindings that work on every screen: quit, and ctrl+c, which quits from anywhere (even
    the search bar, where Textual would copy) as terminal users expect; it is not remappable,
    like ctrl+p."""
    bindings: list[BindingType] = [
        Binding(c.keys, c.action, c.label, show=c.footer, id=c.id, tooltip=c.help)
        for c in COMMANDS
        if c.action == "quit"
    ]
    bindings.append(Binding("ctrl+c", "quit", "Quit", show=False, priority=True, system=True))
    return bindings
