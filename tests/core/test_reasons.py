"""The reason-code catalogue (verify/data/reasons.csv) against the code base.

The codes are collected by reading the source (``ast``), not from what one case happens to emit:
every call that records a ledger reason, a QA check or a caveat is found by the name of the function
it calls, and its code argument is resolved to string constants (a literal, either branch of a
conditional, a name bound to literals in the same function, an f-string over a known set). A code
argument that cannot be resolved fails the test too, so that a new way of emitting a code cannot slip
past it.
"""

from __future__ import annotations

import ast
import csv
from pathlib import Path

import pytest

import verify
from verify.reasons import LANGS, catalogue, reason_text, split_codes, unknown_codes
from verify.sources.plausibility import HJ212_INVALID

ROOT = Path(verify.__file__).parent
#: The stages whose codes reach the ledger, the QA list and the caveats.
SCANNED = ("sources", "measure", "stats")

#: Functions that record a code: name → (position of the code argument, keyword of it).
EMITTERS = {
    "mark": (2, "reason"),          # CellStates.mark(mask, outcome, code, detail): value flags and rejections
    "recode": (2, "new"),           # CellStates.recode(mask, old, new): a more specific code for some cells
    "reject": (1, "code"),          # RowVerdicts.reject(mask, code, detail, col): row rejections of the intake's steps
    "CellOutcome": (4, "reason"),   # the cell converter's verdict on a value cell
    "DateOutcome": (2, "reason"),   # the cell converter's verdict on a date cell
    "caveat": (0, "code"),          # statistical caveats
    "_item": (0, "check"),          # QA checks
}
#: f-string codes: the literal prefix → the values its placeholder takes (from the code itself).
FSTRING_CODES = {"flag_": sorted(HJ212_INVALID)}
#: Code arguments that are names bound by a call, with the functions whose codes reach them (scanned
#: below as ``return None, <code>, …`` tuples of the modules in RETURNS_CODES).
PASSED_ON = {("cells.py", "reason"), ("classify.py", "c")}
#: Modules whose ``return None, <code>, <detail>`` tuples hand a reason code to the caller
#: (cells.py: the number and date converters; species.py: the reporting-species rules).
RETURNS_CODES = {"cells.py", "species.py"}
#: Code arguments read from a data file's rows: (module, expression) → the file and its code column
#: (plausibility.py applies verify/sources/data/ranges.csv: each row rejects or flags with its ``reason``).
DATA_CODES = {("plausibility.py", "r.reason"): ("sources/data/ranges.csv", "reason")}


def _data_codes(path: str, column: str) -> set[str]:
    with open(ROOT / path, encoding="utf-8", newline="") as fh:
        rows = [line for line in fh if not line.startswith("#")]
    return {row[column] for row in csv.DictReader(rows) if row[column]}


def _functions(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            yield node


def _bindings(func: ast.AST, name: str) -> list[ast.AST] | None:
    """Expressions bound to ``name`` in ``func`` by assignment or by a ``for`` over literal tuples."""
    found: list[ast.AST] = []
    for node in ast.walk(func):
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name) and target.id == name:
                    found.append(node.value)
        elif isinstance(node, ast.For) and isinstance(node.iter, (ast.Tuple, ast.List)):
            target = node.target
            if isinstance(target, ast.Name) and target.id == name:
                found.extend(node.iter.elts)
            elif isinstance(target, ast.Tuple):
                for i, elt in enumerate(target.elts):
                    if isinstance(elt, ast.Name) and elt.id == name:
                        found.extend(item.elts[i] for item in node.iter.elts if isinstance(item, ast.Tuple))
    return found or None


_MODULE_CONSTANTS: dict[str, str] = {}


def _resolve(expr: ast.AST, func: ast.AST | None, where: str, unresolved: list[str]) -> set[str]:
    if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
        return {expr.value} if expr.value else set()  # "" = no reason (a clean cell)
    if isinstance(expr, ast.IfExp):
        return _resolve(expr.body, func, where, unresolved) | _resolve(expr.orelse, func, where, unresolved)
    if isinstance(expr, ast.JoinedStr):
        head = expr.values[0]
        if isinstance(head, ast.Constant) and head.value in FSTRING_CODES and len(expr.values) == 2:
            return {head.value + v for v in FSTRING_CODES[head.value]}
    if isinstance(expr, ast.Name) and func is not None:
        if (where.split(":")[0].rsplit("/", 1)[-1], expr.id) in PASSED_ON:
            return set()
        bound = _bindings(func, expr.id)
        if bound:
            return set().union(*(_resolve(b, func, where, unresolved) for b in bound))
    data = DATA_CODES.get((where.split(":")[0].rsplit("/", 1)[-1], ast.unparse(expr)))
    if data:
        return _data_codes(*data)
    if isinstance(expr, ast.Name) and expr.id in _MODULE_CONSTANTS:
        return {_MODULE_CONSTANTS[expr.id]}
    unresolved.append(f"{where}: {ast.unparse(expr)}")
    return set()


def _where_codes(expr: ast.AST, func, where: str, unresolved: list[str]) -> set[str]:
    """Codes assigned to a whole column's cells: ``cells.reason = np.where(mask, "code", "")``
    (``.astype(...)`` around it) or ``np.full(n, "code")``; ``nf["reason"]`` is the number
    converter's array (cells.py's codes, scanned as its returns)."""
    if isinstance(expr, ast.Subscript):
        return set()
    if isinstance(expr, ast.Call) and _call_name(expr) == "astype" and isinstance(expr.func, ast.Attribute):
        expr = expr.func.value
    if isinstance(expr, ast.Call) and _call_name(expr) == "full" and len(expr.args) >= 2:  # every cell one code ("" = none)
        return _resolve(expr.args[1], func, where, unresolved)
    if isinstance(expr, ast.Call) and _call_name(expr) == "where" and len(expr.args) == 3:
        return _resolve(expr.args[1], func, where, unresolved) | _resolve(expr.args[2], func, where, unresolved)
    unresolved.append(f"{where}: {ast.unparse(expr)}")
    return set()


def _call_name(call: ast.Call) -> str | None:
    if isinstance(call.func, ast.Name):
        return call.func.id
    if isinstance(call.func, ast.Attribute):
        return call.func.attr
    return None


def emitted_codes() -> tuple[set[str], list[str]]:
    """(every code the scanned stages can emit, the code arguments that could not be resolved)."""
    codes: set[str] = set()
    unresolved: list[str] = []
    for stage in SCANNED:
        for path in sorted((ROOT / stage).glob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            rel = f"{stage}/{path.name}"
            _MODULE_CONSTANTS.clear()  # NAME = "text" at module level (e.g. species.NO_SPECIES)
            for node in tree.body:
                if (isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)
                        and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)):
                    _MODULE_CONSTANTS[node.targets[0].id] = node.value.value
            # node → its innermost enclosing function (ast.walk yields outer functions first)
            owner = {id(n): f for f in _functions(tree) for n in ast.walk(f)}
            for node in ast.walk(tree):
                func = owner.get(id(node))
                if isinstance(node, ast.Call) and _call_name(node) in EMITTERS:
                    pos, kw = EMITTERS[_call_name(node)]
                    arg = next((k.value for k in node.keywords if k.arg == kw), None)
                    if arg is None and len(node.args) > pos:
                        arg = node.args[pos]
                    if arg is None:
                        continue  # e.g. a DateOutcome without a reason (a clean date)
                    codes |= _resolve(arg, func, f"{rel}:{node.lineno}", unresolved)
                elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                      and node.func.attr == "append" and isinstance(node.func.value, ast.Name)
                      and node.func.value.id == "notes" and stage == "sources" and path.name == "cells.py"):
                    codes |= _resolve(node.args[0], func, f"{rel}:{node.lineno}", unresolved)  # ledger notes
                elif (isinstance(node, ast.keyword) and node.arg == "notes" and stage == "sources"
                      and isinstance(node.value, ast.Tuple)):
                    for elt in node.value.elts:
                        codes |= _resolve(elt, func, f"{rel}", unresolved)
                elif (isinstance(node, ast.Assign) and stage == "sources" and len(node.targets) == 1
                      and isinstance(node.targets[0], ast.Attribute) and node.targets[0].attr == "reason"):
                    codes |= _where_codes(node.value, func, f"{rel}:{node.lineno}", unresolved)
                elif isinstance(node, ast.Dict) and stage == "sources":  # an entries row written as a dict
                    for key, value in zip(node.keys, node.values):
                        # a literal code; arrays of codes (cells.reason[idx]) were filled by mark/reject_rows
                        if isinstance(key, ast.Constant) and key.value == "reason" and isinstance(value, ast.Constant):
                            codes |= _resolve(value, func, f"{rel}:{node.lineno}", unresolved)
                elif (isinstance(node, ast.Return) and isinstance(node.value, ast.Tuple)
                      and len(node.value.elts) == 3 and isinstance(node.value.elts[0], ast.Constant)
                      and node.value.elts[0].value is None and path.name in RETURNS_CODES):
                    codes |= _resolve(node.value.elts[1], func, f"{rel}:{node.lineno}", unresolved)
    return codes, unresolved


@pytest.fixture(scope="module")
def scanned():
    return emitted_codes()


def test_every_code_the_code_base_can_emit_is_in_the_catalogue(scanned):
    codes, unresolved = scanned
    assert not unresolved, "code arguments the scan cannot resolve (teach the test, or use a literal):\n" + "\n".join(unresolved)
    missing = sorted(codes - set(catalogue()))
    assert not missing, f"codes emitted by the code base but missing from verify/data/reasons.csv: {missing}"


def test_the_scan_finds_codes_of_every_kind(scanned):
    """The scanner itself works: it finds known codes of each kind (a broken scan finding nothing
    would make the test above pass vacuously)."""
    codes, _ = scanned
    assert {"nondetect", "missing_marker", "o2_impossible", "no_phase", "flag_M", "flag_T", "bad_date",
            "non_ascii_digits", "zero_width_removed", "excel_serial_date_1904", "nondetect_no_limit", "example_row", "example_row_edited"} <= codes  # ledger
    assert {"min_runs", "o2_range", "moisture", "lab_o2ref", "lab_rate", "same_method"} <= codes  # QA
    assert {"small_n", "exact_min_p", "invalid_hours", "continuous_design"} <= codes  # caveats
    assert len(codes) >= 80


def test_catalogue_has_no_code_nothing_emits(scanned):
    """Every declared code can be emitted (a stale row would hide a renamed code)."""
    codes, _ = scanned
    assert sorted(set(catalogue()) - codes) == []


def test_every_code_has_text_in_three_languages_and_a_promise():
    for reason in catalogue().values():
        for lang in LANGS:
            assert getattr(reason, lang).strip(), (reason.code, lang)
        assert reason.promise.isdigit() and 1 <= int(reason.promise) <= 13, reason.code
        assert reason.kind in {"ledger", "note", "qa", "caveat"}, reason.code
        assert "_" not in reason.ja + reason.zh, reason.code  # no code leaks into the texts


def test_reason_text_by_code_and_language():
    assert reason_text("nondetect", "ja") == "不検出（検出下限未満）"
    assert reason_text("nondetect", "zh") == "未检出（低于检出限）"
    assert reason_text("flag_M", "en") == "HJ 212 flag M: instrument under maintenance (not used)"
    # HJ 212-2017 §6.6.4 Table 8: F is the instrument stopped (missing data), never a stopped source
    assert reason_text("flag_F", "zh") == "HJ 212 标记 F：在线监控（监测）仪器仪表停运（缺失数据）"
    assert "排出源" not in reason_text("flag_F", "ja") and "排放源" not in reason_text("flag_F", "zh")
    # a joined note: both codes, in order, with the language's separator
    assert reason_text("zero_width_removed; nfkc", "zh") == "已删除零宽字符及书写方向控制字符；全角字符等已规范化（NFKC）"
    assert reason_text("not_declared", "ja") == "not_declared"
    with pytest.raises(ValueError):
        reason_text("nondetect", "fr")


def test_split_and_unknown_codes():
    assert split_codes("a; b") == ["a", "b"] and split_codes(None) == [] and split_codes("") == []
    assert unknown_codes(["nondetect", "nfkc; made_up", None]) == ["made_up"]


def test_the_ledger_refuses_an_undeclared_code():
    from verify.sources.ledger import FileTally, Ledger, entries_frame

    tally = FileTally(file="f.csv", sheet=None, sha256="0" * 64, rows=1, flagged=1, values=1, values_flagged=1)
    entries = entries_frame({"file": ["f.csv"], "row": [2], "outcome": ["flagged"], "reason": ["made_up"]})
    with pytest.raises(AssertionError, match="made_up"):
        Ledger().add(tally, entries)
