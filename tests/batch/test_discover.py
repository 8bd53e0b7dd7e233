"""Case discovery: sorted, de-duplicated, symlinks never followed out of the given roots."""

from __future__ import annotations

import os

import pytest

from verify.batch.discover import discover_cases
from verify.errors import InputError


def _case(folder):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "case.toml").write_text("[case]\n", encoding="utf-8")
    return folder


def test_finds_nested_cases_sorted(tmp_path):
    root = tmp_path / "prov"
    b = _case(root / "city-b" / "plant-2")
    a = _case(root / "city-a" / "plant-1")
    top = _case(root / "z-plant")
    (root / "city-a" / "notes").mkdir()
    assert discover_cases([root]) == [a.resolve(), b.resolve(), top.resolve()]


def test_a_case_folder_or_its_case_toml_may_be_given(tmp_path):
    a = _case(tmp_path / "a")
    assert discover_cases([a]) == [a.resolve()]
    assert discover_cases([a / "case.toml"]) == [a.resolve()]


def test_duplicates_and_overlapping_roots_are_listed_once(tmp_path):
    a = _case(tmp_path / "p" / "a")
    assert discover_cases([tmp_path / "p", tmp_path / "p", a, tmp_path]) == [a.resolve()]


def test_hidden_folders_are_not_searched(tmp_path):
    _case(tmp_path / ".git" / "x")
    _case(tmp_path / ".venv" / "y")
    a = _case(tmp_path / "a")
    assert discover_cases([tmp_path]) == [a.resolve()]


def test_symlinked_folder_out_of_the_root_is_not_followed(tmp_path):
    outside = _case(tmp_path / "outside" / "secret")
    root = tmp_path / "root"
    inside = _case(root / "plant")
    os.symlink(outside.parent, root / "link-out", target_is_directory=True)
    assert discover_cases([root]) == [inside.resolve()]


def test_symlinked_case_toml_pointing_outside_is_ignored(tmp_path):
    outside = _case(tmp_path / "outside")
    root = tmp_path / "root"
    (root / "trap").mkdir(parents=True)
    os.symlink(outside / "case.toml", root / "trap" / "case.toml")
    inside = _case(root / "plant")
    assert discover_cases([root]) == [inside.resolve()]


def test_symlink_inside_the_root_gives_the_real_folder_once(tmp_path):
    root = tmp_path / "root"
    real = _case(root / "real")
    os.symlink(real, root / "alias", target_is_directory=True)
    assert discover_cases([root, root / "alias"]) == [real.resolve()]


def test_missing_path_and_no_case_are_input_errors(tmp_path):
    with pytest.raises(InputError, match="not a folder"):
        discover_cases([tmp_path / "nope"])
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match="no case.toml found"):
        discover_cases([tmp_path / "empty"])
    with pytest.raises(InputError):
        discover_cases([])
