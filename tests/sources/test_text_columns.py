"""verify.sources.layout builds the canonical text columns as Arrow strings slot by slot (and
conform converts a whole object column) with verify.sources.canonical.arrow_text_array; the
result must be exactly what ``Series.astype("string")`` (conform's own conversion) makes of the
concatenated object arrays, including the fast paths for a slot that repeats one text or is empty."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from verify.sources.canonical import _as_dtype
from verify.sources.emit import _arrow_text_column

TEXTS = st.sampled_from(["standard-dry", "C", "", "标干", "mg/m³", "a; b"]) | st.text(max_size=5)
CELL = st.none() | st.just(float("nan")) | st.just(pd.NA) | TEXTS
PIECE = st.one_of(
    st.lists(CELL, max_size=80),
    st.tuples(TEXTS, st.integers(0, 130)).map(lambda t: [t[0]] * t[1]),  # one text on every row
    st.integers(0, 130).map(lambda n: [None] * n),  # a column the slot does not have
    st.tuples(TEXTS, st.integers(65, 130)).map(lambda t: [t[0]] * (t[1] - 1) + [None]),  # constant prefix, then a gap
)


def _objects(values: list) -> np.ndarray:
    arr = np.empty(len(values), dtype=object)
    arr[:] = values
    return arr


@settings(max_examples=300, deadline=None)
@given(st.lists(PIECE, min_size=1, max_size=4))
def test_equals_astype_string(pieces):
    arrays = [_objects(p) for p in pieces]
    built = _arrow_text_column(arrays)
    expected = pd.Series(np.concatenate(arrays), dtype=object).astype("string")
    assert built is not None
    built.array._pa_array.validate(full=True)
    pd.testing.assert_series_equal(built.reset_index(drop=True), expected, check_exact=True)
    # conform's conversion of a whole object column uses the same builder
    pd.testing.assert_series_equal(_as_dtype(pd.Series(np.concatenate(arrays), dtype=object), "string"), expected,
                                   check_exact=True)


def test_non_text_cells_are_left_to_pandas():
    assert _arrow_text_column([_objects(["a", 1])]) is None
    assert _arrow_text_column([np.array([1.5, 2.5])]) is None
