"""The reliability tests import their helpers from ``relhelp.py`` beside this file."""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))


@pytest.fixture
def case_dir(tmp_path) -> Path:
    return tmp_path / "case"
