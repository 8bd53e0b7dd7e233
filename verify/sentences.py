"""The Japanese and Chinese sentences of results.json, written from codes and values.

The stages compute and hand on codes with their values; this module alone turns them into the
sentences the results contract asks for, from three catalogues in ``verify/data/``:

* ``claims[].statement`` (:func:`claim_statement`) and ``comparability.load_by_source[].statement``
  (:func:`load_statement`): ``statements.toml``; the plan of ``verify plan`` (:func:`plan_statement`)
  too;
* ``caveats[].text`` (:func:`caveat_text`): ``caveats.toml``;
* ``qa[].detail`` (:func:`qa_detail`): ``qa_text.toml``.

Numbers in the sentences are formatted here (:func:`fmt`, :func:`fmt_sig`, :func:`p_text`), so both
languages show the same digits; results keep every digit (``docs/results.md``: "rounded only
at presentation time"). Pollutants are named from results.json's ``pollutant_names``.

This module depends on nothing but the standard library and its catalogues, so every stage and the
report may use it.
"""

from __future__ import annotations

import math
import re
import string
import tomllib
from collections.abc import Mapping
from functools import cache
from importlib import resources

LANGS = ("ja", "zh")
PHASE_NAMES = {"before": {"ja": "対策前", "zh": "治理前"}, "after": {"ja": "対策後", "zh": "治理后"}}


@cache
def catalogue(name: str) -> dict:
    """A sentence catalogue of ``verify/data/`` (``statements``, ``caveats`` or ``qa_text``), read once."""
    raw = resources.files("verify").joinpath("data", f"{name}.toml").read_bytes()
    return tomllib.loads(raw.decode("utf-8"))


# --------------------------------------------------------------------------------------------
# Numbers as the sentences print them


def fmt(value: float | int | None, digits: int = 1) -> str:
    """A number with ``digits`` decimals, or "–" for a missing value; -0.0 prints as 0."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "–"
    text = f"{value:.{digits}f}"
    if float(text) == 0:
        text = f"{0:.{digits}f}"
    return text


def fmt_p(p: float | None) -> str:
    """A p-value: two significant digits, "<0.001" below 0.001, "–" when missing."""
    if p is None or not math.isfinite(p):
        return "–"
    if p < 0.001:
        return "<0.001"
    decimals = max(0, 1 - math.floor(math.log10(p)))
    return f"{p:.{decimals}f}"


def fmt_sig(value: float | None, sig: int = 3) -> str:
    """A number with ``sig`` significant digits (values such as concentrations)."""
    if value is None or not math.isfinite(value):
        return "–"
    return f"{value:.{sig}g}"


#: A unit key of the endpoints (verify.measure.series) as each language writes it; at the standard
#: state (0 °C, 101.325 kPa, dry) Japanese writes m³N (大気汚染防止法施行規則), Chinese mg/m³.
UNIT_TEXT = {"mg/m3": ("mg/m³", "mg/m³N"), "mgc/m3": ("mgC/m³", "mgC/m³N"), "kg/h": ("kg/h", "kg/h"),
             "ppmc": ("ppmC", "ppmC"), "%": ("%", "%")}


def unit_text(unit: str | None, lang: str, normal_state: bool) -> str:
    """``mg/m3`` → ``mg/m³`` (zh) or ``mg/m³N`` (ja, at the standard state); an unknown unit as given."""
    plain, normal = UNIT_TEXT.get(str(unit or "").lower(), (str(unit or ""), str(unit or "")))
    return normal if lang == "ja" and normal_state else plain


def fmt_limit_value(value: float, measured: bool) -> str:
    """A detection limit: as a laboratory writes it (the shortest decimal form, at least one decimal:
    1.0, 0.5, 0.05) for a measured concentration; three significant figures for a derived value (a
    mass rate at the detection limit)."""
    if not measured:
        return fmt_sig(value)
    text = repr(float(value))
    return text if "e" not in text else fmt_sig(value)


def p_text(p: float | None) -> str:
    """A p-value as printed in sentences: "p = 0.0152", "p < 0.001" or "p = –"."""
    text = fmt_p(p)
    return f"p < {text[1:]}" if text.startswith("<") else f"p = {text}"


# --------------------------------------------------------------------------------------------
# Caveats (caveats.toml)

#: A run named in a caveat's values as ``phase:run`` (``after:2``), written out in each language.
RUN_LABEL = re.compile(r"\b(before|after):([^\s,]+)")
RUN_WORDS = {"ja": "{phase}第{run}回", "zh": "{phase}第{run}次"}


def _runs_in_words(text: str, lang: str) -> str:
    """``after:2, before:1 <0.5`` → ``対策後第2回、対策前第1回 <0.5`` (ja; the list separated by 、 as
    the rest of the sentence is)."""
    words, n = RUN_LABEL.subn(lambda m: RUN_WORDS[lang].format(phase=PHASE_NAMES[m.group(1)][lang], run=m.group(2)),
                              text)
    return words.replace(", ", "、") if n else words


def caveat_placeholders(code: str) -> set[str]:
    """The values a caveat's texts need (``KeyError`` for a code the catalogue does not have)."""
    entry = catalogue("caveats")[code]
    return {name for lang in LANGS for _, name, _, _ in string.Formatter().parse(entry[lang]) if name}


def caveat_text(code: str, params: Mapping[str, str]) -> dict[str, str]:
    """A caveat's ``text`` {ja, zh}; ``phase`` (before/after) also fills ``{phase_ja}``/``{phase_zh}``,
    and a value given per language (``values_ja``, ``values_zh`` beside ``values``) fills its
    placeholder in that language (units: mg/m³N in Japanese, mg/m³ in Chinese)."""
    entry = catalogue("caveats")[code]
    values = dict(params)
    phase = values.get("phase")
    if phase in PHASE_NAMES:
        values.setdefault("phase_ja", PHASE_NAMES[phase]["ja"])
        values.setdefault("phase_zh", PHASE_NAMES[phase]["zh"])
    out = {}
    for lang in LANGS:
        own = {k: values.get(f"{k}_{lang}", v) for k, v in values.items()}
        out[lang] = entry[lang].format_map({k: _runs_in_words(str(v), lang) for k, v in own.items()})
    return out


# --------------------------------------------------------------------------------------------
# Claims and load comparability (statements.toml)


def pollutant_name(names: Mapping, key: str, lang: str) -> str:
    """A pollutant's name in ``lang`` from results.json's ``pollutant_names`` (the key when it has none)."""
    entry = names.get(key)
    return (entry.get(lang) if isinstance(entry, Mapping) else None) or key


def _claimed(value: float) -> str:
    return f"{value:g}" if float(value).is_integer() else fmt(value, 1)


def _detail_key(claim: Mapping) -> str:
    if claim["kind"] == "level":
        return "upper_p" if claim["upper_bound"] is not None and claim["p_value"] is not None else "no_test"
    if claim["p_value"] is None:
        return "no_test"
    return "bound_p" if claim["lower_bound"] is not None else "p_only"


def claim_statement(claim: Mapping, unit: str, names: Mapping) -> dict[str, str]:
    """A claim's ``statement`` {ja, zh} from its judged values (the keys of results.json ``claims[]``:
    kind, verdict, claimed, estimate, lower_bound, upper_bound, p_value, phase, n, censored_pairs,
    load_comparable), the unit of its endpoint and the ``pollutant_names`` map."""
    t = catalogue("statements")
    level = claim["kind"] == "level"
    num = fmt_sig if level else (lambda x: fmt(x, 1))
    censored = claim["censored_pairs"]
    values = {"source": claim["source"], "claimed": fmt_sig(claim["claimed"]) if level else _claimed(claim["claimed"]),
              "estimate": num(claim["estimate"]), "lower": fmt(claim["lower_bound"], 1),
              "upper": fmt_sig(claim["upper_bound"]), "p": p_text(claim["p_value"]), "unit": unit, "n": claim["n"],
              "k": len(censored)}
    out = {}
    for lang in LANGS:
        vals = dict(values, metric=t["metric"][claim["metric"]][lang],
                    pollutant=pollutant_name(names, claim["pollutant"], lang))
        if claim["phase"] is not None:
            vals["phase"] = PHASE_NAMES[claim["phase"]][lang]
        vals["detail"] = t["detail"][_detail_key(claim)][lang].format_map(vals)
        text = t["statement"][f"{claim['kind']}.{claim['verdict']}"][lang].format_map(vals)
        if censored and claim["verdict"] != "insufficient_data":
            text += t["note"]["censored_outlet"][lang].format_map(vals)
        if claim["load_comparable"] == "not_shown_comparable":
            text += t["comparability"]["claim_note"][lang].format_map(vals)
        out[lang] = text
    return out


def load_statement(entry: Mapping) -> dict[str, str]:
    """A source's production-load ``statement`` {ja, zh} (``comparability.load_by_source[]``)."""
    ci = entry.get("ci90") or [None, None]
    bounds = entry.get("bounds") or [None, None]
    values = {"source": entry["source"], "n_before": entry["n_before"], "n_after": entry["n_after"],
              "difference": fmt(entry.get("difference"), 1), "lo": fmt(ci[0], 1), "hi": fmt(ci[1], 1),
              "margin": fmt(bounds[1], 1), "p": p_text(entry.get("p_value"))}
    texts = catalogue("statements")["comparability"][f"{entry['verdict']}.{entry['unit_of_n']}"]
    return {lang: texts[lang].format_map(values) for lang in LANGS}


def plan_statement(plan: Mapping) -> dict[str, str]:
    """The sentence of ``verify plan`` {ja, zh} (the keys of :class:`verify.stats.plan.PlanResult`)."""
    t = catalogue("statements")["plan"]
    values = {"cv": fmt(100 * plan["cv"]), "expected": fmt(plan["expected_reduction_pct"]),
              "claimed": fmt(plan["claimed_reduction_pct"]), "power": fmt(100 * plan["power"], 0),
              "alpha": f"{plan['alpha']:g}", "runs": plan["runs_per_phase"], "max_runs": plan["max_runs"],
              "runs_for_power": plan["runs_for_power"], "min_runs": plan["min_runs"]}
    out = {lang: t[plan["reason"]][lang].format_map(values) for lang in LANGS}
    if plan["runs_per_phase"] != plan["runs_for_power"]:
        out = {lang: text + t["floor"][lang].format_map(values) for lang, text in out.items()}
    return out


# --------------------------------------------------------------------------------------------
# QA checks (qa_text.toml)


def basis_words(signature) -> dict[str, str]:
    """(unit, basis, standard state, reporting species) tuples in words, per language:
    ``mg/m3（標準状態・乾き、0 ℃・101.325 kPa、炭素換算）``."""
    cat = catalogue("qa_text")
    out = {}
    for lang in LANGS:
        parts = []
        for unit, basis, state, species in signature:
            words = [cat[section][value][lang] if value in cat[section] else value
                     for section, value in (("basis", basis), ("std_state", state), ("as", species)) if value]
            parts.append(f"{unit}（{'、'.join(words)}）" if words else str(unit))
        out[lang] = "；".join(parts)
    return out


#: The values of a QA check that are (unit, basis, state, species) signatures, written in words.
SIGNATURE_VALUES = {"same_basis": ("before", "after")}


def qa_detail(check: str, outcome: str, values: Mapping) -> dict[str, str]:
    """A QA check's ``detail`` {ja, zh}: the text of its ``outcome`` (pass, fail, missing) with its
    values; ``phase`` is written in words."""
    cat = catalogue("qa_text")
    words = {k: basis_words(v) if k in SIGNATURE_VALUES.get(check, ()) else v for k, v in values.items()}
    out = {}
    for lang in LANGS:
        filled = {k: v[lang] if isinstance(v, dict) else v for k, v in words.items()}
        if filled.get("phase") in cat["phase"]:
            filled["phase"] = cat["phase"][filled["phase"]][lang]
        out[lang] = cat[check][outcome][lang].format(**filled)
    return out
