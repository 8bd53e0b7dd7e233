"""results.json serialisation: plain JSON numbers, NaN → null, one fixed byte format."""

import json
import math

import numpy as np
import pandas as pd
import pytest

from verify.results import clean, dumps


def test_numpy_and_pandas_values_become_plain_json():
    data = {"a": np.float64(1.5), "b": np.int64(3), "c": np.bool_(True), "d": float("nan"), "e": pd.NA,
            "f": [np.float32(0.5), None], "g": (1, 2), "h": pd.Timestamp("2026-03-01T00:00:00Z")}
    out = clean(data)
    assert out == {"a": 1.5, "b": 3, "c": True, "d": None, "e": None, "f": [0.5, None], "g": [1, 2],
                   "h": "2026-03-01T00:00:00+00:00"}
    assert type(out["b"]) is int and type(out["c"]) is bool


def test_infinite_values_are_null_not_strings():
    text = dumps({"x": float("inf"), "y": -math.inf})
    assert json.loads(text) == {"x": None, "y": None}


def test_dump_is_deterministic_and_keeps_cjk_readable():
    data = {"case": {"title": {"ja": "染色工場", "zh": "染整厂"}}, "n": [0.1 + 0.2]}
    assert dumps(data) == dumps(json.loads(dumps(data)))
    assert "染色工場" in dumps(data)
    assert dumps(data).endswith("\n")


def test_unknown_objects_are_refused():
    with pytest.raises(TypeError):
        clean({"x": object()})
