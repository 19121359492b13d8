"""Imported text is data, never code (issue #7): terminal safety, ids, the browser, exports."""

from __future__ import annotations

import csv
import io
import json
import os
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hostile import BAD_MARKUP, ESCAPES, FORBIDDEN, LINK, QUIT, add_hostile
from quire.browser import browser_command
from quire.cli import main
from quire.export import csv_cell, export_papers, md_escape, tex_escape, to_bibtex
from quire.importers import import_path
from quire.models import ImportSummary, PaperRecord, arxiv_url, clean_doi, search_url
from quire.safe_text import safe_text
from quire.store import Library

BIDI = {"\u061c", "\u200e", "\u200f", *map(chr, range(0x202A, 0x202F)), *map(chr, range(0x2066, 0x206A))}


def run(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(args), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def assert_terminal_safe(text: str) -> None:
    for bad in FORBIDDEN:
        assert bad not in text, (bad, text)


# -- the one function -------------------------------------------------------------------------


@given(st.text())
def test_safe_text_leaves_nothing_a_terminal_acts_on(text: str) -> None:
    for multiline in (False, True):
        shown = safe_text(text, multiline=multiline)
        allowed = {"\n", "\t"} if multiline else set()
        for char in shown:
            category = unicodedata.category(char)
            assert category not in {"Cc", "Cs"} or char in allowed, repr(char)
            assert char not in BIDI and char not in "\u2028\u2029"
        assert safe_text(shown, multiline=multiline) == shown  # idempotent


@given(st.text(st.characters(blacklist_categories=("Cc", "Cs", "Cf", "Zl", "Zp"))))
def test_safe_text_keeps_ordinary_text_as_it_is(text: str) -> None:
    assert safe_text(text) == text
    assert safe_text(text, multiline=True) == text


@pytest.mark.parametrize("hostile", ESCAPES)
def test_safe_text_makes_each_escape_visible(hostile: str) -> None:
    shown = safe_text(f"before {hostile} after")
    assert_terminal_safe(shown)
    assert shown.startswith("before ") and shown.endswith(" after")
    assert len(shown) == len(f"before {hostile} after")  # one visible stand-in per character


def test_safe_text_shapes() -> None:
    assert safe_text("a\x1b[2Jb\x07") == "a\u241b[2Jb\u2407"
    assert safe_text("two\nlines\tand\r\n", multiline=True) == "two\nlines\tand\n"
    assert safe_text("two\nlines\tx") == "two lines x"
    assert safe_text("\u202eevil") == "\ufffdevil"
    assert safe_text(QUIT) == QUIT  # markup is not this function's business: it is just text


# -- ids at the model boundary ----------------------------------------------------------------


@pytest.mark.parametrize(
    "bad",
    [
        "2409.00001 --new-instance --profile ~/evil",
        "2409.00002;touch${IFS}PWNED",
        "2409.00003\x1b]0;x\x07",
        "../../etc/passwd",
        "-2409.00001",
        "2409.00001\n",
        "",
    ],
)
def test_invalid_arxiv_ids_are_refused(bad: str) -> None:
    with pytest.raises(ValueError, match="arXiv id"):
        PaperRecord(title="t", arxiv_id=bad)
    with pytest.raises(ValueError):
        arxiv_url(bad)


@pytest.mark.parametrize("good", ["2409.00001", "0704.0001", "hep-th/9901001", "math.GT/0309136"])
def test_valid_arxiv_ids_pass(good: str) -> None:
    assert PaperRecord(title="t", arxiv_id=good).arxiv_id == good
    assert arxiv_url(good) == f"https://arxiv.org/abs/{good}"


def test_arxiv_version_is_split_off() -> None:
    record = PaperRecord(title="t", arxiv_id="2409.00001v3")
    assert (record.arxiv_id, record.version) == ("2409.00001", "v3")


@pytest.mark.parametrize(
    ("raw", "kept"),
    [
        ("10.1103/PhysRevD.76.013009", "10.1103/PhysRevD.76.013009"),
        ("https://doi.org/10.1000/abc", "10.1000/abc"),
        ("doi:10.1000/a<b>c", "10.1000/a<b>c"),
        ("10.1000/x}, title = {Injected", None),
        ("10.1000/x\\y", None),
        ("10.1000/x\x1b", None),
        ("not a doi", None),
        ("10.1000/a b", None),
    ],
)
def test_doi_shape(raw: str, kept: str | None) -> None:
    assert clean_doi(raw) == kept
    assert PaperRecord(title="t", doi=raw).doi == kept  # a bad DOI is dropped, the paper kept


def test_snapshot_with_hostile_ids_skips_and_counts_them(tmp_path: Path) -> None:
    lines = [
        {"id": "2409.00001 --new-instance --profile ~/evil", "title": "Options"},
        {"id": "2409.00002;touch${IFS}PWNED", "title": "Shell"},
        {"id": "2409.00003", "title": "Fine", "doi": "10.1000/x}, title = {Injected"},
    ]
    path = tmp_path / "snap.jsonl"
    path.write_text("\n".join(json.dumps(line) for line in lines) + "\n", encoding="utf-8")
    library = Library(tmp_path / "lib.sqlite3")
    summary = import_path(library, path)
    assert (summary.added, summary.skipped) == (1, 2)
    assert all("arxiv_id" in reason and "not an arXiv id" in reason for reason in summary.skip_reasons)
    paper = library.get_paper(library.resolve("2409.00003"))
    assert paper.doi is None
    library.close()


def test_bad_id_already_in_a_library_is_never_used(tmp_path: Path) -> None:
    library = Library(tmp_path / "lib.sqlite3")
    library.import_records([PaperRecord(title="Old row", arxiv_id="2409.00009")], _summary(), "hf-json")
    library._conn.execute("UPDATE papers SET arxiv_id='2409.00009;touch PWNED'")
    paper = library.get_papers([1])[0]
    assert paper.arxiv_id is None and paper.id.startswith("t")
    library.close()


def _summary() -> ImportSummary:
    return ImportSummary(path="test", format="test")


# -- the browser ------------------------------------------------------------------------------


def test_browser_url_is_exactly_one_argument(tmp_path: Path) -> None:
    url = search_url("x;touch${IFS}PWNED 'q' \"$(id)\" --new-instance")
    argv = browser_command("firefox --new-tab", url)
    assert argv == ["firefox", "--new-tab", url]
    template = f'sh -c \'printf "%s\\n" "$@" > {tmp_path}/args\' sh {{url}}'
    argv = browser_command(template, url)
    assert argv[-1] == url and len(argv) == 5
    assert argv[:4] == ["sh", "-c", f'printf "%s\\n" "$@" > {tmp_path}/args', "sh"]


@pytest.mark.parametrize(
    "url",
    [
        "https://arxiv.org/abs/2409.00001 --new-instance",
        "https://x.org/$(id)",
        "file:///etc/passwd",
        "https://arxiv.org/abs/2409.00002;touch${IFS}PWNED",
        "-https://x.org",
    ],
)
def test_browser_refuses_urls_quire_could_not_have_built(url: str) -> None:
    with pytest.raises(ValueError, match="refusing"):
        browser_command("firefox {url}", url)


@given(st.text())
def test_search_url_is_always_safe_for_the_browser(title: str) -> None:
    argv = browser_command("sh -c 'echo {url}'", search_url(title))
    url = argv[2].removeprefix("echo ")
    assert len(argv) == 3 and not any(c in url for c in ";$`'\"(){} \n|&<>")


# -- the CLI ----------------------------------------------------------------------------------


def _hostile_cli(tmp_path: Path) -> None:
    data = Path(os.environ["QUIRE_DATA_DIR"])
    library = Library(data / "library.sqlite3")
    add_hostile(library, tmp_path)
    library.close()


def test_cli_list_show_search_tags_are_terminal_safe(tmp_path: Path) -> None:
    _hostile_cli(tmp_path)
    for args in (
        ("list",),
        ("search", "evil"),
        ("search", "quitter"),
        ("show", "2912.00001"),
        ("show", "2912.00002"),
        ("tags",),
        ("note", "2912.00001"),
        ("similar", "2912.00001"),
        ("export", "--format", "markdown"),
        ("export", "--format", "csv"),
        ("export", "--format", "bibtex"),
    ):
        code, out, err = run(*args)
        assert code == 0, (args, err)
        assert_terminal_safe(out)
        assert_terminal_safe(err)
    _, out, _ = run("show", "2912.00002")
    assert QUIT in out and LINK in out  # the literal text, as the file had it
    _, out, _ = run("list")
    assert f"{BAD_MARKUP} Evil \u241b]0;pwned-title\u2407title" in out
    assert f"[{BAD_MARKUP}]" in out  # the tag
    code, out, _ = run("show", "2912.00001", "--json")
    assert json.loads(out)["title"].startswith(f"{BAD_MARKUP} Evil \x1b]0;")  # --json is exact


# -- exports ----------------------------------------------------------------------------------


def _papers(tmp_path: Path):  # type: ignore[no-untyped-def]
    library = Library(tmp_path / "lib.sqlite3")
    pids = add_hostile(library, tmp_path)
    return library, library.get_papers(pids)


def test_markdown_export_is_literal_and_safe(tmp_path: Path) -> None:
    library, papers = _papers(tmp_path)
    text = export_papers(papers, "markdown")
    assert_terminal_safe(text)
    assert "## [\\[/x\\] Evil" in text and "(https://arxiv.org/abs/2912.00001)" in text
    assert "\\[@click=app.quit\\]Quit Person\\[/\\]" in text
    import re

    # The only live brackets are the two linked headings quire wrote itself.
    assert len(re.findall(r"(?<!\\)\[", text)) == 2 and "\\[link=" in text
    assert md_escape("<script>x</script> [a](b)") == "\\<script\\>x\\</script\\> \\[a\\](b)"
    library.close()


def test_csv_export_neutralises_formulas(tmp_path: Path) -> None:
    library = Library(tmp_path / "lib.sqlite3")
    formulas = ['=HYPERLINK("http://evil")', "+1+1", "-2+3", "@SUM(A1)", "\tx", "\r=1"]
    library.import_records([PaperRecord(title=f, authors=[f]) for f in formulas], _summary(), "hf-json")
    pid = library.resolve(library.get_papers([1])[0].id)
    library.set_note(pid, "=cmd|' /C calc'!A0")
    text = export_papers(library.get_papers(library.all_pids()), "csv")
    rows = list(csv.DictReader(io.StringIO(text)))
    for row in rows:
        for column in ("title", "authors", "note"):
            assert not row[column].startswith(("=", "+", "-", "@", "\t", "\r")), row[column]
    assert {row["title"] for row in rows} >= {'\'=HYPERLINK("http://evil")', "'+1+1", "'-2+3"}
    assert csv_cell(5) == 5 and csv_cell("plain") == "plain"
    library.close()


@given(st.text(st.characters(blacklist_categories=("Cc", "Cs", "Cf", "Zl", "Zp", "Zs")), min_size=1))
def test_tex_escape_round_trips_through_a_latex_reader(text: str) -> None:
    from pylatexenc.latex2text import LatexNodes2Text

    from quire.importers.tex import tex_to_text

    escaped = tex_escape(text)
    assert LatexNodes2Text().latex_to_text(escaped) == text
    assert tex_to_text(escaped, bibtex=True) == text  # quire's own BibTeX reader
    depth = 0
    for char in escaped:  # BibTeX counts every brace: the value never closes early
        depth += {"{": 1, "}": -1}.get(char, 0)
        assert depth >= 0
    assert depth == 0


def test_bibtex_fields_cannot_break_out_and_round_trip(tmp_path: Path) -> None:
    from bibtexparser.entrypoint import parse_string
    from pylatexenc.latex2text import LatexNodes2Text

    library = Library(tmp_path / "lib.sqlite3")
    library.import_records(
        [
            PaperRecord(
                title="Braces } and { back\\slash",
                arxiv_id="2409.00001",
                doi="10.1000/ok",
                primary_category="cs.LG}, title = {Injected",
                authors=["A. {Weird} Name\\"],
                abstract="100% of $5 & #1 ~ ^ _ x} y",
            )
        ],
        _summary(),
        "hf-json",
    )
    pid = library.resolve("2409.00001")
    library.add_tags([pid], ["x}y", "a\\b"])
    paper = library.get_paper(pid)
    bib = to_bibtex([paper])
    parsed = parse_string(bib)
    assert len(parsed.entries) == 1 and not parsed.failed_blocks
    fields = {f.key: f.value for f in parsed.entries[0].fields}
    assert list(fields).count("title") == 1
    decode = LatexNodes2Text().latex_to_text
    assert decode(fields["title"]) == paper.title
    assert decode(fields["doi"]) == "10.1000/ok"
    assert decode(fields["primaryClass"]) == "cs.LG}, title = {Injected"
    assert decode(fields["keywords"]) == "a\\b, x}y"
    assert decode(fields["abstract"]) == paper.abstract
    assert decode(fields["author"]) == "A. {Weird} Name\\"
    # quire reads its own export back as one paper with the same title and id.
    path = tmp_path / "out.bib"
    path.write_text(bib, encoding="utf-8")
    again = Library(tmp_path / "again.sqlite3")
    summary = import_path(again, path)
    assert (summary.added, summary.skipped) == (1, 0)
    back = again.get_paper(again.resolve("2409.00001"))
    assert (back.title, back.authors, back.abstract, back.primary_category, back.doi) == (
        paper.title,
        paper.authors,
        paper.abstract,
        paper.primary_category,
        paper.doi,
    )
    assert back.keywords == ["a\\b", "x}y"]  # quire's tags come back as keywords
    # A DOI written into an old library before DOIs were checked never reaches the file.
    library._conn.execute("UPDATE papers SET doi='10.1000/x}, note = {Injected'")
    bib = to_bibtex(library.get_papers([pid]))
    assert "note = " not in bib and "doi = " not in bib
    library.close()
    again.close()


# -- writing exports --------------------------------------------------------------------------


def test_write_export_refuses_to_overwrite_unless_asked(tmp_path: Path) -> None:
    from quire.export.writing import ExportExistsError, write_export

    target = tmp_path / "out.bib"
    target.write_text("precious", encoding="utf-8")
    with pytest.raises(ExportExistsError, match="out.bib exists"):
        write_export(target, "new")
    assert target.read_text(encoding="utf-8") == "precious"
    target.chmod(0o640)
    write_export(target, "new", overwrite=True)
    assert target.read_text(encoding="utf-8") == "new"
    assert target.stat().st_mode & 0o777 == 0o640  # an overwritten file keeps its mode
    assert [p.name for p in tmp_path.iterdir()] == ["out.bib"]  # no temporary left behind


def test_write_export_writes_through_a_symlink(tmp_path: Path) -> None:
    from quire.export.writing import write_export

    real = tmp_path / "real" / "papers.bib"
    real.parent.mkdir()
    real.write_text("old", encoding="utf-8")
    link = tmp_path / "link.bib"
    link.symlink_to(real)
    assert write_export(link, "new", overwrite=True) == real
    assert link.is_symlink() and real.read_text(encoding="utf-8") == "new"
    dangling = tmp_path / "dangling.bib"
    dangling.symlink_to(tmp_path / "real" / "fresh.bib")
    write_export(dangling, "fresh")
    assert dangling.is_symlink() and (tmp_path / "real" / "fresh.bib").read_text() == "fresh"


def test_write_export_creates_no_folders_and_names_the_file(tmp_path: Path) -> None:
    from quire.export.writing import ExportError, write_export

    typo = tmp_path / "Dcouments" / "out.bib"
    with pytest.raises(ExportError, match="Dcouments/out.bib: the folder .* does not exist"):
        write_export(typo, "x")
    assert not typo.parent.exists()
    with pytest.raises(ExportError, match="is a folder"):
        write_export(tmp_path, "x")


@pytest.mark.parametrize(("umask", "mode"), [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_write_export_honours_the_umask(tmp_path: Path, umask: int, mode: int) -> None:
    from quire.export.writing import write_export

    old = os.umask(umask)
    try:
        write_export(tmp_path / "out.csv", "x")
    finally:
        os.umask(old)
    assert (tmp_path / "out.csv").stat().st_mode & 0o777 == mode


def test_cli_export_refuses_to_overwrite_without_force(tmp_path: Path) -> None:
    _hostile_cli(tmp_path)
    target = tmp_path / "out.md"
    target.write_text("precious", encoding="utf-8")
    code, _, err = run("export", "--format", "markdown", "-o", str(target))
    assert code == 1 and f"{target} exists; add --force to overwrite it" in err
    assert target.read_text(encoding="utf-8") == "precious"
    code, _, err = run("export", "--format", "markdown", "-o", str(target), "--force")
    assert code == 0 and target.read_text(encoding="utf-8").startswith("# Papers")


# -- undo reverts only what it changed --------------------------------------------------------


def test_undo_reverts_the_delta_not_the_snapshot(tmp_path: Path) -> None:
    from quire.undo import UndoStack

    library = Library(tmp_path / "lib.sqlite3")
    library.import_records([PaperRecord(title="One"), PaperRecord(title="Two")], _summary(), "t")
    one, two = library.all_pids()[-1], library.all_pids()[0]
    library.set_note(one, "old note")
    stack = UndoStack(library)
    stack.record("Bookmarked", library.set_bookmarked([one, two], True))
    stack.record("Tagged", library.add_tags([one], ["mine"]))
    stack.record("Edited note", library.set_note(one, "my note"))
    other = Library(tmp_path / "lib.sqlite3")  # another process changes the same paper
    other.add_tags([one], ["theirs"])
    other.set_read([one], True)
    other.close()
    stack.undo()  # the note
    assert library.get_paper(one).annotation.note == "old note"
    stack.undo()  # the tag "mine": "theirs" stays
    ann = library.get_paper(one).annotation
    assert ann.tags == ["theirs"] and ann.read and ann.bookmarked
    stack.undo()  # the bookmarks
    ann = library.get_paper(one).annotation
    assert (ann.bookmarked, ann.bookmarked_at, ann.tags, ann.read) == (False, None, ["theirs"], True)
    assert not library.get_paper(two).annotation.bookmarked
    stack.redo()
    assert library.get_paper(one).annotation.bookmarked and ann.tags == ["theirs"]
    # A note edited elsewhere after the step is not clobbered by undoing the step.
    stack.redo()
    stack.redo()
    library.set_note(one, "edited since")
    stack.undo()
    assert library.get_paper(one).annotation.note == "edited since"
    assert stack.record("Again", library.set_bookmarked([one], True)).deltas == {}
    library.close()


# -- your data: backup and the write-ahead log ------------------------------------------------


def test_backup_while_another_connection_writes(tmp_path: Path) -> None:
    import sqlite3

    data = Path(os.environ["QUIRE_DATA_DIR"])
    assert run("import", "--sample")[0] == 0
    reader = Library(data / "library.sqlite3")  # the reader, still open
    pid = reader.all_pids()[0]
    reader.set_bookmarked([pid], True)
    code, out, err = run("backup", str(tmp_path / "copy.sqlite3"))
    assert code == 0 and "backed up 390 papers" in out, err
    copy = sqlite3.connect(tmp_path / "copy.sqlite3")
    assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert copy.execute("SELECT bookmarked FROM annotations WHERE pid=?", (pid,)).fetchone()[0]
    assert copy.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    copy.close()
    assert not (tmp_path / "copy.sqlite3-wal").exists()
    code, _, err = run("backup", str(tmp_path / "copy.sqlite3"))
    assert code == 1 and "copy.sqlite3 exists; add --force" in err
    assert run("backup", str(tmp_path / "copy.sqlite3"), "--force")[0] == 0
    code, _, err = run("backup", str(tmp_path / "nope" / "x.sqlite3"))
    assert code == 1 and "does not exist" in err and not (tmp_path / "nope").exists()
    code, out, _ = run("backup", str(tmp_path))  # a folder: a dated file inside it
    assert code == 0 and len(list(tmp_path.glob("library-*.sqlite3"))) == 1
    reader.close()


def test_closing_folds_the_log_even_with_another_connection_open(tmp_path: Path) -> None:
    import shutil
    import sqlite3

    path = tmp_path / "lib.sqlite3"
    library = Library(path)
    library.import_records([PaperRecord(title="Kept")], _summary(), "t")
    other = sqlite3.connect(path)  # someone else keeps the library open
    assert other.execute("SELECT count(*) FROM papers").fetchone()[0] == 1
    pid = library.all_pids()[0]
    library.set_bookmarked([pid], True)
    library.close()
    assert (tmp_path / "lib.sqlite3-wal").stat().st_size == 0  # TRUNCATE: the log is empty
    shutil.copy(path, tmp_path / "only-the-file.sqlite3")
    copy = sqlite3.connect(tmp_path / "only-the-file.sqlite3")
    assert copy.execute("SELECT bookmarked FROM annotations WHERE pid=?", (pid,)).fetchone()[0]
    copy.close()
    other.close()
