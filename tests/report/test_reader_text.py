"""What a reader sees: no internal keys, no English outside an allow-list, no untranslated marker,
and the terms of the terminology file, in both halves of the bundled cases' reports.

The reports are rendered from the bundled cases' ``expected/results.json`` (what ``verify report
--results`` renders) without charts (the chart labels come from the same catalogues, and
test_charts.py checks the charts). Text inside ``.mono`` elements (file names, hashes, statement
and report numbers, the command line) and the annex's identifier table (``.trace``, labelled as
identifiers for traceability) is left out: there the ids are the point.
"""

from __future__ import annotations

import csv
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from verify.report.render import render_html

ROOT = Path(__file__).resolve().parents[2]
CASES = ("jiangsu-textile-dyeing", "hebei-coating-cems")
SKIP_CLASSES = {"mono", "hash", "trace", "cmd"}

#: Latin-script words a reader may meet: units, standard series, method and model names, acronyms of
#: pollutants and equipment. Anything else in Latin letters is a leaked key or an English sentence.
ALLOWED_WORDS = {
    # units and quantities
    "mg", "kg", "kPa", "Pa", "K", "h", "t", "a", "m", "N", "kW", "kWh", "MWh", "GJ", "TJ", "ppm", "ppmC", "mgC", "min",
    "kJ", "kgCO", "tCO", "n", "p", "exp", "tabular",
    # standards, programmes, organisations
    "GB", "HJ", "DB", "ISO", "JIS", "IPCC", "CMA", "CNAS", "UTC", "SHA", "T",
    # pollutants and equipment
    "NMHC", "THC", "TVOC", "VOC", "VOCs", "PM", "SO", "NO", "NOx", "CO", "CEMS", "WESP", "SNCR", "Hg", "BTEX", "TSP",
    # statistics: methods and models by their authors' names
    "Welch", "Fieller", "Mann", "Whitney", "Gehan", "Holm", "Kaplan", "Meier", "Newey", "West", "TOST", "HAC",
    "Andrews", "Monahan", "Bartlett", "AR",
    "SARIMAX", "t",
    # data flags of HJ 212 (single letters), annex letters (附属書A), O of O₂, the missing-value mark NA
    "F", "M", "S", "D", "C", "B", "A", "O", "NA",
}
#: File names the text tells the reader to open.
ALLOWED_NAMES = ("results.json", "ledger.csv")


class _Text(HTMLParser):
    """Visible text of each language half, without the skipped elements."""

    VOID = {"br", "img", "col", "meta", "hr", "input"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[bool] = []
        self.lang = None
        self.parts: dict[str, list[str]] = {"ja": [], "zh": []}
        self.in_style = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        classes = set((attrs.get("class") or "").split())
        if "lang-block" in classes:
            self.lang = "ja" if "lang-ja" in classes else "zh"
        if tag == "style":
            self.in_style = True
        if tag in self.VOID:
            return
        skipping = (self.stack[-1] if self.stack else False) or bool(classes & SKIP_CLASSES)
        self.stack.append(skipping)

    def handle_endtag(self, tag):
        if tag == "style":
            self.in_style = False
        if tag in self.VOID:
            return
        if self.stack:
            self.stack.pop()

    def handle_data(self, data):
        if self.in_style or self.lang is None or (self.stack and self.stack[-1]):
            return
        self.parts[self.lang].append(data)


@pytest.fixture(scope="module", params=CASES)
def halves(request) -> dict[str, str]:
    results = json.loads((ROOT / "case_studies" / request.param / "expected" / "results.json").read_text(encoding="utf-8"))
    parser = _Text()
    parser.feed(render_html(results, charts=False))
    return {lang: " ".join(parts) for lang, parts in parser.parts.items()}


def test_no_snake_case_tokens(halves):
    for lang, text in halves.items():
        found = sorted(set(re.findall(r"\b[A-Za-z][A-Za-z0-9]*_[A-Za-z0-9_]+\b", text)))
        assert found == [], (lang, found)


def test_no_id_colon_id_keys(halves):
    for lang, text in halves.items():
        found = sorted(set(re.findall(r"\b[A-Za-z][\w.-]*:[A-Za-z][\w.-]*\b", text)))
        assert found == [], (lang, found)


def test_no_english_words_outside_the_allow_list(halves):
    for lang, text in halves.items():
        for name in ALLOWED_NAMES:
            text = text.replace(name, " ")
        # a word: Latin letters not joined to digits (S1, P1, D2 are the plant's own point labels)
        words = set(re.findall(r"(?<![A-Za-z0-9])[A-Za-z]+(?![A-Za-z0-9])", text))
        assert sorted(words - ALLOWED_WORDS) == [], lang


def test_no_untranslated_marker_or_unfilled_placeholder(halves):
    for lang, text in halves.items():
        for marker in ("未翻訳", "未翻译", "untranslated", "unknown", "None", "nan", "TODO", "{", "}", "[K]", "[S]"):
            assert marker not in text, (lang, marker)


def _glossary() -> list[dict]:
    text = (ROOT / "verify" / "report" / "data" / "glossary.csv").read_text(encoding="utf-8")
    return list(csv.DictReader(line for line in text.splitlines() if not line.startswith("#")))


def test_each_half_uses_the_glossary_terms_only(halves):
    """One term per concept: the wrong or competing terms of glossary.csv never appear (the
    disclaimer "verification is not certification" names certification on purpose)."""
    disclaimers = {"ja": "実証は認証ではない", "zh": "验证不等于认证"}
    for lang, text in halves.items():
        text = text.replace(disclaimers[lang], "")
        for row in _glossary():
            for avoid in filter(None, (row[f"{lang}_avoid"] or "").split(";")):
                assert avoid not in text, (lang, row["key"], avoid)


def test_glossary_terms_are_the_ones_the_report_prints(halves, request):
    """The key terms of a statement appear as the glossary writes them. The data of a CEMS case come
    from its operator (运维单位), which the report never calls the laboratory (review item 8)."""
    case = request.node.callspec.params["halves"]
    results = json.loads((ROOT / "case_studies" / case / "expected" / "results.json").read_text(encoding="utf-8"))
    cems = ((results.get("verification") or {}).get("laboratory") or {}).get("kind") == "cems_operator"
    keys = ["statement", "verification_body", "claim", "p_value", "reduction"] + ([] if cems else ["laboratory"])
    for lang, text in halves.items():
        terms = {row["key"]: row[lang] for row in _glossary()}
        for key in keys:
            assert terms[key] in text, (lang, key)
        if cems:
            assert terms["laboratory"] not in text, lang


@pytest.mark.parametrize("case", CASES)
def test_machine_identifiers_only_in_the_traceability_annex(case):
    """Review item 29: endpoint keys (S1 / NMHC / mass_rate), limit ids (GB16297-1996:NMHC:conc:new),
    the schema name, the package list and the command line appear only in the traceability annex,
    which says it holds machine identifiers."""
    results = json.loads((ROOT / "case_studies" / case / "expected" / "results.json").read_text(encoding="utf-8"))
    html = render_html(results, charts=False)
    keys = [re.escape(f"{c['source']} / {c['pollutant']} / {c['metric']}") for c in results["claims"]]
    keys += [re.escape(lim["id"]) for e in results["endpoints"] for lim in e.get("limits") or []]
    keys += [re.escape("verify.results/1"), r"verify run \S+ -o", r"\bjinja2 \d", r"\bnumpy \d"]
    assert len(keys) >= 6
    blocks = re.split(r'(?=<div class="lang-block lang-(?:ja|zh)")', html)
    for lang, intro in (("ja", "機械処理用の表記"), ("zh", "供机器处理的写法")):
        block = next(b for b in blocks if b.startswith(f'<div class="lang-block lang-{lang}"'))
        start = block.index(f'id="{lang}-annex-trace"')
        end = block.index("</section>", start)
        annex, outside = block[start:end], block[:start] + block[end:]
        assert intro in annex and all(re.search(k, annex) for k in keys), lang
        assert [k for k in keys if re.search(k, outside)] == [], lang
