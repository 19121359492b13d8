"""Configuration: a pydantic model tree read from TOML and written with tomli-w.

Every field has a default and a description. Unknown keys are errors that name the key and suggest
the nearest valid one; bad TOML is reported with its line. ``load_config`` collects every problem
so the user can fix them all at once.
"""

from __future__ import annotations

import difflib
import tomllib
from pathlib import Path
from typing import Any, Literal

import tomli_w
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from quire.files import write_atomic

SortKey = Literal["relevance", "date", "upvotes", "title", "added"]
Column = Literal["date", "upvotes", "authors", "tags"]
DEFAULT_COLUMNS: list[Column] = ["date", "upvotes", "authors", "tags"]


class SavedView(BaseModel):
    """A saved search shown in the sidebar."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(description="Label in the views sidebar.")
    query: str = Field(description="A query in the query language, e.g. 'tag:rl is:unread'.")
    key: str | None = Field(default=None, description="Optional key (1-9) that opens the view.")


class Config(BaseModel):
    """Everything a user can set in ``config.toml``."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    theme: str = Field(default="quire-dark", description="Theme name (built-in or user theme).")
    default_view: Literal["inbox", "all", "bookmarked", "for-you"] = Field(
        default="inbox", description="The view shown at start.")
    default_sort: SortKey = Field(default="date", description="Order of lists without words.")
    columns: list[Column] = Field(
        default_factory=lambda: list(DEFAULT_COLUMNS),
        description="Columns of the paper list, in order.")
    mark_read_on_open: bool = Field(
        default=True, description="Opening a paper's detail marks it read.")
    date_format: str = Field(default="%Y-%m-%d", description="strftime format for dates.")
    browser: str | None = Field(
        default=None, description="Command to open links ({url} is replaced); default: system.")
    keymap: dict[str, str] = Field(
        default_factory=dict,
        description="Key overrides by binding id, e.g. bookmark = 'B' (see the help screen).")
    views: list[SavedView] = Field(default_factory=list, description="Saved searches.")


class ConfigError(Exception):
    """The config file is invalid; ``problems`` lists every problem found."""

    def __init__(self, path: Path, problems: list[str]) -> None:
        self.path = path
        self.problems = problems
        super().__init__(f"{path}: " + "; ".join(problems))


def _valid_keys(model: type[BaseModel], loc: tuple[Any, ...]) -> list[str]:
    current: Any = model
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        field = current.model_fields.get(part) if hasattr(current, "model_fields") else None
        if field is None:
            return []
        annotation = field.annotation
        args = getattr(annotation, "__args__", ())
        current = next((a for a in (annotation, *args) if isinstance(a, type)
                        and issubclass(a, BaseModel)), None)
        if current is None:
            return []
    return list(current.model_fields) if current else []


def describe_errors(error: ValidationError) -> list[str]:
    """Readable problems: the dotted key, what is wrong, and the nearest valid key for typos."""
    problems = []
    for item in error.errors():
        loc = tuple(item["loc"])
        key = ".".join(str(p) for p in loc)
        if item["type"] == "extra_forbidden":
            close = difflib.get_close_matches(str(loc[-1]), _valid_keys(Config, loc), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            problems.append(f"unknown key {key!r}{hint}")
        else:
            problems.append(f"{key}: {item['msg']}")
    return problems


def load_config(path: Path) -> Config:
    """Read the config file; a missing file means all defaults. Raises ``ConfigError``."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Config()
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(path, [f"cannot read: {error}"]) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(path, [f"invalid TOML: {error}"]) from None
    try:
        return Config.model_validate(data)
    except ValidationError as error:
        raise ConfigError(path, describe_errors(error)) from None


def config_toml(config: Config) -> str:
    """The config as TOML (``None`` values left out, TOML has no null)."""
    return tomli_w.dumps(config.model_dump(mode="json", exclude_none=True))


def save_config(config: Config, path: Path) -> None:
    """Write the config atomically."""
    write_atomic(path, config_toml(config))


def update_config_file(path: Path, **changes: Any) -> None:
    """Change a few keys in the file, keeping the user's other settings (the theme on switch)."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        data = {}
    data.update(changes)
    Config.model_validate(data)
    write_atomic(path, tomli_w.dumps(data))
