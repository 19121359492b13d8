"""CI smoke check, run from the installed wheel (outside the repository): start the reader headless.

It proves what an editable install cannot: the wheel carries its themes and sample library, the
reader starts on a fresh data folder with a built-in theme, draws papers and quits cleanly.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from pathlib import Path

import quire
from quire import locations
from quire.app.factory import make_app
from quire.config import Config


async def main() -> int:
    """Start the reader on a fresh library with the high-contrast theme; 0 when all held."""
    package = Path(quire.__file__).resolve().parent
    themes = locations.builtin_themes_dir().resolve()
    if package not in themes.parents:
        print(f"built-in themes come from {themes}, not from the installed package {package}")
        return 1
    with tempfile.TemporaryDirectory() as tmp:
        config = Config(theme="quire-high-contrast")
        app = make_app(config=config, data_dir=Path(tmp) / "data", config_path=Path(tmp) / "config.toml")
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause()
            theme = app.theme
            count = app.library.count()
            await pilot.press("q")
        if theme != "quire-high-contrast" or count == 0 or app.theme_problems:
            print(f"headless start: theme={theme!r} papers={count} problems={app.theme_problems}")
            return 1
        print(f"headless start: ok (theme {theme}, {count} papers, return code {app.return_code})")
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
