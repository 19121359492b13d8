"""A build whose batches are prepared in worker processes gives exactly the index one process
builds (same terms, postings, columns, orders, acronyms, scores); small refreshes never start a
worker; a worker that fails costs time, never the index; an abandoned build leaves no process."""

from __future__ import annotations

import asyncio
import json
import random
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_persist import results

from app_support import SETTLE_TIMEOUT, app_on, seeded_library, wait_until
from quire.models import ImportSummary, PaperRecord
from quire.search import SearchIndex, build, tokenizer
from quire.search.engine import ACRONYM_EXTRA
from quire.store import Library

WORDS = [
    "language",
    "model",
    "reasoning",
    "agents",
    "diffusion",
    "graph",
    "neural",
    "network",
    "molecules",
    "quantum",
    "vision",
    "audio",
    "benchmark",
    "efficient",
    "training",
    "retrieval",
    "tokenizer",
    "attention",
    "sparse",
    "mixture",
    "experts",
    "policy",
    "reward",
    "robust",
    "Kollár",
    "TÜLU",
    "naïve",
    "café",
    "résumé",
    "gpt-4",
    "llama-3.1",
    "e^2rank",
    "c++",
    "state-of-the-art",
]
ACRONYMS = [
    ("reinforcement learning", "RL"),
    ("large language models", "LLMs"),
    ("retrieval augmented generation", "RAG"),
    ("mixture of experts", "MoE"),
]


def generated(count: int, seed: int = 9) -> list[PaperRecord]:
    """``count`` papers of varied text: accents, compounds, acronym definitions, empty parts."""
    rng = random.Random(seed)
    papers = []
    for n in range(count):
        long, short = rng.choice(ACRONYMS)
        words = rng.choices(WORDS, k=rng.randint(20, 60))
        abstract = " ".join(words[:10]) + f" {long} ({short}) " + " ".join(words[10:]) + "."
        papers.append(
            PaperRecord(
                title=f"{' '.join(rng.choices(WORDS, k=6)).capitalize()} {n}",
                abstract=abstract if n % 17 else None,
                authors=[f"Author {rng.randint(1, 400)}", "Ada Lovelace"][: 1 + n % 2],
                arxiv_id=f"2501.{n:05d}" if n % 5 else None,
                upvotes=rng.randint(0, 90) if n % 3 else None,
            )
        )
    return papers


def arrays_of(index: SearchIndex) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """Everything the index would save (the acronym table as data: its JSON's key order
    follows set iteration, which differs from process to process)."""
    arrays, scalars = index.to_arrays()
    joined = {name: np.concatenate(parts) if len(parts) > 1 else parts[0] for name, parts in arrays.items()}
    acronyms = joined.pop(f"extra_{ACRONYM_EXTRA}", np.zeros(0, np.uint8))
    table = json.loads(acronyms.tobytes() or b"{}")
    return joined, scalars, table


def assert_same_index(got: SearchIndex, want: SearchIndex) -> None:
    got_arrays, got_scalars, got_table = arrays_of(got)
    want_arrays, want_scalars, want_table = arrays_of(want)
    assert got_scalars == want_scalars
    assert got_arrays.keys() == want_arrays.keys()
    for name, array in want_arrays.items():
        assert got_arrays[name].dtype == array.dtype, name
        assert np.array_equal(got_arrays[name], array), name
    assert got_table == want_table
    assert got.bm25.terms == want.bm25.terms
    assert results(got) == results(want)


@pytest.fixture
def small_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    """Many worker tasks even for a small library (the first two ranges prepared here)."""
    monkeypatch.setattr(build, "BUILD_BATCH", 97)
    monkeypatch.setattr(build, "LOCAL_FIRST", 2)


@pytest.fixture
def big(library: Library) -> Library:
    library.import_records(generated(3000), ImportSummary(path="t", format="t"), "test")
    pids = library.all_pids()
    library.add_tags(pids[:40], ["keep", "later"])
    library.set_note(pids[7], "kept for the quantum reading group (QRG)")
    return library


def assert_workers_build_the_same(library: Library) -> None:
    alone = SearchIndex.build(library, workers=0)
    shared = SearchIndex.build(library, workers=2)
    assert shared.size == alone.size == library.count()
    assert_same_index(shared, alone)


def test_workers_build_what_one_process_builds_seeds(seeded: Library, small_batches: None) -> None:
    assert_workers_build_the_same(seeded)


def test_workers_build_what_one_process_builds_generated(big: Library, small_batches: None) -> None:
    assert_workers_build_the_same(big)


def test_a_catch_up_after_a_parallel_build_stays_the_same(big: Library, small_batches: None) -> None:
    shared = SearchIndex.build(big, workers=2)
    alone = SearchIndex.build(big, workers=0)
    pids = big.all_pids()
    big.remove(pids[100:110])
    big.set_bookmarked(pids[:3], True)
    big.import_records(generated(50, seed=3), ImportSummary(path="t", format="t"), "test")
    assert shared.refresh(workers=2) == alone.refresh(workers=0) > 50  # workers even for a few
    assert_same_index(shared, alone)


def test_small_refreshes_never_start_a_worker(big: Library, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(self: object) -> None:
        raise AssertionError("a worker was started")

    monkeypatch.setattr(build._Worker, "__init__", refuse)
    assert build.workers_for(build.PARALLEL_MIN - 1) == 0
    index = SearchIndex.build(big)  # 3,000 papers: below PARALLEL_MIN
    big.set_read(big.all_pids()[:5], True)
    assert index.refresh() == 5


def test_a_failing_worker_costs_time_not_the_index(
    seeded: Library, small_batches: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(build, "WORKER_COMMAND", ("-c", "import sys; sys.exit(3)"))
    assert_same_index(SearchIndex.build(seeded, workers=2), SearchIndex.build(seeded, workers=0))


def test_a_quire_folder_where_quire_runs_is_never_run_by_the_workers(
    seeded: Library, small_batches: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    planted = tmp_path / "planted"
    fake = planted / "quire" / "search"
    fake.mkdir(parents=True)
    (planted / "quire" / "__init__.py").write_text("")
    (fake / "__init__.py").write_text("")
    marker = tmp_path / "ran"
    (fake / "build_worker.py").write_text(f"open({str(marker)!r}, 'w').close()\n")
    monkeypatch.chdir(planted)
    assert_same_index(SearchIndex.build(seeded, workers=2), SearchIndex.build(seeded, workers=0))
    assert not marker.exists(), "a worker imported the quire folder of the current directory"


def test_an_abandoned_build_leaves_no_worker_running(big: Library, small_batches: None) -> None:
    started: list[build._Worker] = []
    real = build._Worker.__init__

    def remember(self: build._Worker) -> None:
        real(self)
        started.append(self)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(build._Worker, "__init__", remember)
        total, batches = build.prepared_batches(big, 0, workers=2)
        first = next(batches)
        assert total == big.count() and len(first.pids) <= 97
        batches.close()  # what a build stopped half-way (an error, the reader quitting) does
    assert len(started) == 2
    # Ended and reaped (``returncode`` is set once the process is waited for), not left behind.
    assert all(worker.process.returncode is not None for worker in started)


# ASCII and beyond: white space of other scripts, accents (composed and combining), a ligature,
# fullwidth and fraction forms that fold to ASCII, dashes and quotes between words.
ALPHABET = list("abXY09_-^./'+ \t\n\x0b\x1c\x1f\x85\xa0\u2003!()ÜéΩ—\x01\x00ſK\u0301＋½ﬁ²’中Σς\u0327\u0323")


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(st.text(st.sampled_from(ALPHABET), max_size=30), max_size=4), max_size=6))
def test_batch_terms_are_numbered_by_first_occurrence(documents: list[list[str]]) -> None:
    """The batch's terms are distinct and in the order they first occur (a vocabulary built
    from the batches then numbers terms as a paper-by-paper build would), each document's
    terms are ``index_terms``' (any whitespace or control character between them), and a
    restart of the piece cache between batches changes nothing."""
    for fresh in (False, True):
        if fresh:
            tokenizer._PIECE_IDS[0] = tokenizer._PieceIds()
        terms, ids, sizes = tokenizer.index_term_ids(documents)
        got = [terms[i] for i in ids.tolist()]
        assert terms == list(dict.fromkeys(got))
        want = [[t for text in texts for t in tokenizer.index_terms(text)] for texts in documents]
        assert sizes.tolist() == [len(w) for w in want]
        assert got == [t for w in want for t in w]


async def test_quitting_the_reader_mid_build_leaves_no_worker(
    tmp_path: Path, small_batches: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The reader builds from a thread beside Textual's: quitting while worker processes are
    preparing batches neither hangs nor leaves a process behind."""
    folder = tmp_path / "lib"
    folder.mkdir()
    seeded_library(folder).close()  # no saved index: the first start builds one
    monkeypatch.setattr(build, "PARALLEL_MIN", 100)  # the seed library's 390 papers use workers
    started: list[build._Worker] = []
    reached, release = threading.Event(), threading.Event()
    real_init, real_receive = build._Worker.__init__, build._Worker.receive

    def remember(self: build._Worker) -> None:
        real_init(self)
        started.append(self)

    def held(self: build._Worker) -> build.Prepared | None:
        if not reached.is_set():  # the first batch waits until the reader has been told to quit
            reached.set()
            release.wait(SETTLE_TIMEOUT)
        return real_receive(self)

    monkeypatch.setattr(build._Worker, "__init__", remember)
    monkeypatch.setattr(build._Worker, "receive", held)
    app = app_on(folder)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, reached.is_set, "the build's workers started")
        await pilot.press("q")
        release.set()
    # The build's thread finishes (the reader's process waits for it before ending), and its
    # workers end with it: waited for, never left behind.
    deadline = time.monotonic() + SETTLE_TIMEOUT
    while not all(worker.process.returncode is not None for worker in started):
        assert time.monotonic() < deadline, "the build's workers were still running"
        await asyncio.sleep(0.02)
    assert len(started) == 2
