"""The library's SQLite schema and its forward migrations.

The schema version lives in ``PRAGMA user_version``. Each migration moves the database one version
forward inside the caller's transaction; opening an older database runs the missing ones, opening a
newer one is refused without touching it.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

from quire.store.errors import SchemaTooNewError

_V1 = """
CREATE TABLE papers (
    pid INTEGER PRIMARY KEY,
    arxiv_id TEXT UNIQUE,
    title_key TEXT NOT NULL,
    short_id TEXT NOT NULL,
    title TEXT NOT NULL,
    version TEXT,
    abstract TEXT,
    authors TEXT NOT NULL DEFAULT '[]',
    author_count INTEGER,
    org_handle TEXT,
    org_name TEXT,
    published TEXT,
    updated TEXT,
    upvotes INTEGER,
    comments INTEGER,
    github_repo TEXT,
    github_stars INTEGER,
    keywords TEXT NOT NULL DEFAULT '[]',
    categories TEXT NOT NULL DEFAULT '[]',
    primary_category TEXT,
    doi TEXT,
    journal_ref TEXT,
    comment TEXT,
    pdf_url TEXT,
    added TEXT NOT NULL
);
CREATE INDEX papers_title_key ON papers(title_key);
CREATE INDEX papers_short_id ON papers(short_id);
CREATE TABLE paper_sources (
    pid INTEGER NOT NULL REFERENCES papers(pid) ON DELETE CASCADE,
    source TEXT NOT NULL,
    origin TEXT NOT NULL,
    first_seen TEXT NOT NULL,
    PRIMARY KEY (pid, source, origin)
);
CREATE TABLE annotations (
    pid INTEGER PRIMARY KEY REFERENCES papers(pid) ON DELETE CASCADE,
    bookmarked INTEGER NOT NULL DEFAULT 0,
    read INTEGER NOT NULL DEFAULT 0,
    note TEXT NOT NULL DEFAULT '',
    read_at TEXT,
    bookmarked_at TEXT
);
CREATE TABLE tags (
    pid INTEGER NOT NULL REFERENCES papers(pid) ON DELETE CASCADE,
    tag TEXT NOT NULL,
    added TEXT NOT NULL,
    PRIMARY KEY (pid, tag)
);
CREATE INDEX tags_tag ON tags(tag);
"""

# Version 2: a change counter, so a search index (or another process) can catch up incrementally
# with what changed instead of rebuilding.
_V2 = """
ALTER TABLE papers ADD COLUMN rev INTEGER NOT NULL DEFAULT 0;
CREATE INDEX papers_rev ON papers(rev);
CREATE TABLE removed (pid INTEGER PRIMARY KEY, rev INTEGER NOT NULL);
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
INSERT INTO meta(key, value) VALUES ('rev', '1');
UPDATE papers SET rev = 1;
"""


# Version 3: the list's default order as a covering index, so the first screen of a 100,000-paper
# library is read in index order instead of sorting the whole table (430 ms -> a few ms).
_V3 = """
CREATE INDEX papers_newest ON papers(published IS NULL, published DESC, added DESC, pid);
"""


# Version 4: feeds. ``fresh`` holds papers a sync brought that the user has not opened yet (the
# reader's "new" mark); ``watch_hits`` records which watch rule caught which paper and when, so
# ``quire digest`` can list what arrived since the last digest. Sync cursors live in ``meta``.
_V4 = """
CREATE TABLE fresh (
    pid INTEGER PRIMARY KEY REFERENCES papers(pid) ON DELETE CASCADE,
    rev INTEGER NOT NULL
);
CREATE TABLE watch_hits (
    rule TEXT NOT NULL,
    pid INTEGER NOT NULL REFERENCES papers(pid) ON DELETE CASCADE,
    hit_at TEXT NOT NULL,
    PRIMARY KEY (rule, pid)
);
CREATE INDEX watch_hits_at ON watch_hits(hit_at);
"""

# Version 5: papers are also identified by DOI (case-insensitive), so imports look DOIs up.
_V5 = """
CREATE INDEX papers_doi ON papers(lower(doi));
"""

# Version 6: long imports commit in chunks, so other writers (a tag, a bookmark) get through
# within a second. Each import is recorded with an undo journal of what its chunks changed; a
# failed, cancelled or crashed import is rolled back from it as a unit.
_V6 = """
CREATE TABLE imports (
    id INTEGER PRIMARY KEY,
    origin TEXT NOT NULL,
    owner TEXT NOT NULL,
    started TEXT NOT NULL
);
CREATE TABLE import_undo (
    seq INTEGER PRIMARY KEY,
    import_id INTEGER NOT NULL,
    kind TEXT NOT NULL,
    pid INTEGER NOT NULL,
    data TEXT
);
CREATE INDEX import_undo_import ON import_undo(import_id, seq);
"""


# Version 7: the list's default order breaks ties by paper id (the rowid every index ends with),
# never by the import time, so the same imports list the same way whatever the clock said.
_V7 = """
DROP INDEX papers_newest;
CREATE INDEX papers_newest ON papers(published IS NULL, published DESC);
"""


# Version 8: when each annotation last changed (bookmark, read state, tags, note), so a library
# carried to another machine and back merges annotation by annotation, the newer change winning
# (``quire export --format quire``). NULL: not changed since this version (older libraries).
_V8 = """
ALTER TABLE annotations ADD COLUMN bookmark_changed TEXT;
ALTER TABLE annotations ADD COLUMN read_changed TEXT;
ALTER TABLE annotations ADD COLUMN tags_changed TEXT;
ALTER TABLE annotations ADD COLUMN note_changed TEXT;
"""


def _script(sql: str) -> Callable[[sqlite3.Connection], None]:
    def run(conn: sqlite3.Connection) -> None:
        # executescript would COMMIT the caller's transaction; run statement by statement instead.
        for statement in sql.split(";"):
            if statement.strip():
                conn.execute(statement)

    return run


MIGRATIONS: list[Callable[[sqlite3.Connection], None]] = [
    _script(_V1),
    _script(_V2),
    _script(_V3),
    _script(_V4),
    _script(_V5),
    _script(_V6),
    _script(_V7),
    _script(_V8),
]
SCHEMA_VERSION = len(MIGRATIONS)


def schema_version(conn: sqlite3.Connection) -> int:
    """The schema version recorded in the database (0 for a new file)."""
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def check_version(conn: sqlite3.Connection, path: str) -> int:
    """The database's schema version; raise ``SchemaTooNewError`` if this quire is too old for it."""
    version = schema_version(conn)
    if version > SCHEMA_VERSION:
        raise SchemaTooNewError(
            f"{path}: library schema version {version} is newer than this quire understands "
            f"({SCHEMA_VERSION}); upgrade quire. The file was not changed."
        )
    return version


def migrate(conn: sqlite3.Connection, path: str, target: int = SCHEMA_VERSION) -> int:
    """Bring the database up to ``target``, in one transaction. Returns the version it started at.

    The version is read again inside ``BEGIN IMMEDIATE``: when several processes open a brand-new
    library at once, only the first creates the tables and the others see its version.
    """
    if check_version(conn, path) >= target:
        return schema_version(conn)
    conn.execute("BEGIN IMMEDIATE")
    try:
        start = check_version(conn, path)
        for version in range(start, target):
            MIGRATIONS[version](conn)
        if start < target:
            conn.execute(f"PRAGMA user_version = {target}")
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    return start
