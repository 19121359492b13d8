"""Writing an export file the way a careful tool would.

An export never replaces an existing file unless asked to (``overwrite``), writes through a
symlink to the file it points at (the link stays a link), creates no folder the user did not
name, and leaves the new file's permissions to the user's umask (an overwritten file keeps its
mode). The text goes to a temporary file beside the target and is renamed over it, so a crash
never leaves half a file.
"""

from __future__ import annotations

import os
import secrets
import stat
from pathlib import Path

from quire.errors import QuireError


class ExportError(QuireError):
    """An export could not be written; the message names the file."""


class ExportExistsError(ExportError):
    """The export file exists and overwriting was not confirmed."""

    def __init__(self, path: Path) -> None:
        super().__init__(f"{path} exists; add --force to overwrite it")
        self.path = path


def export_target(path: Path) -> Path:
    """The file an export to ``path`` writes: a symlink's final target, else ``path`` itself."""
    return Path(os.path.realpath(path)) if path.is_symlink() else path


def write_export(path: Path, text: str, overwrite: bool = False) -> Path:
    """Write ``text`` to ``path`` (see the module notes); return the file actually written.

    Raises ``ExportExistsError`` if the file exists and ``overwrite`` is false, ``ExportError``
    naming the file for a missing folder, a folder in the way, or any OS failure.
    """
    target = export_target(path)
    if target.is_dir():
        raise ExportError(f"{path}: is a folder; give a file name")
    exists = target.exists()
    if exists and not overwrite:
        raise ExportExistsError(path)
    folder = target.parent
    if folder.exists() and not folder.is_dir():
        raise ExportError(f"{path}: cannot write: {folder} is not a folder")
    if not folder.is_dir():
        raise ExportError(f"{path}: the folder {folder} does not exist (quire creates no folders)")
    mode = stat.S_IMODE(target.stat().st_mode) if exists else None
    temporary = folder / f".{target.name}.{secrets.token_hex(4)}.tmp"
    try:
        # 0o666 through os.open: the kernel applies the user's umask, as for any new file.
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        try:
            with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
                handle.write(text)
                handle.flush()
                os.fsync(handle.fileno())
            if mode is not None:
                os.chmod(temporary, mode)
            os.replace(temporary, target)
        except BaseException:
            temporary.unlink(missing_ok=True)
            raise
    except OSError as error:
        raise ExportError(f"{path}: cannot write: {error.strerror or error}") from None
    return target
