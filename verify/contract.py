"""The results.json contract as a JSON Schema (``results.schema.json`` beside this module).

The schema requires every key the results contract names (docs/results.md), with its type (and the one rule a
reader of a verdict needs: ``verified`` is true exactly when ``verdict`` is ``"verified"``), and allows
any additional key. :func:`check_results` is what ``verify report --results FILE`` and ``verify
replicate`` run on a file before they trust it; the tests run it on every results.json the tool
writes.
"""

from __future__ import annotations

import functools
import json
from importlib import resources

from verify.errors import InputError, Location
from verify.i18n import N_


@functools.cache
def results_schema() -> dict:
    with resources.files("verify").joinpath("results.schema.json").open(encoding="utf-8") as fh:
        return json.load(fh)


@functools.cache
def _validator():
    import jsonschema

    schema = results_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def key_path(parts) -> str:
    """``["claims", 0, "verdict"]`` → ``claims[0].verdict``."""
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def first_problem(data: object) -> tuple[str, str] | None:
    """(key path, what is wrong) of the first place where ``data`` breaks the contract, or None."""
    error = next(iter(_validator().iter_errors(data)), None)
    if error is None:
        return None
    parts = list(error.absolute_path)
    if error.validator == "required":
        missing = error.message.split("'")[1] if error.message.count("'") >= 2 else None
        if missing is not None:
            return key_path([*parts, missing]), "missing"
    return key_path(parts), error.message[:200]


def check_results(data: object, file: str) -> None:
    """Raise :class:`InputError` naming the first key of ``data`` that breaks the contract."""
    problem = first_problem(data)
    if problem is not None:
        where, what = problem
        raise InputError(N_("not a valid results.json: {where}: {what}", where=where, what=what), Location(file=file),
                         hint=N_("write it again with `verify analyze CASE -o results.json`"))
