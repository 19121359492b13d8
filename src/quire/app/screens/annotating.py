"""The annotation keys of the main screen: bookmark, read, triage, select, tags, note, undo and
redo.

Owns what those keys do on screen: which papers they act on (the selection, else the paper under
the cursor), asking for tags or a note in a dialog (awaited in a worker), reporting a change that
could not be saved, and announcing bulk changes and undo steps. The changes themselves (and the
undo history) are the core's ``Annotator``; ``MainScreen`` redraws what changed.
"""

from __future__ import annotations

from collections.abc import Callable

from textual import work

from quire.annotations import Annotator, Change
from quire.app.screens.base import PaperScreen
from quire.app.screens.tag_editor import TagEditor
from quire.app.widgets.paper_list import PaperList
from quire.models import Paper
from quire.store import StoreError
from quire.views import count_label


class AnnotationActions(PaperScreen):
    """The annotation keys; the screen redraws what changed in ``_changed``."""

    def _changed(self, pids: list[int]) -> None:
        """Annotations of ``pids`` changed (the screen redraws them)."""
        raise NotImplementedError

    def _annotate(self, change: Callable[[Annotator], Change | None], announce: bool = False) -> bool:
        """Make a change now (it is recorded for undo), redraw; report what failed."""
        try:
            done = change(self.session.annotator)
        except StoreError as error:
            self._not_saved(error)
            return False
        except ValueError as error:  # an invalid tag
            self.notify(str(error), severity="error")
            return False
        if done is None:
            return True
        if announce and len(done.pids) > 1:
            self.notify(done.description)
        self._changed(done.pids)
        return True

    def _not_saved(self, error: StoreError) -> None:
        """Tell the user a change was not saved (the screen stays as it was)."""
        self.notify(f"Not saved: {error}", title="Library not writable", severity="error", timeout=10)

    def action_bookmark(self) -> None:
        """Bookmark (or unbookmark, if all are bookmarked) the paper or the selection."""
        pids = self._targets()
        if pids:
            self._annotate(lambda annotator: annotator.toggle_bookmark(pids), announce=True)

    def action_toggle_read(self) -> None:
        """Mark read (or unread, if all are read) the paper or the selection."""
        pids = self._targets()
        if pids:
            self._annotate(lambda annotator: annotator.toggle_read(pids), announce=True)

    def action_triage(self) -> None:
        """Mark the paper read (never unread) and move to the next one: newsboat-style triage
        in one key (x). The row stays listed, even in the Inbox, so the cursor never jumps."""
        papers = self.query_one(PaperList)
        pid = papers.current_pid
        if pid is None:
            return
        if self._annotate(lambda annotator: annotator.mark_read(pid)):
            papers.action_cursor_down()

    def action_toggle_select(self) -> None:
        """Select the paper (b, t and r then act on the whole selection)."""
        self.query_one(PaperList).toggle_selected()

    def action_edit_tags(self) -> None:
        """Open the tag editor for the paper or the selection."""
        pids = self._targets()
        if pids:
            self._edit_tags(pids)

    @work(group="dialog")
    async def _edit_tags(self, pids: list[int]) -> None:
        current = self.session.annotator.tag_counts(pids)
        known = [t for t, _ in self.session.library.tag_counts()]
        paper = self._current()
        # The whole title: the dialog cuts it to its width with an ellipsis.
        subject = count_label(pids) if len(pids) > 1 or paper is None else paper.title
        change = await self.app.push_screen_wait(TagEditor(subject, current, len(pids), known))
        if change is None:
            return
        if change.add and not self._annotate(lambda a: a.add_tags(pids, change.add)):
            return
        if change.remove:
            self._annotate(lambda a: a.remove_tags(pids, change.remove))

    def action_edit_note(self) -> None:
        """Open the note editor for the paper under the cursor."""
        paper = self._current()
        if paper is not None:
            self._edit_note(paper)

    @work(group="dialog")
    async def _edit_note(self, paper: Paper) -> None:
        # Imported here: its TextArea is among the costlier widgets to import, and the reader
        # opens without it.
        from quire.app.screens.note_editor import NoteEditor

        text = await self.app.push_screen_wait(NoteEditor(paper.title, paper.annotation.note))
        if text is not None:
            self._annotate(lambda annotator: annotator.set_note(paper.pid, text))

    def action_undo(self) -> None:
        """Undo the last annotation change."""
        self._history(undo=True)

    def action_redo(self) -> None:
        """Redo the last undone change."""
        self._history(undo=False)

    def _history(self, undo: bool) -> None:
        annotator = self.session.annotator
        try:
            step = annotator.undo() if undo else annotator.redo()
        except StoreError as error:
            self._not_saved(error)
            return
        if step is None:
            self.notify(f"Nothing to {'undo' if undo else 'redo'}")
            return
        self.notify(f"{'Undid' if undo else 'Redid'}: {step.description}")
        self._changed(step.pids)
