"""Annotations in the store: bookmarks, read marks, tags and notes, changed in one transaction
each and handed back as they were (for undo), and the tag counts the views show.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime

from quire.models import (
    Annotation,
)
from quire.store.connection import _chunks, _now
from quire.store.errors import (
    PaperNotFoundError,
)
from quire.store.reads import LibraryReads


def normalise_tag(raw: str) -> str:
    """Fold a tag for storage (case-insensitive, spaces become hyphens); raise ``ValueError`` if bad.

    A leading ``#`` is dropped: tags are shown as ``#name``, so people type them that way, and a
    stored ``#name`` would show as ``##name``.
    """
    tag = "-".join(raw.strip().lstrip("#").casefold().split())
    if not tag or any(ch in tag for ch in ":\"'(),"):
        raise ValueError(f"invalid tag {raw!r}: tags cannot be empty or contain : \" ' ( ) ,")
    return tag


STAMP_COLUMNS = ("bookmark_changed", "read_changed", "tags_changed", "note_changed")


def annotation_stamps(conn: sqlite3.Connection, pids: Sequence[int]) -> dict[int, tuple[str | None, ...]]:
    """When each aspect of these papers' annotations last changed (``STAMP_COLUMNS`` order).

    Papers without an annotation row are left out; a ``None`` is "not since schema v8".
    """
    out: dict[int, tuple[str | None, ...]] = {}
    for chunk in _chunks(list(pids)):
        marks = ",".join("?" * len(chunk))
        for row in conn.execute(
            f"SELECT pid, {', '.join(STAMP_COLUMNS)} FROM annotations WHERE pid IN ({marks})", tuple(chunk)
        ):
            out[int(row[0])] = tuple(row[1:])
    return out


class LibraryAnnotations(LibraryReads):
    """The user's annotations on the library's papers."""

    def _annotations(self, conn: sqlite3.Connection, pids: Sequence[int]) -> dict[int, Annotation]:
        out: dict[int, Annotation] = {}
        for chunk in _chunks(list(pids)):
            marks = ",".join("?" * len(chunk))
            tags: dict[int, list[str]] = {}
            for pid, tag in conn.execute(
                f"SELECT pid, tag FROM tags WHERE pid IN ({marks}) ORDER BY tag", tuple(chunk)
            ):
                tags.setdefault(pid, []).append(tag)
            rows = {
                r["pid"]: r
                for r in conn.execute(f"SELECT * FROM annotations WHERE pid IN ({marks})", tuple(chunk))
            }
            for pid in chunk:
                row = rows.get(pid)
                out[pid] = Annotation(
                    bookmarked=bool(row["bookmarked"]) if row else False,
                    read=bool(row["read"]) if row else False,
                    note=row["note"] if row else "",
                    read_at=row["read_at"] if row else None,
                    bookmarked_at=row["bookmarked_at"] if row else None,
                    tags=tags.get(pid, []),
                )
        return out

    def annotations(self, pids: Sequence[int]) -> dict[int, Annotation]:
        """The current annotations of these papers (a snapshot usable for undo)."""
        with self._reader() as conn:
            return self._annotations(conn, pids)

    def _put_annotations(self, conn: sqlite3.Connection, values: dict[int, Annotation], rev: int) -> None:
        now = _now()
        # Each aspect that changes gets a new change time (schema v8), which is what a carried
        # library's import compares (newer change wins); an unchanged aspect keeps its time.
        changed_at = datetime.now(UTC).isoformat()
        before = self._annotations(conn, list(values))
        stamps = annotation_stamps(conn, list(values))
        for pid, ann in values.items():
            old = before[pid]
            stamp = dict(zip(STAMP_COLUMNS, stamps.get(pid, (None,) * 4), strict=True))
            for column, differs in (
                ("bookmark_changed", old.bookmarked != ann.bookmarked),
                ("read_changed", old.read != ann.read),
                ("tags_changed", sorted(old.tags) != sorted(ann.tags)),
                ("note_changed", old.note != ann.note),
            ):
                if differs:
                    stamp[column] = changed_at
            conn.execute(
                "INSERT INTO annotations(pid, bookmarked, read, note, read_at, bookmarked_at, "
                "bookmark_changed, read_changed, tags_changed, note_changed) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(pid) DO UPDATE SET "
                "bookmarked=excluded.bookmarked, read=excluded.read, note=excluded.note, "
                "read_at=excluded.read_at, bookmarked_at=excluded.bookmarked_at, "
                "bookmark_changed=excluded.bookmark_changed, read_changed=excluded.read_changed, "
                "tags_changed=excluded.tags_changed, note_changed=excluded.note_changed",
                (
                    pid,
                    int(ann.bookmarked),
                    int(ann.read),
                    ann.note,
                    ann.read_at.isoformat() if ann.read_at else None,
                    ann.bookmarked_at.isoformat() if ann.bookmarked_at else None,
                    *(stamp[c] for c in STAMP_COLUMNS),
                ),
            )
            if ann.read:  # a paper read is a paper seen: it is no longer new
                conn.execute("DELETE FROM fresh WHERE pid=?", (pid,))
            # Tags that stay keep the time they were added; gone ones go, new ones are stamped.
            conn.executemany(
                "DELETE FROM tags WHERE pid=? AND tag=?",
                [(pid, tag) for tag in set(old.tags) - set(ann.tags)],
            )
            conn.executemany(
                "INSERT OR IGNORE INTO tags(pid, tag, added) VALUES (?, ?, ?)",
                [(pid, tag, now) for tag in ann.tags],
            )
            conn.execute("UPDATE papers SET rev=? WHERE pid=?", (rev, pid))

    def update_annotations(
        self, pids: Sequence[int], change: Callable[[Annotation], Annotation]
    ) -> dict[int, Annotation]:
        """Apply ``change`` to each paper's annotation in one transaction; return the old ones."""
        with self._write() as (conn, rev):
            known = {
                r[0]
                for chunk in _chunks(list(pids))
                for r in conn.execute(
                    f"SELECT pid FROM papers WHERE pid IN ({','.join('?' * len(chunk))})", tuple(chunk)
                )
            }
            missing = [p for p in pids if p not in known]
            if missing:
                raise PaperNotFoundError(f"no paper with internal id {missing[0]}")
            before = self._annotations(conn, pids)
            self._put_annotations(conn, {p: change(a) for p, a in before.items()}, rev)
        return before

    def restore_annotations(self, values: dict[int, Annotation]) -> None:
        """Put back annotations exactly as given (undo and redo), skipping removed papers."""
        with self._write() as (conn, rev):
            present = {
                r[0]
                for chunk in _chunks(list(values))
                for r in conn.execute(
                    f"SELECT pid FROM papers WHERE pid IN ({','.join('?' * len(chunk))})", tuple(chunk)
                )
            }
            self._put_annotations(conn, {p: a for p, a in values.items() if p in present}, rev)

    def change_each(self, changes: Mapping[int, Callable[[Annotation], Annotation]]) -> dict[int, Annotation]:
        """Apply each paper's own change to its current annotation, in one transaction.

        For undo and redo: each change is worked out against what the library holds now, so
        edits made meanwhile (another process, another step) are kept. Removed papers are
        skipped. Returns the annotations as they were.
        """
        with self._write() as (conn, rev):
            present = [
                r[0]
                for chunk in _chunks(list(changes))
                for r in conn.execute(
                    f"SELECT pid FROM papers WHERE pid IN ({','.join('?' * len(chunk))})", tuple(chunk)
                )
            ]
            before = self._annotations(conn, present)
            self._put_annotations(conn, {p: changes[p](a) for p, a in before.items()}, rev)
        return before

    def set_bookmarked(self, pids: Sequence[int], value: bool) -> dict[int, Annotation]:
        """Bookmark or unbookmark papers; returns the annotations as they were."""
        stamp = datetime.now(UTC) if value else None
        return self.update_annotations(
            pids, lambda a: a.model_copy(update={"bookmarked": value, "bookmarked_at": stamp})
        )

    def set_read(self, pids: Sequence[int], value: bool) -> dict[int, Annotation]:
        """Mark papers read or unread; returns the annotations as they were."""
        stamp = datetime.now(UTC) if value else None
        return self.update_annotations(pids, lambda a: a.model_copy(update={"read": value, "read_at": stamp}))

    def add_tags(self, pids: Sequence[int], tags: Iterable[str]) -> dict[int, Annotation]:
        """Add tags to papers (tags are normalised); returns the annotations as they were."""
        new = {normalise_tag(t) for t in tags}
        return self.update_annotations(
            pids, lambda a: a.model_copy(update={"tags": sorted(set(a.tags) | new)})
        )

    def remove_tags(self, pids: Sequence[int], tags: Iterable[str]) -> dict[int, Annotation]:
        """Remove tags from papers; returns the annotations as they were."""
        gone = {normalise_tag(t) for t in tags}
        return self.update_annotations(
            pids, lambda a: a.model_copy(update={"tags": sorted(set(a.tags) - gone)})
        )

    def set_note(self, pid: int, text: str) -> dict[int, Annotation]:
        """Replace a paper's note; returns the annotation as it was."""
        return self.update_annotations([pid], lambda a: a.model_copy(update={"note": text}))

    def view_counts(self) -> dict[str, int]:
        """How many papers the Inbox (``unread``), ``all`` and ``bookmarked`` views hold.

        Three COUNT queries in one statement (annotations are rows only for annotated papers),
        for the reader's sidebar; it runs them off the UI thread after each change.
        """
        total, read, bookmarked = self._read(
            "SELECT (SELECT count(*) FROM papers), "
            "(SELECT count(*) FROM annotations WHERE read = 1), "
            "(SELECT count(*) FROM annotations WHERE bookmarked = 1)"
        )[0]
        return {"unread": int(total) - int(read), "all": int(total), "bookmarked": int(bookmarked)}

    def tag_counts(self) -> list[tuple[str, int]]:
        """Every tag with how many papers carry it, most used first."""
        rows = self._read("SELECT tag, count(*) FROM tags GROUP BY tag ORDER BY count(*) DESC, tag")
        return [(str(r[0]), int(r[1])) for r in rows]
