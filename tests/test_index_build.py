"""Building the index: the fast tokenizer path, streamed postings, the CLI and the reader."""

from __future__ import annotations

import io
import json
from itertools import chain
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import SEEDS
from quire import locations
from quire.cli import main
from quire.folding import fold
from quire.search import tokenizer
from quire.search.bm25 import PostingsBM25
from quire.search.engine import SearchIndex


def _reference_terms(text: str) -> list[str]:
    """What ``index_terms`` computed before its ASCII fast path: the regex scan."""
    raws = tokenizer._FAST_TOKEN.findall(fold(text))
    return list(chain.from_iterable(map(tokenizer._TERMS_OF.__getitem__, raws)))


@settings(max_examples=500, deadline=None)
@given(st.text(st.sampled_from(list("abXY09_-^./'+ \t\n!#$%&*()[]{};:,<>?\\|`~=\"ÜéΩ—")), max_size=40))
def test_fast_tokenizer_path_finds_the_regex_tokens(text: str) -> None:
    assert tokenizer.index_terms(text) == _reference_terms(text)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.lists(st.text(st.sampled_from(list("abXY09_-^./'+ \t\n!()ÜéΩ—\x01")), max_size=30), max_size=4),
        max_size=6,
    )
)
def test_batch_tokenizer_gives_each_documents_index_terms(documents: list[list[str]]) -> None:
    """``index_term_ids`` over a batch = ``index_terms`` of each text, document by document."""
    terms, ids, sizes = tokenizer.index_term_ids(documents)
    assert len(sizes) == len(documents) and int(sizes.sum()) == len(ids)
    got = [terms[i] for i in ids.tolist()]
    at = 0
    for texts, size in zip(documents, sizes.tolist(), strict=True):
        assert got[at : at + size] == [t for text in texts for t in tokenizer.index_terms(text)]
        at += size


def test_postings_stay_sorted_by_slot_across_staged_and_small_batches() -> None:
    """A small batch after large ones (the end of a build) must not break slot order."""
    index = PostingsBM25()
    docs = [["common", f"w{i % 7}"] for i in range(300)]
    index.add_documents(docs)  # staged
    index.add_documents([["common", "late"]] * 3)  # small, behind a staged batch
    index.add_documents(docs)
    index.flush()
    slots, _ = index.postings("common")
    assert slots.tolist() == list(range(603))
    index.add_documents([["common"]])  # buffered after the block
    slots, _ = index.postings("common")
    assert slots.tolist() == list(range(604))
    assert index.tf_in("late", 301) == 1 and index.tf_in("late", 299) == 0


# -- the command line --------------------------------------------------------------------------


def run(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(args), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def saved_indexes() -> list[Path]:
    folder = locations.cache_dir() / "index"
    return sorted(folder.iterdir()) if folder.exists() else []


@pytest.fixture
def counted_terms(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many papers had their text indexed (tokenized) in this test."""
    calls: list[int] = []
    original = SearchIndex._texts

    def counting(row: Any) -> list[str]:
        calls.append(row["pid"])
        return original(row)

    monkeypatch.setattr(SearchIndex, "_texts", staticmethod(counting))
    return calls


def test_lists_show_export_remove_never_index_text(counted_terms: list[int], tmp_path: Path) -> None:
    assert run("import", "--sample")[0] == 0
    code, out, _ = run("list", "--limit", "1", "--json")
    assert code == 0 and len(json.loads(out)) == 1
    ident = json.loads(out)[0]["id"]
    assert run("show", ident)[0] == 0
    code, by_filters, _ = run("list", "is:unread year:2025 sort:title", "--json", "--limit", "0")
    assert code == 0 and by_filters
    assert run("export", "year:2025", "--format", "json", "-o", str(tmp_path / "x.json"))[0] == 0
    code, _, err = run("remove", "is:read")  # a preview without --yes
    assert code == 0 and "match" in err
    assert counted_terms == [] and saved_indexes() == []
    # The same filters through the full (saved) index list the same papers in the same order.
    assert run("search", "model")[0] == 0
    assert counted_terms and saved_indexes()
    assert run("list", "is:unread year:2025 sort:title", "--json", "--limit", "0")[1] == by_filters


def test_search_uses_the_saved_index_and_catches_up(
    counted_terms: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert run("import", "--sample")[0] == 0
    code, first, _ = run("search", "language model", "--json")
    assert code == 0 and json.loads(first)
    built = len(counted_terms)
    assert built >= 390

    def no_build(*args: object, **kwargs: object) -> SearchIndex:
        raise AssertionError("the index was built again")

    monkeypatch.setattr(SearchIndex, "build", no_build)
    assert run("search", "language model", "--json")[1] == first
    assert len(counted_terms) == built  # loaded as saved: nothing indexed again
    ident = json.loads(first)[0]["id"]
    assert run("tag", ident, "zebrafish")[0] == 0
    code, out, _ = run("search", "zebrafish", "--json")
    assert [p["id"] for p in json.loads(out)] == [ident]
    assert len(counted_terms) == built + 1  # caught up with the one paper that changed


def test_cli_import_leaves_the_index_stale_never_wrong(counted_terms: list[int]) -> None:
    assert run("import", str(SEEDS[0]))[0] == 0
    assert run("search", "model")[0] == 0
    before = len(counted_terms)
    assert run("import", *map(str, SEEDS[1:]))[0] == 0
    assert len(counted_terms) == before  # importing does not index
    code, out, _ = run("search", "GaLore", "--json")
    assert code == 0 and any("GaLore" in p["title"] for p in json.loads(out))
    assert len(counted_terms) > before  # the next search caught up with the import
