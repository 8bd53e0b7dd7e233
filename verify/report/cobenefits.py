"""Co-benefits: the ``cobenefits`` block of results.json as tables, key/value lists and notes."""

from __future__ import annotations

from collections import OrderedDict

from verify.report.fmt import DASH, fmt_chem, fmt_num, fmt_plain, fmt_unit
from verify.report.lang import Lang
from verify.report.view import PHASES as _PHASES


def _is_text(value) -> bool:
    return isinstance(value, dict) and bool(value) and set(value) <= {"ja", "zh"}


def _is_quantity(value) -> bool:
    """A computed quantity as the co-benefit stage writes it: ``{value, unit, formula, inputs, source}``."""
    return isinstance(value, dict) and "value" in value and not _is_text(value)


def _is_scalar_cell(value) -> bool:
    """True when a value fits in one cell: a scalar, a text, a quantity, or a flat phase pair."""
    if value is None or isinstance(value, (str, int, float, bool)) or _is_text(value) or _is_quantity(value):
        return True
    if isinstance(value, dict):
        return len(value) <= 3 and all(_is_scalar_cell(v) and not isinstance(v, dict) or _is_quantity(v)
                                       or _is_text(v) for v in value.values())
    return False


def _cell(key, value, L: Lang) -> str:
    if _is_text(value):
        return L.text(value)
    if _is_quantity(value):
        number = value.get("value")
        text = fmt_num(number) if not isinstance(number, (dict, list)) else DASH  # computed value
        unit = fmt_unit(value.get("unit")) if value.get("unit") else ""
        return f"{text} {unit}".strip()
    if isinstance(value, dict):
        # a phase pair {before, after} inherits the parent key (so declared inputs stay declared)
        return " / ".join(f"{L.cob_label(k)} {_cell(key if k in _PHASES else k, v, L)}"
                          for k, v in value.items())
    if isinstance(value, list):
        return ", ".join(_cell(key, v, L) for v in value)
    if key == "source" and isinstance(value, str) and len(value) <= 20:
        return L.source_full(value)
    if key == "pollutant":
        return L.poll(value)
    if isinstance(value, bool):
        return L.yesno(value)
    if isinstance(value, (int, float)):
        # declared inputs (hours, NCV, factors, kW, fuel use) as given; computed values 3 s.f.
        return fmt_plain(value) if _is_declared(key) else fmt_num(value)
    return DASH if value is None else fmt_chem(str(value))


#: Co-benefit keys that hold declared inputs (case.toml [cobenefits], emission factors), printed as
#: given; every other number there is computed and printed with three significant figures.
_DECLARED_SUFFIXES = ("hours_per_year", "ncv_gj_per_t", "_per_tj", "_per_mwh", "kw", "t_per_h",
                      "production_t_per_h", "margin_pct")


def _is_declared(key) -> bool:
    return isinstance(key, str) and key.endswith(_DECLARED_SUFFIXES)


def _provenance(value, label: str, out: "OrderedDict[tuple, None]") -> None:
    """Collect (label, formula, source) of every computed quantity, for the calculation notes."""
    if _is_quantity(value):
        if value.get("formula") or value.get("source"):
            out.setdefault((label, str(value.get("formula") or ""), str(value.get("source") or "")), None)
        return
    if isinstance(value, dict) and not _is_text(value):
        for k, v in value.items():
            _provenance(v, k if k not in ("before", "after") else label, out)
    elif isinstance(value, list):
        for v in value:
            _provenance(v, label, out)


def cob_blocks(value, L: Lang, key: str | None = None) -> list[dict]:
    """Turn a co-benefits (sub)structure into blocks: table, key/value list, or text list.

    Whatever keys are present are rendered; known keys get catalogue labels, unknown keys show
    as they are. Computed quantities print as value + unit; their formulas and sources are listed
    once in a "calculation notes" block at the end (top level only).
    """
    blocks = _cob_blocks(value, L, key)
    if key is None:
        notes: "OrderedDict[tuple, None]" = OrderedDict()
        _provenance(value, "", notes)
        if notes:
            blocks.append({"type": "list", "title": L.t("cob.calc_notes"),
                           "items": [f"{L.cob_label(lab)}：{fmt_chem(f)}" + (f" — {src}" if src else "")
                                     for lab, f, src in notes]})
    return blocks


def _cob_blocks(value, L: Lang, key: str | None = None) -> list[dict]:
    title = L.cob_label(key) if key else None
    if isinstance(value, list) and value and all(isinstance(v, dict) and not _is_text(v) for v in value):
        cols: list[str] = []
        for item in value:
            cols += [k for k in item if k not in cols]
        long_text = any(isinstance(item.get(c), str) and len(item.get(c)) > 40 for item in value for c in cols)
        if long_text or len(cols) > 8:  # one key/value block per item reads better than a wide table
            return [{"type": "kv", "title": title if i == 0 else None,
                     "rows": [(L.cob_label(c), _cell(c, item.get(c), L)) for c in cols if c in item]}
                    for i, item in enumerate(value)]
        return [{"type": "table", "title": title,
                 "headers": [L.cob_label(c) for c in cols],
                 "rows": [[_cell(c, item.get(c), L) for c in cols] for item in value],
                 "numeric": [all((isinstance(item.get(c), (int, float)) and not isinstance(item.get(c), bool))
                                 or _is_quantity(item.get(c)) for item in value if item.get(c) is not None)
                             for c in cols]}]
    if isinstance(value, list):
        return [{"type": "list", "title": title, "items": [_cell(key, v, L) for v in value]}]
    if isinstance(value, dict) and not _is_text(value) and not _is_quantity(value):
        blocks, pairs = [], []
        for k, v in value.items():
            if k == "available":
                continue
            if _is_scalar_cell(v) or (isinstance(v, list) and not any(isinstance(x, dict) and not _is_text(x) for x in v)
                                      and key is not None):
                pairs.append((L.cob_label(k), _cell(k, v, L)))
            else:
                blocks += _cob_blocks(v, L, k)
        if pairs:
            blocks.insert(0, {"type": "kv", "title": title, "rows": pairs})
        return blocks
    return [{"type": "list", "title": title, "items": [_cell(key, value, L)]}]


