"""How messages count things: ``1 paper``, ``2 papers``, ``1 upvote``; never an ``(s)``.

One helper for the CLI, the reader and exports, so every message follows the same rule.
"""

from __future__ import annotations


def counted(n: int, word: str, plural: str | None = None) -> str:
    """``n`` and the noun in the number it needs: ``counted(1, "paper")`` is ``1 paper``,
    ``counted(0, "paper")`` is ``0 papers``; ``plural`` for nouns not made with ``s``."""
    return f"{n} {word if n == 1 else plural or word + 's'}"
