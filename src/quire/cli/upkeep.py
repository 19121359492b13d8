"""Commands that look after the library and quire itself: backup, config, paths, doctor."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from quire import locations
from quire.cli.context import CommandError, Context
from quire.config import Config, config_toml, load_config, parse_toml
from quire.files import write_atomic
from quire.wording import counted


def cmd_backup(ctx: Context) -> int:
    target: Path = ctx.args.path
    if target.is_dir():
        target = target / f"library-{datetime.now():%Y%m%d-%H%M%S}.sqlite3"
    if target.exists() and not ctx.args.force:
        raise CommandError(f"{target} exists; add --force to overwrite it")
    if not target.parent.is_dir():
        raise CommandError(f"{target}: the folder {target.parent} does not exist (quire creates no folders)")
    ctx.library.backup(target)
    ctx.print(f"backed up {counted(ctx.library.count(), 'paper')} to {target}")
    return 0


def cmd_config(ctx: Context) -> int:
    action = ctx.args.action
    if action == "path":
        ctx.print(str(ctx.config_path))
    elif action == "show":
        ctx.out.write(config_toml(load_config(ctx.config_path)))
    else:
        if ctx.config_path.exists() and not ctx.args.force:
            raise CommandError(f"{ctx.config_path} exists; add --force to overwrite it")
        # The commented example, so the file explains itself; it holds the defaults
        # (tests/test_polish.py checks), and it is checked here like any config.
        example = locations.example_config().read_text(encoding="utf-8")
        Config.model_validate(parse_toml(example))
        write_atomic(ctx.config_path, example)
        ctx.print(f"wrote {ctx.config_path} (every key with its default, commented)")
    return 0


def cmd_paths(ctx: Context) -> int:
    paths = {
        "config": ctx.config_path,
        "data": ctx.data_dir,
        "library": locations.library_file(ctx.data_dir),
        "cache": locations.cache_dir(),
        "errors": locations.error_log(),
        "themes": locations.user_themes_dir(ctx.config_path),
    }
    if ctx.args.json:
        ctx.print(json.dumps({k: str(v) for k, v in paths.items()}, ensure_ascii=False, indent=2))
        return 0
    width = max(len(label) for label in paths) + 1
    for label, path in paths.items():
        ctx.print(f"{label + ':':<{width}} {path}")
    return 0


def cmd_doctor(ctx: Context) -> int:
    from quire.store.doctor import examine

    found = examine(locations.library_file(ctx.data_dir))
    for line in found.lines:
        ctx.print(line)
    for problem in found.problems:
        print(f"quire: doctor: {problem}", file=ctx.err)
    if found.healthy:
        ctx.print("no problems found")
    return 0 if found.healthy else 1
