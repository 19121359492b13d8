"""Commands on feeds: sync (fetch new papers), add (one paper by id), digest (what the watch
rules caught).
"""

from __future__ import annotations

import json

from quire.cli.context import CommandError, Context
from quire.config import load_config


def cmd_sync(ctx: Context) -> int:
    from quire.sync import SyncError, run_sync, select_feeds

    config = load_config(ctx.config_path)
    try:
        feeds = select_feeds(config, ctx.args.feeds)
    except SyncError as error:
        raise CommandError(f"sync: {error}") from None
    if not feeds:
        raise CommandError(
            f"sync: no feeds configured; add a [[feeds]] table to {ctx.config_path} (see config.example.toml)"
        )
    try:
        result = run_sync(ctx.library, config, feeds, since=ctx.args.since, dry_run=ctx.args.dry_run)
    except SyncError as error:
        raise CommandError(f"sync: {error}") from None
    if ctx.args.json:
        ctx.print(
            json.dumps(
                {
                    "feeds": [f.as_json() for f in result.feeds],
                    "watch": [{"rule": w.rule, "tag": w.tag, "new": len(w.pids)} for w in result.watch],
                    "dry_run": ctx.args.dry_run,
                },
                ensure_ascii=False,
                indent=2,
            )
        )
    else:
        for report in result.feeds:
            if report.error:
                print(f"quire: {report.line()}", file=ctx.err)
            else:
                ctx.print(report.line() + (" (dry run: nothing stored)" if ctx.args.dry_run else ""))
        for watch in result.watch:
            if watch.pids:
                tagged = f", tagged {watch.tag}" if watch.tag else ""
                ctx.print(f"watch {watch.rule}: {len(watch.pids)} new{tagged}")
    return 1 if result.failed else 0


def cmd_add(ctx: Context) -> int:
    from quire.sync.add import add_papers, parse_paper_ref
    from quire.sync.arxiv_feed import polite_fetcher

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
        raise CommandError(
            "digest: no watch rules configured; add a [[watch]] table to "
            f"{ctx.config_path} (see config.example.toml)"
        )
    text = digest_json(entries, since) if ctx.args.format == "json" else digest_markdown(entries, since)
    ctx.print(text)
    if not ctx.args.keep:
        mark_digest_sent(ctx.library)
    return 0
