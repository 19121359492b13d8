"""One row of the paper list: what it shows (``Row``, built once per paper with its text made
terminal-safe) and how its cells are cut to the columns (widths, the tag budget, fitting styled
pieces into the room left). ``PaperList`` draws these; nothing here knows about the widget.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style

from quire.models import Paper
from quire.safe_text import safe_text


def cell(text: str, width: int, right: bool = False) -> str:
    """``text`` in exactly ``width`` cells: cut with an ellipsis, or padded (left or right)."""
    if cell_len(text) > width:
        return set_cell_size(text, width - 1) + "…" if width > 1 else set_cell_size(text, width)
    pad = " " * (width - cell_len(text))
    return pad + text if right else text + pad


def _votes(upvotes: int) -> str:
    """``▲7``, ``▲1234``, ``▲12k``: never wider than the column's five cells."""
    if upvotes < 10_000:
        return f"▲{upvotes}"
    return f"▲{upvotes // 1000}k" if upvotes < 1_000_000 else f"▲{upvotes // 1_000_000}M"


def date_width(date_format: str) -> int:
    """The widest date ``date_format`` writes (month and day names vary), so the date column
    keeps one width for every row."""
    days = (date(2000, month, day) for month in range(1, 13) for day in range(22, 29))
    return max(cell_len(d.strftime(date_format)) for d in days)


def tag_budget(width: int) -> int:
    """The tag column's width for a list ``width`` cells wide: the same for every row, so tags
    never take room from one title and shift its date."""
    return min(24, max(12, width // 6))


def fit(pieces: list[Segment], room: int, pad_style: Style) -> list[Segment]:
    """Cut the title's pieces to ``room`` cells (with an ellipsis), or pad them to it."""
    out: list[Segment] = []
    used = 0
    total = sum(cell_len(p.text) for p in pieces)
    limit = room if total <= room else room - 1
    for piece in pieces:
        width = cell_len(piece.text)
        if used + width <= limit:
            out.append(piece)
            used += width
            continue
        cut = set_cell_size(piece.text, limit - used)
        out.append(Segment(cut, piece.style))
        used += cell_len(cut)
        break
    if total > room:
        out.append(Segment("…", pad_style))
        used += 1
    if used < room:
        out.append(Segment(" " * (room - used), pad_style))
    return out


@dataclass(frozen=True)
class Row:
    """What one list row shows."""

    pid: int
    title: str
    day: str
    upvotes: str
    who: str
    tags: str
    read: bool
    bookmarked: bool
    noted: bool
    fresh: bool = False  # brought by a sync, not opened yet: marked new

    @classmethod
    def from_paper(cls, paper: Paper, date_format: str) -> Row:
        """Build the row of a paper (text from files made terminal-safe once, here)."""
        ann = paper.annotation
        who = (paper.org_name or "") if not paper.authors and not paper.author_count else paper.authors_label
        return cls(
            pid=paper.pid,
            title=safe_text(paper.title),
            day=paper.published.strftime(date_format) if paper.published else "",
            upvotes=_votes(paper.upvotes) if paper.upvotes is not None else "",
            who=safe_text(who),
            tags=safe_text(" ".join(f"#{t}" for t in ann.tags)),
            read=ann.read,
            bookmarked=ann.bookmarked,
            noted=bool(ann.note),
            fresh=paper.fresh and not ann.read,
        )
