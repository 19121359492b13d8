"""Watch rules and the digest.

After a sync, each rule's query runs over the papers that sync added (the same query language and
engine as the search bar); the papers it matches get the rule's tag and are recorded, so
``quire digest`` can list what each rule caught since the last digest.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

from quire.config import WatchRule
from quire.models import Paper
from quire.store import Library

DIGEST_KEY = "digest:last"


@dataclass
class WatchReport:
    """What one rule caught in one sync."""

    rule: str
    tag: str | None
    pids: list[int]


def apply_watch_rules(
    library: Library, rules: Sequence[WatchRule], new_pids: Sequence[int], since_rev: int
) -> list[WatchReport]:
    """Run every rule over the new papers; tag and record what each one matches.

    ``since_rev`` is the library's change number from before the sync that added them.
    """
    if not rules or not new_pids:
        return [WatchReport(rule.name, rule.tag, []) for rule in rules]
    from quire.search import SearchIndex  # numpy: only when there is something to match

    # An index of only the papers changed since the sync began: matching needs no library-wide
    # statistics, so this costs the size of the sync, not of the library.
    index = SearchIndex(library)
    index.rev = since_rev
    index.refresh(prepare=False)
    wanted = set(new_pids)
    reports = []
    for rule in rules:
        result = index.search(rule.query)
        # Only papers holding every word: the "most of the words" tier is for people typing.
        hits = [pid for pid in result.pids[: result.exact] if pid in wanted]
        if hits:
            library.record_watch(rule.name, hits, rule.tag)
        reports.append(WatchReport(rule.name, rule.tag, hits))
    return reports


@dataclass
class DigestEntry:
    """One rule's papers in a digest."""

    rule: str
    papers: list[Paper]


def parse_since(value: str | None, library: Library) -> str:
    """The ISO time a digest starts from: ``last`` (or nothing) means the previous digest."""
    if value is None or value == "last":
        return library.get_meta(DIGEST_KEY) or ""
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError:
        raise ValueError(f"--since: {value!r} is not 'last' or a date like 2026-01-31") from None


def digest(library: Library, rules: Sequence[WatchRule], since: str) -> list[DigestEntry]:
    """Papers each configured rule caught after ``since``, newest publication first."""
    by_rule: dict[str, list[int]] = {}
    for rule, pid, _at in library.watch_hits(since):
        by_rule.setdefault(rule, []).append(pid)
    entries = []
    names = [r.name for r in rules] + sorted(set(by_rule) - {r.name for r in rules})
    for name in names:
        papers = library.get_papers(by_rule.get(name, []))
        papers.sort(key=lambda p: (p.published or date.min, p.pid), reverse=True)
        entries.append(DigestEntry(name, papers))
    return entries


def mark_digest_sent(library: Library) -> None:
    """Remember now as the time of the last digest (``--since last`` starts here next time)."""
    # To the microsecond, as hit times are: a mark in whole seconds would sort before the hits
    # of its own second and send them again.
    library.set_meta({DIGEST_KEY: datetime.now(UTC).isoformat(timespec="microseconds")})


def digest_markdown(entries: Sequence[DigestEntry], since: str) -> str:
    """The digest as Markdown, for mail."""
    total = sum(len(e.papers) for e in entries)
    lines = [
        f"# quire digest: {total} new paper{'s' if total != 1 else ''}"
        + (f" since {since[:16].replace('T', ' ')}" if since else ""),
        "",
    ]
    for entry in entries:
        lines.append(f"## {_md(entry.rule)} ({len(entry.papers)})")
        lines.append("")
        if not entry.papers:
            lines += ["Nothing new.", ""]
            continue
        for paper in entry.papers:
            link = f"https://arxiv.org/abs/{paper.arxiv_id}" if paper.arxiv_id else ""
            title = f"[{_md(paper.title)}]({link})" if link else _md(paper.title)
            meta = ", ".join(
                x
                for x in (paper.published.isoformat() if paper.published else "", _md(paper.authors_label))
                if x
            )
            lines.append(f"- {title}" + (f" ({meta})" if meta else ""))
        lines.append("")
    return "\n".join(lines)


def digest_json(entries: Sequence[DigestEntry], since: str) -> str:
    """The digest as JSON: ``{"since": …, "rules": [{"rule": …, "papers": […]}]}``."""
    return json.dumps(
        {
            "since": since or None,
            "rules": [{"rule": e.rule, "papers": [p.as_json() for p in e.papers]} for e in entries],
        },
        ensure_ascii=False,
        indent=2,
    )


def _md(text: str) -> str:
    """Text from a feed, safe inside Markdown: no line breaks, no link or emphasis syntax."""
    flat = " ".join("".join(ch for ch in text if ch.isprintable() or ch.isspace()).split())
    return "".join("\\" + ch if ch in "\\`*_[]()<>#|" else ch for ch in flat)
