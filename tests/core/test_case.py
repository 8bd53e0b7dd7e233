"""case.toml validation: clear messages naming the table and key; paths confined to the case folder."""

from pathlib import Path

import pytest

from verify.case import check_relative_path, load_case, normalise_label
from verify.errors import CaseError

MINIMAL = """
[case]
id = "demo-case"
title = { ja = "テスト", zh = "测试" }
factory = "某染整厂"
timezone = "Asia/Shanghai"
conditions = "CN"
concentration_basis = "standard-dry"

[[source]]
id = "S1"
kind = "stack"
aliases = ["1#定型机排气筒"]

[[file]]
path = "data/stack.csv"
"""


def make_case(tmp_path: Path, toml: str = MINIMAL, files=("data/stack.csv",)) -> Path:
    (tmp_path / "case.toml").write_text(toml, encoding="utf-8")
    for f in files:
        p = tmp_path / f
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text("source,phase\n", encoding="utf-8")
    return tmp_path


def test_minimal_case_loads(tmp_path):
    case = load_case(make_case(tmp_path))
    assert case.id == "demo-case"
    assert case.manifest.case.factory.ja == case.manifest.case.factory.zh == "某染整厂"
    assert case.sources["S1"].o2_ambient_pct == 21.0
    assert len(case.case_toml_sha256) == 64


@pytest.mark.parametrize(
    "replace, expected",
    [
        ('conditions = "CN"', "case.conditions"),
        ('timezone = "Asia/Shanghai"', "unknown IANA time zone"),
        ('id = "demo-case"', "case.id"),
    ],
)
def test_bad_case_values_are_named(tmp_path, replace, expected):
    bad = {
        'conditions = "CN"': 'conditions = "CHINA"',
        'timezone = "Asia/Shanghai"': 'timezone = "Asia/Shangai"',
        'id = "demo-case"': 'id = "Demo Case"',
    }[replace]
    with pytest.raises(CaseError, match=expected):
        load_case(make_case(tmp_path, MINIMAL.replace(replace, bad)))


def test_unknown_key_is_an_error_not_ignored(tmp_path):
    toml = MINIMAL.replace('kind = "stack"', 'kind = "stack"\nreferance_o2_pct = 9')
    with pytest.raises(CaseError, match=r"\[\[source\]\] #1 \(id 'S1'\)\.referance_o2_pct: unknown key"):
        load_case(make_case(tmp_path, toml))


def test_invalid_toml_names_line(tmp_path):
    with pytest.raises(CaseError, match="not valid TOML"):
        load_case(make_case(tmp_path, MINIMAL + "\n[[file]\n"))


def test_missing_data_file(tmp_path):
    (tmp_path / "case.toml").write_text(MINIMAL, encoding="utf-8")
    with pytest.raises(CaseError, match="data/stack.csv' does not exist"):
        load_case(tmp_path)


def test_missing_case_folder(tmp_path):
    with pytest.raises(CaseError, match="does not exist"):
        load_case(tmp_path / "nope")


@pytest.mark.parametrize(
    "path",
    ["../../x.csv", "/etc/passwd", "data/../../x.csv", "C:/x.csv", "data/CON", "data/nul.csv", "a\x00b", "~/x", "data\\x.csv"],
)
def test_paths_outside_the_case_are_refused(path):
    # docs/reliability.md#bad-inputs row 37: ../../x, absolute path, CON, NUL
    with pytest.raises(ValueError):
        check_relative_path(path)


def test_path_escape_is_a_case_error(tmp_path):
    toml = MINIMAL.replace('path = "data/stack.csv"', 'path = "../outside.csv"')
    with pytest.raises(CaseError, match="goes up with '..'"):
        load_case(make_case(tmp_path, toml))


def test_symlink_out_of_case_is_refused(tmp_path):
    outside = tmp_path / "outside.csv"
    outside.write_text("x\n")
    case_dir = tmp_path / "case"
    case_dir.mkdir()
    (case_dir / "data").mkdir()
    (case_dir / "data" / "stack.csv").symlink_to(outside)
    (case_dir / "case.toml").write_text(MINIMAL, encoding="utf-8")
    with pytest.raises(CaseError, match="outside the case folder"):
        load_case(case_dir)


def test_claim_must_name_a_known_source(tmp_path):
    toml = MINIMAL + '\n[[claim]]\nid = "C1"\nsource = "S9"\npollutant = "NMHC"\nmetric = "mass_rate"\nkind = "reduction"\nvalue = 50\n'
    with pytest.raises(CaseError, match="unknown source 'S9'"):
        load_case(make_case(tmp_path, toml))


def test_reduction_claim_is_a_percentage(tmp_path):
    toml = MINIMAL + '\n[[claim]]\nid = "C1"\nsource = "S1"\npollutant = "NMHC"\nmetric = "mass_rate"\nkind = "reduction"\nvalue = 150\n'
    with pytest.raises(CaseError, match=r"percentage in \[0, 100\)"):
        load_case(make_case(tmp_path, toml))


def test_alias_shared_by_two_sources(tmp_path):
    toml = MINIMAL + '\n[[source]]\nid = "S2"\nkind = "stack"\naliases = ["１#定型机排气筒"]\n'
    # the full-width digit is the same label after NFKC
    with pytest.raises(CaseError, match="used by both 'S1' and 'S2'"):
        load_case(make_case(tmp_path, toml))


def test_fugitive_source_needs_role(tmp_path):
    toml = MINIMAL + '\n[[source]]\nid = "D1"\nkind = "fugitive"\n'
    with pytest.raises(CaseError, match="role"):
        load_case(make_case(tmp_path, toml))


def test_overlapping_periods(tmp_path):
    toml = MINIMAL + (
        "\n[[period]]\nphase = \"before\"\nstart = 2026-03-01T00:00:00\nend = 2026-04-01T00:00:00\n"
        "\n[[period]]\nphase = \"after\"\nstart = 2026-03-20T00:00:00\nend = 2026-05-01T00:00:00\n"
    )
    with pytest.raises(CaseError, match="overlaps"):
        load_case(make_case(tmp_path, toml))


def test_normalise_label_folds_width_case_and_invisible_characters():
    assert normalise_label("ＮＭＨＣ") == normalise_label("nmhc")
    assert normalise_label("排气\u200b筒 ") == "排气筒"


# ---------------------------------------------------------------- re-issues (docs/reliability.md#promises, promise 9)
OLD_SHA = "a" * 64
VERIFICATION = """
[verification]
statement_id = "{new}"
verifier = {{ ja = "検証機関", zh = "验证机构" }}
technology = {{ ja = "技術", zh = "技术" }}
issued = 2026-11-20
{extra}
"""


def _with_verification(new: str, extra: str) -> str:
    return MINIMAL.replace("\n[[source]]", VERIFICATION.format(new=new, extra=extra) + "\n[[source]]", 1)


def test_reissue_names_the_superseded_report_by_id_and_hash(tmp_path):
    toml = _with_verification("ST-2", f'supersedes = "{OLD_SHA}"\nsupersedes_statement_id = "ST-1"')
    v = load_case(make_case(tmp_path, toml)).manifest.verification
    assert (v.statement_id, v.supersedes, v.supersedes_statement_id) == ("ST-2", OLD_SHA, "ST-1")


@pytest.mark.parametrize("extra, message", [
    (f'supersedes = "{OLD_SHA}"', "supersedes_statement_id"),
    ('supersedes_statement_id = "ST-1"', "SHA-256"),
    (f'supersedes = "{OLD_SHA}"\nsupersedes_statement_id = "ST-2"', "new statement_id"),
    ('supersedes = "not-a-hash"\nsupersedes_statement_id = "ST-1"', "verification.supersedes"),
])
def test_reissue_without_new_id_or_hash_is_refused(tmp_path, extra, message):
    with pytest.raises(CaseError, match=message):
        load_case(make_case(tmp_path, _with_verification("ST-2", extra)))


def test_reissue_reaches_results_json(tmp_path):
    from verify.results import verification_block

    toml = _with_verification("ST-2", f'supersedes = "{OLD_SHA}"\nsupersedes_statement_id = "ST-1"')
    block = verification_block(load_case(make_case(tmp_path, toml)))
    assert block["supersedes"] == OLD_SHA and block["supersedes_statement_id"] == "ST-1"
    assert block["statement_id"] == "ST-2"


@pytest.mark.parametrize("value, message", [("inf", "finite number"), ("nan", "finite number"),
                                            ("0", "positive value"), ("-3", "positive value")])
def test_level_claim_value_is_finite_and_positive(tmp_path, value, message):
    # issue 17 item 5: `value = inf` was VERIFIED with claimed null; now `verify check` stops (exit 2)
    # naming the claim and the key
    toml = MINIMAL + f'\n[[claim]]\nid = "C3"\nsource = "S1"\npollutant = "SO2"\nmetric = "concentration"\nkind = "level"\nvalue = {value}\n'
    with pytest.raises(CaseError, match=rf"\[\[claim\]\] #1 \(id 'C3'\)\.value: .*{message}"):
        load_case(make_case(tmp_path, toml))


def test_level_claim_value_inf_exits_2_from_the_cli(tmp_path):
    from typer.testing import CliRunner

    from verify.cli import app

    toml = MINIMAL + '\n[[claim]]\nid = "C3"\nsource = "S1"\npollutant = "SO2"\nmetric = "concentration"\nkind = "level"\nvalue = inf\n'
    result = CliRunner().invoke(app, ["check", str(make_case(tmp_path, toml))])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "C3" in result.output and "value" in result.output


def test_claim_phase_is_documented_and_checked(tmp_path):
    toml = MINIMAL + '\n[[claim]]\nid = "C1"\nsource = "S1"\npollutant = "NMHC"\nmetric = "removal_efficiency"\nkind = "efficiency"\nvalue = 90\nphase = "before"\n'
    assert load_case(make_case(tmp_path, toml)).manifest.claim[0].phase == "before"
    with pytest.raises(CaseError, match="phase"):
        load_case(make_case(tmp_path, toml.replace('phase = "before"', 'phase = "during"')))


def test_location_code_is_a_six_digit_gbt2260_code(tmp_path):
    import pandas as pd

    from verify.errors import InputError
    from verify.results import case_block
    from verify.stats.analysis import binding_context

    def with_code(code: str) -> Path:
        return make_case(tmp_path, MINIMAL.replace('factory = "某染整厂"', f'factory = "某染整厂"\nlocation_code = "{code}"'))

    case = load_case(with_code("320281"))
    assert case_block(case)["location_code"] == "320281"
    with pytest.raises(CaseError, match="case.location_code: '32028' is not a six-digit GB/T 2260"):
        load_case(with_code("32028"))
    # an unquoted TOML integer is read as the same code
    unquoted = MINIMAL.replace('factory = "某染整厂"', 'factory = "某染整厂"\nlocation_code = 320281')
    assert load_case(make_case(tmp_path, unquoted)).manifest.case.location_code == "320281"
    # the form is right but 99 is no province: refused when the limits are weighed, naming the key
    with pytest.raises(InputError, match=r"case.toml \[case\] location_code: '990101'"):
        binding_context(load_case(with_code("990101")), pd.DataFrame())
# --------------------------------------------------------------------------------------------
# Hostile and oversized text (report issue item 10)
# --------------------------------------------------------------------------------------------
STATEMENT = """
[verification]
statement_id = "{sid}"
verifier = "検証チーム"
technology = "WESP"
issued = 2026-11-20
"""


def test_bidi_and_zero_width_characters_are_removed_from_every_text(tmp_path):
    rlo, zwsp, lri, pdi = "\u202e", "\u200b", "\u2066", "\u2069"
    toml = MINIMAL.replace('factory = "某染整厂"', f'factory = "某{rlo}染整{zwsp}厂"').replace(
        'aliases = ["1#定型机排气筒"]', f'aliases = ["1#定型机排气筒"]\nname = {{ ja = "{lri}排気筒{pdi}", zh = "排气筒{zwsp}" }}')
    case = load_case(make_case(tmp_path, toml))
    assert case.manifest.case.factory.ja == "某染整厂"
    assert case.manifest.source[0].name.ja == "排気筒" and case.manifest.source[0].name.zh == "排气筒"


@pytest.mark.parametrize("sid", ["ILL JS/001", "-starts-with-dash", "a" * 65, "番号-1", "x\u202ey"])
def test_statement_id_has_letters_digits_and_dash_underscore_dot_only(tmp_path, sid):
    if "\u202e" in sid:  # an invisible character is removed first, so this one is valid
        case = load_case(make_case(tmp_path, MINIMAL + STATEMENT.format(sid=sid)))
        assert case.manifest.verification.statement_id == "xy"
        return
    with pytest.raises(CaseError, match="verification.statement_id: a statement number has letters"):
        load_case(make_case(tmp_path, MINIMAL + STATEMENT.format(sid=sid)))


@pytest.mark.parametrize("field, toml_line, limit", [
    ("case.title", 'title = "{x}"', 200),
    ("[[source]] #1 (id 'S1').name", 'name = "{x}"', 100),
    ("verification.technology", 'technology = "{x}"', 500),
])
def test_free_text_longer_than_its_limit_is_an_error_naming_the_field(tmp_path, field, toml_line, limit):
    text = "长" * (limit + 1)
    toml = MINIMAL + STATEMENT.format(sid="S-1")
    if field == "case.title":
        toml = toml.replace('title = { ja = "テスト", zh = "测试" }', toml_line.format(x=text))
    elif field.startswith("[[source]]"):
        toml = toml.replace('kind = "stack"', 'kind = "stack"\n' + toml_line.format(x=text))
    else:
        toml = toml.replace('technology = "WESP"', toml_line.format(x=text))
    with pytest.raises(CaseError) as err:
        load_case(make_case(tmp_path, toml))
    assert f"{field}: at most {limit} characters, got {limit + 1}" in str(err.value)
    # at the limit it loads
    load_case(make_case(tmp_path, toml.replace(text, "长" * limit)))


def test_laboratory_and_signatures_load(tmp_path):
    toml = MINIMAL + STATEMENT.format(sid="S-1") + """
[verification.laboratory]
name = { ja = "江蘇某環境監測有限公司", zh = "江苏某环境检测有限公司" }
cma_certificate = "161012050123"
report_numbers = ["JSHJ-2026-0412", "JSHJ-2026-0918"]

[[verification.signature]]
role = "verifier"
name = "王 明"
title = { ja = "実証担当者", zh = "验证人员" }
date = 2026-11-18

[[verification.signature]]
role = "approver"
name = "佐藤 一郎"
"""
    v = load_case(make_case(tmp_path, toml)).manifest.verification
    assert v.laboratory.cma_certificate == "161012050123" and v.laboratory.report_numbers[1] == "JSHJ-2026-0918"
    assert [s.role for s in v.signature] == ["verifier", "approver"] and v.signature[1].date is None
    with pytest.raises(CaseError, match=r"signature.*role"):
        load_case(make_case(tmp_path, toml.replace('role = "approver"', 'role = "boss"')))


def test_permit_and_outlet_ids_are_read_and_checked(tmp_path):
    # review item 26: 排污许可证编号 and 排放口编号 of a source (optional)
    toml = MINIMAL.replace('kind = "stack"\n', 'kind = "stack"\npermit_id = "91320281MA1TEST001V"\noutlet_id = "DA001"\n')
    case = load_case(make_case(tmp_path, toml))
    assert case.sources["S1"].permit_id == "91320281MA1TEST001V" and case.sources["S1"].outlet_id == "DA001"
    assert load_case(make_case(tmp_path)).sources["S1"].outlet_id is None
    with pytest.raises(CaseError, match=r"\[\[source\]\] #1 \(id 'S1'\)\.outlet_id"):
        load_case(make_case(tmp_path, toml.replace('"DA001"', '"DA 001<script>"')))


def test_permit_outlet_regime_basis_and_cems_keys_reach_results_json(tmp_path):
    """[[source]] permit_id (排污许可证编号), outlet_id (排放口编号), regime_basis, cems_calibration and
    [verification.laboratory] kind / acceptance and comparison reports (docs/case-format.md)."""
    from verify.results import sources_block, verification_block

    extra = ('permit_id = "91320281MA1XXXXX0P001P"\noutlet_id = "DA001"\nregime = "new"\n'
             'regime_basis = { ja = "2019年設置", zh = "2019年投运" }\n'
             'cems_calibration = { range = 100, zero = 0, span = 50 }\n')
    toml = MINIMAL.replace('aliases = ["1#定型机排气筒"]', 'aliases = ["1#定型机排气筒"]\n' + extra)
    toml += ('\n[verification]\nstatement_id = "X-1"\nverifier = "v"\ntechnology = "t"\nissued = 2026-11-20\n'
             '[verification.laboratory]\nkind = "cems_operator"\nname = "运维"\ncems_acceptance_reports = ["YS-1"]\n')
    case = load_case(make_case(tmp_path, toml))
    source = sources_block(case)[0]
    assert (source["permit_id"], source["outlet_id"]) == ("91320281MA1XXXXX0P001P", "DA001")
    assert source["regime_basis"] == {"ja": "2019年設置", "zh": "2019年投运"}
    assert source["cems_calibration"] == {"range": 100.0, "zero": 0.0, "span": 50.0}
    lab = verification_block(case)["laboratory"]
    assert (lab["kind"], lab["cems_acceptance_reports"], lab["comparison_reports"]) == ("cems_operator", ["YS-1"], [])
    with pytest.raises(CaseError, match="outlet_id"):
        load_case(make_case(tmp_path, toml.replace('outlet_id = "DA001"', 'outlet_id = "DA 001; drop"')))
    with pytest.raises(CaseError, match="kind"):
        load_case(make_case(tmp_path, toml.replace('kind = "cems_operator"', 'kind = "lab"')))
