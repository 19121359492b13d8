"""Commands on papers: import, list/search, show, similar, bookmark/read marks, tags, notes,
remove and export.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from quire import locations
from quire.cli.context import CommandError, Context, _text_arg
from quire.cli.output import _detail, _print_papers, _row, _run_query
from quire.errors import BadFileError, UsageError
from quire.export import SUFFIXES, export_library  # bibtexparser loads lazily
from quire.export.writing import write_export
from quire.importers import ImportFailure, import_path, iter_import_files
from quire.models import ImportSummary, Paper
from quire.safe_text import safe_text
from quire.views import similar_with_papers
from quire.wording import counted


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

    with Progress(
        TextColumn("{task.description}", markup=False),
        BarColumn(),
        DownloadColumn(),
        TimeRemainingColumn(),
        transient=True,
        console=Console(file=ctx.raw_err),
    ) as bar:
        task = bar.add_task(safe_text(f"importing {file.name}"), total=None)

        def advance(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        return import_path(ctx.library, file, fmt=args.format, year=args.year, on_progress=advance)


def cmd_list(ctx: Context) -> int:
    args = ctx.args
    if args.command == "search" and not args.query.strip():
        raise UsageError("search: give a query (or use 'quire list')")
    result = _run_query(ctx, args.query or "", args.sort, args.reverse, args.limit, correct=not args.as_typed)
    papers = ctx.library.get_papers(result.pids)
    as_search = ctx.args.command == "search" or bool(result.query.has_words)
    also = set(result.pids[result.exact :])
    why: dict[int, list[str]] = {}
    if args.explain and result.query.has_words:
        from quire.search.explain import explain

        why = {e.pid: e.lines() for e in explain(ctx.index, result, papers)}

    def extra(paper: Paper) -> dict[str, Any]:
        if not as_search:
            return {}
        matched = ctx.index.matched_terms(paper.pid, sorted(result.terms)) if result.terms else []
        fields = {
            "score": round(result.scores.get(paper.pid, 0.0), 4),
            "matched": matched,
            "also_relevant": paper.pid in also,
        }
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
        rows = [{**paper.as_json(), "score": round(n.score, 4), "shared": n.shared} for paper, n in found]
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
        ctx.print(
            json.dumps([{"tag": tag, "count": count} for tag, count in counts], ensure_ascii=False, indent=2)
        )
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
        print(
            f"quire: remove: {count} {'paper matches' if count == 1 else 'papers match'}; "
            "nothing removed: add --yes to remove them with their annotations",
            file=ctx.err,
        )
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
