"""Step 4 of the intake: plausibility rules over whole columns of classified cells.

* Bounds: every row of the one range table (``data/ranges.csv``, :mod:`verify.sources.ranges`, each
  row with its source) applies to every cell of its quantity: impossible values are rejected
  (O2 outside [0, 21) %, moisture outside [0, 100) %, flow ≤ 0, absolute pressure ≤ 0, temperature
  at or below −273.15 °C, a load below 0, a detection limit or range ≤ 0, a negative lab-reported
  O2-corrected value or rate, a mixing ratio above the pure gas, a mass concentration denser than
  any pure gas), implausible ones flagged (a pressure outside 50–150 kPa).
* Measured values (:func:`value_rules`): a non-detect takes its limit from the cell, else from the
  row's ``lod``, else is flagged without a limit; a negative concentration with a detection limit is
  flagged, kept unclipped and censored, without one rejected; a value above the instrument ``range``
  is flagged and gets the HJ 212-2017 flag ``T``.
* HJ 212-2017 data flags (:func:`hj212_flags`): ``N`` valid; ``T`` over range, flagged; ``F``
  (instrument stopped: missing data, not a stopped source), ``M`` maintenance, ``S`` set value
  entered by hand, ``D`` fault, ``C`` calibration, ``B`` communication fault mark invalid data, normal
  in CEMS exports: the reading is kept and flagged, counted as invalid and never averaged (HJ 75-2017
  / HJ 212-2017); only a flag that is not an HJ 212-2017 flag is rejected.
* Rows hidden in a workbook, and example rows of a ``verify new`` workbook edited in place
  (:mod:`verify.sources.examples`): every value in them flagged (:func:`row_marks`).
"""

from __future__ import annotations

import numpy as np

from verify.sources.columns import FLAGGED, REJECTED, CellStates, map_codes
from verify.sources.detect import DataRows
from verify.sources.ranges import ranges_for

#: HJ 212-2017 data flags: N valid; T over range (kept, flagged); the others mark invalid data (kept, flagged).
HJ212_VALID, HJ212_KEPT, HJ212_INVALID = {"N"}, {"T"}, {"F", "M", "S", "D", "C", "B"}
#: The ledger detail of a value in an example row that was edited in place (verify.sources.examples).
EDITED_EXAMPLE_DETAIL = ("an example row of the verify new workbook with its values changed: read as a measurement; "
                         "delete the example rows you do not use")


def check_ranges(cells: CellStates, field: str, values: np.ndarray, where: np.ndarray, units: np.ndarray | None = None) -> None:
    """Reject or flag (the row's action) the cells in ``where`` outside a row of the range table
    (:mod:`verify.sources.ranges`) for ``field``; ``units``: the unit key of each cell, for the rows
    that bound one unit (the measured ``value``)."""
    for r in ranges_for(field):
        mask = where & r.outside(values)
        if units is not None:
            mask &= units == r.unit
        cells.mark(mask, REJECTED if r.action == "reject" else FLAGGED, r.reason, r.detail)


def nondetect_limits(vcells: CellStates, lod: np.ndarray) -> None:
    """A non-detect's limit: from the cell (``<0.5``), else the row's ``lod``, else none (flagged)."""
    nd = (vcells.kind == "nondetect") & (vcells.status == FLAGGED)
    take_lod = nd & np.isnan(vcells.limit) & ~np.isnan(lod)
    vcells.value[take_lod] = lod[take_lod]
    vcells.limit[take_lod] = lod[take_lod]
    vcells.detail[take_lod] = "non-detect; limit from the lod column"
    no_limit = nd & np.isnan(vcells.limit)
    vcells.recode(no_limit, "nondetect", "nondetect_no_limit")
    vcells.detail[no_limit] = "non-detect without a limit and no lod in the row"


def value_rules(vcells: CellStates, lod: np.ndarray, rng: np.ndarray, ukey: np.ndarray, flag: np.ndarray | None) -> np.ndarray:
    """The rules for measured values (module docstring); returns the HJ 212 flag of each row
    (``T`` added where the value is over the range and the row has no flag)."""
    nondetect_limits(vcells, lod)
    has_lod = ~np.isnan(lod)
    num = (vcells.kind == "number") & vcells.usable
    neg = num & (vcells.value < 0)
    vcells.mark(neg & has_lod, FLAGGED, "negative_below_lod", "negative value kept unclipped and treated as < lod")
    vcells.censored[neg & has_lod] = True
    vcells.mark(neg & ~has_lod, REJECTED, "negative_no_lod", "a negative concentration without a detection limit")
    check_ranges(vcells, "value", vcells.value, vcells.usable, ukey)
    over = vcells.usable & ~np.isnan(rng) & (vcells.value > rng)
    vcells.mark(over, FLAGGED, "over_range", "value above the instrument range (HJ 212 flag T)")
    flag_out = np.full(len(vcells.value), None, dtype=object) if flag is None else flag.copy()
    flag_out[over & (flag_out == None)] = "T"  # noqa: E711
    return flag_out


class HJ212Flags:
    """The HJ 212 flag column classified once per distinct flag (the same for every pollutant slot)."""

    def __init__(self, flag: np.ndarray):
        self.present = flag != None  # noqa: E711
        self.known = map_codes(flag, lambda v: v in HJ212_VALID | HJ212_KEPT | HJ212_INVALID).astype(bool)
        self.kept = map_codes(flag, lambda v: v in HJ212_KEPT).astype(bool)
        self.invalid = {f: map_codes(flag, lambda v, f=f: v == f).astype(bool) for f in sorted(HJ212_INVALID)}

    def apply(self, vcells: CellStates) -> None:
        vcells.mark(self.present & self.kept, FLAGGED, "flag_T", "HJ 212 flag T (over range)")
        for f, is_f in self.invalid.items():
            vcells.mark(self.present & is_f, FLAGGED, f"flag_{f}", f"HJ 212 flag {f}: invalid data, counted and not used")
        vcells.mark(self.present & ~self.known, REJECTED, "unknown_flag", "flag is not an HJ 212-2017 data flag")


def row_marks(rows: DataRows, all_cells: list[CellStates]) -> None:
    """Every value in a hidden row, or in an edited example row, flagged."""
    grid = rows.grid
    if grid.hidden_rows:
        hidden = rows.in_rows(grid.hidden_rows)
        for cells in all_cells:
            cells.mark(hidden, FLAGGED, "hidden_row", "row is hidden in the workbook")
    if grid.edited_example_rows:
        edited = rows.in_rows(grid.edited_example_rows)
        for cells in all_cells:
            cells.mark(edited, FLAGGED, "example_row_edited", EDITED_EXAMPLE_DETAIL)
