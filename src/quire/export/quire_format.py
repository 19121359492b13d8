"""quire's own library file (``--format quire``): every paper field, source and annotation.

A lossless, versioned JSON document, so a library can be carried to another machine, kept as a
readable backup, and merged back. It starts with its header (``{"format": "quire-library",
"version": 1, …``), which is how an import recognises it, whatever the file is called; each
paper is one line of the ``papers`` array, so the file diffs and greps well.

Every annotation carries the time it last changed, and the import keeps the newer change of each
(see :func:`merge_aspect` and README, "Your data").
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StrictBool, ValidationError

from quire import __version__
from quire.models import PaperRecord

FORMAT_NAME = "quire-library"
FORMAT_VERSION = 1
# The paper fields a source can give; the rest of a carried paper is the library's own.
RECORD_FIELDS = tuple(PaperRecord.model_fields)


def _stamp(value: str) -> str:
    """An ISO 8601 time, kept as written (so a round trip is exact)."""
    datetime.fromisoformat(value)  # ValueError names what is wrong
    return value


def _tag(value: str) -> str:
    from quire.store.library import normalise_tag  # the store's rule, one definition

    if normalise_tag(value) != value:
        raise ValueError(f"not a tag as quire stores it: {value!r}")
    return value


Stamp = Annotated[str, AfterValidator(_stamp)]
Tag = Annotated[str, AfterValidator(_tag)]


class CarriedSource(BaseModel):
    """One source a paper came from: the format, the file or feed, when first seen."""

    model_config = ConfigDict(extra="forbid")

    source: str
    origin: str
    first_seen: Stamp


class CarriedTag(BaseModel):
    """A tag and when it was put on the paper."""

    model_config = ConfigDict(extra="forbid")

    tag: Tag
    added: Stamp


class CarriedAnnotation(BaseModel):
    """The user's annotation of a paper, each part with the time it last changed (or ``None``)."""

    model_config = ConfigDict(extra="forbid")

    bookmarked: StrictBool = False
    bookmarked_at: Stamp | None = None
    bookmark_changed: Stamp | None = None
    read: StrictBool = False
    read_at: Stamp | None = None
    read_changed: Stamp | None = None
    tags: list[CarriedTag] = Field(default_factory=list)
    tags_changed: Stamp | None = None
    note: str = ""
    note_changed: Stamp | None = None


class CarriedPaper(PaperRecord):
    """A paper as the library holds it: its fields, identity, sources and annotation."""

    short_id: str
    added: Stamp
    new: StrictBool = False  # brought by a sync and not opened yet
    sources: list[CarriedSource] = Field(default_factory=list)
    annotation: CarriedAnnotation = Field(default_factory=CarriedAnnotation)

    def record(self) -> PaperRecord:
        """The paper's fields as a record, merged by the same identity rules as any import."""
        return PaperRecord.model_validate({name: getattr(self, name) for name in RECORD_FIELDS})


class LibraryFile(BaseModel):
    """A whole library file."""

    model_config = ConfigDict(extra="forbid")

    format: Literal["quire-library"]
    version: Literal[1]
    exported: Stamp
    quire_version: str
    papers: list[CarriedPaper]


class LibraryFileError(ValueError):
    """A library file that cannot be read; the message names the key at fault."""


def write_library_file(papers: Sequence[dict[str, Any]]) -> str:
    """The library file for papers in the shape :func:`quire.store.carry.carried_papers` reads.

    The header comes first (detection reads it), then one paper per line.
    """
    header = json.dumps(
        {
            "format": FORMAT_NAME,
            "version": FORMAT_VERSION,
            "exported": datetime.now(UTC).isoformat(timespec="seconds"),
            "quire_version": __version__,
        },
        ensure_ascii=False,
    )
    lines = [json.dumps(paper, ensure_ascii=False) for paper in papers]
    body = ",\n".join(lines)
    return header[:-1] + ', "papers": [\n' + body + ("\n" if lines else "") + "]}\n"


def _where(loc: Sequence[int | str]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "the document"


def parse_library_file(data: Any) -> LibraryFile:
    """Check a parsed library file; ``LibraryFileError`` names the key at fault.

    The header is checked first, so a file from a newer quire says so instead of listing every
    key this version does not know.
    """
    if not isinstance(data, dict):
        raise LibraryFileError(
            f"not a quire library file (a {type(data).__name__}, not an object with a header)"
        )
    if data.get("format") != FORMAT_NAME:
        raise LibraryFileError(f"format: {data.get('format')!r} is not {FORMAT_NAME!r}")
    version = data.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise LibraryFileError(f"version: {version!r} is not a version number")
    if version > FORMAT_VERSION:
        raise LibraryFileError(
            f"version: {version} is newer than this quire reads ({FORMAT_VERSION}); upgrade quire"
        )
    try:
        return LibraryFile.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        raise LibraryFileError(f"{_where(first['loc'])}: {first['msg']}") from None
    except RecursionError:
        raise LibraryFileError("nested too deeply") from None
