"""``quire doctor``: look at a library file without trusting it, and say how to recover.

It opens the file read-only through its own connection (the ``Library`` class refuses files it
cannot use), runs SQLite's ``integrity_check``, and reports the schema version, sizes, the journal
(write-ahead log, or a rollback journal where the file system cannot share memory), the change
counter the search index follows, and what to do about any problem found.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from quire.store.connection import WAL_NEEDS_SHARED_MEMORY, journal_in_header, wal_without_shared_memory
from quire.store.schema import SCHEMA_VERSION

_EXPECTED_INDEXES = ("papers_title_key", "papers_short_id", "tags_tag", "papers_rev", "papers_newest")


@dataclass
class Checkup:
    """What ``doctor`` found: report lines, and problems with how to fix each."""

    lines: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def healthy(self) -> bool:
        """No problem found."""
        return not self.problems


def _size(path: Path) -> str:
    try:
        size = path.stat().st_size
    except OSError:
        return "absent"
    return f"{size / 2**20:.1f} MB" if size >= 2**20 else f"{size / 1024:.0f} KB"


def examine(path: Path) -> Checkup:
    """Check the library at ``path``; never raises for a damaged or missing file."""
    found = Checkup()
    found.lines.append(f"library: {path}")
    if not path.exists():
        found.problems.append(
            f"{path} does not exist: quire creates an empty library there on "
            "the next start (or point --data-dir at your library's folder)"
        )
        return found
    found.lines.append(f"size: {_size(path)} (write-ahead log: {_size(Path(f'{path}-wal'))})")
    journal = journal_in_header(path)
    if journal == "wal":
        found.lines.append("journal: write-ahead log (WAL): the reader reads while another quire writes")
    elif journal == "delete":
        # quire switches every library it opens for writing to WAL; one left with a rollback
        # journal is a copy not opened since, or lives where WAL cannot work.
        found.lines.append(
            "journal: rollback (DELETE), not write-ahead log: the file system may not share "
            "memory between processes (a network share?), or this is a backup not opened since; "
            "without WAL the reader waits while another quire writes (an import, a sync). "
            "On a local disk quire switches it to WAL when it next opens it"
        )
    recover = (
        f"to recover: quit quire, keep a copy of {path.name}, then run "
        f"`sqlite3 {path} .recover | sqlite3 recovered.sqlite3` and move "
        f"recovered.sqlite3 to {path.name}; or start afresh by moving the file away and "
        "re-importing (annotations live only in this file)"
    )
    try:
        conn = sqlite3.connect(path.resolve().as_uri() + "?mode=ro", uri=True, timeout=5.0)
    except sqlite3.Error as error:
        found.problems.append(f"cannot open the file: {error}; check its permissions")
        return found
    try:
        version = int(conn.execute("PRAGMA user_version").fetchone()[0])
        note = (
            "current"
            if version == SCHEMA_VERSION
            else (
                f"newer than this quire ({SCHEMA_VERSION}): upgrade quire"
                if version > SCHEMA_VERSION
                else f"older; quire upgrades it to {SCHEMA_VERSION} when it next opens it"
            )
        )
        found.lines.append(f"schema version: {version} ({note})")
        if version > SCHEMA_VERSION:
            found.problems.append(f"schema version {version} is newer than this quire knows")
        checks = [str(row[0]) for row in conn.execute("PRAGMA integrity_check(20)")]
        if checks == ["ok"]:
            found.lines.append("integrity check: ok")
        else:
            found.lines.append("integrity check: FAILED")
            found.lines += [f"  {line}" for line in checks]
            found.problems.append(f"the file is damaged; {recover}")
        for table in ("papers", "annotations", "tags", "paper_sources"):
            try:
                count = conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
                found.lines.append(f"{table}: {count:,} rows")
            except sqlite3.Error as error:
                found.lines.append(f"{table}: unreadable ({error})")
        try:
            rev = conn.execute("SELECT value FROM meta WHERE key='rev'").fetchone()[0]
            indexes = {str(r[0]) for r in conn.execute("SELECT name FROM sqlite_master WHERE type='index'")}
            missing = [name for name in _EXPECTED_INDEXES if name not in indexes]
            found.lines.append(
                f"index state: change counter {rev}; "
                + (f"missing SQL indexes: {', '.join(missing)}" if missing else "all SQL indexes present")
                + "; the search index is rebuilt from the library as needed"
            )
            if missing and version == SCHEMA_VERSION:
                found.problems.append(f"SQL indexes missing ({', '.join(missing)}); {recover}")
        except sqlite3.Error as error:
            found.lines.append(f"index state: unreadable ({error})")
    except sqlite3.Error as error:
        found.lines.append(f"cannot read the file: {error}")
        if wal_without_shared_memory(path, error):
            found.problems.append(f"{path} cannot be opened here: {WAL_NEEDS_SHARED_MEMORY}")
        else:
            found.problems.append(f"the file is damaged or not a quire library; {recover}")
    finally:
        conn.close()
    return found
