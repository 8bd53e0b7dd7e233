"""``verify batch``: many case folders, one Dask task per case, and a programme summary.

- :mod:`verify.batch.discover`: find the case folders under the given paths.
- :mod:`verify.batch.task`: the per-case task run on a Dask worker (``verify.pipeline.run``).
- :mod:`verify.batch.orchestrate`: a LocalCluster or an existing scheduler; progress; failures isolated.
- :mod:`verify.batch.summary`: programme rows and totals from the cases' ``results.json`` alone.
- :mod:`verify.batch.programme`: summary.csv, summary.xlsx, programme.html and programme.pdf.
- :mod:`verify.batch.command`: :func:`batch_command`, what the CLI's ``verify batch`` calls.
"""

from verify.batch.discover import discover_cases
from verify.batch.task import CaseRecord, run_case

__all__ = ["CaseRecord", "discover_cases", "run_case"]
