"""Which importer reads a file: by its content first, its name second."""

from __future__ import annotations

import json
import re
from pathlib import Path

FORMATS = ("hf-text", "hf-json", "arxiv-atom", "arxiv-snapshot", "bibtex")
_BIBTEX_ENTRY = re.compile(r"^\s*@\w+\s*[{(]", re.MULTILINE)


def detect_format(path: Path, head: str) -> str:
    """Guess the format from the first few KB of text (and the file name when content is unclear)."""
    stripped = head.lstrip("\ufeff \t\r\n")
    suffix = path.suffix.casefold()
    if stripped.startswith("{"):
        first_line = stripped.split("\n", 1)[0]
        try:
            obj = json.loads(first_line)
        except (ValueError, RecursionError):  # bad JSON, a huge integer, deep nesting
            obj = None
        if isinstance(obj, dict) and ("abstract" in obj or "authors_parsed" in obj
                                      or "versions" in obj):
            return "arxiv-snapshot"
        return "arxiv-snapshot" if suffix == ".jsonl" else "hf-json"
    if stripped.startswith("["):
        return "hf-json"
    if stripped.startswith("<"):
        return "arxiv-atom"
    if suffix in {".bib", ".bibtex"} or _BIBTEX_ENTRY.search(stripped[:4096]):
        return "bibtex"
    if suffix == ".jsonl":
        return "arxiv-snapshot"
    return "hf-text"
