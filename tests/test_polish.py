"""Issue #12: the config, CLI and theme points a new user trips over (core and CLI tiers)."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_cli import Run

from quire.config import Config, ConfigError, load_config
from quire.keys import default_keys, keymap_problems


def write_config(text: str) -> Path:
    from quire import locations

    path = locations.config_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("keymap", "said"),
    [
        ('bookmark = "j"', "key 'j' is also bound to 'cursor-down'"),
        ('bookmark = "B"\ntags = "B"', "key 'B' is also bound to"),
        ('bookmark = "notakey"', "'notakey' is not a key name"),
        ('bookmark = "ctrl+"', "'ctrl+' names no key after ctrl+"),
        ('bookmark = ""', "an empty key name"),
        ('bookmark = "cttrl+b"', "'cttrl' is not a modifier"),
    ],
)
def test_config_show_rejects_keymaps_the_reader_rejects(keymap: str, said: str) -> None:
    write_config(f"[keymap]\n{keymap}\n")
    run = Run("config", "show")
    assert run.code == 2
    assert said in run.err and "keymap" in run.err


def test_good_keymaps_and_the_defaults_pass() -> None:
    assert keymap_problems({}) == []
    assert keymap_problems({"bookmark": "B", "help": "f1,question_mark", "search": "ctrl+f"}) == []
    # Moving a command onto a key another command gives up is fine.
    assert keymap_problems({"cursor-down": "down", "bookmark": "j"}) == []
    assert "bookmark" in default_keys()


@pytest.mark.parametrize(
    ("line", "said"),
    [
        ('date_format = "%Q"', "%Q is not a strftime directive"),
        ('date_format = "%Y-%"', "a lone '%' at the end"),
        ('[[views]]\nname = "Bad"\nquery = "year:abc"', "views.0.query"),
    ],
)
def test_bad_values_are_reported(line: str, said: str) -> None:
    path = write_config(line + "\n")
    with pytest.raises(ConfigError) as raised:
        load_config(path)
    assert said in str(raised.value)
    assert Run("config", "show").code == 2


def test_good_date_formats_pass() -> None:
    for fmt in ("%Y-%m-%d", "%d %b %Y", "%-d/%-m/%y", "100%% %Y"):
        assert Config(date_format=fmt).date_format == fmt


def test_default_sort_orders_lists_without_words() -> None:
    assert Run("import", "--sample").code == 0
    by_date = [p["id"] for p in Run("list", "--json", "--limit", "0").json()]
    write_config('default_sort = "title"\n')
    listed = [p["id"] for p in Run("list", "--json", "--limit", "0").json()]
    write_config("")
    by_title = [p["id"] for p in Run("list", "sort:title", "--json", "--limit", "0").json()]
    assert listed == by_title != by_date
    write_config('default_sort = "title"\n')
    # A sort: in the query or --sort still wins.
    listed = Run("list", "sort:date", "--json", "--limit", "0").json()
    assert [p["id"] for p in listed] == by_date


@pytest.fixture
def sample() -> None:
    assert Run("import", "--sample").code == 0


def test_a_query_starting_with_minus_needs_no_double_dash(sample: None) -> None:
    everything = Run("list", "--json", "--limit", "0").json()
    without = Run("list", "-rank", "--json", "--limit", "0")
    assert without.code == 0, without.err
    assert 0 < len(without.json()) < len(everything)
    assert without.json() == Run("list", "--json", "--limit", "0", "--", "-rank").json()
    assert Run("search", "model", "-survey", "--json").code == 0
    with pytest.raises(SystemExit) as usage:
        Run("list", "--jsn")  # a mistyped option is still an error, not a query word
    assert usage.value.code == 2
    assert Run("search").code == 2


def test_lists_say_when_they_stop_early(sample: None) -> None:
    total = len(Run("list", "--json", "--limit", "0").json())
    run = Run("list", "--limit", "20")
    assert len(run.out.splitlines()) == 20
    assert f"showing 20 of {total}, --limit 0 for all" in run.err
    found = Run("search", "model", "--limit", "3")
    assert "showing 3 of " in found.err
    assert "showing" not in Run("list", "--limit", "0").err


def test_usage_and_dry_run_exit_codes(sample: None) -> None:
    assert Run("import").code == 2
    dry = Run("remove", "year:2025")
    assert dry.code == 0 and "nothing removed" in dry.err
    assert len(Run("list", "year:2025", "--limit", "0", "--json").json()) > 0


def test_tags_and_paths_as_json(sample: None, tmp_path: Path) -> None:
    ident = str(Run("list", "--json", "--limit", "1").json()[0]["id"])
    assert Run("tag", ident, "rl", "vision").code == 0
    tags = Run("tags", "--json").json()
    assert {"tag": "rl", "count": 1} in tags and {"tag": "vision", "count": 1} in tags
    paths = __import__("json").loads(Run("paths", "--json").out)
    assert set(paths) == {"config", "data", "library", "cache", "errors", "themes"}
    # QUIRE_DATA_DIR (set by conftest) moves the cache with the data.
    assert paths["cache"] == str(tmp_path / "data" / "cache")
    lines = Run("paths").out.splitlines()
    columns = {line.index("/") for line in lines}
    assert len(lines) == 6 and len(columns) == 1


def test_the_reader_needs_a_terminal() -> None:
    run = Run()  # in-process output is a StringIO: not a terminal
    assert run.code == 2 and "needs a terminal" in run.err
    assert run.out == ""


def test_author_filter_finds_papers_by_an_authors_name(sample: None) -> None:
    from conftest import FIXTURES

    assert Run("import", str(FIXTURES / "arxiv.atom")).code == 0  # the sample names no authors
    paper = next(p for p in Run("list", "--json", "--limit", "0").json() if p["authors"])
    authors = paper["authors"]
    assert isinstance(authors, list) and authors
    surname = str(authors[0]).split()[-1]
    found = Run("list", f"author:{surname.upper()}", "--json", "--limit", "0")
    assert found.code == 0 and found.err == ""
    assert paper["id"] in [p["id"] for p in found.json()]
    for hit in found.json():
        names = hit["authors"]
        assert isinstance(names, list)
        assert any(surname.casefold() in str(a).casefold() for a in names)
    without = Run("list", f"-author:{surname}", "--json", "--limit", "0").json()
    everything = Run("list", "--json", "--limit", "0").json()
    assert len(without) + len(found.json()) == len(everything)
    # The saved (text) index answers the same as the filter-only one.
    assert Run("search", "model", "--limit", "0", "--json").code == 0
    again = Run("list", f"author:{surname}", "--json", "--limit", "0").json()
    assert [p["id"] for p in again] == [p["id"] for p in found.json()]


def test_author_is_no_longer_read_as_a_typo_of_authors() -> None:
    from quire.search.query import parse_query

    query = parse_query("author:smith")
    assert query.errors == []
    assert [(f.name, f.value) for f in query.filters] == [("author", "smith")]
    wrong = parse_query("authors:smith")
    assert "author:NAME for a name" in wrong.errors[0]


def test_config_init_keeps_the_examples_comments() -> None:
    from quire import locations

    assert Run("config", "init").code == 0
    written = locations.config_file().read_text(encoding="utf-8")
    assert written == locations.example_config().read_text(encoding="utf-8")
    assert "# Key overrides, by binding id" in written
    # The example holds exactly the defaults, and shows as valid.
    assert load_config(locations.config_file()) == Config()
    assert Run("config", "show").code == 0


def test_messages_count_in_words(sample: None) -> None:
    ident = str(Run("list", "--json", "--limit", "1").json()[0]["id"])
    assert Run("bookmark", ident).out.strip().endswith("1 paper")
    removed = Run("remove", f"id:{ident}", "--yes")
    assert removed.out.strip() == "removed 1 paper"
    assert "(s)" not in Run("remove", "year:2025").err
