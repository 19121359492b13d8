"""The arXiv API feed: reading its Atom pages, newest first, down to the feed's cursor.

arXiv asks for at most one request every three seconds: its requests go through their own lane of
the fetcher (``ARXIV_LANE``), which ``polite_fetcher`` spaces by ``ARXIV_INTERVAL``.
"""

from __future__ import annotations

from datetime import date

from quire.importers.arxiv_atom import read_arxiv_atom
from quire.models import PaperRecord
from quire.sync.feed_run import FeedRun, cursor_meta, read_page
from quire.sync.http import Clock, Fetcher, FetchPolicy, Page

ARXIV_INTERVAL = 3.0  # arXiv's rule: at most one request every three seconds
ARXIV_LANE = "arxiv"
ARXIV_PAGE = 100


def polite_fetcher(clock: Clock | None = None) -> Fetcher:
    """A fetcher keeping arXiv's 3 s between its requests."""
    return Fetcher(FetchPolicy(min_interval={ARXIV_LANE: ARXIV_INTERVAL}), clock=clock)


def parse_arxiv(page: Page) -> tuple[list[PaperRecord], list[str]]:
    """The papers of an arXiv API response (Atom); ``BadResponse`` names the URL."""
    return read_page(page, read_arxiv_atom)


def sync_arxiv(run: FeedRun, base: str, floor: date, old_cursor: date | None) -> None:
    """Fetch and store the feed's query at ``base`` from the newest paper down to ``floor``."""
    url = f"{base}/api/query"
    query = run.feed.query or ""
    newest: date | None = None
    start = 0
    while True:
        run.progress(start // ARXIV_PAGE, None)
        if run.report.pages >= run.max_pages:
            # Moving the cursor to the newest day keeps later syncs incremental; say what was missed.
            run.report.warning = (
                f"stopped at the page cap ({run.max_pages} pages, max_pages): "
                f"papers submitted between {floor} and the oldest fetched were "
                "not fetched"
            )
            break
        params: dict[str, str | int] = {
            "search_query": query,
            "sortBy": "submittedDate",
            "sortOrder": "descending",
            "start": start,
            "max_results": ARXIV_PAGE,
        }
        page = run.fetch(url, params, conditional=False, lane=ARXIV_LANE)
        records, skipped = parse_arxiv(page)
        keep = [r for r in records if r.published is None or r.published >= floor]
        reached_floor = len(keep) < len(records) or len(records) < ARXIV_PAGE
        for record in keep:
            if record.published and (newest is None or record.published > newest):
                newest = record.published
        # The cursor may move only once every page down to the floor is stored (pages come newest
        # first), so it is written with the last page.
        through = max(d for d in (newest, old_cursor, floor) if d is not None)
        meta = cursor_meta(run.feed, through) if reached_floor else {}
        run.store(page, keep, skipped, "arxiv-atom", meta)
        if reached_floor:
            run.report.cursor = through.isoformat()
            return
        start += ARXIV_PAGE
    if newest is not None and not run.dry_run and (old_cursor is None or newest > old_cursor):
        run.library.set_meta(cursor_meta(run.feed, newest))
        run.report.cursor = newest.isoformat()
