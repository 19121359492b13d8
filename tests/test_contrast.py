"""Readability: every text the reader draws, in every built-in theme, against its background.

The screen is rendered through Pilot (list with the cursor row focused, detail, sidebar, search
bar, footer; then every dialog) and each drawn cell's foreground and background are measured
with the WCAG 2 contrast ratio: at least 4.5:1 (AA), 7:1 for quire-high-contrast.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from rich.color import Color as RichColor
from rich.segment import Segment
from rich.terminal_theme import DEFAULT_TERMINAL_THEME
from textual.color import Color

from app_support import app_on, library, papers, ready, settle
from quire import locations
from quire.app.screens.confirm import ConfirmDialog
from quire.app.themes import contrast, contrast_problems, load_theme_file

THEMES = sorted(p.stem for p in locations.builtin_themes_dir().glob("*.toml"))


def _colour(colour: RichColor | None, fallback: Color) -> Color:
    if colour is None or colour.is_default:
        return fallback
    triplet = colour.get_truecolor(DEFAULT_TERMINAL_THEME)
    return Color(triplet.red, triplet.green, triplet.blue)


def _segments(line: Any) -> list[Segment]:
    if isinstance(line, Segment):
        return [line]
    return [s for part in line for s in _segments(part)]


def low_contrast(app: Any, minimum: float) -> list[str]:
    """Every drawn text run on the current screen below ``minimum``, with where and what."""
    screen = app.screen
    background = Color.parse(app.current_theme.background)
    foreground = Color.parse(app.current_theme.foreground)
    found = []
    # On a dialog, only the dialog is to be read: the screen behind it is dimmed on purpose.
    area = screen.children[0].region if screen.is_modal and screen.children else screen.region
    for y, line in enumerate(screen._compositor.render_update(full=True).strips):
        x = 0
        for segment in _segments(line):
            start, x = x, x + segment.cell_length
            if not (area.y <= y < area.bottom and area.x <= start < area.right):
                continue
            text, style = segment.text, segment.style
            if style is None or not any(ch.isalnum() for ch in text):
                continue
            fg = _colour(style.color, foreground)
            bg = _colour(style.bgcolor, background)
            if style.reverse:
                fg, bg = bg, fg
            if style.dim:
                fg = bg.blend(fg, 0.5)
            ratio = contrast(fg, bg)
            if ratio < minimum:
                found.append(f"row {y} {text.strip()[:24]!r}: {fg.hex} on {bg.hex} = {ratio:.2f}")
    return found


@pytest.mark.parametrize("theme", THEMES)
async def test_every_text_is_readable(theme: str, tmp_path: Path) -> None:
    minimum = 7.0 if theme == "quire-high-contrast" else 4.5
    app = app_on(tmp_path, theme=theme)
    problems: list[str] = []
    async with app.run_test(size=(140, 40)) as pilot:
        await ready(pilot)
        # The sidebar focused: its cursor row, the list's unfocused cursor row.
        await pilot.press("v", "j")
        await ready(pilot)
        problems += low_contrast(app, minimum)
        # A view opened, the list focused (its cursor row), the detail of a paper.
        await pilot.press("enter", "k", "enter")
        await ready(pilot)
        problems += low_contrast(app, minimum)
        # Search highlights, "also relevant" rows, the focused search bar with text.
        await pilot.press("slash", *"model unlearning xqzv")
        await ready(pilot)
        problems += low_contrast(app, minimum)
    assert not problems, "\n".join(problems)


# Every dialog, opened by its key (or pushed, for the confirmation), with something typed where
# there is an input: its title, texts, inputs (placeholder, value, suggestion), buttons, lists.
DIALOGS: dict[str, tuple[str, ...]] = {
    "tag editor": ("t", *"to-r"),
    "tag editor, empty input (placeholder)": ("t",),
    "export": ("e",),
    "export, formats focused": ("e", "shift+tab"),
    "import (placeholder)": ("i",),
    "import, a path typed": ("i", *"~/papers.bib"),
    "note editor": ("n", *"a note"),
    "help": ("question_mark",),
    "theme picker": ("ctrl+t",),
}


@pytest.mark.parametrize("theme", THEMES)
async def test_every_dialog_is_readable(theme: str, tmp_path: Path) -> None:
    minimum = 7.0 if theme == "quire-high-contrast" else 4.5
    app = app_on(tmp_path, theme=theme)
    problems: list[str] = []
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        lib = library(pilot)
        lib.add_tags([papers(pilot).current_pid or 0], ["to-read", "rl"])
        await pilot.press("j", "k")  # the tag editor then lists the paper's tags
        await ready(pilot)
        for name, keys in DIALOGS.items():
            await pilot.press(*keys)
            await settle(pilot)
            assert app.screen.is_modal, f"{name} did not open"
            problems += [f"{name}: {p}" for p in low_contrast(app, minimum)]
            while app.screen.is_modal:
                app.pop_screen()
            await settle(pilot)
        app.push_screen(
            ConfirmDialog("quire-export.bib exists. Overwrite it?", yes="Overwrite", no="Keep it")
        )
        await settle(pilot)
        problems += [f"confirm: {p}" for p in low_contrast(app, minimum)]
        await pilot.press("tab")  # the other button focused
        await settle(pilot)
        problems += [f"confirm, second button: {p}" for p in low_contrast(app, minimum)]
    assert not problems, "\n".join(problems)


def test_contrast_ratio_matches_wcag_examples() -> None:
    assert contrast(Color(0, 0, 0), Color(255, 255, 255)) == pytest.approx(21.0)
    assert contrast(Color(119, 119, 119), Color(255, 255, 255)) == pytest.approx(4.48, abs=0.01)


@pytest.mark.parametrize("theme", THEMES)
def test_builtin_themes_pass_the_pair_check(theme: str) -> None:
    path = locations.builtin_themes_dir() / f"{theme}.toml"
    minimum = 7.0 if theme == "quire-high-contrast" else 4.5
    assert contrast_problems(load_theme_file(path), minimum) == []


async def test_a_user_theme_that_falls_short_gets_a_warning(tmp_path: Path) -> None:
    themes = tmp_path / "themes"
    themes.mkdir()
    (themes / "murky.toml").write_text(
        'name = "murky"\nprimary = "#777777"\nforeground = "#555555"\nbackground = "#333333"\n'
    )
    app = app_on(tmp_path, theme="murky")
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot)
        assert app.theme == "murky"  # used anyway: the user chose it
        shown = [n.message for n in app._notifications]
        assert any("theme 'murky'" in m and "below 4.5:1" in m for m in shown)
