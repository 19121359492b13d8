"""Annotation changes with undo: what the reader's b, r, t, n, Enter, u and U do to the library.

Owns: which way a toggle goes for a set of papers (bookmark them all unless all are bookmarked),
the description a change is announced and undone by ("Bookmarked 3 papers"), writing the change
to the store at once and recording it on the undo stack. Failures are the store's
(``StoreError``) or a bad tag (``ValueError``); nothing is recorded for a change that failed.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from quire.models import Annotation
from quire.store import Library
from quire.undo import UndoStack
from quire.views import count_label

# Writes one annotation change for these papers; returns the annotations as they were (for undo).
AnnotationWrite = Callable[[Library, list[int]], dict[int, Annotation]]


@dataclass(frozen=True)
class Change:
    """A change written to the library: what it was, and the papers it touched."""

    description: str
    pids: list[int]


class Annotator:
    """Annotation changes on one library, each undoable."""

    def __init__(self, library: Library) -> None:
        self.library = library
        self.history = UndoStack(library)

    def _apply(self, pids: Sequence[int], description: str, write: AnnotationWrite) -> Change:
        before = write(self.library, list(pids))
        self.history.record(description, before)
        return Change(description, list(pids))

    def toggle_bookmark(self, pids: Sequence[int]) -> Change:
        """Bookmark the papers, or unbookmark them if all are bookmarked."""
        value = not all(a.bookmarked for a in self.library.annotations(pids).values())
        return self._apply(
            pids,
            f"{'Bookmarked' if value else 'Unbookmarked'} {count_label(pids)}",
            lambda lib, p: lib.set_bookmarked(p, value),
        )

    def toggle_read(self, pids: Sequence[int]) -> Change:
        """Mark the papers read, or unread if all are read."""
        value = not all(a.read for a in self.library.annotations(pids).values())
        return self._apply(
            pids,
            f"Marked {count_label(pids)} {'read' if value else 'unread'}",
            lambda lib, p: lib.set_read(p, value),
        )

    def mark_read(self, pid: int) -> Change | None:
        """Mark one paper read (opening it); ``None`` if it already was."""
        if self.library.annotations([pid])[pid].read:
            return None
        return self._apply([pid], "Marked read", lambda lib, p: lib.set_read(p, True))

    def add_tags(self, pids: Sequence[int], tags: list[str]) -> Change:
        """Add tags to the papers (``ValueError`` names an invalid tag)."""
        return self._apply(
            pids, f"Tagged {count_label(pids)} #{' #'.join(tags)}", lambda lib, p: lib.add_tags(p, tags)
        )

    def remove_tags(self, pids: Sequence[int], tags: list[str]) -> Change:
        """Remove tags from the papers."""
        return self._apply(
            pids, f"Untagged {count_label(pids)} #{' #'.join(tags)}", lambda lib, p: lib.remove_tags(p, tags)
        )

    def set_note(self, pid: int, text: str) -> Change | None:
        """Replace a paper's note; ``None`` if the text is what it already was."""
        if self.library.annotations([pid])[pid].note == text:
            return None
        return self._apply([pid], "Edited note", lambda lib, p: lib.set_note(p[0], text))

    def tag_counts(self, pids: Sequence[int]) -> dict[str, int]:
        """How many of the papers carry each tag (for the tag editor)."""
        return dict(Counter(t for a in self.library.annotations(pids).values() for t in a.tags))

    def undo(self) -> Change | None:
        """Put back the annotations from before the last change; ``None`` if nothing to undo."""
        step = self.history.undo()
        return Change(step.description, step.pids) if step else None

    def redo(self) -> Change | None:
        """Apply again the last undone change; ``None`` if nothing to redo."""
        step = self.history.redo()
        return Change(step.description, step.pids) if step else None
