"""What can go wrong with the library, as exceptions whose messages name the file."""


class StoreError(Exception):
    """The library could not be read or written; the message says which file and why."""


class PaperNotFoundError(StoreError):
    """No paper has that id."""


class AmbiguousIdError(StoreError):
    """An id prefix matches more than one paper."""


class SchemaTooNewError(StoreError):
    """The database was written by a newer quire; it is left untouched."""
