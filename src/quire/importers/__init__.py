"""Importers, one module per source format, and ``import_path`` which runs the right one."""

from quire.importers.base import ImportCancelled, ImportFailure, ParseContext
from quire.importers.detect import FORMATS, detect_format
from quire.importers.run import import_path, iter_import_files

__all__ = [
    "FORMATS",
    "ImportCancelled",
    "ImportFailure",
    "ParseContext",
    "detect_format",
    "import_path",
    "iter_import_files",
]
