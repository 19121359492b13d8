"""When the reader was last opened, and how many papers came in since.

The time is kept in the library's own meta table (in the data folder, written in one SQLite
transaction like everything else), so a second library has its own and a copy of the file
carries it along.
"""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, datetime

from quire.store import Library
from quire.store.errors import ReadOnlyError

LAST_VISIT = "reader.last_visit"


@dataclass(frozen=True)
class Visit:
    """This opening of the reader, and the one before it (``None`` the first time)."""

    previous: str | None

    def new_papers(self, library: Library) -> int | None:
        """Papers added since the previous visit; ``None`` the first time."""
        return None if self.previous is None else library.count_added_since(self.previous)


def begin_visit(library: Library, now: datetime | None = None) -> Visit:
    """Record that the reader is open now; return the previous visit with it.

    A library that cannot be written (read-only) still gets its count; only the time is not
    recorded."""
    previous = library.get_meta(LAST_VISIT)
    stamp = (now or datetime.now(UTC)).astimezone(UTC).isoformat()
    # Read-only: the next visit counts from the same earlier time, which is still right.
    with suppress(ReadOnlyError):
        library.set_meta({LAST_VISIT: stamp}, bump=False)
    return Visit(previous)
