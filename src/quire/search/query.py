"""The query language, parsed into a ``Query``.

Words are ANDed; ``OR`` between two words or phrases makes them alternatives; ``"exact phrase"``;
``-word`` and ``-"phrase"`` exclude; filters such as ``tag:NAME``, ``is:unread``, ``year:2023..2025``,
``date:>=2025-06-01``, ``upvotes:>10``, ``authors:>50``, ``author:NAME``, ``org:NAME``,
``source:NAME``, ``id:PREFIX``, ``has:note`` combine with words, and any filter can be negated
with ``-``. ``sort:KEY`` (``-KEY`` for the other direction) picks the order. The last word also
matches as a prefix while typing.

Parsing never raises: whatever cannot be understood becomes a message in ``Query.errors``
(saying what and at which column) and the rest of the query still searches.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Literal, get_args

from quire.folding import fold
from quire.search.tokenizer import query_terms
from quire.suggest import did_you_mean

FILTER_FIELDS = (
    "tag",
    "is",
    "has",
    "year",
    "date",
    "upvotes",
    "authors",
    "author",
    "org",
    "source",
    "id",
    "sort",
)
IS_VALUES = ("bookmarked", "unread", "read", "tagged")
HAS_VALUES = ("note", "tags", "abstract", "code")
# The orders, defined once (the config's default_sort, the CLI's --sort, sort:), in the order the
# reader's sort key cycles through them.
SortKey = Literal["date", "upvotes", "title", "added", "relevance"]
SORT_KEYS: tuple[SortKey, ...] = get_args(SortKey)
MAX_NUMBER = 10**12  # larger numbers in filters are refused with a message, not an overflow
_COMPARE = re.compile(r"^(>=|<=|>|<|=)?(\S+)$")


@dataclass(frozen=True)
class Alternative:
    """One way to satisfy a clause: all ``terms`` present (and the ``phrase`` in order, if any)."""

    terms: tuple[str, ...]
    phrase: bool = False
    prefix: bool = False  # the last term also matches as a prefix


@dataclass(frozen=True)
class Filter:
    """A metadata condition. ``low``/``high`` are inclusive bounds for numbers and dates."""

    name: str
    value: str = ""
    low: float | None = None
    high: float | None = None
    negate: bool = False


@dataclass
class Query:
    """A parsed query: AND of clauses (each an OR of alternatives), exclusions, filters, order."""

    text: str
    clauses: list[list[Alternative]] = field(default_factory=list)
    excluded: list[Alternative] = field(default_factory=list)
    filters: list[Filter] = field(default_factory=list)
    sort: str | None = None
    reverse: bool = False
    errors: list[str] = field(default_factory=list)

    @property
    def has_words(self) -> bool:
        """Whether any word or phrase is required (else the query only filters)."""
        return bool(self.clauses)

    @property
    def order(self) -> str:
        """The order the results come in: ``sort:`` if given, else relevance with words and
        newest first without (the one place this rule lives)."""
        return self.sort or ("relevance" if self.has_words else "date")

    @property
    def positive_terms(self) -> list[str]:
        """Every term the user asked for, in order, without repeats."""
        seen: dict[str, None] = {}
        for clause in self.clauses:
            for alt in clause:
                seen.update(dict.fromkeys(alt.terms))
        return list(seen)


@dataclass
class _Item:
    text: str
    column: int
    negate: bool = False
    quoted: bool = False
    field: str | None = None


def _split(text: str, errors: list[str]) -> list[_Item]:
    items: list[_Item] = []
    pos, n = 0, len(text)
    while pos < n:
        if text[pos].isspace():
            pos += 1
            continue
        start = pos
        negate = False
        if text[pos] == "-" and pos + 1 < n and not text[pos + 1].isspace():
            negate, pos = True, pos + 1
        match = re.match(r"([A-Za-z]+):", text[pos:])
        name = match.group(1).lower() if match else None
        if name is not None and match is not None:
            pos += match.end()
        if pos < n and text[pos] == '"':
            close = text.find('"', pos + 1)
            if close == -1:
                errors.append(f"unclosed quote at column {pos + 1}: searching its words instead")
                items.append(_Item(text[pos + 1 :], start + 1, negate, False, name))
                break
            items.append(_Item(text[pos + 1 : close], start + 1, negate, True, name))
            pos = close + 1
            continue
        end = pos
        while end < n and not text[end].isspace():
            end += 1
        items.append(_Item(text[pos:end], start + 1, negate, False, name))
        pos = end
    return items


def _bounds(value: str, kind: str) -> tuple[float | None, float | None]:
    """Parse ``N``, ``>N``, ``>=N``, ``<N``, ``<=N``, ``=N``, ``A..B``, ``A..``, ``..B``."""

    def one(raw: str) -> float:
        if kind == "date":
            return float(_day_number(raw))
        number = int(raw)
        if abs(number) > MAX_NUMBER:
            raise ValueError(
                f"{raw[:20]}{'…' if len(raw) > 20 else ''} is too large (at most {MAX_NUMBER:,})"
            )
        return float(number)

    if ".." in value:
        low_raw, high_raw = value.split("..", 1)
        low = one(low_raw) if low_raw else None
        high = one(high_raw) if high_raw else None
        if low is None and high is None:
            raise ValueError("empty range")
        return low, high
    match = _COMPARE.match(value)
    if not match:
        raise ValueError("empty value")
    op, raw = match.groups()
    number = one(raw)
    step = 1.0
    return {
        None: (number, number),
        "=": (number, number),
        ">": (number + step, None),
        ">=": (number, None),
        "<": (None, number - step),
        "<=": (None, number),
    }[op]


def _day_number(raw: str) -> int:
    """Days since 1970-01-01 of ``YYYY-MM-DD`` (``YYYY-MM`` and ``YYYY`` mean their first day)."""
    parts = raw.split("-")
    if len(parts) == 1:
        day = date(int(parts[0]), 1, 1)
    elif len(parts) == 2:
        day = date(int(parts[0]), int(parts[1]), 1)
    else:
        day = date.fromisoformat(raw)
    return (day - date(1970, 1, 1)).days


def _year_bounds(value: str) -> tuple[float | None, float | None]:
    low, high = _bounds(value, "number")
    start = float(_day_number(f"{int(low):04d}")) if low is not None else None
    end = float(_day_number(f"{int(high) + 1:04d}") - 1) if high is not None else None
    return start, end


def _filter(item: _Item, query: Query) -> None:
    name, value = item.field or "", item.text.strip()
    where = f"column {item.column}"
    folded = fold(value)
    try:
        if name == "sort":
            key = folded.lstrip("-")
            if key not in SORT_KEYS:
                raise ValueError(f"unknown sort key {value!r}; use one of {', '.join(SORT_KEYS)}")
            query.sort, query.reverse = key, folded.startswith("-") != item.negate
            return
        if not value:
            raise ValueError(f"{name}: needs a value")
        if name == "is" and folded not in IS_VALUES:
            raise ValueError(f"unknown value {value!r} for is:; use one of {', '.join(IS_VALUES)}")
        if name == "has" and folded not in HAS_VALUES:
            raise ValueError(f"unknown value {value!r} for has:; use one of {', '.join(HAS_VALUES)}")
        if name in ("upvotes", "authors"):
            low, high = _bounds(folded, "number")
        elif name == "year":
            low, high = _year_bounds(folded)
        elif name == "date":
            low, high = _bounds(folded, "date")
        else:
            low = high = None
    except (ValueError, OverflowError) as error:
        message = str(error)
        if "too large" in message:
            message = f"{name}:{value[:30]}: {message}"
        elif name in ("upvotes", "authors", "year", "date") and not message.startswith(name):
            example = {
                "year": "2024 or 2023..2025",
                "date": ">=2025-06-01",
                "upvotes": ">10",
                "authors": ">50, or author:NAME for a name",
            }[name]
            shown = value if len(value) <= 30 else f"{value[:30]}…"
            message = f"{name}:{shown} is not a valid {name} (try {name}:{example})"
        query.errors.append(f"{where}: {message}")
        return
    query.filters.append(Filter(name, folded, low, high, item.negate))


def parse_query(text: str, typing: bool = True) -> Query:
    """Parse a query; never raises. ``typing`` makes the last word match as a prefix too."""
    query = Query(text=text)
    items = _split(text, query.errors)
    pending_or = False
    last_word: tuple[int, int] | None = None  # (clause, alternative) of the last plain word
    for index, item in enumerate(items):
        if item.field is not None:
            if item.field in FILTER_FIELDS:
                _filter(item, query)
                continue
            hint = did_you_mean(item.field, FILTER_FIELDS, lambda name: f"{name}:")
            query.errors.append(
                f"column {item.column}: unknown filter {item.field}:{hint}; searching it as words"
            )
            item = _Item(f"{item.field} {item.text}", item.column, item.negate, item.quoted)
        if item.text == "OR" and not item.quoted and not item.negate:
            if not query.clauses or index == len(items) - 1:
                query.errors.append(f"column {item.column}: OR needs a word on each side")
            else:
                pending_or = True
            continue
        terms = tuple(query_terms(item.text))
        if not terms:
            pending_or = False
            continue  # only stop words or punctuation
        alt = Alternative(terms, phrase=item.quoted and len(terms) > 1)
        if item.negate:
            query.excluded.append(alt)
            pending_or = False
            continue
        if pending_or:
            query.clauses[-1].append(alt)
            pending_or = False
        elif item.quoted or len(terms) == 1:
            query.clauses.append([alt])
        else:
            # An unquoted token with several terms ("state-of-the-art" split by stop words):
            # each term is required.
            query.clauses.extend([Alternative((t,))] for t in terms)
        last_word = (len(query.clauses) - 1, len(query.clauses[-1]) - 1) if not item.quoted else None
    if (
        typing
        and last_word is not None
        and text
        and not text[-1].isspace()
        and not text.rstrip().endswith('"')
    ):
        clause, position = last_word
        alt = query.clauses[clause][position]
        if clause == len(query.clauses) - 1 and len(alt.terms) == 1:
            query.clauses[clause][position] = Alternative(alt.terms, alt.phrase, prefix=True)
    return query
