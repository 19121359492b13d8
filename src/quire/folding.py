"""Folding text for comparison: case and accents, one definition for the whole of quire.

Paper identity (title keys, author names) and search (the index's words, ``author:`` and
``org:`` filters, title order) fold alike, so ``Kollár`` and ``kollar`` are the same name to
both.
"""

from __future__ import annotations

import unicodedata


class _CombiningMarks(dict[int, int | None]):
    """A ``str.translate`` table that deletes combining marks (accents after NFKD).

    Filled as characters are met, so translating runs in C; a Python test per character was most
    of the cost of folding titles during an import.
    """

    def __missing__(self, code: int) -> int | None:
        value = None if unicodedata.combining(chr(code)) else code
        self[code] = value
        return value


_STRIP_COMBINING = _CombiningMarks()


def fold(text: str) -> str:
    """Case and accents folded: ``Kollár`` → ``kollar``, ``TÜLU`` → ``tulu``."""
    if text.isascii():
        return text.lower()  # NFKD leaves ASCII alone, and casefold is lower() on it
    return unicodedata.normalize("NFKD", text).casefold().translate(_STRIP_COMBINING)
