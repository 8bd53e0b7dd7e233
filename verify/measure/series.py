"""Per-endpoint series: the contract between ``verify.measure`` and ``verify.stats``.

``verify.measure.endpoints.build_endpoints(normalized, case)`` turns the normalized table into one
:class:`EndpointData` per (source, position, pollutant, metric), sorted by that key. Statistics take
these and nothing else, so they never see files, units or reference states. See
``docs/results.md`` for the metrics and docs/architecture.md for the flow.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

import pandas as pd

class EndpointKey(NamedTuple):
    """What identifies an endpoint and orders endpoints (``docs/results.md`` "Endpoints"):
    (source, position, pollutant, metric), a missing position written ``""`` so that keys sort."""

    source: str
    position: str
    pollutant: str
    metric: str

    @classmethod
    def of(cls, source: str, position: str | None, pollutant: str, metric: str) -> EndpointKey:
        return cls(source, position or "", pollutant, metric)


@dataclass(frozen=True)
class PhaseRuns:
    """The run values of one phase, in run order (runs sorted naturally: '1' < '2' < '10').

    ``values`` are per-run means of the samples; for a censored run ``values`` holds the detection
    limit and ``censored`` is True. ``load_pct`` is the run's production load (None if not logged).
    """

    runs: tuple[str, ...]
    values: tuple[float, ...]
    censored: tuple[bool, ...]
    load_pct: tuple[float | None, ...] = ()
    flagged: tuple[bool, ...] = ()  # any input row of the run was flagged in the intake ledger
    # runs of this phase left out because a derived value is missing (the reason is in the
    # normalized table's ``missing`` column); never counted in ``n``
    excluded: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        n = len(self.runs)
        if len(self.values) != n or len(self.censored) != n:
            raise ValueError("runs, values and censored must have the same length")
        if self.load_pct and len(self.load_pct) != n:
            raise ValueError("load_pct must be empty or one per run")
        if self.flagged and len(self.flagged) != n:
            raise ValueError("flagged must be empty or one per run")

    @property
    def n(self) -> int:
        return len(self.runs)


@dataclass(frozen=True)
class PairedRuns:
    """Simultaneous inlet and outlet runs of one phase, matched by run id (mass rates, kg/h)."""

    runs: tuple[str, ...]
    inlet: tuple[float, ...]
    outlet: tuple[float, ...]
    outlet_censored: tuple[bool, ...] = ()


@dataclass(frozen=True)
class Readings:
    """Individual readings (samples) of one phase, not run means: what ``each_reading`` limits judge
    (e.g. GB 37822-2019 "any single value"). ``labels`` are ``"<run>/<sample>"``."""

    labels: tuple[str, ...]
    values: tuple[float, ...]
    censored: tuple[bool, ...]

    def __post_init__(self) -> None:
        if not (len(self.labels) == len(self.values) == len(self.censored)):
            raise ValueError("labels, values and censored must have the same length")


@dataclass(frozen=True)
class EndpointData:
    """Everything the statistics need for one endpoint.

    * ``design == "before-after"``: ``before`` and ``after`` hold run values (either may be None
      when a phase has no runs).
    * ``design == "inlet-outlet"`` (metric ``removal_efficiency``): ``before``/``after`` hold the
      per-pair efficiencies in percent, and ``paired`` maps each phase to its matched inlet/outlet
      mass rates; ``unmatched`` lists run ids left out because the other position is missing.
    * ``design == "continuous"``: ``readings`` is a frame of individual readings with columns
      ``start`` (datetime64[ns, UTC]), ``phase``, ``value`` (normalized, float), ``valid`` (bool,
      HJ 212 flag N or T and value usable), ``flag`` (string), ``load_pct`` (float, may be NaN);
      ``before``/``after`` are None until the statistics compute hourly means.
    """

    source: str
    position: str | None
    pollutant: str
    metric: str
    design: str
    unit: str  # presentation unit key: mg/m3, ppmC, kg/h, %
    as_species: str | None
    before: PhaseRuns | None = None
    after: PhaseRuns | None = None
    paired: dict[str, PairedRuns] = field(default_factory=dict)
    unmatched: tuple[str, ...] = ()
    # inlet-outlet: pairs left out because the inlet is below its detection limit ("<phase>/<run>"):
    # the efficiency is then neither bounded above nor below
    censored_inlet: tuple[str, ...] = ()
    readings: pd.DataFrame | None = None
    rule: str | None = None  # fugitive: max_downwind | downwind_minus_upwind | inplant_1h
    timezone: str | None = None  # IANA zone of the case, for hourly aggregation of readings
    # values at 0 °C, 101.325 kPa, dry (case conditions CN/JP): a caveat names mg/m³ as mg/m³N in Japanese
    normal_state: bool = False
    # before-after endpoints: each phase's individual samples, for limits with rule "each_reading"
    samples: dict[str, Readings] = field(default_factory=dict)

    @property
    def key(self) -> EndpointKey:
        return EndpointKey.of(self.source, self.position, self.pollutant, self.metric)
