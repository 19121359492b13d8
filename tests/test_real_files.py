"""Files shaped like the ones real tools write (see tests/fixtures/real/README.md).

Each file's paper count is checked against a count made without the importer (entries counted
by a pattern, JSON items by ``json``, Atom entries by tag), then a few records field by field.
"""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import pytest

from conftest import FIXTURES
from quire.importers import import_path
from quire.models import ImportSummary, Paper
from quire.search import SearchIndex
from quire.store import Library

REAL = FIXTURES / "real"
_ENTRY = re.compile(r"^\s*@(?!string\b|comment\b|preamble\b)\w+\s*[{(]", re.I | re.M)


def independent_count(path: Path) -> int:
    """How many records the file holds, counted without quire's importers."""
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".bib":
        return len(_ENTRY.findall(text))
    if path.suffix == ".json":
        data = json.loads(text)
        return len(data) if isinstance(data, list) else 1
    return text.count("<entry>")


def by_title(library: Library) -> dict[str, Paper]:
    return {p.title: p for p in library.get_papers(library.all_pids())}


# (file, papers added, records skipped on purpose)
EXPECTED = [
    ("google_scholar.bib", 6, 0),
    ("zotero.bib", 5, 0),
    ("mendeley.bib", 5, 0),
    ("jabref_biblatex.bib", 5, 1),  # the @Proceedings the others crossref
    ("dblp.bib", 3, 0),
    ("bibtexparser_traps.bib", 7, 2),  # a duplicate key, an entry that never closes
    ("arxiv_api.atom", 3, 0),
    ("hf_daily_papers.json", 3, 0),
    ("snapshot_slice.json", 3, 0),
]


@pytest.mark.parametrize(("name", "added", "skipped"), EXPECTED)
def test_every_record_is_accounted_for(library: Library, name: str, added: int, skipped: int) -> None:
    path = REAL / name
    summary = import_path(library, path)
    assert summary.added + summary.updated + summary.unchanged + summary.skipped == independent_count(path)
    assert (summary.added, summary.skipped) == (added, skipped), summary.skip_reasons
    assert library.count() == added
    for paper in library.get_papers(library.all_pids()):
        for text in (paper.title, paper.abstract or "", *paper.authors):
            assert "\\" not in text.replace("$\\", "") or "$" in text, text  # TeX only in math
            assert "{" not in text or "$" in text, text


def test_readme_names_every_fixture() -> None:
    readme = (REAL / "README.md").read_text(encoding="utf-8")
    for path in REAL.iterdir():
        if path.name != "README.md":
            assert f"`{path.name}`" in readme, path.name
    assert {name for name, _, _ in EXPECTED} == {p.name for p in REAL.iterdir() if p.name != "README.md"}


def test_google_scholar_fields(library: Library) -> None:
    import_path(library, REAL / "google_scholar.bib")
    papers = by_title(library)
    mme = library.get_paper(library.resolve("2306.13394"))
    assert mme.author_count == 10 and "others" not in mme.authors
    assert mme.journal_ref == "arXiv preprint arXiv:2306.13394"
    survey = library.get_paper(library.resolve("2303.18223"))
    assert survey.title == ("A survey of large language models~(LLMs): Analysis & Insights on 1% of examples")
    attention = papers["Attention is all you need"]
    assert attention.authors[6] == "Łukasz Kaiser" and attention.published == date(2017, 1, 1)
    assert papers["The postcranial anatomy of Procolophon and De Anima revisited"].authors == [
        "Roger M. H. Smith",
        "Juri A. van den Heever",
    ]
    nerf = papers["Nerf: Representing scenes as neural radiance fields for view synthesis"]
    assert nerf.doi == "10.1007/978-3-030-58452-8_24"
    assert nerf.journal_ref == "European conference on computer vision"


def test_zotero_fields(library: Library) -> None:
    import_path(library, REAL / "zotero.bib")
    papers = by_title(library)
    adam = library.get_paper(library.resolve("1412.6980"))
    assert adam.title == "Adam: A Method for Stochastic Optimization"
    assert adam.published == date(2017, 1, 1) and adam.doi == "10.48550/arXiv.1412.6980"
    assert adam.keywords == ["Computer Science - Machine Learning"]
    assert papers["“Be nice”: Wikipedia norms for supportive communication"].authors == [
        "Joseph M. Reagle Jr."
    ]
    notebooks = papers["Reproducibility <and> provenance of Jupyter notebooks"]
    assert notebooks.authors[0] == "Joseph J. Pimentel Jr." and notebooks.author_count == 4
    assert notebooks.published == date(2019, 5, 1)
    assert papers["Higher direct images of dualizing sheaves. I"].authors == ["János Kollár"]


def test_mendeley_fields(library: Library) -> None:
    import_path(library, REAL / "mendeley.bib")
    papers = by_title(library)
    assert library.get_paper(library.resolve("1603.02754")).published == date(2016, 3, 1)
    assert library.get_paper(library.resolve("1510.06120")).authors == [
        "Anne Broadbent",
        "Christian Schaffner",
    ]
    renyi = papers["On Measures of Entropy and Information"]
    assert renyi.authors == ["Alfréd Rényi"]
    assert renyi.abstract == (
        "The Rényi entropy generalises Shannon's; here its properties are studied for $\\alpha > 0$."
    )
    assert papers["Privacy Amplification in the Isolated Qubits Model"].doi == "10.1007/978-3-662-46803-6_26"
    qkd = next(p for t, p in papers.items() if t.startswith("Implementation of Continuous"))
    assert qkd.authors[1:3] == ["Vitus Händchen", "Jörg Duhme"] and qkd.author_count == 8


def test_jabref_biblatex_fields(library: Library) -> None:
    import_path(library, REAL / "jabref_biblatex.bib")
    papers = by_title(library)
    merges = papers["Log-structured merges for the rest of us"]
    assert merges.journal_ref == "Proceedings of the ACM Symposium on Made-Up Systems"  # @String #
    assert merges.published == date(2020, 5, 1)
    assert merges.authors == ["Jane Doe", "Jean de la Fontaine"]
    logs = papers["Shared logs without consensus"]
    assert logs.published == date(2020, 5, 1)  # only through crossref
    assert logs.journal_ref == "Proceedings of the ACM Symposium on Made-Up Systems"
    assert papers["Collected letters"].published == date(1984, 1, 1)
    gauss = papers["On the theory of residues"]
    assert gauss.authors == ["Carl Friedrich Gauß"] and gauss.keywords == ["number theory", "classics"]
    notes = library.get_paper(library.resolve("2311.01234"))
    assert notes.version == "v2" or notes.version is None
    assert notes.authors == ["Andrew Wiles"] and notes.author_count == 1


def test_dblp_fields(library: Library) -> None:
    import_path(library, REAL / "dblp.bib")
    corr = library.get_paper(library.resolve("1512.03385"))
    assert corr.published == date(2015, 1, 1) and corr.journal_ref == "CoRR"
    assert corr.authors == ["Kaiming He", "Xiangyu Zhang", "Shaoqing Ren", "Jian Sun"]
    cvpr = next(p for p in library.get_papers(library.all_pids()) if p.doi == "10.1109/CVPR.2016.90")
    assert cvpr.arxiv_id is None and cvpr.pid != corr.pid  # the preprint and the paper: two
    assert cvpr.id != corr.id
    assert library.resolve(cvpr.id) == cvpr.pid
    assert library.get_paper(library.resolve("hep-th/9901001")).title == "An old-style preprint"


def test_bibtexparser_traps_fields(library: Library) -> None:
    summary = import_path(library, REAL / "bibtexparser_traps.bib")
    papers = by_title(library)
    assert papers["An amazing title"].authors == ["Jean César"]
    assert papers["An amazing title"].published == date(2013, 1, 1)
    assert papers["Cool Stuff"].authors == ["John Doe"]
    assert papers["Cool Stuff"].journal_ref == "My International Conference"
    assert papers["A simpler proof of weak coin flipping"].authors == [
        "Dorit Aharonov",
        "André Chailloux",
        "Loïck Magnin",
    ]
    assert "A second entry under the same key" not in papers
    assert any("duplicate citation key 'Unruh2004'" in r for r in summary.skip_reasons)
    assert "An entry after the broken one" in papers
    assert {"Circle one", "Circle two"} <= set(papers)  # a crossref cycle is harmless


def test_arxiv_api_fields(library: Library) -> None:
    import_path(library, REAL / "arxiv_api.atom")
    kollar = library.get_paper(library.resolve("1101.0011"))
    assert kollar.title == "Kollár's injectivity theorem for log canonical pairs"
    assert kollar.authors == ["Osamu Fujino", "János Kollár"] and kollar.version == "v2"
    assert kollar.abstract is not None and "Gröbner-free" in kollar.abstract
    assert "$\\mathbb{Q}$-divisors" in kollar.abstract
    old = library.get_paper(library.resolve("math/0601001"))
    assert old.doi == "10.1016/j.jalgebra.2006.01.001"
    assert old.abstract == "Plain text abstract with 10% of the usual TeX and a ~ tilde."
    assert old.categories == ["math.AC", "math.CO"]


def test_hf_daily_papers_fields(library: Library) -> None:
    import_path(library, REAL / "hf_daily_papers.json")
    mixtral = library.get_paper(library.resolve("2401.04088"))
    assert mixtral.authors == ["Albert Q. Jiang", "Alexandre Sablayrolles", "Antoine Roux"]
    assert (mixtral.upvotes, mixtral.comments, mixtral.org_name) == (150, 5, "Mistral AI")
    mme = library.get_paper(library.resolve("2306.13394"))
    assert mme.published == date(2023, 6, 23) and mme.keywords == ["MLLM", "benchmark"]


def test_snapshot_slice_fields(library: Library) -> None:
    import_path(library, REAL / "snapshot_slice.json")
    note = library.get_paper(library.resolve("0704.0046"))
    assert note.title == "A note on Kollár's conjecture and Gröbner degenerations"
    assert note.authors == ["P. Kollár", "M. Gröbner", "D. Djoković"]
    assert note.abstract == (
        "Following Djoković, we show that 50% of cases reduce to "
        "$\\mathbb{P}^1$ and the rest to a 10% remainder."
    )
    sparse = library.get_paper(library.resolve("0704.0002"))
    assert sparse.version == "v2" and sparse.published == date(2007, 3, 31)
    assert sparse.categories == ["math.CO", "cs.CG"]
    assert library.get_paper(library.resolve("hep-th/9901001")).version == "v3"


def test_the_same_paper_from_three_sources_is_one_paper(library: Library) -> None:
    summaries: list[ImportSummary] = [
        import_path(library, REAL / name)
        for name in ("hf_daily_papers.json", "arxiv_api.atom", "google_scholar.bib")
    ]
    mme = library.get_paper(library.resolve("2306.13394"))
    assert set(mme.sources) == {"hf-json", "arxiv-atom", "bibtex"}
    assert summaries[2].added == 5  # MME merged; the five others are new
    index = SearchIndex.build(library)
    assert index.search("Kollar injectivity").pids[0] == library.resolve("1101.0011")
    assert index.search("grobner toric").pids[0] == library.resolve("math/0601001")
