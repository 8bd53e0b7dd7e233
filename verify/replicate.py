"""Compare a fresh results.json with a published one (``verify replicate``).

Tolerances (docs/replication.md): counts, strings, booleans, hashes and ``null`` must match
exactly; floating-point numbers within a relative tolerance (default 1e-6 on the command line:
far below any reported digit, wide enough for iterative fits such as SARIMAX, whose last digits
depend on the CPU and BLAS) with an absolute floor of 1e-12 for values near zero. The
``tool`` block (versions of verify and its dependencies) and ``reproduce`` (the command line, which
names the folder as the user typed it) are reported but never a mismatch by
itself: a different version that gives the same numbers replicates.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from verify.i18n import N_

IGNORED_PREFIXES = ("tool", "reproduce")
ABS_FLOOR = 1e-12


@dataclass(frozen=True)
class Difference:
    path: str
    expected: Any
    actual: Any
    kind: str  # value | missing | extra | type | length


@dataclass
class Replication:
    differences: list[Difference] = field(default_factory=list)
    notes: list[Difference] = field(default_factory=list)  # differences in ignored blocks
    rtol: float = 1e-6

    @property
    def ok(self) -> bool:
        return not self.differences


def _label(item: Any, index: int) -> str:
    if isinstance(item, dict):
        for keys in (("source", "position", "pollutant", "metric"), ("id",), ("check", "source", "phase"), ("file", "sheet")):
            if all(k in item for k in keys):
                return "[" + ",".join("" if item[k] is None else str(item[k]) for k in keys) + "]"
    return f"[{index}]"


def _numbers_equal(a: float, b: float, rtol: float) -> bool:
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return abs(a - b) <= max(rtol * max(abs(a), abs(b)), ABS_FLOOR)


def _walk(expected: Any, actual: Any, path: str, rtol: float, out: list[Difference]) -> None:
    if isinstance(expected, bool) or isinstance(actual, bool):
        if expected is not actual:
            out.append(Difference(path, expected, actual, "value"))
        return
    if isinstance(expected, int) and isinstance(actual, int):
        if expected != actual:
            out.append(Difference(path, expected, actual, "value"))
        return
    if isinstance(expected, (int, float)) and isinstance(actual, (int, float)):
        if not _numbers_equal(float(expected), float(actual), rtol):
            out.append(Difference(path, expected, actual, "value"))
        return
    if isinstance(expected, dict) and isinstance(actual, dict):
        for key in expected:
            sub = f"{path}.{key}" if path else key
            if key not in actual:
                out.append(Difference(sub, expected[key], None, "missing"))
            else:
                _walk(expected[key], actual[key], sub, rtol, out)
        for key in actual:
            if key not in expected:
                out.append(Difference(f"{path}.{key}" if path else key, None, actual[key], "extra"))
        return
    if isinstance(expected, list) and isinstance(actual, list):
        if len(expected) != len(actual):
            out.append(Difference(path, N_("{n} items", n=len(expected)), N_("{n} items", n=len(actual)), "length"))
        for i, (e, a) in enumerate(zip(expected, actual)):
            _walk(e, a, f"{path}{_label(e, i)}", rtol, out)
        return
    if type(expected) is not type(actual) and not (expected is None or actual is None):
        out.append(Difference(path, expected, actual, "type"))
        return
    if expected != actual:
        out.append(Difference(path, expected, actual, "value"))


def compare_results(expected: dict, actual: dict, rtol: float = 1e-6) -> Replication:
    """All differences between two results dicts, outside the ignored ``tool`` block."""
    found: list[Difference] = []
    _walk(expected, actual, "", rtol, found)
    result = Replication(rtol=rtol)
    for diff in found:
        if diff.path.split(".")[0].split("[")[0] in IGNORED_PREFIXES:
            result.notes.append(diff)
        else:
            result.differences.append(diff)
    return result
