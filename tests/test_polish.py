"""Issue #12: the config, CLI and theme points a new user trips over (core and CLI tiers)."""

from __future__ import annotations

from pathlib import Path

import pytest

from quire.config import Config, ConfigError, load_config
from quire.keys import default_keys, keymap_problems
from test_cli import Run


def write_config(text: str) -> Path:
    from quire import locations

    path = locations.config_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(("keymap", "said"), [
    ('bookmark = "j"', "key 'j' is also bound to 'cursor-down'"),
    ('bookmark = "B"\ntags = "B"', "key 'B' is also bound to"),
    ('bookmark = "notakey"', "'notakey' is not a key name"),
    ('bookmark = "ctrl+"', "'ctrl+' names no key after ctrl+"),
    ('bookmark = ""', "an empty key name"),
    ('bookmark = "cttrl+b"', "'cttrl' is not a modifier"),
])
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


@pytest.mark.parametrize(("line", "said"), [
    ('date_format = "%Q"', "%Q is not a strftime directive"),
    ('date_format = "%Y-%"', "a lone '%' at the end"),
    ('[[views]]\nname = "Bad"\nquery = "year:abc"', "views.0.query"),
])
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
