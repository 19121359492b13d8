"""Hostile strings from issue #7, and a library holding them, for the trust tests."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from quire.models import ImportSummary, PaperRecord
from quire.store import Library

QUIT = "[@click=app.quit]Quit Person[/]"
LINK = '[link="file:///etc/passwd"]Link Person[/link]'
BAD_MARKUP = "[/x]"
TITLE_ESC = "\x1b]0;pwned-title\x07"
CLEAR = "\x1b[2J"
CLIPBOARD = "\x1b]52;c;ZXZpbA==\x07"
HYPERLINK = "\x1b]8;;https://evil.invalid\x1b\\click\x1b]8;;\x1b\\"
RLO = "\u202egnp.exe"
C1_CSI = "\x9b31m"
ESCAPES = (TITLE_ESC, CLEAR, CLIPBOARD, HYPERLINK, RLO, C1_CSI)
# What must never reach a terminal: ESC, BEL, the one-byte CSI/OSC/ST and a bidi override.
FORBIDDEN = ("\x1b", "\x07", "\x9b", "\x9d", "\x9c", "\u202e")


def screenshot_author(folder: Path) -> str:
    """The author name that, rendered as markup, overwrote the library with an SVG when clicked."""
    return f"[@click=app.screenshot('library.sqlite3','{folder}')]Jane Doe[/]"


def hostile_records(folder: Path) -> list[PaperRecord]:
    """Papers whose every text field is hostile; the first is the newest (first in the Inbox)."""
    return [
        PaperRecord(
            title=f"{BAD_MARKUP} Evil {TITLE_ESC}title {CLEAR}{RLO}",
            arxiv_id="2912.00001",
            published=date(2029, 12, 31),
            authors=[screenshot_author(folder)],
            org_name=f"{BAD_MARKUP} Org {CLIPBOARD}",
            abstract=f"Abstract {BAD_MARKUP} {HYPERLINK} {C1_CSI}\nsecond line",
            categories=[f"cs.{BAD_MARKUP}"],
            github_repo=f"{LINK}",
            doi="10.1000/ok",
            keywords=[BAD_MARKUP],
        ),
        PaperRecord(
            title=f"Quitter {QUIT} {LINK}",
            arxiv_id="2912.00002",
            published=date(2029, 12, 30),
            authors=[QUIT, LINK, f"Bell{TITLE_ESC}"],
            abstract=f"{QUIT} {CLIPBOARD}",
        ),
    ]


def add_hostile(library: Library, folder: Path) -> list[int]:
    """Import the hostile papers, tag and annotate them hostilely; their pids, newest first."""
    library.import_records(
        hostile_records(folder), ImportSummary(path="hostile.json", format="hf-json"), "hf-json"
    )
    pids = [library.resolve("2912.00001"), library.resolve("2912.00002")]
    library.add_tags(pids, [BAD_MARKUP])
    library.set_note(pids[0], f"note {BAD_MARKUP} {QUIT} {TITLE_ESC}\nline two")
    return pids
