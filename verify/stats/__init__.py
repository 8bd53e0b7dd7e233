"""Statistics room: endpoint series (``verify.measure.series.EndpointData``) → statistics.

Public API (results are frozen dataclasses whose ``to_dict()`` gives the keys of
``docs/results.md``; caveats as codes with their values, claim statements left null: the
sentences are written by :mod:`verify.sentences` when the results are assembled):

* :func:`verify.stats.analysis.analyse_case` → ``CaseAnalysis``: the analysis stage of a case
  (endpoints, limits, Holm families, load comparability, claims within their envelopes, QA,
  co-benefits, campaign), which :mod:`verify.results` assembles;
* :func:`verify.stats.endpoint.analyse_endpoint` → ``EndpointStats`` (before–after, inlet–outlet,
  continuous designs; non-detects);
* :func:`verify.stats.claims.judge_claim` → ``ClaimResult``;
* :func:`verify.stats.multiplicity.holm`; :mod:`verify.stats.comparability` (production load per
  source: ``load_tost`` for runs, ``hourly_equivalence`` for continuous monitoring, ``summary``);
* :func:`verify.stats.plan.plan_runs`, :func:`verify.stats.plan.mdr_table`;
* :func:`verify.stats.continuous.hourly_values` (valid hourly means, for limit exceedances),
  :func:`verify.stats.continuous.prewhitened_hac` (HAC covariance with lags in hours),
  :func:`verify.stats.continuous.step_standard_error` (the larger of that and the day-clustered error).

Submodules are imported on demand so that ``import verify.stats`` stays cheap.
"""
