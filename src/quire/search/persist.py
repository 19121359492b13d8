"""The search index on disk: numpy arrays memory-mapped from ``.npy`` files, plus a manifest.

Layout, in the cache (``quire paths``), one folder per library file::

    index/<key>/CURRENT            name of the generation in use (replaced atomically)
    index/<key>/gen-<id>/          one complete saved index: manifest.json + one .npy per array
    index/<key>/tmp-<id>/          a save in progress (renamed to gen-<id> once complete)

A save writes a whole new generation into a temporary folder, syncs it, renames it, then points
``CURRENT`` at it with an atomic rename: a reader sees the old generation or the new one, never a
mix; a writer killed half-way leaves only a temporary folder that is ignored (and removed later);
two processes saving at once each publish a complete generation and the last one wins.

The manifest records the index format, the tokenizer version, the library's schema version and
identity, the library change number (``rev``) the index reflects, and each file's size, dtype,
shape, CRC-32 and identity as written (size, modification and change times, inode, device).
Loading checks all of them, but reads a file through for its checksum only when its identity
differs from the one recorded (it was copied, restored, touched or edited since): a file quire
wrote and nothing changed since is trusted as SQLite trusts its own file. Anything missing,
partial, old-format, foreign or corrupt is refused with a reason, and ``open_index``
(``quire.search.opening``) builds afresh. The user loses nothing but time: the library is the
truth, the index only a cache of it.
"""

from __future__ import annotations

import contextlib
import io
import json
import mmap
import os
import shutil
import time
import uuid
import zlib
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from quire import __version__, locations
from quire.search.engine import SearchIndex
from quire.search.tokenizer import TOKENIZER_VERSION
from quire.store import Library
from quire.store.schema import SCHEMA_VERSION

# Bump when the arrays or their meaning change: older saved indexes are then rebuilt.
INDEX_FORMAT = 2  # 2: author names for author:NAME
MANIFEST = "manifest.json"
CURRENT = "CURRENT"
STALE_TEMP = 3600.0  # a temporary folder this old (seconds) belongs to a writer that died
KEEP_OLD = 600.0  # superseded generations stay this long: another process may be opening one
CHUNK = 1 << 24  # bytes written (and checksummed) at a time


class CacheRefused(Exception):
    """The saved index cannot be used; the message says why (it is then rebuilt)."""


def folder_for(library: Library) -> Path:
    """Where the index of ``library`` is saved."""
    return locations.index_dir(library.path)


# -- writing ----------------------------------------------------------------------------------


def _write_npy(path: Path, parts: list[npt.NDArray[Any]]) -> dict[str, Any]:
    """Write consecutive parts as one 1-d ``.npy`` file; return its manifest entry."""
    dtype = parts[0].dtype
    total = sum(len(p) for p in parts)
    head = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        head, {"descr": np.lib.format.dtype_to_descr(dtype), "fortran_order": False, "shape": (total,)}
    )
    crc = 0
    size = 0
    with open(path, "wb") as handle:
        for chunk in _chunks(head.getvalue(), parts):
            handle.write(chunk)
            crc = zlib.crc32(chunk, crc)
            size += len(chunk)
        handle.flush()
        os.fsync(handle.fileno())
    return {
        "file": path.name,
        "dtype": dtype.str,
        "shape": [total],
        "bytes": size,
        "crc32": crc,
        "stat": _identity(path),
    }


def _identity(path: Path) -> list[int]:
    """What changes whenever a file is written, copied or replaced: size, modification and
    change times (the change time cannot be set back by hand), inode and device."""
    info = path.stat()
    return [info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino, info.st_dev]


def _chunks(head: bytes, parts: list[npt.NDArray[Any]]) -> Iterator[memoryview | bytes]:
    yield head
    for part in parts:
        if not len(part):
            continue
        raw = np.ascontiguousarray(part).view(np.uint8).data
        for start in range(0, len(raw), CHUNK):
            yield raw[start : start + CHUNK]


def _manifest_crc(manifest: dict[str, Any]) -> int:
    body = {k: v for k, v in manifest.items() if k != "manifest_crc32"}
    return zlib.crc32(json.dumps(body, sort_keys=True).encode("utf-8"))


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):  # not every platform can open a folder
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def save(index: SearchIndex, folder: Path | None = None) -> Path:
    """Save ``index`` as a new generation and make it the current one; returns its folder.

    Safe against a crash at any point (the previous generation stays current) and against other
    processes saving at the same time (each generation is complete; the newest rev is kept).
    """
    folder = folder or folder_for(index.library)
    folder.mkdir(parents=True, exist_ok=True)
    name = uuid.uuid4().hex
    temp = folder / f"tmp-{name}"
    temp.mkdir()
    try:
        with index.lock:  # a snapshot; written out without holding up queries
            arrays, scalars = index.to_arrays()
            unsaved, rev, size = index.unsaved, index.rev, index.size
        entries = {key: _write_npy(temp / f"{key}.npy", parts) for key, parts in arrays.items()}
        del arrays
        manifest: dict[str, Any] = {
            "format": INDEX_FORMAT,
            "tokenizer": TOKENIZER_VERSION,
            "schema": SCHEMA_VERSION,
            "library": str(index.library.path.resolve()),
            "library_id": index.library.identity(),
            "rev": rev,
            "papers": size,
            "written_by": f"quire {__version__}",
            "written_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "scalars": scalars,
            "arrays": entries,
        }
        manifest["manifest_crc32"] = _manifest_crc(manifest)
        with open(temp / MANIFEST, "w", encoding="utf-8") as handle:
            json.dump(manifest, handle, indent=1, sort_keys=True)
            handle.flush()
            os.fsync(handle.fileno())
        _fsync_dir(temp)
        generation = folder / f"gen-{name}"
        temp.rename(generation)
        _publish(folder, generation.name, rev, manifest["library_id"])
    except BaseException:
        shutil.rmtree(temp, ignore_errors=True)
        raise
    index.unsaved -= unsaved
    _collect(folder)
    return generation


def _publish(folder: Path, generation: str, rev: int, library_id: str) -> None:
    """Point CURRENT at ``generation`` unless a newer usable one was published meanwhile."""
    with _publish_lock(folder):
        current = _current_rev(folder, library_id)
        if current is not None and current > rev:
            return  # another process saved a later state of the library: keep it
        pointer = folder / f"{CURRENT}.tmp-{uuid.uuid4().hex}"
        with open(pointer, "w", encoding="utf-8") as handle:
            handle.write(generation + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(pointer, folder / CURRENT)
        _fsync_dir(folder)


@contextlib.contextmanager
def _publish_lock(folder: Path) -> Iterator[None]:
    try:
        import fcntl
    except ImportError:  # not POSIX: the rename alone keeps CURRENT whole
        yield
        return
    with open(folder / "publish.lock", "a+b") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def _current_rev(folder: Path, library_id: str) -> int | None:
    """The rev of the current generation, if it is one this quire would load for the library."""
    try:
        _, manifest = _load_manifest(folder)
        usable = (
            manifest.get("format") == INDEX_FORMAT
            and manifest.get("tokenizer") == TOKENIZER_VERSION
            and manifest.get("schema") == SCHEMA_VERSION
            and manifest.get("library_id") == library_id
        )
        return int(manifest["rev"]) if usable else None
    except (CacheRefused, ValueError, KeyError, TypeError):
        return None


def _collect(folder: Path) -> None:
    """Remove superseded generations and temporary folders of writers that died."""
    try:
        current = (folder / CURRENT).read_text(encoding="utf-8").strip()
    except OSError:
        current = ""
    now = time.time()
    for entry in folder.iterdir():
        try:
            age = now - entry.stat().st_mtime
        except OSError:
            continue
        old = (entry.name.startswith("gen-") and entry.name != current and age > KEEP_OLD) or (
            entry.name.startswith(("tmp-", f"{CURRENT}.tmp-")) and age > STALE_TEMP
        )
        if old:
            if entry.is_dir():
                shutil.rmtree(entry, ignore_errors=True)
            else:
                with contextlib.suppress(OSError):
                    entry.unlink()


# -- reading ----------------------------------------------------------------------------------


def _unchanged(path: Path, entry: dict[str, Any]) -> bool:
    """Whether the file is the very one written (same size, times, inode and device)."""
    try:
        return entry.get("stat") == _identity(path)
    except OSError:
        return False


def _check_file(path: Path, entry: dict[str, Any]) -> None:
    """Check one array file's size and checksum (by reading it: only the pages queries touch
    later count towards the reader's memory)."""
    try:
        with open(path, "rb") as handle:
            size = os.fstat(handle.fileno()).st_size
            if size != entry["bytes"]:
                raise CacheRefused(
                    f"{path.name} is {size} bytes, expected {entry['bytes']} (truncated or partly written)"
                )
            crc = 0
            while chunk := handle.read(CHUNK):
                crc = zlib.crc32(chunk, crc)
    except OSError as error:
        raise CacheRefused(f"cannot read {path.name}: {error.strerror or error}") from None
    if crc != entry["crc32"]:
        raise CacheRefused(f"{path.name} does not match its checksum (corrupt)")


def _read_npy(path: Path, entry: dict[str, Any]) -> npt.NDArray[Any]:
    """Map one checked array file, after checking its dtype and shape."""
    try:
        with open(path, "rb") as handle:
            # A private copy-on-write mapping: the index may change in memory, the file never.
            mapped = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_COPY)
    except OSError as error:
        raise CacheRefused(f"cannot read {path.name}: {error.strerror or error}") from None
    try:
        head = io.BytesIO(mapped[:4096])
        version = np.lib.format.read_magic(head)
        read_header = (
            np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
        )
        shape, fortran, dtype = read_header(head)
    except ValueError as error:
        raise CacheRefused(f"{path.name} is not a numpy array file: {error}") from None
    if fortran or list(shape) != entry["shape"] or dtype.str != entry["dtype"] or len(shape) != 1:
        raise CacheRefused(f"{path.name} does not hold what the manifest says")
    if not shape[0]:
        return np.zeros(0, dtype=dtype)
    array: npt.NDArray[Any] = np.frombuffer(mapped, dtype=dtype, count=shape[0], offset=head.tell())
    return array


def _load_manifest(folder: Path) -> tuple[Path, dict[str, Any]]:
    try:
        generation = (folder / CURRENT).read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        raise CacheRefused("no saved index") from None
    except (OSError, UnicodeDecodeError) as error:
        raise CacheRefused(f"cannot read {CURRENT}: {error}") from None
    if not generation.startswith("gen-") or "/" in generation or "\\" in generation:
        raise CacheRefused(f"{CURRENT} does not name a saved index")
    path = folder / generation
    try:
        manifest = json.loads((path / MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CacheRefused("the saved index is missing its manifest") from None
    except (OSError, UnicodeDecodeError, ValueError) as error:
        raise CacheRefused(f"unreadable manifest: {error}") from None
    if not isinstance(manifest, dict) or manifest.get("manifest_crc32") != _manifest_crc(manifest):
        raise CacheRefused("the manifest does not match its checksum (corrupt)")
    return path, manifest


def load(library: Library, folder: Path | None = None) -> SearchIndex:
    """The saved index of ``library`` as it was saved (call ``refresh`` to catch up).

    Raises ``CacheRefused`` saying why when there is none or it cannot be trusted.
    """
    folder = folder or folder_for(library)
    for attempt in range(2):
        try:
            return _load(library, folder)
        except CacheRefused:
            # Another process may have published a newer generation and removed ours between
            # reading CURRENT and opening the files: look once more.
            if attempt:
                raise
    raise AssertionError("unreachable")


def _load(library: Library, folder: Path) -> SearchIndex:
    path, manifest = _load_manifest(folder)
    if manifest.get("format") != INDEX_FORMAT:
        raise CacheRefused(
            f"saved in index format {manifest.get('format')!r}, this quire uses {INDEX_FORMAT}"
        )
    if manifest.get("tokenizer") != TOKENIZER_VERSION:
        raise CacheRefused(
            f"made by tokenizer version {manifest.get('tokenizer')!r}, this quire uses {TOKENIZER_VERSION}"
        )
    if manifest.get("schema") != SCHEMA_VERSION:
        raise CacheRefused(
            f"made for library schema {manifest.get('schema')!r}, the library is at {SCHEMA_VERSION}"
        )
    identity = library.identity()
    if manifest.get("library_id") != identity or not identity:
        raise CacheRefused("made for another library")
    try:
        rev = int(manifest["rev"])
        entries: dict[str, dict[str, Any]] = manifest["arrays"]
        scalars: dict[str, Any] = manifest["scalars"]
    except (KeyError, TypeError, ValueError):
        raise CacheRefused("the manifest lacks what it should hold") from None
    if rev > library.current_rev():
        raise CacheRefused("newer than the library (was the library restored from a backup?)")
    for name, entry in entries.items():
        if not isinstance(entry, dict) or Path(str(entry.get("file"))).name != entry.get("file"):
            raise CacheRefused(f"bad manifest entry for {name}")
    # A file that is still the very one this quire wrote (same size, modification and change
    # times, inode) is trusted without reading it through: at a million papers the checksums
    # were most of a warm start (1.3 GB read). Any other file (copied, restored, touched,
    # edited, or from a manifest without that record) is checked against its checksum.
    # zlib releases the GIL while it checksums: the files are checked side by side. (Only the
    # checksums: numpy parses headers with the ast module, which is not safe across threads.)
    suspect = [entry for entry in entries.values() if not _unchanged(path / str(entry["file"]), entry)]
    if suspect:
        with ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1)) as pool:
            checks = [pool.submit(_check_file, path / str(entry["file"]), entry) for entry in suspect]
            for check in checks:
                check.result()
    arrays = {name: _read_npy(path / str(entry["file"]), entry) for name, entry in entries.items()}
    try:
        return SearchIndex.from_arrays(library, arrays, scalars)
    except (KeyError, ValueError, IndexError, TypeError, UnicodeDecodeError) as error:
        raise CacheRefused(f"the saved arrays do not fit together ({error})") from None
