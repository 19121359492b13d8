"""quire's own library file: export, import into an empty or existing library, conflicts, bad files.

Real SQLite libraries in tmp_path; the seed library gets bookmarks, tags, notes and read state on
several papers, and a second source on one, before it is carried.
"""

from __future__ import annotations

import io
import json
import sqlite3
import tempfile
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import SEEDS, TODAY, dump
from quire.cli import main
from quire.errors import QuireError
from quire.export import export_library
from quire.importers import ImportFailure, import_path
from quire.importers.detect import detect_format
from quire.models import ImportSummary, PaperRecord
from quire.store import Library
from quire.store.carry import carried_papers


def annotate(library: Library) -> list[int]:
    """Bookmarks, tags, notes and read state across several papers; a second source on one."""
    pids = library.all_pids()
    library.set_bookmarked(pids[0:3], True)
    library.add_tags(pids[1:5], ["to-read"])
    library.add_tags([pids[2]], ["rl", "survey"])
    library.set_note(pids[3], "Compare with the baseline in §4.\nSecond line.")
    library.set_note(pids[4], "short")
    library.set_read(pids[4:8], True)
    library.set_bookmarked([pids[9]], True)
    library.set_bookmarked([pids[9]], False)  # unbookmarked: a change time without a bookmark
    title = library.get_paper(pids[5]).title
    library.import_records(
        [PaperRecord(title=title, doi="10.1000/carried", comment="bib")],
        ImportSummary(path="refs.bib", format="bibtex"),
        "bibtex",
    )
    return pids


def everything(library: Library) -> dict[str, dict[str, Any]]:
    """Every paper with every field, source and annotation (and their times), by short id."""
    return {p["short_id"]: p for p in carried_papers(library, library.all_pids())}


def carry(library: Library, folder: Path, name: str = "library.quire.json") -> Path:
    path = folder / name
    path.write_text(export_library(library, library.all_pids(), "quire"), encoding="utf-8")
    return path


@pytest.fixture
def annotated(seeded: Library) -> Library:
    annotate(seeded)
    return seeded


def test_round_trip_into_an_empty_library_is_exact(annotated: Library, tmp_path: Path) -> None:
    # Named like a text file: the header, not the name, says what it is.
    path = carry(annotated, tmp_path, "backup.txt")
    assert detect_format(path, path.read_text(encoding="utf-8")[:8192]) == "quire"
    with Library(tmp_path / "fresh.sqlite3") as fresh:
        summary = import_path(fresh, path)
        assert (summary.format, summary.added, summary.skipped) == ("quire", 390, 0)
        before, after = everything(annotated), everything(fresh)
        assert after == before
        # The same through the reader's model: every field but the internal row id.
        old = {p.short_id: p.model_dump(exclude={"pid"}) for p in annotated.get_papers(annotated.all_pids())}
        new = {p.short_id: p.model_dump(exclude={"pid"}) for p in fresh.get_papers(fresh.all_pids())}
        assert new == old
    carried = [
        p
        for p in before.values()
        if p["annotation"]["tags"]
        or p["annotation"]["note"]
        or p["annotation"]["bookmarked"]
        or p["annotation"]["read"]
    ]
    assert len(carried) == 8
    assert any(len(p["sources"]) == 2 and p["doi"] == "10.1000/carried" for p in before.values())
    unbookmarked = [
        p
        for p in before.values()
        if p["annotation"]["bookmark_changed"] and not p["annotation"]["bookmarked"]
    ]
    assert len(unbookmarked) == 1


def test_importing_it_again_changes_nothing(annotated: Library, tmp_path: Path) -> None:
    path = carry(annotated, tmp_path)
    before = everything(annotated)
    summary = import_path(annotated, path)
    assert (summary.added, summary.updated, summary.unchanged) == (0, 0, 390)
    assert everything(annotated) == before


def test_an_old_export_keeps_the_newer_changes_of_the_library(annotated: Library, tmp_path: Path) -> None:
    pids = annotated.all_pids()
    path = carry(annotated, tmp_path)
    annotated.set_bookmarked([pids[0]], False)
    annotated.add_tags([pids[1]], ["later"])
    annotated.set_read([pids[4]], False)
    annotated.set_note(pids[3], "rewritten after the export")
    annotated.set_note(pids[4], "")
    annotated.set_bookmarked([pids[20]], True)  # a paper the file knows unannotated
    expected = everything(annotated)
    summary = import_path(annotated, path)
    assert everything(annotated) == expected
    ids = {pid: annotated.get_paper(pid).id for pid in pids[:5]}
    notes = [n for n in summary.notices if n.startswith("note of")]
    assert len(notes) == 2
    assert any(ids[pids[3]] in n and "kept the library's" in n and "§4" in n for n in notes)
    assert any(ids[pids[4]] in n and "'short'" in n for n in notes)


def test_newer_changes_in_the_file_are_taken(annotated: Library, tmp_path: Path) -> None:
    pids = annotated.all_pids()
    with Library(tmp_path / "laptop.sqlite3") as laptop:
        import_path(laptop, carry(annotated, tmp_path, "to-laptop.json"))
        ids = {pid: annotated.get_paper(pid).short_id for pid in pids[:6]}
        on_laptop = {p.short_id: p.pid for p in laptop.get_papers(laptop.all_pids())}
        annotated.set_note(pids[5], "written at home first")
        laptop.set_note(on_laptop[ids[pids[5]]], "written on the laptop later")
        laptop.set_bookmarked([on_laptop[ids[pids[1]]]], False)
        laptop.remove_tags([on_laptop[ids[pids[2]]]], ["survey"])
        laptop.set_note(on_laptop[ids[pids[3]]], "")
        back = carry(laptop, tmp_path, "from-laptop.json")
    summary = import_path(annotated, back)
    papers = {p.pid: p for p in annotated.get_papers(pids[:6])}
    assert papers[pids[5]].annotation.note == "written on the laptop later"
    assert not papers[pids[1]].annotation.bookmarked
    assert papers[pids[2]].annotation.tags == ["rl", "to-read"]
    assert papers[pids[3]].annotation.note == ""
    assert papers[pids[0]].annotation.bookmarked  # unchanged on both sides
    notes = [n for n in summary.notices if n.startswith("note of")]
    assert any("took the file's" in n and "written at home first" in n for n in notes)
    assert any("deleted it" in n and "§4" in n for n in notes)


def test_papers_merge_by_identity_into_an_existing_library(annotated: Library, tmp_path: Path) -> None:
    path = carry(annotated, tmp_path)
    with Library(tmp_path / "other.sqlite3") as other:
        import_path(other, SEEDS[0], today=TODAY)
        pid = other.all_pids()[0]
        other.add_tags([pid], ["mine"])
        short = other.get_paper(pid).short_id
        summary = import_path(other, path)
        assert other.count() == 390
        assert summary.added == 390 - 93
        # Tagged here after the file was written: the library's later change is kept.
        assert other.get_paper(pid).annotation.tags == ["mine"]
        carried = {
            p.short_id: p.annotation for p in other.get_papers(other.all_pids()) if p.short_id != short
        }
        assert carried == {
            p.short_id: p.annotation
            for p in annotated.get_papers(annotated.all_pids())
            if p.short_id != short
        }


def test_annotation_change_times_are_kept_per_part(library: Library) -> None:
    library.import_records(
        [PaperRecord(title="One paper", published=date(2024, 1, 1))], ImportSummary(path="m", format="t"), "t"
    )
    pid = library.all_pids()[0]
    library.set_bookmarked([pid], True)
    first = carried_papers(library, [pid])[0]["annotation"]
    library.set_note(pid, "a note")
    second = carried_papers(library, [pid])[0]["annotation"]
    assert second["bookmark_changed"] == first["bookmark_changed"]
    assert second["note_changed"] and first["note_changed"] is None
    library.add_tags([pid], ["x"])
    added = carried_papers(library, [pid])[0]["annotation"]["tags"][0]["added"]
    library.set_read([pid], True)
    third = carried_papers(library, [pid])[0]["annotation"]
    assert third["tags"][0]["added"] == added  # a tag that stays keeps when it was added
    assert third["note_changed"] == second["note_changed"]


def _run(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(args), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def test_cli_round_trip(tmp_path: Path) -> None:
    home, away = str(tmp_path / "home"), str(tmp_path / "away")
    assert _run("--data-dir", home, "import", "--sample")[0] == 0
    first = _run("--data-dir", home, "list", "--json", "--limit", "2")[1]
    ids = [row["id"] for row in json.loads(first)]
    _run("--data-dir", home, "bookmark", ids[0])
    _run("--data-dir", home, "tag", ids[1], "carry-me")
    _run("--data-dir", home, "note", ids[1], "a note that travels")
    target = tmp_path / "lib.quire.json"
    code, _, err = _run("--data-dir", home, "export", "--format", "quire", "-o", str(target))
    assert code == 0 and "exported 390 papers" in err
    code, out, _ = _run("--data-dir", away, "import", str(target))
    assert code == 0 and "(quire): 390 added" in out and "annotations:" in out
    with Library(Path(home) / "library.sqlite3") as a, Library(Path(away) / "library.sqlite3") as b:
        assert everything(b) == everything(a)
    shown = _run("--data-dir", away, "show", ids[1])[1]
    assert "carry-me" in shown and "a note that travels" in shown


def test_cli_export_help_names_the_format(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["export", "--help"])
    text = capsys.readouterr().out
    assert "quire" in text and "every field, source and annotation" in text


def _valid_file(tmp_path: Path) -> dict[str, Any]:
    with Library(tmp_path / "src.sqlite3") as source:
        import_path(source, SEEDS[0], today=TODAY)
        pids = source.all_pids()
        source.set_bookmarked(pids[:2], True)
        source.set_note(pids[2], "n")
        data: dict[str, Any] = json.loads(export_library(source, pids[:5], "quire"))
    return data


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.update(version=2), "version: 2 is newer than this quire reads (1)"),
        (lambda d: d.update(version="one"), "version: 'one' is not a version number"),
        (lambda d: d["papers"][3].update(title=5), "papers[3].title: "),
        (lambda d: d["papers"][1]["annotation"].update(read="yes"), "papers[1].annotation.read"),
        (
            lambda d: d["papers"][2]["annotation"].update(note_changed="yesterday"),
            "papers[2].annotation.note_changed",
        ),
        (
            lambda d: d["papers"][0]["annotation"]["tags"].append({"tag": "Bad Tag", "added": "x"}),
            "papers[0].annotation.tags[0].tag",
        ),
        (lambda d: d["papers"][4].update(sources=[{"source": "x"}]), "papers[4].sources[0].origin"),
        (lambda d: d.pop("papers"), "papers: Field required"),
        (lambda d: d["papers"][0].update(title="\ud800"), "papers[0].title: holds a lone surrogate"),
    ],
)
def test_bad_files_name_the_key_and_change_nothing(
    annotated: Library, tmp_path: Path, change: Any, message: str
) -> None:
    data = _valid_file(tmp_path)
    change(data)
    path = tmp_path / "bad.quire.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    before = dump(annotated.path)
    with pytest.raises(ImportFailure) as failed:
        import_path(annotated, path)
    assert str(failed.value).startswith(f"{path}: ")
    assert message in str(failed.value)
    assert dump(annotated.path) == before


def test_a_truncated_file_fails_by_the_cli_and_changes_nothing(annotated: Library, tmp_path: Path) -> None:
    text = export_library(annotated, annotated.all_pids(), "quire")
    path = tmp_path / "cut.json"
    path.write_text(text[: len(text) // 2], encoding="utf-8")
    annotated.close()
    before = dump(annotated.path)
    code, _, err = _run("--data-dir", str(tmp_path), "import", str(path))
    assert code == 1 and f"{path}: line " in err and "not valid JSON" in err
    assert dump(annotated.path) == before


def test_an_old_library_without_change_times_still_merges(annotated: Library, tmp_path: Path) -> None:
    """Annotations made before schema v8 have no change times: the export uses the times the
    library has (bookmarked, read, tag added), and the import treats unknown as oldest."""
    path = carry(annotated, tmp_path)
    data = json.loads(path.read_text(encoding="utf-8"))
    for paper in data["papers"]:
        for key in ("bookmark_changed", "read_changed", "tags_changed", "note_changed"):
            paper["annotation"][key] = None
    path.write_text(json.dumps(data), encoding="utf-8")
    with Library(tmp_path / "fresh.sqlite3") as fresh:
        import_path(fresh, path)  # an empty library takes everything
        notes = sorted(p.annotation.note for p in fresh.get_papers(fresh.all_pids()) if p.annotation.note)
        assert len(notes) == 2
    conn = sqlite3.connect(annotated.path)
    conn.execute("UPDATE annotations SET note_changed = NULL")
    conn.commit()
    conn.close()
    pid = annotated.all_pids()[3]
    before = annotated.get_paper(pid).annotation.note
    import_path(annotated, path)  # neither side knows when: the library keeps its own
    assert annotated.get_paper(pid).annotation.note == before


# -- fuzz: any damage to a valid file is refused cleanly or imported -------------------------

BUDGET = settings(
    max_examples=40,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-2, max_value=10**13),
    st.text(max_size=12),
    st.sampled_from(["2026-01-01T00:00:00+00:00", "\ud800", "2401.00001", "10.1/x"]),
    st.lists(st.text(max_size=5), max_size=3),
    st.just({}),
)


@pytest.fixture(scope="module")
def fuzz_target() -> Iterator[tuple[Library, Path, dict[str, Any]]]:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        data = _valid_file(root)
        library = Library(root / "lib.sqlite3")
        import_path(library, SEEDS[1], today=TODAY)
        library.set_note(library.all_pids()[0], "kept")
        yield library, root, data
        library.close()


def _paths(data: Any, where: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield where
    if isinstance(data, dict):
        for key, value in data.items():
            yield from _paths(value, (*where, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from _paths(value, (*where, index))


@BUDGET
@given(
    picks=st.lists(st.tuples(st.integers(min_value=0), VALUES, st.booleans()), min_size=1, max_size=3),
    cut=st.one_of(st.none(), st.floats(min_value=0, max_value=1)),
)
def test_fuzz_damaged_library_files(
    fuzz_target: tuple[Library, Path, dict[str, Any]], picks: list[tuple[int, Any, bool]], cut: float | None
) -> None:
    library, root, original = fuzz_target
    data = json.loads(json.dumps(original))
    for pick, value, drop in picks:
        paths = [p for p in _paths(data) if p]
        where = paths[pick % len(paths)]
        parent = data
        for part in where[:-1]:
            parent = parent[part]
        if drop and isinstance(parent, dict):
            parent.pop(where[-1])
        else:
            parent[where[-1]] = value
    text = json.dumps(data, ensure_ascii=False)
    if cut is not None:
        text = text[: int(len(text) * cut)]
    path = root / "fuzzed.quire.json"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    before = dump(library.path)
    try:
        import_path(library, path)
    except QuireError as error:
        assert str(error).startswith(str(path)) or "fuzzed.quire.json" in str(error)
        assert dump(library.path) == before, "a refused file changed the library"


async def test_reader_export_dialog_writes_the_library_file(tmp_path: Path) -> None:
    from textual.widgets import Input

    from app_support import app_on, library, ready, settle
    from quire.app.screens.files import ExportDialog

    app = app_on(tmp_path / "reader")
    target = tmp_path / "view.quire.json"
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        lib = library(pilot)
        lib.set_note(lib.all_pids()[0], "from the reader")
        await pilot.press("e")
        assert isinstance(app.screen, ExportDialog)
        await pilot.click("#fmt-quire")
        field = app.screen.query_one(Input)
        assert field.value.endswith("quire-export.quire.json")
        await pilot.click("#fmt-bibtex")
        assert field.value.endswith("quire-export.bib")  # not .quire.bib
        await pilot.click("#fmt-quire")
        field.value = str(target)
        field.focus()
        await pilot.press("enter")
        await settle(pilot)
        expected = everything(lib)
    with Library(tmp_path / "fresh.sqlite3") as fresh:
        assert import_path(fresh, target).format == "quire"
        assert everything(fresh) == expected


def _content(path: Path) -> list[str]:
    """Every row but the change counter's bookkeeping (an undone import is a change too), in
    order (restored rows get new row ids)."""
    import re

    return sorted(
        re.sub(r",\d+\);$", ");", line) if line.startswith('INSERT INTO "papers"') else line
        for line in dump(path)
        if not line.startswith(('INSERT INTO "meta"', 'INSERT INTO "removed"'))
    )


def test_a_long_carried_import_that_fails_part_way_is_rolled_back(tmp_path: Path, monkeypatch: Any) -> None:
    """Batches commit as they go (others can write meanwhile); a failure after some of them
    undoes them all from the journal: papers, sources, annotations and "new" marks."""
    from quire.store import carry as carry_module

    records = [PaperRecord(title=f"Carried paper {n}", arxiv_id=f"2401.{n:05d}") for n in range(2500)]
    with Library(tmp_path / "src.sqlite3") as source:
        source.import_records(records, ImportSummary(path="gen", format="t"), "t")
        pids = source.all_pids()
        source.set_bookmarked(pids[::7], True)
        source.add_tags(pids[::5], ["carried"])
        source.set_note(pids[1500], "from the file")
        path = carry(source, tmp_path)
    with Library(tmp_path / "target.sqlite3") as target:
        target.import_records(records[1000:1600], ImportSummary(path="gen", format="t2"), "t2")
        mine = target.all_pids()
        target.set_note(mine[0], "mine")
        target.set_read(mine[::3], True)
        target.add_tags(mine[::4], ["kept"])
        conn = sqlite3.connect(target.path)
        conn.execute(
            "UPDATE annotations SET note_changed = NULL, read_changed = NULL, tags_changed = NULL"
        )  # older than the file: the merge takes its parts
        conn.commit()
        conn.close()
        before = _content(target.path)
        merges = 0
        real_merge = carry_module._merge

        def failing_merge(*args: Any) -> None:
            nonlocal merges
            merges += 1
            if merges == 2200:
                raise OSError("disk full (simulated)")
            real_merge(*args)

        monkeypatch.setattr(carry_module, "_merge", failing_merge)
        with pytest.raises(OSError, match="simulated"):
            import_path(target, path)
        assert _content(target.path) == before
        conn = sqlite3.connect(target.path)
        assert conn.execute("SELECT count(*) FROM import_undo").fetchone()[0] == 0
        conn.close()
        monkeypatch.setattr(carry_module, "_merge", real_merge)
        summary = import_path(target, path)
        assert (summary.added, summary.unchanged) == (1900, 600)
        assert target.get_paper(target.resolve("2401.01500")).annotation.note == "from the file"
