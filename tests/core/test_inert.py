"""One rule against formula injection for every spreadsheet the tool writes (OWASP "CSV Injection")."""

import pandas as pd
import pytest

from verify.inert import inert_column, inert_text


@pytest.mark.parametrize(
    "text, expected",
    [
        ("=HYPERLINK(\"http://x\",\"y\")", "'=HYPERLINK(\"http://x\",\"y\")"),
        ("+cmd", "'+cmd"), ("-x", "'-x"), ("@SUM(A1)", "'@SUM(A1)"), ("\tx", "'\tx"), ("\rx", "'\rx"),
        ("-0.03", "-0.03"), ("+12.5", "+12.5"), ("-1e-3", "-1e-3"),  # plain numbers are values, not formulas
        ("NMHC", "NMHC"), ("", ""), ("1#定型机排气筒", "1#定型机排气筒"),
    ],
)
def test_inert_text(text, expected):
    assert inert_text(text) == expected


def test_column_equals_scalar_rule_and_keeps_missing_values():
    values = ["=1+1", "-0.03", None, "abc", "-x", "@a"]
    for col in (pd.Series(values, dtype=object), pd.Series(values, dtype="string")):
        out = inert_column(col).tolist()
        assert [None if pd.isna(v) else v for v in out] == [None if v is None else inert_text(v) for v in values]
