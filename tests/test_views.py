"""The core behind the reader's views and annotation keys (no Textual): query strings, view keys,
annotation changes with undo."""

from __future__ import annotations

import pytest

from quire.annotations import Annotator
from quire.config import SavedView
from quire.models import ImportSummary, PaperRecord
from quire.store import Library
from quire.views import View, build_views, view_for_key, view_keys, view_query, with_order


def test_order_is_appended_only_when_chosen() -> None:
    assert with_order("  kernel tuning ") == "kernel tuning"
    assert with_order("kernel", sort="title") == "kernel sort:title"
    assert with_order("kernel", reverse=True) == "kernel sort:-relevance"  # words: relevance
    assert with_order("tag:rl", reverse=True) == "tag:rl sort:-date"  # filters only: date
    assert with_order("", reverse=True) == "sort:-date"
    assert with_order("x sort:title", reverse=True) == "x sort:title sort:-title"


def test_view_query_joins_view_and_typed_words() -> None:
    assert view_query(View("Inbox", "is:unread"), "graph", "upvotes") == "is:unread graph sort:upvotes"
    assert view_query(View("All"), "") == ""


def test_saved_view_key_wins_over_position(library: Library) -> None:
    library.import_records([PaperRecord(title="One")], ImportSummary(path="m", format="t"), "t")
    library.add_tags(library.all_pids(), ["rl"])
    views = build_views(
        library, [SavedView(name="Mine", query="x", key="2"), SavedView(name="Other", query="y")]
    )
    assert [v.name for v in views] == ["Inbox", "All", "Bookmarked", "For you", "#rl", "Mine", "Other"]
    assert view_keys(views) == ["1", None, "3", "4", "5", "2", "7"]
    assert view_for_key(views, "2") == 5 and view_for_key(views, "7") == 6
    assert view_for_key(views, "9") is None


def test_annotator_toggles_and_undoes(library: Library) -> None:
    library.import_records(
        [PaperRecord(title="One"), PaperRecord(title="Two")], ImportSummary(path="m", format="t"), "t"
    )
    one, two = library.all_pids()
    annotator = Annotator(library)
    library.set_bookmarked([one], True)
    change = annotator.toggle_bookmark([one, two])  # not all bookmarked: bookmark all
    assert change.description == "Bookmarked 2 papers" and change.pids == [one, two]
    assert all(a.bookmarked for a in library.annotations([one, two]).values())
    assert annotator.toggle_bookmark([one, two]).description == "Unbookmarked 2 papers"
    undone = annotator.undo()
    assert undone is not None and undone.description == "Unbookmarked 2 papers"
    assert all(a.bookmarked for a in library.annotations([one, two]).values())
    assert annotator.mark_read(one) is not None and annotator.mark_read(one) is None
    assert annotator.set_note(one, "") is None  # unchanged: nothing to undo
    with pytest.raises(ValueError, match="invalid tag"):
        annotator.add_tags([one], ["a:b"])
    undone = annotator.undo()  # the failed tag left no step behind
    assert undone is not None and undone.description == "Marked read"
    redone = annotator.redo()
    assert redone is not None and library.annotations([one])[one].read
