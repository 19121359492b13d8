"""The Hugging Face Daily Papers feed: planning its requests and reading its pages.

A back-fill asks for whole months and ISO weeks where it can (a few requests, not one per day); each
period is read page by page, conditionally (ETag / Last-Modified), and the feed's cursor moves with a
period's last page.
"""

from __future__ import annotations

import calendar
import json
from dataclasses import dataclass
from datetime import date, timedelta

from quire.importers.hf_json import read_hf_json
from quire.models import PaperRecord
from quire.sync.feed_run import FeedRun, cursor_meta, looks_like, read_page
from quire.sync.http import BadResponse, Page

HF_PAGE = 100  # the daily_papers API's largest page


def parse_hf(page: Page, require_list: bool = True) -> tuple[list[PaperRecord], list[str]]:
    """The papers of a daily_papers response (an array); ``BadResponse`` names the URL."""
    if require_list:
        try:
            data = json.loads(page.text)
        except json.JSONDecodeError as error:
            raise BadResponse(
                f"{page.url}: line {error.lineno}, column {error.colno}: not valid "
                f"JSON ({error.msg}){looks_like(page.text)}"
            ) from None
        if not isinstance(data, list):
            raise BadResponse(f"{page.url}: expected a JSON array of papers, got {type(data).__name__}")
    return read_page(page, read_hf_json)


@dataclass(frozen=True)
class Period:
    """One request of the Daily Papers API: a day, an ISO week or a month."""

    param: str  # date, week or month
    value: str
    last: date  # the last day it covers


def hf_periods(start: date, today: date) -> list[Period]:
    """The requests that cover ``start``..``today``, oldest first.

    Whole past months and ISO weeks inside the range are one request each (``month=``/``week=``),
    the rest one request per day, so a long back-fill costs a few requests, not one per day.
    """
    periods: list[Period] = []
    day = start
    while day <= today:
        if day.day == 1:
            end = day.replace(day=calendar.monthrange(day.year, day.month)[1])
            if end < today:
                periods.append(Period("month", f"{day:%Y-%m}", end))
                day = end + timedelta(days=1)
                continue
        if day.weekday() == 0:
            end = day + timedelta(days=6)
            if end < today:
                year, week, _ = day.isocalendar()
                periods.append(Period("week", f"{year}-W{week:02d}", end))
                day = end + timedelta(days=1)
                continue
        periods.append(Period("date", day.isoformat(), day))
        day += timedelta(days=1)
    return periods


def sync_hf(run: FeedRun, base: str, start: date, today: date, old_cursor: date | None) -> None:
    """Fetch and store ``start``..``today`` of the Daily Papers at ``base``, moving the cursor."""
    periods = hf_periods(start, today)
    url = f"{base}/api/daily_papers"
    for number, period in enumerate(periods):
        run.progress(number, len(periods))
        page_no = 0
        while True:
            if run.report.pages >= run.max_pages:
                run.report.warning = (
                    f"stopped at the page cap ({run.max_pages} pages, "
                    f"max_pages); run sync again to continue from "
                    f"{period.value}"
                )
                return
            params: dict[str, str | int] = {period.param: period.value, "limit": HF_PAGE}
            if page_no:
                params["p"] = page_no
            page = run.fetch(url, params, conditional=True)
            records, skipped = ([], []) if page.not_modified else parse_hf(page)
            more = len(records) + len(skipped) >= HF_PAGE  # a full page: ask for the next one
            # The cursor moves with the period's last page: every day up to it is then stored.
            # It never moves back (a --since re-fetch of older days leaves it where it was).
            moves = not more and (old_cursor is None or period.last > old_cursor)
            meta = cursor_meta(run.feed, period.last) if moves else {}
            run.store(page, records, skipped, "hf-json", meta)
            if not more:
                if moves:
                    run.report.cursor = period.last.isoformat()
                break
            page_no += 1
