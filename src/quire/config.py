"""Configuration: a pydantic model tree read from TOML, edited in place with tomlkit.

Every field has a default and a description. Unknown keys are errors that name the key and suggest
the nearest valid one; bad TOML is reported with its line. ``load_config`` collects every problem
so the user can fix them all at once.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any, Literal

import tomlkit
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from quire.errors import QuireError
from quire.files import write_atomic
from quire.search.query import SortKey
from quire.suggest import did_you_mean

Column = Literal["date", "upvotes", "authors", "tags"]
DEFAULT_COLUMNS: list[Column] = ["date", "upvotes", "authors", "tags"]


def _parsed_query(value: str) -> str:
    """A saved view's or watch rule's query, refused when it does not parse."""
    from quire.search.query import parse_query  # the search package is heavy; load it only here

    errors = parse_query(value).errors
    if errors:
        raise ValueError(f"the query does not parse: {'; '.join(errors)}")
    return value


class SavedView(BaseModel):
    """A saved search shown in the sidebar."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(description="Label in the views sidebar.")
    query: str = Field(description="A query in the query language, e.g. 'tag:rl is:unread'.")
    key: str | None = Field(default=None, description="Optional key (1-9) that opens the view.")

    _query = field_validator("query")(_parsed_query)


FeedSource = Literal["hf-daily", "arxiv"]


def _normalised_tag(value: str | None) -> str | None:
    if value is None:
        return None
    from quire.store.library import normalise_tag

    return normalise_tag(value)


class FeedConfig(BaseModel):
    """A feed ``quire sync`` fetches: Hugging Face Daily Papers, or an arXiv API query."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(description="Name shown in messages and given to 'quire sync NAME'.", min_length=1)
    source: FeedSource = Field(description="'hf-daily' (Daily Papers) or 'arxiv' (an API query).")
    query: str | None = Field(
        default=None, description="arXiv search_query, e.g. 'cat:cs.CL AND abs:retrieval' (arxiv feeds only)."
    )
    tag: str | None = Field(default=None, description="Tag given to the papers this feed adds.")

    _tag = field_validator("tag")(_normalised_tag)

    @model_validator(mode="after")
    def _query_fits_source(self) -> FeedConfig:
        if self.source == "arxiv" and not (self.query or "").strip():
            raise ValueError("an arxiv feed needs a query, e.g. query = 'cat:cs.CL'")
        if self.source == "hf-daily" and self.query:
            raise ValueError("an hf-daily feed takes no query (it fetches the day's papers)")
        return self


class WatchRule(BaseModel):
    """After each sync, new papers matching ``query`` are tagged and counted."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(description="Name shown in notifications and the digest.", min_length=1)
    query: str = Field(description="A query in the query language, e.g. 'retrieval -survey'.", min_length=1)
    tag: str | None = Field(default=None, description="Tag given to the papers it catches.")

    _tag = field_validator("tag")(_normalised_tag)

    _query = field_validator("query")(_parsed_query)


def _default_feeds() -> list[FeedConfig]:
    return [FeedConfig(name="Daily Papers", source="hf-daily")]


class Config(BaseModel):
    """Everything a user can set in ``config.toml``."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    theme: str = Field(default="quire-dark", description="Theme name (built-in or user theme).")
    default_view: Literal["inbox", "all", "bookmarked", "for-you"] = Field(
        default="inbox", description="The view shown at start."
    )
    default_sort: SortKey = Field(default="date", description="Order of lists without words.")
    columns: list[Column] = Field(
        default_factory=lambda: list(DEFAULT_COLUMNS), description="Columns of the paper list, in order."
    )
    mark_read_on_open: bool = Field(default=True, description="Opening a paper's detail marks it read.")
    date_format: str = Field(default="%Y-%m-%d", description="strftime format for dates.")
    browser: str | None = Field(
        default=None, description="Command to open links ({url} is replaced); default: system."
    )
    keymap: dict[str, str] = Field(
        default_factory=dict,
        description="Key overrides by binding id, e.g. bookmark = 'B' (see the help screen).",
    )
    views: list[SavedView] = Field(default_factory=list, description="Saved searches.")
    feeds: list[FeedConfig] = Field(
        default_factory=_default_feeds, description="Feeds 'quire sync' and R fetch."
    )
    watch: list[WatchRule] = Field(default_factory=list, description="Watch rules.")
    hf_api_url: str = Field(
        default="https://huggingface.co", description="Base URL of the Hugging Face Papers API."
    )
    arxiv_api_url: str = Field(default="https://export.arxiv.org", description="Base URL of the arXiv API.")
    backfill_days: int = Field(default=7, ge=1, le=366, description="Days a feed's first sync reaches back.")
    max_pages: int = Field(default=30, ge=1, le=1000, description="Most pages one sync fetches per feed.")
    sync_on_start: bool = Field(default=False, description="Sync the feeds when the reader opens.")

    @field_validator("keymap")
    @classmethod
    def _keymap(cls, value: dict[str, str]) -> dict[str, str]:
        from quire.keys import keymap_problems

        problems = keymap_problems(value)
        if problems:
            raise ValueError("; ".join(problems))
        return value

    @field_validator("date_format")
    @classmethod
    def _date_format(cls, value: str) -> str:
        problem = date_format_problem(value)
        if problem:
            raise ValueError(problem)
        return value

    @field_validator("hf_api_url", "arxiv_api_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("https://", "http://")) or len(value.split("://", 1)[1]) == 0:
            raise ValueError("must be an http:// or https:// URL")
        return value.rstrip("/")

    @model_validator(mode="after")
    def _unique_names(self) -> Config:
        for kind, names in (("feeds", [f.name for f in self.feeds]), ("watch", [w.name for w in self.watch])):
            folded = [n.casefold() for n in names]
            for name in names:
                if folded.count(name.casefold()) > 1:
                    raise ValueError(f"{kind}: two entries are named {name!r}")
        return self


# strftime directives every platform's C library knows (C89/C99 and POSIX); others print as typed
# on one machine and fail on another.
DATE_DIRECTIVES = frozenset("aAbBcCdDeFgGhHIjmMnprRStTuUVwWxXyYzZ%")


def date_format_problem(value: str) -> str | None:
    """Why ``value`` is not a usable strftime format for dates, or ``None``."""
    if not value:
        return "an empty date format"
    i = 0
    while i < len(value):
        if value[i] == "%":
            directive = value[i + 1 : i + 2]
            if directive == "-":  # glibc's no-padding flag, as in %-d
                directive = value[i + 2 : i + 3]
                i += 1
            if directive not in DATE_DIRECTIVES or not directive:
                shown = f"%{directive}" if directive else "a lone '%' at the end"
                return (
                    f"{shown} is not a strftime directive "
                    "(e.g. %Y-%m-%d or %d %b %Y; write %% for a percent sign)"
                )
            i += 2
        else:
            i += 1
    return None


class ConfigError(QuireError):
    """The config file is invalid; ``problems`` lists every problem found."""

    exit_code = 2

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
        current = next(
            (a for a in (annotation, *args) if isinstance(a, type) and issubclass(a, BaseModel)), None
        )
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
            hint = did_you_mean(str(loc[-1]), _valid_keys(Config, loc))
            problems.append(f"unknown key {key!r}{hint}")
        else:
            problems.append(f"{key}: {item['msg']}")
    return problems


def parse_toml(text: str) -> dict[str, Any]:
    """Parse TOML; every failure is a ``ValueError`` with a one-line reason naming the line.

    ``tomllib`` recurses once per nesting level, so absurdly nested arrays or tables would
    otherwise end in a ``RecursionError``.
    """
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ValueError(f"invalid TOML: {error}") from None
    except RecursionError:
        raise ValueError("invalid TOML: arrays or tables nested too deeply") from None


def load_config(path: Path) -> Config:
    """Read the config file; a missing file means all defaults. Raises ``ConfigError``."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Config()
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(path, [f"cannot read: {error}"]) from None
    try:
        data = parse_toml(text)
    except ValueError as error:
        raise ConfigError(path, [str(error)]) from None
    try:
        return Config.model_validate(data)
    except ValidationError as error:
        raise ConfigError(path, describe_errors(error)) from None


def config_toml(config: Config) -> str:
    """The config as TOML (``None`` values left out, TOML has no null)."""
    return tomlkit.dumps(config.model_dump(mode="json", exclude_none=True))


def _document(path: Path) -> tomlkit.TOMLDocument:
    """The config file as an editable document (empty if there is none yet)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        text = ""
    parse_toml(text)  # bad TOML is reported by line, as when loading
    return tomlkit.parse(text)


def save_config(config: Config, path: Path) -> None:
    """Write the config, atomically. An existing file is edited in place: its comments and the
    order of its keys stay, keys the config does not hold go (``quire config init --force``)."""
    try:
        doc = _document(path)
    except (OSError, ValueError):
        doc = tomlkit.document()  # unreadable or not TOML: replaced, as asked
    values = config.model_dump(mode="json", exclude_none=True)
    for key in [k for k in doc if k not in values]:
        del doc[key]
    for key, value in values.items():
        doc[key] = value
    write_atomic(path, tomlkit.dumps(doc))


def update_config_file(path: Path, **changes: Any) -> None:
    """Change a few keys of the file in place (the theme on a pick): the user's comments, the
    order of the keys and every other setting stay as they were."""
    doc = _document(path)
    data = doc.unwrap()
    data.update(changes)
    Config.model_validate(data)
    for key, value in changes.items():
        doc[key] = value
    write_atomic(path, tomlkit.dumps(doc))
