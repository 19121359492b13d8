"""Opening the search index the usual way: the saved one caught up with the library, else a
fresh build, and when a save is worth its time.

``quire.search.persist`` owns the format on disk (saving, loading, refusing what cannot be
trusted); this module owns the policy around it, shared by the reader and the CLI.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from quire.search.engine import Progress, SearchIndex
from quire.search.persist import CacheRefused, folder_for, load, save
from quire.store import Library

SAVE_AFTER = 1000  # papers changed since the last save that make a new save worth its time


@dataclass
class Opened:
    """What ``open_index`` did: the index, and whether it was loaded or built (and why)."""

    index: SearchIndex
    loaded: bool
    reason: str = ""  # why a saved index was not used ("" when it was, or none existed)
    caught_up: int = 0  # papers changed since the saved index, brought up to date
    saved: bool = False


def open_index(
    library: Library,
    progress: Progress | None = None,
    folder: Path | None = None,
    save_after: int = SAVE_AFTER,
    prepare: bool = True,
    write: bool = True,
    on_rebuild: Callable[[str], None] | None = None,
) -> Opened:
    """The library's search index, up to date: the saved one caught up, else a fresh build.

    The result is saved again when it was built, or when catching up changed at least
    ``save_after`` papers (a few annotation changes are cheaper to catch up at the next start
    than to save). ``write=False`` never saves (the caller saves later, off the critical path).
    ``on_rebuild(reason)`` is told, before a build starts, why the saved index was not used.
    """
    folder = folder or folder_for(library)
    reason = ""
    try:
        index, caught_up = open_saved(library, progress, folder, prepare)
        opened = Opened(index, loaded=True, caught_up=caught_up)
        if write and index.unsaved >= save_after:
            opened.saved = _try_save(index, folder)
        return opened
    except CacheRefused as error:
        reason = "" if str(error) == "no saved index" else str(error)
    if on_rebuild is not None:
        on_rebuild(reason)
    index = SearchIndex.build(library, progress=progress) if prepare else _build_lazy(library, progress)
    opened = Opened(index, loaded=False, reason=reason)
    if write:
        opened.saved = _try_save(index, folder)
    return opened


def open_saved(
    library: Library, progress: Progress | None = None, folder: Path | None = None, prepare: bool = True
) -> tuple[SearchIndex, int]:
    """The saved index caught up with the library, and how many papers that changed.

    Raises ``CacheRefused`` when there is none or it cannot be trusted.
    """
    index = load(library, folder)
    caught_up = index.refresh(progress=progress, prepare=prepare)
    if not _agrees(index):
        raise CacheRefused("it did not agree with the library after catching up")
    return index, caught_up


def _build_lazy(library: Library, progress: Progress | None) -> SearchIndex:
    index = SearchIndex(library)
    index.refresh(progress=progress, prepare=False)
    return index


def _agrees(index: SearchIndex) -> bool:
    """A last cheap check: the caught-up index holds as many papers as the library."""
    library = index.library
    for _ in range(3):
        if library.current_rev() != index.rev:
            index.refresh(prepare=False)
            continue
        count = library.count()
        if library.current_rev() == index.rev:
            return count == index.size
    return True  # the library keeps moving: the next refresh catches up


def _try_save(index: SearchIndex, folder: Path) -> bool:
    """Save, or leave the saved index as it was when the cache cannot be written."""
    try:
        save(index, folder)
    except OSError:
        return False  # a full or read-only cache only costs time at the next start
    return True
