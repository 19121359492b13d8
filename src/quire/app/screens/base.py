"""The base of the main screen's parts: a screen on a session, with a paper list.

Owns the two questions every key on the papers asks: which paper is under the cursor, and which
papers an action applies to (the selection, else that paper); the keys that move the cursor;
and saying once that the library
cannot be read (the app reports the ``Problem``). ``ViewActions`` (and ``Searching`` on it),
``AnnotationActions`` and ``LibraryActions`` build on it; ``MainScreen`` brings them together.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message
from textual.screen import Screen

from quire.app.session import Session
from quire.app.widgets.paper_list import PaperList
from quire.models import Paper
from quire.store import StoreError

# n/N read the read marks of this many rows at a time: one query finds the next unread paper
# in a typical list, and a list of read papers costs a query per chunk, not per row.
UNREAD_CHUNK = 200


class PaperScreen(Screen[None]):
    """A screen showing a session's papers in a ``PaperList``."""

    @dataclass
    class Problem(Message):
        """Something failed that the user should hear about (the app reports it)."""

        error: BaseException

    def __init__(self, session: Session) -> None:
        super().__init__()
        self.session = session
        self._reported = ""  # the last library problem shown, so a timer does not repeat it

    def _store_problem(self, error: StoreError) -> None:
        """Say once that the library cannot be read (deleted, damaged…); keep running."""
        if str(error) != self._reported:
            self._reported = str(error)
            self.post_message(self.Problem(error))

    def _current(self) -> Paper | None:
        """The paper under the cursor."""
        pid = self.query_one(PaperList).current_pid
        if pid is None:
            return None
        try:
            papers = self.session.library.get_papers([pid])
        except StoreError as error:
            self._store_problem(error)
            return None
        return papers[0] if papers else None

    def _targets(self) -> list[int]:
        """The selection, else the paper under the cursor."""
        papers = self.query_one(PaperList)
        if papers.selection:
            return sorted(papers.selection)
        return [papers.current_pid] if papers.current_pid is not None else []

    def action_cursor_down(self) -> None:
        """Next paper."""
        self.query_one(PaperList).action_cursor_down()

    def action_cursor_up(self) -> None:
        """Previous paper."""
        self.query_one(PaperList).action_cursor_up()

    def action_cursor_top(self) -> None:
        """First paper."""
        self.query_one(PaperList).move_to(0)

    def action_cursor_bottom(self) -> None:
        """Last paper."""
        papers = self.query_one(PaperList)
        papers.move_to(len(papers.pids) - 1)

    def action_page_down(self) -> None:
        """A page down."""
        papers = self.query_one(PaperList)
        papers.move_to(papers.cursor + max(1, papers.size.height - 1))

    def action_page_up(self) -> None:
        """A page up."""
        papers = self.query_one(PaperList)
        papers.move_to(papers.cursor - max(1, papers.size.height - 1))

    def action_next_unread(self) -> None:
        """The next unread paper below the cursor (n)."""
        self._jump_unread(1)

    def action_previous_unread(self) -> None:
        """The previous unread paper above the cursor (N)."""
        self._jump_unread(-1)

    def _jump_unread(self, step: int) -> None:
        papers = self.query_one(PaperList)
        pids = papers.pids
        row = papers.cursor + step
        while 0 <= row < len(pids):
            end = max(-1, min(len(pids), row + step * UNREAD_CHUNK))
            rows = range(row, end, step)
            try:
                marks = self.session.library.annotations([pids[i] for i in rows])
            except StoreError as error:
                self._store_problem(error)
                return
            found = next((i for i in rows if not marks[pids[i]].read), None)
            if found is not None:
                papers.move_to(found)
                return
            row = end
        self.notify(f"No unread paper {'below' if step > 0 else 'above'} in this list")
