"""A grid (CSV or sheet) → canonical rows + ledger entries + tally: the intake as named steps.

:func:`parse_grid` runs the steps in order, each a small function over whole columns (NumPy,
pandas' C factorisation, Arrow compute), each in its own module:

1. detect the layout and the header (:mod:`verify.sources.detect`): the role of every column,
   ``long`` or ``wide``, the data rows;
2. resolve the labels (:mod:`verify.sources.identity`): source and aliases, phase (or period),
   position, basis, run, sample, start/end, method, HJ 212 flag, reporting species; rows that cannot
   be placed are rejected;
3. classify the cells of every quantity column (:mod:`verify.sources.classify`): blank, number,
   non-detect, missing marker, invalid; formulas; units, species and the per-value columns;
4. plausibility rules (:mod:`verify.sources.plausibility`): the bounds of the one range table
   ``data/ranges.csv``, non-detects and negative values, over-range values, HJ 212 data flags
   (``T`` and the invalid-data flags F/M/S/D/C/B are kept and flagged; an unknown flag is
   rejected), hidden and edited example rows;
5. (across files, in :func:`verify.sources.read_inputs`) run-level agreement and duplicate
   measurements (:mod:`verify.sources.agreement`);
6. each row's outcome, the tally, the ledger entries and the canonical rows
   (:mod:`verify.sources.emit`).

Values follow case-format.md "What every row becomes" and docs/reliability.md#bad-inputs (see
:mod:`verify.sources.ledger` for the counting rules). Reason codes are stable strings (the
reason-code catalogue of the report, ``verify/data/reasons.csv``, declares each).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

import pandas as pd

from verify.case import Case, FileSpec, normalise_label
from verify.sources.aliases import case_pollutant_aliases, particulate_pollutants, pollutant_aliases
from verify.sources.classify import Reader, pollutant_slots, run_level_quantities, unread_columns
from verify.sources.columns import RowVerdicts
from verify.sources.detect import data_rows, detect_layout
from verify.sources.emit import canonical_rows, file_tally, ledger_entries, row_outcomes
from verify.sources.grid import SheetGrid
from verify.sources.identity import resolve_identity
from verify.sources.ledger import FileTally
from verify.sources.plausibility import HJ212Flags, row_marks, value_rules


@dataclass(frozen=True)
class CaseContext:
    """What layout parsing needs from the case."""

    sources: dict[str, str]  # normalised id/alias → source id
    tz: ZoneInfo
    periods: tuple[tuple[pd.Timestamp, pd.Timestamp, str], ...]  # UTC start, end, phase
    concentration_basis: str
    input_std_state: str  # normal | epa
    pollutants: dict[str, str] | None = None  # normalised name → key, with the case's [[pollutant]]s (None: the package's)
    particulate: frozenset[str] | None = None  # pollutant keys that are particles (None: the package's)

    @property
    def pollutant_table(self) -> dict[str, str]:
        return pollutant_aliases() if self.pollutants is None else self.pollutants

    @property
    def particles(self) -> frozenset[str]:
        return particulate_pollutants() if self.particulate is None else self.particulate

    @classmethod
    def from_case(cls, case: Case) -> "CaseContext":
        m = case.manifest
        sources = {}
        for s in m.source:
            for name in (s.id, *s.aliases):
                sources[normalise_label(name)] = s.id
        tz = case.tz
        periods = []
        for p in m.period:
            a, b = pd.Timestamp(p.start), pd.Timestamp(p.end)
            a = a.tz_localize(tz) if a.tzinfo is None else a
            b = b.tz_localize(tz) if b.tzinfo is None else b
            periods.append((a.tz_convert("UTC"), b.tz_convert("UTC"), p.phase))
        cond = m.case.input_conditions or m.case.conditions
        particulate = particulate_pollutants() | {p.key for p in m.pollutant if p.state == "particle"}
        return cls(sources, tz, tuple(periods), m.case.concentration_basis, "epa" if cond == "US-EPA" else "normal",
                   case_pollutant_aliases(m.pollutant), frozenset(particulate))


@dataclass
class ParsedSheet:
    table: pd.DataFrame  # canonical columns plus internal "_cell_*" columns (cell addresses)
    entries: pd.DataFrame
    tally: FileTally
    run_letters: dict[str, str] = field(default_factory=dict)  # run-level field → its column letter


def parse_grid(grid: SheetGrid, spec: FileSpec, ctx: CaseContext, sha256: str = "", addresses: bool = True) -> ParsedSheet:
    """Parse one grid into canonical rows (accepted/flagged), ledger entries and the file tally.
    ``addresses=False``: without the internal ``_cell_*`` columns (the chunked intake rebuilds them
    from ``run_letters`` only when a message needs them, verify.sources.chunked)."""
    layout = detect_layout(grid, spec, ctx.pollutant_table)                      # 1. layout and header
    rows = data_rows(grid, layout.data_start)
    verdicts = RowVerdicts(rows.n)
    ident = resolve_identity(layout, rows, spec, ctx, verdicts)                  # 2. labels and aliases
    reader = Reader(layout, rows, spec, ctx)
    run = run_level_quantities(reader)                                           # 3. classify cells (+ their bounds)
    slots = pollutant_slots(reader, ident, verdicts)
    flags = None if ident.flag is None else HJ212Flags(ident.flag)
    all_cells = list(run.cells.values())
    for slot in slots:                                                           # 4. plausibility rules
        slot.flag = value_rules(slot.cells, slot.aux_values("lod", rows.n), slot.aux_values("range", rows.n), slot.unit, ident.flag)
        if flags is not None:
            flags.apply(slot.cells)
        all_cells.extend([*slot.aux.values(), slot.cells])
    unread, notes = unread_columns(reader)
    all_cells.extend(unread)
    row_marks(rows, all_cells)
    rejected, flagged = row_outcomes(slots, all_cells, verdicts)                # 6. outcomes, ledger, rows
    tally = file_tally(layout, rows, all_cells, rejected, flagged, sha256)
    entries = ledger_entries(rows, all_cells, verdicts, notes)
    table = canonical_rows(rows, ident, run, slots, rejected, (ctx.concentration_basis, ctx.input_std_state), addresses)
    return ParsedSheet(table, entries, tally, {f: cells.role.letter for f, cells in run.cells.items()})
