"""The command line's plumbing: the context each command gets (arguments, output made safe for
a terminal, the library and index opened on first use), argument checks, ``CommandError``.
"""

from __future__ import annotations

import argparse
import io
from datetime import date
from typing import TYPE_CHECKING, TextIO, cast

from quire import locations
from quire.errors import QuireError
from quire.safe_text import safe_text
from quire.store import Library

if TYPE_CHECKING:
    from quire.search import SearchIndex


class CommandError(QuireError):
    """A command failed in a way the user can fix; the message says how."""


def _iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2026-01-31") from None


def _text_arg(value: str, what: str) -> str:
    """A command-line text as stored text; bytes that are not UTF-8 are refused by name.

    Python hands undecodable argv bytes over as lone surrogates, which no file can store.
    """
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as error:
        raw = value[error.start].encode("utf-8", "surrogateescape")
        raise CommandError(
            f"{what}: not UTF-8 text (byte 0x{raw[0]:02x} at character "
            f"{error.start + 1}); nothing was changed"
        ) from None
    return value


class _TerminalSafe(io.TextIOBase):
    """Standard error with ``safe_text`` applied: messages quote file names, titles and ids."""

    def __init__(self, stream: TextIO) -> None:
        super().__init__()
        self.stream = stream

    def write(self, text: str) -> int:
        self.stream.write(safe_text(text, multiline=True))
        return len(text)

    def flush(self) -> None:
        self.stream.flush()

    def isatty(self) -> bool:
        return self.stream.isatty()


class Context:
    """What a command works with, opened on first use."""

    def __init__(self, args: argparse.Namespace, out: TextIO, err: TextIO) -> None:
        self.args = args
        self.out = out
        self.raw_err = err  # for the progress bar, whose own escapes must get through
        self.err = cast(TextIO, _TerminalSafe(err))
        self.data_dir = locations.data_dir(args.data_dir)
        self.config_path = locations.config_file(args.config)
        self._library: Library | None = None
        self._index: SearchIndex | None = None

    @property
    def library(self) -> Library:
        if self._library is None:
            self._library = Library(locations.library_file(self.data_dir))
        return self._library

    @property
    def index(self) -> SearchIndex:
        """The full search index: the saved one caught up, else built once and saved."""
        if self._index is None or not self._index.text:
            # numpy and rank-bm25 load here: only for commands that search
            from quire.search.opening import open_index

            self._index = open_index(self.library, prepare=False).index
        return self._index

    def filter_index(self) -> SearchIndex:
        """An index for queries without words: the saved one if usable, else one without text.

        Listing by filters never pays for indexing every abstract.
        """
        if self._index is None:
            from quire.search import SearchIndex
            from quire.search.opening import open_saved
            from quire.search.persist import CacheRefused

            try:
                self._index = open_saved(self.library, prepare=False)[0]
            except CacheRefused:
                self._index = SearchIndex(self.library, text=False)
                self._index.refresh(prepare=False)
        return self._index

    def resolve(self, ident: str) -> int:
        return self.library.resolve(ident)

    def print(self, text: str = "") -> None:
        # Every line for a person passes through here: nothing a terminal acts on gets out.
        print(safe_text(text, multiline=True), file=self.out)

    def close(self) -> None:
        if self._library is not None:
            self._library.close()
