"""The reader's R: sync in a worker with a progress bar and a notification, against a local server."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from feed_support import hf_day
from pytest_httpserver import HTTPServer
from textual.widgets import ProgressBar
from werkzeug import Request, Response

from app_support import app_on, library, papers, ready, screen, settle, wait_until
from quire.config import FeedConfig, WatchRule

SIZE = (120, 40)


@pytest.fixture
def server() -> Iterator[HTTPServer]:
    http = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    http.start()
    yield http
    http.clear()
    http.stop()


def today() -> date:
    return datetime.now(UTC).date()


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def row_text(pilot: object, y: int) -> str:
    strip = papers(pilot).render_line(y)  # type: ignore[arg-type]
    return "".join(segment.text for segment in strip)


async def test_R_syncs_with_progress_and_a_notification(tmp_path: Path, server: HTTPServer) -> None:
    asked, release = threading.Event(), threading.Event()

    def held(request: Request) -> Response:
        asked.set()
        release.wait(20)
        return Response(hf_day(today(), 3, topic="Fresh Feed Paper"), content_type="application/json")

    server.expect_request("/api/daily_papers").respond_with_handler(held)
    base = server.url_for("").rstrip("/")
    app = app_on(
        tmp_path,
        hf_api_url=base,
        backfill_days=1,
        watch=[WatchRule(name="Fresh", query="fresh", tag="fresh-feed")],
    )
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await ready(pilot)
        before = len(papers(pilot).pids)
        await pilot.press("R")
        try:
            await wait_until(pilot, asked.is_set, "the sync asked the server")
            bar = screen(pilot).query_one("#import-progress", ProgressBar)
            assert bar.display and bar.total == 100
            await pilot.press("R")  # a second R while syncing says so
            assert any("already running" in n.message for n in app._notifications)
        finally:
            release.set()
        await settle(pilot)
        assert not screen(pilot).query_one("#import-progress", ProgressBar).display
        messages = [n.message for n in app._notifications if n.title == "Synced"]
        assert messages == ["3 new papers from Daily Papers; watch rules: Fresh 3"]
        # The Inbox gained them at once, newest first, marked new.
        assert len(papers(pilot).pids) == before + 3
        top = library(pilot).get_paper(papers(pilot).pids[0])
        assert top.title.startswith("Fresh Feed Paper") and top.fresh
        assert top.annotation.tags == ["fresh-feed"]
        assert "✦" in row_text(pilot, 0)
        # The cursor stayed on the paper it was on; opening a new one marks it read, so not new.
        assert papers(pilot).cursor == 3
        await pilot.press("g", "enter")
        await settle(pilot)
        assert not library(pilot).get_paper(top.pid).fresh
        assert "✦" not in row_text(pilot, 0)
    assert app.is_running is False


async def test_failed_feed_is_a_notification_not_a_crash(tmp_path: Path, server: HTTPServer) -> None:
    server.expect_request("/api/daily_papers").respond_with_data(
        hf_day(today(), 2, topic="Working Feed Paper"), content_type="application/json"
    )
    feeds = [
        FeedConfig(name="Daily Papers", source="hf-daily"),
        FeedConfig(name="arXiv cs.CL", source="arxiv", query="cat:cs.CL"),
    ]
    app = app_on(
        tmp_path,
        hf_api_url=server.url_for("").rstrip("/"),
        arxiv_api_url=f"http://127.0.0.1:{closed_port()}",
        feeds=feeds,
        backfill_days=1,
    )
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await ready(pilot)
        await pilot.press("R")
        await settle(pilot)
        errors = [n for n in app._notifications if n.severity == "error"]
        assert len(errors) == 1 and errors[0].title == "Feed failed"
        assert errors[0].message.startswith("arXiv cs.CL: http://127.0.0.1:")
        assert "connection refused" in errors[0].message
        assert any(n.message == "2 new papers from Daily Papers" for n in app._notifications)
        assert app.is_running
        assert library(pilot).get_papers(papers(pilot).pids[:1])[0].title.startswith("Working Feed Paper")


async def test_sync_on_start(tmp_path: Path, server: HTTPServer) -> None:
    server.expect_request("/api/daily_papers").respond_with_data(
        hf_day(today(), 1, topic="Started Paper"), content_type="application/json"
    )
    app = app_on(tmp_path, hf_api_url=server.url_for("").rstrip("/"), backfill_days=1, sync_on_start=True)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await ready(pilot)
        await wait_until(
            pilot, lambda: any(n.title == "Synced" for n in app._notifications), "the sync on start finished"
        )
        await settle(pilot)
        assert len(server.log) == 1
        assert library(pilot).count() == 391


async def test_opening_drops_the_new_mark_without_marking_read(tmp_path: Path, server: HTTPServer) -> None:
    server.expect_request("/api/daily_papers").respond_with_data(
        hf_day(today(), 1, topic="Unread Fresh Paper"), content_type="application/json"
    )
    app = app_on(
        tmp_path, hf_api_url=server.url_for("").rstrip("/"), backfill_days=1, mark_read_on_open=False
    )
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await ready(pilot)
        await pilot.press("R")
        await settle(pilot)
        await pilot.press("g", "enter")
        await settle(pilot)
        paper = library(pilot).get_paper(papers(pilot).pids[0])
        assert paper.title.startswith("Unread Fresh Paper")
        assert (paper.fresh, paper.annotation.read) == (False, False)
        assert "✦" not in row_text(pilot, 0) and "•" in row_text(pilot, 0)
