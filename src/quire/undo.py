"""Undo and redo of annotation changes (bookmark, tags, read state, note, bulk actions).

Each step keeps the annotations of the papers it touched before and after the change; undo puts
the "before" back, redo the "after". Both go through the store at once, so nothing waits for quit.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from quire.models import Annotation
from quire.store import Library

LIMIT = 200


@dataclass
class Step:
    """One change: what it was, and the annotations on each side of it."""

    description: str
    before: dict[int, Annotation]
    after: dict[int, Annotation]


@dataclass
class UndoStack:
    """The history of annotation changes in one session."""

    library: Library
    done: list[Step] = field(default_factory=list)
    undone: list[Step] = field(default_factory=list)

    def record(self, description: str, before: dict[int, Annotation]) -> Step:
        """Remember a change just written to the store (``before`` is what the setter returned)."""
        step = Step(description, before, self.library.annotations(list(before)))
        self.done.append(step)
        del self.done[:-LIMIT]
        self.undone.clear()
        return step

    def undo(self) -> Step | None:
        """Put back the annotations from before the last change; ``None`` if nothing to undo."""
        if not self.done:
            return None
        step = self.done.pop()
        self.library.restore_annotations(step.before)
        self.undone.append(step)
        return step

    def redo(self) -> Step | None:
        """Apply again the last undone change; ``None`` if nothing to redo."""
        if not self.undone:
            return None
        step = self.undone.pop()
        self.library.restore_annotations(step.after)
        self.done.append(step)
        return step
