"""Emission arithmetic: canonical table → normalized table → endpoint series, limits, QA, co-benefits.

Modules (one job each):

* ``units`` — the one pint registry ``ureg``, canonical unit keys, ``check_dimension``.
* ``constants`` (+ ``data/species.csv``, ``data/atomic_weights.csv``) — R, reference states, molar
  masses, carbon numbers.
* ``conversions`` — pure vectorised formulas (ppmv↔mg/m3, as-C, states, wet/dry, O2, rates).
* ``normalize`` — ``normalize(table, case)``: every value at the reporting state, dry gas.
* ``endpoints`` — ``build_endpoints(normalized, case)`` → ``series.EndpointData``.
* ``limits`` (+ ``data/limits/*.toml``) — catalogue, ``applicable_limits``, ``judge``.
* ``adminarea`` (+ ``data/gbt2260_provinces.toml``) — GB/T 2260 codes: which area covers which.
* ``binding`` — whether a limit binds the plant in a phase (force, jurisdiction, date, precedence).
* ``qa`` — ``run_checks(normalized, case)``: the QA findings (their sentences: :mod:`verify.sentences`).
* ``cobenefits`` (+ ``data/ipcc_fuels.csv``) — ``compute(case, mass_rate_means)``.
* ``export`` — ``write_table(frame, path)`` for ``verify normalize``.
"""
