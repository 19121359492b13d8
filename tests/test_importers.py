"""Importers other than HF text, detection, and every kind of bad input."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from conftest import FIXTURES, TODAY, dump
from quire.importers import ImportFailure, detect_format, import_path
from quire.store import Library


def papers(library: Library) -> dict[str, object]:
    return {p.id: p for p in library.get_papers(library.all_pids())}


def test_hf_json_array(library: Library) -> None:
    summary = import_path(library, FIXTURES / "hf_daily.json")
    assert (summary.format, summary.added, summary.skipped) == ("hf-json", 2, 2)
    assert any("item 3" in r for r in summary.skip_reasons)
    paper = library.get_paper(library.resolve("2601.01234"))
    assert paper.authors == ["Ada Example", "Bo Sample"]
    assert paper.published == date(2026, 1, 5)
    assert (paper.upvotes, paper.comments, paper.github_stars) == (10, 1, 9)
    assert paper.github_repo == "https://github.com/example/repo"
    assert paper.keywords == ["mixture of experts", "routing"]
    assert (paper.org_handle, paper.org_name) == ("ExampleLab", "Example Lab")
    assert paper.abstract is not None and "\n" not in paper.abstract  # hard wraps joined


def test_hf_json_single_object_updates(library: Library) -> None:
    import_path(library, FIXTURES / "hf_daily.json")
    summary = import_path(library, FIXTURES / "hf_paper.json")
    assert (summary.added, summary.updated) == (0, 1)
    paper = library.get_paper(library.resolve("2601.01234"))
    assert paper.upvotes == 42  # newer value wins
    assert paper.github_repo == "https://github.com/example/repo"  # absent in the newer: kept
    assert paper.authors == ["Ada Example"]


def test_arxiv_atom(library: Library) -> None:
    summary = import_path(library, FIXTURES / "arxiv.atom")
    assert (summary.format, summary.added, summary.skipped) == ("arxiv-atom", 2, 1)
    paper = library.get_paper(library.resolve("2206.01234"))
    assert paper.version == "v3"
    assert paper.title == "A Made-Up Title About Graph Neural Networks"
    assert paper.abstract == "A made-up abstract that is hard-wrapped over lines."
    assert paper.authors == ["Ada Example", "Bo Sample"]
    assert paper.categories == ["cs.LG", "stat.ML"] and paper.primary_category == "cs.LG"
    assert (paper.doi, paper.comment) == ("10.0000/example", "12 pages")
    assert paper.published == date(2022, 6, 14) and paper.updated == date(2025, 1, 30)
    assert paper.pdf_url == "https://arxiv.org/pdf/2206.01234v3"
    old = library.get_paper(library.resolve("hep-th/9901001"))
    assert old.pdf_url == "http://arxiv.org/pdf/hep-th/9901001v1"


def test_arxiv_api_error_feed(library: Library) -> None:
    with pytest.raises(ImportFailure, match="arXiv API returned an error: incorrect id format"):
        import_path(library, FIXTURES / "arxiv_error.atom")


def test_arxiv_snapshot_streams_and_skips_broken_lines(library: Library) -> None:
    summary = import_path(library, FIXTURES / "snapshot.jsonl")
    assert (summary.format, summary.added, summary.skipped) == ("arxiv-snapshot", 3, 1)
    assert "line 3" in summary.skip_reasons[0]
    first = library.get_paper(library.resolve("0704.0001"))
    assert first.title.startswith("Calculation of prompt diphoton production cross sections at")
    assert "\n" not in first.title
    assert first.authors[0] == "C. Balázs"
    assert first.published == date(2007, 4, 2) and first.version == "v2"
    assert first.categories == ["hep-ph"] and first.doi == "10.1103/PhysRevD.76.013009"
    accent = library.get_paper(library.resolve("0704.0003"))
    assert accent.authors == ["Müller", "Hans"] or accent.authors[0].startswith("Müller")


def test_bibtex_import(library: Library) -> None:
    summary = import_path(library, FIXTURES / "papers.bib")
    assert (summary.format, summary.added) == ("bibtex", 2)
    paper = library.get_paper(library.resolve("2206.01234"))
    assert paper.title == "A Made-Up Title About Graph Neural Networks"
    assert paper.authors == ["Ada Example", "Bo Sample"]
    journal = next(p for p in library.get_papers(library.all_pids()) if p.arxiv_id is None)
    assert journal.authors == ["Hans Müller"] and journal.published == date(2021, 3, 1)


def test_bibtex_merges_with_atom(library: Library) -> None:
    import_path(library, FIXTURES / "arxiv.atom")
    summary = import_path(library, FIXTURES / "papers.bib")
    assert summary.added == 1  # the @misc entry is the Atom paper
    paper = library.get_paper(library.resolve("2206.01234"))
    assert set(paper.sources) == {"arxiv-atom", "bibtex"}


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("000_b8500a6a0056c58d.txt", "hf-text"),
        ("hf_daily.json", "hf-json"),
        ("hf_paper.json", "hf-json"),
        ("arxiv.atom", "arxiv-atom"),
        ("snapshot.jsonl", "arxiv-snapshot"),
        ("papers.bib", "bibtex"),
    ],
)
def test_detection(name: str, expected: str) -> None:
    path = FIXTURES / name
    assert detect_format(path, path.read_text(encoding="utf-8")[:8192]) == expected


# -- bad input: a clear message naming the file, and the library exactly as it was ----------

BAD_INPUTS = {
    "binary.bin": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 10, "binary"),
    "empty.txt": (b"", "empty"),
    "blank.json": (b"   \n\n", "empty"),
    "truncated.json": (b'[{"paper": {"id": "2601.1", "title": "x"', "line 1, column"),
    "rss.xml": ((FIXTURES / "not_atom.xml").read_bytes(), "not an Atom feed"),
    "broken.xml": (b"<?xml version='1.0'?><feed><entry>", "not well-formed XML"),
    "latin1.txt": (
        "Daily Papers\n\nCaf\xe9 title\n\n".encode("latin-1") + b"x" * 600,
        "not UTF-8 text (byte 0xe9",
    ),
    "nopapers.txt": (
        b"new\n\nDaily Papers\n\nbyAK and the research community\n\nNov 13\n",
        "no papers found",
    ),
    "notes.txt": (b"just some notes\nthat are not papers\n", "not a format quire reads"),
    "empty_array.json": (b"[]", "no papers found"),
    "snapshot_bad.jsonl": (b'{"id": "1", "abstract": "x"}\n{"nope": 1}\n', "no papers found"),
}


@pytest.mark.parametrize("name", sorted(BAD_INPUTS))
def test_bad_input_is_refused_and_library_unchanged(seeded: Library, tmp_path: Path, name: str) -> None:
    data, message = BAD_INPUTS[name]
    path = tmp_path / name
    path.write_bytes(data)
    before = dump(seeded.path)
    with pytest.raises(ImportFailure) as caught:
        import_path(seeded, path, today=TODAY)
    assert str(path) in str(caught.value)
    assert message in str(caught.value)
    assert dump(seeded.path) == before


def test_missing_file(library: Library, tmp_path: Path) -> None:
    from quire.importers import iter_import_files

    with pytest.raises(ImportFailure, match="no such file"):
        iter_import_files(tmp_path / "nope.txt")


def test_failure_mid_file_rolls_back(seeded: Library, tmp_path: Path) -> None:
    # Good lines first, then invalid UTF-8 deep in the file: nothing of it may be kept.
    good = (FIXTURES / "snapshot.jsonl").read_bytes().splitlines(keepends=True)[:2]
    path = tmp_path / "half.jsonl"
    path.write_bytes(b"".join(good) + b'{"id": "9", "title": "caf\xe9"}\n')
    before = dump(seeded.path)
    with pytest.raises(ImportFailure, match="line 3: not UTF-8"):
        import_path(seeded, path)
    assert dump(seeded.path) == before
