"""Every user command, defined once: key, footer label, help text and binding id.

``BINDINGS``, the help screen and the command palette are all generated from ``COMMANDS``, and
users remap keys by binding id in config (``[keymap]``).
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.binding import Binding, BindingType


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


COMMANDS: tuple[Command, ...] = (
    Command("cursor-down", "j,down", "cursor_down", "Down", "Move to the next paper", "Move"),
    Command("cursor-up", "k,up", "cursor_up", "Up", "Move to the previous paper", "Move"),
    Command("top", "g,home", "cursor_top", "Top", "Go to the first paper", "Move"),
    Command("bottom", "G,end", "cursor_bottom", "Bottom", "Go to the last paper", "Move"),
    Command("page-down", "pagedown,ctrl+d", "page_down", "Page down", "Move down a page", "Move"),
    Command("page-up", "pageup,ctrl+u", "page_up", "Page up", "Move up a page", "Move"),
    Command("search", "slash", "focus_search", "Search", "Type a query (see the query language)",
            "Find", footer=True),
    Command("search-as-typed", "ctrl+o", "search_as_typed", "As typed",
            "Search misspelt words as typed (or back to \"showing results for …\")", "Find"),
    Command("back", "escape", "back", "Back", "Leave the search bar or detail; clear selection",
            "Find"),
    Command("open", "enter", "open", "Open", "Open the paper's detail (marks it read)", "Papers"),
    Command("explain", "w", "explain", "Why",
            "Say in the detail why the paper ranked: words matched where, stems, acronyms, typos",
            "Find"),
    Command("bookmark", "b", "bookmark", "Bookmark", "Bookmark or unbookmark (or the selection)",
            footer=True),
    Command("tags", "t", "edit_tags", "Tags", "Edit tags (reading lists) of the paper or selection",
            footer=True),
    Command("read", "r", "toggle_read", "Read", "Mark read or unread (or the selection)",
            footer=True),
    Command("note", "n", "edit_note", "Note", "Write a note on the paper", footer=True),
    Command("select", "space", "toggle_select", "Select",
            "Select the paper; b, t and r then act on the selection"),
    Command("undo", "u", "undo", "Undo", "Undo the last annotation change", footer=True),
    Command("redo", "U", "redo", "Redo", "Redo what was undone"),
    Command("sort", "s", "cycle_sort", "Sort", "Cycle the order: date, upvotes, title, added, "
            "relevance", "View"),
    Command("reverse", "S", "reverse_sort", "Reverse", "Reverse the order", "View"),
    Command("similar", "m", "similar", "Similar", "Show papers similar to this one", "View",
            footer=True),
    Command("for-you", "f", "for_you", "For you", "Unread papers near your bookmarks and tags",
            "View"),
    Command("views", "v", "toggle_sidebar", "Views", "Show or hide the views sidebar", "View"),
    Command("browser", "o", "open_browser", "Browser",
            "Open in the browser (arXiv page, else a Hugging Face search)"),
    Command("cite", "c", "copy_citation", "Cite", "Copy a BibTeX citation to the clipboard"),
    Command("export", "e", "export", "Export", "Export the current view to a file", "Library"),
    Command("import", "i", "import_file", "Import", "Import a file or folder", "Library"),
    Command("sample", "L", "load_sample", "Sample", "Import the bundled sample library",
            "Library"),
    Command("sync", "R", "sync", "Sync", "Fetch new papers from the feeds (as quire sync does)",
            "Library"),
    Command("theme", "ctrl+t", "pick_theme", "Theme", "Pick a theme (saved to config)", "App"),
    Command("help", "question_mark", "help", "Help", "Show every key and the query language", "App",
            footer=True),
    Command("quit", "q", "quit", "Quit", "Quit quire (everything is already saved)", "App",
            footer=True),
)

# Views 1-9 are positional: the n-th entry of the views sidebar.
VIEW_KEYS = tuple(str(n) for n in range(1, 10))


def screen_bindings() -> list[BindingType]:
    """The main screen's bindings, generated from ``COMMANDS``."""
    bindings: list[BindingType] = [
        Binding(c.keys, c.action, c.label, show=c.footer, id=c.id, tooltip=c.help)
        for c in COMMANDS if c.action != "quit"
    ]
    bindings += [Binding(k, f"view({int(k) - 1})", f"View {k}", show=False, id=f"view-{k}")
                 for k in VIEW_KEYS]
    return bindings


def app_bindings() -> list[BindingType]:
    """Bindings that work on every screen (quit)."""
    return [Binding(c.keys, c.action, c.label, show=c.footer, id=c.id, tooltip=c.help)
            for c in COMMANDS if c.action == "quit"]


def binding_ids() -> list[str]:
    """Every id a ``[keymap]`` entry may name."""
    return [c.id for c in COMMANDS] + [f"view-{k}" for k in VIEW_KEYS]
