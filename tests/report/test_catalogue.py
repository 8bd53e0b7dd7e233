"""The ja and zh catalogues: same keys, same placeholders; the terminology file and the limit names.

Reason codes (ledger, QA, caveats) are named in verify/data/reasons.csv, checked by
tests/core/test_reasons.py over every code the code base can emit."""

import re
import string

import pytest

from verify.report.i18n import HTML_LANG, key_paths, load_catalogue, parse_langs
from verify.errors import RenderError

#: Keys whose text may be blank: a separator and an optional clause.
MAY_BE_BLANK = {"fmt.join_what", "cems.model_no_load"}


def test_key_sets_are_identical():
    ja, zh = key_paths(load_catalogue("ja")), key_paths(load_catalogue("zh"))
    assert ja - zh == set(), f"keys only in ja.toml: {sorted(ja - zh)}"
    assert zh - ja == set(), f"keys only in zh.toml: {sorted(zh - ja)}"


def test_key_paths_detects_a_difference():
    # the parity check above must be able to fail
    assert key_paths({"a": {"x": "1", "y": "2"}}) != key_paths({"a": {"x": "1"}})


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_placeholders_match_per_key():
    ja, zh = load_catalogue("ja"), load_catalogue("zh")
    for section, items in ja.items():
        for key, text in items.items():
            assert _placeholders(text) == _placeholders(zh[section][key]), f"{section}.{key}"


def test_no_empty_text_and_script_matches_language():
    for lang in ("ja", "zh"):
        for section, items in load_catalogue(lang).items():
            for key, text in items.items():
                assert text.strip() or f"{section}.{key}" in MAY_BE_BLANK, f"{lang}:{section}.{key} is empty"
    # kana only in Japanese (a Chinese string with kana would be a copy-paste slip)
    kana = re.compile(r"[\u3040-\u30ff]")
    for section, items in load_catalogue("zh").items():
        for key, text in items.items():
            assert not kana.search(text), f"zh:{section}.{key} contains kana: {text}"


def test_every_limit_of_the_catalogue_has_a_name_in_both_languages():
    """The report names a limit by its standard, table and clause (verify/report/data/limits.csv);
    a limit added to verify/measure/data/limits without a name there fails here."""
    from verify.measure.limits import load_catalogue as load_limits
    from verify.report.lang import limit_names

    catalogue = load_limits()
    ids = [lim.id for lim in (catalogue.limits.values() if isinstance(catalogue.limits, dict) else catalogue.limits)]
    ids += [entry.id for entry in catalogue.unencoded]  # standards known but not encoded: named in the statement
    names = limit_names()
    missing = [i for i in ids if i not in names]
    assert missing == []
    for lid in ids:
        assert names[lid]["ja"].strip() and names[lid]["zh"].strip()
        assert "_" not in names[lid]["ja"] + names[lid]["zh"], lid  # no key inside a name
    kana = re.compile(r"[\u3040-\u30ff]")
    assert not any(kana.search(n["zh"]) for n in names.values())


def test_glossary_has_one_row_per_concept_and_a_source():
    from verify.report.lang import glossary

    rows = glossary()
    assert len(rows) >= 55
    for key, row in rows.items():
        assert row["ja"] and row["zh"] and row["en"] and row["source"], key
        for lang in ("ja", "zh"):  # a term is never also one of its own words to avoid
            assert all(bad not in row[lang] for bad in filter(None, row[f"{lang}_avoid"].split(";"))), (key, lang)
    assert rows["o2_ref"]["zh"] == "基准氧含量" and rows["fugitive"]["zh"] == "无组织排放"
    assert rows["dry_flow"]["ja"] == "乾き排出ガス量" and rows["removal"]["ja"] == "除去率"


def test_verdict_names_are_the_glossary_terms():
    from verify.report.lang import glossary

    for lang in ("ja", "zh"):
        verdicts = load_catalogue(lang)["verdict"]
        assert verdicts["verified"] == glossary()["verdict_verified"][lang]
        assert verdicts["supported"] == glossary()["verdict_supported"][lang]
        assert verdicts["not_verified"] == glossary()["verdict_not_verified"][lang]
        assert verdicts["insufficient_data"] == glossary()["verdict_insufficient"][lang]


def test_key_phrases():
    assert "実証は認証ではない" in load_catalogue("ja")["stmt"]["not_certification"]
    assert "验证不等于认证" in load_catalogue("zh")["stmt"]["not_certification"]
    assert load_catalogue("ja")["phase"] == {"before": "対策前", "after": "対策後"}
    assert load_catalogue("zh")["phase"] == {"before": "治理前", "after": "治理后"}


def test_lang_codes():
    assert HTML_LANG == {"ja": "ja", "zh": "zh-CN"}
    assert parse_langs("ja,zh") == ("ja", "zh")
    assert parse_langs("zh") == ("zh",)
    assert parse_langs(" zh-CN , ja ,ja") == ("zh", "ja")
    with pytest.raises(RenderError):
        parse_langs("en")
    with pytest.raises(RenderError):
        parse_langs("")
