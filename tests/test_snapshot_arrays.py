"""Snapshot records saved as a JSON array (or one object over many lines) are read in full."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from quire.importers import detect_format, import_path
from quire.store import Library

RECORDS = [
    {
        "id": "0704.0001",
        "submitter": "Pavel Nadolsky",
        "authors": "C. Bal\\'azs, E. L. Berger, P. M. Nadolsky, C.-P. Yuan",
        "title": "Calculation of prompt diphoton production cross sections at Tevatron and\n  LHC energies",
        "comments": "37 pages, 15 figures",
        "journal-ref": "Phys.Rev.D76:013009,2007",
        "doi": "10.1103/PhysRevD.76.013009",
        "report-no": "ANL-HEP-PR-07-12",
        "categories": "hep-ph",
        "license": None,
        "abstract": "  A fully differential calculation in perturbative quantum chromodynamics is\n"
        "presented for the production of massive photon pairs.\n",
        "versions": [
            {"version": "v1", "created": "Mon, 2 Apr 2007 19:18:42 GMT"},
            {"version": "v2", "created": "Tue, 24 Jul 2007 20:10:27 GMT"},
        ],
        "update_date": "2008-11-13",
        "authors_parsed": [
            ["Bal\\'azs", "C.", ""],
            ["Berger", "E. L.", ""],
            ["Nadolsky", "P. M.", ""],
            ["Yuan", "C. -P.", ""],
        ],
    },
    {
        "id": "math/0601001",
        "submitter": "A. Person",
        "authors": "J\\'anos Koll\\'ar",
        "title": "Koll\\'ar's injectivity and Gr\\\"obner bases",
        "comments": None,
        "journal-ref": None,
        "doi": None,
        "report-no": None,
        "categories": "math.AG math.AC",
        "license": None,
        "abstract": "  We prove it for $n \\geq 3$.\n",
        "versions": [{"version": "v1", "created": "Sun, 1 Jan 2006 00:00:01 GMT"}],
        "update_date": "2006-01-02",
        "authors_parsed": [["Koll\\'ar", "J\\'anos", ""]],
    },
]


@pytest.mark.parametrize("indent", [None, 2, 4])
def test_snapshot_array_is_detected_and_read_in_full(
    library: Library, tmp_path: Path, indent: int | None
) -> None:
    path = tmp_path / "slice.json"
    path.write_text(json.dumps(RECORDS, indent=indent), encoding="utf-8")
    assert detect_format(path, path.read_text(encoding="utf-8")[:8192]) == "arxiv-snapshot"
    summary = import_path(library, path)
    assert (summary.format, summary.added, summary.skipped) == ("arxiv-snapshot", 2, 0)
    first = library.get_paper(library.resolve("0704.0001"))
    assert first.title == (
        "Calculation of prompt diphoton production cross sections at Tevatron and LHC energies"
    )
    assert first.authors == ["C. Balázs", "E. L. Berger", "P. M. Nadolsky", "C. -P. Yuan"]
    assert first.author_count == 4
    assert first.abstract is not None and first.abstract.startswith("A fully differential")
    assert first.published == date(2007, 4, 2) and first.version == "v2"
    assert first.doi == "10.1103/PhysRevD.76.013009"
    assert first.journal_ref == "Phys.Rev.D76:013009,2007"
    old = library.get_paper(library.resolve("math/0601001"))
    assert old.title == "Kollár's injectivity and Gröbner bases"
    assert old.abstract == r"We prove it for $n \geq 3$."
    assert old.categories == ["math.AG", "math.AC"] and old.primary_category == "math.AG"


def test_forced_snapshot_format_reads_an_array(library: Library, tmp_path: Path) -> None:
    path = tmp_path / "slice.txt"
    path.write_text(json.dumps(RECORDS), encoding="utf-8")
    summary = import_path(library, path, fmt="arxiv-snapshot")
    assert summary.added == 2


def test_one_pretty_printed_snapshot_object(library: Library, tmp_path: Path) -> None:
    path = tmp_path / "one.json"
    path.write_text(json.dumps(RECORDS[1], indent=2), encoding="utf-8")
    summary = import_path(library, path)
    assert (summary.format, summary.added) == ("arxiv-snapshot", 1)
    assert library.get_paper(library.resolve("math/0601001")).authors == ["János Kollár"]


def test_snapshot_records_forced_through_hf_json_are_not_hollow(library: Library, tmp_path: Path) -> None:
    path = tmp_path / "slice.json"
    path.write_text(json.dumps(RECORDS), encoding="utf-8")
    import_path(library, path, fmt="hf-json")
    paper = library.get_paper(library.resolve("0704.0001"))
    assert paper.authors and paper.abstract and paper.published == date(2007, 4, 2)


def test_snapshot_array_skips_bad_items_by_number(library: Library, tmp_path: Path) -> None:
    path = tmp_path / "slice.json"
    path.write_text(json.dumps([RECORDS[0], {"id": "x"}, 5, RECORDS[1]]), encoding="utf-8")
    summary = import_path(library, path)
    assert (summary.added, summary.skipped) == (2, 2)
    assert summary.skip_reasons[0].startswith("item 2")


def test_hf_arrays_are_still_hf(tmp_path: Path) -> None:
    path = tmp_path / "daily.json"
    text = json.dumps([{"paper": {"id": "2601.01234", "title": "T", "summary": "S"}, "title": "T"}], indent=2)
    assert detect_format(path, text) == "hf-json"


def test_jsonl_with_a_first_line_longer_than_the_head(library: Library, tmp_path: Path) -> None:
    big = dict(RECORDS[0], authors=", ".join(f"Author {i}" for i in range(3000)))
    path = tmp_path / "big.jsonl"
    path.write_text(json.dumps(big) + "\n" + json.dumps(RECORDS[1]) + "\n", encoding="utf-8")
    summary = import_path(library, path)
    assert (summary.format, summary.added) == ("arxiv-snapshot", 2)
