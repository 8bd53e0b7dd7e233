"""Assemble and write ``results.json`` (contract: ``shared/spec/results.md``; extensions: docs/results.md).

The dict is built in the contract's key order, endpoints sorted by (source, position, pollutant,
metric), numbers as plain floats with NaN → null, and serialised by :func:`dumps` in one fixed
format, so that the same inputs give a byte-identical file (reliability.md promise 4).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from verify import __version__
from verify.case import Case
from verify.fsutil import atomic_write_text

SCHEMA = "verify.results/1"
DEPENDENCIES = (
    "numpy", "pandas", "scipy", "statsmodels", "pint", "openpyxl", "python-calamine", "defusedxml",
    "pydantic", "jinja2", "weasyprint", "matplotlib", "typer",
)
REPORTING_STATES = {
    "CN": {"temperature_k": 273.15, "pressure_kpa": 101.325, "dry": True},
    "JP": {"temperature_k": 273.15, "pressure_kpa": 101.325, "dry": True},
    "US-EPA": {"temperature_k": 293.15, "pressure_kpa": 101.325, "dry": True},
}


def tool_block() -> dict:
    deps = {}
    for name in DEPENDENCIES:
        try:
            deps[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            deps[name] = None
    return {"name": "verify", "version": __version__, "dependencies": deps}


def sha256_files(paths: list[Path]) -> str:
    """One SHA-256 over several files (sorted by name; each name and content length-prefixed)."""
    h = hashlib.sha256()
    for path in sorted(paths, key=lambda p: p.name):
        data = path.read_bytes()
        h.update(path.name.encode() + b"\0" + str(len(data)).encode() + b"\0" + data)
    return h.hexdigest()


def clean(value: Any) -> Any:
    """Convert numpy/pandas scalars and containers to plain JSON values; NaN/inf/NA → None."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        f = float(value)
        return f if math.isfinite(f) else None
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        return {str(k): clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, np.ndarray, pd.Series)):
        return [clean(v) for v in list(value)]
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    if isinstance(value, Path):
        return value.as_posix()
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    raise TypeError(f"cannot put {type(value).__name__} into results.json")


def dumps(results: dict) -> str:
    """The one serialisation of results.json: UTF-8, 2-space indent, no NaN, trailing newline."""
    return json.dumps(clean(results), ensure_ascii=False, indent=2, allow_nan=False) + "\n"


def write_results(results: dict, path: str | Path) -> Path:
    return atomic_write_text(path, dumps(results))


def read_results(path: str | Path) -> dict:
    from verify.errors import InputError, Location

    p = Path(path)
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError("results file does not exist", Location(file=str(p))) from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"not a valid results.json ({exc})", Location(file=str(p))) from None
    if not isinstance(data, dict) or data.get("schema") != SCHEMA:
        raise InputError(f"not a verify results file (schema is not {SCHEMA!r})", Location(file=str(p)))
    return data


def case_block(case: Case) -> dict:
    info = case.manifest.case
    text = lambda t: None if t is None else {"ja": t.ja, "zh": t.zh}  # noqa: E731
    return {
        "id": info.id,
        "conditions": info.conditions,
        "concentration_basis": info.concentration_basis,
        "input_conditions": info.input_conditions or info.conditions,
        "timezone": info.timezone,
        "title": text(info.title),
        "factory": text(info.factory),
        "location": text(info.location),
        "process": text(info.process),
        "measures": [text(m) for m in info.measures],
        "illustrative": info.illustrative,
        "reporting_state": REPORTING_STATES[info.conditions],
    }


def verification_block(case: Case) -> dict | None:
    v = case.manifest.verification
    if v is None:
        return None
    return {
        "statement_id": v.statement_id,
        "verifier": {"ja": v.verifier.ja, "zh": v.verifier.zh},
        "technology": {"ja": v.technology.ja, "zh": v.technology.zh},
        "issued": v.issued.isoformat(),
        "valid_until": v.valid_until.isoformat() if v.valid_until else None,
        "supersedes": v.supersedes,
    }


def sources_block(case: Case) -> list[dict]:
    out = []
    for s in case.manifest.source:
        out.append({
            "id": s.id, "kind": s.kind, "role": s.role,
            "name": None if s.name is None else {"ja": s.name.ja, "zh": s.name.zh},
            "height_m": s.height_m, "regime": s.regime, "special_limits": s.special_limits,
            "reference_o2_pct": s.reference_o2_pct, "o2_ambient_pct": s.o2_ambient_pct,
            "o2_cap_pct": s.o2_cap_pct, "limits": list(s.limits),
        })
    return out


def claims_config_block(case: Case) -> list[dict]:
    """The claims as declared in case.toml (the report prints them even when a verdict is missing)."""
    return [
        {"id": c.id, "source": c.source, "position": c.position, "pollutant": c.pollutant, "metric": c.metric,
         "kind": c.kind, "value": c.value, "load_pct_min": c.conditions.load_pct_min,
         "description": None if c.description is None else {"ja": c.description.ja, "zh": c.description.zh}}
        for c in case.manifest.claim
    ]
