"""The fingerprint of the intake's data tables: results.json ``fingerprints.aliases``.

Every CSV table of ``verify/sources/data/`` (header, pollutant, unit, species and label aliases, the
plausibility ranges) decides how a cell is read; one hash over all of them says which tables read
the inputs of a results.json.
"""

from __future__ import annotations

import hashlib
from importlib import resources


def alias_tables_sha256() -> str:
    """One SHA-256 over the CSV tables of ``verify/sources/data/``, sorted by name, each name and
    content length-prefixed (``name NUL length NUL bytes``)."""
    tables = sorted((f for f in resources.files("verify.sources").joinpath("data").iterdir()
                     if f.name.endswith(".csv") and f.is_file()), key=lambda f: f.name)
    h = hashlib.sha256()
    for table in tables:
        data = table.read_bytes()
        h.update(table.name.encode() + b"\0" + str(len(data)).encode() + b"\0" + data)
    return h.hexdigest()
