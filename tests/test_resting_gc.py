"""The reader's garbage collection policy: full passes while it rests, never just after a key."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest

from quire.app import resting_gc


class Node:
    """An object in a reference cycle: only the cyclic collector frees it."""

    def __init__(self) -> None:
        self.me = self


@pytest.fixture
def collector() -> Iterator[None]:
    """The policy in force for one test, the collector as it was afterwards."""
    resting_gc.freeze()
    try:
        yield
    finally:
        resting_gc.restore()
        gc.unfreeze()


def cycle_aged_into_the_old_generation() -> weakref.ref[Node]:
    """A garbage cycle that survived the young passes, as a strip cached for a while does."""
    node = Node()
    gc.collect(1)  # moves it to the oldest generation
    gone = weakref.ref(node)
    del node
    gc.collect(1)  # young passes do not free what is in the oldest generation
    return gone


def test_full_passes_are_rarer_and_restored(collector: None) -> None:
    assert gc.get_threshold()[2] == resting_gc.FULL_PASS_EVERY
    resting_gc.restore()
    assert gc.get_threshold()[2] != resting_gc.FULL_PASS_EVERY


def test_a_full_pass_waits_for_the_reader_to_rest(collector: None, monkeypatch: pytest.MonkeyPatch) -> None:
    now = [1000.0]
    monkeypatch.setattr(resting_gc, "monotonic", lambda: now[0])
    gone = cycle_aged_into_the_old_generation()
    assert gone() is not None
    resting_gc.activity()  # a key
    now[0] += resting_gc.REST / 2
    assert not resting_gc.collect_if_rested()
    assert gone() is not None  # still there: no pass while keys come
    now[0] += resting_gc.REST
    assert resting_gc.collect_if_rested()
    assert gone() is None
    assert not resting_gc.collect_if_rested()  # nothing new since: no pass over everything


def test_no_full_pass_before_the_index_is_frozen(monkeypatch: pytest.MonkeyPatch) -> None:
    resting_gc.restore()  # as when the reader starts
    monkeypatch.setattr(resting_gc, "monotonic", lambda: 1e9)  # long rested
    gone = cycle_aged_into_the_old_generation()
    assert not resting_gc.collect_if_rested()
    assert gone() is not None
    gc.collect()
