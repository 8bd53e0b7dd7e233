"""verify: numbers-first verification of air-pollution measures at pilot factories.

The flow is one-way: ``sources`` (files → canonical table and intake ledger) → ``measure``
(units, reference states, mass rates, limits, QA, co-benefits) → ``stats`` (effects and tests)
→ ``results`` (results.json) → ``report`` (bilingual HTML/PDF rendered from results alone).
``pipeline`` strings the stages together; ``cli`` is a thin Typer shell over ``pipeline``.
"""

__version__ = "0.1.0"
