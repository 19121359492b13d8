"""The SQLite library: schema, migrations, imports that merge, annotations, queries."""

from quire.store.library import (
    AmbiguousIdError,
    Library,
    PaperNotFoundError,
    StoreError,
)
from quire.store.schema import SchemaTooNewError

__all__ = ["AmbiguousIdError", "Library", "PaperNotFoundError", "SchemaTooNewError", "StoreError"]
