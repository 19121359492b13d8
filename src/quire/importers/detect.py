"""Which importer reads a file: by its content first, its name second."""

from __future__ import annotations

import json
import re
from pathlib import Path

FORMATS = ("hf-text", "hf-json", "arxiv-atom", "arxiv-snapshot", "bibtex", "quire")
# quire's own library file says what it is in its header (whatever the file is called).
_QUIRE_HEADER = re.compile(r'"format"\s*:\s*"quire-library"')
_BIBTEX_ENTRY = re.compile(r"^\s*@\w+\s*[{(]", re.MULTILINE)
_JSON_KEY = re.compile(r'"([A-Za-z_][\w\-]{0,40})"\s*:')
_SNAPSHOT_ONLY = frozenset(
    ["authors_parsed", "versions", "update_date", "journal-ref", "report-no", "submitter", "abstract"]
)
_HF_ONLY = frozenset(
    [
        "paper",
        "summary",
        "publishedAt",
        "upvotes",
        "submittedOnDailyAt",
        "numComments",
        "thumbnail",
        "submittedBy",
        "githubRepo",
        "ai_summary",
    ]
)


def _json_flavour(head: str) -> str | None:
    """Which JSON records the head of a file holds, judged by the first telling key."""
    for match in _JSON_KEY.finditer(head):
        key = match.group(1)
        if key in _SNAPSHOT_ONLY:
            return "arxiv-snapshot"
        if key in _HF_ONLY:
            return "hf-json"
    return None


def detect_format(path: Path, head: str) -> str:
    """Guess the format from the first few KB of text (and the file name when content is unclear)."""
    stripped = head.lstrip("\ufeff \t\r\n")
    suffix = path.suffix.casefold()
    if stripped.startswith("{") and _QUIRE_HEADER.search(stripped.split('"papers"', 1)[0]):
        return "quire"
    if stripped.startswith("{"):
        first_line = stripped.split("\n", 1)[0]
        try:
            obj = json.loads(first_line)
        except (ValueError, RecursionError):  # bad JSON, a huge integer, deep nesting
            obj = None
        if isinstance(obj, dict) and ("abstract" in obj or "authors_parsed" in obj or "versions" in obj):
            return "arxiv-snapshot"
        return _json_flavour(stripped) or ("arxiv-snapshot" if suffix == ".jsonl" else "hf-json")
    if stripped.startswith("["):
        # Slices of the snapshot are often saved as a JSON array, pretty-printed or not.
        return _json_flavour(stripped) or "hf-json"
    if stripped.startswith("<"):
        return "arxiv-atom"
    if suffix in {".bib", ".bibtex"} or _BIBTEX_ENTRY.search(stripped[:4096]):
        return "bibtex"
    if suffix == ".jsonl":
        return "arxiv-snapshot"
    return "hf-text"
