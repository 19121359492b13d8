"""Theme files: the built-in ones in ``themes/`` and the user's own, validated and registered.

A theme file is TOML: ``name``, ``dark`` and colours. Broken files are reported together (file,
key, why) and skipped; Textual's own themes stay available.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from textual.color import Color, ColorParseError
from textual.theme import Theme

from quire.config import parse_toml

COLOUR_KEYS = (
    "primary",
    "secondary",
    "accent",
    "foreground",
    "background",
    "surface",
    "panel",
    "success",
    "warning",
    "error",
    "boost",
)


class ThemeFile(BaseModel):
    """The shape of a theme file."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    dark: bool = True
    primary: str
    secondary: str | None = None
    accent: str | None = None
    foreground: str | None = None
    background: str | None = None
    surface: str | None = None
    panel: str | None = None
    success: str | None = None
    warning: str | None = None
    error: str | None = None
    boost: str | None = None

    @field_validator(*COLOUR_KEYS, check_fields=False)
    @classmethod
    def _colour(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                Color.parse(value)
            except ColorParseError:
                raise ValueError(f"{value!r} is not a colour") from None
        return value

    def to_theme(self) -> Theme:
        """The Textual theme."""
        colours = {k: getattr(self, k) for k in COLOUR_KEYS if getattr(self, k) is not None}
        return Theme(name=self.name, dark=self.dark, **colours)


def load_theme_file(path: Path) -> Theme:
    """Read one theme file; raises ``ValueError`` naming the file and key at fault."""
    try:
        data = parse_toml(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as error:
        raise ValueError(f"{path}: cannot read: {error}") from None
    except ValueError as error:
        raise ValueError(f"{path}: {error}") from None
    try:
        return ThemeFile.model_validate(data).to_theme()
    except ValidationError as error:
        first = error.errors()[0]
        key = ".".join(str(p) for p in first["loc"]) or "file"
        raise ValueError(f"{path}: {key}: {first['msg']}") from None


def luminance(colour: Color) -> float:
    """WCAG 2 relative luminance of an opaque colour (0 black to 1 white)."""

    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    return 0.2126 * channel(colour.r) + 0.7152 * channel(colour.g) + 0.0722 * channel(colour.b)


def contrast(a: Color, b: Color) -> float:
    """WCAG 2 contrast ratio of two opaque colours, 1 (none) to 21 (black on white)."""
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


# (text, background, where): the pairs the reader draws text in, from the widgets' CSS.
READ_PAIRS = (
    ("foreground", "background", "text"),
    ("foreground", "surface", "list text"),
    ("foreground", "panel", "detail and dialog text"),
    ("background", "primary", "the cursor row"),
    ("primary", "panel", "detail titles"),
    ("accent", "panel", "footer keys and highlights"),
    ("secondary", "surface", "list tags"),
    ("secondary", "panel", "detail tags"),
    ("background", "warning", "warning buttons"),
    ("warning", "panel", "dialog warnings"),
)
MIN_CONTRAST = 4.5  # WCAG AA for normal text


def contrast_problems(theme: Theme, minimum: float = MIN_CONTRAST) -> list[str]:
    """The text/background pairs of ``theme`` the reader uses that measure below ``minimum``."""
    colours = theme.to_color_system().generate()
    problems = []
    for text, ground, where in READ_PAIRS:
        fore, back = colours.get(text), colours.get(ground)
        if fore is None or back is None:
            continue
        ratio = contrast(Color.parse(fore), Color.parse(back))
        if ratio < minimum:
            problems.append(
                f"theme {theme.name!r}: {where} ({text} on {ground}) measures "
                f"{ratio:.1f}:1, below {minimum}:1; it may be hard to read"
            )
    return problems


def load_themes(*folders: Path) -> tuple[list[Theme], list[str]]:
    """Every valid theme in the folders (later folders override earlier), and the problems."""
    themes: dict[str, Theme] = {}
    problems: list[str] = []
    for folder in folders:
        if not folder.is_dir():
            continue
        for path in sorted(folder.glob("*.toml")):
            try:
                theme = load_theme_file(path)
            except ValueError as error:
                problems.append(str(error))
                continue
            themes[theme.name] = theme
    return list(themes.values()), problems
