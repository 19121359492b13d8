"""The command line's arguments: every command and option (argparse), and words argparse took for
options that are query words (``quire list -rank``).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from quire import __version__
from quire.cli.context import _iso_date
from quire.export import EXPORT_FORMATS  # bibtexparser loads lazily
from quire.importers import FORMATS
from quire.search.query import SORT_KEYS


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="quire",
        description="A keyboard-driven terminal reader for research papers. "
        "Run without a command to open the reader.",
    )
    parser.add_argument("--version", action="version", version=f"quire {__version__}")
    parser.add_argument("--data-dir", type=Path, help="library folder (or QUIRE_DATA_DIR)")
    parser.add_argument("--config", type=Path, help="config file (or QUIRE_CONFIG)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("import", help="import papers from files or folders")
    p.add_argument("paths", nargs="*", type=Path, metavar="PATH")
    p.add_argument("--format", choices=FORMATS, help="skip detection and read this format")
    p.add_argument("--year", type=int, help="year of dates shown without one (HF text pages)")
    p.add_argument("--sample", action="store_true", help="import the bundled sample library")
    p.add_argument("--reasons", action="store_true", help="list why records were skipped")

    for name, helptext in (
        ("list", "list papers, optionally matching a query"),
        ("search", "search the library"),
    ):
        p = sub.add_parser(name, help=helptext)
        p.add_argument("query", nargs="?", default="")
        p.add_argument("--sort", choices=SORT_KEYS)
        p.add_argument("--reverse", action="store_true", help="reverse the order")
        p.add_argument(
            "--limit", type=int, default=50 if name == "list" else 20, help="how many to show (0: all)"
        )
        p.add_argument("--json", action="store_true", help="print a JSON array")
        p.add_argument(
            "--as-typed",
            action="store_true",
            help='search misspelt words as typed (no "showing results for …")',
        )
        p.add_argument(
            "--explain",
            action="store_true",
            help="say why each paper ranked: matched words per field, stems, acronyms, typos, BM25 share",
        )

    p = sub.add_parser("show", help="show one paper")
    p.add_argument("id")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("similar", help="papers most like one paper")
    p.add_argument("id")
    p.add_argument("--limit", type=int, default=5)
    p.add_argument("--json", action="store_true")

    for name, helptext in (
        ("bookmark", "bookmark papers"),
        ("unbookmark", "remove bookmarks"),
        ("read", "mark papers read"),
        ("unread", "mark papers unread"),
    ):
        sub.add_parser(name, help=helptext).add_argument("ids", nargs="+", metavar="ID")
    for name, helptext in (("tag", "add tags to a paper"), ("untag", "remove tags from a paper")):
        p = sub.add_parser(name, help=helptext)
        p.add_argument("id")
        p.add_argument("tags", nargs="+", metavar="TAG")
    sub.add_parser("tags", help="every tag with its count").add_argument(
        "--json", action="store_true", help="print a JSON array"
    )
    p = sub.add_parser("note", help="print a paper's note, or set it (use '' to clear)")
    p.add_argument("id")
    p.add_argument("text", nargs="?")

    p = sub.add_parser("remove", help="remove the papers matching a query")
    p.add_argument("query", nargs="?", default="")
    p.add_argument("--yes", action="store_true", help="really remove them")

    p = sub.add_parser("export", help="export papers (all, or those matching a query)")
    p.add_argument("query", nargs="?", default="")
    p.add_argument(
        "--format",
        required=True,
        choices=EXPORT_FORMATS,
        help="quire: every field, source and annotation, to carry or back up the "
        "library ('quire import FILE' merges it back, the newer change winning)",
    )
    p.add_argument("-o", "--output", type=Path, help="file to write (default: standard output)")
    p.add_argument("--force", action="store_true", help="overwrite the output file if it exists")

    p = sub.add_parser("backup", help="copy the library to one file (safe while quire runs)")
    p.add_argument("path", type=Path, metavar="PATH", help="file (or folder) for the copy")
    p.add_argument("--force", action="store_true", help="overwrite PATH if it exists")

    p = sub.add_parser("sync", help="fetch new papers from the configured feeds")
    p.add_argument("feeds", nargs="*", metavar="FEED", help="feed names (default: every feed)")
    p.add_argument(
        "--since",
        type=_iso_date,
        metavar="DATE",
        help="fetch from this day (YYYY-MM-DD) instead of the last sync",
    )
    p.add_argument("--dry-run", action="store_true", help="fetch and count, store nothing")
    p.add_argument("--json", action="store_true", help="print a JSON report")
    p = sub.add_parser("add", help="fetch papers by arXiv id or Hugging Face / arXiv URL")
    p.add_argument("refs", nargs="+", metavar="ID|URL")
    p = sub.add_parser("digest", help="papers the watch rules caught since the last digest")
    p.add_argument(
        "--since",
        default="last",
        metavar="last|DATE",
        help="'last' (the previous digest, default) or a day YYYY-MM-DD",
    )
    p.add_argument("--format", choices=("markdown", "json"), default="markdown")
    p.add_argument("--keep", action="store_true", help="do not move the 'last digest' mark (a preview)")

    p = sub.add_parser("config", help="the config file")
    p.add_argument("action", choices=("path", "show", "init"))
    p.add_argument("--force", action="store_true", help="init: overwrite an existing file")
    sub.add_parser("paths", help="where quire keeps its files").add_argument(
        "--json", action="store_true", help="print a JSON object"
    )
    sub.add_parser("doctor", help="check the library file and say how to recover it")
    return parser


def _query_words(parser: argparse.ArgumentParser, args: argparse.Namespace, extra: list[str]) -> None:
    """Words argparse took for options are query words (``quire list -rank``), else an error.

    A query excludes with ``-word``, which argparse reads as an unknown option; for commands
    that take a query, unknown ``-x`` arguments join the query instead of needing ``--``.
    """
    takes_query = args.command in ("list", "search", "remove", "export")
    options = [word for word in extra if word.startswith("--") or not word.startswith("-")]
    if not takes_query or options:
        parser.error(
            f"unrecognized arguments: {' '.join(extra)}"
            + (" (a query starting with '-' may also follow --)" if takes_query else "")
        )
    args.query = " ".join([args.query or "", *extra]).strip()
