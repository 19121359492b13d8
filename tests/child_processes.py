"""Code the tests run in child processes.

They are started with ``spawn``: a fresh interpreter that imports this module and the part of quire
it needs, not a fork of the test process (a fork copies the locks its other threads hold, and
pytest-xdist runs a thread beside the tests, so a forked child can hang on one).
"""

from __future__ import annotations

from multiprocessing.queues import Queue
from multiprocessing.synchronize import Barrier

from quire.store import Library


def open_new_libraries(paths: list[str], start: Barrier, errors: Queue[str]) -> None:
    """Open each brand-new library in ``paths`` at the same moment as every sibling process."""
    for path in paths:
        start.wait(timeout=120)
        try:
            Library(path).close()
        except Exception as error:  # the test fails naming it
            errors.put(f"{path}: {error!r}")
