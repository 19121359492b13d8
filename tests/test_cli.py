"""Every CLI subcommand, run in-process against a real library in a temporary folder."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from conftest import FIXTURES
from quire.cli import main


class Run:
    """One CLI invocation's status and output."""

    def __init__(
        self, *args: str, stdin: str | None = None, monkeypatch: pytest.MonkeyPatch | None = None
    ) -> None:
        out, err = io.StringIO(), io.StringIO()
        if stdin is not None and monkeypatch is not None:
            monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        self.code = main(list(args), out=out, err=err)
        self.out, self.err = out.getvalue(), err.getvalue()

    def json(self) -> list[dict[str, Any]]:
        data = json.loads(self.out)
        assert isinstance(data, list)
        return data


@pytest.fixture
def sample() -> None:
    assert Run("import", "--sample").code == 0


def first_id() -> str:
    return str(Run("list", "--json", "--limit", "1").json()[0]["id"])


def test_version() -> None:
    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0


def test_import_summary_lines() -> None:
    run = Run("import", str(FIXTURES / "000_b8500a6a0056c58d.txt"), str(FIXTURES / "arxiv.atom"), "--reasons")
    assert run.code == 0
    assert "(hf-text): 93 added, 0 updated, 0 unchanged, 0 skipped" in run.out
    assert "(arxiv-atom): 2 added, 0 updated, 0 unchanged, 1 skipped" in run.out
    assert "skipped entry 3: no arXiv id" in run.out


def test_import_directory_imports_every_file(tmp_path: Path) -> None:
    folder = tmp_path / "dumps"
    folder.mkdir()
    for name in ("003_326a9684f2630e76.txt", "004_3a6d4300cdf867f6.txt"):
        (folder / name).write_bytes((FIXTURES / name).read_bytes())
    run = Run("import", str(folder))
    assert run.code == 0 and run.out.count("(hf-text)") == 2


def test_import_bad_file_fails_and_names_it(tmp_path: Path, sample: None) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('[{"paper": ')
    before = Run("list", "--json", "--limit", "0").json()
    run = Run("import", str(bad))
    assert run.code == 1
    assert f"{bad}: line 1, column" in run.err and "nothing imported" in run.err
    assert Run("list", "--json", "--limit", "0").json() == before


def test_import_missing_and_forced_format(tmp_path: Path) -> None:
    run = Run("import", str(tmp_path / "missing.txt"))
    assert run.code == 1 and "missing.txt: no such file" in run.err
    assert Run("import").code == 2  # usage
    forced = Run("import", "--format", "bibtex", str(FIXTURES / "papers.bib"))
    assert forced.code == 0 and "(bibtex): 2 added" in forced.out


def test_import_year_option(tmp_path: Path) -> None:
    Run("import", "--year", "2023", str(FIXTURES / "002_0c6791d7cd7a315c.txt"))
    rows = Run("search", "PretrainZero", "--json").json()
    assert rows[0]["published"] == "2023-12-02"


JSON_KEYS = {
    "id",
    "arxiv_id",
    "title",
    "abstract",
    "authors",
    "author_count",
    "organization",
    "published",
    "upvotes",
    "tags",
    "bookmarked",
    "read",
    "note",
    "added",
}


def test_list_json_shape_and_limits(sample: None) -> None:
    rows = Run("list", "--json", "--limit", "0").json()
    assert len(rows) == 390
    assert set(rows[0]) >= JSON_KEYS
    assert len(Run("list", "--json", "--limit", "3").json()) == 3
    assert len(Run("list", "--json").json()) == 50
    intern = Run("list", "Intern-S1", "--json").json()[0]
    assert (intern["author_count"], intern["published"], intern["upvotes"]) == (175, "2025-08-21", 5)


def test_list_sort_and_text_output(sample: None) -> None:
    rows = Run("list", "--sort", "upvotes", "--json", "--limit", "2").json()
    assert rows[0]["upvotes"] >= rows[1]["upvotes"]
    oldest = Run("list", "year:2010..2030", "--sort", "date", "--reverse", "--json", "--limit", "1").json()[0]
    assert oldest["published"] == "2017-01-12"
    text = Run("list", "--limit", "2")
    assert text.code == 0 and len(text.out.splitlines()) == 2


def test_search_json_has_score_and_matched_terms(sample: None) -> None:
    rows = Run("search", "kernel tuning", "--json").json()
    assert rows[0]["title"].startswith("OS-R1")
    assert rows[0]["score"] > 0
    assert set(rows[0]["matched"]) >= {"kernel", "tuning"}


def test_search_reports_bad_query_and_still_searches(sample: None) -> None:
    run = Run("search", "kernel year:abc")
    assert run.code == 0 and "year:abc is not a valid year" in run.err
    assert "OS-R1" in run.out


def test_show_and_unknown_id(sample: None) -> None:
    ident = first_id()
    shown = Run("show", ident[:6], "--json")
    assert json.loads(shown.out)["id"] == ident
    assert "state: unread" in Run("show", ident).out
    missing = Run("show", "zzzz")
    assert missing.code == 1 and "no paper has the id 'zzzz'" in missing.err


def test_annotations_round_trip(sample: None, monkeypatch: pytest.MonkeyPatch) -> None:
    ident = first_id()
    assert Run("bookmark", ident).code == 0
    assert Run("tag", ident, "to-read", "RL").code == 0
    assert Run("read", ident).code == 0
    assert Run("note", ident, "worth a look").code == 0
    row = json.loads(Run("show", ident, "--json").out)
    assert (row["bookmarked"], row["read"], row["tags"], row["note"]) == (
        True,
        True,
        ["rl", "to-read"],
        "worth a look",
    )
    assert Run("note", ident).out.strip() == "worth a look"
    assert "2  to-read" not in Run("tags").out and "1  to-read" in Run("tags").out
    assert Run("untag", ident, "rl").code == 0
    assert Run("unbookmark", ident).code == 0
    assert Run("unread", ident).code == 0
    Run("note", ident, "-", stdin="from stdin\n", monkeypatch=monkeypatch)
    row = json.loads(Run("show", ident, "--json").out)
    assert (row["bookmarked"], row["read"], row["tags"], row["note"]) == (
        False,
        False,
        ["to-read"],
        "from stdin\n",
    )
    assert [r["id"] for r in Run("list", "tag:to-read", "--json").json()] == [ident]
    bad = Run("tag", ident, "a:b")
    assert bad.code == 1 and "invalid tag 'a:b'" in bad.err


def test_remove_needs_yes(sample: None) -> None:
    dry = Run("remove", "Intern-S1")
    assert dry.code == 0 and "1 paper matches; nothing removed: add --yes" in dry.err
    assert Run("remove", "Intern-S1", "--yes").code == 0
    assert Run("list", "Intern-S1", "--json").json() == []
    assert Run("remove", "year:abc", "--yes").code == 1


@pytest.mark.parametrize(
    ("fmt", "marker"),
    [
        ("bibtex", "@misc{"),
        ("markdown", "# Papers"),
        ("json", '"title"'),
        ("csv", "id,arxiv_id"),
    ],
)
def test_export_formats(sample: None, tmp_path: Path, fmt: str, marker: str) -> None:
    out = tmp_path / f"out.{fmt}"
    run = Run("export", "kernel", "--format", fmt, "-o", str(out))
    assert run.code == 0 and "exported" in run.err
    assert marker in out.read_text(encoding="utf-8")
    assert "OS-R1" in out.read_text(encoding="utf-8")


def test_bibtex_export_round_trip(tmp_path: Path) -> None:
    Run("import", str(FIXTURES / "arxiv.atom"), str(FIXTURES / "hf_daily.json"))
    Run("tag", "2206.01234", "graphs")
    exported = Run("export", "--format", "bibtex")
    before = {r["id"]: r for r in Run("list", "--json", "--limit", "0").json()}
    bib = tmp_path / "lib.bib"
    bib.write_text(exported.out, encoding="utf-8")
    fresh = tmp_path / "fresh"
    assert Run("--data-dir", str(fresh), "import", str(bib)).code == 0
    after = {r["id"]: r for r in Run("--data-dir", str(fresh), "list", "--json", "--limit", "0").json()}
    assert set(after) == set(before)
    for ident, row in before.items():
        for key in ("title", "authors", "published", "abstract"):
            assert after[ident][key] == row[key], (ident, key)


def test_export_to_stdout_and_bad_target(sample: None, tmp_path: Path) -> None:
    run = Run("export", "kernel", "--format", "json")
    assert json.loads(run.out)[0]["title"].startswith("OS-R1")
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    bad = Run("export", "--format", "csv", "-o", str(blocker / "x.csv"))
    assert bad.code == 1 and f"{blocker / 'x.csv'}: cannot write" in bad.err
    nested = tmp_path / "new" / "dir" / "x.csv"
    refused = Run("export", "--format", "csv", "-o", str(nested))  # no folders are created
    assert refused.code == 1 and "does not exist" in refused.err and not nested.parent.exists()


def test_similar(sample: None) -> None:
    ident = Run("search", "GaLore", "--json").json()[0]["id"]
    rows = json.loads(Run("similar", str(ident), "--json").out)
    assert len(rows) == 5 and all(r["shared"] for r in rows)


def test_config_commands(tmp_path: Path) -> None:
    path = Run("config", "path").out.strip()
    assert path.endswith("config.toml")
    assert Run("config", "init").code == 0
    assert Path(path).exists()
    again = Run("config", "init")
    assert again.code == 1 and "--force" in again.err
    assert 'theme = "quire-dark"' in Run("config", "show").out
    Path(path).write_text('theme = "x"\nthme = "y"\n')
    bad = Run("config", "show")
    assert bad.code == 2 and "unknown key 'thme' (did you mean 'theme'?)" in bad.err


def test_paths() -> None:
    out = Run("paths").out
    for label in ("config:", "data:", "library:", "cache:", "themes:"):
        assert label in out


def test_data_dir_option(tmp_path: Path) -> None:
    other = tmp_path / "elsewhere"
    assert Run("--data-dir", str(other), "import", "--sample").code == 0
    assert (other / "library.sqlite3").exists()


def test_python_dash_m_and_console_script(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "quire", "--data-dir", str(tmp_path), "paths"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0 and str(tmp_path) in done.stdout


def test_newer_library_refused(tmp_path: Path) -> None:
    import sqlite3

    from quire.store.schema import SCHEMA_VERSION

    data = tmp_path / "d"
    data.mkdir()
    conn = sqlite3.connect(data / "library.sqlite3")
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    run = Run("--data-dir", str(data), "list")
    assert run.code == 1 and "newer than this quire understands" in run.err


def test_readme_lists_every_key_and_command() -> None:
    """The README's keys table and command list stay true to the code."""
    from quire.app.commands import COMMANDS
    from quire.cli import COMMANDS as CLI_COMMANDS

    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    for command in COMMANDS:
        assert f"`{command.id}`" in readme, command.id
    for name in CLI_COMMANDS:
        assert f"quire {name}" in readme, name


class _Terminal(io.StringIO):
    """Standard error as a terminal: quire then draws a progress bar on it."""

    def isatty(self) -> bool:
        return True


def test_import_shows_progress_on_a_terminal_only() -> None:
    out, tty = io.StringIO(), _Terminal()
    assert main(["import", str(FIXTURES / "snapshot.jsonl")], out=out, err=tty) == 0
    assert "importing snapshot.jsonl" in tty.getvalue()
    piped_out, piped_err = io.StringIO(), io.StringIO()
    assert main(["import", str(FIXTURES / "arxiv.atom")], out=piped_out, err=piped_err) == 0
    assert piped_err.getvalue() == ""  # piped: no bar, nothing but the summary on stdout
    assert "(arxiv-atom): 2 added" in piped_out.getvalue()
