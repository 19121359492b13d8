"""Every user command of the reader, defined once: key, footer label, help text and binding id.

This table is plain data so the core can check a ``[keymap]`` without importing Textual: the
reader generates its bindings, help screen and command palette from it (``quire.app.commands``),
and ``quire config show`` rejects the same keymaps the reader would.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Command:
    """One command of the reader."""

    id: str  # stable binding id, used in [keymap]
    keys: str  # default keys, comma-separated
    action: str  # the screen action it runs
    label: str  # footer label
    help: str  # one line for the help screen and palette
    group: str = "Papers"
    footer: bool = False  # shown in the footer


# One design, as newsboat, tig and lazygit users expect it: lower-case letters act on the
# paper under the cursor, their capitals go the other way or further (n/N, u/U, s/S, j/J,
# k/K), Escape always backs out one step, and keys that change the whole library are capitals
# (L, R) so that a stray key cannot start them.
COMMANDS: tuple[Command, ...] = (
    Command("cursor-down", "j,down", "cursor_down", "Down", "Move to the next paper", "Move"),
    Command("cursor-up", "k,up", "cursor_up", "Up", "Move to the previous paper", "Move"),
    Command("next-unread", "n", "next_unread", "Next unread", "Move to the next unread paper", "Move"),
    Command(
        "previous-unread",
        "N",
        "previous_unread",
        "Previous unread",
        "Move to the previous unread paper",
        "Move",
    ),
    Command("top", "g,home", "cursor_top", "Top", "Go to the first paper", "Move"),
    Command("bottom", "G,end", "cursor_bottom", "Bottom", "Go to the last paper", "Move"),
    Command("page-down", "pagedown,ctrl+d", "page_down", "Page down", "Move down a page", "Move"),
    Command("page-up", "pageup,ctrl+u", "page_up", "Page up", "Move up a page", "Move"),
    Command(
        "detail-down", "J", "detail_down", "Scroll detail", "Scroll the detail (the abstract) down", "Move"
    ),
    Command("detail-up", "K", "detail_up", "Scroll detail up", "Scroll the detail up", "Move"),
    Command(
        "search",
        "slash",
        "focus_search",
        "Search",
        "Type a query (see the query language)",
        "Find",
        footer=True,
    ),
    Command(
        "search-as-typed",
        "ctrl+o",
        "search_as_typed",
        "As typed",
        'Search misspelt words as typed (or back to "showing results for …")',
        "Find",
    ),
    Command(
        "back",
        "escape",
        "back",
        "Back",
        "Leave the search bar (the query stays; Esc again clears it), close the detail, clear the selection",
        "Find",
    ),
    Command(
        "explain",
        "w",
        "explain",
        "Why",
        "Say in the detail why the paper ranked: words matched where, stems, acronyms, typos",
        "Find",
    ),
    Command("open", "enter", "open", "Open", "Open the paper's detail (marks it read)", "Papers"),
    Command(
        "triage",
        "x",
        "triage",
        "Read, next",
        "Mark the paper read and move to the next one (one-key triage)",
        "Papers",
    ),
    Command(
        "bookmark",
        "b",
        "bookmark",
        "Bookmark",
        "Bookmark or unbookmark (or the selection)",
        "Papers",
        footer=True,
    ),
    Command(
        "tags",
        "t",
        "edit_tags",
        "Tags",
        "Edit tags (reading lists) of the paper or selection",
        "Papers",
        footer=True,
    ),
    Command(
        "read", "r", "toggle_read", "Read", "Mark read or unread (or the selection)", "Papers", footer=True
    ),
    Command("note", "a", "edit_note", "Note", "Annotate: write a note on the paper", "Papers", footer=True),
    Command(
        "select",
        "space",
        "toggle_select",
        "Select",
        "Select the paper; b, t and r then act on the selection",
        "Papers",
    ),
    Command("undo", "u", "undo", "Undo", "Undo the last annotation change", "Papers", footer=True),
    Command("redo", "U", "redo", "Redo", "Redo what was undone", "Papers"),
    Command(
        "browser",
        "o",
        "open_browser",
        "Browser",
        "Open in the browser (arXiv page, else a Hugging Face search)",
        "Papers",
    ),
    Command("cite", "c", "copy_citation", "Cite", "Copy a BibTeX citation to the clipboard", "Papers"),
    Command(
        "sort",
        "s",
        "cycle_sort",
        "Sort",
        "Next order: date, upvotes, title, added (and relevance when there are words); edits a typed sort:",
        "View",
    ),
    Command("reverse", "S", "reverse_sort", "Reverse", "Reverse the order", "View"),
    Command("similar", "m", "similar", "Similar", "Show papers similar to this one", "View", footer=True),
    Command("for-you", "f", "for_you", "For you", "Unread papers near your bookmarks and tags", "View"),
    Command("views", "v", "toggle_sidebar", "Views", "Show or hide the views sidebar", "View"),
    Command("export", "e", "export", "Export", "Export the current view to a file", "Library"),
    Command("import", "i", "import_file", "Import", "Import a file or folder", "Library"),
    Command("sample", "L", "load_sample", "Sample", "Import the bundled sample library", "Library"),
    Command("sync", "R", "sync", "Sync", "Fetch new papers from the feeds (as quire sync does)", "Library"),
    Command("theme", "ctrl+t", "pick_theme", "Theme", "Pick a theme (saved to config)", "App"),
    Command(
        "help", "question_mark", "help", "Help", "Show every key and the query language", "App", footer=True
    ),
    Command("quit", "q", "quit", "Quit", "Quit quire (everything is already saved)", "App", footer=True),
)

# Views 1-9 are positional: the n-th entry of the views sidebar.
VIEW_KEYS = tuple(str(n) for n in range(1, 10))


def binding_ids() -> list[str]:
    """Every id a ``[keymap]`` entry may name."""
    return [c.id for c in COMMANDS] + [f"view-{k}" for k in VIEW_KEYS]


def keys_of(command_id: str, keymap: Mapping[str, str]) -> str:
    """The keys of a command as the user has mapped them (comma-separated)."""
    return keymap.get(command_id) or next(c.keys for c in COMMANDS if c.id == command_id)


def default_keys() -> dict[str, str]:
    """Binding id -> its default keys (comma-separated)."""
    keys = {c.id: c.keys for c in COMMANDS}
    keys.update({f"view-{k}": k for k in VIEW_KEYS})
    return keys


MODIFIERS = ("ctrl", "shift", "alt", "meta", "super", "hyper")
NAMED_KEYS = frozenset(
    [
        "enter",
        "escape",
        "tab",
        "space",
        "backspace",
        "delete",
        "insert",
        "home",
        "end",
        "pageup",
        "pagedown",
        "up",
        "down",
        "left",
        "right",
    ]
    + [f"f{n}" for n in range(1, 25)]
)


def key_problem(key: str) -> str | None:
    """Why ``key`` is not a key name Textual understands, or ``None`` when it is fine.

    A key is a printable character, a named key (``enter``, ``f5``, ``pagedown``), or a
    character's Unicode name in snake case (``question_mark``), after optional modifiers
    (``ctrl+``, ``shift+``, ``alt+``).
    """
    if not key:
        return "an empty key name"
    *modifiers, name = key.split("+")
    for modifier in modifiers:
        if modifier not in MODIFIERS:
            return f"{key!r}: {modifier!r} is not a modifier ({', '.join(MODIFIERS[:3])})"
    if not name:
        return f"{key!r} names no key after {'+'.join(modifiers)}+"
    if len(name) == 1:
        return None if name.isprintable() and not name.isspace() else f"{key!r}: not printable"
    if name in NAMED_KEYS:
        return None
    try:
        unicodedata.lookup(name.replace("_", " "))
    except KeyError:
        return f"{key!r} is not a key name (e.g. 'b', 'B', 'ctrl+b', 'f5', 'pagedown')"
    return None


def keymap_problems(keymap: Mapping[str, str]) -> list[str]:
    """Every problem of a ``[keymap]`` table: unknown ids, bad key names, two commands on a key.

    Conflicts are checked on the keys in effect (defaults overridden by the keymap), so
    ``bookmark = "j"`` is reported because ``j`` still moves the cursor down.
    """
    from quire.suggest import did_you_mean

    valid = binding_ids()
    problems: list[str] = []
    for ident, keys in keymap.items():
        if ident not in valid:
            hint = did_you_mean(ident, valid)
            problems.append(f"unknown key 'keymap.{ident}'{hint}: not a binding id")
            continue
        for key in keys.split(","):
            problem = key_problem(key.strip())
            if problem:
                problems.append(f"keymap.{ident}: {problem}")
    if problems:
        return problems
    owners: dict[str, list[str]] = {}
    for ident, keys in {**default_keys(), **keymap}.items():
        for key in keys.split(","):
            owners.setdefault(key.strip(), []).append(ident)
    for key, idents in owners.items():
        if len(idents) > 1:
            mine = [i for i in idents if i in keymap] or idents
            problems.append(
                f"keymap.{mine[0]}: key {key!r} is also bound to "
                f"{', '.join(repr(i) for i in idents if i != mine[0])}"
            )
    return problems
