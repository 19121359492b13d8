"""The paper list: a line-API ScrollView that renders only the visible rows.

It holds the result's paper ids (a plain list, any length) and loads row data for the visible
window on demand, caching it, so 100,000 papers cost no more to draw than 40. Moving the cursor
refreshes two lines. After the papers holding every word of a search, a divider line ("also
relevant") introduces the rest; rows below it sit one line lower than their index.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from quire.app.widgets.paper_row import Row, cell, date_width, fit, tag_budget
from quire.models import Paper, row_marks
from quire.search.tokenizer import highlight_spans

PaperLoader = Callable[[Sequence[int]], list[Paper]]
PRELOAD = 40  # rows loaded beyond the visible window
CACHE_LIMIT = 4000
STRIP_CACHE = 2000
DIVIDER = "also relevant: papers holding some of the words"


class PaperList(ScrollView, can_focus=True, inherit_bindings=False):
    """The list of papers in the current view."""

    COMPONENT_CLASSES = {
        "paper-list--cursor",
        "paper-list--selected",
        "paper-list--mark",
        "paper-list--dim",
        "paper-list--highlight",
        "paper-list--tag",
        "paper-list--partial",
        "paper-list--divider",
    }
    DEFAULT_CSS = """
    PaperList { background: $surface; }
    /* The cursor row sets its own text colour: the row's dim, tag and mark colours on a
       primary-coloured bar measured 1.1-2.6:1 (WCAG asks 4.5:1; tests/test_contrast.py). */
    PaperList > .paper-list--cursor { background: $panel; color: $foreground; }
    PaperList:focus > .paper-list--cursor { background: $primary; color: $background; }
    PaperList > .paper-list--selected { background: $secondary 25%; }
    PaperList > .paper-list--mark { color: $accent; text-style: bold; }
    PaperList > .paper-list--dim { color: $foreground 60%; }
    PaperList > .paper-list--highlight { color: $accent; text-style: bold underline; }
    PaperList > .paper-list--tag { color: $secondary; }
    PaperList > .paper-list--partial { color: $foreground 70%; text-style: italic; }
    PaperList > .paper-list--divider { color: $accent; }
    """

    class Highlighted(Message):
        """The cursor moved to another paper (or the list emptied)."""

        def __init__(self, pid: int | None) -> None:
            super().__init__()
            self.pid = pid

        def can_replace(self, message: Message) -> bool:
            """A newer cursor move replaces one not yet handled (holding j stays smooth)."""
            return isinstance(message, PaperList.Highlighted)

    class Opened(Message):
        """Enter (or a click) on a paper."""

        def __init__(self, pid: int) -> None:
            super().__init__()
            self.pid = pid

    def __init__(
        self,
        loader: PaperLoader,
        columns: Sequence[str] = ("date", "upvotes", "authors", "tags"),
        date_format: str = "%Y-%m-%d",
        **kwargs: object,
    ) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.loader = loader
        self.columns = tuple(columns)
        self.date_format = date_format
        self.date_width = date_width(date_format)
        # Whether rows keep room for tags (the screen turns it off while no paper has a tag).
        self.tag_column = "tags" in self.columns
        self.pids: list[int] = []
        self.exact = 0
        self.terms: set[str] = set()
        self.prefixes: tuple[str, ...] = ()
        self.cursor = 0
        self.selection: set[int] = set()
        self._rows: dict[int, Row] = {}
        self._strips: dict[tuple[int, int, bool, bool, bool, bool], Strip] = {}
        self._positions: dict[int, int] | None = None

    # -- data ----------------------------------------------------------------------------------

    def show(
        self,
        pids: list[int],
        exact: int | None = None,
        terms: set[str] | None = None,
        prefixes: tuple[str, ...] = (),
        keep: int | None = None,
    ) -> None:
        """Show a new result; the cursor goes to ``keep`` if it is there, else to the top."""
        self.pids = pids
        self._strips.clear()
        self.exact = len(pids) if exact is None else exact
        self.terms = terms or set()
        self.prefixes = prefixes
        self._positions = None
        if self.selection:  # keep only selected papers this result still shows
            self.selection = {p for p in self.selection if self.index_of(p) is not None}
        found = self.index_of(keep) if keep is not None else None
        self.cursor = found if found is not None else 0
        self._set_line_count()
        self.scroll_to(
            y=max(0, self._line_of(self.cursor) - self.size.height // 2), animate=False, immediate=True
        )
        self.refresh()
        self.post_message(self.Highlighted(self.current_pid))

    def _set_line_count(self) -> None:
        """Size the scrolled area to the rows. Only a scrollbar coming or going needs a layout
        of the screen: otherwise the scrollbar's thumb is set here and the next frame draws the
        rows alone (a layout redraws every pane, the detail's too, on each key typed)."""
        lines = self._line_count()
        size = Size(self.size.width, lines)
        if size == self.virtual_size:
            return
        height = self.container_size.height
        bar = self.show_vertical_scrollbar
        if not height or size.width != self.virtual_size.width or bar != (lines > height):
            self.virtual_size = size  # the layout shows or hides the scrollbar
            return
        self.set_reactive(PaperList.virtual_size, size)
        if bar:
            self.vertical_scrollbar.window_virtual_size = lines

    @property
    def divider(self) -> int | None:
        """The line of the "also relevant" divider (``None``: every paper holds every word)."""
        return self.exact if self.exact < len(self.pids) else None

    def _line_count(self) -> int:
        return len(self.pids) + (self.divider is not None)

    def _line_of(self, index: int) -> int:
        """The line showing paper ``index`` (one lower past the divider)."""
        divider = self.divider
        return index + 1 if divider is not None and index >= divider else index

    def _index_at(self, line: int) -> int | None:
        """The paper index shown on ``line`` (``None`` for the divider)."""
        divider = self.divider
        if divider is None or line < divider:
            return line
        return None if line == divider else line - 1

    def index_of(self, pid: int) -> int | None:
        """The row showing ``pid``, if any (a map built once per result, on first need)."""
        if self._positions is None:
            self._positions = {p: i for i, p in enumerate(self.pids)}
        return self._positions.get(pid)

    @property
    def current_pid(self) -> int | None:
        """The paper under the cursor."""
        return self.pids[self.cursor] if 0 <= self.cursor < len(self.pids) else None

    def set_tag_column(self, shown: bool) -> None:
        """Keep room for tags in every row (or in none), and redraw if that changed."""
        shown = shown and "tags" in self.columns
        if shown != self.tag_column:
            self.tag_column = shown
            self._strips.clear()
            self.refresh()

    def cached_pids(self) -> list[int]:
        """Papers whose rows are cached (all of them may need redrawing after outside changes)."""
        return list(self._rows)

    def forget(self, pids: Sequence[int]) -> None:
        """Drop cached rows of papers that changed, and redraw."""
        for pid in pids:
            self._rows.pop(pid, None)
        self._strips.clear()
        self.refresh()

    def _load(self, start: int) -> None:
        end = min(len(self.pids), start + self.size.height + PRELOAD)
        missing = [p for p in self.pids[max(0, start - PRELOAD // 2) : end] if p not in self._rows]
        if not missing:
            return
        if len(self._rows) > CACHE_LIMIT:
            self._rows.clear()
        for paper in self.loader(missing):
            self._rows[paper.pid] = Row.from_paper(paper, self.date_format)

    # -- cursor ----------------------------------------------------------------------------------

    def move_to(self, index: int) -> None:
        """Put the cursor on row ``index`` (clamped), scrolling it into view."""
        if not self.pids:
            return
        index = max(0, min(len(self.pids) - 1, index))
        if index == self.cursor:
            return
        old, self.cursor = self.cursor, index
        self.refresh_line(self._line_of(old))
        self.refresh_line(self._line_of(index))
        line = self._line_of(index)
        # Moving onto the first paper past the divider also brings the divider into view.
        top = line - 1 if line and self._index_at(line - 1) is None else line
        self.scroll_to_region(Region(0, top, 1, line - top + 1), animate=False, immediate=True)
        self.post_message(self.Highlighted(self.current_pid))

    def action_cursor_down(self) -> None:
        """Next row."""
        self.move_to(self.cursor + 1)

    def action_cursor_up(self) -> None:
        """Previous row."""
        self.move_to(self.cursor - 1)

    def toggle_selected(self) -> None:
        """Select or unselect the paper under the cursor, then move down."""
        pid = self.current_pid
        if pid is None:
            return
        self.selection ^= {pid}
        self._strips.clear()
        self.refresh_line(self._line_of(self.cursor))
        self.move_to(self.cursor + 1)

    async def _on_click(self, event: events.Click) -> None:
        index = self._index_at(event.y + self.scroll_offset.y)
        if index is not None and 0 <= index < len(self.pids):
            if index == self.cursor and event.chain >= 2:
                self.post_message(self.Opened(self.pids[index]))
            self.move_to(index)

    # -- rendering ---------------------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        """Draw one visible row (only visible rows are ever drawn; finished rows are cached)."""
        scroll_y = self.scroll_offset.y
        width = self.scrollable_content_region.width  # without the scrollbar
        base = self.rich_style
        index = self._index_at(scroll_y + y)
        if index is None:
            style = base + self.get_component_rich_style("paper-list--divider", partial=True)
            text = f"── {DIVIDER} " if self.exact else f"── no paper holds every word; {DIVIDER} "
            return Strip([Segment(set_cell_size(text.ljust(width, "─"), width), style)], width)
        if index >= len(self.pids):
            return Strip.blank(width, base)
        pid = self.pids[index]
        # The cursor row looks different with focus: a strip drawn before a focus change must
        # not be reused after it (the cursor bar kept its unfocused colour).
        state = (
            pid,
            width,
            index == self.cursor,
            pid in self.selection,
            index >= self.exact,
            index == self.cursor and self.has_focus,
        )
        cached = self._strips.get(state)
        if cached is not None:
            return cached
        if pid not in self._rows:
            self._load(scroll_y)
        row = self._rows.get(pid)
        if row is None:
            return Strip([Segment(" (removed)".ljust(width), base)], width)
        over = None
        if state[2]:
            over = self.get_component_rich_style("paper-list--cursor", partial=True)
        elif state[3]:
            over = self.get_component_rich_style("paper-list--selected", partial=True)
        segments = self._row_segments(row, width, partial=state[4], base=base)
        if over is not None:
            segments = list(Segment.apply_style(segments, post_style=over))
        strip = Strip(segments).crop_extend(0, width, base + over if over else base)
        if len(self._strips) > STRIP_CACHE:
            self._strips.clear()
        self._strips[state] = strip
        return strip

    def _row_segments(self, row: Row, width: int, partial: bool, base: Style) -> list[Segment]:
        """The row as segments, built directly (Rich's Text machinery costs ~10x more)."""

        def style(name: str) -> Style:
            return base + self.get_component_rich_style(name, partial=True)

        mark, dim = style("paper-list--mark"), style("paper-list--dim")
        unread, star, pen = row_marks(row.read, row.bookmarked, row.noted)
        head = [
            Segment("▌" if row.pid in self.selection else " ", mark),
            Segment("✦" if row.fresh else unread, mark),
            Segment(star, mark),
            Segment(pen, dim),
            Segment(" ", base),
        ]
        # Every column has one width for every row, so titles and dates line up down the list.
        tail: list[Segment] = []
        for column in self.columns:
            if column == "date":
                tail.append(Segment(" " + cell(row.day, self.date_width, right=True), dim))
            elif column == "upvotes":
                tail.append(Segment(" " + cell(row.upvotes, 5, right=True), dim))
            elif column == "authors" and width >= 90:
                tail.append(Segment(" " + cell(row.who, 18), dim))
            elif column == "tags" and self.tag_column and width >= 70:
                tail.append(Segment(" " + cell(row.tags, tag_budget(width)), style("paper-list--tag")))
        tail_width = sum(cell_len(s.text) for s in tail)
        room = max(10, width - 5 - tail_width - 1)
        title_style = style("paper-list--partial") if partial else (dim if row.read else base)
        lit = style("paper-list--highlight")
        pieces: list[Segment] = []
        position = 0
        for start, end in highlight_spans(row.title, self.terms, self.prefixes):
            if start > position:
                pieces.append(Segment(row.title[position:start], title_style))
            pieces.append(Segment(row.title[start:end], title_style + lit))
            position = end
        if position < len(row.title):
            pieces.append(Segment(row.title[position:], title_style))
        return [*head, *fit(pieces, room, title_style), Segment(" ", base), *tail]

    def on_focus(self) -> None:
        """Redraw the cursor row in its focused colours."""
        self.refresh_line(self._line_of(self.cursor))

    def on_blur(self) -> None:
        """Redraw the cursor row in its unfocused colours."""
        self.refresh_line(self._line_of(self.cursor))

    def on_mount(self) -> None:
        """Cached rows carry the theme's colours: drop them when the theme changes."""
        self.watch(self.app, "theme", self._theme_changed, init=False)

    def _theme_changed(self, _theme: str) -> None:
        self._strips.clear()
        self.refresh()

    def on_resize(self, event: events.Resize) -> None:
        """Keep the virtual size in step with the widget."""
        self.virtual_size = Size(event.size.width, self._line_count())
