"""The command line: a thin face on the core (store, importers, search, export).

``quire`` alone opens the reader; subcommands script the same library.
Exit status: 0 done, 1 a command failed (bad input, unknown id…), 2 bad usage or config.
"""

from __future__ import annotations

import argparse
import io
import json
import sys
from collections.abc import Callable, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO, cast

from quire import __version__, locations
from quire.config import Config, ConfigError, config_toml, load_config, parse_toml
from quire.errors import BadFileError, QuireError, UsageError
from quire.export import EXPORT_FORMATS, SUFFIXES, export_library  # bibtexparser loads lazily
from quire.export.writing import write_export
from quire.files import write_atomic
from quire.importers import FORMATS, ImportFailure, import_path, iter_import_files
from quire.models import ImportSummary, Paper, row_marks
from quire.safe_text import safe_text
from quire.search.query import SORT_KEYS, parse_query
from quire.store import Library
from quire.views import similar_with_papers, with_order
from quire.wording import counted

if TYPE_CHECKING:
    from quire.search import SearchIndex, SearchResult


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
        raise CommandError(f"{what}: not UTF-8 text (byte 0x{raw[0]:02x} at character "
                           f"{error.start + 1}); nothing was changed") from None
    return value


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="quire", description="A keyboard-driven terminal reader for research papers. "
        "Run without a command to open the reader.")
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

    for name, helptext in (("list", "list papers, optionally matching a query"),
                           ("search", "search the library")):
        p = sub.add_parser(name, help=helptext)
        p.add_argument("query", nargs="?", default="")
        p.add_argument("--sort", choices=SORT_KEYS)
        p.add_argument("--reverse", action="store_true", help="reverse the order")
        p.add_argument("--limit", type=int, default=50 if name == "list" else 20,
                       help="how many to show (0: all)")
        p.add_argument("--json", action="store_true", help="print a JSON array")
        p.add_argument("--as-typed", action="store_true",
                       help="search misspelt words as typed (no \"showing results for …\")")
        p.add_argument("--explain", action="store_true",
                       help="say why each paper ranked: matched words per field, stems, "
                       "acronyms, typos, BM25 share")

    p = sub.add_parser("show", help="show one paper")
    p.add_argument("id")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("similar", help="papers most like one paper")
    p.add_argument("id")
    p.add_argument("--limit", type=int, default=5)
    p.add_argument("--json", action="store_true")

    for name, helptext in (("bookmark", "bookmark papers"), ("unbookmark", "remove bookmarks"),
                           ("read", "mark papers read"), ("unread", "mark papers unread")):
        sub.add_parser(name, help=helptext).add_argument("ids", nargs="+", metavar="ID")
    for name, helptext in (("tag", "add tags to a paper"), ("untag", "remove tags from a paper")):
        p = sub.add_parser(name, help=helptext)
        p.add_argument("id")
        p.add_argument("tags", nargs="+", metavar="TAG")
    sub.add_parser("tags", help="every tag with its count").add_argument(
        "--json", action="store_true", help="print a JSON array")
    p = sub.add_parser("note", help="print a paper's note, or set it (use '' to clear)")
    p.add_argument("id")
    p.add_argument("text", nargs="?")

    p = sub.add_parser("remove", help="remove the papers matching a query")
    p.add_argument("query", nargs="?", default="")
    p.add_argument("--yes", action="store_true", help="really remove them")

    p = sub.add_parser("export", help="export papers (all, or those matching a query)")
    p.add_argument("query", nargs="?", default="")
    p.add_argument("--format", required=True, choices=EXPORT_FORMATS,
                   help="quire: every field, source and annotation, to carry or back up the "
                   "library ('quire import FILE' merges it back, the newer change winning)")
    p.add_argument("-o", "--output", type=Path, help="file to write (default: standard output)")
    p.add_argument("--force", action="store_true", help="overwrite the output file if it exists")

    p = sub.add_parser("backup", help="copy the library to one file (safe while quire runs)")
    p.add_argument("path", type=Path, metavar="PATH", help="file (or folder) for the copy")
    p.add_argument("--force", action="store_true", help="overwrite PATH if it exists")

    p = sub.add_parser("sync", help="fetch new papers from the configured feeds")
    p.add_argument("feeds", nargs="*", metavar="FEED", help="feed names (default: every feed)")
    p.add_argument("--since", type=_iso_date, metavar="DATE",
                   help="fetch from this day (YYYY-MM-DD) instead of the last sync")
    p.add_argument("--dry-run", action="store_true", help="fetch and count, store nothing")
    p.add_argument("--json", action="store_true", help="print a JSON report")
    p = sub.add_parser("add", help="fetch papers by arXiv id or Hugging Face / arXiv URL")
    p.add_argument("refs", nargs="+", metavar="ID|URL")
    p = sub.add_parser("digest", help="papers the watch rules caught since the last digest")
    p.add_argument("--since", default="last", metavar="last|DATE",
                   help="'last' (the previous digest, default) or a day YYYY-MM-DD")
    p.add_argument("--format", choices=("markdown", "json"), default="markdown")
    p.add_argument("--keep", action="store_true",
                   help="do not move the 'last digest' mark (a preview)")

    p = sub.add_parser("config", help="the config file")
    p.add_argument("action", choices=("path", "show", "init"))
    p.add_argument("--force", action="store_true", help="init: overwrite an existing file")
    sub.add_parser("paths", help="where quire keeps its files").add_argument(
        "--json", action="store_true", help="print a JSON object")
    sub.add_parser("doctor", help="check the library file and say how to recover it")
    return parser


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
            from quire.search.persist import open_index

            self._index = open_index(self.library, prepare=False).index
        return self._index

    def filter_index(self) -> SearchIndex:
        """An index for queries without words: the saved one if usable, else one without text.

        Listing by filters never pays for indexing every abstract.
        """
        if self._index is None:
            from quire.search import SearchIndex
            from quire.search.persist import CacheRefused, open_saved

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


# -- output helpers -------------------------------------------------------------------------

def _marks(paper: Paper) -> str:
    ann = paper.annotation
    return "".join(row_marks(ann.read, ann.bookmarked, bool(ann.note)))


def _row(paper: Paper) -> str:
    day = paper.published.isoformat() if paper.published else " " * 10
    votes = f"{paper.upvotes:>4}" if paper.upvotes is not None else "    "
    tags = ("  [" + ", ".join(paper.annotation.tags) + "]") if paper.annotation.tags else ""
    return safe_text(f"{paper.id:<12} {day} {votes} {_marks(paper)} {paper.title}{tags}")


def _detail(paper: Paper) -> str:
    lines = [paper.title, ""]
    meta = [("id", paper.id), ("published", paper.published.isoformat() if paper.published else ""),
            ("authors", ", ".join(paper.authors) or (counted(paper.author_count, "author")
                                                     if paper.author_count else "")),
            ("organization", paper.org_name or ""),
            ("upvotes", "" if paper.upvotes is None else str(paper.upvotes)),
            ("categories", " ".join(paper.categories)), ("doi", paper.doi or ""),
            ("code", paper.github_repo or ""), ("sources", ", ".join(paper.sources)),
            ("tags", ", ".join(paper.annotation.tags)),
            ("state", ("read" if paper.annotation.read else "unread")
             + (", bookmarked" if paper.annotation.bookmarked else ""))]
    lines[0] = safe_text(paper.title)
    lines += [f"{k:>12}: {safe_text(v)}" for k, v in meta if v]
    if paper.abstract:
        lines += ["", safe_text(paper.abstract, multiline=True)]
    if paper.annotation.note:
        lines += ["", "Note:", safe_text(paper.annotation.note, multiline=True)]
    return "\n".join(lines)


def _print_papers(ctx: Context, papers: Sequence[Paper], as_json: bool,
                  extra: Callable[[Paper], dict[str, Any]] | None = None) -> None:
    if as_json:
        rows = [{**p.as_json(), **(extra(p) if extra else {})} for p in papers]
        ctx.print(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for paper in papers:
        ctx.print(_row(paper))


def _run_query(ctx: Context, query: str, sort: str | None = None, reverse: bool = False,
               limit: int = 0, correct: bool = True) -> SearchResult:
    if not sort and not parse_query(query).has_words and parse_query(query).sort is None:
        default = load_config(ctx.config_path).default_sort  # the config's order for lists without words
        sort = default if default != "date" else None
    text = with_order(query, sort, reverse)
    parsed = parse_query(text)
    if not text:
        # The plain list, newest first: one indexed scan of the library, no search index.
        from quire.search import SearchResult

        pids = ctx.library.all_pids(limit=limit or None)
        # The count is one more indexed scan; it never materialises the whole list.
        total = ctx.library.count() if limit else len(pids)
        return SearchResult(parsed, pids, exact=len(pids), total=total)
    # Excluded words need the text too: an index without it would silently keep those papers.
    index = ctx.index if parsed.has_words or parsed.excluded else ctx.filter_index()
    result = index.search(parsed, limit=limit or None, correct=correct)
    for problem in result.errors:
        print(f"quire: query: {problem}", file=ctx.err)
    if result.corrections:
        print(f"quire: {result.correction_note}; --as-typed searches as typed", file=ctx.err)
    return result


# -- commands -------------------------------------------------------------------------------

def cmd_import(ctx: Context) -> int:
    args = ctx.args
    paths: list[Path] = list(args.paths)
    if args.sample:
        paths += locations.sample_files()
    if not paths:
        raise UsageError("import: give at least one PATH, or --sample")
    failed = 0
    for path in paths:
        try:
            files = iter_import_files(path)
        except ImportFailure as error:
            print(f"quire: {error}", file=ctx.err)
            failed += 1
            continue
        for file in files:
            try:
                summary = _import_with_progress(ctx, file)
            except BadFileError as error:
                print(f"quire: {error} (nothing imported from it)", file=ctx.err)
                failed += 1
                continue
            ctx.print(summary.line())
            for notice in summary.notices:
                ctx.print(f"  {safe_text(notice)}")
            if args.reasons:
                for reason in summary.skip_reasons:
                    ctx.print(f"  skipped {reason}")
    if failed:
        print(f"quire: {counted(failed, 'file')} could not be imported", file=ctx.err)
    return 1 if failed else 0


def _import_with_progress(ctx: Context, file: Path) -> ImportSummary:
    args = ctx.args
    if not ctx.err.isatty():
        return import_path(ctx.library, file, fmt=args.format, year=args.year)
    from rich.console import Console
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn

    with Progress(TextColumn("{task.description}", markup=False), BarColumn(), DownloadColumn(),
                  TimeRemainingColumn(), transient=True,
                  console=Console(file=ctx.raw_err)) as bar:
        task = bar.add_task(safe_text(f"importing {file.name}"), total=None)

        def advance(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        return import_path(ctx.library, file, fmt=args.format, year=args.year,
                           on_progress=advance)


def cmd_list(ctx: Context) -> int:
    args = ctx.args
    if args.command == "search" and not args.query.strip():
        raise UsageError("search: give a query (or use 'quire list')")
    result = _run_query(ctx, args.query or "", args.sort, args.reverse, args.limit,
                        correct=not args.as_typed)
    papers = ctx.library.get_papers(result.pids)
    as_search = ctx.args.command == "search" or bool(result.query.has_words)
    also = set(result.pids[result.exact:])
    why: dict[int, list[str]] = {}
    if args.explain and result.query.has_words:
        from quire.search.explain import explain

        why = {e.pid: e.lines() for e in explain(ctx.index, result, papers)}

    def extra(paper: Paper) -> dict[str, Any]:
        if not as_search:
            return {}
        matched = ctx.index.matched_terms(paper.pid, sorted(result.terms)) if result.terms \
            else []
        fields = {"score": round(result.scores.get(paper.pid, 0.0), 4), "matched": matched,
                  "also_relevant": paper.pid in also}
        if args.explain:
            fields["explain"] = why.get(paper.pid, [])
        return fields

    if args.json:
        _print_papers(ctx, papers, True, extra)
    else:
        divided = False
        for paper in papers:
            if paper.pid in also and not divided:
                ctx.print("-- also relevant: papers holding some of the words --")
                divided = True
            ctx.print(_row(paper))
            for line in why.get(paper.pid, []):
                ctx.print(f"    {line}")
    if not args.json and not papers:
        print("quire: no papers match" + (f" {args.query!r}" if args.query else ""), file=ctx.err)
    if result.total > len(papers):
        # On stderr, so piped output stays rows (or JSON) only.
        print(f"quire: showing {len(papers)} of {result.total}, --limit 0 for all", file=ctx.err)
    return 0


def cmd_show(ctx: Context) -> int:
    paper = ctx.library.get_paper(ctx.resolve(ctx.args.id))
    if ctx.args.json:
        ctx.print(json.dumps(paper.as_json(), ensure_ascii=False, indent=2))
    else:
        ctx.print(_detail(paper))
    return 0


def cmd_similar(ctx: Context) -> int:
    pid = ctx.resolve(ctx.args.id)
    found = similar_with_papers(ctx.index, ctx.library, pid, limit=ctx.args.limit)
    if ctx.args.json:
        rows = [{**paper.as_json(), "score": round(n.score, 4), "shared": n.shared}
                for paper, n in found]
        ctx.print(json.dumps(rows, ensure_ascii=False, indent=2))
    else:
        for paper, n in found:
            ctx.print(f"{_row(paper)}\n{'':13}shares: {', '.join(n.shared)}")
    return 0


def _pids(ctx: Context, ids: Sequence[str]) -> list[int]:
    return [ctx.resolve(i) for i in ids]


def _flag(method: str, value: bool, done: str) -> Callable[[Context], int]:
    def run(ctx: Context) -> int:
        pids = _pids(ctx, ctx.args.ids)
        getattr(ctx.library, method)(pids, value)
        ctx.print(f"{done} {counted(len(pids), 'paper')}")
        return 0
    return run


def cmd_tag(ctx: Context) -> int:
    pid = ctx.resolve(ctx.args.id)
    for tag in ctx.args.tags:
        _text_arg(tag, "tag")
    try:
        if ctx.args.command == "tag":
            ctx.library.add_tags([pid], ctx.args.tags)
        else:
            ctx.library.remove_tags([pid], ctx.args.tags)
    except ValueError as error:
        raise CommandError(str(error)) from None
    paper = ctx.library.get_paper(pid)
    ctx.print(f"{paper.id}: tags: {', '.join(paper.annotation.tags) or '(none)'}")
    return 0


def cmd_tags(ctx: Context) -> int:
    counts = ctx.library.tag_counts()
    if ctx.args.json:
        ctx.print(json.dumps([{"tag": tag, "count": count} for tag, count in counts],
                             ensure_ascii=False, indent=2))
        return 0
    for tag, count in counts:
        ctx.print(f"{count:>6}  {tag}")
    return 0


def cmd_note(ctx: Context) -> int:
    pid = ctx.resolve(ctx.args.id)
    if ctx.args.text is None:
        ctx.print(ctx.library.get_paper(pid).annotation.note)
        return 0
    text = sys.stdin.read() if ctx.args.text == "-" else _text_arg(ctx.args.text, "note")
    ctx.library.set_note(pid, text)
    ctx.print("note cleared" if not text else "note saved")
    return 0


def cmd_remove(ctx: Context) -> int:
    if not ctx.args.query.strip():
        raise CommandError("remove: give a query naming the papers to remove")
    result = _run_query(ctx, ctx.args.query)
    if result.errors:
        raise CommandError("remove: fix the query first; nothing was removed")
    if not ctx.args.yes:
        for paper in ctx.library.get_papers(result.pids[:20]):
            ctx.print(_row(paper))
        count = len(result.pids)
        print(f"quire: remove: {count} {'paper matches' if count == 1 else 'papers match'}; "
              "nothing removed: add --yes to remove them with their annotations", file=ctx.err)
        return 0
    removed = ctx.library.remove(result.pids)
    ctx.print(f"removed {counted(removed, 'paper')}")
    return 0


def cmd_export(ctx: Context) -> int:
    args = ctx.args
    result = _run_query(ctx, args.query)
    text = export_library(ctx.library, result.pids, args.format)
    if args.output is None:
        ctx.out.write(text)
        return 0
    output: Path = args.output
    if output.is_dir():
        output = output / f"quire-export{SUFFIXES[args.format]}"
    write_export(output, text, overwrite=args.force)  # ExportError: exit 1 naming the file
    print(f"exported {counted(len(result.pids), 'paper')} to {output}", file=ctx.err)
    return 0


def cmd_backup(ctx: Context) -> int:
    target: Path = ctx.args.path
    if target.is_dir():
        target = target / f"library-{datetime.now():%Y%m%d-%H%M%S}.sqlite3"
    if target.exists() and not ctx.args.force:
        raise CommandError(f"{target} exists; add --force to overwrite it")
    if not target.parent.is_dir():
        raise CommandError(f"{target}: the folder {target.parent} does not exist "
                           "(quire creates no folders)")
    ctx.library.backup(target)
    ctx.print(f"backed up {counted(ctx.library.count(), 'paper')} to {target}")
    return 0


def cmd_config(ctx: Context) -> int:
    action = ctx.args.action
    if action == "path":
        ctx.print(str(ctx.config_path))
    elif action == "show":
        ctx.out.write(config_toml(load_config(ctx.config_path)))
    else:
        if ctx.config_path.exists() and not ctx.args.force:
            raise CommandError(f"{ctx.config_path} exists; add --force to overwrite it")
        # The commented example, so the file explains itself; it holds the defaults
        # (tests/test_polish.py checks), and it is checked here like any config.
        example = locations.example_config().read_text(encoding="utf-8")
        Config.model_validate(parse_toml(example))
        write_atomic(ctx.config_path, example)
        ctx.print(f"wrote {ctx.config_path} (every key with its default, commented)")
    return 0


def cmd_paths(ctx: Context) -> int:
    paths = {"config": ctx.config_path, "data": ctx.data_dir,
             "library": locations.library_file(ctx.data_dir),
             "cache": locations.cache_dir(), "errors": locations.error_log(),
             "themes": locations.user_themes_dir(ctx.config_path)}
    if ctx.args.json:
        ctx.print(json.dumps({k: str(v) for k, v in paths.items()}, ensure_ascii=False, indent=2))
        return 0
    width = max(len(label) for label in paths) + 1
    for label, path in paths.items():
        ctx.print(f"{label + ':':<{width}} {path}")
    return 0


def cmd_doctor(ctx: Context) -> int:
    from quire.store.doctor import examine

    found = examine(locations.library_file(ctx.data_dir))
    for line in found.lines:
        ctx.print(line)
    for problem in found.problems:
        print(f"quire: doctor: {problem}", file=ctx.err)
    if found.healthy:
        ctx.print("no problems found")
    return 0 if found.healthy else 1



def cmd_sync(ctx: Context) -> int:
    from quire.sync import SyncError, run_sync, select_feeds

    config = load_config(ctx.config_path)
    try:
        feeds = select_feeds(config, ctx.args.feeds)
    except SyncError as error:
        raise CommandError(f"sync: {error}") from None
    if not feeds:
        raise CommandError("sync: no feeds configured; add a [[feeds]] table to "
                           f"{ctx.config_path} (see config.example.toml)")
    try:
        result = run_sync(ctx.library, config, feeds, since=ctx.args.since,
                          dry_run=ctx.args.dry_run)
    except SyncError as error:
        raise CommandError(f"sync: {error}") from None
    if ctx.args.json:
        ctx.print(json.dumps({"feeds": [f.as_json() for f in result.feeds],
                              "watch": [{"rule": w.rule, "tag": w.tag, "new": len(w.pids)}
                                        for w in result.watch],
                              "dry_run": ctx.args.dry_run}, ensure_ascii=False, indent=2))
    else:
        for report in result.feeds:
            if report.error:
                print(f"quire: {report.line()}", file=ctx.err)
            else:
                ctx.print(report.line() + (" (dry run: nothing stored)"
                                           if ctx.args.dry_run else ""))
        for watch in result.watch:
            if watch.pids:
                tagged = f", tagged {watch.tag}" if watch.tag else ""
                ctx.print(f"watch {watch.rule}: {len(watch.pids)} new{tagged}")
    return 1 if result.failed else 0


def cmd_add(ctx: Context) -> int:
    from quire.sync.add import add_papers, parse_paper_ref
    from quire.sync.feeds import polite_fetcher

    ids: list[str] = []
    for ref in ctx.args.refs:
        try:
            ids.append(parse_paper_ref(ref))
        except ValueError as error:
            raise CommandError(f"add: {error}; nothing was fetched") from None
    config = load_config(ctx.config_path)
    with polite_fetcher() as fetcher:
        report = add_papers(ctx.library, config, list(dict.fromkeys(ids)), fetcher)
    s = report.summary
    ctx.print(f"{s.added} added, {s.updated} updated, {s.unchanged} unchanged")
    for missing in report.missing:
        print(f"quire: add: {missing}: arXiv has no such paper", file=ctx.err)
    for problem in report.errors:
        print(f"quire: add: {problem}", file=ctx.err)
    return 1 if report.missing or report.errors else 0


def cmd_digest(ctx: Context) -> int:
    from quire.sync.watch import (
        digest,
        digest_json,
        digest_markdown,
        mark_digest_sent,
        parse_since,
    )

    config = load_config(ctx.config_path)
    try:
        since = parse_since(ctx.args.since, ctx.library)
    except ValueError as error:
        raise CommandError(f"digest: {error}") from None
    entries = digest(ctx.library, config.watch, since)
    if not config.watch and not entries:
        raise CommandError("digest: no watch rules configured; add a [[watch]] table to "
                           f"{ctx.config_path} (see config.example.toml)")
    text = digest_json(entries, since) if ctx.args.format == "json" else \
        digest_markdown(entries, since)
    ctx.print(text)
    if not ctx.args.keep:
        mark_digest_sent(ctx.library)
    return 0


COMMANDS: dict[str, Callable[[Context], int]] = {
    "import": cmd_import, "list": cmd_list, "search": cmd_list, "show": cmd_show,
    "similar": cmd_similar,
    "bookmark": _flag("set_bookmarked", True, "bookmarked"),
    "unbookmark": _flag("set_bookmarked", False, "unbookmarked"),
    "read": _flag("set_read", True, "marked read"),
    "unread": _flag("set_read", False, "marked unread"),
    "tag": cmd_tag, "untag": cmd_tag, "tags": cmd_tags, "note": cmd_note,
    "remove": cmd_remove, "export": cmd_export, "backup": cmd_backup, "config": cmd_config,
    "paths": cmd_paths,
    "sync": cmd_sync, "add": cmd_add, "digest": cmd_digest,
    "doctor": cmd_doctor,
}


def main(argv: Sequence[str] | None = None, out: TextIO | None = None,
         err: TextIO | None = None) -> int:
    """Run quire with these arguments; returns the exit status."""
    out = out or sys.stdout
    err = err or sys.stderr
    parser = _parser()
    args, extra = parser.parse_known_args(argv)
    if extra:
        _query_words(parser, args, extra)
    ctx = Context(args, out, err)
    try:
        if args.command is None:
            return run_app(ctx)
        return COMMANDS[args.command](ctx)
    except ConfigError as error:
        print(f"quire: invalid config {error.path}:", file=err)
        for problem in error.problems:
            print(f"  - {problem}", file=err)
        return 2
    except QuireError as error:
        print(safe_text(f"quire: {error}", multiline=True), file=err)
        return error.exit_code
    except BrokenPipeError:
        return 0
    finally:
        ctx.close()


def _query_words(parser: argparse.ArgumentParser, args: argparse.Namespace,
                 extra: list[str]) -> None:
    """Words argparse took for options are query words (``quire list -rank``), else an error.

    A query excludes with ``-word``, which argparse reads as an unknown option; for commands
    that take a query, unknown ``-x`` arguments join the query instead of needing ``--``.
    """
    takes_query = args.command in ("list", "search", "remove", "export")
    options = [word for word in extra if word.startswith("--") or not word.startswith("-")]
    if not takes_query or options:
        parser.error(f"unrecognized arguments: {' '.join(extra)}"
                     + (" (a query starting with '-' may also follow --)" if takes_query else ""))
    args.query = " ".join([args.query or "", *extra]).strip()


def run_app(ctx: Context) -> int:
    """Open the reader (config errors are reported before anything is drawn)."""
    config = load_config(ctx.config_path)
    if not (sys.stdin.isatty() and ctx.out.isatty()):
        # Without a terminal the reader would write escape codes into a pipe or file.
        raise UsageError("the reader needs a terminal (standard input and output are not "
                         "one); run a command instead, e.g. 'quire list' (see 'quire --help')")
    from quire.app import make_app

    app = make_app(config=config, data_dir=ctx.data_dir, config_path=ctx.config_path)
    app.run()
    return int(app.return_code or 0)
