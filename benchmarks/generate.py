"""Generate large libraries for benchmarks from the bundled sample pages.

Titles and abstracts are recombined from the sample's own sentences and title words, so the
vocabulary (and so the index) looks like the real thing. Deterministic for a given seed.
"""

from __future__ import annotations

import json
import random
import re
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from quire.importers.base import ParseContext
from quire.importers.hf_text import read_hf_text
from quire.locations import sample_files

FIRST = [
    "Ada",
    "Bo",
    "Chen",
    "Dara",
    "Eli",
    "Fatima",
    "Goro",
    "Hana",
    "Ivan",
    "Jun",
    "Kai",
    "Lena",
    "Mo",
    "Nia",
    "Omar",
    "Priya",
    "Quinn",
    "Rui",
    "Sara",
    "Tomás",
    "Uma",
    "Wei",
]
LAST = [
    "Example",
    "Sample",
    "Li",
    "Müller",
    "Kumar",
    "Okafor",
    "Sato",
    "García",
    "Novak",
    "Haddad",
    "Smith",
    "Zhang",
    "Rossi",
    "Kowalski",
    "Nguyen",
    "Berg",
    "Silva",
    "Park",
]
CATEGORIES = ["cs.LG", "cs.CL", "cs.CV", "cs.AI", "stat.ML", "cs.IR", "cs.RO", "math.OC"]


def sample_text() -> tuple[list[str], list[str]]:
    """The sample's title words and abstract sentences."""
    titles, sentences = [], []
    for path in sample_files():
        ctx = ParseContext(path=path)
        for record in read_hf_text(path.read_text(encoding="utf-8"), ctx):
            titles.append(record.title)
            if record.abstract:
                sentences += [s for s in re.split(r"(?<=[.!?])\s+", record.abstract) if s]
    return titles, sentences


def arxiv_id(number: int) -> str:
    """A new-style arXiv id for the ``number``-th generated paper, never the same twice."""
    return f"{15 + number // 1_200_000:02d}{1 + number // 100_000 % 12:02d}.{number % 100_000:05d}"


def snapshot_lines(count: int, seed: int = 7) -> Iterator[str]:
    """``count`` arXiv snapshot JSON lines."""
    rng = random.Random(seed)
    titles, sentences = sample_text()
    words = [w for t in titles for w in t.split()]
    start = date(2015, 1, 1)
    for number in range(count):
        title = " ".join(rng.choice(words) for _ in range(rng.randint(5, 12)))
        abstract = " ".join(rng.choice(sentences) for _ in range(rng.randint(4, 9)))
        authors = [(rng.choice(LAST), rng.choice(FIRST), "") for _ in range(rng.randint(1, 8))]
        day = start + timedelta(days=rng.randint(0, 3900))
        cats = rng.sample(CATEGORIES, rng.randint(1, 3))
        yield json.dumps(
            {
                # The id's month counts up every 100,000 papers, so ids never collide (a random
                # month did: a "million" was 965,581 papers); the dates stay random.
                "id": arxiv_id(number),
                "submitter": None,
                "authors": ", ".join(f"{f} {last}" for last, f, _ in authors),
                "title": title,
                "comments": None,
                "journal-ref": None,
                "doi": None,
                "report-no": None,
                "categories": " ".join(cats),
                "license": None,
                "abstract": abstract,
                "versions": [{"version": "v1", "created": day.strftime("%a, %d %b %Y 10:00:00 GMT")}],
                "update_date": day.isoformat(),
                "authors_parsed": [list(a) for a in authors],
            },
            ensure_ascii=False,
        )


def measure_in_child(script: str, snapshot: Path) -> dict[str, Any]:
    """Run ``script --child SNAPSHOT DATA`` in a fresh process with an empty data folder and
    return the JSON it prints, so each measurement starts from a clean process."""
    with tempfile.TemporaryDirectory() as data:
        done = subprocess.run(
            [sys.executable, script, "--child", str(snapshot), data],
            capture_output=True,
            text=True,
            check=True,
        )
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def write_snapshot(path: Path, count: int) -> Path:
    """Write a snapshot file of ``count`` papers (reused if it already exists)."""
    if path.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    with tmp.open("w", encoding="utf-8") as handle:
        for line in snapshot_lines(count):
            handle.write(line + "\n")
    tmp.rename(path)
    return path
