"""The library store: identity, merging, annotations that survive, migrations, concurrency."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from conftest import FIXTURES, SEEDS, TODAY, dump
from quire.importers import import_path
from quire.models import ImportSummary, PaperRecord
from quire.store import AmbiguousIdError, Library, PaperNotFoundError, SchemaTooNewError, StoreError
from quire.store.schema import SCHEMA_VERSION, migrate


def put(library: Library, *records: PaperRecord, source: str = "test") -> ImportSummary:
    return library.import_records(records, ImportSummary(path="mem", format=source), source)


def test_seed_import_gives_one_paper_per_title(seeded: Library) -> None:
    assert seeded.count() == 390


def test_reimport_is_unchanged(seeded: Library) -> None:
    summary = import_path(seeded, SEEDS[0], today=TODAY)
    assert (summary.added, summary.updated, summary.unchanged) == (0, 0, 93)
    assert seeded.count() == 390


def test_title_identity_folds_case_space_punctuation(library: Library) -> None:
    put(library, PaperRecord(title="Attention Is All You Need"))
    summary = put(library, PaperRecord(title="attention  is all you need!", upvotes=3))
    assert (summary.added, summary.updated) == (0, 1)
    assert library.count() == 1


def test_arxiv_id_joins_title_only_paper_keeping_annotations(library: Library) -> None:
    put(library, PaperRecord(title="A Paper", abstract="Old abstract", author_count=4))
    pid = library.all_pids()[0]
    library.set_bookmarked([pid], True)
    library.add_tags([pid], ["to-read"])
    library.set_note(pid, "remember this")
    summary = put(
        library, PaperRecord(title="A paper", arxiv_id="2401.00001", authors=["Ada"], abstract=None)
    )
    assert (summary.added, summary.updated) == (0, 1)
    paper = library.get_paper(library.resolve("2401.00001"))
    assert paper.pid == pid
    assert paper.abstract == "Old abstract"  # never erased by a source that lacks it
    assert paper.author_count == 4 and paper.authors == ["Ada"]
    ann = paper.annotation
    assert ann.bookmarked and ann.tags == ["to-read"] and ann.note == "remember this"


def test_newer_values_update_older(library: Library) -> None:
    put(library, PaperRecord(title="T", arxiv_id="2401.00002", upvotes=1))
    put(library, PaperRecord(title="T (revised title)", arxiv_id="2401.00002", upvotes=9))
    paper = library.get_paper(library.resolve("2401.00002"))
    assert paper.upvotes == 9 and paper.title == "T (revised title)"


def test_same_title_different_arxiv_ids_stay_apart(library: Library) -> None:
    put(
        library,
        PaperRecord(title="Same", arxiv_id="2401.00003"),
        PaperRecord(title="Same", arxiv_id="2401.00004"),
    )
    assert library.count() == 2


def test_duplicate_title_only_papers_fold_into_arxiv_paper(library: Library) -> None:
    put(library, PaperRecord(title="Dup", arxiv_id="2401.00005"))
    put(library, PaperRecord(title="Something else"))
    # A title-only paper matching an arXiv paper merges into it (identity by title).
    summary = put(library, PaperRecord(title="DUP"))
    assert summary.updated + summary.unchanged == 1 and library.count() == 2


def test_annotations_survive_reimport(seeded: Library) -> None:
    pid = seeded.all_pids()[0]
    seeded.set_read([pid], True)
    seeded.add_tags([pid], ["RL", "Reading List"])
    seeded.set_note(pid, "note")
    for seed in SEEDS:
        import_path(seeded, seed, today=TODAY)
    ann = seeded.get_paper(pid).annotation
    assert ann.read and ann.tags == ["reading-list", "rl"] and ann.note == "note"


def test_sources_are_recorded(seeded: Library) -> None:
    rows = sqlite3.connect(seeded.path).execute("SELECT count(DISTINCT origin) FROM paper_sources").fetchone()
    assert rows[0] == 5


def test_resolve_ids_and_prefixes(library: Library) -> None:
    put(
        library,
        PaperRecord(title="One", arxiv_id="2401.10001"),
        PaperRecord(title="Two", arxiv_id="2401.10002"),
        PaperRecord(title="Three"),
    )
    assert library.resolve("2401.10001v2") == library.resolve("2401.10001")
    assert library.resolve("arXiv:2401.10002") == library.resolve("2401.10002")
    short = library.get_papers(library.all_pids())[-1].short_id
    assert library.resolve(short[:5]) == library.resolve(short)
    with pytest.raises(AmbiguousIdError, match="2401.1000"):
        library.resolve("2401.1000")
    with pytest.raises(PaperNotFoundError, match="'9999'"):
        library.resolve("9999")


def test_tags_are_normalised_and_validated(library: Library) -> None:
    put(library, PaperRecord(title="One"))
    pid = library.all_pids()[0]
    library.add_tags([pid], ["  Reading List "])
    assert library.tag_counts() == [("reading-list", 1)]
    with pytest.raises(ValueError, match="invalid tag"):
        library.add_tags([pid], ["a:b"])


def test_restore_annotations_is_exact(library: Library) -> None:
    put(library, PaperRecord(title="One"), PaperRecord(title="Two"))
    pids = library.all_pids()
    before = library.add_tags(pids, ["x"])
    library.restore_annotations(before)
    assert library.tag_counts() == []


def test_remove(library: Library) -> None:
    put(library, PaperRecord(title="One"), PaperRecord(title="Two"))
    pid = library.all_pids()[0]
    library.add_tags([pid], ["x"])
    assert library.remove([pid]) == 1
    assert library.count() == 1 and library.tag_counts() == []
    assert pid in library.removed_since(0)


def test_failed_import_keeps_library_as_before(seeded: Library) -> None:
    before = dump(seeded.path)

    def records() -> object:
        yield PaperRecord(title="Would be added")
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        seeded.import_records(records(), ImportSummary(path="x", format="t"), "t")  # type: ignore[arg-type]
    assert dump(seeded.path) == before


def test_migration_from_version_1(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    conn = sqlite3.connect(path, isolation_level=None)
    migrate(conn, str(path), target=1)
    conn.execute(
        "INSERT INTO papers(arxiv_id, title_key, short_id, title, added) "
        "VALUES ('2401.1', 'old paper', 'tabc', 'Old Paper', '2024-01-01T00:00:00')"
    )
    conn.execute("INSERT INTO tags(pid, tag, added) VALUES (1, 'kept', '2024-01-01')")
    conn.close()
    library = Library(path)
    assert library.migrated_from == 1
    assert library.get_paper(1).annotation.tags == ["kept"]
    assert library.current_rev() >= 1
    library.close()
    check = sqlite3.connect(path)
    assert check.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    indexes = {row[0] for row in check.execute("SELECT name FROM sqlite_master WHERE type='index'")}
    assert {"papers_rev", "papers_newest", "papers_doi"} <= indexes  # what versions 2, 3, 5 add
    check.close()


def test_newer_schema_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "new.sqlite3"
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA user_version = 99")
    conn.close()
    before = path.read_bytes()
    with pytest.raises(SchemaTooNewError, match="version 99 is newer"):
        Library(path)
    assert path.read_bytes() == before


def test_not_a_database(tmp_path: Path) -> None:
    from quire.store import StoreError

    path = tmp_path / "junk.sqlite3"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StoreError, match="junk.sqlite3"):
        Library(path)


# A writer in its own process: waits for the go file, then tags every paper one write at a time.
WRITER = """
import sys, time
from pathlib import Path
from quire.store import Library
library = Library(Path(sys.argv[1]))
pids = library.all_pids()
print("ready", flush=True)
while not Path(sys.argv[3]).exists():
    time.sleep(0.005)
for pid in pids:
    library.add_tags([pid], [sys.argv[2]])
library.close()
"""


def test_two_processes_writing(tmp_path: Path) -> None:
    path = tmp_path / "shared.sqlite3"
    go = tmp_path / "go"
    first = Library(path)
    put(first, *(PaperRecord(title=f"Paper {i}") for i in range(100)))
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, str(path), tag, str(go)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for tag in ("a", "b")
    ]
    for writer in writers:  # both have the library open before either writes
        assert writer.stdout is not None and writer.stdout.readline().strip() == "ready"
    go.touch()
    for writer in writers:
        _, err = writer.communicate(timeout=60)
        assert writer.returncode == 0, err
    assert dict(first.tag_counts()) == {"a": 100, "b": 100}
    assert sqlite3.connect(path).execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    first.close()


def test_read_only_library_reports_the_file(tmp_path: Path) -> None:
    path = tmp_path / "ro.sqlite3"
    lib = Library(path)
    put(lib, PaperRecord(title="One"))
    lib.close()
    if os.geteuid() == 0:
        lib = Library(path, read_only=True)  # root ignores file modes
    else:
        path.chmod(0o444)
        lib = Library(path)
    assert lib.read_only
    with pytest.raises(StoreError, match="ro.sqlite3: cannot write"):
        lib.set_bookmarked(lib.all_pids(), True)
    assert lib.get_paper(lib.all_pids()[0]).annotation.bookmarked is False
    lib.close()


def test_locked_library_reports_the_file_and_keeps_state(tmp_path: Path) -> None:
    # Another process holding the write lock is the unwritable case that also happens as root.
    path = tmp_path / "locked.sqlite3"
    lib = Library(path)
    put(lib, PaperRecord(title="One"))
    pid = lib.all_pids()[0]
    lib._conn.execute("PRAGMA busy_timeout = 50")  # give up at once instead of after 10 s
    before = dump(path)
    blocker = sqlite3.connect(path, timeout=0, isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(StoreError, match="locked.sqlite3: cannot write"):
            lib.set_bookmarked([pid], True)
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    assert dump(path) == before
    lib.close()


def test_dates_round_trip(library: Library) -> None:
    put(library, PaperRecord(title="Dated", published=date(2024, 2, 29)))
    assert library.get_paper(library.all_pids()[0]).published == date(2024, 2, 29)


def test_fixtures_dir_exists() -> None:
    assert (FIXTURES / "arxiv.atom").exists()


def _merge_state(library: Library) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(library.path)
    try:
        papers = conn.execute(
            "SELECT pid, arxiv_id, short_id, title, doi, authors, published, upvotes FROM papers ORDER BY pid"
        ).fetchall()
        sources = conn.execute("SELECT pid, source, origin FROM paper_sources ORDER BY 1, 2, 3").fetchall()
        notes = conn.execute("SELECT pid, note FROM annotations ORDER BY pid").fetchall()
        return [*papers, *sources, *notes]
    finally:
        conn.close()


def test_one_batch_merges_as_record_by_record(tmp_path: Path) -> None:
    """What a batch keeps in memory (short ids known free, sources of new papers written at its
    end, identity evidence of new rows) gives the library that one record at a time gives."""
    records = [
        PaperRecord(title="Shared Title", authors=["Ann Lee"], published=date(2020, 1, 1)),
        PaperRecord(title="Shared Title", authors=["Bo Chen"], published=date(2021, 1, 1)),
        PaperRecord(title="Shared title!", authors=["Ann Lee"], upvotes=4),
        PaperRecord(title="Only A Title"),
        PaperRecord(title="Only a title", arxiv_id="2401.00001", authors=["Cy Dee"]),
        PaperRecord(title="By DOI", doi="10.1000/abc"),
        PaperRecord(title="By DOI, renamed", doi="10.1000/ABC", upvotes=2),
        PaperRecord(title="Twice", arxiv_id="2401.00002"),
        PaperRecord(title="Twice", arxiv_id="2401.00002v2", upvotes=9),
        PaperRecord(title="Existing Short Id", authors=["Yan Yu"]),
        PaperRecord(title="existing short id", authors=["Xi Xu"]),
        # A new paper found by DOI takes a new title, and absorbs a new title-only paper.
        PaperRecord(title="Working title", doi="10.1000/fresh"),
        PaperRecord(title="Final Title"),
        PaperRecord(title="Final Title", doi="10.1000/fresh"),
    ]
    results = []
    for one_by_one in (False, True):
        with Library(tmp_path / f"lib{one_by_one}.sqlite3") as library:
            # A paper whose short id a new title would take, and one absorbed by the batch.
            put(library, PaperRecord(title="Existing short id", authors=["Zed Zee"]))
            put(library, PaperRecord(title="Only a title"))
            for paper in library.get_papers(library.all_pids()):
                library.set_note(paper.pid, f"note on {paper.title}")
            if one_by_one:
                for record in records:
                    put(library, record)
            else:
                put(library, *records)
            results.append(_merge_state(library))
    assert results[0] == results[1]
    with Library(tmp_path / "libFalse.sqlite3") as library:
        papers = library.get_papers(library.all_pids())
    assert len(papers) == 9
    assert len({p.short_id for p in papers}) == 9  # three "existing short id" papers, three ids
    assert all(p.sources == ["test"] for p in papers)
    absorbed = next(p for p in papers if p.arxiv_id == "2401.00001")
    assert absorbed.annotation.note == "note on Only a title"


def test_list_order_does_not_depend_on_the_clock(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from datetime import UTC, datetime, timedelta

    from quire.search import SearchIndex
    from quire.store import merging as merging_module

    straight = Library(tmp_path / "straight.sqlite3")
    for seed in SEEDS:
        import_path(straight, seed, today=TODAY)
    ticks = iter(range(10**6))
    start = datetime(2020, 1, 1, tzinfo=UTC)
    # As if every write happened a second after the one before (imports with pauses between).
    monkeypatch.setattr(merging_module, "_now", lambda: (start + timedelta(seconds=next(ticks))).isoformat())
    paused = Library(tmp_path / "paused.sqlite3")
    for seed in SEEDS:
        import_path(paused, seed, today=TODAY)
    assert straight.all_pids() == paused.all_pids()
    first, second = SearchIndex.build(straight), SearchIndex.build(paused)
    for sort in ("date", "upvotes", "title", "relevance"):
        assert first.search(f"sort:{sort}").pids == second.search(f"sort:{sort}").pids, sort
    assert first.search("learning").pids == second.search("learning").pids


def test_absorbed_copy_keeps_both_annotations(library: Library) -> None:
    put(library, PaperRecord(title="Folded Paper", arxiv_id="2401.00311"))
    keep = library.all_pids()[0]
    # A title-only copy of it, as an older quire (identity by title alone) could leave behind.
    conn = sqlite3.connect(library.path)
    conn.execute(
        "INSERT INTO papers(title_key, short_id, title, added, rev) "
        "SELECT title_key, 'tcopy01', title, added, rev FROM papers WHERE pid=?",
        (keep,),
    )
    conn.commit()
    conn.close()
    copy = max(library.all_pids())
    library.set_bookmarked([keep], True)
    library.add_tags([keep], ["mine"])
    library.set_note(keep, "first")
    library.set_read([copy], True)
    library.add_tags([copy], ["theirs"])
    library.set_note(copy, "second")
    put(library, PaperRecord(title="Folded paper", arxiv_id="2401.00311", upvotes=4))
    assert library.all_pids() == [keep]
    ann = library.get_paper(keep).annotation
    assert ann.bookmarked and ann.read and ann.tags == ["mine", "theirs"]
    assert ann.note == "first\n\nsecond"  # nothing is lost: both notes, both tags, both flags
    assert copy in library.removed_since(0)


def test_failed_migration_leaves_the_file_as_it_was(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from quire.store import schema

    path = tmp_path / "old.sqlite3"
    conn = sqlite3.connect(path, isolation_level=None)
    migrate(conn, str(path), target=1)
    conn.execute(
        "INSERT INTO papers(arxiv_id, title_key, short_id, title, added) "
        "VALUES ('2401.1', 'old paper', 'tabc', 'Old Paper', '2024-01-01T00:00:00')"
    )
    conn.close()
    before = dump(path)

    def broken(conn: sqlite3.Connection) -> None:
        conn.execute("CREATE TABLE half_done (x)")  # some of the step ran…
        raise sqlite3.OperationalError("disk I/O error")  # …then the disk failed

    # Version 2 runs, version 3 fails: both are rolled back together.
    monkeypatch.setattr(schema, "MIGRATIONS", [*schema.MIGRATIONS[:2], broken, *schema.MIGRATIONS[3:]])
    with pytest.raises(StoreError, match="old.sqlite3"):
        Library(path)
    assert dump(path) == before
    assert sqlite3.connect(path).execute("PRAGMA user_version").fetchone()[0] == 1
