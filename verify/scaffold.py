"""``verify new``: scaffold a case folder to fill in on site.

:func:`scaffold_case` creates ``<folder>/case.toml`` (every key explained in ja/zh/en comments, valid
as written with example values) and ``<folder>/data/field_entry.xlsx``, a bilingual data-entry
workbook: an instructions sheet (ja and zh, not listed in case.toml so never read), a ``stack`` sheet
in the wide layout and a ``fugitive`` sheet in the long layout, each with a Japanese header row above
the Chinese header row that case.toml declares (``header_rows = [2]``), drop-down lists for phase,
pollutant and unit, a few grey example rows (named, with a hash of their values, so that the intake
skips them while unchanged: :mod:`verify.sources.examples`), frozen panes and column widths.

The texts and the layout are data (``verify/scaffold_data/case_template.toml`` and
``field_entry.toml``); this module only assembles them. It never overwrites: an existing folder is an
:class:`~verify.errors.InputError`, and a folder it created is removed again if writing fails.
"""

from __future__ import annotations

import functools
import re
import shutil
import tomllib
from importlib import resources
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation

from verify.case import CASE_FILE, CASE_ID_PATTERN, load_case
from verify.errors import InputError
from verify.i18n import N_
from verify.sources.examples import HASH_NAME, RANGE_NAME, hashes_formula

WORKBOOK_PATH = "data/field_entry.xlsx"
_CASE_ID_PLACEHOLDER = "__CASE_ID__"
#: rows of the data area that carry drop-down lists (Excel applies a validation to a fixed range)
VALIDATION_ROWS = 500
#: Excel refuses an inline list validation whose formula is longer than 255 characters
MAX_LIST_FORMULA_CHARS = 255


def _data_text(name: str) -> str:
    return resources.files("verify.scaffold_data").joinpath(name).read_text(encoding="utf-8")


@functools.cache
def workbook_spec() -> dict[str, Any]:
    """The workbook layout from ``verify/scaffold_data/field_entry.toml`` (sheets, columns, lists, texts)."""
    return tomllib.loads(_data_text("field_entry.toml"))


def header_text(column: dict[str, Any], lang: str) -> str:
    """The header of a workbook column in ``lang`` ("ja" or "zh"): ``name`` or ``name(unit)``."""
    name = column[lang]
    return f"{name}({column['unit']})" if column.get("unit") else name


def case_toml_text(case_id: str) -> str:
    """The commented case.toml for ``case_id`` (the template with the id filled in)."""
    _check_case_id(case_id)
    return _data_text("case_template.toml").replace(_CASE_ID_PLACEHOLDER, case_id)


def list_formula(values: list[str]) -> str:
    """An inline list for a data validation, e.g. ``'"before,after"'`` (Excel's 255-character limit checked)."""
    for value in values:
        if "," in value or '"' in value:
            raise ValueError(f"list item {value!r} contains a comma or quote")
    formula = '"' + ",".join(values) + '"'
    if len(formula) > MAX_LIST_FORMULA_CHARS:
        raise ValueError(f"drop-down list longer than {MAX_LIST_FORMULA_CHARS} characters: {formula[:40]}…")
    return formula


def build_workbook(spec: dict[str, Any] | None = None) -> Workbook:
    """The data-entry workbook described by ``spec`` (default: :func:`workbook_spec`)."""
    spec = spec or workbook_spec()
    wb = Workbook()
    _instructions_sheet(wb.active, spec)
    for sheet_spec in spec["sheet"]:
        _data_sheet(wb.create_sheet(sheet_spec["name"]), sheet_spec, spec)
    return wb


def _instructions_sheet(ws, spec: dict[str, Any]) -> None:
    text = spec["instructions"]
    ws.title = text["sheet"]
    ws.append([text["title"]["ja"], text["title"]["zh"]])
    for cell in ws[1]:
        cell.font = Font(bold=True, size=13)
    for i, line in enumerate(text["lines"], start=1):
        ws.append([f"{i}. {line['ja']}", f"{i}. {line['zh']}"])
    wrap = Alignment(wrap_text=True, vertical="top")
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = wrap
    ws.column_dimensions["A"].width = 70
    ws.column_dimensions["B"].width = 70


def _data_sheet(ws, sheet_spec: dict[str, Any], spec: dict[str, Any]) -> None:
    columns = sheet_spec["column"]
    header_row = spec["header_row_read"]
    caption_fill = PatternFill("solid", fgColor="DDEBF7")
    header_fill = PatternFill("solid", fgColor="FCE4D6")
    for col, column in enumerate(columns, start=1):
        ja = ws.cell(row=header_row - 1, column=col, value=header_text(column, "ja"))
        zh = ws.cell(row=header_row, column=col, value=header_text(column, "zh"))
        for cell, fill in ((ja, caption_fill), (zh, header_fill)):
            cell.font = Font(bold=True)
            cell.fill = fill
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        ws.column_dimensions[get_column_letter(col)].width = column.get("width", 12)
    example_font = Font(color=spec["example_font_color"], italic=True)
    for r, example in enumerate(sheet_spec["examples"], start=header_row + 1):
        if len(example) != len(columns):
            raise ValueError(f"sheet {sheet_spec['name']!r}: example row has {len(example)} cells for {len(columns)} columns")
        for col, value in enumerate(example, start=1):
            if value == "":
                continue  # empty = not measured
            cell = ws.cell(row=r, column=col, value=value)
            cell.font = example_font
    _mark_examples(ws, sheet_spec["examples"], header_row + 1, len(columns))
    first, last = header_row + 1, header_row + VALIDATION_ROWS
    for col, column in enumerate(columns, start=1):
        letter = get_column_letter(col)
        cells = f"{letter}{first}:{letter}{last}"
        title = f"{column['ja']} / {column['zh']}"
        if "list" in column:
            values = spec["lists"][column["list"]]
            strict = column["list"] == "phase"  # other phases would be rejected; pollutants and units may be extended
            dv = DataValidation(type="list", formula1=list_formula(values), allow_blank=True,
                                errorStyle="stop" if strict else "warning")
            dv.promptTitle = title[:32]
            dv.prompt = "一覧から選択 / 从列表中选择"
        elif column.get("whole"):
            dv = DataValidation(type="whole", operator="between", formula1="1", formula2="999", allow_blank=True,
                                errorStyle="stop")
            dv.promptTitle = title[:32]
            dv.prompt = "1, 2, 3 …"
        else:
            continue
        dv.showInputMessage = True
        dv.showErrorMessage = True
        dv.errorTitle = title[:32]
        dv.error = "一覧の値を使ってください / 请使用列表中的值" if "list" in column else "整数 1–999 / 整数 1–999"
        ws.add_data_validation(dv)
        dv.add(cells)
    ws.freeze_panes = sheet_spec["freeze"]
    ws.row_dimensions[header_row - 1].height = 30
    ws.row_dimensions[header_row].height = 30


def _mark_examples(ws, examples: list[list], first_row: int, n_columns: int) -> None:
    """Name the example rows and their values' hashes in the sheet, so that the intake skips them
    while they are unchanged and flags them once edited (verify.sources.examples)."""
    last = f"${get_column_letter(n_columns)}${first_row + len(examples) - 1}"
    ws.defined_names[RANGE_NAME] = DefinedName(RANGE_NAME, attr_text=f"{quote_sheetname(ws.title)}!$A${first_row}:{last}")
    ws.defined_names[HASH_NAME] = DefinedName(HASH_NAME, attr_text=hashes_formula(
        [[None if v == "" else v for v in example] for example in examples]))


def _check_case_id(case_id: str) -> None:
    if not isinstance(case_id, str) or not re.fullmatch(CASE_ID_PATTERN, case_id) or len(case_id) > 80:
        raise InputError(
            N_("case id {id!r} is not valid: use lower-case letters, digits and single hyphens, e.g. 'suzhou-dyeing'",
               id=case_id),
            hint=N_("pass --id to choose an id different from the folder name"),
        )


def scaffold_case(folder: Path, case_id: str) -> list[Path]:
    """Create ``folder`` with a commented ``case.toml`` and ``data/field_entry.xlsx``; return the files.

    Raises :class:`InputError` if ``case_id`` is not ``[a-z0-9-]`` or ``folder`` already exists
    (nothing is overwritten). Missing parent folders are created (``verify new cases/my-plant``).
    The written case is loaded with :func:`verify.case.load_case` before returning, so a scaffold is
    always a valid case. If anything fails, every folder it created is removed again.
    """
    folder = Path(folder)
    _check_case_id(case_id)
    if folder.exists() or folder.is_symlink():
        raise InputError(N_("{folder!r} already exists; `verify new` never overwrites", folder=str(folder)),
                         hint=N_("choose a new folder name"))
    created = _missing_parents(folder)
    try:
        folder.mkdir(parents=True)
    except FileExistsError:
        raise InputError(N_("{folder!r} already exists; `verify new` never overwrites", folder=str(folder))) from None
    except OSError as exc:
        _remove_created(created)
        raise InputError(N_("cannot create {folder!r}: {error}", folder=str(folder), error=exc.strerror),
                         hint=N_("choose a folder you can write, whose parents are folders, not files")) from None
    created.append(folder)
    try:
        case_path = folder / CASE_FILE
        workbook_path = folder / WORKBOOK_PATH
        workbook_path.parent.mkdir()
        case_path.write_text(case_toml_text(case_id), encoding="utf-8", newline="\n")
        build_workbook().save(workbook_path)
        load_case(folder)
    except OSError as exc:
        _remove_created(created)
        raise InputError(N_("cannot write the case folder {folder!r}: {error}", folder=str(folder),
                            error=exc.strerror or str(exc))) from None
    except BaseException:
        _remove_created(created)
        raise
    return [case_path, workbook_path]


def _missing_parents(folder: Path) -> list[Path]:
    """The parent folders of ``folder`` that do not exist yet, outermost first."""
    missing = []
    parent = folder.parent
    while not parent.exists() and parent != parent.parent:
        missing.append(parent)
        parent = parent.parent
    return missing[::-1]


def _remove_created(created: list[Path]) -> None:
    """Remove the folders :func:`scaffold_case` made (the outermost one holds the others)."""
    if created and created[0].exists():
        shutil.rmtree(created[0], ignore_errors=True)
