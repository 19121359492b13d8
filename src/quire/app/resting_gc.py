"""When Python's cyclic garbage collector makes its full passes in the reader: while it rests.

Textual's strips keep caches that refer back to the strip, so every frame leaves reference
cycles that only the collector frees. Its full pass over everything that survived the young
passes took 20-60 ms of CPU at 100,000 papers and, by default, came every few keys typed: the
slowest keystrokes were those. Once the search index is built its objects are frozen
(``gc.freeze``: never scanned again), automatic full passes are made ten times rarer, and one
runs as soon as the reader has rested ``REST`` seconds (no key, no query) with cycles waiting.

The collector is the process's, so this module's state is too: ``activity`` is called for
every key and query, ``collect_if_rested`` from a timer, and ``restore`` when the reader
closes puts the thresholds back.
"""

from __future__ import annotations

import gc
from time import monotonic

REST = 0.5  # seconds without a key or a query before a full pass may run
CHECK_EVERY = 0.25  # seconds between looks
FULL_PASS_EVERY = 100  # young-generation passes between automatic full ones (Python: 10)

_last_activity = 0.0
_started = False
_default_thresholds: tuple[int, int, int] | None = None


def freeze() -> None:
    """The index is built: keep everything alive now out of every later pass (the index's many
    long-lived objects), make automatic full passes rarer, and from now on run them at rests.

    Only the young generations are collected first (milliseconds): a full pass here took
    ~0.1 s at 100,000 papers, between the index being ready and the first search."""
    global _default_thresholds, _started
    gc.collect(1)
    gc.freeze()
    if _default_thresholds is None:
        _default_thresholds = gc.get_threshold()
    young, middle, _ = _default_thresholds
    gc.set_threshold(young, middle, FULL_PASS_EVERY)
    _started = True
    activity()


def restore() -> None:
    """Put the collector's thresholds back as they were before ``freeze``; no more passes
    from ``collect_if_rested``."""
    global _default_thresholds, _started
    _started = False
    if _default_thresholds is not None:
        gc.set_threshold(*_default_thresholds)
        _default_thresholds = None


def activity() -> None:
    """A key or a query: no full pass for the next ``REST`` seconds."""
    global _last_activity
    _last_activity = monotonic()


def collect_if_rested() -> bool:
    """Make a full pass if the reader has rested and young passes ran since the last one (a
    pass with nothing to free still walks every tracked object). Nothing before ``freeze``:
    while the reader starts, a pass would walk the index being loaded. Returns whether it
    ran."""
    if not _started or not gc.get_count()[2] or monotonic() - _last_activity < REST:
        return False
    gc.collect()
    return True
