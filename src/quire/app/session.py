"""What the reader works on, handed from the app to its screens and widgets.

Owns nothing but references: the config (and where it lives), the library, the annotation
changes with their undo history, and the search index once its worker has built it. Screens get
a ``Session`` instead of reaching up to the app, so nothing below the app imports it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from quire.annotations import Annotator
from quire.config import Config
from quire.store import Library
from quire.visits import Visit

if TYPE_CHECKING:
    from quire.search import SearchIndex


@dataclass
class Session:
    """The reader's config, library, annotator and (once built) search index."""

    config: Config
    config_path: Path
    library: Library
    annotator: Annotator = field(init=False)
    index: SearchIndex | None = None
    visit: Visit | None = None  # this opening of the reader and the one before (new papers)

    def __post_init__(self) -> None:
        self.annotator = Annotator(self.library)
