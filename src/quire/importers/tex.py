"""TeX in titles, abstracts and names, turned into the text a reader sees.

One function, :func:`tex_to_text`, used by every importer whose source can carry TeX (BibTeX, the
arXiv snapshot, arXiv Atom), so search, display and exports see the same text: ``Koll\\'ar`` is
``Kollár``, ``\\emph{De Anima}`` is ``De Anima``, ``1\\%`` is ``1%``. Math stays as written
(``$\\frac{o}{a}$``): a reader of a title recognises it, and no plain-text rendering is better.

Macros are decoded by pylatexenc (the decoder bibtexparser itself uses), but never on a whole
field: pylatexenc costs about 200 µs a call whatever the input, which would cap a snapshot import
far below 5,000 papers/s. Instead a linear scanner finds each macro and its brace arguments, asks
pylatexenc once per macro *shape* (``\\emph{•}``, ``\\'{•}``; cached) and fills in the arguments,
decoded the same way. Fields without a backslash (most of them) are returned untouched.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from functools import cached_property, lru_cache
from typing import Any

# Arguments are passed to pylatexenc as private-use placeholders and substituted afterwards.
_SLOTS = [chr(0xE000 + i) for i in range(16)]
# Control symbols whose meaning is just the character (or a space); no need to ask pylatexenc.
_ESCAPES = {
    "%": "%",
    "&": "&",
    "$": "$",
    "#": "#",
    "_": "_",
    "{": "{",
    "}": "}",
    " ": " ",
    "\\": " ",
    ",": " ",
    ";": " ",
    ":": " ",
    "!": "",
    "-": "",
    "/": "",
    "@": "",
    "\n": " ",
    "\t": " ",
}
# Accent macros that take one character as argument without braces: \'e, \"o, \c c, \v s.
_SYMBOL_ACCENTS = frozenset("'\"^`~=.")
_LETTER_ACCENTS = frozenset(["c", "v", "u", "H", "k", "r", "d", "b", "t", "G", "U"])
_DOTLESS = {"ı": "i", "ȷ": "j"}
_LETTERS = re.compile(r"[A-Za-z]+")
_MAX_DEPTH = 24
_BIBTEX_MARKUP = ("\\", "{", "}", "~", "$", "--", "``", "''")


@lru_cache(maxsize=1)
def _decoder() -> Any:
    """The pylatexenc decoder, built on first use (importing pylatexenc takes ~100 ms)."""
    from pylatexenc.latex2text import (
        LatexNodes2Text,
        MacroTextSpec,
        get_default_latex_context_db,
    )

    context = get_default_latex_context_db()
    # A URL is shown as itself, not wrapped in <…> (bibtexparser's own middleware does the same);
    # text symbols reference managers write (Zotero's {\textless}) that pylatexenc lacks.
    symbols = {
        "LaTeX": "LaTeX",
        "TeX": "TeX",
        "BibTeX": "BibTeX",
        "textless": "<",
        "textgreater": ">",
        "textbar": "|",
        "textquotedbl": '"',
        "textunderscore": "_",
        "textquotesingle": "'",
        "textasciicircum": "^",
        "textdollar": "$",
        "S": "\u00a7",
        "copyright": "\u00a9",
        "pounds": "\u00a3",
        "textbraceleft": "{",
        "textbraceright": "}",
    }
    context.add_context_category(
        "quire",
        prepend=True,
        macros=[
            MacroTextSpec("url", simplify_repl="%s"),
            *(MacroTextSpec(name, simplify_repl=text) for name, text in symbols.items()),
        ],
    )
    return LatexNodes2Text(latex_context=context, math_mode="verbatim", strict_latex_spaces=True)


@lru_cache(maxsize=4096)
def _template(name: str, args: int) -> str:
    """What ``\\name{•}…{•}`` becomes, with the placeholders where the arguments go."""
    source = "\\" + name + "".join("{" + _SLOTS[i] + "}" for i in range(args))
    try:
        text = str(_decoder().latex_to_text(source))
    except Exception:  # pylatexenc raises assorted errors on odd input: keep the arguments
        return "".join(_SLOTS[:args])
    return text


def _find_all(text: str, mark: str) -> list[int]:
    """Every position of ``mark`` in ``text`` (``str.find`` runs in C, without a regex engine).

    Only for marks that cannot overlap themselves (one character, or ``\\)``, ``\\]``).
    """
    out: list[int] = []
    at = text.find(mark)
    while at >= 0:
        out.append(at)
        at = text.find(mark, at + 1)
    return out


def _unescaped_dollars(text: str, double: bool) -> list[int]:
    """Where ``$`` (or ``$$``, not overlapping) starts with no backslash before it.

    A look-behind regex did this at a tenth of the speed: it cannot skip to the next ``$``.
    """
    out: list[int] = []
    after = 0
    for at in _find_all(text, "$"):
        if at < after or (at and text[at - 1] == "\\"):
            continue
        if double:
            if not text.startswith("$", at + 1):
                continue
            after = at + 2
        out.append(at)
    return out


class _Scan:
    """One text being decoded: where its math delimiters and brace pairs are, found once."""

    def __init__(self, text: str, bibtex: bool) -> None:
        self.text = text
        self.bibtex = bibtex

    # Positions of closing delimiters, found once per text (and only when first needed) so a scan
    # stays linear even when thousands of "$" or "\\(" never close.
    @cached_property
    def dollars(self) -> list[int]:
        return _unescaped_dollars(self.text, double=False)

    @cached_property
    def doubles(self) -> list[int]:
        return _unescaped_dollars(self.text, double=True)

    @cached_property
    def close_paren(self) -> list[int]:
        return _find_all(self.text, "\\)")

    @cached_property
    def close_bracket(self) -> list[int]:
        return _find_all(self.text, "\\]")

    @cached_property
    def match(self) -> dict[int, int]:
        """The matching ``}`` of each unescaped ``{``, found with one stack pass."""
        text = self.text
        pairs: dict[int, int] = {}
        stack: list[int] = []
        escaped = -1  # the position a backslash before it escapes
        marks = sorted(_find_all(text, "{") + _find_all(text, "}") + _find_all(text, "\\"))
        for at in marks:
            if at == escaped:
                continue
            char = text[at]
            if char == "\\":
                escaped = at + 1
            elif char == "{":
                stack.append(at)
            elif stack:
                pairs[stack.pop()] = at
        return pairs

    @staticmethod
    def _next(positions: list[int], after: int, end: int) -> int:
        k = bisect.bisect_left(positions, after)
        return positions[k] if k < len(positions) and positions[k] < end else -1

    def plain(self, start: int, end: int) -> str:
        """Text between macros: braces are grouping only; in BibTeX ties and dashes are TeX too."""
        segment = self.text[start:end]
        if "{" in segment or "}" in segment:
            segment = segment.replace("{", "").replace("}", "")
        if self.bibtex:
            segment = (
                segment.replace("~", " ")
                .replace("---", "\u2014")
                .replace("--", "\u2013")
                .replace("``", "\u201c")
                .replace("''", "\u201d")
            )
        return segment

    def decode(self, start: int, end: int, depth: int = 0) -> str:
        """Decode ``text[start:end]``; every character is looked at a bounded number of times."""
        text = self.text
        out: list[str] = []
        pos = start
        # The next backslash and the next "$", each found by str.find (in C) and looked for
        # again only once passed: a regex search from every macro rescanned plain text.
        slash = text.find("\\", pos, end)
        dollar = text.find("$", pos, end)
        while pos < end:
            if 0 <= slash < pos:
                slash = text.find("\\", pos, end)
            if 0 <= dollar < pos:
                dollar = text.find("$", pos, end)
            if slash < 0 and dollar < 0:
                out.append(self.plain(pos, end))
                break
            i = dollar if slash < 0 or 0 <= dollar < slash else slash
            out.append(self.plain(pos, i))
            pos = self._math(i, end, out) if text[i] == "$" else self._macro(i, end, depth, out)
        return "".join(out)

    def _math(self, i: int, end: int, out: list[str]) -> int:
        """Math is kept as written, delimiters included; an unclosed ``$`` is a dollar sign."""
        text = self.text
        if text.startswith("$$", i):
            close = self._next(self.doubles, i + 2, end)
            if close >= 0:
                out.append(text[i : close + 2])
                return close + 2
        close = self._next(self.dollars, i + 1, end)
        if close >= 0:
            out.append(text[i : close + 1])
            return close + 1
        out.append("$")
        return i + 1

    def _group_end(self, at: int, end: int) -> int:
        """The index of the ``}`` closing the group opening at ``at``, or -1."""
        close = self.match.get(at, -1)
        return close if close < end else -1

    def _macro(self, i: int, end: int, depth: int, out: list[str]) -> int:
        text = self.text
        if i + 1 >= end:
            return end  # a lone trailing backslash means nothing
        char = text[i + 1]
        if char in "([":
            positions = self.close_paren if char == "(" else self.close_bracket
            close = self._next(positions, i + 2, end)
            if close >= 0:
                out.append(text[i : close + 2])  # \( … \) and \[ … \] are math: kept
                return close + 2
        letters = _LETTERS.match(text, i + 1, end)
        if letters is None and char in _ESCAPES:
            out.append(_ESCAPES[char])
            return i + 2
        name = letters.group() if letters else char
        pos = i + 1 + len(name)
        args: list[tuple[int, int]] = []
        accent = name in _SYMBOL_ACCENTS or name in _LETTER_ACCENTS
        spaced = False
        if accent:
            pos, args = self._accent_argument(name, pos, end)
        else:
            word_end = pos
            while pos < end and text[pos] in " \t\n":
                pos += 1  # TeX drops the spaces after a control word
            spaced = pos > word_end
            while pos < end and text[pos] == "{" and len(args) < len(_SLOTS):
                close = self._group_end(pos, end)
                if close < 0:
                    break
                args.append((pos + 1, close))
                pos = close + 1
        result = _template(name, len(args))
        for slot, (a, b) in zip(_SLOTS, args, strict=False):
            value = self._argument(a, b, depth)
            result = result.replace(slot, _DOTLESS.get(value, value) if accent else value)
        if accent and not args:
            result = ""  # an accent with nothing to sit on
        out.append(result if result.isascii() else unicodedata.normalize("NFC", result))
        if spaced and not args and result:
            out.append(" ")  # "\\LaTeX is": TeX would glue the words; a reader expects a space
        return pos

    def _accent_argument(self, name: str, pos: int, end: int) -> tuple[int, list[tuple[int, int]]]:
        """An accent's argument: a brace group, a control word (``\\'\\i``) or one character."""
        text = self.text
        if name in _LETTER_ACCENTS:
            while pos < end and text[pos] == " ":
                pos += 1
        if pos >= end:
            return pos, []
        if text[pos] == "{":
            close = self._group_end(pos, end)
            if close >= 0:
                return close + 1, [(pos + 1, close)]
            return pos, []
        if text[pos] == "\\":
            word = _LETTERS.match(text, pos + 1, end)
            stop = pos + 1 + len(word.group()) if word else min(pos + 2, end)
            return stop, [(pos, stop)]
        return pos + 1, [(pos, pos + 1)]

    def _argument(self, start: int, end: int, depth: int) -> str:
        if depth >= _MAX_DEPTH:  # absurd nesting: keep the letters, drop the markup
            return re.sub(r"\\[A-Za-z]*|[{}]", "", self.text[start:end])
        return self.decode(start, end, depth + 1)


def tex_to_text(text: str, *, bibtex: bool = False) -> str:
    """The text a reader sees for ``text`` that may hold TeX; math (``$…$``) stays as written.

    Only text containing a backslash is decoded (in BibTeX also braces, ``~``, ``--`` and ````
    quotes, which are markup there), so plain text costs one scan. ``bibtex=True`` reads BibTeX
    field values, where ``~`` is a tie and ``--`` an en dash; elsewhere (arXiv abstracts) those
    characters are often meant literally, so they are left alone.
    """
    if bibtex:
        if not any(mark in text for mark in _BIBTEX_MARKUP):
            return text
        # Mendeley writes a backslash it meant as TeX as "$\backslash$" (R$\backslash$'enyi).
        text = text.replace("$\\backslash$", "\\")
    elif "\\" not in text:
        return text
    return _Scan(text, bibtex).decode(0, len(text))
