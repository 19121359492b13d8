"""Undo and redo of annotation changes (bookmark, tags, read state, note, bulk actions).

Each step keeps only what it changed, paper by paper: which flag went from what to what, which
tags were added or removed, the note before and after. Undo reverts exactly that against what
the library holds *now*, so a tag or note added meanwhile (from the CLI, another reader, a later
step) stays. Both go through the store at once, so nothing waits for quit.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial

from quire.models import Annotation
from quire.store import Library

LIMIT = 200


@dataclass(frozen=True)
class Flag:
    """A flag's value (and its time stamp) before and after a change."""

    before: bool
    after: bool
    before_at: datetime | None
    after_at: datetime | None


@dataclass(frozen=True)
class Delta:
    """What one change did to one paper's annotation; ``None``/empty for what it left alone."""

    bookmarked: Flag | None = None
    read: Flag | None = None
    tags_added: frozenset[str] = frozenset()
    tags_removed: frozenset[str] = frozenset()
    note: tuple[str, str] | None = None  # (before, after)

    @classmethod
    def between(cls, old: Annotation, new: Annotation) -> Delta:
        """The difference between two annotations of one paper."""
        return cls(
            bookmarked=Flag(old.bookmarked, new.bookmarked, old.bookmarked_at, new.bookmarked_at)
            if old.bookmarked != new.bookmarked
            else None,
            read=Flag(old.read, new.read, old.read_at, new.read_at) if old.read != new.read else None,
            tags_added=frozenset(new.tags) - frozenset(old.tags),
            tags_removed=frozenset(old.tags) - frozenset(new.tags),
            note=(old.note, new.note) if old.note != new.note else None,
        )

    @property
    def empty(self) -> bool:
        """Did the change leave this paper as it was?"""
        return not (self.bookmarked or self.read or self.tags_added or self.tags_removed or self.note)

    def apply(self, current: Annotation, undo: bool) -> Annotation:
        """``current`` with this change reverted (``undo``) or made again; nothing else touched."""
        update: dict[str, object] = {}
        if self.bookmarked:
            flag = self.bookmarked
            update["bookmarked"] = flag.before if undo else flag.after
            update["bookmarked_at"] = flag.before_at if undo else flag.after_at
        if self.read:
            update["read"] = self.read.before if undo else self.read.after
            update["read_at"] = self.read.before_at if undo else self.read.after_at
        if self.tags_added or self.tags_removed:
            gone, back = (
                (self.tags_added, self.tags_removed) if undo else (self.tags_removed, self.tags_added)
            )
            update["tags"] = sorted((set(current.tags) - gone) | back)
        if self.note:
            was, now = self.note if undo else self.note[::-1]
            # Only a note still as this step left it goes back: an edit made since is kept.
            if current.note == now:
                update["note"] = was
        return current.model_copy(update=update)


@dataclass
class Step:
    """One change: what it was, and what it did to each paper it touched."""

    description: str
    deltas: dict[int, Delta]

    @property
    def pids(self) -> list[int]:
        """The papers this step changed."""
        return list(self.deltas)


@dataclass
class UndoStack:
    """The history of annotation changes in one session."""

    library: Library
    done: list[Step] = field(default_factory=list)
    undone: list[Step] = field(default_factory=list)

    def record(self, description: str, before: dict[int, Annotation]) -> Step:
        """Remember a change just written to the store (``before`` is what the setter returned)."""
        after = self.library.annotations(list(before))
        deltas = {pid: Delta.between(old, after[pid]) for pid, old in before.items() if pid in after}
        step = Step(description, {pid: d for pid, d in deltas.items() if not d.empty})
        if not step.deltas:
            return step  # nothing changed (already bookmarked…): nothing to undo either
        self.done.append(step)
        del self.done[:-LIMIT]
        self.undone.clear()
        return step

    def _apply(self, step: Step, undo: bool) -> None:
        changes: dict[int, Callable[[Annotation], Annotation]] = {
            pid: partial(delta.apply, undo=undo) for pid, delta in step.deltas.items()
        }
        if changes:
            self.library.change_each(changes)

    def undo(self) -> Step | None:
        """Revert the last change (only what it changed); ``None`` if nothing to undo."""
        if not self.done:
            return None
        step = self.done[-1]
        self._apply(step, undo=True)  # if the store refuses, the step stays undoable
        self.undone.append(self.done.pop())
        return step

    def redo(self) -> Step | None:
        """Make the last undone change again; ``None`` if nothing to redo."""
        if not self.undone:
            return None
        step = self.undone[-1]
        self._apply(step, undo=False)
        self.done.append(self.undone.pop())
        return step
