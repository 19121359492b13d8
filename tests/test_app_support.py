"""The test helpers themselves: waiting for the index fails loudly instead of carrying on."""

from __future__ import annotations

from pathlib import Path

import pytest

from app_support import app_on, ready
from quire.app.quire_app import QuireApp

SIZE = (120, 40)


async def test_ready_fails_when_the_index_build_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import quire.search.opening as opening

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("the index build broke")

    monkeypatch.setattr(opening, "open_index", broken)
    app = app_on(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        with pytest.raises(AssertionError, match="index was never built.*the index build broke"):
            await ready(pilot, timeout=10)


async def test_ready_fails_when_the_index_never_starts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(QuireApp, "build_index", lambda self: None)
    app = app_on(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        with pytest.raises(AssertionError, match="index was not built within 0.5 s"):
            await ready(pilot, timeout=0.5)
