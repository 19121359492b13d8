"""The saved search index: same results as a fresh build, never trusted when damaged, crash-safe."""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import zlib
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from conftest import SEEDS, TODAY
from quire.importers import import_path
from quire.models import ImportSummary, PaperRecord
from quire.search import SearchIndex, similar_papers
from quire.search.opening import open_index
from quire.search.persist import (
    CURRENT,
    INDEX_FORMAT,
    MANIFEST,
    CacheRefused,
    _manifest_crc,
    folder_for,
    load,
    save,
)
from quire.search.tokenizer import TOKENIZER_VERSION
from quire.store import Library

QUERIES = [
    "",
    "language model",
    "reinforcement learning",
    "diffusion",
    "diffu",
    "agent",
    '"language model"',
    "vision OR audio",
    "model -diffusion",
    "tag:keep",
    "-tag:keep model",
    "is:bookmarked",
    "is:unread",
    "has:note",
    "is:tagged",
    "year:2025",
    "upvotes:>20",
    "authors:>10",
    "org:ai",
    "source:hf",
    "id:25",
    "sort:title",
    "sort:-title",
    "sort:upvotes",
    "sort:added",
    "model sort:date",
    "model sort:-relevance",
    "efficient reasoning benchmark data",
    "graph neural network molecules",
    "quantum",
    "kept",
]


def results(index: SearchIndex) -> list[tuple[list[int], list[float], int]]:
    """Every query's papers, scores and full-match count."""
    out = []
    for query in QUERIES:
        found = index.search(query)
        out.append((found.pids, found.score_values, found.exact))
    return out


def assert_same(loaded: SearchIndex, library: Library) -> None:
    """The loaded index answers every query exactly as a fresh build does."""
    fresh = SearchIndex.build(library)
    assert loaded.size == fresh.size
    for query, got, want in zip(QUERIES, results(loaded), results(fresh), strict=True):
        assert got == want, query
    pid = fresh.search("language model").pids[0]
    assert similar_papers(loaded, pid) == similar_papers(fresh, pid)


def add(library: Library, *records: PaperRecord) -> None:
    library.import_records(records, ImportSummary(path="t", format="t"), "test")


def test_saved_index_answers_like_a_fresh_build(seeded: Library) -> None:
    first = open_index(seeded)
    assert not first.loaded and first.saved
    again = open_index(seeded)
    assert again.loaded and again.caught_up == 0 and not again.reason
    assert_same(again.index, seeded)


def test_catching_up_answers_like_a_fresh_build(seeded: Library) -> None:
    open_index(seeded)
    pids = seeded.all_pids()
    # Annotations, a removal, an import, and a merge (a title-only paper gets its arXiv id).
    seeded.add_tags(pids[:5], ["keep"])
    seeded.set_note(pids[3], "kept for the quantum reading group")
    seeded.set_bookmarked(pids[10:14], True)
    seeded.set_read(pids[20:30], True)
    seeded.remove(pids[40:45])
    add(
        seeded,
        PaperRecord(title="Quantum language model agents", abstract="A quantum agent."),
        PaperRecord(title="Title only graph paper", abstract="Graph neural network molecules."),
    )
    add(
        seeded,
        PaperRecord(title="Title only graph paper", arxiv_id="2599.00001", published=date(2025, 9, 1)),
        PaperRecord(title="Title Only Graph Paper.", abstract="A second copy, by title"),
    )
    opened = open_index(seeded, save_after=10**9)
    assert opened.loaded and opened.caught_up > 0 and not opened.saved
    assert_same(opened.index, seeded)
    # And once more from the saved state, after saving the caught-up index.
    save(opened.index)
    seeded.remove_tags(pids[:2], ["keep"])
    reopened = open_index(seeded)
    assert reopened.loaded and reopened.caught_up == 2
    assert_same(reopened.index, seeded)


def test_large_catch_up_is_saved(tmp_path: Path) -> None:
    library = Library(tmp_path / "lib.sqlite3")
    import_path(library, SEEDS[0], today=TODAY)
    open_index(library)
    for seed in SEEDS[1:]:
        import_path(library, seed, today=TODAY)
    opened = open_index(library, save_after=50)
    assert opened.loaded and opened.caught_up >= 50 and opened.saved
    assert open_index(library).caught_up == 0
    assert_same(load(library), library)


def _generation(library: Library) -> Path:
    folder = folder_for(library)
    return folder / (folder / CURRENT).read_text().strip()


def _rewrite_manifest(generation: Path, **changes: object) -> None:
    manifest = json.loads((generation / MANIFEST).read_text())
    manifest.update(changes)
    manifest["manifest_crc32"] = _manifest_crc(manifest)
    (generation / MANIFEST).write_text(json.dumps(manifest))


def _swap_entry(generation: Path, name: str, other: str) -> None:
    """Point one array at another's (valid) file: every file checks, but they do not fit."""
    arrays = json.loads((generation / MANIFEST).read_text())["arrays"]
    _rewrite_manifest(generation, arrays={**arrays, name: arrays[other]})


def _flip_byte(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) - 3] ^= 0x5A
    path.write_bytes(bytes(data))


def _truncate(path: Path) -> None:
    with open(path, "r+b") as handle:
        handle.truncate(os.path.getsize(path) // 2)


DAMAGE: dict[str, tuple[Callable[[Path], object], str]] = {
    "corrupt postings": (lambda g: _flip_byte(g / "bm25_block_docs.npy"), "checksum"),
    "corrupt column": (lambda g: _flip_byte(g / "col_published.npy"), "checksum"),
    "truncated": (lambda g: _truncate(g / "bm25_block_tfs.npy"), "truncated"),
    "missing file": (lambda g: (g / "bm25_df.npy").unlink(), "cannot read"),
    "manifest garbage": (lambda g: (g / MANIFEST).write_text("{not json"), "manifest"),
    "manifest edited": (
        lambda g: (g / MANIFEST).write_text((g / MANIFEST).read_text().replace('"rev": ', '"rev": 1')),
        "checksum",
    ),
    "old format": (lambda g: _rewrite_manifest(g, format=INDEX_FORMAT - 1), "format"),
    "old tokenizer": (lambda g: _rewrite_manifest(g, tokenizer=TOKENIZER_VERSION + 1), "tokenizer"),
    "arrays that do not fit": (lambda g: _swap_entry(g, "bm25_doc_ptr", "col_pid"), "fit"),
    "generation gone": (lambda g: shutil.rmtree(g), "manifest"),
}


@pytest.mark.parametrize("damage", list(DAMAGE))
def test_damaged_cache_is_refused_and_rebuilt(seeded: Library, damage: str) -> None:
    open_index(seeded)
    harm, words = DAMAGE[damage]
    harm(_generation(seeded))
    with pytest.raises(CacheRefused, match=words):
        load(seeded)
    opened = open_index(seeded)
    assert not opened.loaded and words in opened.reason and opened.saved
    assert_same(opened.index, seeded)
    assert open_index(seeded).loaded  # the rebuilt index was saved whole


def test_cache_of_another_library_is_refused(tmp_path: Path, seeded: Library) -> None:
    other = Library(tmp_path / "other.sqlite3")
    for seed in SEEDS:
        import_path(other, seed, today=TODAY)
    open_index(other)
    # Same content, same change number, another library: its index must not be taken.
    shutil.rmtree(folder_for(seeded), ignore_errors=True)
    shutil.copytree(folder_for(other), folder_for(seeded))
    with pytest.raises(CacheRefused, match="another library"):
        load(seeded)
    assert not open_index(seeded).loaded


def _copy_library(source: Path, target: Path) -> None:
    """A consistent copy of a library file (SQLite's backup API: the write-ahead log included)."""
    for suffix in ("-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    target.unlink(missing_ok=True)
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    dst.close()
    src.close()


def test_cache_newer_than_the_library_is_refused(tmp_path: Path) -> None:
    library = Library(tmp_path / "lib.sqlite3")
    import_path(library, SEEDS[0], today=TODAY)
    library.identity()
    backup = tmp_path / "backup.sqlite3"
    _copy_library(library.path, backup)
    import_path(library, SEEDS[1], today=TODAY)
    open_index(library)
    library.close()
    _copy_library(backup, library.path)  # the library restored from an older copy
    restored = Library(library.path)
    with pytest.raises(CacheRefused, match="newer than the library"):
        load(restored)
    assert_same(open_index(restored).index, restored)


# -- real processes ------------------------------------------------------------------------------

CHILD_SAVE = """
import sys, time
from pathlib import Path
import quire.search.persist as persist
from quire.search import SearchIndex
from quire.store import Library

library = Library(Path(sys.argv[1]))
index = SearchIndex.build(library)
original = persist._write_npy
written = 0

def slow_write(path, parts):
    global written
    entry = original(path, parts)
    written += 1
    if written == 5:
        print("writing", flush=True)
        time.sleep(60)
    return entry

persist._write_npy = slow_write
persist.save(index)
"""


def _child(code: str, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", code, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


@pytest.mark.parametrize("saved_before", [False, True])
def test_kill_during_save_leaves_a_working_index(seeded: Library, saved_before: bool) -> None:
    if saved_before:
        open_index(seeded)
        seeded.set_bookmarked(seeded.all_pids()[:3], True)  # the saved index is now behind
    child = _child(CHILD_SAVE, str(seeded.path))
    assert child.stdout is not None
    assert child.stdout.readline().strip() == "writing"  # killed in the middle of its write
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    folder = folder_for(seeded)
    assert any(p.name.startswith("tmp-") for p in folder.iterdir())
    opened = open_index(seeded)
    assert opened.loaded == saved_before
    assert_same(opened.index, seeded)
    assert open_index(seeded).loaded


CHILD_SAVE_LOOP = """
import sys
from pathlib import Path
from quire.search.opening import open_index
from quire.search.persist import save
from quire.store import Library

library = Library(Path(sys.argv[1]))
for round in range(int(sys.argv[2])):
    index = open_index(library, write=False).index
    if sys.argv[3] == "write":
        library.set_read(library.all_pids()[round:round + 1], True)
        index.refresh()
    save(index)
print("done", flush=True)
"""


def test_two_processes_saving_at_once(seeded: Library) -> None:
    writers = [_child(CHILD_SAVE_LOOP, str(seeded.path), "6", mode) for mode in ("write", "save")]
    for child in writers:
        out, err = child.communicate(timeout=300)
        assert child.returncode == 0, err
        assert out.strip() == "done"
    opened = open_index(seeded)
    assert opened.loaded and not opened.reason
    assert_same(opened.index, seeded)
    folder = folder_for(seeded)
    assert not [p for p in folder.iterdir() if p.name.startswith("tmp-")]


def test_manifest_checksums_match_the_files(seeded: Library) -> None:
    open_index(seeded)
    generation = _generation(seeded)
    manifest = json.loads((generation / MANIFEST).read_text())
    assert manifest["format"] == INDEX_FORMAT and manifest["tokenizer"] == TOKENIZER_VERSION
    assert manifest["rev"] == seeded.current_rev() and manifest["papers"] == seeded.count()
    for entry in manifest["arrays"].values():
        data = (generation / entry["file"]).read_bytes()
        assert len(data) == entry["bytes"] and zlib.crc32(data) == entry["crc32"]


def test_files_unchanged_since_written_are_not_read_through(
    seeded: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A warm start trusts the files quire wrote and nothing touched since (same size, times,
    inode): no checksum pass over them. A file touched since is checked in full."""
    from quire.search import persist

    open_index(seeded)
    checked: list[str] = []
    check = persist._check_file

    def spy(path: Path, entry: dict[str, object]) -> None:
        checked.append(path.name)
        check(path, entry)

    monkeypatch.setattr(persist, "_check_file", spy)
    assert_same(load(seeded), seeded)
    assert checked == []
    os.utime(_generation(seeded) / "bm25_df.npy")  # touched: its times no longer match
    assert_same(load(seeded), seeded)
    assert checked == ["bm25_df.npy"]


def test_corruption_with_its_modification_time_put_back_is_caught(seeded: Library) -> None:
    open_index(seeded)
    path = _generation(seeded) / "bm25_block_docs.npy"
    before = path.stat()
    _flip_byte(path)
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))  # the change time stays new
    assert path.stat().st_size == before.st_size
    with pytest.raises(CacheRefused, match="checksum"):
        load(seeded)
    opened = open_index(seeded)
    assert not opened.loaded and "checksum" in opened.reason
    assert_same(opened.index, seeded)


def test_extra_arrays_are_saved_with_the_index(seeded: Library) -> None:
    import numpy as np

    index = open_index(seeded).index
    index.extras["example"] = np.arange(7, dtype=np.int32)
    save(index)
    assert load(seeded).extras["example"].tolist() == list(range(7))
