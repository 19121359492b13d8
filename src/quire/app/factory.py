"""One app factory, used by the CLI and by the tests."""

from __future__ import annotations

from pathlib import Path

from quire import locations
from quire.app.quire_app import QuireApp
from quire.config import Config
from quire.store import Library


def make_app(
    config: Config | None = None,
    data_dir: Path | None = None,
    config_path: Path | None = None,
    library: Library | None = None,
    import_sample_if_new: bool = True,
) -> QuireApp:
    """Build the reader on a library (opened from ``data_dir`` unless one is given).

    A brand-new library gets the bundled sample imported, so there is something to read.
    """
    config = config or Config()
    config_path = config_path or locations.config_file()
    if library is None:
        library = Library(locations.library_file(locations.data_dir(data_dir)))
    imported = 0
    if import_sample_if_new and library.migrated_from == 0 and library.count() == 0:
        from quire.importers import import_path  # only for a new library: a start without it

        for sample in locations.sample_files():
            import_path(library, sample)
        imported = library.count()
    return QuireApp(config, library, config_path, sample_imported=imported)
