"""TeX decoding shared by the importers, and BibTeX read the way BibTeX means it."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from quire.importers import import_path
from quire.importers.base import ParseContext
from quire.importers.bibtex import read_bibtex, resolve_value
from quire.importers.tex import tex_to_text
from quire.models import PaperRecord
from quire.search import SearchIndex
from quire.store import Library


def read(text: str) -> tuple[list[PaperRecord], list[str]]:
    ctx = ParseContext(path=Path("test.bib"))
    records = list(read_bibtex(text, ctx))
    return records, ctx.skipped


def one(text: str) -> PaperRecord:
    records, skipped = read(text)
    assert len(records) == 1, skipped
    return records[0]


# -- TeX to text --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tex", "text"),
    [
        (r"Koll\'ar's injectivity theorem", "Kollár's injectivity theorem"),
        (r"Gr\"obner bases", "Gröbner bases"),
        (r"Djokovi\'{c} and {\"O}zt{\"u}rk", "Djoković and Öztürk"),
        (r"The postcranial anatomy of \textit{Procolophon}", "The postcranial anatomy of Procolophon"),
        (r"\emph{De Anima}", "De Anima"),
        (r"{\em De Anima} again", "De Anima again"),
        (r"Analysis \& Insights on 1\% of examples", "Analysis & Insights on 1% of examples"),
        (r"models\textasciitilde(LLMs)", "models~(LLMs)"),
        (r"{\o}re {\ss} \L{}ukasz \'\i{} {\aa} \c c \v{S}koda", "øre ß Łukasz í å ç Škoda"),
        (r"p\'{e}riodes \`a l'\'{e}cole", "périodes à l'école"),
        (r"\textbf{a \textit{b {\"u}} c}", "a b ü c"),
        (r"costs \$5", "costs $5"),
        (r"\LaTeX{} and \TeX", "LaTeX and TeX"),
    ],
)
def test_tex_accents_and_markup_become_text(tex: str, text: str) -> None:
    assert tex_to_text(tex) == text


@pytest.mark.parametrize(
    "math",
    [
        r"W$\frac{o}{a}$nder",
        r"$\alpha$-helix",
        r"$$\sum_i x_i$$",
        r"\(x^2\) and \[y\]",
    ],
)
def test_tex_math_stays_as_written(math: str) -> None:
    assert tex_to_text(math) == math
    assert tex_to_text(math, bibtex=True) == math


def test_tex_leaves_plain_text_and_bare_percent_alone() -> None:
    text = "A 10% gain for ~100 GeV -- and {0,1} sets"
    assert tex_to_text(text) is text  # no backslash: untouched, not even copied
    assert tex_to_text(r"a 10% gain, \'e") == "a 10% gain, é"  # a bare % is not a comment


def test_tex_bibtex_ties_dashes_quotes_and_braces() -> None:
    assert (
        tex_to_text(r"Salvatoris~-- {G}raph ``x'' ---", bibtex=True)
        == "Salvatoris – Graph \u201cx\u201d \u2014"
    )


@pytest.mark.parametrize(
    "junk",
    [
        "\\",
        "\\'",
        "{{{{",
        "}}}",
        "\\textbf{" * 50,
        "$",
        "$$",
        "\\(",
        "\\" * 9,
        "\\\u00e9",
        "\\" + "\\'{" * 40,
    ],
)
def test_tex_survives_broken_markup(junk: str) -> None:
    assert isinstance(tex_to_text(junk), str)
    assert isinstance(tex_to_text(junk, bibtex=True), str)


def test_tex_deep_nesting_does_not_recurse_without_bound() -> None:
    text = "\\textbf{" * 5000 + "deep" + "}" * 5000
    assert tex_to_text(text) == "deep"


# -- BibTeX: text and DOIs ----------------------------------------------------------------


def test_bibtex_title_and_abstract_decoded() -> None:
    paper = one(r"""@article{k,
      title = {The postcranial anatomy of \textit{Procolophon}: Analysis \& Insights},
      abstract = {Only 1\% of models\textasciitilde(LLMs) say W$\frac{o}{a}$nder; Koll\'ar.},
      author = {Koll{\'a}r, J{\'a}nos}, year = 2020}""")
    assert paper.title == "The postcranial anatomy of Procolophon: Analysis & Insights"
    assert paper.abstract == r"Only 1% of models~(LLMs) say W$\frac{o}{a}$nder; Kollár."
    assert paper.authors == ["János Kollár"]


@pytest.mark.parametrize(
    ("raw", "doi"),
    [
        (r"10.1007/978-3-030-58558-7\_29", "10.1007/978-3-030-58558-7_29"),
        ("https://doi.org/10.1145/3292500.3330701", "10.1145/3292500.3330701"),
        ("doi:10.1000/xyz", "10.1000/xyz"),
        ("not a doi", None),
    ],
)
def test_bibtex_doi_unescaped_and_checked(raw: str, doi: str | None) -> None:
    assert one(f"@misc{{k, title={{T}}, doi={{{raw}}}}}").doi == doi


# -- BibTeX: names ------------------------------------------------------------------------


def test_bibtex_names_first_von_last_jr_and_others() -> None:
    paper = one(r"""@book{k, title = {T},
      author = {Reagle, Jr., Joseph M. and {Pimentel, Jr.,Joseph J.} and Ludwig van den Berg
                and de la Fontaine, Jean and M{\"u}ller, Hans and {Barnes and Noble} and others}}""")
    assert paper.authors == [
        "Joseph M. Reagle Jr.",
        "Joseph J. Pimentel Jr.",
        "Ludwig van den Berg",
        "Jean de la Fontaine",
        "Hans Müller",
        "Barnes and Noble",
    ]
    assert paper.author_count == 6  # "others" is not an author and is not counted


def test_bibtex_only_others_means_no_authors() -> None:
    paper = one("@misc{k, title={T}, author={others}}")
    assert paper.authors == [] and paper.author_count is None


def test_bibtex_editors_when_no_author() -> None:
    assert one("@book{k, title={T}, editor={Knuth, Donald E.}}").authors == ["Donald E. Knuth"]


# -- BibTeX: arXiv ids, wherever they are ---------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "arxiv_id", "version"),
    [
        ("eprint={1503.06733}, archivePrefix={arXiv}", "1503.06733", None),
        ("eprint={arXiv:1503.06733v2}", "1503.06733", "v2"),
        ("eprint={1503.06733}, eprinttype={arxiv}", "1503.06733", None),
        ("url={http://arxiv.org/abs/1503.06733}", "1503.06733", None),
        ("url={https://arxiv.org/pdf/2306.13394v3.pdf}", "2306.13394", "v3"),
        ("journal={arXiv preprint arXiv:2306.13394}", "2306.13394", None),
        ("journal={ArXiv}, volume={abs/2306.13394}", "2306.13394", None),
        ("journal={CoRR}, volume={abs/1503.06733}", "1503.06733", None),
        ("note={arXiv:2306.13394}", "2306.13394", None),
        ("howpublished={\\url{https://arxiv.org/abs/2306.13394}}", "2306.13394", None),
        ("doi={10.48550/arXiv.2306.13394}", "2306.13394", None),
        ("doi={10.48550/ARXIV.2306.13394}", "2306.13394", None),
        ("journal={arXiv e-prints}, eprint={0704.0001}", "0704.0001", None),
        ("note={arXiv:hep-th/9901001v1}", "hep-th/9901001", "v1"),
        ("url={https://arxiv.org/abs/math.AG/0601001}", "math.AG/0601001", None),
        ("doi={10.48550/arXiv.hep-th/9901001}", "hep-th/9901001", None),
        ("eprint={hal-01234}, archivePrefix={HAL}", None, None),
        ("journal={Nature}, volume={521}", None, None),
    ],
)
def test_bibtex_arxiv_id_in_every_place(fields: str, arxiv_id: str | None, version: str | None) -> None:
    paper = one(f"@article{{k, title={{T}}, {fields}}}")
    assert (paper.arxiv_id, paper.version) == (arxiv_id, version)


def test_bibtex_id_search_is_linear_on_a_300kb_field() -> None:
    # A url of 22,000 repeated "arxiv.org/abs/" took 8 s at 70 KB with the old pattern.
    junk = "arxiv.org/abs/" * 22_000 + "arXiv:" * 5_000
    assert len(junk) > 300_000
    paper = one(f"@misc{{k, title={{T}}, url={{{junk}}}, note={{{junk} arXiv:2306.13394}}}}")
    assert paper.arxiv_id == "2306.13394"


# -- BibTeX: strings, crossref, dates, duplicate keys ---------------------------------------


def test_bibtex_string_concatenation() -> None:
    paper = one("""@string{cool = "Cool"}
      @STRING{stuff = {Stuff} # " and " # Cool}
      @misc{k, title = cool # " " # stuff, year = 2020, month = mar}""")
    assert paper.title == "Cool Stuff and Cool"
    assert paper.published == date(2020, 3, 1)
    assert resolve_value('{A} # unknown # "B" # 12', {}) == "AunknownB12"


def test_bibtex_crossref_inherits_year_and_booktitle() -> None:
    records, skipped = read("""@inproceedings{child, title={A Paper}, author={Ada Example},
        crossref={conf99}}
      @proceedings{conf99, title={Proceedings of the Made-Up Conference}, year={1999},
        month={June}, publisher={ACM}}""")
    assert [r.title for r in records] == ["A Paper"]
    assert records[0].published == date(1999, 6, 1)
    assert records[0].journal_ref == "Proceedings of the Made-Up Conference"
    assert any("crossref" in s for s in skipped)  # the volume itself is not a paper


def test_bibtex_crossref_cycle_is_harmless() -> None:
    records, _ = read("@misc{a, title={A}, crossref={b}}\n@misc{b, title={B}, crossref={a}}")
    assert sorted(r.title for r in records) == ["A", "B"]


@pytest.mark.parametrize(
    ("fields", "day"),
    [
        ("date={1984/1986}", date(1984, 1, 1)),
        ("date={2020-05}", date(2020, 5, 1)),
        ("date={2020}", date(2020, 1, 1)),
        ("date={2020-05-17}", date(2020, 5, 17)),
        ("date={2020-02-31}", date(2020, 2, 1)),
        ("date={garbage}, year={2019}", date(2019, 1, 1)),
        ("year={2021}, month={December}", date(2021, 12, 1)),
        ("year={2021}, month={7}", date(2021, 7, 1)),
        ("year={in press}", None),
    ],
)
def test_bibtex_dates(fields: str, day: date | None) -> None:
    assert one(f"@misc{{k, title={{T}}, {fields}}}").published == day


def test_bibtex_duplicate_key_is_named() -> None:
    records, skipped = read("@misc{same, title={First}}\n\n@misc{same, title={Second}}\n")
    assert [r.title for r in records] == ["First"]
    assert skipped == [
        "line 3: duplicate citation key 'same' (already used on line 1); "
        "give the entry its own key to import it"
    ]


def test_bibtex_broken_entry_is_skipped_with_its_line() -> None:
    records, skipped = read("@misc{a, title={A}}\n@misc{b, title={B\n")
    assert [r.title for r in records] == ["A"]
    assert skipped and skipped[0].startswith("line 2: not a BibTeX entry that can be read")


# -- search sees what a reader sees ---------------------------------------------------------


def test_search_finds_accented_names_both_ways(library: Library, tmp_path: Path) -> None:
    lines = [
        {
            "id": "1101.0001",
            "title": r"Koll\'ar's injectivity theorem for \emph{log} pairs",
            "abstract": r"We extend a theorem of Koll\'ar.",
            "authors": r"J\'anos Koll\'ar",
            "authors_parsed": [["Koll\\'ar", "J\\'anos", ""]],
            "versions": [],
            "categories": "math.AG",
        },
        {
            "id": "1101.0002",
            "title": r"Gr\"obner bases of modules",
            "abstract": "Plain.",
            "authors": "B. Buchberger",
            "versions": [],
            "categories": "math.AC",
        },
    ]
    path = tmp_path / "snap.jsonl"
    path.write_text("\n".join(json.dumps(line) for line in lines) + "\n", encoding="utf-8")
    import_path(library, path)
    paper = library.get_paper(library.resolve("1101.0001"))
    assert paper.title == "Kollár's injectivity theorem for log pairs"
    assert paper.authors == ["János Kollár"]
    index = SearchIndex.build(library)
    for query in ("Kollar injectivity", "Kollár injectivity", "kollar"):
        assert index.search(query).pids == [paper.pid], query
    groebner = library.resolve("1101.0002")
    for query in ('"Gröbner bases"', '"Grobner bases"', "grobner bases", "gröbner"):
        assert index.search(query).pids == [groebner], query


# -- fuzzed: the decoder never fails, and leaves markup-free text alone ----------------------

_TEXISH = st.text(alphabet=st.sampled_from(list("ab \\{}$'\"~^_%&#()[]-`cvuHemph\n")), max_size=60)


@settings(max_examples=200, deadline=None, database=None)
@given(text=_TEXISH, bibtex=st.booleans())
def test_tex_to_text_never_fails(text: str, bibtex: bool) -> None:
    out = tex_to_text(text, bibtex=bibtex)
    assert isinstance(out, str)
    assert len(out) <= len(text) * 4 + 8  # no blow-up


@settings(max_examples=100, deadline=None, database=None)
@given(text=st.text(alphabet=st.characters(blacklist_characters="\\$"), max_size=80))
def test_tex_to_text_leaves_text_without_backslash_alone(text: str) -> None:
    assert tex_to_text(text) == text


def test_hf_json_titles_and_summaries_are_decoded(library: Library, tmp_path: Path) -> None:
    path = tmp_path / "hf.json"
    path.write_text(
        json.dumps(
            [
                {
                    "paper": {
                        "id": "2401.00001",
                        "title": "Koll\\'ar meets $\\alpha$-divergences",
                        "summary": 'We follow Gr\\"obner.\n\nA second paragraph.',
                    }
                }
            ]
        ),
        encoding="utf-8",
    )
    import_path(library, path)
    paper = library.get_paper(library.resolve("2401.00001"))
    assert paper.title == "Kollár meets $\\alpha$-divergences"
    assert paper.abstract == "We follow Gröbner.\n\nA second paragraph."
