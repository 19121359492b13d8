"""Turning changed papers into what the search index adds: here, or in worker processes.

``prepare`` makes one ``Prepared`` batch from rows of ``Library.index_rows``: the batch's index
terms as ids, the acronym definitions its texts teach, and the values filters and sorting need
per paper. ``prepared_batches`` yields the batches of everything changed since a revision, in
pid order. A few papers (a catch-up, an import in the reader) are read and prepared in this
process. A large build is spread over worker processes, each reading ranges of pids through its
own read-only connection: tokenizing is most of a build and it is pure Python, so one core
cannot index 100,000 papers in a few seconds. The index applies the batches in the same order
either way, so both give the same index.

Workers are fresh interpreters (``python -m quire.search.build_worker``) that import only this
module's light dependencies: forking the reader, whose index build runs in a thread beside
Textual's, would copy locks other threads hold, and ``multiprocessing``'s spawn would run the
caller's main script again in each worker. They live only as long as the build: ended when it
ends, killed when it fails or is abandoned, and gone by themselves if this process dies. A
worker that fails costs time, never the index: its ranges are prepared here instead.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import queue
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from itertools import chain
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from quire.folding import fold
from quire.search.acronyms import taught
from quire.search.index_rows import index_row_batches, open_reader
from quire.search.tokenizer import index_term_ids

if TYPE_CHECKING:
    from quire.store import Library

TITLE_WEIGHT = 3  # a title word counts as three abstract words
TAG_WEIGHT = 2
BUILD_BATCH = 1000  # papers read and prepared at a time (a worker's task: its memory is 20 MB)
# Fewer changed papers than this are prepared in this process: starting workers costs about a
# third of a second, which a catch-up of a few papers must never pay.
PARALLEL_MIN = 20_000
LOCAL_FIRST = 4  # ranges a parallel build prepares here first, while its workers start
MAX_WORKERS = 4  # past this the index's own share (applying the batches) is the bottleneck
NO_DATE = -(2**31)
# After the Python executable. -P: the current folder is not put first on the module path, so a
# ``quire`` folder where the user happens to run quire is never imported in place of this code.
WORKER_COMMAND = ("-P", "-m", "quire.search.build_worker")
Texts = Callable[[Any], list[str]]  # a row -> the texts BM25 sees besides the title


@dataclass
class Prepared:
    """A batch of papers ready to add: plain data, so a worker can send it back."""

    pids: list[int]
    terms: list[str]  # the batch's terms; ``ids`` index them
    ids: npt.NDArray[np.int32]  # every paper's terms, paper after paper (titles already weighted)
    sizes: npt.NDArray[np.int64]  # how many of ``ids`` belong to each paper
    taught: list[tuple[str, str]]  # acronym definitions, paper after paper (``AcronymTable.record``)
    values: dict[str, npt.NDArray[np.int64]]  # column name -> one value per paper (pid aside)
    strings: dict[str, bytes]  # titles, ids, orgs, sources, author_names (``join_strings``)
    tags: list[tuple[str, ...]] = field(default_factory=list)


def texts(row: Any) -> list[str]:
    """The texts of the document BM25 sees besides the title (which counts thrice): tags
    count twice."""
    found = []
    for text in (
        row["abstract"],
        row["authors_text"],
        row["org_name"],
        row["org_handle"],
        row["keywords_text"],
        row["note"],
    ):
        if text:
            found.append(text)
    tags = row["tags"]
    if tags:
        found += [tags] * TAG_WEIGHT
    return found


@lru_cache(maxsize=65536)  # papers share publication days: most rows find theirs here
def day(value: str | None) -> int:
    """Days since 1970 of an ISO date (``NO_DATE`` when there is none or it is not a date)."""
    if not value:
        return NO_DATE
    try:
        return (date.fromisoformat(value[:10]) - date(1970, 1, 1)).days
    except ValueError:
        return NO_DATE


def prepare(rows: list[Any], text: bool = True, row_texts: Texts = texts) -> Prepared:
    """One batch of rows as the index adds it (``text=False``: no words, only columns)."""
    if text:
        # Each paper as two documents, its title and the rest: the title is tokenized once
        # and its terms counted thrice.
        terms, ids, sizes = _weigh_titles(
            *index_term_ids(chain.from_iterable(([row["title"]], row_texts(row)) for row in rows))
        )
        found = list(chain.from_iterable(taught(f"{row['title']}. {row['abstract'] or ''}") for row in rows))
    else:
        terms, ids, sizes, found = [], np.zeros(0, np.int32), np.zeros(len(rows), np.int64), []
    tags = [tuple((row["tags"] or "").split()) for row in rows]
    values = {
        "published": [day(row["published"]) for row in rows],
        "added": [int(datetime.fromisoformat(row["added"]).timestamp()) for row in rows],
        "upvotes": [-1 if (v := row["upvotes"]) is None else v for row in rows],
        "authors": [-1 if (v := row["author_count"]) is None else v for row in rows],
        "bookmarked": [int(row["bookmarked"]) for row in rows],
        "read": [int(row["read"]) for row in rows],
        "note": [int(bool(row["note"])) for row in rows],
        "abstract": [int(bool(row["abstract"])) for row in rows],
        "code": [int(bool(row["github_repo"])) for row in rows],
        "tagged": [int(bool(t)) for t in tags],
    }
    strings = {
        "titles": [fold(row["title"]) for row in rows],
        "ids": [row["arxiv_id"] or row["short_id"] for row in rows],
        "orgs": [fold(f"{row['org_handle'] or ''} {row['org_name'] or ''}") for row in rows],
        "sources": [row["sources"] or "" for row in rows],
        "author_names": [fold(row["authors_text"] or "") for row in rows],
    }
    return Prepared(
        pids=[row["pid"] for row in rows],
        terms=terms,
        ids=ids,
        sizes=sizes,
        taught=found,
        values={name: np.asarray(column, dtype=np.int64) for name, column in values.items()},
        strings={name: join_strings(column) for name, column in strings.items()},
        tags=tags,
    )


def join_strings(values: list[str]) -> bytes:
    """Strings as one NUL-separated UTF-8 blob (a NUL inside one becomes a space)."""
    text = "\0".join(values)
    if text.count("\0") > len(values) - 1:  # rare: only then a second pass
        text = "\0".join(v.replace("\0", " ") for v in values)
    return text.encode("utf-8")


def _weigh_titles(
    terms: list[str], ids: npt.NDArray[np.int64], sizes: npt.NDArray[np.int64]
) -> tuple[list[str], npt.NDArray[np.int32], npt.NDArray[np.int64]]:
    """Papers given as (title, rest) document pairs → one document each, the title's terms
    repeated ``TITLE_WEIGHT`` times (BM25 sees only how often each term occurs)."""
    times = np.tile(np.array([TITLE_WEIGHT, 1], dtype=np.int64), len(sizes) // 2)
    # int32: a batch has far fewer than 2**31 terms, and half the bytes cross from a worker.
    weighed = np.repeat(ids.astype(np.int32), np.repeat(times, sizes))
    return terms, weighed, TITLE_WEIGHT * sizes[0::2] + sizes[1::2]


def workers_for(changed: int) -> int:
    """How many worker processes to prepare ``changed`` papers with (0: in this process)."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    if changed < PARALLEL_MIN or cores < 2:
        return 0
    return min(cores, MAX_WORKERS)


def prepared_batches(
    library: Library,
    since_rev: int,
    text: bool = True,
    row_texts: Texts = texts,
    workers: int | None = None,
) -> tuple[int, Generator[Prepared, None, None]]:
    """How many papers changed after ``since_rev``, and their ``Prepared`` batches in pid order.

    ``workers`` overrides the choice of ``workers_for`` (0: in this process). Workers cannot
    call a ``row_texts`` other than ``texts``: with another, the batches are prepared here.
    """
    pids = library.changed_pids(since_rev)
    count = len(pids)
    if workers is None:
        workers = workers_for(count)
    if workers < 1 or row_texts is not texts or not library.path.is_file():
        local = (prepare(rows, text, row_texts) for rows in library.index_rows(since_rev, BUILD_BATCH))
        return count, local
    return count, _in_workers(library, since_rev, text, pids, workers)


def _ranges(pids: list[int], size: int) -> list[tuple[int | None, int | None]]:
    """``(after, upto]`` pid ranges of about ``size`` changed papers each, covering every pid
    (the first and last open-ended: a paper changed meanwhile is read once, by one range)."""
    ends: list[int | None] = [pids[at] for at in range(size - 1, len(pids) - 1, size)]
    ends.append(None)
    return list(zip([None, *ends[:-1]], ends, strict=True))


def _in_workers(
    library: Library, since_rev: int, text: bool, pids: list[int], count: int
) -> Generator[Prepared, None, None]:
    ranges = _ranges(pids, BUILD_BATCH)
    # The first ranges are prepared here while the workers start (a third of a second each).
    here, tasks = ranges[:LOCAL_FIRST], ranges[LOCAL_FIRST:]
    uri = library.reader_uri()
    workers: list[_Worker] = []
    finished = False
    try:
        workers = [_Worker() for _ in range(count)] if tasks else []
        sent = 0

        def send() -> None:
            nonlocal sent
            if sent < len(tasks):
                workers[sent % count].send((uri, since_rev, *tasks[sent], text))
                sent += 1

        # Two tasks per worker in flight: none waits for work, and batches prepared ahead of
        # the index (which applies them in order) stay few.
        for _ in range(2 * count if tasks else 0):
            send()
        for after, upto in here:
            yield _prepare_here(library, since_rev, after, upto, text)
        for number, (after, upto) in enumerate(tasks):
            prepared = workers[number % count].receive()
            if prepared is None:  # that worker failed: its ranges are prepared here
                prepared = _prepare_here(library, since_rev, after, upto, text)
            send()
            yield prepared
        finished = True
    finally:
        for worker in workers:
            worker.stop(finished)


def _prepare_here(
    library: Library, since_rev: int, after: int | None, upto: int | None, text: bool
) -> Prepared:
    rows = list(chain.from_iterable(library.index_rows(since_rev, BUILD_BATCH, after, upto)))
    return prepare(rows, text)


_FAILED = object()


class _Worker:
    """One worker process (``python -m quire.search.build_worker``): tasks go to its stdin,
    ``Prepared`` batches come back on its stdout, in the order the tasks were sent.

    A thread drains its stdout as results arrive, so the worker never waits for the index to
    take a batch before starting the next. The worker ends when its stdin closes: when the
    build ends, or when this process dies (nothing is left running behind it).
    """

    def __init__(self) -> None:
        # The folder quire is imported from, first: the worker must run this very code.
        source = str(Path(__file__).resolve().parents[2])
        path = os.pathsep.join(p for p in (source, os.environ.get("PYTHONPATH", "")) if p)
        self.process = subprocess.Popen(
            [sys.executable, *WORKER_COMMAND],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,  # the reader owns the terminal; failures come back as results
            env={**os.environ, "PYTHONPATH": path},
        )
        self.failed = False
        self.results: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self.reader = threading.Thread(target=self._read, name="index-worker-results", daemon=True)
        self.reader.start()

    def _read(self) -> None:
        stream = self.process.stdout
        assert stream is not None
        try:
            while True:
                self.results.put(pickle.load(stream))
        except Exception:  # the end of the stream (or a broken one): the worker is gone
            self.results.put(_FAILED)

    def send(self, task: tuple[Any, ...]) -> None:
        """Queue a task (``build_worker.prepare_range``'s arguments)."""
        if self.failed:
            return
        try:
            assert self.process.stdin is not None
            pickle.dump(task, self.process.stdin, protocol=pickle.HIGHEST_PROTOCOL)
            self.process.stdin.flush()
        except (OSError, ValueError):
            self.failed = True

    def receive(self) -> Prepared | None:
        """The next task's batch, or ``None`` if the worker failed (at it or before it)."""
        if self.failed:
            return None
        result = self.results.get()
        if result is _FAILED or result[0] != "ok":
            self.failed = True
            return None
        prepared: Prepared = result[1]
        return prepared

    def stop(self, finished: bool) -> None:
        """End the worker: let it finish (``finished``: nothing is left to do) or kill it."""
        if not finished:
            self.process.kill()
        with contextlib.suppress(OSError):
            assert self.process.stdin is not None
            self.process.stdin.close()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.reader.join()
        assert self.process.stdout is not None
        self.process.stdout.close()


def prepare_range(uri: str, since_rev: int, after: int | None, upto: int | None, text: bool) -> Prepared:
    """A worker's task: read the papers changed after ``since_rev`` with ``after < pid <= upto``
    (through the worker's own read-only connection) and prepare them as one batch."""
    conn = _CONNECTIONS.get(uri)
    if conn is None:
        conn = _CONNECTIONS[uri] = open_reader(uri)
    rows = list(chain.from_iterable(index_row_batches(conn, since_rev, BUILD_BATCH, after, upto)))
    return prepare(rows, text)


_CONNECTIONS: dict[str, sqlite3.Connection] = {}  # in a worker: its connection to each library
