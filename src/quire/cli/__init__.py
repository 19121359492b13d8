"""The command line: a thin face on the core (store, importers, search, export).

``quire`` alone opens the reader; subcommands script the same library.
Exit status: 0 done, 1 a command failed (bad input, unknown id…), 2 bad usage or config.

One module per part: ``entry`` (main, the command table, opening the reader), ``parser`` (the
arguments), ``context`` (what each command gets), ``output`` (rows, detail, JSON, queries), and
the commands by group: ``papers``, ``feeds`` (sync, add, digest), ``upkeep`` (backup, config,
paths, doctor).
"""

from quire.cli.context import CommandError, Context
from quire.cli.entry import COMMANDS, main, run_app

__all__ = ["COMMANDS", "CommandError", "Context", "main", "run_app"]
