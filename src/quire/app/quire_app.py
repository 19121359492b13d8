"""The Textual application: themes, keymap, the session, and the search index built in a worker.

Owns start-up (theme registration and problems, the welcome notice), building the index off the
UI thread and handing it to the main screen, saving the theme to the config file, and opening
links. It imports its screens; no screen imports it (they get a ``Session``).
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from textual import on, work
from textual.app import App, SystemCommand
from textual.events import Event, Key, MouseEvent
from textual.message import Message
from textual.notifications import SeverityLevel
from textual.screen import Screen
from textual.worker import WorkerFailed

from quire import locations
from quire.app import resting_gc
from quire.app.commands import app_bindings
from quire.app.commands.palette import QuireCommands
from quire.app.screens.main import MainScreen
from quire.app.screens.theme_picker import ThemePicker
from quire.app.session import Session
from quire.app.themes import contrast_problems, load_themes
from quire.app.typeahead import OrderedKeysApp
from quire.config import Config, update_config_file
from quire.errors import QuireError, log_unexpected
from quire.safe_text import safe_text
from quire.store import Library, StoreError
from quire.visits import begin_visit

if TYPE_CHECKING:
    from collections.abc import Mapping

    from textual.actions import ActionParseResult
    from textual.dom import DOMNode

    from quire.search import SearchIndex

FALLBACK_THEME = "quire-dark"
PROGRESS_EVERY = 0.25  # seconds between index progress updates in the status line
# Long writers that quitting stops at their next step (each step is one transaction).
STOPPABLE_WRITERS = ("import", "sync")
# Textual's palette entries that quire's own commands replace (they show quire's keys).
REPLACED_SYSTEM_COMMANDS = frozenset({"Theme", "Quit"})


class QuireApp(OrderedKeysApp[int]):
    """quire's reader (its keys typed ahead follow focus: see ``OrderedKeysApp``)."""

    TITLE = "quire"
    CSS_PATH = "quire.tcss"
    BINDINGS = app_bindings()
    COMMANDS = App.COMMANDS | {QuireCommands}

    def __init__(self, config: Config, library: Library, config_path: Path, sample_imported: int = 0) -> None:
        super().__init__()
        self.session = Session(config, config_path, library)
        self.config = config
        self.library = library
        self.config_path = config_path
        self.sample_imported = sample_imported
        self._theme_ready = False
        self.theme_problems: list[str] = []
        self.crashes: list[BaseException] = []  # unexpected errors reported (tests look here)
        self._register_themes()

    @property
    def index(self) -> SearchIndex | None:
        """The search index, once built."""
        return self.session.index

    def _register_themes(self) -> None:
        themes, problems = load_themes(
            locations.builtin_themes_dir(), locations.user_themes_dir(self.config_path)
        )
        for theme in themes:
            self.register_theme(theme)
            # Built-in themes pass (tests/test_contrast.py); a user's may not: say so, use it.
            problems += contrast_problems(theme)
        self.theme_problems = problems
        wanted = self.config.theme
        if wanted not in self.available_themes:
            self.theme_problems.append(
                f"{self.config_path}: theme {wanted!r} is not installed; using {FALLBACK_THEME}"
            )
            wanted = FALLBACK_THEME
        self.theme = wanted

    def on_mount(self) -> None:
        """Show the main screen, report theme problems once, start indexing."""
        self.set_keymap(self.config.keymap)
        self._theme_ready = True
        try:
            self.session.visit = begin_visit(self.library)
        except StoreError as error:  # a library that cannot be read says so on the screen
            self.report_error(error)
        if self.theme_problems:
            self.notify(
                "\n".join(self.theme_problems), title="Theme problems", severity="warning", timeout=10
            )
        if self.sample_imported:
            self.notify(
                f"Your library was empty, so quire imported its sample library "
                f"({self.sample_imported} papers from Hugging Face Daily Papers). "
                "Press i to import your own.",
                title="Welcome",
                timeout=10,
            )
        self.push_screen(MainScreen(self.session))
        self.set_interval(resting_gc.CHECK_EVERY, resting_gc.collect_if_rested)
        # After the first paint: the build's thread would otherwise compete with it for the GIL.
        self.call_after_refresh(self.build_index)

    class IndexProgress(Message):
        """The index worker's news for the status line: loading, rebuilding, papers indexed."""

        def __init__(self, done: int, total: int, reason: str = "") -> None:
            super().__init__()
            self.done = done
            self.total = total
            self.reason = reason

    def on_unmount(self) -> None:
        """On the way out, fold the write-ahead log into the library file, so that a copy of
        ``library.sqlite3`` alone holds every bookmark and note of this session."""
        self.library.checkpoint()
        resting_gc.restore()

    @work(thread=True, exclusive=True, group="index")
    def build_index(self) -> None:
        """Open the saved index (or build one) off the UI thread; the list works meanwhile.

        The saved index is caught up with what changed since it was written; only when it is
        missing or cannot be trusted is the library indexed again, with progress in the status
        line. Saving comes after the index is handed over, so search never waits for the disk.
        """
        from quire.search.opening import SAVE_AFTER, open_index
        from quire.search.persist import save

        reason = ""
        last = 0.0

        def progress(done: int, total: int) -> None:
            nonlocal last
            now = time.monotonic()
            if now - last >= PROGRESS_EVERY or done == total:
                last = now
                self.post_message(self.IndexProgress(done, total, reason))

        def rebuilding(why: str) -> None:
            nonlocal reason
            reason = why

        opened = open_index(self.library, progress=progress, write=False, on_rebuild=rebuilding)
        self.call_from_thread(self._index_ready, opened.index)
        if not opened.loaded or opened.index.unsaved >= SAVE_AFTER:
            try:
                save(opened.index)
            except OSError as error:  # a full or read-only cache costs time at the next start
                self.call_from_thread(
                    self.notify, f"Could not save the search index: {error}", severity="warning"
                )

    def on_quire_app_index_progress(self, message: QuireApp.IndexProgress) -> None:
        """Show indexing progress in the main screen's status line."""
        for screen in self.screen_stack:
            if isinstance(screen, MainScreen):
                screen.index_progress(message.done, message.total, message.reason)

    def _index_ready(self, index: SearchIndex) -> None:
        index.default_sort = self.config.default_sort
        self.session.index = index
        # The index's many long-lived objects need never be scanned by the cyclic GC again;
        # otherwise its full collections show up as pauses while paging. Later full passes
        # wait for the reader to rest (see resting_gc).
        resting_gc.freeze()
        for screen in self.screen_stack:
            if isinstance(screen, MainScreen):
                screen.index_ready()

    def watch_theme(self, theme: str) -> None:
        """Save the chosen theme to the config file (not at start-up, not while previewing)."""
        if not self._theme_ready or theme == self.config.theme:
            return
        if isinstance(self.screen, ThemePicker):
            return  # only a preview; the pick is saved when the picker closes
        self.save_theme(theme)

    @on(MainScreen.ThemePicked)
    def _theme_picked(self, event: MainScreen.ThemePicked) -> None:
        self.save_theme(event.theme)

    def save_theme(self, theme: str) -> None:
        """Write the theme into the config file, keeping the user's other settings."""
        if theme == self.config.theme:
            return
        try:
            update_config_file(self.config_path, theme=theme)
            self.config.theme = theme
        except (OSError, ValueError) as error:
            self.notify(f"Could not save the theme to {self.config_path}: {error}", severity="error")

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = False,
    ) -> None:
        """A notification, always as plain text: messages carry titles, tags, paths and errors
        that came from files, so they are never parsed as markup and never reach the terminal
        with control characters in them (``markup`` is accepted and ignored)."""
        super().notify(
            safe_text(message, multiline=True),
            title=safe_text(title),
            severity=severity,
            timeout=timeout,
            markup=False,
        )

    @work(thread=True, group="browser")
    def open_link(self, url: str) -> None:
        """Open a link (built by ``arxiv_url``/``search_url``) with the configured browser
        command, or the system's, and say "Opened" only once a browser took it; otherwise only
        what went wrong. The URL is one argument; no shell ever sees it. A worker: starting a
        browser (or seeing it fail) can take a second."""
        from quire.browser import open_url  # (its webbrowser module is not needed to start)

        problem = open_url(url, self.config.browser or "")
        if problem is None:
            self.call_from_thread(self.notify, f"Opened {url} in the browser")
        else:
            self.call_from_thread(
                self.notify, f"Could not open {url}: {problem}", title="Browser", severity="error", timeout=10
            )

    @on(MainScreen.OpenLink)
    def _open_link(self, event: MainScreen.OpenLink) -> None:
        self.open_link(event.url)

    async def on_event(self, event: Event) -> None:
        """Keys and the mouse (a wheel scrolling the list) put off the garbage collector's full
        passes until the reader rests."""
        if isinstance(event, (Key, MouseEvent)):
            resting_gc.activity()
        await super().on_event(event)

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        """Textual's palette entries, less those quire's own commands replace."""
        for command in super().get_system_commands(screen):
            if command.title not in REPLACED_SYSTEM_COMMANDS:
                yield command

    async def action_quit(self) -> None:
        """Quit, losing nothing (q and ctrl+c): every annotation is written the moment it is
        made; an import or sync still running stops after the step it is in (what it finished
        stays, the file or page being read adds nothing), an export writes its file to the
        end. Thread workers run on asyncio's default executor, which ``App.run`` waits for
        before the process ends, so those steps complete."""
        for worker in self.workers:
            if worker.group in STOPPABLE_WRITERS and not worker.is_finished:
                worker.cancel()
        self.exit()

    @on(MainScreen.Problem)
    def _problem(self, event: MainScreen.Problem) -> None:
        self.report_error(event.error)

    # -- the error boundary ------------------------------------------------------------------

    def report_error(self, error: BaseException, where: str = "") -> None:
        """Show a failure and keep running: the error model's message, or a logged bug."""
        if isinstance(error, QuireError):
            self.notify(str(error), title="Error", severity="error", timeout=10)
            return
        log = log_unexpected(error, where)
        self.crashes.append(error)
        self.notify(f"Something went wrong (details in {log})", title="Error", severity="error", timeout=15)

    def _handle_exception(self, error: Exception) -> None:
        # A failed worker is reported and the reader keeps running; its thread is gone, the
        # screen is fine. Errors on the UI thread itself keep Textual's behaviour: they leave a
        # widget's message loop stopped, so they are caught before they get here (run_action).
        if isinstance(error, WorkerFailed) and self.is_running:
            self.report_error(error.error, "in a worker")
            return
        super()._handle_exception(error)

    async def run_action(
        self,
        action: str | ActionParseResult,
        default_namespace: DOMNode | None = None,
        namespaces: Mapping[str, DOMNode] | None = None,
    ) -> bool:
        """Run a key's action; a failure becomes a notification, never a closed reader."""
        try:
            return await super().run_action(action, default_namespace, namespaces)
        except Exception as error:  # the boundary: everything is reported, nothing escapes
            self.report_error(error, f"running {action!r}")
            return True
