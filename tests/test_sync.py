"""Syncing feeds against a real HTTP server on 127.0.0.1 serving responses in the real formats.

No test touches the internet; the fake clock records arXiv's 3 s pauses and retry back-offs
instead of sleeping them.
"""

from __future__ import annotations

import io
import json
import socket
import threading
import time
from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from feed_support import (
    TODAY,
    FakeClock,
    arxiv_days,
    atom_entry,
    atom_feed,
    config_for,
    hf_day,
    hf_item,
)
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from conftest import dump
from quire.cli import main
from quire.config import Config, ConfigError, FeedConfig, WatchRule, load_config
from quire.store import Library
from quire.sync import FetchPolicy, SyncBusy, run_sync
from quire.sync.arxiv_feed import ARXIV_INTERVAL, ARXIV_LANE
from quire.sync.feed_run import read_cursor
from quire.sync.hf_daily import hf_periods
from quire.sync.http import USER_AGENT, Fetcher
from quire.sync.lock import sync_lock
from quire.sync.watch import digest, digest_markdown

ARXIV = FeedConfig(name="arXiv cs.CL", source="arxiv", query="cat:cs.CL")
HF = FeedConfig(name="Daily Papers", source="hf-daily")


@pytest.fixture(scope="module")
def _running() -> Iterator[HTTPServer]:
    http = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    http.start()
    yield http
    http.clear()
    http.stop()


@pytest.fixture
def server(_running: HTTPServer) -> Iterator[HTTPServer]:
    """A real HTTP server on 127.0.0.1 (threaded: a slow answer does not block the next)."""
    _running.clear()
    yield _running
    _running.clear()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def fetcher(clock: FakeClock, timeout: float = 20.0) -> Fetcher:
    return Fetcher(FetchPolicy(timeout=timeout, min_interval={ARXIV_LANE: ARXIV_INTERVAL}), clock=clock)


def serve_days(server: HTTPServer, days: dict[date, int]) -> None:
    for day, count in days.items():
        server.expect_request(
            "/api/daily_papers", query_string={"date": day.isoformat(), "limit": "100"}
        ).respond_with_data(hf_day(day, count), content_type="application/json")


def queries(server: HTTPServer) -> list[str]:
    return [request.query_string.decode() for request, _ in server.log]


def sync(library: Library, config: Config, clock: FakeClock, **kwargs: object) -> object:
    with fetcher(clock) as made:
        return run_sync(library, config, fetcher=made, **kwargs)  # type: ignore[arg-type]


# -- Daily Papers -----------------------------------------------------------------------------


def test_first_sync_backfills_days_and_sets_the_cursor(
    server: HTTPServer, library: Library, clock: FakeClock
) -> None:
    days = {TODAY - timedelta(days=2): 3, TODAY - timedelta(days=1): 4, TODAY: 2}
    serve_days(server, days)
    result = sync(library, config_for(server, backfill_days=3), clock)
    report = result.feeds[0]  # type: ignore[attr-defined]
    assert (report.added, report.updated, report.unchanged, report.error) == (9, 0, 0, None)
    assert report.pages == 3 and library.count() == 9
    assert read_cursor(library, HF) == TODAY
    assert all(r.headers["User-Agent"] == USER_AGENT for r, _ in server.log)
    assert USER_AGENT.startswith("quire/0.1")
    paper = library.get_paper(report.new_pids[0])
    assert paper.org_name == "Example Lab" and paper.upvotes == 5 and paper.fresh
    assert paper.sources == ["hf-json"]


def test_second_sync_starts_at_the_cursor_and_sends_validators(
    server: HTTPServer, library: Library, clock: FakeClock
) -> None:
    served = {"etag": 0}

    def today_page(request: Request) -> Response:
        if request.headers.get("If-None-Match") == '"v1"':
            served["etag"] += 1
            return Response(status=304)
        return Response(
            hf_day(TODAY, 2),
            content_type="application/json",
            headers={"ETag": '"v1"', "Last-Modified": "Thu, 15 Jan 2026 08:00:00 GMT"},
        )

    server.expect_request(
        "/api/daily_papers", query_string={"date": TODAY.isoformat(), "limit": "100"}
    ).respond_with_handler(today_page)
    config = config_for(server, backfill_days=1)
    first = sync(library, config, clock).feeds[0]  # type: ignore[attr-defined]
    assert first.added == 2
    before = dump(library.path)
    second = sync(library, config, clock).feeds[0]  # type: ignore[attr-defined]
    assert (second.added, second.not_modified, served["etag"]) == (0, 1, 1)
    last = server.log[-1][0]
    assert last.headers["If-Modified-Since"] == "Thu, 15 Jan 2026 08:00:00 GMT"
    # Only the rev counter and the (unchanged) cursor were written.
    assert [line for line in dump(library.path) if "'rev'" not in line] == [
        line for line in before if "'rev'" not in line
    ]


def test_cursor_advance_fetches_only_the_days_since(
    server: HTTPServer, library: Library, clock: FakeClock
) -> None:
    serve_days(server, {TODAY - timedelta(days=1): 2, TODAY: 2})
    config = config_for(server, backfill_days=2)
    sync(library, config, clock)
    clock._today = TODAY + timedelta(days=2)
    serve_days(server, {TODAY + timedelta(days=1): 3, TODAY + timedelta(days=2): 1})
    server.log.clear()
    report = sync(library, config, clock).feeds[0]  # type: ignore[attr-defined]
    # From the cursor day (it may have grown since) to today, nothing older.
    assert [q.split("&")[0] for q in queries(server)] == [
        "date=2026-01-15",
        "date=2026-01-16",
        "date=2026-01-17",
    ]
    assert (report.added, report.unchanged) == (4, 2)
    assert read_cursor(library, HF) == TODAY + timedelta(days=2)


def test_backfill_plan_uses_months_and_weeks() -> None:
    periods = hf_periods(date(2025, 11, 1), TODAY)
    assert [(p.param, p.value) for p in periods] == [
        ("month", "2025-11"),
        ("month", "2025-12"),
        ("date", "2026-01-01"),
        ("date", "2026-01-02"),
        ("date", "2026-01-03"),
        ("date", "2026-01-04"),
        ("week", "2026-W02"),
        ("date", "2026-01-12"),
        ("date", "2026-01-13"),
        ("date", "2026-01-14"),
        ("date", "2026-01-15"),
    ]
    # The current week and month are never asked for whole: they are not over yet.
    assert hf_periods(date(2026, 1, 12), TODAY)[0].param == "date"


def test_week_backfill_pages_through_full_pages(
    server: HTTPServer, library: Library, clock: FakeClock
) -> None:
    week = [hf_item(f"2601.{10000 + n}", f"Week paper number {n}", date(2026, 1, 6)) for n in range(130)]
    server.expect_request(
        "/api/daily_papers", query_string={"week": "2026-W02", "limit": "100"}
    ).respond_with_json(week[:100])
    server.expect_request(
        "/api/daily_papers", query_string={"week": "2026-W02", "limit": "100", "p": "1"}
    ).respond_with_json(week[100:])
    serve_days(server, {TODAY - timedelta(days=n): 0 for n in range(4)})
    report = sync(library, config_for(server), clock, since=date(2026, 1, 5)).feeds[0]  # type: ignore[attr-defined]
    assert report.error is None and report.added == 130 and report.pages == 6


# -- arXiv ------------------------------------------------------------------------------------


def serve_arxiv(server: HTTPServer, pages: list[list[str]], query: str = "cat:cs.CL") -> None:
    for number, entries in enumerate(pages):
        server.expect_request(
            "/api/query",
            query_string={
                "search_query": query,
                "sortBy": "submittedDate",
                "sortOrder": "descending",
                "start": str(number * 100),
                "max_results": "100",
            },
        ).respond_with_data(atom_feed(entries, start=number * 100), content_type="application/atom+xml")


def test_arxiv_pages_until_older_than_the_backfill(
    server: HTTPServer, library: Library, clock: FakeClock
) -> None:
    older = arxiv_days(TODAY - timedelta(days=2), 60, 2)  # Jan 13 (kept), Jan 12 (too old)
    serve_arxiv(server, [arxiv_days(TODAY, 50, 2), older[:100]])
    report = sync(library, config_for(server, [ARXIV], backfill_days=3), clock).feeds[0]  # type: ignore[attr-defined]
    assert (report.error, report.pages, report.added) == (None, 2, 160)
    assert clock.sleeps == [3.0]  # arXiv's rule between the two requests, not slept for real
    assert read_cursor(library, ARXIV) == TODAY
    paper = library.get_papers(report.new_pids[:1])[0]
    assert paper.primary_category == "cs.CL" and paper.pdf_url and paper.version == "v1"
    assert "\n" not in (paper.abstract or "")

    # The next day: only what is newer than the cursor day, which is re-read and unchanged.
    clock._today = TODAY + timedelta(days=1)
    server.clear()
    serve_arxiv(
        server,
        [
            arxiv_days(TODAY + timedelta(days=1), 10, 1)
            + arxiv_days(TODAY, 50, 1)
            + arxiv_days(TODAY - timedelta(days=1), 1, 1)
        ],
    )
    again = sync(library, config_for(server, [ARXIV], backfill_days=3), clock).feeds[0]  # type: ignore[attr-defined]
    assert (again.added, again.unchanged, again.pages) == (10, 50, 1)
    assert read_cursor(library, ARXIV) == TODAY + timedelta(days=1)


def test_arxiv_page_cap_stops_and_says_so(server: HTTPServer, library: Library, clock: FakeClock) -> None:
    serve_arxiv(
        server,
        [
            arxiv_days(TODAY, 100, 1),
            arxiv_days(TODAY - timedelta(days=1), 100, 1),
            arxiv_days(TODAY - timedelta(days=2), 100, 1),
        ],
    )
    report = sync(library, config_for(server, [ARXIV], backfill_days=5, max_pages=2), clock).feeds[0]  # type: ignore[attr-defined]
    assert report.pages == 2 and report.added == 200
    assert report.warning and "page cap" in report.warning
    assert len(server.log) == 2


def test_arxiv_error_entry_is_refused_with_the_url(
    server: HTTPServer, library: Library, clock: FakeClock
) -> None:
    error = atom_feed(
        [
            """  <entry><id>http://arxiv.org/api/errors#incorrect_id</id>
    <title>Error</title><summary>malformed query</summary></entry>
"""
        ]
    )
    server.expect_request("/api/query").respond_with_data(error, content_type="application/xml")
    report = sync(library, config_for(server, [ARXIV]), clock).feeds[0]  # type: ignore[attr-defined]
    assert report.error and "/api/query?search_query=cat:cs.CL" in report.error
    assert "the arXiv API returned an error: malformed query" in report.error
    assert library.count() == 0 and read_cursor(library, ARXIV) is None


# -- a good network citizen -------------------------------------------------------------------


def test_429_waits_as_long_as_retry_after_says(
    server: HTTPServer, library: Library, clock: FakeClock
) -> None:
    server.expect_ordered_request("/api/daily_papers").respond_with_data(
        "slow down", status=429, headers={"Retry-After": "7"}
    )
    server.expect_ordered_request("/api/daily_papers").respond_with_data(
        hf_day(TODAY, 2), content_type="application/json"
    )
    report = sync(library, config_for(server, backfill_days=1), clock).feeds[0]  # type: ignore[attr-defined]
    assert report.error is None and report.added == 2
    assert clock.sleeps == [7.0]


def test_500_then_success_backs_off(server: HTTPServer, library: Library, clock: FakeClock) -> None:
    server.expect_ordered_request("/api/daily_papers").respond_with_data("oops", status=500)
    server.expect_ordered_request("/api/daily_papers").respond_with_data("oops", status=502)
    server.expect_ordered_request("/api/daily_papers").respond_with_data(
        hf_day(TODAY, 1), content_type="application/json"
    )
    report = sync(library, config_for(server, backfill_days=1), clock).feeds[0]  # type: ignore[attr-defined]
    assert report.error is None and report.added == 1
    assert clock.sleeps == [1.0, 2.0]  # exponential back-off


def test_server_error_that_persists_gives_up(server: HTTPServer, library: Library, clock: FakeClock) -> None:
    server.expect_request("/api/daily_papers").respond_with_data("down", status=503)
    report = sync(library, config_for(server, backfill_days=1), clock).feeds[0]  # type: ignore[attr-defined]
    assert report.error and "HTTP 503" in report.error and "gave up after 4 attempts" in report.error
    assert clock.sleeps == [1.0, 2.0, 4.0] and len(server.log) == 4
    assert library.count() == 0


def test_timeout_is_retried(server: HTTPServer, library: Library, clock: FakeClock) -> None:
    calls = []

    def slow_then_fast(request: Request) -> Response:
        calls.append(time.monotonic())
        if len(calls) == 1:
            time.sleep(1.0)  # longer than the client's (short) timeout
        return Response(hf_day(TODAY, 1), content_type="application/json")

    server.expect_request("/api/daily_papers").respond_with_handler(slow_then_fast)
    with fetcher(clock, timeout=0.3) as made:
        result = run_sync(library, config_for(server, backfill_days=1), fetcher=made)
    assert result.feeds[0].error is None and result.feeds[0].added == 1
    assert len(calls) == 2 and clock.sleeps == [1.0]


def test_truncated_body_is_refused_and_nothing_kept(
    server: HTTPServer, library: Library, clock: FakeClock
) -> None:
    body = hf_day(TODAY, 3)
    server.expect_request("/api/daily_papers").respond_with_data(
        body[: len(body) // 2], content_type="application/json"
    )
    before = dump(library.path)
    report = sync(library, config_for(server, backfill_days=1), clock).feeds[0]  # type: ignore[attr-defined]
    assert report.error and f"/api/daily_papers?date={TODAY}&limit=100" in report.error
    assert "not valid JSON" in report.error
    assert dump(library.path) == before


def test_connection_cut_mid_body_is_a_failure(server: HTTPServer, library: Library, clock: FakeClock) -> None:
    body = hf_day(TODAY, 3).encode()
    server.expect_request("/api/daily_papers").respond_with_response(
        Response(body[:200], headers={"Content-Length": str(len(body))}, content_type="application/json")
    )
    report = sync(library, config_for(server, backfill_days=1), clock).feeds[0]  # type: ignore[attr-defined]
    assert report.error and "/api/daily_papers?" in report.error
    assert library.count() == 0


def test_html_error_page_is_refused(server: HTTPServer, library: Library, clock: FakeClock) -> None:
    server.expect_request("/api/daily_papers").respond_with_data(
        "<!DOCTYPE html><html><body><h1>Service unavailable</h1></body></html>", content_type="text/html"
    )
    report = sync(library, config_for(server, backfill_days=1), clock).feeds[0]  # type: ignore[attr-defined]
    assert report.error and "HTML page" in report.error and "/api/daily_papers?" in report.error
    assert library.count() == 0


def test_json_object_instead_of_array_is_refused(
    server: HTTPServer, library: Library, clock: FakeClock
) -> None:
    server.expect_request("/api/daily_papers").respond_with_json({"error": "Invalid date"})
    report = sync(library, config_for(server, backfill_days=1), clock).feeds[0]  # type: ignore[attr-defined]
    assert report.error and "expected a JSON array" in report.error


def test_server_dying_mid_sync_keeps_committed_pages(library: Library, clock: FakeClock) -> None:
    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)  # its own: this one dies
    server.start()
    days = {TODAY - timedelta(days=2): 3, TODAY - timedelta(days=1): 4, TODAY: 2}
    serve_days(server, days)
    config = config_for(server, backfill_days=3)

    def progress(step: object) -> None:
        if getattr(step, "page", 0) == 1 and server.is_running():
            server.stop()  # after the first day is stored, before the second is asked for

    with fetcher(clock) as made:
        result = run_sync(library, config, fetcher=made, progress=progress)
    report = result.feeds[0]
    assert report.error and "connection refused" in report.error
    assert library.count() == 3  # the first page, committed before the failure
    assert read_cursor(library, HF) == TODAY - timedelta(days=2)

    # Back up: the next sync resumes at the cursor and completes.
    revived = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    revived.start()
    try:
        serve_days(revived, days)
        again = sync(library, config_for(revived, backfill_days=3), clock).feeds[0]  # type: ignore[attr-defined]
        assert (again.error, again.added, again.unchanged) == (None, 6, 3)
        assert read_cursor(library, HF) == TODAY
    finally:
        revived.clear()
        revived.stop()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_offline_is_one_line_per_feed_and_exit_1(tmp_path: object, library: Library) -> None:
    config_path = config_path_for(
        tmp_path,
        f'hf_api_url = "http://127.0.0.1:{free_port()}"\n'
        f'arxiv_api_url = "http://127.0.0.1:{free_port()}"\n'
        '[[feeds]]\nname = "Daily Papers"\nsource = "hf-daily"\n'
        '[[feeds]]\nname = "arXiv cs.CL"\nsource = "arxiv"\nquery = "cat:cs.CL"\n',
    )
    out, err = io.StringIO(), io.StringIO()
    code = main(["--config", str(config_path), "sync"], out=out, err=err)
    lines = err.getvalue().splitlines()
    assert code == 1 and len(lines) == 2
    assert lines[0].startswith("quire: Daily Papers: failed: http://127.0.0.1:")
    assert "cannot connect: connection refused" in lines[0]
    assert lines[1].startswith("quire: arXiv cs.CL: failed:")


def config_path_for(tmp_path: object, text: str) -> object:
    from pathlib import Path

    path = Path(str(tmp_path)) / "sync-config.toml"
    path.write_text(text, encoding="utf-8")
    return path


# -- two syncs at once ------------------------------------------------------------------------


def test_second_sync_says_so_and_never_double_imports(
    server: HTTPServer, library: Library, clock: FakeClock
) -> None:
    asked, release = threading.Event(), threading.Event()

    def held(request: Request) -> Response:
        asked.set()
        release.wait(10)
        return Response(hf_day(TODAY, 5), content_type="application/json")

    server.expect_request("/api/daily_papers").respond_with_handler(held)
    config = config_for(server, backfill_days=1)
    results: list[object] = []
    first = threading.Thread(target=lambda: results.append(sync(library, config, FakeClock())))
    first.start()
    try:
        assert asked.wait(10)
        with pytest.raises(SyncBusy, match="another sync is running"):
            sync(library, config, clock)
    finally:
        release.set()
        first.join(10)
    assert library.count() == 5 and len(server.log) == 1


def test_cli_sync_while_locked_exits_1(tmp_path: object, server: HTTPServer) -> None:
    from pathlib import Path

    data = Path(str(tmp_path)) / "data"
    path = config_path_for(tmp_path, f'hf_api_url = "{server.url_for("").rstrip("/")}"\n')
    with Library(data / "library.sqlite3") as lib, sync_lock(lib):
        out, err = io.StringIO(), io.StringIO()
        code = main(["--data-dir", str(data), "--config", str(path), "sync"], out=out, err=err)
    assert code == 1 and "another sync is running" in err.getvalue()
    assert server.log == []


# -- merging, dry runs, annotations -----------------------------------------------------------


def test_sync_never_touches_annotations(server: HTTPServer, library: Library, clock: FakeClock) -> None:
    serve_days(server, {TODAY: 2})
    config = config_for(server, backfill_days=1)
    sync(library, config, clock)
    pid = library.resolve(f"{TODAY:%y%m}.{TODAY.day:02d}001")
    library.set_bookmarked([pid], True)
    library.set_note(pid, "keep me")
    library.add_tags([pid], ["to-read"])
    before = library.annotations([pid])
    server.clear()
    updated = [hf_item(f"{TODAY:%y%m}.{TODAY.day:02d}001", "A Better Title", TODAY, upvotes=99)]
    server.expect_request("/api/daily_papers").respond_with_json(updated)
    report = sync(library, config, clock).feeds[0]  # type: ignore[attr-defined]
    assert report.updated == 1
    assert library.annotations([pid]) == before
    assert library.get_paper(pid).upvotes == 99


def test_dry_run_counts_and_stores_nothing(server: HTTPServer, library: Library, clock: FakeClock) -> None:
    serve_days(server, {TODAY: 4})
    before = dump(library.path)
    report = sync(library, config_for(server, backfill_days=1), clock, dry_run=True).feeds[0]  # type: ignore[attr-defined]
    assert report.added == 4
    assert [line for line in dump(library.path) if "'rev'" not in line] == [
        line for line in before if "'rev'" not in line
    ]


def test_feed_tag_marks_what_the_feed_added(server: HTTPServer, library: Library, clock: FakeClock) -> None:
    serve_days(server, {TODAY: 2})
    feed = FeedConfig(name="Daily Papers", source="hf-daily", tag="Daily HF")
    report = sync(library, config_for(server, [feed], backfill_days=1), clock).feeds[0]  # type: ignore[attr-defined]
    assert all(p.annotation.tags == ["daily-hf"] for p in library.get_papers(report.new_pids))


# -- watch rules and the digest ---------------------------------------------------------------


def test_watch_rules_tag_new_papers_and_the_digest_lists_them(
    server: HTTPServer, library: Library, clock: FakeClock, tmp_path: object
) -> None:
    entries = [
        atom_entry("2601.00001", "Dense Retrieval with Tiny Models", TODAY),
        atom_entry("2601.00002", "A Survey of Retrieval", TODAY),
        atom_entry("2601.00003", "Speech Synthesis at Scale", TODAY),
    ]
    server.expect_request("/api/query").respond_with_data(
        atom_feed(entries), content_type="application/atom+xml"
    )
    rules = [
        WatchRule(name="Retrieval", query="retrieval -survey", tag="rag"),
        WatchRule(name="Vision", query="vision"),
    ]
    config = config_for(server, [ARXIV], watch=rules, backfill_days=1)
    result = sync(library, config, clock)
    watch = {w.rule: w for w in result.watch}  # type: ignore[attr-defined]
    assert len(watch["Retrieval"].pids) == 1 and watch["Vision"].pids == []
    assert library.get_paper(watch["Retrieval"].pids[0]).annotation.tags == ["rag"]
    assert "watch rules: Retrieval 1" in result.message()  # type: ignore[attr-defined]

    found = digest(library, rules, "")
    assert [(e.rule, [p.title for p in e.papers]) for e in found] == [
        ("Retrieval", ["Dense Retrieval with Tiny Models"]),
        ("Vision", []),
    ]
    text = digest_markdown(found, "")
    assert "## Retrieval (1)" in text and "https://arxiv.org/abs/2601.00001" in text

    # Through the command line: the digest moves its mark, so the next one is empty.
    from pathlib import Path

    data = Path(str(tmp_path)) / "digest-data"
    data.mkdir()
    path = config_path_for(tmp_path, '[[watch]]\nname = "Retrieval"\nquery = "retrieval"\n')
    import shutil

    library.close()
    shutil.copy(library.path, data / "library.sqlite3")
    args = ["--data-dir", str(data), "--config", str(path), "digest"]
    first = io.StringIO()
    assert main([*args, "--format", "json"], out=first, err=io.StringIO()) == 0
    rows = json.loads(first.getvalue())["rules"]
    assert rows[0]["rule"] == "Retrieval" and len(rows[0]["papers"]) == 1
    second = io.StringIO()
    assert main(args, out=second, err=io.StringIO()) == 0
    assert "## Retrieval (0)" in second.getvalue()
    third = io.StringIO()
    assert main([*args, "--since", "2000-01-01"], out=third, err=io.StringIO()) == 0
    assert "Dense Retrieval with Tiny Models" in third.getvalue()


# -- config -----------------------------------------------------------------------------------


def test_default_config_has_one_daily_papers_feed() -> None:
    config = Config()
    assert [(f.name, f.source) for f in config.feeds] == [("Daily Papers", "hf-daily")]
    assert config.hf_api_url == "https://huggingface.co"
    assert config.arxiv_api_url == "https://export.arxiv.org"
    assert config.backfill_days == 7 and config.sync_on_start is False


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ('[[feeds]]\nname = "x"\nsource = "arxiv"\n', "an arxiv feed needs a query"),
        ('[[feeds]]\nname = "x"\nsource = "rss"\n', "feeds.0.source"),
        ('[[feeds]]\nname = "x"\nsource = "hf-daily"\nqurey = "a"\n', "did you mean 'query'"),
        ('[[watch]]\nname = "x"\nquery = "year:abc"\n', "the query does not parse"),
        ("backfil_days = 3\n", "did you mean 'backfill_days'"),
        ('hf_api_url = "ftp://example"\n', "must be an http:// or https:// URL"),
    ],
)
def test_bad_feed_config_is_named(tmp_path: object, text: str, problem: str) -> None:
    from pathlib import Path

    path = Path(str(tmp_path)) / "c.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as raised:
        load_config(path)
    assert problem in "; ".join(raised.value.problems)


def test_unknown_feed_name_is_refused(tmp_path: object) -> None:
    err = io.StringIO()
    assert main(["sync", "nope"], out=io.StringIO(), err=err) == 1
    assert "'nope' is not a configured feed; feeds: 'Daily Papers'" in err.getvalue()


# -- the command line -------------------------------------------------------------------------


def run_cli(tmp_path: object, server: HTTPServer, *args: str, extra: str = "") -> tuple[int, str, str]:
    base = server.url_for("").rstrip("/")
    path = config_path_for(
        tmp_path, f'hf_api_url = "{base}"\narxiv_api_url = "{base}"\nbackfill_days = 1\n{extra}'
    )
    out, err = io.StringIO(), io.StringIO()
    code = main(["--config", str(path), *args], out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def test_cli_sync_prints_a_line_per_feed_and_json(tmp_path: object, server: HTTPServer) -> None:
    from datetime import UTC, datetime

    today = datetime.now(UTC).date()
    serve_days(server, {today: 3})
    code, out, err = run_cli(tmp_path, server, "sync")
    assert (code, err) == (0, "")
    assert out.startswith("Daily Papers: 3 new, 0 updated, 0 unchanged (1 page, ")
    code, out, _ = run_cli(tmp_path, server, "sync", "daily", "--json")
    report = json.loads(out)["feeds"][0]
    assert code == 0 and (report["feed"], report["new"], report["unchanged"]) == ("Daily Papers", 0, 3)
    assert report["cursor"] == today.isoformat() and report["error"] is None


def test_cli_sync_dry_run_and_since(tmp_path: object, server: HTTPServer) -> None:
    from datetime import UTC, datetime

    today = datetime.now(UTC).date()
    serve_days(server, {today - timedelta(days=1): 2, today: 1})
    code, out, _ = run_cli(
        tmp_path, server, "sync", "--dry-run", "--since", (today - timedelta(days=1)).isoformat()
    )
    assert code == 0 and "3 new" in out and "dry run: nothing stored" in out
    code, out, _ = run_cli(tmp_path, server, "list", "--json")
    assert json.loads(out) == []
    with pytest.raises(SystemExit) as usage:
        run_cli(tmp_path, server, "sync", "--since", "yesterday")
    assert usage.value.code == 2


def test_cli_add_fetches_from_hugging_face_then_arxiv(tmp_path: object, server: HTTPServer) -> None:
    flat = hf_item("2601.15001", "A Paper On Hugging Face", TODAY)["paper"]
    server.expect_request("/api/papers/2601.15001").respond_with_json(flat)
    server.expect_request("/api/papers/2601.51501").respond_with_json(
        {"error": "Entry not found"}, status=404
    )
    server.expect_request(
        "/api/query", query_string={"id_list": "2601.51501", "max_results": "1"}
    ).respond_with_data(atom_feed([atom_entry("2601.51501", "A Paper Only On arXiv", TODAY)]))
    code, out, err = run_cli(tmp_path, server, "add", "2601.15001", "https://arxiv.org/abs/2601.51501v2")
    assert (code, err) == (0, "") and out.startswith("2 added")
    code, out, _ = run_cli(tmp_path, server, "list", "--json")
    assert sorted(p["title"] for p in json.loads(out)) == ["A Paper On Hugging Face", "A Paper Only On arXiv"]


def test_cli_add_validates_ids_before_any_request(tmp_path: object, server: HTTPServer) -> None:
    for bad in ("../../etc/passwd", "https://example.com/papers/2601.00001", "2601.1"):
        code, _, err = run_cli(tmp_path, server, "add", "2601.15001", bad)
        assert code == 1 and "nothing was fetched" in err
    assert server.log == []


def test_cli_add_reports_unknown_papers(tmp_path: object, server: HTTPServer) -> None:
    server.expect_request("/api/papers/2601.99999").respond_with_data("", status=404)
    server.expect_request("/api/query").respond_with_data(atom_feed([]))
    code, _, err = run_cli(tmp_path, server, "add", "https://huggingface.co/papers/2601.99999")
    assert code == 1 and "2601.99999: arXiv has no such paper" in err


def test_example_config_is_valid() -> None:
    from pathlib import Path

    config = load_config(Path(__file__).parent.parent / "config.example.toml")
    assert [f.source for f in config.feeds] == ["hf-daily"]


def test_add_falls_back_to_arxiv_when_hugging_face_fails(
    server: HTTPServer, library: Library, clock: FakeClock
) -> None:
    from quire.sync.add import add_papers

    server.expect_request("/api/papers/2601.15001").respond_with_data("down", status=503)
    server.expect_request("/api/query").respond_with_data(
        atom_feed([atom_entry("2601.15001", "Fetched From arXiv Instead", TODAY)])
    )
    with fetcher(clock) as made:
        report = add_papers(library, config_for(server), ["2601.15001"], made)
    assert (report.errors, report.missing, report.summary.added) == ([], [], 1)
    assert clock.sleeps == [1.0, 2.0, 4.0]  # Hugging Face was retried before giving up on it
    assert library.get_paper(report.new_pids[0]).title == "Fetched From arXiv Instead"


def test_sync_lock_that_cannot_be_created_is_a_clear_error(
    server: HTTPServer, library: Library, clock: FakeClock
) -> None:
    from quire.sync import SyncError
    from quire.sync.lock import lock_path

    lock_path(library).mkdir()  # something in the way of the lock file
    with pytest.raises(SyncError, match="cannot create the sync lock"):
        sync(library, config_for(server), clock)
    assert server.log == []
