"""Which records are the same paper: arXiv id, then DOI, then title with first author and year."""

from __future__ import annotations

import json
import sqlite3
from datetime import date
from pathlib import Path

from quire.importers import import_path
from quire.models import ImportSummary, PaperRecord, same_person
from quire.store import Library


def put(library: Library, *records: PaperRecord, source: str = "test") -> ImportSummary:
    return library.import_records(records, ImportSummary(path="mem", format=source), source)


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_two_editions_of_a_book_stay_apart(library: Library, tmp_path: Path) -> None:
    bib = write(
        tmp_path,
        "books.bib",
        """
      @book{arith2010, title={Arithmetic}, author={Lockhart, Paul}, year={2010}}
      @book{arith2013, title={Arithmetic}, author={Lockhart, Paul}, year={2013}}""",
    )
    summary = import_path(library, bib)
    assert (summary.added, summary.updated, summary.unchanged) == (2, 0, 0)
    assert sorted(p.published.year for p in library.get_papers(library.all_pids()) if p.published) == [
        2010,
        2013,
    ]


def test_journal_and_conference_versions_stay_apart(library: Library, tmp_path: Path) -> None:
    bib = write(
        tmp_path,
        "versions.bib",
        """
      @inproceedings{c, title={Deep Residual Learning}, author={He, Kaiming},
        booktitle={Proceedings of CVPR}, year={2016}}
      @article{j, title={Deep residual learning}, author={He, Kaiming},
        journal={IEEE Transactions on Pattern Analysis}, year={2016}}""",
    )
    assert import_path(library, bib).added == 2


def test_ten_entries_called_a_title_stay_apart(library: Library, tmp_path: Path) -> None:
    entries = [
        f"@article{{k{i}, title={{A title}}, author={{Author{i}, Ann}}, year={{20{i:02d}}}}}"
        for i in range(10)
    ]
    summary = import_path(library, write(tmp_path, "many.bib", "\n".join(entries)))
    assert (summary.added, summary.updated, summary.unchanged) == (10, 0, 0)
    again = import_path(library, tmp_path / "many.bib")
    assert (again.added, again.unchanged) == (0, 10)  # and each finds itself on re-import


def test_same_doi_is_one_paper_whatever_the_title(library: Library) -> None:
    put(library, PaperRecord(title="A Paper", doi="10.1000/ABC", authors=["Ada Example"]))
    summary = put(
        library,
        PaperRecord(title="A paper: the journal version", doi="10.1000/abc", published=date(2020, 1, 1)),
    )
    assert (summary.added, summary.updated) == (0, 1) and library.count() == 1


def test_different_dois_same_title_are_two_papers(library: Library) -> None:
    put(
        library,
        PaperRecord(title="Survey", doi="10.1000/one"),
        PaperRecord(title="Survey", doi="10.1000/two"),
    )
    assert library.count() == 2


def test_title_author_year_identity(library: Library) -> None:
    put(library, PaperRecord(title="On Things", authors=["John Smith"], published=date(2019, 5, 1)))
    same = put(
        library, PaperRecord(title="On things", authors=["J. Smith", "B. Other"], published=date(2019, 1, 1))
    )
    other_author = put(
        library, PaperRecord(title="On things", authors=["John Doe"], published=date(2019, 1, 1))
    )
    other_year = put(
        library, PaperRecord(title="On things", authors=["John Smith"], published=date(2021, 1, 1))
    )
    assert (same.updated, other_author.added, other_year.added) == (1, 1, 1)
    assert library.count() == 3


def test_bare_title_falls_back_to_title(library: Library) -> None:
    put(library, PaperRecord(title="Lonely Title", authors=["Ada Example"], published=date(2020, 1, 1)))
    summary = put(library, PaperRecord(title="LONELY TITLE", upvotes=3))
    assert (summary.added, summary.updated) == (0, 1) and library.count() == 1


def test_hf_paper_merges_with_google_scholar_entry(library: Library, tmp_path: Path) -> None:
    hf = write(
        tmp_path,
        "hf.json",
        json.dumps(
            [
                {
                    "paper": {
                        "id": "2306.13394",
                        "title": "MME: A Comprehensive Evaluation Benchmark",
                        "authors": [{"name": "Chaoyou Fu"}],
                        "publishedAt": "2023-06-23T17:00:00.000Z",
                        "summary": "An abstract.",
                        "upvotes": 5,
                    }
                }
            ]
        ),
    )
    import_path(library, hf)
    pid = library.resolve("2306.13394")
    library.add_tags([pid], ["benchmarks"])
    scholar = write(
        tmp_path,
        "scholar.bib",
        """@article{fu2023mme,
      title={MME: A comprehensive evaluation benchmark for multimodal large language models},
      author={Fu, Chaoyou and Chen, Peixian and others},
      journal={arXiv preprint arXiv:2306.13394},
      year={2023}
    }""",
    )
    summary = import_path(library, scholar)
    assert (summary.added, summary.updated) == (0, 1)
    paper = library.get_paper(pid)
    assert set(paper.sources) == {"hf-json", "bibtex"}
    assert paper.annotation.tags == ["benchmarks"]
    assert paper.authors == ["Chaoyou Fu", "Peixian Chen"] and paper.upvotes == 5


def test_annotations_merge_when_two_records_turn_out_to_be_one(library: Library) -> None:
    put(library, PaperRecord(title="Merging Paper"))
    first = library.all_pids()[0]
    library.add_tags([first], ["a"])
    library.set_note(first, "from the title-only copy")
    put(library, PaperRecord(title="Merging paper", arxiv_id="2401.00077", authors=["Ada Example"]))
    paper = library.get_paper(library.resolve("2401.00077"))
    assert paper.pid == first
    assert paper.annotation.tags == ["a"] and paper.annotation.note == "from the title-only copy"


def test_doi_match_folds_title_only_duplicates(library: Library) -> None:
    # Imported under the old title-only identity: two rows, one with a DOI.
    put(library, PaperRecord(title="Twice", doi="10.1000/twice", authors=["Ada Example"]))
    pid = library.all_pids()[0]
    library.add_tags([pid], ["kept"])
    put(library, PaperRecord(title="Twice", arxiv_id="2401.00099"))
    assert library.count() == 1
    assert library.get_paper(library.resolve("2401.00099")).annotation.tags == ["kept"]


def test_arxiv_doi_does_not_conflict_with_a_journal_doi(library: Library) -> None:
    put(library, PaperRecord(title="Preprint", arxiv_id="2401.00123", doi="10.48550/arXiv.2401.00123"))
    summary = put(library, PaperRecord(title="Preprint", doi="10.1000/published"))
    assert summary.updated == 1 and library.count() == 1


def test_doi_column_is_indexed(library: Library) -> None:
    plan = (
        sqlite3.connect(library.path)
        .execute("EXPLAIN QUERY PLAN SELECT pid FROM papers WHERE lower(doi) IN ('x')")
        .fetchall()
    )
    assert "papers_doi" in str(plan)


def test_same_person_spellings() -> None:
    assert same_person("J. Smith", "John Smith")
    assert same_person("Wang Wei", "Wei Wang")
    assert same_person("Joseph M. Reagle Jr.", "Reagle, Joseph")
    assert same_person("Kollár, János", "Janos Kollar")
    assert not same_person("John Smith", "John Doe")


def test_same_title_papers_get_their_own_short_ids(library: Library, tmp_path: Path) -> None:
    bib = write(
        tmp_path,
        "books.bib",
        """
      @book{a, title={Arithmetic}, author={Lockhart, Paul}, year={2010}}
      @book{b, title={Arithmetic}, author={Lockhart, Paul}, year={2013}}
      @book{c, title={Arithmetic}, author={Other, Ann}, year={2013}}""",
    )
    import_path(library, bib)
    papers = library.get_papers(library.all_pids())
    assert len({p.short_id for p in papers}) == 3
    for paper in papers:
        assert library.resolve(paper.short_id) == paper.pid
