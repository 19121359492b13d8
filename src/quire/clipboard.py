"""Putting text on the system clipboard, and knowing whether it got there.

pyperclip is the usual library, but it reports success when ``xclip`` fails (no display, as
over SSH): it never looks at the exit status. quire must not say "Copied" when nothing was, so
it runs the same tools itself and checks them.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

# Tried in order; each with the environment it needs (a Wayland or X display), or none.
CLIPBOARD_TOOLS: tuple[tuple[tuple[str, ...], str | None], ...] = (
    (("pbcopy",), None),
    (("wl-copy",), "WAYLAND_DISPLAY"),
    (("xclip", "-selection", "clipboard"), "DISPLAY"),
    (("xsel", "--clipboard", "--input"), "DISPLAY"),
    (("clip.exe",), None),
)
COPY_TIMEOUT = 3.0


def copy_to_system_clipboard(text: str) -> str | None:
    """Copy ``text`` with the first clipboard tool that works here; its name, or ``None`` when
    none is installed or none succeeded. Blocks up to a few seconds: call it from a worker."""
    for argv, needs in CLIPBOARD_TOOLS:
        if argv[0] == "pbcopy" and sys.platform != "darwin":
            continue
        if needs and not os.environ.get(needs):
            continue
        path = shutil.which(argv[0])
        if path is None:
            continue
        try:
            # No pipes back: wl-copy and xclip leave a child serving the clipboard, which
            # would hold a pipe open and make run() wait for it.
            done = subprocess.run(
                [path, *argv[1:]],
                input=text.encode("utf-8"),
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                timeout=COPY_TIMEOUT,
                check=False,
            )
        except (OSError, subprocess.SubprocessError):
            continue
        if done.returncode == 0:
            return argv[0]
    return None
