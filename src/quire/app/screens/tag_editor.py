"""The tag editor: add and remove tags (reading lists) on a paper or the selection."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.suggester import Suggester
from textual.widgets import Input, Label, Static

from quire.app.screens.modal import Dialog
from quire.safe_text import safe_text


@dataclass(frozen=True)
class TagChange:
    """What the editor asks for."""

    add: list[str]
    remove: list[str]


class LastWordSuggester(Suggester):
    """Completes the word being typed from the existing tags."""

    def __init__(self, tags: list[str]) -> None:
        super().__init__(use_cache=False, case_sensitive=False)
        self.tags = tags

    async def get_suggestion(self, value: str) -> str | None:
        """The value with its last word completed to the most used matching tag."""
        head, _, word = value.rpartition(" ")
        sign = "-" if word.startswith("-") else ""
        stem = word.lstrip("-").casefold()
        if not stem:
            return None
        for tag in self.tags:
            if tag.startswith(stem) and tag != stem:
                return f"{head} {sign}{tag}".lstrip() if head else f"{sign}{tag}"
        return None


def parse_tag_input(text: str) -> TagChange:
    """``rl to-read -old`` → add rl and to-read, remove old (``#rl`` and ``-#old`` too: tags
    are shown with ``#``, so people type it)."""
    add, remove = [], []
    for word in text.split():
        if word.startswith("-") and word.lstrip("-#"):
            remove.append(word[1:].lstrip("#"))
        elif word.lstrip("-#"):
            add.append(word.lstrip("#"))
    return TagChange(add, remove)


class TagEditor(Dialog[TagChange | None]):
    """Type tags to add, -tag to remove; Tab completes; Enter applies; Escape cancels."""

    # Tab completes, as in a shell, instead of moving focus: the dialog has one input.
    BINDINGS = [Binding("tab", "complete", "Complete", show=False, id="tag-editor-complete")]
    DEFAULT_CSS = """
    TagEditor > Vertical { width: 70; height: auto; }
    /* A long paper title is cut with an ellipsis on one line, not wrapped or cut bare. */
    TagEditor #tags-title { width: 100%; text-wrap: nowrap; text-overflow: ellipsis; }
    TagEditor #tags-current { color: $secondary; margin: 0 0 1 0; }
    TagEditor #tags-help { width: 100%; color: $foreground 90%; }
    """

    def __init__(self, subject: str, current: dict[str, int], total: int, known: list[str]) -> None:
        super().__init__()
        self.subject = subject
        self.current = current
        self.total = total
        self.known = known

    def compose(self) -> ComposeResult:
        """Title, current tags, the input."""
        with Vertical():
            yield Label(Text(safe_text(f"Tags of {self.subject}")), id="tags-title")
            if self.current:
                shown = "  ".join(
                    f"#{t}" + (f" ({n}/{self.total})" if self.total > 1 else "")
                    for t, n in sorted(self.current.items())
                )
            else:
                shown = "(no tags yet)"
            yield Static(Text(safe_text(shown)), id="tags-current")
            yield Input(
                placeholder="to-read rl -old", suggester=LastWordSuggester(self.known), id="tags-input"
            )
            yield Label("Enter apply · Tab/→ complete · -tag removes · Esc cancel", id="tags-help")

    def action_complete(self) -> None:
        """Accept the suggested completion of the word being typed, as → does at the end."""
        field = self.query_one(Input)
        if field.cursor_at_end:
            field.action_cursor_right()

    @on(Input.Submitted)
    def apply(self, event: Input.Submitted) -> None:
        """Return the change."""
        change = parse_tag_input(event.value)
        self.dismiss(change if change.add or change.remove else None)
