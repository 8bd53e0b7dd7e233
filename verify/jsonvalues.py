"""Plain JSON values from what the stages compute: the one cleaner of results.json.

:func:`clean` turns numpy and pandas scalars and containers into Python's ``bool``, ``int``,
``float``, ``str``, ``list`` and ``dict``, every missing or non-finite number (None, NaN, ±inf,
``pd.NA``, ``NaT``) into ``None``, and an object with a ``to_dict()`` into its dict; anything else is
refused (``TypeError``), so that nothing reaches results.json that ``json.dumps`` would write in
another form on another machine (docs/reliability.md#promises, promise 4).

This module depends on numpy and pandas only, so every stage may use it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd


def clean(value: Any) -> Any:
    """``value`` as plain JSON values (see the module docstring)."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        f = float(value)
        return f if math.isfinite(f) else None
    if isinstance(value, str):
        return value
    if isinstance(value, Mapping):
        return {str(k): clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, np.ndarray, pd.Series)):
        return [clean(v) for v in list(value)]
    if isinstance(value, (pd.Timestamp, dt.datetime, dt.date)):
        return value.isoformat()
    if isinstance(value, Path):
        return value.as_posix()
    if hasattr(value, "to_dict") and not isinstance(value, pd.DataFrame):
        return clean(value.to_dict())
    with contextlib.suppress(TypeError, ValueError):  # pd.isna of an array-like or an odd object
        if pd.isna(value):
            return None
    raise TypeError(f"cannot put {type(value).__name__} into results.json")
