"""The library: one SQLite file holding papers, where they came from, and the user's annotations.

``Library`` is built in layers, one module each (every layer builds on the one before):

- ``connection``: opening and migrating the file, the writer and its lock, readers, the change
  counter, checkpoints and backups;
- ``reads``: papers by id, the list before the index is ready, rows for the search index;
- ``annotating``: bookmarks, read marks, tags and notes (each change hands back the old values);
- ``journal``: imports as units, rolled back from their undo journal;
- ``merging``: records merged into the library (identity, updates, folding duplicates);
- ``sync_state``: feed pages with their cursors, meta, new marks, watch hits.

Column layout and row conversion live in ``rows``.
"""

from __future__ import annotations

from quire.store.annotating import STAMP_COLUMNS, annotation_stamps, normalise_tag
from quire.store.connection import _chunks, _now
from quire.store.merging import _BATCH
from quire.store.rows import LIST_FIELDS, SCALAR_FIELDS, record_columns
from quire.store.sync_state import LibrarySyncState

# Names other modules import from here (the store's carry, config, export), kept where they were.
__all__ = [
    "LIST_FIELDS",
    "SCALAR_FIELDS",
    "STAMP_COLUMNS",
    "_BATCH",
    "Library",
    "_chunks",
    "_now",
    "annotation_stamps",
    "normalise_tag",
    "record_columns",
]


class Library(LibrarySyncState):
    """A library file, safe to share between threads.

    Writes go through one connection behind a lock (writers queue for it). Reads never touch
    that lock: each read borrows a read-only connection from a small pool, and WAL lets it run
    beside a writer, so a screen reading the library never waits for an import.
    """
