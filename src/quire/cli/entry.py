"""Running the command line: which function runs each command, ``main`` (exit statuses and error
messages) and opening the reader when no command is given.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from typing import TextIO

from quire.cli.context import Context
from quire.cli.feeds import cmd_add, cmd_digest, cmd_sync
from quire.cli.papers import (
    _flag,
    cmd_export,
    cmd_import,
    cmd_list,
    cmd_note,
    cmd_remove,
    cmd_show,
    cmd_similar,
    cmd_tag,
    cmd_tags,
)
from quire.cli.parser import _parser, _query_words
from quire.cli.upkeep import cmd_backup, cmd_config, cmd_doctor, cmd_paths
from quire.config import ConfigError, load_config
from quire.errors import QuireError, UsageError
from quire.safe_text import safe_text

COMMANDS: dict[str, Callable[[Context], int]] = {
    "import": cmd_import,
    "list": cmd_list,
    "search": cmd_list,
    "show": cmd_show,
    "similar": cmd_similar,
    "bookmark": _flag("set_bookmarked", True, "bookmarked"),
    "unbookmark": _flag("set_bookmarked", False, "unbookmarked"),
    "read": _flag("set_read", True, "marked read"),
    "unread": _flag("set_read", False, "marked unread"),
    "tag": cmd_tag,
    "untag": cmd_tag,
    "tags": cmd_tags,
    "note": cmd_note,
    "remove": cmd_remove,
    "export": cmd_export,
    "backup": cmd_backup,
    "config": cmd_config,
    "paths": cmd_paths,
    "sync": cmd_sync,
    "add": cmd_add,
    "digest": cmd_digest,
    "doctor": cmd_doctor,
}


def main(argv: Sequence[str] | None = None, out: TextIO | None = None, err: TextIO | None = None) -> int:
    """Run quire with these arguments; returns the exit status."""
    out = out or sys.stdout
    err = err or sys.stderr
    parser = _parser()
    args, extra = parser.parse_known_args(argv)
    if extra:
        _query_words(parser, args, extra)
    ctx = Context(args, out, err)
    try:
        if args.command is None:
            return run_app(ctx)
        return COMMANDS[args.command](ctx)
    except ConfigError as error:
        print(f"quire: invalid config {error.path}:", file=err)
        for problem in error.problems:
            print(f"  - {problem}", file=err)
        return 2
    except QuireError as error:
        print(safe_text(f"quire: {error}", multiline=True), file=err)
        return error.exit_code
    except BrokenPipeError:
        return 0
    finally:
        ctx.close()


def run_app(ctx: Context) -> int:
    """Open the reader (config errors are reported before anything is drawn)."""
    config = load_config(ctx.config_path)
    if not (sys.stdin.isatty() and ctx.out.isatty()):
        # Without a terminal the reader would write escape codes into a pipe or file.
        raise UsageError(
            "the reader needs a terminal (standard input and output are not "
            "one); run a command instead, e.g. 'quire list' (see 'quire --help')"
        )
    from quire.app import make_app

    app = make_app(config=config, data_dir=ctx.data_dir, config_path=ctx.config_path)
    app.run()
    return int(app.return_code or 0)
