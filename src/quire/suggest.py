"""The one wording of "did you mean": the nearest valid name for a mistyped one.

Used for unknown config keys, unknown ``[keymap]`` binding ids and unknown query filters.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable


def did_you_mean(word: str, choices: Iterable[str], shown: Callable[[str], str] = repr) -> str:
    """`` (did you mean 'bookmark'?)`` for the choice nearest ``word``, or ``""`` if none is
    near; ``shown`` writes the choice as the user would type it."""
    close = difflib.get_close_matches(word, list(choices), n=1)
    return f" (did you mean {shown(close[0])}?)" if close else ""
