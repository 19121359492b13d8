"""Allow ``python -m quire``."""

from quire.cli import main

raise SystemExit(main())
