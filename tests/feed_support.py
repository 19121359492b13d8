"""Realistic feed responses (Hugging Face daily_papers JSON, arXiv Atom) and a fake clock.

The bodies follow the real formats (see FORMATS.md): nested ``paper`` objects with optional fields
left out, Atom entries with versioned ids, PDF links and arxiv: extensions.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any
from xml.sax.saxutils import escape

from pytest_httpserver import HTTPServer

from quire.config import Config, FeedConfig, WatchRule

TODAY = date(2026, 1, 15)  # a Thursday


class FakeClock:
    """Time that passes only when the code sleeps: every sleep is recorded, none is real."""

    def __init__(self, today: date = TODAY) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []
        self._today = today

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(round(seconds, 3))
        self.now += seconds

    def today(self) -> date:
        return self._today


def hf_item(
    arxiv_id: str,
    title: str,
    day: date,
    upvotes: int = 5,
    summary: str = "We study a made-up problem and report made-up results.",
    org: bool = True,
) -> dict[str, Any]:
    """One item of ``/api/daily_papers`` as the API sends it."""
    paper: dict[str, Any] = {
        "id": arxiv_id,
        "authors": [
            {"_id": f"a{n}", "name": name, "hidden": False}
            for n, name in enumerate(["Ada Example", "Grace Sample"])
        ],
        "publishedAt": f"{day - timedelta(days=1)}T17:00:00.000Z",
        "submittedOnDailyAt": f"{day}T03:55:12.777Z",
        "title": title,
        "summary": summary,
        "upvotes": upvotes,
        "discussionId": f"d{arxiv_id}",
        "ai_keywords": ["made-up", "example"],
    }
    if org:
        paper["organization"] = {"_id": "o1", "name": "ExampleLab", "fullname": "Example Lab"}
    return {
        "paper": paper,
        "publishedAt": f"{day}T12:00:00.000Z",
        "title": title,
        "summary": summary,
        "thumbnail": f"https://cdn.example/{arxiv_id}.png",
        "numComments": 1,
        "submittedBy": {"name": "ada", "fullname": "Ada Example"},
        "isAuthorParticipating": False,
    }


def hf_day(day: date, count: int, start: int = 1, topic: str = "Sparse Attention") -> str:
    """A daily_papers response: ``count`` papers of ``day``."""
    items = [
        hf_item(f"{day:%y%m}.{day.day:02d}{n:03d}", f"{topic} Study {day} #{n}", day)
        for n in range(start, start + count)
    ]
    return json.dumps(items)


def atom_entry(
    arxiv_id: str,
    title: str,
    published: date,
    category: str = "cs.CL",
    summary: str = "A made-up abstract\n  wrapped over two lines.",
) -> str:
    """One Atom ``<entry>`` as export.arxiv.org sends it."""
    return f"""  <entry>
    <id>http://arxiv.org/abs/{arxiv_id}v1</id>
    <updated>{published}T18:00:00Z</updated>
    <published>{published}T15:35:46Z</published>
    <title>{escape(title)}</title>
    <summary>{escape(summary)}</summary>
    <author><name>Ada Example</name><arxiv:affiliation>Example U</arxiv:affiliation></author>
    <author><name>Grace Sample</name></author>
    <arxiv:comment>12 pages, 3 figures</arxiv:comment>
    <link href="http://arxiv.org/abs/{arxiv_id}v1" rel="alternate" type="text/html"/>
    <link title="pdf" href="http://arxiv.org/pdf/{arxiv_id}v1" rel="related" type="application/pdf"/>
    <arxiv:primary_category term="{category}" scheme="http://arxiv.org/schemas/atom"/>
    <category term="{category}" scheme="http://arxiv.org/schemas/atom"/>
  </entry>
"""


def atom_feed(entries: Sequence[str], total: int | None = None, start: int = 0) -> str:
    """An arXiv API response around these entries."""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xmlns:arxiv="http://arxiv.org/schemas/atom"
      xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/">
  <link href="http://arxiv.org/api/query?search_query%3Dcat%3Acs.CL" rel="self"
        type="application/atom+xml"/>
  <title type="html">ArXiv Query: search_query=cat:cs.CL</title>
  <id>http://arxiv.org/api/made-up-id</id>
  <updated>2026-01-15T00:00:00-05:00</updated>
  <opensearch:totalResults>{total or len(entries)}</opensearch:totalResults>
  <opensearch:startIndex>{start}</opensearch:startIndex>
  <opensearch:itemsPerPage>100</opensearch:itemsPerPage>
{"".join(entries)}</feed>
"""


def arxiv_days(newest: date, per_day: int, days: int, category: str = "cs.CL") -> list[str]:
    """Entries newest first: ``per_day`` papers on each of ``days`` days back from ``newest``."""
    entries = []
    for back in range(days):
        day = newest - timedelta(days=back)
        for n in range(per_day):
            entries.append(
                atom_entry(
                    f"{day:%y%m}.{50000 + day.day * 100 + n}",
                    f"Retrieval for Language Models, {day} part {n}",
                    day,
                    category,
                )
            )
    return entries


def config_for(
    server: HTTPServer,
    feeds: Sequence[FeedConfig] | None = None,
    watch: Sequence[WatchRule] = (),
    **extra: Any,
) -> Config:
    """A config whose feeds point at the local server."""
    base = server.url_for("").rstrip("/")
    return Config(
        hf_api_url=base,
        arxiv_api_url=base,
        feeds=list(feeds) if feeds is not None else [FeedConfig(name="Daily Papers", source="hf-daily")],
        watch=list(watch),
        **extra,
    )
