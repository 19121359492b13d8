"""The detail pane: the whole paper, its note, and the papers most like it.

Owns showing one paper (search terms highlighted), and finding its similar papers and why it
ranked (``w``), each in its own worker on the search index; choosing a similar paper posts
``SimilarChosen``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from rich.cells import cell_len
from rich.console import Console, ConsoleOptions
from rich.measure import Measurement
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.message import Message
from textual.widgets import Label, OptionList, Static
from textual.widgets.option_list import Option

from quire.app.session import Session
from quire.models import Paper
from quire.safe_text import safe_text
from quire.search.tokenizer import highlight_spans
from quire.views import similar_with_papers

if TYPE_CHECKING:
    from quire.search import SearchResult

SIMILAR_LIMIT = 5


def plain(text: str, multiline: bool = False) -> Text:
    """Untrusted text for a widget: a Rich ``Text`` is never parsed as markup (so ``[@click=…]``
    in an author's name stays letters), and ``safe_text`` keeps escapes off the terminal."""
    return Text(safe_text(text, multiline=multiline))


def highlighted(
    text: str, terms: set[str], prefixes: tuple[str, ...], style: str, multiline: bool = False
) -> Text:
    """``text`` (untrusted, shown as plain text) with the search terms styled."""
    rich = plain(text, multiline)
    for start, end in highlight_spans(rich.plain, terms, prefixes):
        rich.stylize(style, start, end)
    return rich


class Joined:
    """Short items joined with `` · ``, wrapped between items: a line never ends or starts with
    a separator (plain text wrapping left a stray ``·`` at the end of a line)."""

    SEPARATOR = " · "

    def __init__(self, items: list[str]) -> None:
        self.items = [safe_text(item) for item in items if item]

    def lines(self, width: int) -> list[str]:
        """The items laid out in lines of at most ``width`` cells (a longer item gets its own)."""
        lines: list[str] = []
        line = ""
        for item in self.items:
            joined = f"{line}{self.SEPARATOR}{item}" if line else item
            if line and cell_len(joined) > width:
                lines.append(line)
                line = item
            else:
                line = joined
        return [*lines, line] if line else lines

    def __str__(self) -> str:
        return self.SEPARATOR.join(self.items)

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> Iterator[Text]:
        # Text, not markup: the items come from files. An item wider than the pane folds.
        yield Text("\n".join(self.lines(options.max_width)))

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        widths = [cell_len(item) for item in self.items] or [0]
        return Measurement(max(widths), cell_len(self.SEPARATOR.join(self.items)))


class DetailPane(VerticalScroll):
    """Everything about the paper under the cursor.

    Tab reaches it (after the list), and then the keys that move in the list scroll it: a
    long abstract can be read to its end from the keyboard at every width.
    """

    BINDINGS = [
        Binding("j,down", "read(1)", "Scroll down", show=False, id="detail-down"),
        Binding("k,up", "read(-1)", "Scroll up", show=False, id="detail-up"),
        Binding("pagedown,ctrl+d", "read_page(1)", "Page down", show=False, id="detail-page-down"),
        Binding("pageup,ctrl+u", "read_page(-1)", "Page up", show=False, id="detail-page-up"),
        Binding("g,home", "read_to(0)", "Top", show=False, id="detail-top"),
        Binding("G,end", "read_to(-1)", "Bottom", show=False, id="detail-bottom"),
    ]
    DEFAULT_CSS = """
    /* The left edge lights up when the pane has focus, so Tab's stop here is visible. */
    DetailPane { background: $panel; padding: 0 1; border-left: tall $panel; }
    DetailPane:focus { border-left: tall $primary; }
    DetailPane #detail-title { text-style: bold; color: $primary; margin: 1 0 0 0; }
    DetailPane #detail-meta { color: $foreground 90%; }
    DetailPane #detail-tags { color: $secondary; }
    DetailPane #detail-abstract { margin: 1 0 0 0; }
    DetailPane #detail-note { border-left: thick $accent; padding: 0 1; margin: 1 0 0 0; }
    DetailPane #detail-why { border-left: thick $secondary; padding: 0 1; margin: 1 0 0 0; }
    DetailPane #detail-similar-label { margin: 1 0 0 0; text-style: bold; color: $foreground 85%; }
    DetailPane OptionList { height: auto; max-height: 12; border: none; background: $panel; }
    DetailPane .-hidden { display: none; }
    """

    class SimilarChosen(Message):
        """A similar paper was chosen."""

        def __init__(self, pid: int) -> None:
            super().__init__()
            self.pid = pid

    def __init__(self, session: Session, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id)
        self.session = session
        self.pid: int | None = None  # the paper shown
        self._explaining: int | None = None  # the paper whose ranking is being explained

    # Reading keys move the text at once, like a pager (no smooth-scroll animation to wait for).
    def action_read(self, lines: int) -> None:
        """Scroll by ``lines`` (negative: up)."""
        self.scroll_to(y=self.scroll_y + lines, animate=False)

    def action_read_page(self, pages: int) -> None:
        """Scroll by a page, keeping a line of the last one in view."""
        self.scroll_to(
            y=self.scroll_y + pages * max(1, self.scrollable_content_region.height - 1), animate=False
        )

    def action_read_to(self, end: int) -> None:
        """To the top (``0``) or the bottom (``-1``)."""
        self.scroll_to(y=0 if end == 0 else self.max_scroll_y, animate=False)

    def compose(self) -> ComposeResult:
        """The parts of the pane."""
        yield Static(id="detail-title")
        yield Static(id="detail-meta")
        yield Static(id="detail-tags")
        yield Static(id="detail-why", classes="-hidden")
        yield Static(id="detail-note")
        yield Static(id="detail-abstract")
        yield Label("Similar papers", id="detail-similar-label")
        yield OptionList(id="detail-similar")

    def show(self, paper: Paper | None, terms: set[str], prefixes: tuple[str, ...]) -> None:
        """Show a paper (or nothing), repainting once for all its parts; its similar papers
        follow from a worker."""
        self.pid = paper.pid if paper else None
        self._explaining = None
        with self.app.batch_update():
            self._show(paper, terms, prefixes, self.session.config.date_format)
            self.show_similar([])
            self.show_why(None)
        if paper is not None and self.session.index is not None:
            self._load_similar(paper.pid)

    @work(thread=True, exclusive=True, group="similar")
    def _load_similar(self, pid: int) -> None:
        index = self.session.index
        if index is None:
            return
        found = similar_with_papers(index, self.session.library, pid, SIMILAR_LIMIT)
        items = [(paper.pid, paper.title, n.shared) for paper, n in found]
        self.app.call_from_thread(self._similar_loaded, pid, items)

    def _similar_loaded(self, pid: int, items: list[tuple[int, str, list[str]]]) -> None:
        # Not once the reader is closing: its widgets are being removed (a query for one would
        # fail, and a worker's failure during shutdown ends quire with a traceback).
        if self.pid == pid and self.app.is_running:  # still the paper shown
            self.show_similar(items)

    def _show(
        self, paper: Paper | None, terms: set[str], prefixes: tuple[str, ...], date_format: str
    ) -> None:
        # The theme's accent (checked for contrast on $panel per theme), not a fixed colour.
        theme = self.app.current_theme
        hl = "bold underline " + (theme.accent or ("yellow" if theme.dark else "dark_orange3"))
        if paper is None:
            self.query_one("#detail-title", Static).update("No paper selected")
            for part in ("meta", "tags", "abstract", "note"):
                self.query_one(f"#detail-{part}", Static).update("")
            self.show_similar([])
            return
        ann = paper.annotation
        # States in words ("bookmarked", "read"), like the rest of the line: no ★ beside them.
        meta = [
            paper.published.strftime(date_format) if paper.published else "undated",
            paper.authors_label,
            (paper.org_name or "") if paper.authors or paper.author_count else "",
            f"▲ {paper.upvotes}" if paper.upvotes is not None else "",
            f"💬 {paper.comments}" if paper.comments else "",
            paper.id,
            ", ".join(paper.sources),
            "bookmarked" if ann.bookmarked else "",
            "read" if ann.read else "unread",
        ]
        self.query_one("#detail-title", Static).update(highlighted(paper.title, terms, prefixes, hl))
        self.query_one("#detail-meta", Static).update(Joined(meta))
        extra = []
        if paper.categories:
            extra.append(" ".join(paper.categories))
        if paper.github_repo:
            extra.append(paper.github_repo)
        tags = " ".join(f"#{t}" for t in ann.tags)
        self.query_one("#detail-tags", Static).update(plain("  ".join(x for x in (tags, *extra) if x)))
        self.query_one("#detail-abstract", Static).update(
            highlighted(paper.abstract or "(no abstract)", terms, prefixes, hl, multiline=True)
        )
        note = self.query_one("#detail-note", Static)
        note.update(plain(ann.note, multiline=True))
        note.set_class(not ann.note, "-hidden")
        self.scroll_home(animate=False)

    def show_why(self, lines: list[str] | None) -> None:
        """Show why the paper ranked (plain text lines), or hide it (``None``)."""
        why = self.query_one("#detail-why", Static)
        why.update(Text("\n".join(lines or [])))
        why.set_class(lines is None, "-hidden")

    def explain(self, pid: int, result: SearchResult | None) -> None:
        """Say why paper ``pid`` ranked in ``result`` (worked out in a worker)."""
        self._explaining = pid
        self._load_explanation(pid, result)

    # A description, not the default repr of the arguments (a result's lists every paper).
    @work(thread=True, exclusive=True, group="explain", description="explain the ranking")
    def _load_explanation(self, pid: int, result: SearchResult | None) -> None:
        from quire.search.explain import explain

        index = self.session.index
        if index is None:
            return
        if result is None or not result.query.has_words:
            lines = ["Why: search for some words first; this list is not ranked by them."]
        else:
            found = explain(index, result, self.session.library.get_papers([pid]))
            lines = ["Why it ranked here:", *(found[0].lines() if found else [])]
        self.app.call_from_thread(self._explained, pid, lines)

    def _explained(self, pid: int, lines: list[str]) -> None:
        if self._explaining == pid and self.app.is_running:  # still this paper, still explaining
            self.show_why(lines)

    def show_similar(self, items: list[tuple[int, str, list[str]]]) -> None:
        """List the similar papers: (pid, title, shared terms)."""
        with self.app.batch_update():
            self._show_similar(items)

    def _show_similar(self, items: list[tuple[int, str, list[str]]]) -> None:
        options = self.query_one("#detail-similar", OptionList)
        if not items and not options.option_count:
            return
        options.clear_options()
        # The words a paper shares go on a line of their own, so they never read as part of
        # its title.
        options.add_options(
            [
                Option(
                    Text.assemble(
                        plain(title),
                        *(
                            ("\n", (safe_text(f"  shares: {', '.join(shared[:4])}"), "italic"))
                            if shared
                            else ()
                        ),
                    ),
                    id=str(pid),
                )
                for pid, title, shared in items
            ]
        )
        if items:
            options.highlighted = 0
        self.query_one("#detail-similar-label").set_class(not items, "-hidden")
        options.set_class(not items, "-hidden")

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        """Jump to a similar paper."""
        event.stop()
        if event.option.id is not None:
            self.post_message(self.SimilarChosen(int(event.option.id)))
