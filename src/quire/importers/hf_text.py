"""Hugging Face Daily Papers pages copied from a browser as text.

Three layouts are known (see FORMATS.md): blank-line separated with a metadata block per paper,
no blank lines at all (first title glued to ``Subscribe``), and blank-line separated without
metadata. Rather than guessing the layout, the reader walks the non-blank lines after the page
header as title, abstract, then an optional metadata block, which covers all three.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date

from pydantic import ValidationError

from quire.importers.base import MONTH_NUMBERS, ParseContext, describe_validation
from quire.models import PaperRecord

HEADER_LINES = {
    "new",
    "get trending papers in your email inbox!",
    "get trending papers in your email inbox once a day!",
    "subscribe",
    "daily papers",
    "byak and the research community",
}
DATE_LINE = re.compile(
    r"^(?P<mon>Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.? (?P<day>\d{1,2})"
    r"(?:, (?P<year>\d{4}))?(?: (?P<votes>\d+))?$"
)
AUTHORS_LINE = re.compile(r"^\s*•\s*(\d+)\s+authors?\s*$")
SEPARATOR = "·"
# An abstract is one long line; a title is short. Lines in between are ambiguous, so only
# a clearly long line is refused as a title.
MAX_TITLE = 300


def looks_like_hf_text(text: str) -> bool:
    """True when the text carries the Daily Papers page header."""
    head = text[:600].casefold()
    return "daily papers" in head or "get trending papers" in head or "byak and the" in head


def _years_in(lines: list[str]) -> list[int]:
    return [int(m.group("year")) for line in lines if (m := DATE_LINE.match(line)) and m["year"]]


def infer_year(explicit_years: list[int], override: int | None, today: date) -> int:
    """The year of dates shown without one.

    The site omits the year only for the capture year, so it is one after the latest explicit
    year in the file, never in the future; ``override`` (``--year``) wins.
    """
    if override is not None:
        return override
    if not explicit_years:
        return today.year
    return min(max(explicit_years) + 1, today.year)


def parse_date(line: str, year: int, today: date, pinned: bool) -> tuple[date, int | None] | None:
    """Read ``Aug 21 5`` or ``Jun 4, 2024 2`` into a date and an upvote count.

    Raises ``ValueError`` for a date that cannot exist (``Feb 30``, ``Jan 1, 0000``, or ``Feb 29``
    in a year that is not a leap year).
    """
    match = DATE_LINE.match(line)
    if not match:
        return None
    month = MONTH_NUMBERS[match["mon"].casefold()[:3]]
    day = int(match["day"])
    votes = int(match["votes"]) if match["votes"] else None
    if match["year"]:
        return _day(int(match["year"]), month, day, line), votes
    shown = _day(year, month, day, line)
    if shown > today and not pinned:
        shown = _day(year - 1, month, day, line)  # a capture never shows a future date
    return shown, votes


def _day(year: int, month: int, day: int, line: str) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise ValueError(f"{line!r} is not a date that exists (year {year})") from None


def _strip_header(lines: list[str]) -> list[str]:
    index = 0
    while index < len(lines):
        line = lines[index].strip()
        folded = line.casefold()
        if folded in HEADER_LINES:
            index += 1
        elif folded.startswith("subscribe") and len(line) > len("subscribe"):
            # The no-blank-line layout glues the first title onto the Subscribe button.
            return [line[len("Subscribe") :], *lines[index + 1 :]]
        else:
            break
    rest = lines[index:]
    if rest and DATE_LINE.match(rest[0].strip()) and not (len(rest) > 1 and rest[1] == SEPARATOR):
        rest = rest[1:]  # the page's own date
    return rest


def read_hf_text(text: str, ctx: ParseContext) -> Iterator[PaperRecord]:
    """Yield one record per paper in a copied Daily Papers page."""
    lines = [line.rstrip() for line in text.splitlines()]
    body = [line.strip() for line in _strip_header([ln for ln in lines if ln.strip()])]
    year = infer_year(_years_in(body), ctx.year, ctx.today)
    pinned = ctx.year is not None
    index = 0
    number = 0
    while index < len(body):
        title = body[index]
        number += 1
        where = f"paper {number} ({title[:40]!r})"
        if len(title) > MAX_TITLE or _is_metadata(body, index):
            ctx.skip(f"paper {number}", f"expected a title, found {title[:40]!r}…")
            index += 1
            continue
        index += 1
        abstract: str | None = None
        if index < len(body) and not _is_metadata(body, index) and len(body[index]) > len(title):
            abstract = body[index]
            index += 1
        fields: dict[str, object] = {"title": title, "abstract": abstract}
        problem: str | None = None
        while index < len(body) and _is_metadata(body, index):
            line = body[index]
            index += 1
            if line == SEPARATOR:
                continue
            if authors := AUTHORS_LINE.match(line):
                fields["author_count"] = int(authors.group(1))
                continue
            try:
                parsed = parse_date(line, year, ctx.today, pinned)
            except ValueError as error:
                problem = str(error)
                continue
            if parsed is not None:
                fields["published"], fields["upvotes"] = parsed
            else:
                handle, _, name = line.partition(" ")
                fields["org_handle"], fields["org_name"] = handle, (name.strip() or handle)
        if problem is not None:
            ctx.skip(where, problem)
            continue
        try:
            yield PaperRecord.model_validate(fields)
        except ValidationError as error:
            ctx.skip(where, describe_validation(error))


def _is_metadata(body: list[str], index: int) -> bool:
    """Is ``body[index]`` part of a metadata block (authors, organisation, ``·`` or date)?"""
    line = body[index]
    if line == SEPARATOR or AUTHORS_LINE.match(line):
        return True
    nxt = body[index + 1] if index + 1 < len(body) else None
    prev = body[index - 1] if index > 0 else None
    if nxt == SEPARATOR and len(line) < 100:
        return True  # the organisation chip: "apple Apple"
    return bool(DATE_LINE.match(line)) and (prev == SEPARATOR or _after_abstract(body, index))


def _after_abstract(body: list[str], index: int) -> bool:
    return index > 0 and len(body[index - 1]) > MAX_TITLE
