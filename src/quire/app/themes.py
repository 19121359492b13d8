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

COLOUR_KEYS = ("primary", "secondary", "accent", "foreground", "background", "surface", "panel",
               "success", "warning", "error", "boost")


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
