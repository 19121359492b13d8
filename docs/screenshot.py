"""Regenerate docs/screenshot.svg with Textual's own screenshot support.

Run: python docs/screenshot.py   (uses a temporary library holding the bundled sample)
"""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path

from quire.app import make_app
from quire.config import Config
from quire.importers import import_path
from quire.locations import sample_files
from quire.store import Library

HERE = Path(__file__).resolve().parent


async def main() -> None:
    """Open the reader on the sample, search, and save the screen."""
    with tempfile.TemporaryDirectory() as folder:
        library = Library(Path(folder) / "library.sqlite3")
        for sample in sample_files():
            import_path(library, sample)
        pid = library.resolve(library.get_papers(library.all_pids()[:1])[0].id)
        library.add_tags([pid], ["to-read"])
        app = make_app(Config(), config_path=Path(folder) / "config.toml", library=library,
                       import_sample_if_new=False)
        async with app.run_test(size=(150, 40)) as pilot:
            while app.index is None:
                await pilot.pause(0.1)
            await pilot.press("slash", *"reinforcement learning reason", "enter", "j")
            for _ in range(3):
                await pilot.pause(0.3)
                await app.workers.wait_for_complete()
            app.save_screenshot(str(HERE / "screenshot.svg"))


if __name__ == "__main__":
    asyncio.run(main())
