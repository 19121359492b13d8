"""One tokenizer for indexing and for queries.

Unicode-aware and case-folded, accents folded (``TÜLU`` is found by ``tulu``), stop words
dropped, simple plurals folded (``transformers`` → ``transformer``). Compound tokens such as
``gpt-4``, ``e^2rank`` or ``llama-3.1`` stay findable whole; when indexing, their parts are
indexed too, so ``gpt`` finds ``GPT-4``.

The index keeps these words as written (plurals folded), so an exact match can count more.
``stem`` (Snowball English, via PyStemmer) maps each of them, and each query word, to its stem:
the engine groups the vocabulary by stem, so ``explore`` also finds ``exploration``.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Iterator
from functools import lru_cache
from itertools import chain
from typing import TYPE_CHECKING

import Stemmer

from quire.folding import fold
from quire.search.stop_words import STOP_WORDS as STOP_WORDS  # part of this module's API

if TYPE_CHECKING:  # numpy is imported by the one function that needs it: the reader's first
    import numpy as np  # paint imports this module and should not wait for numpy
    import numpy.typing as npt

# The version of what ``index_terms`` produces. A saved search index records it and is rebuilt
# when it differs: bump it with any change that makes a text index as different terms.
# 2: the index also holds the library's acronym table and groups its words by Snowball stem.
# 3: accents folded by quire.folding (every combining mark, as paper identity folds them).
TOKENIZER_VERSION = 3

# A word, optionally joined to more words by - ^ . + / ' (but not ending on one), optional ++.
_TOKEN = re.compile(r"\w+(?:[-^.+/']\w+)*(?:\+\+)?")
_PART = re.compile(r"\w+")


@lru_cache(maxsize=200_000)
def fold_plural(word: str) -> str:
    """Fold simple English plurals: ``models``→``model``, ``studies``→``study``, ``boxes``→``box``."""
    if len(word) <= 3 or not word.isalpha():
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("sses", "ches", "shes", "xes", "zzes")):
        return word[:-2]
    if word.endswith("s") and not word.endswith(("ss", "us", "is", "ous")):
        return word[:-1]
    return word


def normalise_token(raw: str) -> str | None:
    """The index form of one raw token, or ``None`` for a stop word."""
    word = fold(raw)
    if word in STOP_WORDS:
        return None
    return fold_plural(word)


_SNOWBALL = Stemmer.Stemmer("english")


@lru_cache(maxsize=400_000)
def stem(term: str) -> str:
    """The Snowball English stem of an index term (``exploration`` → ``explor``).

    Compound terms (``gpt-4``) and numbers stay as they are. Snowball keeps ``-ify`` and
    ``-ification`` apart (``verifi``/``verif``); they are joined here, so ``verifier`` finds
    ``verification``.
    """
    if not term.isalpha():
        return term
    root: str = _SNOWBALL.stemWord(term)
    if root.endswith("ifi"):
        root = root[:-1]
    return root


def iter_tokens(text: str) -> Iterator[tuple[int, int, str]]:
    """Every token of ``text`` with its span (for highlighting): ``(start, end, term)``."""
    for match in _TOKEN.finditer(text):
        term = normalise_token(match.group())
        if term is not None:
            yield match.start(), match.end(), term


_CACHE_LIMIT = 400_000


_FAST_TOKEN = re.compile(r"\w[\w\-^.+/']*")
_TRAILING = "-^./'+"


def _terms_of(raw: str) -> tuple[str, ...]:
    # The fast scan may take trailing joiners ("end.", "gpt-"): trim them, but keep "c++".
    if raw[-1] in _TRAILING and not raw.endswith("++"):
        raw = raw.rstrip(_TRAILING) or raw
    if not _TOKEN.fullmatch(raw):  # e.g. "a--b": index each proper token inside it
        return tuple(chain.from_iterable(_terms_of(t) for t in _TOKEN.findall(raw)))
    terms: list[str] = []
    term = normalise_token(raw)
    if term is not None:
        terms.append(term)
    if not raw.isalnum() and "_" not in raw:
        for part in _PART.findall(raw):
            if part != raw and (sub := normalise_token(part)) is not None and sub != term:
                terms.append(sub)
    return tuple(terms)


class _TermsOf(dict[str, tuple[str, ...]]):
    """raw token -> the terms it indexes as, computed on first sight (lookups stay in C)."""

    def __missing__(self, raw: str) -> tuple[str, ...]:
        if len(self) > _CACHE_LIMIT:
            self.clear()
        terms = self[raw] = _terms_of(raw)
        return terms


_TERMS_OF = _TermsOf()


_JOINERS = "-^./'+"
# ASCII text: every character that cannot be in a token becomes a space, and str.split finds
# the same tokens as _FAST_TOKEN (about three times faster, and indexing is mostly this).
_NOT_TOKEN = str.maketrans(
    {chr(c): " " for c in range(128) if not (chr(c).isalnum() or chr(c) == "_" or chr(c) in _JOINERS)}
)


class _SplitTermsOf(dict[str, tuple[str, ...]]):
    """Like ``_TermsOf`` for pieces of split text (a token starts at its first word character)."""

    def __missing__(self, raw: str) -> tuple[str, ...]:
        if len(self) > _CACHE_LIMIT:
            self.clear()
        token = raw.lstrip(_JOINERS)
        terms = self[raw] = _TERMS_OF[token] if token else ()
        return terms


_SPLIT_TERMS_OF = _SplitTermsOf()


def index_terms(text: str) -> list[str]:
    """Terms to index for ``text``: every token, plus the parts of compound tokens."""
    # Fold the whole text once; each distinct raw token is normalised once and remembered.
    folded = fold(text)
    if folded.isascii():
        pieces = folded.translate(_NOT_TOKEN).split()
        return list(chain.from_iterable(map(_SPLIT_TERMS_OF.__getitem__, pieces)))
    return list(chain.from_iterable(map(_TERMS_OF.__getitem__, _FAST_TOKEN.findall(folded))))


def _split_text(texts: Iterable[str]) -> str:
    """One document's texts, folded, as space-separated pieces that split into its tokens."""
    folded = " ".join(map(fold, texts))
    if folded.isascii():
        return folded.translate(_NOT_TOKEN)
    return " ".join(_FAST_TOKEN.findall(folded))


# The batch tokenizer works on UTF-8: one bytes.translate lowercases ASCII and blanks what cannot
# be in a token (other characters' bytes pass), one split finds the pieces; 0xFF, never a byte
# of UTF-8, ends each document.
_BYTES_TABLE = bytes(c if c >= 128 else ord(_NOT_TOKEN.get(c, chr(c)).lower()) for c in range(256))
_BREAK = b"\xff"


class _PieceIds(dict[bytes, int]):
    """piece -> its number; ``ids_of`` gives the term ids of numbered pieces, term ids counted in
    this process (0: a document's end).

    Lookups stay in C, and give one number per piece whatever its term count, so they run
    through ``np.fromiter`` with nothing in between. The numbering may restart between batches
    (``index_term_ids`` renumbers each batch's terms by first occurrence).
    """

    def __init__(self) -> None:
        super().__init__({_BREAK: 0})
        self.ids: dict[str, int] = {}
        self.terms = [""]
        self.pending: list[tuple[int, ...]] = [(0,)]  # term ids of pieces numbered since ids_of
        self.counts: list[npt.NDArray[np.int64]] = []  # per piece number: how many terms
        self.flat: list[npt.NDArray[np.int64]] = []  # their term ids, piece after piece

    def __missing__(self, piece: bytes) -> int:
        ids = []
        for term in _SPLIT_TERMS_OF[piece.decode("utf-8")]:
            tid = self.ids.setdefault(term, len(self.terms))
            if tid == len(self.terms):
                self.terms.append(term)
            ids.append(tid)
        number = self[piece] = len(self)
        self.pending.append(tuple(ids))
        return number

    def ids_of(self, numbers: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
        """The term ids of these pieces, one after the other."""
        import numpy as np

        if self.pending:
            added = np.asarray([len(ids) for ids in self.pending], dtype=np.int64)
            added_ids = np.asarray(list(chain.from_iterable(self.pending)), dtype=np.int64)
            self.counts = [np.concatenate([*self.counts, added])]
            self.flat = [np.concatenate([*self.flat, added_ids])]
            self.pending = []
        counts: npt.NDArray[np.int64] = self.counts[0]
        flat: npt.NDArray[np.int64] = self.flat[0]
        starts = np.cumsum(counts) - counts
        per_piece = counts[numbers]
        ends = np.cumsum(per_piece)
        at = np.repeat(starts[numbers] - (ends - per_piece), per_piece) + np.arange(
            int(ends[-1]) if len(ends) else 0
        )
        return flat[at]


_PIECE_IDS = [_PieceIds()]
# The piece cache is the process's: two indexes refreshing at once (each under its own lock)
# would otherwise number pieces into each other's pending lists.
_PIECE_LOCK = threading.Lock()


class _NonWord(dict[int, int | str]):
    """A ``str.translate`` table blanking characters beyond ASCII that cannot be in a token
    (dashes, quotes, spaces of other scripts); filled as characters are met."""

    def __missing__(self, code: int) -> int | str:
        char = chr(code)
        value = self[code] = code if code < 128 or char.isalnum() else " "
        return value


_NON_WORD = _NonWord()
# Characters beyond ASCII, folded run by run: folding works character by character (no case
# rule looks at neighbours, and accents only reorder among themselves, never across an ASCII
# character), so folding the runs alone folds the text as folding it whole would. The ASCII
# between them is folded by the batch's translate.
_NON_ASCII = re.compile(r"[^\x00-\x7f]+")


def _fold_run(match: re.Match[str]) -> str:
    return fold(match.group()).translate(_NON_WORD)


def _utf8_pieces(texts: Iterable[str]) -> bytes:
    """One document's texts for the batch's translate (ASCII is folded there, not here)."""
    text = " ".join(texts)
    if text.isascii():
        return text.encode("ascii")
    return _NON_ASCII.sub(_fold_run, text).encode("utf-8")


def index_term_ids(
    documents: Iterable[Iterable[str]],
) -> tuple[list[str], npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """The index terms of many documents at once, as ``(terms, ids, sizes)``.

    Each document is given as its texts; its terms are those ``index_terms`` gives for each
    text, in the same order. ``ids`` index ``terms`` (the batch's distinct terms in the order
    they first occur), document after document, and ``sizes`` says how many belong to each. The
    batch is translated and split once and each piece looked up once, with no list per text or
    per document: tokenizing is most of an index build.
    """
    import numpy as np

    pieces = [_utf8_pieces(texts) for texts in documents]
    pieces.append(b"")  # so that every document, the last one too, ends with a break
    split = (b" " + _BREAK + b" ").join(pieces).translate(_BYTES_TABLE).split()
    with _PIECE_LOCK:
        if len(_PIECE_IDS[0]) > _CACHE_LIMIT:
            _PIECE_IDS[0] = _PieceIds()
        lookup = _PIECE_IDS[0]
        numbers = np.fromiter(map(lookup.__getitem__, split), dtype=np.int64, count=len(split))
        del split
        ids = lookup.ids_of(numbers)
        del numbers
        terms = lookup.terms
    # Number the batch's terms by first occurrence (as a vocabulary gives ids).
    first = np.full(len(terms), len(ids), dtype=np.int64)
    np.minimum.at(first, ids, np.arange(len(ids), dtype=np.int64))
    present = np.flatnonzero(first[1:] < len(ids)) + 1
    order = present[np.argsort(first[present])]
    local = np.zeros(len(terms), dtype=np.int64)
    local[order] = np.arange(len(order), dtype=np.int64)
    breaks = np.flatnonzero(ids == 0)
    sizes = np.diff(breaks, prepend=-1) - 1
    return [terms[t] for t in order.tolist()], local[ids[ids != 0]], sizes


def query_terms(text: str) -> list[str]:
    """Terms of a query word or phrase: compound tokens stay whole (``gpt-4`` means GPT-4)."""
    return [term for _, _, term in iter_tokens(text)]


def highlight_spans(text: str, terms: set[str], prefixes: tuple[str, ...] = ()) -> list[tuple[int, int]]:
    """Spans of ``text`` whose tokens (or their parts) are among ``terms`` or start a ``prefix``."""
    spans: list[tuple[int, int]] = []
    if not terms and not prefixes:
        return spans
    for match in _TOKEN.finditer(text):
        raw = match.group()
        term = normalise_token(raw)
        if term is not None and (term in terms or (prefixes and term.startswith(prefixes))):
            spans.append((match.start(), match.end()))
            continue
        if not raw.isalnum():
            for part in _PART.finditer(raw):
                sub = normalise_token(part.group())
                if sub is not None and (sub in terms or (prefixes and sub.startswith(prefixes))):
                    spans.append((match.start() + part.start(), match.start() + part.end()))
    return spans
