"""Opening a link in the user's browser command, without a shell and without injection, and
saying honestly whether a browser took it."""

from __future__ import annotations

import re
import shlex
import subprocess
import tempfile
import webbrowser

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


# How long a started browser command may take to fail before it counts as started. A browser
# that stays open (firefox URL) is still running then; a launcher (xdg-open, open) has usually
# handed over and exited 0; one that cannot work (no display) has exited non-zero with a reason.
BROWSER_SETTLE = 1.5
# Text-mode browsers webbrowser falls back to when there is no display: they would take over
# the terminal the reader is drawing on.
CONSOLE_BROWSERS = frozenset({"www-browser", "links", "links2", "elinks", "lynx", "w3m"})


def run_browser(argv: list[str], settle: float = BROWSER_SETTLE) -> str | None:
    """Start a browser command (no shell); ``None`` once it is running or has finished well,
    else what went wrong: why it could not start, or its exit status and the last line it wrote
    to stderr. Blocks up to ``settle`` seconds: call it from a worker thread."""
    with tempfile.TemporaryFile() as err:
        try:
            process = subprocess.Popen(
                argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err, start_new_session=True
            )
        except OSError as error:
            return f"could not run {argv[0]!r}: {error.strerror or error}"
        try:
            status = process.wait(settle)
        except subprocess.TimeoutExpired:
            return None  # still running: the browser is up
        if status == 0:
            return None
        err.seek(0)
        lines = err.read()[-4000:].decode("utf-8", "replace").strip().splitlines()
        said = f": {lines[-1].strip()}" if lines else ""
        return f"{argv[0]!r} failed (exit status {status}){said}"


def open_url(url: str, template: str = "") -> str | None:
    """Open ``url`` with the ``browser`` command of the config, else the system's browser;
    ``None`` when a browser took it, else why not (for the user). Blocks up to
    ``BROWSER_SETTLE`` seconds: call it from a worker thread."""
    if template:
        try:
            argv = browser_command(template, url)
        except ValueError as error:
            return str(error)
        return run_browser(argv)
    if not _SAFE_URL.match(url):
        return f"refusing to open {url!r}: not a plain https URL"
    try:
        controller = webbrowser.get()
    except webbrowser.Error:
        return 'no browser was found; set browser = "firefox {url}" (or yours) in the config'
    name = getattr(controller, "name", "")
    if name in CONSOLE_BROWSERS:
        return (
            f"the only browser found is {name}, which would take over this terminal; "
            'set browser = "firefox {url}" (or yours) in the config'
        )
    try:
        opened = controller.open(url)
    except (OSError, webbrowser.Error) as error:
        return f"the browser could not be started: {error}"
    return None if opened else f"the browser ({name or 'system default'}) did not take the link"
