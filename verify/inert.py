"""Text that a spreadsheet would execute, made inert (OWASP "CSV Injection", docs/platform.md#csv-injection).

One rule for every file the tool writes for spreadsheets (ledger.csv, normalized.csv/.xlsx,
summary.xlsx, the programme summary): a text cell starting with ``=``, ``+``, ``-``, ``@``, tab or
carriage return gets a leading apostrophe, unless it is a plain number (``-0.03`` is a value, not
a formula). Real numbers are never touched. The input files are never modified.
"""

from __future__ import annotations

import math
import re

import pandas as pd

DANGEROUS_START = ("=", "+", "-", "@", "\t", "\r")
PLAIN_NUMBER = r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?"
_PLAIN_NUMBER = re.compile(PLAIN_NUMBER)


def inert_text(text: str) -> str:
    """``text`` with a leading ``'`` if a spreadsheet would run it as a formula."""
    if text.startswith(DANGEROUS_START) and not _PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


def inert_cell(value):
    """A spreadsheet cell value that cannot execute (summary.xlsx, the programme summary): text as
    :func:`inert_text`; booleans and finite numbers kept (numpy scalars as Python values); None,
    ``pd.NA``, NaN and ±inf become None (an empty cell)."""
    if value is None or value is pd.NA:
        return None
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()  # numpy scalar → Python
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return value if math.isfinite(value) else None
    return inert_text(str(value))


def inert_column(col: pd.Series) -> pd.Series:
    """:func:`inert_text` over a column of text (vectorised; missing values stay missing)."""
    text = col.astype("string")
    dangerous = (text.str.startswith(DANGEROUS_START) & ~text.str.fullmatch(PLAIN_NUMBER)).fillna(False).astype(bool)
    if not dangerous.any():
        return col
    fixed = text.where(~dangerous, "'" + text)
    return fixed if col.dtype != object else fixed.astype(object).where(col.notna(), col)


def inert_arrow(text):
    """:func:`inert_column` for an Arrow text array (``pyarrow.compute``, RE2: the same pattern as
    pandas' Arrow-backed ``str.fullmatch``); missing values stay missing."""
    import pyarrow as pa
    import pyarrow.compute as pc

    risky = pc.match_substring_regex(text, "^[=+\\-@\t\r]")
    if not pc.any(risky).as_py():
        return text
    plain = pc.match_substring_regex(text, f"^(?:{PLAIN_NUMBER})$")
    dangerous = pc.and_(risky, pc.invert(plain))
    quote, empty = pa.scalar("'", text.type), pa.scalar("", text.type)
    return pc.if_else(dangerous, pc.binary_join_element_wise(quote, text, empty), text)
