"""The query the search index reads the library with: what it needs of each changed paper.

Apart from the store package on purpose: the index build's worker processes import only this
(and the tokenizer), not the models and store layers they never use (tens of MB and a tenth of a
second of start-up each). ``Library.index_rows`` reads through the same function.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator

_COLUMNS = (
    "SELECT p.pid, p.arxiv_id, p.short_id, p.title, p.abstract, p.author_count,"
    " (SELECT group_concat(value, ' ') FROM json_each(p.authors)) AS authors_text,"
    " (SELECT group_concat(value, ' ') FROM json_each(p.keywords)) AS keywords_text,"
    " p.org_name, p.org_handle, p.published, p.upvotes, p.added, p.rev, p.github_repo,"
    " coalesce(a.bookmarked, 0) AS bookmarked, coalesce(a.read, 0) AS read,"
    " coalesce(a.note, '') AS note,"
    " (SELECT group_concat(tag, ' ') FROM tags t WHERE t.pid = p.pid) AS tags,"
    " (SELECT group_concat(DISTINCT source) FROM paper_sources s WHERE s.pid = p.pid)"
    "   AS sources"
    " FROM papers p LEFT JOIN annotations a ON a.pid = p.pid"
)


def open_reader(uri: str) -> sqlite3.Connection:
    """A read-only connection (rows by column name) to ``Library.reader_uri()``."""
    conn = sqlite3.connect(uri, uri=True, timeout=10.0, isolation_level=None, check_same_thread=False)
    conn.row_factory = sqlite3.Row
    return conn


def index_row_batches(
    conn: sqlite3.Connection, since_rev: int, batch: int, after: int | None = None, upto: int | None = None
) -> Iterator[list[sqlite3.Row]]:
    """The papers changed after ``since_rev``, in pid order, ``batch`` rows at a time.

    With ``after``/``upto`` only papers with ``after < pid <= upto`` are read, as one range of
    the primary key: the index build's workers each read their own ranges.
    """
    if after is None and upto is None:
        cursor = conn.execute(f"{_COLUMNS} WHERE p.rev > ? ORDER BY p.pid", (since_rev,))
    else:
        low = -(2**63) if after is None else after
        high = 2**63 - 1 if upto is None else upto
        cursor = conn.execute(
            # "+p.rev": the range of pids, not the rev index, picks the rows.
            f"{_COLUMNS} WHERE +p.rev > ? AND p.pid > ? AND p.pid <= ? ORDER BY p.pid",
            (since_rev, low, high),
        )
    while rows := cursor.fetchmany(batch):
        yield rows
