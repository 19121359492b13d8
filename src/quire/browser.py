"""Opening a link in the user's browser command, without a shell and without injection."""

from __future__ import annotations

import re
import shlex

# What quire's own URL builders (``arxiv_url``, ``search_url``) can produce: percent-encoded,
# no spaces, quotes, semicolons, dollars or braces. Anything else is refused before it runs.
_SAFE_URL = re.compile(r"^https://[A-Za-z0-9._~:/?=+%-]+$")


def browser_command(template: str, url: str) -> list[str]:
    """The argv that opens ``url`` with the configured ``browser`` command.

    The template (the user's own config) is split first, then ``{url}`` is replaced inside the
    arguments, so the URL is always exactly one argument however it is spelt; without ``{url}``
    the URL is added as the last argument. The command runs without a shell. Raises
    ``ValueError`` for a URL quire's builders could not have made, or an empty template.
    """
    if not _SAFE_URL.match(url):
        raise ValueError(f"refusing to open {url!r}: not a plain https URL")
    parts = shlex.split(template)
    if not parts:
        raise ValueError("the browser command is empty")
    if any("{url}" in part for part in parts):
        return [part.replace("{url}", url) for part in parts]
    return [*parts, url]
