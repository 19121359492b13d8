"""Where quire keeps its files.

Every path is computed by a small function, on demand, never at import time, so tests and the
``--data-dir``/``--config`` options (and ``QUIRE_DATA_DIR``/``QUIRE_CONFIG``) can redirect them.
"""

from __future__ import annotations

import hashlib
import os
from importlib import resources
from pathlib import Path

from platformdirs import PlatformDirs

APP_NAME = "quire"


def _dirs() -> PlatformDirs:
    return PlatformDirs(APP_NAME, appauthor=False)


def data_dir(override: Path | str | None = None) -> Path:
    """The directory holding the library database: option, then ``QUIRE_DATA_DIR``, then platformdirs."""
    if override is not None:
        return Path(override).expanduser()
    env = os.environ.get("QUIRE_DATA_DIR")
    if env:
        return Path(env).expanduser()
    return Path(_dirs().user_data_dir)


def config_file(override: Path | str | None = None) -> Path:
    """The TOML config file: option, then ``QUIRE_CONFIG``, then ``<config dir>/config.toml``."""
    if override is not None:
        return Path(override).expanduser()
    env = os.environ.get("QUIRE_CONFIG")
    if env:
        return Path(env).expanduser()
    return Path(_dirs().user_config_dir) / "config.toml"


def cache_dir() -> Path:
    """The cache directory (safe to delete): ``cache`` inside ``QUIRE_DATA_DIR`` when that is set.

    Moving the data elsewhere (a test, a second library, a USB stick) moves its saved index and
    error log with it instead of leaving them in the user's own cache.
    """
    env = os.environ.get("QUIRE_DATA_DIR")
    if env:
        return Path(env).expanduser() / "cache"
    return Path(_dirs().user_cache_dir)


def error_log() -> Path:
    """Where the reader logs unexpected errors with their tracebacks (in the cache folder)."""
    return cache_dir() / "errors.log"


def user_themes_dir(config_path: Path | None = None) -> Path:
    """Where the user's own theme files live: a ``themes`` folder beside the config file."""
    return (config_path or config_file()).parent / "themes"


def library_file(data: Path) -> Path:
    """The SQLite library inside a data directory."""
    return data / "library.sqlite3"


def builtin_themes_dir() -> Path:
    """The themes shipped with quire (inside the wheel, or the repository's ``themes/`` when editable)."""
    packaged = Path(str(resources.files("quire"))) / "themes"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / "themes"


def example_config() -> Path:
    """The commented example config ``quire config init`` writes (in the wheel, else the repo's)."""
    packaged = Path(str(resources.files("quire"))) / "config.example.toml"
    if packaged.is_file():
        return packaged
    return Path(__file__).resolve().parents[2] / "config.example.toml"


def sample_files() -> list[Path]:
    """The bundled sample library: real Hugging Face Daily Papers pages copied as text."""
    folder = Path(str(resources.files("quire"))) / "sample"
    return sorted(folder.glob("*.txt"))


def index_dir(library: Path) -> Path:
    """The saved search index of one library: in the cache, one folder per library file."""
    key = hashlib.sha256(str(library.resolve()).encode("utf-8", "surrogateescape")).hexdigest()
    return cache_dir() / "index" / key[:20]
