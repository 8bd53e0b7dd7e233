"""Test-wide settings: a private matplotlib cache (platform.md §2), no colour, fixed width."""

import os
import tempfile

os.environ.setdefault("MPLCONFIGDIR", tempfile.mkdtemp(prefix="verify-mpl-"))
os.environ["NO_COLOR"] = "1"
os.environ["COLUMNS"] = "200"
os.environ.setdefault("TERM", "dumb")
