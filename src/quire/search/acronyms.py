"""Acronyms learned from the library: "reinforcement learning (RL)" teaches that RL means it.

Definitions are mined from titles and abstracts at index time with the Schwartz & Hearst rule
(Schwartz and Hearst, "A simple algorithm for identifying abbreviation definitions in biomedical
text", 2003): a short form in parentheses after its long form, or the other way round, where
every letter of the short form appears in the long form in order and the first one starts a
word. The table is plain data (``to_json``/``from_json``) so it can be stored with the index.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

from quire.search.tokenizer import normalise_token, stem

# "(RL)", "(RAG)", "(LoRA)", "(RLVR)", "(MoE)": one token with a capital and at most 10 characters.
_PAREN = re.compile(r"\(([^()]{1,120})\)")
_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)?")
_SHORT = re.compile(r"^[^\W_][\w\-.&/]{0,9}$")
MAX_LONG_FORMS = 3  # long forms kept per short form (the most frequent first)


_HEAD_END = re.compile(r"[;,]")
_CLAUSE_END = re.compile(r"[.;:()\[\]]")


def _is_short_form(text: str) -> bool:
    """A plausible short form: one token, 2-10 characters, a capital letter, mostly letters."""
    # Most parentheses hold lower-case words or numbers: turned away before any regex runs.
    if not 2 <= len(text) <= 10 or text.islower() or text.isdigit() or not _SHORT.match(text):
        return False
    letters = sum(c.isalpha() for c in text)
    return letters >= 2 and any(c.isupper() for c in text) and letters * 2 >= len(text)


def _best_long_form(short: str, words: list[str]) -> list[str] | None:
    """The shortest run of ``words`` (ending at the last) that spells ``short``, if any."""
    letters = [c for c in short.lower() if c.isalnum()]
    text = " ".join(words).lower()
    s_index, l_index = len(letters) - 1, len(text) - 1
    # Schwartz & Hearst: match short-form characters right to left; the first must start a word.
    while s_index >= 0:
        char = letters[s_index]
        while l_index >= 0 and (
            text[l_index] != char or (s_index == 0 and l_index > 0 and text[l_index - 1].isalnum())
        ):
            l_index -= 1
        if l_index < 0:
            return None
        l_index -= 1
        s_index -= 1
    start = text.rfind(" ", 0, l_index + 1) + 1
    long_words = text[start:].split()
    if len(long_words) < 2 or len(long_words) > min(len(letters) + 5, len(letters) * 2):
        return None
    return long_words


def definitions(text: str) -> Iterator[tuple[str, tuple[str, ...]]]:
    """Each ``(short form, long form terms)`` defined in ``text``, both as index terms."""
    for match in _PAREN.finditer(text):
        inside = match.group(1).strip()
        before = text[max(0, match.start() - 200) : match.start()]
        # "long form (SF)" or "long form (SF; more)" / "(SF, ...)".
        head = _HEAD_END.split(inside, maxsplit=1)[0].strip()
        if _is_short_form(head):
            words = _WORD.findall(_CLAUSE_END.split(before)[-1])
            limit = min(len(head) + 5, len(head) * 2)
            long_words = _best_long_form(head, words[-limit:])
            if long_words:
                terms = _long_terms(long_words)
                short_term = normalise_token(head)
                if len(terms) >= 2 and short_term is not None:
                    yield short_term, terms
            continue
        # "SF (long form)": the token just before the parenthesis is the short form.
        if len(inside.split()) < 2:
            continue
        previous = before.rsplit(None, 1)[-1:]  # not a regex: this runs for every parenthesis
        if previous:
            short = previous[0].strip(".,;:")
            if _is_short_form(short):
                long_words = _best_long_form(short, _WORD.findall(inside))
                # The long form must be all of the parenthesis, not a tail of it.
                if long_words and len(long_words) == len(_WORD.findall(inside)):
                    terms = _long_terms(long_words)
                    short_term = normalise_token(short)
                    if len(terms) >= 2 and short_term is not None:
                        yield short_term, terms


def taught(text: str) -> list[tuple[str, str]]:
    """What one paper's text teaches the table: each distinct definition once, as ``(short
    form, long form terms joined by spaces)``."""
    if "(" not in text:
        return []
    # "(RL)" defined by a long form holding "rl" teaches nothing.
    return [(short, " ".join(terms)) for short, terms in set(definitions(text)) if short not in terms]


def _long_terms(words: list[str]) -> tuple[str, ...]:
    """The index terms of a long form (stop words dropped, as a query would)."""
    terms = []
    for word in words:
        term = normalise_token(word)
        if term is not None:
            terms.append(term)
    return tuple(terms)


class AcronymTable:
    """Short form → long forms seen in the library, with how many papers define each."""

    def __init__(self, counts: dict[str, dict[str, int]] | None = None) -> None:
        self.counts: dict[str, dict[str, int]] = counts or {}
        self.changed = False  # learned something since the owner last stored the table
        self._by_stems: dict[tuple[str, ...], str] | None = None
        self._longest: int | None = None

    def learn(self, text: str) -> None:
        """Record the definitions made in one paper's text."""
        self.record(taught(text))

    def record(self, taught: Iterable[tuple[str, str]]) -> None:
        """Count ``(short form, long form key)`` pairs, as ``taught`` gives them (the index
        build's workers mine the texts; the index records what they found, in paper order)."""
        for short, key in taught:
            forms = self.counts.setdefault(short, {})
            forms[key] = forms.get(key, 0) + 1
            self._by_stems = None
            self._longest = None
            self.changed = True

    def long_forms(self, short: str) -> list[tuple[str, ...]]:
        """The long forms of a short form (index terms), most often defined first."""
        forms = self.counts.get(short)
        if not forms:
            return []
        ranked = sorted(forms.items(), key=lambda item: (-item[1], item[0]))
        return [tuple(key.split()) for key, _ in ranked[:MAX_LONG_FORMS]]

    def short_form(self, terms: tuple[str, ...]) -> str | None:
        """The short form whose long form has these terms (compared by stem), if any."""
        if self._by_stems is None:
            table: dict[tuple[str, ...], tuple[int, str]] = {}
            for short, forms in self.counts.items():
                for key, count in forms.items():
                    stems = tuple(stem(t) for t in key.split())
                    if stems not in table or table[stems][0] < count:
                        table[stems] = (count, short)
            self._by_stems = {stems: short for stems, (_, short) in table.items()}
        return self._by_stems.get(tuple(stem(t) for t in terms))

    def longest_long_form(self) -> int:
        """How many terms the longest long form has (bounds the search over a query)."""
        if self._longest is None:
            self._longest = max(
                (len(key.split()) for forms in self.counts.values() for key in forms), default=0
            )
        return self._longest

    def to_json(self) -> dict[str, Any]:
        """The table as plain JSON data."""
        return {"version": 1, "counts": self.counts}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> AcronymTable:
        """A table from ``to_json``'s data."""
        counts = data.get("counts", {}) if data.get("version") == 1 else {}
        return cls({str(k): {str(f): int(n) for f, n in v.items()} for k, v in counts.items()})
