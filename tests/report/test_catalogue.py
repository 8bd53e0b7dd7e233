"""The ja and zh catalogues: same keys, same placeholders, every ledger reason code translated."""

import re
import string

import pytest

from verify.report.i18n import HTML_LANG, key_paths, load_catalogue, parse_langs
from verify.errors import RenderError

# The reason codes the intake ledger emits (task brief for the report, "Extension keys").
REASON_CODES = ["nondetect", "missing_marker", "hidden_row", "supplier_formula",
                "formula_without_value", "over_range", "negative_with_lod", "negative_without_lod",
                "o2_impossible", "h2o_impossible", "flow_nonpositive", "unknown_unit",
                "ambiguous_number", "invalid_number", "outside_period", "blank_required", "nfkc",
                "unpaired"]


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
                assert text.strip(), f"{lang}:{section}.{key} is empty"
    # kana only in Japanese (a Chinese string with kana would be a copy-paste slip)
    kana = re.compile(r"[\u3040-\u30ff]")
    for section, items in load_catalogue("zh").items():
        for key, text in items.items():
            assert not kana.search(text), f"zh:{section}.{key} contains kana: {text}"


@pytest.mark.parametrize("code", REASON_CODES)
def test_every_reason_code_translated(code):
    assert load_catalogue("ja")["reason"][code]
    assert load_catalogue("zh")["reason"][code]


def test_key_phrases():
    assert "実証は認証ではありません" in load_catalogue("ja")["stmt"]["not_certification"]
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
