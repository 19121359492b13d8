"""Property tests: importers and the query language never raise anything but the error model.

Each runs a fixed, small number of examples (``BUDGET``) so the suite stays fast; the minimal
inputs that crashed quire before are pinned as regression tests in ``test_robustness.py``.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import SEEDS, TODAY, dump
from quire.errors import QuireError
from quire.importers import import_path
from quire.search import SearchIndex
from quire.search.query import parse_query
from quire.store import Library

BUDGET = settings(max_examples=40, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.fixture(scope="module")
def shared() -> Iterator[tuple[Library, Path]]:
    """One small real library and a scratch folder, reused across a test's examples."""
    with tempfile.TemporaryDirectory() as folder:
        library = Library(Path(folder) / "lib.sqlite3")
        import_path(library, SEEDS[0], today=TODAY)
        yield library, Path(folder)
        library.close()


def _import_never_crashes(
    shared: tuple[Library, Path], data: bytes, fmt: str | None, name: str = "input.txt"
) -> None:
    library, folder = shared
    path = folder / name
    path.write_bytes(data)
    before = dump(library.path)
    try:
        import_path(library, path, fmt=fmt, today=TODAY)
    except QuireError:
        assert dump(library.path) == before, "a refused file changed the library"


# -- strategies shaped like each format, with random bytes mixed in --------------------------

NUMBERS = st.one_of(
    st.integers(), st.integers(min_value=10**18, max_value=10**40), st.floats(), st.booleans(), st.none()
)
TEXT = st.one_of(st.text(max_size=30), st.sampled_from(["\ud800", "x\udfff", "", " ", "²"]))
JSON_VALUE = st.recursive(
    st.one_of(NUMBERS, TEXT),
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(
            st.sampled_from(["name", "title", "id", "paper", "authors", "summary"]), inner, max_size=4
        ),
    ),
    max_leaves=12,
)
HF_KEYS = [
    "title",
    "id",
    "paper",
    "authors",
    "summary",
    "upvotes",
    "ai_keywords",
    "publishedAt",
    "numComments",
    "githubRepo",
    "githubStars",
    "organization",
    "name",
    "fullname",
]
HF_ITEM = st.dictionaries(st.sampled_from(HF_KEYS), JSON_VALUE, max_size=8)
SNAPSHOT_KEYS = [
    "id",
    "title",
    "abstract",
    "authors",
    "authors_parsed",
    "versions",
    "categories",
    "update_date",
    "doi",
    "journal-ref",
    "comments",
    "created",
    "version",
]
SNAPSHOT_ITEM = st.dictionaries(st.sampled_from(SNAPSHOT_KEYS), JSON_VALUE, max_size=8)


def _dumps(value: object) -> bytes:
    return json.dumps(value, ensure_ascii=True, allow_nan=True).encode()


def _noisy(structured: st.SearchStrategy[bytes]) -> st.SearchStrategy[bytes]:
    """Well-shaped input, cut or spliced with random bytes now and then."""
    return st.one_of(
        structured,
        st.binary(max_size=200),
        st.tuples(structured, st.integers(min_value=0, max_value=400), st.binary(max_size=20)).map(
            lambda t: t[0][: t[1]] + t[2] + t[0][t[1] :]
        ),
    )


HF_TEXT_LINES = st.one_of(
    st.sampled_from(
        [
            "Daily Papers",
            "Subscribe",
            "·",
            "Feb 29",
            "Feb 30",
            "Jan 1, 0000",
            "Aug 21 5",
            "Jun 4, 2024 2",
            "• 99999999999999999999 authors",
            "• 3 authors",
            "apple Apple",
            "Dec 31, 9999 99999999999999999999999",
            "",
        ]
    ),
    st.text(max_size=60),
)
HF_TEXT = st.lists(HF_TEXT_LINES, max_size=25).map(
    lambda lines: ("Daily Papers\n" + "\n".join(lines)).encode("utf-8", "surrogatepass")
)
BIBTEX_PART = st.one_of(
    st.sampled_from(
        [
            "@misc{",
            "@article{key,",
            "title={",
            "author={A and B}",
            "year={2024}",
            "month={²}",
            "month={feb}",
            "url={https://arxiv.org/abs/2401.00001}",
            "eprint={2401.00001}",
            "}",
            ",",
            "{",
            "\\'e",
            "date={2024-02-30}",
            "year={99999999999999999999}",
        ]
    ),
    st.text(max_size=20),
)
BIBTEX = st.lists(BIBTEX_PART, max_size=30).map(lambda parts: "".join(parts).encode("utf-8", "surrogatepass"))
ATOM_PART = st.one_of(
    st.sampled_from(
        [
            '<feed xmlns="http://www.w3.org/2005/Atom">',
            "</feed>",
            "<entry>",
            "</entry>",
            "<id>http://arxiv.org/abs/2401.00001v1</id>",
            "<title>",
            "</title>",
            "<published>9999-99-99</published>",
            "<author><name>",
            "</name></author>",
            "&amp;",
            "&#xD800;",
        ]
    ),
    st.text(max_size=20),
)
ATOM = st.lists(ATOM_PART, max_size=30).map(lambda parts: "".join(parts).encode("utf-8", "surrogatepass"))


@BUDGET
@given(data=_noisy(st.one_of(st.lists(HF_ITEM, max_size=5), HF_ITEM).map(_dumps)))
def test_hf_json_never_crashes(shared: tuple[Library, Path], data: bytes) -> None:
    _import_never_crashes(shared, data, "hf-json")


@BUDGET
@given(data=_noisy(HF_TEXT))
def test_hf_text_never_crashes(shared: tuple[Library, Path], data: bytes) -> None:
    _import_never_crashes(shared, data, "hf-text")


@BUDGET
@given(
    data=_noisy(
        st.lists(SNAPSHOT_ITEM, min_size=1, max_size=5).map(
            lambda items: b"\n".join(_dumps(i) for i in items)
        )
    )
)
def test_arxiv_snapshot_never_crashes(shared: tuple[Library, Path], data: bytes) -> None:
    _import_never_crashes(shared, data, "arxiv-snapshot", "input.jsonl")


@BUDGET
@given(data=_noisy(BIBTEX))
def test_bibtex_never_crashes(shared: tuple[Library, Path], data: bytes) -> None:
    _import_never_crashes(shared, data, "bibtex", "input.bib")


@BUDGET
@given(data=_noisy(ATOM))
def test_arxiv_atom_never_crashes(shared: tuple[Library, Path], data: bytes) -> None:
    _import_never_crashes(shared, data, "arxiv-atom", "input.xml")


@BUDGET
@given(data=_noisy(st.one_of(HF_TEXT, BIBTEX, ATOM, st.lists(HF_ITEM, max_size=3).map(_dumps))))
def test_detection_never_crashes(shared: tuple[Library, Path], data: bytes) -> None:
    _import_never_crashes(shared, data, None)


# -- the query language ------------------------------------------------------------------------

QUERY_PART = st.one_of(
    st.sampled_from(
        [
            "year:",
            "date:",
            "upvotes:",
            "authors:",
            "tag:",
            "is:",
            "has:",
            "sort:",
            "org:",
            "source:",
            "id:",
            "-",
            '"',
            "OR",
            "..",
            ">=",
            "<",
            "=",
            "99999999999999999999",
            "0000",
            "2024-02-30",
            " ",
            "-relevance",
            "²",
        ]
    ),
    st.text(max_size=12),
)
QUERY = st.one_of(st.text(max_size=60), st.lists(QUERY_PART, max_size=12).map("".join))


@BUDGET
@given(text=QUERY)
def test_query_parser_never_raises(text: str) -> None:
    query = parse_query(text)
    assert all(isinstance(e, str) for e in query.errors)


@pytest.fixture(scope="module")
def index(shared: tuple[Library, Path]) -> SearchIndex:
    """A search index over the shared library."""
    return SearchIndex.build(shared[0])


@BUDGET
@given(text=QUERY)
def test_search_never_raises(index: SearchIndex, text: str) -> None:
    result = index.search(text)
    assert isinstance(result.pids, list)
