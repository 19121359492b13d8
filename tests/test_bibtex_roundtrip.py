"""A paper exported to BibTeX and imported again is the same paper with the same text."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from quire import export
from quire.importers import import_path
from quire.models import ImportSummary, PaperRecord
from quire.store import Library

# Text that needs no escaping survives any exporter; the rest needs the exporter's TeX escaping.
PLAIN = [
    "Kollár's injectivity theorem and Gröbner bases",
    "A survey: 1% of LLMs & 50% of agents",
    "Math as written: $\\alpha$-helices",
    "Łukasz, Øre, Straße and Djoković",
]
ESCAPED = [
    "models~(LLMs) -- a ``quoted'' title",
    "Braces {kept} and a back\\slash",
    "snake_case, #hashtags, x^2 and $5 alone",
    "W$\\frac{o}{a}$nder",
]
HAS_ESCAPING = hasattr(export, "tex_escape")


@pytest.mark.parametrize(
    "title",
    [
        *PLAIN,
        *(
            pytest.param(t, marks=pytest.mark.skipif(not HAS_ESCAPING, reason="export escaping"))
            for t in ESCAPED
        ),
    ],
)
def test_export_then_import_gives_the_same_text(tmp_path: Path, title: str) -> None:
    source = Library(tmp_path / "a.sqlite3")
    record = PaperRecord(
        title=title,
        abstract=f"Abstract of {title}.",
        authors=["Joseph M. Reagle Jr.", "Ludwig van den Berg", "János Kollár"],
        published=date(2020, 5, 17),
        doi="10.1007/978-3-030-58558-7_29",
    )
    source.import_records([record], ImportSummary(path="mem", format="t"), "t")
    paper = source.get_papers(source.all_pids())[0]
    path = tmp_path / "out.bib"
    path.write_text(export.export_papers([paper], "bibtex"), encoding="utf-8")
    again = Library(tmp_path / "b.sqlite3")
    summary = import_path(again, path)
    assert summary.added == 1, summary.skip_reasons
    back = again.get_papers(again.all_pids())[0]
    assert (back.title, back.abstract, back.authors) == (paper.title, paper.abstract, paper.authors)
    assert (back.published, back.doi) == (paper.published, paper.doi)
    # and importing the export into the first library finds the same paper
    assert import_path(source, path).added == 0
    source.close()
    again.close()


def test_arxiv_paper_round_trips_by_id(tmp_path: Path) -> None:
    source = Library(tmp_path / "a.sqlite3")
    source.import_records(
        [
            PaperRecord(
                title="Attention Is All You Need",
                arxiv_id="1706.03762",
                authors=["Ashish Vaswani"],
                primary_category="cs.CL",
            )
        ],
        ImportSummary(path="mem", format="t"),
        "t",
    )
    path = tmp_path / "out.bib"
    path.write_text(export.export_papers(source.get_papers(source.all_pids()), "bibtex"), encoding="utf-8")
    summary = import_path(source, path)
    assert (summary.added, summary.unchanged + summary.updated) == (0, 1)
    assert source.get_paper(source.resolve("1706.03762")).primary_category == "cs.CL"
    source.close()
