"""Code the tests run in child processes.

They are started with ``spawn``: a fresh interpreter that imports this module and the part of quire
it needs, not a fork of the test process (a fork copies the locks its other threads hold, and
pytest-xdist runs a thread beside the tests, so a forked child can hang on one).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from multiprocessing.queues import Queue
from multiprocessing.synchronize import Barrier, Event

from quire.models import PaperRecord
from quire.store import Library


def open_new_libraries(paths: list[str], start: Barrier, errors: Queue[str]) -> None:
    """Open each brand-new library in ``paths`` at the same moment as every sibling process."""
    for path in paths:
        start.wait(timeout=120)
        try:
            Library(path).close()
        except Exception as error:  # the test fails naming it
            errors.put(f"{path}: {error!r}")


def import_held_between_batches(argv: list[str], held: Event, release: Event, results: Queue[str]) -> None:
    """Run ``quire`` with ``argv`` (an import), stopping once its first batch is committed until
    ``release`` is set: the import is then under way and holds no lock, on any machine."""
    import io

    from quire.cli import main
    from quire.store import merging

    real = merging._batched

    def batched(records: Iterable[PaperRecord], size: int) -> Iterator[list[PaperRecord]]:
        for number, batch in enumerate(real(records, size)):
            if number == 1:  # asked for the second batch: the first one is committed
                held.set()
                release.wait(300)
            yield batch

    merging._batched = batched
    out, err = io.StringIO(), io.StringIO()
    code = main(argv, out=out, err=err)
    results.put(f"{code}\n{out.getvalue()}{err.getvalue()}")
