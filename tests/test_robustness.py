"""Never crash, never hang: the minimal inputs that broke quire, and every store fault.

Each test names the failure it pins (issue #8). Real parts throughout: real files, a real SQLite
library in tmp_path, the real CLI.
"""

from __future__ import annotations

import contextlib
import io
import json
import multiprocessing
import os
import queue
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from conftest import SEEDS, TODAY, dump
from quire.cli import main
from quire.config import ConfigError, load_config
from quire.errors import (
    BadFileError,
    CorruptError,
    DiskFullError,
    MissingError,
    QuireError,
    ReadOnlyError,
)
from quire.importers import ImportFailure, import_path
from quire.importers.base import MAX_RECORD_BYTES
from quire.search.query import parse_query
from quire.store import Library
from quire.store.schema import SCHEMA_VERSION


def run(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(args), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def write(path: Path, text: str | bytes) -> Path:
    if isinstance(text, str):
        text = text.encode("utf-8", "surrogatepass")
    path.write_bytes(text)
    return path


# -- importers: the minimal inputs ---------------------------------------------------------------

HF_JSON_BAD_RECORDS = [
    '{"title":"x","authors":5}',
    '{"title":"x","ai_keywords":1.5}',
    '{"title":"x","upvotes":100000000000000000000}',
    '{"title":"x","upvotes":1.5}',
    '{"title":"x","id":5}',
    '{"title":"x","organization":{"name":7}}',
]


@pytest.mark.parametrize("item", HF_JSON_BAD_RECORDS)
def test_hf_json_bad_record_is_skipped_not_fatal(library: Library, tmp_path: Path, item: str) -> None:
    path = write(tmp_path / "p.json", f'[{item}, {{"title": "Good paper"}}]')
    summary = import_path(library, path)
    assert summary.added >= 1 and summary.added + summary.skipped == 2
    assert "Good paper" in [p.title for p in library.get_papers(library.all_pids())]


def test_hf_json_out_of_range_number_is_counted_with_a_reason(library: Library, tmp_path: Path) -> None:
    path = write(tmp_path / "p.json", '[{"title":"x","upvotes":100000000000000000000}, {"title":"y"}]')
    summary = import_path(library, path)
    assert (summary.added, summary.skipped) == (1, 1)
    assert "upvotes: 100000000000000000000 is out of range" in summary.skip_reasons[0]


def test_lone_surrogate_is_stored_as_replacement_character(library: Library, tmp_path: Path) -> None:
    path = write(tmp_path / "p.json", '[{"title":"x \\ud800 y"}]')
    import_path(library, path)
    assert library.get_papers(library.all_pids())[0].title == "x \ufffd y"
    # A surrogate in the text becomes U+FFFD; one in the id makes the id invalid, so that record
    # is skipped and counted (an id is never stored unchecked), and the file's good record stays.
    snap = write(
        tmp_path / "s.jsonl",
        '{"id":"2401.00001","title":"Snap \\udfff"}\n{"id":"2401.0000\\ud800","title":"Bad id"}\n',
    )
    summary = import_path(library, snap)
    assert summary.added == 1 and summary.skipped == 1
    titles = [p.title for p in library.get_papers(library.all_pids())]
    assert "Snap \ufffd" in titles and "Bad id" not in titles


@pytest.mark.parametrize(
    "text",
    ["[" * 100000 + "]" * 100000, "[" + "9" * 5000 + "]", '{"title": ' + "[" * 5000 + "]" * 5000 + "}"],
)
def test_hostile_json_is_a_bad_file(library: Library, tmp_path: Path, text: str) -> None:
    before = dump(library.path)
    for name, fmt in (("p.json", "hf-json"), ("p.jsonl", "arxiv-snapshot")):
        with pytest.raises(BadFileError):
            import_path(library, write(tmp_path / name, text), fmt=fmt)
    assert dump(library.path) == before


HF_PAGE = "Daily Papers\nA title\nAn abstract that is longer than the title.\n{meta}\n·\n"


@pytest.mark.parametrize("meta", ["Feb 29", "Feb 30", "Jan 1, 0000", "• 99999999999999999999 authors"])
def test_hf_text_impossible_values_skip_the_paper(library: Library, tmp_path: Path, meta: str) -> None:
    page = HF_PAGE.format(meta=meta) + "Another title\nIts abstract, longer than its title.\n"
    path = write(tmp_path / "page.txt", page)
    ctx_today = TODAY.replace(year=2025)  # 2025 is not a leap year: Feb 29 cannot exist
    summary = import_path(library, path, today=ctx_today)
    assert summary.added == 1 and summary.skipped == 1, summary.skip_reasons
    assert "Another title" in [p.title for p in library.get_papers(library.all_pids())]


def test_bibtex_failure_is_caught_per_file(library: Library, tmp_path: Path) -> None:
    bib = write(tmp_path / "a.bib", "@misc{k, title={T}, year={2024}, month={²}}\n")
    with contextlib.suppress(QuireError):  # refusing the file is fine; a traceback is not
        import_path(library, bib)


def test_oversize_snapshot_line_is_skipped_and_counted(library: Library, tmp_path: Path) -> None:
    big = json.dumps({"id": "2401.00001", "title": "Big", "abstract": "x" * MAX_RECORD_BYTES})
    good = json.dumps({"id": "2401.00002", "title": "Small"})
    path = write(tmp_path / "s.jsonl", f"{big}\n{good}\n")
    summary = import_path(library, path)
    assert (summary.added, summary.skipped) == (1, 1)
    assert "line 1: longer than 1,000,000 bytes" in summary.skip_reasons[0]


def test_oversize_field_is_skipped_and_counted(library: Library, tmp_path: Path) -> None:
    path = write(tmp_path / "p.json", json.dumps([{"title": "t" * 5000}, {"title": "Fine"}]))
    summary = import_path(library, path)
    assert (summary.added, summary.skipped) == (1, 1)
    assert "title: longer than 2,000 characters" in summary.skip_reasons[0]


def test_fifo_is_refused_without_hanging(library: Library, tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    with pytest.raises(ImportFailure, match="is a FIFO"):
        import_path(library, fifo)
    folder = tmp_path / "folder"
    folder.mkdir()
    os.mkfifo(folder / "pipe.txt")
    write(folder / "page.txt", SEEDS[0].read_text())
    code, out, err = run("import", str(folder))
    assert code == 0 and "page.txt (hf-text)" in out and "pipe" not in out + err


def test_device_is_refused(library: Library) -> None:
    with pytest.raises(ImportFailure, match="is a device"):
        import_path(library, Path("/dev/null"))


def test_non_utf8_file_name_in_folder(tmp_path: Path) -> None:
    folder = tmp_path / "folder"
    folder.mkdir()
    (Path(os.fsdecode(bytes(folder))) / os.fsdecode(b"caf\xe9.txt")).write_bytes(SEEDS[0].read_bytes())
    write(folder / "zz-bad.txt", "not a page at all")
    code, out, err = run("import", str(folder))
    assert "caf\ufffd.txt (hf-text): 93 added" in out
    assert "zz-bad.txt: not a format quire reads" in err and code == 1  # the bad one alone


def test_file_deleted_mid_import_is_reported_honestly(library: Library, tmp_path: Path) -> None:
    lines = [json.dumps({"id": f"2401.{n:05d}", "title": f"Paper {n}"}) for n in range(4500)]
    path = write(tmp_path / "s.jsonl", "\n".join(lines) + "\n")

    def progress(done: int, total: int) -> None:
        path.unlink(missing_ok=True)  # gone after the first progress report

    summary = import_path(library, path, on_progress=progress)
    assert summary.added == 4500 and library.count() == 4500
    with pytest.raises(ImportFailure, match="no such file"):
        import_path(library, path)


def test_note_that_is_not_utf8_from_the_cli() -> None:
    assert run("import", "--sample")[0] == 0
    ident = json.loads(run("list", "--json", "--limit", "1")[1])[0]["id"]
    code, _, err = run("note", ident, os.fsdecode(b"\xff"))
    assert code == 1 and "note: not UTF-8 text (byte 0xff" in err
    code, _, err = run("tag", ident, os.fsdecode(b"x\xfe"))
    assert code == 1 and "tag: not UTF-8 text (byte 0xfe" in err


# -- the query language -------------------------------------------------------------------------


def test_query_number_overflow_is_a_message() -> None:
    query = parse_query("year:99999999999999999999 rank")
    assert query.errors == [
        "column 1: year:99999999999999999999: 99999999999999999999 is too large (at most 1,000,000,000,000)"
    ]
    assert query.has_words
    assert parse_query("upvotes:>" + "9" * 5000).errors


def test_query_overflow_in_cli_list() -> None:
    run("import", "--sample")
    code, _, err = run("list", "year:99999999999999999999")
    assert code == 0 and "is too large" in err


# -- config and themes ----------------------------------------------------------------------------


def test_nested_toml_config_is_a_config_error(tmp_path: Path) -> None:
    path = write(tmp_path / "config.toml", "x = " + "[" * 100000 + "]" * 100000 + "\n")
    with pytest.raises(ConfigError, match="nested too deeply"):
        load_config(path)
    code, _, err = run("--config", str(path), "config", "show")
    assert code == 2 and "nested too deeply" in err


def test_nested_toml_theme_is_reported(tmp_path: Path) -> None:
    from quire.app.themes import load_theme_file

    path = write(tmp_path / "deep.toml", "name = " + "[" * 100000 + "]" * 100000 + "\n")
    with pytest.raises(ValueError, match="deep.toml: invalid TOML: .*nested too deeply"):
        load_theme_file(path)


# -- the store's faults ----------------------------------------------------------------------------


def test_disk_full_gives_its_own_message_and_keeps_the_library(library: Library) -> None:
    import_path(library, SEEDS[0], today=TODAY)
    before = dump(library.path)
    pages = library._conn.execute("PRAGMA page_count").fetchone()[0]
    library._conn.execute(f"PRAGMA max_page_count = {pages}")  # an injected SQLITE_FULL
    with pytest.raises(DiskFullError, match="the disk is full") as caught:
        for seed in SEEDS[1:]:
            import_path(library, seed, today=TODAY)
    assert "no transaction is active" not in str(caught.value)
    assert dump(library.path) == before
    library._conn.execute(f"PRAGMA max_page_count = {pages * 100}")
    library.set_bookmarked(library.all_pids()[:1], True)  # works again once there is room


def test_disk_full_from_the_cli(tmp_path: Path) -> None:
    if os.geteuid() != 0:
        pytest.skip("needs a tiny tmpfs (root)")
    mount = tmp_path / "tiny"
    mount.mkdir()
    if os.system(f"mount -t tmpfs -o size=300k tmpfs {mount} 2>/dev/null") != 0:
        pytest.skip("cannot mount a tmpfs here")
    try:
        code, _, err = run("--data-dir", str(mount), "import", *map(str, SEEDS))
        assert code == 1 and "the disk is full" in err and "Traceback" not in err
        assert run("--data-dir", str(mount), "list", "--limit", "1")[0] == 0
    finally:
        os.system(f"umount {mount}")


def _corrupt(path: Path) -> None:
    size = path.stat().st_size
    with path.open("r+b") as handle:
        handle.seek(4096 * 2)  # keep the header, damage every page after the first two
        handle.write(b"\xde\xad\xbe\xef" * ((size - 4096 * 2) // 4))


def test_corrupt_library_gives_its_own_message_and_doctor_explains(tmp_path: Path) -> None:
    data = tmp_path / "data"
    assert run("--data-dir", str(data), "import", "--sample")[0] == 0
    library_file = data / "library.sqlite3"
    with sqlite3.connect(library_file) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    _corrupt(library_file)
    for command in (["list"], ["search", "model"], ["tag", "2508", "x"]):
        code, _, err = run("--data-dir", str(data), *command)
        assert code == 1 and "damaged" in err and "quire doctor" in err, (command, err)
        assert "Traceback" not in err
    code, out, err = run("--data-dir", str(data), "doctor")
    assert code == 1 and "integrity check: FAILED" in out and "to recover" in err


def test_doctor_on_a_healthy_library(tmp_path: Path) -> None:
    data = tmp_path / "data"
    run("--data-dir", str(data), "import", "--sample")
    code, out, _ = run("--data-dir", str(data), "doctor")
    assert code == 0 and "integrity check: ok" in out and "schema version" in out
    assert "papers: " in out and "no problems found" in out


def _without_shared_memory(monkeypatch: pytest.MonkeyPatch) -> None:
    """Open every SQLite file through the "unix-none" VFS, which has no shared memory.

    SQLite then refuses WAL the way it does on a file system that cannot share memory between
    processes (macOS on NFS or AFP shares): the switch keeps the old mode, and a file already in
    WAL mode cannot be opened at all.
    """
    real = sqlite3.connect

    def connect(database: str | os.PathLike[str], *args: Any, uri: bool = False, **kwargs: Any) -> Any:
        target = str(database) if uri else Path(database).resolve().as_uri()
        target += ("&" if "?" in target else "?") + "vfs=unix-none"
        return real(target, *args, uri=True, **kwargs)

    monkeypatch.setattr(sqlite3, "connect", connect)


def test_without_shared_memory_the_library_keeps_a_rollback_journal_and_doctor_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = tmp_path / "data"
    library_file = data / "library.sqlite3"
    _without_shared_memory(monkeypatch)
    assert run("--data-dir", str(data), "import", "--sample")[0] == 0
    with Library(library_file) as library:
        assert library.journal_mode == "delete"
        library.set_bookmarked(library.all_pids()[:1], True)
        assert library.count() > 0
    assert not (data / "library.sqlite3-wal").exists()
    code, out, err = run("--data-dir", str(data), "doctor")
    assert code == 0 and "journal: rollback (DELETE)" in out and "network share" in out, (out, err)

    monkeypatch.undo()  # on a local disk again: the next writer switches the library to WAL
    with Library(library_file) as library:
        assert library.journal_mode == "wal"
        assert len(library.all_pids()) > 0
    code, out, _ = run("--data-dir", str(data), "doctor")
    assert code == 0 and "journal: write-ahead log (WAL)" in out and "rollback" not in out


def test_a_wal_library_where_memory_cannot_be_shared_says_why_it_cannot_open(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = tmp_path / "data"
    assert run("--data-dir", str(data), "import", "--sample")[0] == 0
    _without_shared_memory(monkeypatch)
    code, _, err = run("--data-dir", str(data), "list")
    assert code == 1 and "write-ahead log (WAL)" in err and "local disk" in err, err
    assert "writable" not in err and "Traceback" not in err
    code, out, err = run("--data-dir", str(data), "doctor")
    assert code == 1 and "journal: write-ahead log" in out and "cannot be opened here" in err, (out, err)
    assert "damaged" not in err


def test_deleted_library_is_missing_not_silently_written(library: Library) -> None:
    import_path(library, SEEDS[0], today=TODAY)
    pid = library.all_pids()[0]
    library.path.unlink()
    with pytest.raises(MissingError, match="deleted or replaced"):
        library.current_rev()
    with pytest.raises(MissingError):
        library.set_bookmarked([pid], True)


def test_read_only_folder_still_reads(tmp_path: Path) -> None:
    data = tmp_path / "data"
    assert run("--data-dir", str(data), "import", "--sample")[0] == 0
    library_file = data / "library.sqlite3"
    if os.geteuid() == 0:
        library = Library(library_file, read_only=True)  # root ignores folder modes
        assert library.count() > 0
        with pytest.raises(ReadOnlyError, match="read-only"):
            library.set_read(library.all_pids()[:1], True)
        library.close()
        return
    data.chmod(0o555)
    library_file.chmod(0o444)
    try:
        code, out, _ = run("--data-dir", str(data), "list", "--limit", "3")
        assert code == 0 and len(out.splitlines()) == 3
        code, _, err = run("--data-dir", str(data), "read", out.split()[0])
        assert code == 1 and "read-only" in err
    finally:
        data.chmod(0o755)
        library_file.chmod(0o644)


def test_first_open_race_four_processes(tmp_path: Path) -> None:
    from child_processes import open_new_libraries

    ctx = multiprocessing.get_context("spawn")  # fresh interpreters: see child_processes
    errors = ctx.Queue()
    paths = [str(tmp_path / f"new{round_}.sqlite3") for round_ in range(5)]
    start = ctx.Barrier(4)  # each round, the four open the same new file at the same moment
    procs = [ctx.Process(target=open_new_libraries, args=(paths, start, errors)) for _ in range(4)]
    try:
        for proc in procs:
            proc.start()
        for proc in procs:
            proc.join(300)  # a hang, not a wait: each returns as soon as its five opens are done
        found = []
        with contextlib.suppress(queue.Empty):
            while True:
                found.append(errors.get(timeout=1))
        assert [proc.exitcode for proc in procs] == [0, 0, 0, 0], found
        assert found == []
    finally:
        for proc in procs:
            if proc.is_alive():
                proc.kill()
    for path in paths:
        with Library(path) as library:
            assert library.count() == 0 and library.migrated_from == SCHEMA_VERSION


def test_corrupt_library_open_is_corrupt_error(tmp_path: Path) -> None:
    path = write(tmp_path / "junk.sqlite3", b"this is not a database at all" * 200)
    with pytest.raises(CorruptError, match="damaged"):
        Library(path)


# -- long imports commit in chunks and roll back as a unit ------------------------------------------


def _content(path: Path) -> list[str]:
    """The library's rows without the bookkeeping a rollback moves: the change counter, the
    removal log and each paper's change number (the search index must see the rollback)."""
    import re

    return [
        re.sub(r",\d+\);$", ");", line) if line.startswith('INSERT INTO "papers"') else line
        for line in dump(path)
        if not line.startswith(('INSERT INTO "meta"', 'INSERT INTO "removed"'))
    ]


def _snapshot_lines(count: int, start: int = 0) -> list[str]:
    return [
        json.dumps({"id": f"2401.{n:05d}", "title": f"Chunked paper {n}", "abstract": "words", "doi": None})
        for n in range(start, start + count)
    ]


def test_failed_long_import_is_rolled_back_as_a_unit(library: Library, tmp_path: Path) -> None:
    from quire.models import ImportSummary, PaperRecord

    import_path(library, SEEDS[0], today=TODAY)
    # Papers the failing import will update, and a title-only paper it will absorb.
    library.import_records(
        iter([PaperRecord(title="Chunked paper 5", upvotes=3)]), ImportSummary(path="x", format="t"), "t"
    )
    import_path(library, write(tmp_path / "old.jsonl", "\n".join(_snapshot_lines(3)) + "\n"))
    pids = library.all_pids()
    library.add_tags(pids[:3], ["mine"])
    library.set_note(pids[3], "keep this note")
    before = _content(library.path)
    lines = _snapshot_lines(3500)
    lines[3200] = '{"id": "2401.99999", "title": "\xff"}'  # replaced below by a non-UTF-8 byte
    data = ("\n".join(lines) + "\n").encode().replace(b"\xc3\xbf", b"\xff")
    with pytest.raises(ImportFailure, match="line 3201: not UTF-8"):
        import_path(library, write(tmp_path / "big.jsonl", data))
    assert _content(library.path) == before
    assert library.count() == len(pids)
    conn = sqlite3.connect(library.path)
    assert conn.execute("SELECT count(*) FROM import_undo").fetchone()[0] == 0
    assert conn.execute("SELECT count(*) FROM imports").fetchone()[0] == 0


def test_import_killed_mid_way_is_rolled_back_on_next_open(tmp_path: Path) -> None:
    import subprocess
    import sys

    path = tmp_path / "lib.sqlite3"
    with Library(path) as library:
        import_path(library, SEEDS[0], today=TODAY)
    before = _content(path)
    big = write(tmp_path / "big.jsonl", "\n".join(_snapshot_lines(9000)) + "\n")
    script = (
        "import os, signal, sys\n"
        "from pathlib import Path\n"
        "from quire.importers import import_path\n"
        "from quire.store import Library\n"
        "lib = Library(sys.argv[1])\n"
        "def progress(done, total):\n"
        "    if lib.count() > 93 + 2000:\n"  # chunks are committed: now die without cleaning up
        "        os.kill(os.getpid(), signal.SIGKILL)\n"
        "import_path(lib, Path(sys.argv[2]), on_progress=progress)\n"
    )
    done = subprocess.run([sys.executable, "-c", script, str(path), str(big)], timeout=120)
    assert done.returncode == -9
    conn = sqlite3.connect(path)
    assert conn.execute("SELECT count(*) FROM papers").fetchone()[0] > 2000  # half an import
    conn.close()
    with Library(path) as library:  # the next open sees the dead owner and rolls it back
        assert library.count() == 93
    assert _content(path) == before


def test_writes_get_through_between_chunks(library: Library, tmp_path: Path) -> None:
    import_path(library, SEEDS[0], today=TODAY)
    pid = library.all_pids()[0]
    other = Library(library.path)  # a second connection, as another process would have
    seen: list[int] = []

    def progress(done: int, total: int) -> None:
        # Runs mid-import on the importer's thread: the import holds no lock between chunks,
        # so another connection can write (it would time out if the import held the lock).
        other._conn.execute("PRAGMA busy_timeout = 100")
        other.add_tags([pid], [f"during-{len(seen)}"])
        seen.append(library.count())

    big = write(tmp_path / "big.jsonl", "\n".join(_snapshot_lines(6000)) + "\n")
    summary = import_path(library, big, on_progress=progress)
    assert summary.added == 6000 and len(seen) >= 2
    # Chunks were visible to readers while later ones were still being read (a chunk is 5,000).
    assert any(93 < count < 6093 for count in seen)
    assert "during-0" in library.get_paper(pid).annotation.tags
    other.close()
