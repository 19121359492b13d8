"""The Textual reader (the only part of quire that imports Textual)."""

from quire.app.factory import make_app

__all__ = ["make_app"]
