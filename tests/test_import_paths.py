"""The import's quick paths give exactly what the careful ones gave: stored lists, record checks,
and the page cache an import borrows."""

from __future__ import annotations

import json
import re
import sqlite3
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from quire.errors import QuireError
from quire.importers import import_path
from quire.importers.base import (
    MAX_COUNT,
    MAX_FIELD_CHARS,
    MAX_LIST_ITEMS,
    MAX_OTHER_FIELD_CHARS,
    MAX_RECORD_BYTES,
    check_record,
)
from quire.models import PaperRecord
from quire.store import Library
from quire.store.rows import encode_list

BUDGET = settings(
    max_examples=200, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)
_SURROGATES = re.compile("[\ud800-\udfff]")
# Any code point, lone surrogates and controls included: what a hostile JSON file can hold.
ANY_TEXT = st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=0x10FFFF), max_size=30)


def careful_check(record: PaperRecord) -> PaperRecord | str:
    """``check_record`` as it was written before it was made quick: field by field, in order."""
    changes: dict[str, Any] = {}
    total = 0
    for name, value in record:
        if value is None:
            continue
        if isinstance(value, str):
            limit = MAX_FIELD_CHARS.get(name, MAX_OTHER_FIELD_CHARS)
            if len(value) > limit:
                return f"{name}: longer than {limit:,} characters ({len(value):,})"
            total += len(value)
            if _SURROGATES.search(value):
                changes[name] = _SURROGATES.sub("\ufffd", value)
        elif isinstance(value, list):
            if len(value) > MAX_LIST_ITEMS:
                return f"{name}: more than {MAX_LIST_ITEMS:,} items ({len(value):,})"
            if value and max(map(len, value)) > MAX_OTHER_FIELD_CHARS:
                return f"{name}: an item is longer than {MAX_OTHER_FIELD_CHARS:,} characters"
            total += sum(map(len, value))
            if any(_SURROGATES.search(item) for item in value):
                changes[name] = [_SURROGATES.sub("\ufffd", item) for item in value]
        elif isinstance(value, int) and not 0 <= value <= MAX_COUNT:
            return f"{name}: {value} is out of range (0 to {MAX_COUNT:,})"
    if total > MAX_RECORD_BYTES:
        return f"the record is larger than {MAX_RECORD_BYTES:,} characters ({total:,})"
    return record.model_copy(update=changes) if changes else record


def _long(size: int) -> st.SearchStrategy[str]:
    return st.sampled_from(["", "a" * size, "b" * (size + 1), "é\ud800" * (size // 2)])


RECORDS = st.builds(
    PaperRecord,
    title=st.one_of(ANY_TEXT, _long(MAX_FIELD_CHARS["title"])),
    abstract=st.one_of(st.none(), ANY_TEXT, _long(MAX_FIELD_CHARS["abstract"])),
    comment=st.one_of(st.none(), ANY_TEXT, _long(MAX_OTHER_FIELD_CHARS)),
    authors=st.one_of(
        st.lists(ANY_TEXT, max_size=5),
        st.lists(_long(MAX_OTHER_FIELD_CHARS), min_size=1, max_size=2),
        st.just(["x"] * (MAX_LIST_ITEMS + 1)),
    ),
    keywords=st.lists(ANY_TEXT, max_size=3),
    upvotes=st.one_of(st.none(), st.integers(min_value=-3, max_value=3), st.just(MAX_COUNT + 1)),
    github_stars=st.one_of(st.none(), st.integers(min_value=0, max_value=MAX_COUNT)),
    published=st.one_of(st.none(), st.dates()),
)


@BUDGET
@given(RECORDS)
def test_check_record_is_the_careful_check(record: PaperRecord) -> None:
    quick, careful = check_record(record), careful_check(record)
    if isinstance(careful, str):
        # Same field and limit; the careful copy spells big numbers plainly.
        assert isinstance(quick, str) and quick.split(":")[0] == careful.split(":")[0]
    else:
        assert isinstance(quick, PaperRecord) and quick.model_dump() == careful.model_dump()


def test_check_record_replaces_surrogates_only_where_they_are() -> None:
    record = PaperRecord(title="ok", abstract="bad \ud800 text", authors=["Ann", "B\udc00b"], keywords=["k"])
    checked = check_record(record)
    assert isinstance(checked, PaperRecord)
    assert checked.abstract == "bad \ufffd text" and checked.authors == ["Ann", "B\ufffdb"]
    assert checked.title == "ok" and checked.keywords == ["k"]
    assert check_record(PaperRecord(title="plain", authors=["Kollár"])) is not None


@BUDGET
@given(st.lists(ANY_TEXT, max_size=6))
def test_stored_lists_are_json_dumps(items: list[str]) -> None:
    assert encode_list(items) == json.dumps(items, ensure_ascii=False)
    assert json.loads(encode_list(items)) == items


def test_an_import_borrows_a_larger_page_cache_and_gives_it_back(tmp_path: Path) -> None:
    library = Library(tmp_path / "lib.sqlite3")
    before = library._conn.execute("PRAGMA cache_size").fetchone()[0]
    during: list[int] = []
    lines = [
        json.dumps({"id": f"2401.{n:05d}", "title": f"Paper number {n}", "abstract": "Text."})
        for n in range(5000)
    ]
    snapshot = tmp_path / "snap.jsonl"
    snapshot.write_text("\n".join(lines) + "\n", encoding="utf-8")

    def progress(done: int, total: int) -> None:
        during.append(library._conn.execute("PRAGMA cache_size").fetchone()[0])

    summary = import_path(library, snapshot, on_progress=progress, today=date(2026, 1, 1))
    assert summary.added == 5000
    # Negative sizes are KiB: -32768 is larger than SQLite's -2000. The last report comes after
    # the import ended.
    assert during[0] < before and during[-1] == before
    assert library._conn.execute("PRAGMA cache_size").fetchone()[0] == before
    library.close()


def test_the_log_is_folded_in_during_a_long_import(tmp_path: Path) -> None:
    """Checkpoints run on their own thread while an import goes on; the write-ahead log is
    folded in after every batch and starts over, so it never holds more than about a batch."""
    library = Library(tmp_path / "lib.sqlite3")
    wal = tmp_path / "lib.sqlite3-wal"
    sizes: list[int] = []
    abstract = "A sentence about results that fills the abstract. " * 20
    lines = [
        json.dumps({"id": f"2401.{n:05d}", "title": f"Paper number {n}", "abstract": abstract})
        for n in range(20_000)
    ]
    snapshot = tmp_path / "snap.jsonl"
    snapshot.write_text("\n".join(lines) + "\n", encoding="utf-8")

    def progress(done: int, total: int) -> None:
        sizes.append(wal.stat().st_size if wal.exists() else 0)

    summary = import_path(library, snapshot, on_progress=progress, today=date(2026, 1, 1))
    assert summary.added == 20_000
    assert library._checkpointer is None  # the thread is gone with the import
    assert library._conn.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == 1000
    whole = (tmp_path / "lib.sqlite3").stat().st_size
    # Four batches of 5,000 went in: a log that kept them all would be as large as the library.
    assert max(sizes) < whole / 2, (max(sizes), whole)
    library.close()


def test_a_failed_import_puts_every_setting_back(tmp_path: Path) -> None:
    library = Library(tmp_path / "lib.sqlite3")
    conn = library._conn
    before = conn.execute("PRAGMA cache_size").fetchone()[0]
    lines = [json.dumps({"id": f"2401.{n:05d}", "title": f"Paper number {n}"}) for n in range(12_000)]
    snapshot = tmp_path / "snap.jsonl"
    snapshot.write_text("\n".join(lines) + "\n", encoding="utf-8")
    seen: list[tuple[int, int]] = []

    def progress(done: int, total: int) -> None:
        seen.append((conn.execute("PRAGMA cache_size").fetchone()[0], library.count()))
        if library.count() > 0:  # a batch is committed: fail now, as a reader error would
            raise RuntimeError("the file broke")

    with pytest.raises(QuireError, match="the file broke"):
        import_path(library, snapshot, on_progress=progress, today=date(2026, 1, 1))
    assert seen[-1][0] < before  # the import had its larger cache when it failed
    assert library.count() == 0  # and what it had committed is undone
    assert library._checkpointer is None
    assert conn.execute("PRAGMA cache_size").fetchone()[0] == before
    assert conn.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == 1000
    library.close()


def test_an_import_goes_in_and_settings_come_back_when_the_checkpoint_thread_cannot_start(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    library = Library(tmp_path / "lib.sqlite3")
    before = library._conn.execute("PRAGMA cache_size").fetchone()[0]

    def broken(self: Library) -> None:
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(Library, "_open_checkpointer", broken)
    snapshot = tmp_path / "snap.jsonl"
    snapshot.write_text(json.dumps({"id": "2401.00001", "title": "One paper"}) + "\n", encoding="utf-8")
    # Only speed was at stake: the import goes in without the thread, and nothing stays changed.
    assert import_path(library, snapshot, today=date(2026, 1, 1)).added == 1
    assert library._conn.execute("PRAGMA cache_size").fetchone()[0] == before
    assert library._imports_running == 0 and library._checkpointer is None
    library.close()
