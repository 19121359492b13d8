"""The index build's worker process (``python -m quire.search.build_worker``).

It reads tasks (pickled ``prepare_range`` arguments) from stdin and writes each one's result,
``("ok", Prepared)`` or ``("error", message)``, to stdout, in order, until stdin closes. See
``quire.search.build`` for the side that starts it.
"""

from __future__ import annotations

import os
import pickle
import signal
import sys


def main() -> None:
    """Serve tasks until stdin closes."""
    # Only the parent decides when a build stops (ctrl+c reaches the whole process group).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # Results get stdout's pipe to themselves: anything printed goes to stderr instead.
    results = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    tasks = sys.stdin.buffer

    from quire.search.build import prepare_range

    while True:
        try:
            task = pickle.load(tasks)
        except EOFError:
            return
        try:
            result: tuple[str, object] = ("ok", prepare_range(*task))
        except Exception as error:  # sent back: the parent prepares the range itself
            result = ("error", f"{type(error).__name__}: {error}")
        try:
            pickle.dump(result, results, protocol=pickle.HIGHEST_PROTOCOL)
            results.flush()
        except BrokenPipeError:
            return  # the parent is gone


if __name__ == "__main__":
    main()
