"""``verify new``: the scaffolded case folder, its commented case.toml and the data-entry workbook."""

from __future__ import annotations

import re
import tomllib
import typing
from pathlib import Path

import openpyxl
import pytest
from pydantic import BaseModel

from verify import case as case_module
from verify.case import load_case
from verify.errors import InputError
from verify.scaffold import (
    WORKBOOK_PATH,
    build_workbook,
    case_toml_text,
    header_text,
    list_formula,
    scaffold_case,
    workbook_spec,
)


@pytest.fixture(scope="module")
def scaffolded(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("cases") / "suzhou-dyeing"
    created = scaffold_case(folder, "suzhou-dyeing")
    assert created == [folder / "case.toml", folder / WORKBOOK_PATH]
    return folder


def test_creates_the_files_and_the_case_loads(scaffolded):
    assert sorted(str(p.relative_to(scaffolded)) for p in scaffolded.rglob("*") if p.is_file()) == [
        "case.toml",
        "data/field_entry.xlsx",
    ]
    case = load_case(scaffolded)
    assert case.id == "suzhou-dyeing"
    assert [(f.path, f.sheet, f.layout, f.header_rows) for f in case.manifest.file] == [
        ("data/field_entry.xlsx", "stack", "wide", [2]),
        ("data/field_entry.xlsx", "fugitive", "long", [2]),
    ]
    assert case.manifest.case.illustrative is False


def _fields(model: type[BaseModel]) -> set[str]:
    return set(model.model_fields)


def test_every_case_toml_key_is_in_the_template_with_comments():
    """Each key of every case.toml table (from the pydantic models) appears as `key =`, active or commented."""
    text = case_toml_text("x")
    models = [case_module.CaseInfo, case_module.Verification, case_module.Laboratory, case_module.Signature,
              case_module.Claim, case_module.Source,
              case_module.Period, case_module.FileSpec, case_module.Cobenefits, case_module.Fuel]
    missing = sorted(f"{m.__name__}.{k}" for m in models for k in _fields(m) if not re.search(rf"^#?\s*{k} =", text, re.M))
    missing.remove("Cobenefits.fuel")  # written as the [[cobenefits.fuel]] table, checked below
    missing.remove("Verification.laboratory")  # written as the [verification.laboratory] table, checked below
    missing.remove("Verification.signature")  # written as the [[verification.signature]] table, checked below
    assert missing == []
    # section headers of the optional tables are present (commented out)
    for table in ("[verification]", "[verification.laboratory]", "[[verification.signature]]", "[[period]]",
                  "[cobenefits]", "[[cobenefits.fuel]]"):
        assert f"# {table}" in text
    # ja, zh and en comments
    assert "# ja:" in text and "# zh:" in text and "# en:" in text


def test_template_is_valid_toml_with_the_id_filled_in():
    data = tomllib.loads(case_toml_text("my-plant"))
    assert data["case"]["id"] == "my-plant"
    assert "__CASE_ID__" not in case_toml_text("my-plant")


def test_workbook_sheets_headers_validations_and_panes(scaffolded):
    wb = openpyxl.load_workbook(scaffolded / WORKBOOK_PATH)
    spec = workbook_spec()
    assert wb.sheetnames == [spec["instructions"]["sheet"], "stack", "fugitive"]
    instructions = wb[spec["instructions"]["sheet"]]
    assert instructions["A1"].value and instructions["B1"].value
    assert instructions.max_row == 1 + len(spec["instructions"]["lines"])
    for sheet_spec in spec["sheet"]:
        ws = wb[sheet_spec["name"]]
        assert [c.value for c in ws[1]] == [header_text(c, "ja") for c in sheet_spec["column"]]
        assert [c.value for c in ws[2]] == [header_text(c, "zh") for c in sheet_spec["column"]]
        assert ws.freeze_panes == sheet_spec["freeze"]
        assert ws.column_dimensions["A"].width == sheet_spec["column"][0]["width"]
        n_examples = len(sheet_spec["examples"])
        assert ws.max_row == 2 + n_examples
        validations = {str(dv.sqref): dv for dv in ws.data_validations.dataValidation}
        phase = validations["B3:B502"]
        assert phase.type == "list" and phase.formula1 == '"before,after,対策前,対策後,治理前,治理后"'
    fugitive = {str(dv.sqref): dv for dv in wb["fugitive"].data_validations.dataValidation}
    assert fugitive["E3:E502"].type == "list" and "非甲烷总烃" in fugitive["E3:E502"].formula1  # pollutant
    assert fugitive["G3:G502"].type == "list" and "mg/m³" in fugitive["G3:G502"].formula1  # unit
    assert fugitive["C3:C502"].type == "whole"  # run


def test_headers_are_words_the_intake_accepts():
    """Both header rows (ja and zh) are classified by the intake's header matching, with their units."""
    from verify.case import FileSpec
    from verify.sources.headers import classify_column

    spec = FileSpec(path="data/field_entry.xlsx")
    for sheet_spec in workbook_spec()["sheet"]:
        for lang in ("ja", "zh"):
            roles = [classify_column(i, header_text(c, lang), spec) for i, c in enumerate(sheet_spec["column"])]
            unread = [r.header for r in roles if r.field is None or r.unit_error]
            assert unread == [], (sheet_spec["name"], lang)
            assert len({(r.field, r.pollutant) for r in roles}) == len(roles)  # no two columns with one role
    stack = [classify_column(i, header_text(c, "zh"), spec) for i, c in enumerate(workbook_spec()["sheet"][0]["column"])]
    assert [r.pollutant for r in stack if r.pollutant] == ["NMHC", "PM", "oil_mist", "SO2", "NOx"]
    assert dict(next(r for r in stack if r.field == "flow").implies) == {"flow_basis": "standard-dry"}


def test_drop_down_lists_use_known_labels_pollutants_and_units():
    from verify.sources.aliases import labels, lookup_unit, norm, pollutant_aliases

    lists = workbook_spec()["lists"]
    phases = labels("phase")
    assert {phases[norm(p)] for p in lists["phase"]} == {"before", "after"}
    known = pollutant_aliases()
    assert [p for p in lists["pollutant"] if norm(p) not in known] == []
    assert {lookup_unit(u).kind for u in lists["unit"]} <= {"mass_conc", "mixing_ratio"}
    for values in lists.values():
        assert len(list_formula(values)) <= 255


def test_refuses_to_overwrite_an_existing_folder(tmp_path):
    folder = tmp_path / "plant"
    folder.mkdir()
    (folder / "keep.txt").write_text("mine")
    with pytest.raises(InputError, match="already exists"):
        scaffold_case(folder, "plant")
    assert [p.name for p in folder.iterdir()] == ["keep.txt"]
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(InputError, match="already exists"):
        scaffold_case(empty, "empty")
    assert list(empty.iterdir()) == []


@pytest.mark.parametrize("bad", ["Suzhou", "a_b", "-x", "x--y", "", "../up", "a" * 81])
def test_refuses_an_invalid_case_id(tmp_path, bad):
    with pytest.raises(InputError, match="case id"):
        scaffold_case(tmp_path / "new", bad)
    assert not (tmp_path / "new").exists()


def test_creates_missing_parent_folders_and_removes_them_on_failure(tmp_path, monkeypatch):
    import verify.scaffold as scaffold

    created = scaffold_case(tmp_path / "cases" / "sub" / "my-plant", "my-plant")
    assert created[0] == tmp_path / "cases" / "sub" / "my-plant" / "case.toml" and created[0].is_file()
    monkeypatch.setattr(scaffold, "build_workbook", lambda *a, **k: (_ for _ in ()).throw(OSError("disk full")))
    with pytest.raises(InputError, match="disk full"):
        scaffold_case(tmp_path / "new" / "deeper" / "half", "half")
    assert not (tmp_path / "new").exists()  # the parents it made go too
    (tmp_path / "a-file").write_text("x", encoding="utf-8")
    with pytest.raises(InputError, match="cannot create"):
        scaffold_case(tmp_path / "a-file" / "plant", "plant")


def test_a_failed_write_leaves_nothing_behind(tmp_path, monkeypatch):
    import verify.scaffold as scaffold

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(scaffold, "build_workbook", broken)
    with pytest.raises(InputError, match="disk full"):
        scaffold_case(tmp_path / "half", "half")
    assert not (tmp_path / "half").exists()

    def bug(*args, **kwargs):
        raise RuntimeError("a programming error")

    monkeypatch.setattr(scaffold, "build_workbook", bug)
    with pytest.raises(RuntimeError):
        scaffold_case(tmp_path / "half", "half")
    assert not (tmp_path / "half").exists()


def test_example_rows_fit_the_columns_and_are_grey():
    spec = workbook_spec()
    wb = build_workbook(spec)
    for sheet_spec in spec["sheet"]:
        ws = wb[sheet_spec["name"]]
        for r, example in enumerate(sheet_spec["examples"], start=3):
            assert len(example) == len(sheet_spec["column"])
            first = ws.cell(row=r, column=1)
            assert first.value == example[0] and first.font.color.rgb.endswith(spec["example_font_color"])


def test_list_formula_rejects_commas_and_overlong_lists():
    with pytest.raises(ValueError):
        list_formula(["a,b"])
    with pytest.raises(ValueError):
        list_formula(["x" * 60] * 5)


def test_typing_of_public_function():
    hints = typing.get_type_hints(scaffold_case)
    assert hints["return"] == list[Path]


def test_template_limit_ids_exist_and_fit_their_sources(scaffolded):
    from verify.measure.limits import applicable_limits, load_catalogue

    catalogue = load_catalogue()
    for source in load_case(scaffolded).manifest.source:
        applicable_limits(source, "NMHC", "concentration", catalogue)  # raises on an unknown or unfitting id
