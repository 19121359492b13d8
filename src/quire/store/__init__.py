"""The SQLite library: schema, migrations, imports that merge, annotations, queries."""

from quire.store.errors import (
    AmbiguousIdError,
    PaperNotFoundError,
    SchemaTooNewError,
    StoreError,
)
from quire.store.library import Library

__all__ = ["AmbiguousIdError", "Library", "PaperNotFoundError", "SchemaTooNewError", "StoreError"]
