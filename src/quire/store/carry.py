"""Carrying a library: read every field, source and annotation out; merge a carried library in.

The file format lives in :mod:`quire.export.quire_format`; this module is its store side. Papers
merge by the same identity rules as every import (arXiv id, then DOI, then title with first
author and year). Annotations merge part by part (bookmark, read state, tags, note): the part
that changed more recently wins, so nothing done in the library after the file was written is
undone by importing it; notes that differ on both sides are named in the import summary.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from quire.models import ImportSummary, valid_arxiv_id
from quire.store.journal import _Journal
from quire.store.library import (
    _BATCH,
    LIST_FIELDS,
    SCALAR_FIELDS,
    STAMP_COLUMNS,
    Library,
    _chunks,
    _now,
)

if TYPE_CHECKING:
    from quire.export.quire_format import CarriedAnnotation, CarriedPaper


def carried_papers(library: Library, pids: Sequence[int]) -> list[dict[str, Any]]:
    """These papers (in this order) with every field, source and annotation, as plain data.

    A change time the library does not have (annotations made before schema v8) is taken from
    what it does have: when the bookmark or read mark was set, when the newest tag was added.
    """
    out: dict[int, dict[str, Any]] = {}
    with library._reader() as conn:
        for chunk in _chunks(list(pids)):
            marks = ",".join("?" * len(chunk))
            sources: dict[int, list[dict[str, str]]] = {}
            for pid, source, origin, first_seen in conn.execute(
                f"SELECT pid, source, origin, first_seen FROM paper_sources "
                f"WHERE pid IN ({marks}) ORDER BY first_seen, source, origin",
                tuple(chunk),
            ):
                sources.setdefault(pid, []).append(
                    {"source": source, "origin": origin, "first_seen": first_seen}
                )
            tags: dict[int, list[dict[str, str]]] = {}
            for pid, tag, added in conn.execute(
                f"SELECT pid, tag, added FROM tags WHERE pid IN ({marks}) ORDER BY tag", tuple(chunk)
            ):
                tags.setdefault(pid, []).append({"tag": tag, "added": added})
            for row in conn.execute(
                f"SELECT p.*, a.bookmarked, a.read, a.note, a.read_at, a.bookmarked_at, "
                f"{', '.join('a.' + c for c in STAMP_COLUMNS)}, "
                f"f.pid IS NOT NULL AS fresh FROM papers p "
                f"LEFT JOIN annotations a ON a.pid = p.pid LEFT JOIN fresh f ON f.pid = p.pid "
                f"WHERE p.pid IN ({marks})",
                tuple(chunk),
            ):
                out[row["pid"]] = _paper_data(row, sources.get(row["pid"], []), tags.get(row["pid"], []))
    return [out[pid] for pid in pids if pid in out]


def _paper_data(
    row: sqlite3.Row, sources: list[dict[str, str]], tags: list[dict[str, str]]
) -> dict[str, Any]:
    arxiv_id = row["arxiv_id"]
    paper: dict[str, Any] = {
        # A library from before ids were checked may hold a bad one: carried without it.
        "arxiv_id": arxiv_id if arxiv_id and valid_arxiv_id(arxiv_id) else None,
        "short_id": row["short_id"],
    }
    for name in SCALAR_FIELDS:
        paper[name] = row[name]
    for name in LIST_FIELDS:
        paper[name] = json.loads(row[name] or "[]")
    paper["added"] = row["added"]
    paper["new"] = bool(row["fresh"])
    paper["sources"] = sources
    newest_tag = max((t["added"] for t in tags), default=None)
    paper["annotation"] = {
        "bookmarked": bool(row["bookmarked"]),
        "bookmarked_at": row["bookmarked_at"],
        "bookmark_changed": row["bookmark_changed"] or row["bookmarked_at"],
        "read": bool(row["read"]),
        "read_at": row["read_at"],
        "read_changed": row["read_changed"] or row["read_at"],
        "tags": tags,
        "tags_changed": row["tags_changed"] or newest_tag,
        "note": row["note"] or "",
        "note_changed": row["note_changed"],
    }
    return paper


@dataclass
class _Held:
    """One paper's annotation as the library holds it, with its change times."""

    bookmarked: bool
    bookmarked_at: str | None
    read: bool
    read_at: str | None
    tags: dict[str, str]  # tag -> when added
    note: str
    stamps: dict[str, str | None]


def _held(conn: sqlite3.Connection, pid: int) -> _Held:
    row = conn.execute(
        f"SELECT bookmarked, read, note, read_at, bookmarked_at, "
        f"{', '.join(STAMP_COLUMNS)} FROM annotations WHERE pid=?",
        (pid,),
    ).fetchone()
    tags = {str(t): str(a) for t, a in conn.execute("SELECT tag, added FROM tags WHERE pid=?", (pid,))}
    if row is None:
        return _Held(False, None, False, None, tags, "", dict.fromkeys(STAMP_COLUMNS))
    stamps = {c: row[c] for c in STAMP_COLUMNS}
    stamps["bookmark_changed"] = stamps["bookmark_changed"] or row["bookmarked_at"]
    stamps["read_changed"] = stamps["read_changed"] or row["read_at"]
    stamps["tags_changed"] = stamps["tags_changed"] or max(tags.values(), default=None)
    return _Held(
        bool(row["bookmarked"]),
        row["bookmarked_at"],
        bool(row["read"]),
        row["read_at"],
        tags,
        row["note"] or "",
        stamps,
    )


def _when(stamp: str | None) -> datetime | None:
    if stamp is None:
        return None
    moment = datetime.fromisoformat(stamp)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def file_wins(held: str | None, carried: str | None, held_is_default: bool) -> bool:
    """Does the file's version of one annotation part replace the library's (values differ)?

    The newer change wins. A part whose change time is unknown is older than any known one; when
    neither side knows, the library keeps its own unless it never set the part at all.
    """
    mine, theirs = _when(held), _when(carried)
    if mine is None and theirs is None:
        return held_is_default
    if mine is None:
        return True
    if theirs is None:
        return False
    return theirs > mine


def _newer(a: str | None, b: str | None) -> str | None:
    """The later of two change times (either may be unknown)."""
    when_a, when_b = _when(a), _when(b)
    if when_a is None or when_b is None:
        return a if when_b is None else b
    return b if when_b > when_a else a


@dataclass
class CarryReport:
    """What merging the annotations of a carried library did."""

    taken: int = 0  # annotation parts taken from the file
    kept: int = 0  # parts the library kept because its change was newer
    notes: list[str] = field(default_factory=list)

    def notices(self) -> list[str]:
        """Lines for the import summary."""
        return [
            f"annotations: {self.taken} changes taken from the file, {self.kept} kept "
            "from the library (changed there later)",
            *self.notes,
        ]


def _merge(
    conn: sqlite3.Connection, pid: int, label: str, carried: CarriedAnnotation, rev: int, report: CarryReport
) -> None:
    held = _held(conn, pid)
    stamps = dict(held.stamps)
    bookmarked, bookmarked_at = held.bookmarked, held.bookmarked_at
    read, read_at = held.read, held.read_at
    tags, note = dict(held.tags), held.note

    def part(column: str, same: bool, default: bool, theirs: str | None) -> bool:
        if same:
            stamps[column] = _newer(stamps[column], theirs)
            return False
        if file_wins(stamps[column], theirs, default):
            stamps[column] = theirs
            report.taken += 1
            return True
        report.kept += 1
        return False

    if part(
        "bookmark_changed",
        carried.bookmarked == held.bookmarked,
        not held.bookmarked,
        carried.bookmark_changed,
    ):
        bookmarked, bookmarked_at = carried.bookmarked, carried.bookmarked_at
    if part("read_changed", carried.read == held.read, not held.read, carried.read_changed):
        read, read_at = carried.read, carried.read_at
    theirs_tags = {t.tag: t.added for t in carried.tags}
    if part("tags_changed", set(theirs_tags) == set(held.tags), not held.tags, carried.tags_changed):
        tags = theirs_tags
    if part("note_changed", carried.note == held.note, not held.note, carried.note_changed):
        note = carried.note
    if held.note != carried.note:
        # A note never goes without a word: whichever side lost a text is named with it.
        from_file = note == carried.note
        lost = held.note if from_file else carried.note
        if lost:
            if not from_file:
                did = "kept the library's (changed later)"
            else:
                did = "took the file's" if note else "deleted it, as the file has it"
                did += " (changed later)"
            report.notes.append(
                f"note of {label}: {did}; the {'library' if from_file else 'file'} had: {_short(lost)}"
            )
    conn.execute(
        "INSERT INTO annotations(pid, bookmarked, read, note, read_at, bookmarked_at, "
        f"{', '.join(STAMP_COLUMNS)}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT(pid) DO UPDATE SET bookmarked=excluded.bookmarked, read=excluded.read, "
        "note=excluded.note, read_at=excluded.read_at, bookmarked_at=excluded.bookmarked_at, "
        + ", ".join(f"{c}=excluded.{c}" for c in STAMP_COLUMNS),
        (pid, int(bookmarked), int(read), note, read_at, bookmarked_at, *(stamps[c] for c in STAMP_COLUMNS)),
    )
    if tags != held.tags:
        conn.execute("DELETE FROM tags WHERE pid=?", (pid,))
        conn.executemany(
            "INSERT INTO tags(pid, tag, added) VALUES (?, ?, ?)",
            [(pid, tag, added) for tag, added in sorted(tags.items())],
        )
    if read:
        conn.execute("DELETE FROM fresh WHERE pid=?", (pid,))
    conn.execute("UPDATE papers SET rev=? WHERE pid=?", (rev, pid))


def _short(text: str, limit: int = 200) -> str:
    flat = " ".join(text.split())
    return repr(flat if len(flat) <= limit else flat[:limit] + "…")


def import_carried(library: Library, papers: Sequence[CarriedPaper], summary: ImportSummary) -> ImportSummary:
    """Merge a carried library into this one as one import (all of it or nothing).

    Paper fields merge as in any import (newer values replace older, nothing known is erased);
    a new paper keeps its short id (where free), the time it was first added, its sources and
    its "new" mark; annotations merge part by part (:func:`file_wins`). Like every long import
    it commits a batch at a time with an undo journal (a bookmark made meanwhile gets through),
    and a failure part-way rolls the whole import back.
    """
    now = _now()
    report = CarryReport()
    import_id = library._begin_import(summary.path)
    try:
        for start in range(0, len(papers), _BATCH):
            batch = list(papers[start : start + _BATCH])
            with library._write() as (conn, rev):
                journal = library._journal = _Journal(import_id)
                try:
                    _merge_batch(library, conn, batch, journal, summary, report, now, rev)
                    journal.flush(conn)
                finally:
                    library._journal = None
    except BaseException:
        library._undo_import(import_id)
        raise
    library._end_import(import_id)
    summary.notices.extend(report.notices())
    return summary


def _merge_batch(
    library: Library,
    conn: sqlite3.Connection,
    batch: list[CarriedPaper],
    journal: _Journal,
    summary: ImportSummary,
    report: CarryReport,
    now: str,
    rev: int,
) -> None:
    def landed(index: int, pid: int, is_new: bool) -> None:
        paper = batch[index]
        if not is_new:  # a new paper's undo deletes it with all that hangs on it
            journal.add("annotation", pid, _annotation_state(conn, pid))
        for s in paper.sources:
            added = conn.execute(
                "INSERT OR IGNORE INTO paper_sources(pid, source, origin, first_seen) VALUES (?, ?, ?, ?)",
                (pid, s.source, s.origin, s.first_seen),
            ).rowcount
            if added and not is_new:
                journal.add("source", pid, [s.source, s.origin])
        if is_new and paper.new:
            conn.execute("INSERT OR IGNORE INTO fresh(pid, rev) VALUES (?, ?)", (pid, rev))
        _merge(conn, pid, paper.arxiv_id or paper.short_id, paper.annotation, rev, report)

    library._import_batch(
        conn,
        [paper.record() for paper in batch],
        None,
        summary,
        now,
        rev,
        fixed=[{"short_id": p.short_id, "added": p.added} for p in batch],
        landed=landed,
    )


def _annotation_state(conn: sqlite3.Connection, pid: int) -> dict[str, Any]:
    """All a merge may change of one paper's annotation, for the import's undo journal."""
    row = conn.execute("SELECT * FROM annotations WHERE pid=?", (pid,)).fetchone()
    return {
        "row": dict(row) if row is not None else None,
        "tags": [list(r) for r in conn.execute("SELECT tag, added FROM tags WHERE pid=?", (pid,))],
        "fresh": conn.execute("SELECT 1 FROM fresh WHERE pid=?", (pid,)).fetchone() is not None,
    }
