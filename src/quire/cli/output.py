"""How the command line shows papers: one row each, the detail of one, JSON, and running a query
with the order asked for (the config's default order for lists without words).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from quire.cli.context import Context
from quire.config import load_config
from quire.models import Paper, row_marks
from quire.safe_text import safe_text
from quire.search.query import parse_query
from quire.views import with_order
from quire.wording import counted

if TYPE_CHECKING:
    from quire.search import SearchResult


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
    meta = [
        ("id", paper.id),
        ("published", paper.published.isoformat() if paper.published else ""),
        (
            "authors",
            ", ".join(paper.authors) or (counted(paper.author_count, "author") if paper.author_count else ""),
        ),
        ("organization", paper.org_name or ""),
        ("upvotes", "" if paper.upvotes is None else str(paper.upvotes)),
        ("categories", " ".join(paper.categories)),
        ("doi", paper.doi or ""),
        ("code", paper.github_repo or ""),
        ("sources", ", ".join(paper.sources)),
        ("tags", ", ".join(paper.annotation.tags)),
        (
            "state",
            ("read" if paper.annotation.read else "unread")
            + (", bookmarked" if paper.annotation.bookmarked else ""),
        ),
    ]
    lines[0] = safe_text(paper.title)
    lines += [f"{k:>12}: {safe_text(v)}" for k, v in meta if v]
    if paper.abstract:
        lines += ["", safe_text(paper.abstract, multiline=True)]
    if paper.annotation.note:
        lines += ["", "Note:", safe_text(paper.annotation.note, multiline=True)]
    return "\n".join(lines)


def _print_papers(
    ctx: Context,
    papers: Sequence[Paper],
    as_json: bool,
    extra: Callable[[Paper], dict[str, Any]] | None = None,
) -> None:
    if as_json:
        rows = [{**p.as_json(), **(extra(p) if extra else {})} for p in papers]
        ctx.print(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for paper in papers:
        ctx.print(_row(paper))


def _run_query(
    ctx: Context,
    query: str,
    sort: str | None = None,
    reverse: bool = False,
    limit: int = 0,
    correct: bool = True,
) -> SearchResult:
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
