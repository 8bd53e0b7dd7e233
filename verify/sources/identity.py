"""Step 2 of the intake: resolve the labels that identify each reading, and reject rows without one.

``source`` (case source ids and ``aliases``, compared by :func:`verify.case.normalise_label`),
``phase`` (``labels.csv``; else the ``[[period]]`` that holds ``start``), ``position``, ``basis``,
``run``, ``sample``, ``start``/``end``, ``method``, the HJ 212 ``flag`` and the reporting species
``as``. Each label column is read once per distinct text (:class:`verify.sources.columns.CodedLabels`).
Unknown source, phase, position, basis or species labels are an :class:`~verify.errors.InputError`
listing them (they are a case.toml matter, not a cell's); a blank one rejects the row. Summary rows
(a run or sample called 均值/平均値/mean/max …) are rejected: a mean is not a run. A row without any
quantity cell (a footnote under the table) is rejected before its labels are read, so that
"注：ND表示未检出" is not an unknown phase label.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from verify.errors import InputError, Location
from verify.i18n import N_, Msg
from verify.sources.aliases import labels, norm
from verify.sources.canonical import LABEL_FIELDS
from verify.sources.cells import parse_datetime_series
from verify.sources.columns import CodedLabels, RowVerdicts
from verify.sources.detect import DataRows, Layout
from verify.sources.headers import NUMERIC_FIELDS
from verify.sources.species import known_species, label_species

SUMMARY_LABELS = frozenset(
    norm(x) for x in ("均值", "平均值", "平均", "平均値", "mean", "average", "avg", "最大值", "最大値", "最小值", "最小値",
                      "max", "min", "合计", "合計", "total", "小计", "小計", "標準偏差", "标准偏差")
)
#: The error for the unknown labels of each label column (filled in with ``labels``).
UNKNOWN_LABELS = {
    "source": N_("unknown source label(s): {labels}"),
    "phase": N_("unknown phase label(s): {labels}"),
    "position": N_("unknown position label(s): {labels}"),
    "basis": N_("unknown basis label(s): {labels}"),
    "as": N_("unknown as label(s): {labels}"),
}


@dataclass
class Identity:
    """The resolved labels of every data row (object arrays; None where a row has none)."""

    source: np.ndarray
    phase: np.ndarray
    position: np.ndarray
    basis: np.ndarray
    run: np.ndarray
    sample: np.ndarray
    starts: pd.Series | None  # UTC timestamps, or None without a start column
    ends: pd.Series | None
    method: np.ndarray | None
    flag: np.ndarray | None  # upper-cased HJ 212 flags
    as_keys: np.ndarray | None  # the ``as`` column's species keys
    has_value: np.ndarray  # the row has a quantity cell


class _Labels:
    """Reading label columns of one grid: the column's texts, or the file's default."""

    def __init__(self, layout: Layout, rows: DataRows):
        self.layout, self.rows = layout, rows
        self.has_value = _rows_with_quantity(layout, rows)

    def text(self, field: str) -> CodedLabels | None:
        return label_column(self.layout, self.rows, field)

    def none(self) -> np.ndarray:
        return np.full(self.rows.n, None, dtype=object)

    def resolve(self, field: str, table: dict[str, str], hint: Msg) -> np.ndarray | None:
        """The column's texts mapped through ``table`` (normalised keys); unknown labels are an error."""
        texts = self.text(field)
        if texts is None:
            return None
        unknown = sorted(set(texts.where(lambda u: u is not None and table.get(norm(u)) is None, self.has_value)))
        if unknown:
            self.unknown_error(field, unknown, texts, hint)
        return texts.map(lambda u: None if u is None else table.get(norm(u)))

    def unknown_error(self, field: str, unknown: list[str], texts: CodedLabels, hint: Msg) -> None:
        first = int(self.rows.row1[np.flatnonzero(texts.rows_with(set(unknown)) & self.has_value)[0]])
        raise InputError(
            UNKNOWN_LABELS[field].fill(labels=", ".join(repr(u) for u in unknown[:10]) + (" …" if len(unknown) > 10 else "")),
            Location(file=self.rows.grid.file, sheet=self.rows.grid.sheet, row=first, column=self.layout.letter_of(field)),
            hint=hint,
        )


def label_column(layout: Layout, rows: DataRows, field: str) -> CodedLabels | None:
    """The cleaned texts of a label column (None where blank), or the file's default for it, or None."""
    if field in layout.generic:
        return CodedLabels.of_column(rows.columns[layout.generic[field].col])
    if field in layout.defaults:
        return CodedLabels.constant(rows.n, layout.defaults[field])
    return None


def _rows_with_quantity(layout: Layout, rows: DataRows) -> np.ndarray:
    quantity_cols = {r.col for r in layout.roles if r.field in NUMERIC_FIELDS}
    has_value = np.zeros(rows.n, dtype=bool)
    for c in quantity_cols:
        has_value |= ~rows.columns[c].blank
    fwv_rows = [r for (r, c) in rows.grid.formulas_without_value if c in quantity_cols]
    if fwv_rows:
        has_value |= np.isin(rows.grid_rows, fwv_rows)
    return has_value


def resolve_identity(layout: Layout, rows: DataRows, spec, ctx, verdicts: RowVerdicts) -> Identity:
    """Step 2 (module docstring): the labels of every row; rows that cannot be placed are rejected
    in ``verdicts``, in this order (the first reason wins): no value, a formula label without a saved
    value, a bad date, no source, no phase, a summary row, no run."""
    lab = _Labels(layout, rows)
    _reject_unreadable_rows(layout, rows, lab.has_value, verdicts)
    starts = _timestamps("start", layout, rows, spec, ctx, verdicts)
    ends = _timestamps("end", layout, rows, spec, ctx, verdicts)
    known = N_("known sources and aliases: {sources}", sources=", ".join(sorted(set(ctx.sources.values()))))
    source = lab.resolve("source", ctx.sources, known)
    source = lab.none() if source is None else source
    verdicts.reject(pd.isna(source), "no_source", "source cannot be determined", layout.col_of("source"))
    phase = _phase(lab, starts, ctx, verdicts)
    position = lab.resolve("position", labels("position"), N_("use inlet/outlet, 入口/出口, 进口/出口"))
    basis = lab.resolve("basis", labels("basis"), N_("use standard-dry, standard-wet or actual-wet"))
    run, sample = _run_and_sample(lab, starts, verdicts)
    method, flag = lab.text("method"), lab.text("flag")
    flag_up = None if flag is None else flag.map(lambda v: None if v is None else str(v).upper())
    return Identity(source, phase, lab.none() if position is None else position, lab.none() if basis is None else basis,
                    run, sample, starts, ends, None if method is None else method.values(), flag_up,
                    _as_keys(lab), lab.has_value)


def _reject_unreadable_rows(layout: Layout, rows: DataRows, has_value: np.ndarray, verdicts: RowVerdicts) -> None:
    """Rows whose value cell is blank (long), rows without any quantity cell, and rows with a label
    formula that has no saved value (calamine reads it as blank: the row would be rejected without
    naming why)."""
    if layout.name == "long":
        vcol = layout.generic["value"].col
        value_blank = rows.columns[vcol].blank & ~rows.in_rows(rows.formula_rows(vcol))
        verdicts.reject(value_blank, "blank_value", "blank value cell in a long file", vcol)
    verdicts.reject(~has_value, "no_usable_value", "the row has no measured value")
    for field, mask in formula_labels(rows, layout.generic):
        verdicts.reject(mask, "formula_no_value", f"{field}: a formula without a saved value (open and save the file in Excel)",
                        layout.col_of(field))


def formula_labels(rows: DataRows, generic: dict):
    """(field, rows) of the label columns (source, phase, run, …) whose cells are formulas without a saved value."""
    if not rows.grid.formulas_without_value:
        return
    for field in LABEL_FIELDS + ("start", "end"):
        if field in generic:
            formula = rows.formula_rows(generic[field].col)
            if formula:
                yield field, rows.in_rows(formula)


def _timestamps(field: str, layout: Layout, rows: DataRows, spec, ctx, verdicts: RowVerdicts) -> pd.Series | None:
    """The ``start`` or ``end`` column in UTC; an ambiguous or invalid date rejects its row."""
    if field not in layout.generic:
        return None
    col = layout.generic[field].col
    df = parse_datetime_series(rows.cells(col), tz=ctx.tz, date_format=spec.date_format, date1904=rows.grid.date1904,
                               text=rows.columns[col].text)
    bad = (df["kind"] == "invalid").to_numpy()
    amb = bad & (df["reason"] == "ambiguous_date").to_numpy()
    why = df["detail"].to_numpy(dtype=object)
    why = np.where(why != "", f"{field}: " + why.astype(str), f"{field}: invalid date/time").astype(object)
    verdicts.reject(amb, "ambiguous_date", why, col)
    verdicts.reject(bad, "bad_date", why, col)
    return df["value"]


def _phase(lab: _Labels, starts: pd.Series | None, ctx, verdicts: RowVerdicts) -> np.ndarray:
    """The phase column through labels.csv; without one, the ``[[period]]`` that holds ``start``."""
    col = lab.layout.col_of
    phase = lab.resolve("phase", labels("phase"), N_("use before/after, 対策前/対策後, 治理前/治理后, 前/後/后"))
    if phase is not None:
        verdicts.reject(pd.isna(phase), "no_phase", "phase cannot be determined", col("phase"))
        return phase
    phase = lab.none()
    if not (ctx.periods and starts is not None):
        verdicts.reject(np.ones(lab.rows.n, dtype=bool), "no_phase", "no phase column, no defaults.phase and no [[period]]")
        return phase
    stv = pd.DatetimeIndex(starts.array)
    for a, b, ph in ctx.periods:
        phase[np.asarray((stv >= a) & (stv < b))] = ph
    has_start = ~np.asarray(stv.isna())
    verdicts.reject(has_start & pd.isna(phase), "outside_period", "start is outside every [[period]]", col("start"))
    verdicts.reject(pd.isna(phase), "no_phase", "no phase column and no start to place it in a [[period]]")
    return phase


def _run_and_sample(lab: _Labels, starts: pd.Series | None, verdicts: RowVerdicts) -> tuple[np.ndarray, np.ndarray]:
    """Run and sample texts; a summary row is rejected, and so is a row that neither run nor start identifies."""
    coded = {field: lab.text(field) for field in ("run", "sample")}
    for field, texts in coded.items():
        if texts is not None:
            summary = texts.map(lambda v: v is not None and norm(v) in SUMMARY_LABELS).astype(bool)
            verdicts.reject(summary, "summary_row", "a mean/max/total row is not a measurement", lab.layout.col_of(field))
    run, sample = (lab.none() if texts is None else texts.values() for texts in coded.values())
    no_start = np.ones(lab.rows.n, dtype=bool) if starts is None else starts.isna().to_numpy()
    verdicts.reject(pd.isna(run) & no_start, "no_run", "neither run nor start identifies the reading", lab.layout.col_of("run"))
    return run, sample


def _as_keys(lab: _Labels) -> np.ndarray | None:
    """The ``as`` column's reporting species (verify.sources.species); an unknown species is an error."""
    as_text = lab.text("as")
    if as_text is None:
        return None
    keys, unknown = label_species(as_text.values(), lab.has_value)
    if unknown:
        lab.unknown_error("as", unknown, as_text, N_("name a reporting species: {species} (or 以丙烷计, プロパン換算, as C3H8)",
                                                     species=", ".join(known_species())))
    return keys
