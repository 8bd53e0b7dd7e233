"""The language of the command line: chosen as gettext chooses (LANGUAGE, LC_ALL, LC_MESSAGES, LANG),
overridden by VERIFY_LANG and ``verify --ui``; errors keep file, sheet, row, column and raw text as
read inside the translated sentence; library code raises messages that the CLI renders."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from verify import uilang
from verify.errors import InputError, Location
from verify.i18n import N_, Joined

ROOT = Path(__file__).resolve().parents[2]
CASE = ROOT / "case_studies" / "jiangsu-textile-dyeing"


@pytest.mark.parametrize(("env", "lang"), [
    ({}, "en"),
    ({"LANG": "C"}, "en"),
    ({"LANG": "POSIX"}, "en"),
    ({"LANG": "C.UTF-8"}, "en"),
    ({"LANG": "zh_CN.UTF-8"}, "zh"),
    ({"LANG": "zh_TW.Big5"}, "zh"),
    ({"LANG": "zh-Hant"}, "zh"),
    ({"LANG": "ja_JP.UTF-8"}, "ja"),
    ({"LANG": "ja_JP.eucJP@euro"}, "ja"),
    ({"LANG": "fr_FR.UTF-8"}, "en"),
    ({"LANG": "en_GB.UTF-8"}, "en"),
    ({"LANG": "ja_JP.UTF-8", "LC_MESSAGES": "zh_CN.UTF-8"}, "zh"),  # LC_MESSAGES before LANG
    ({"LC_MESSAGES": "zh_CN", "LC_ALL": "ja_JP"}, "ja"),  # LC_ALL before LC_MESSAGES
    ({"LANG": "zh_CN", "LANGUAGE": "fr:ja:zh"}, "ja"),  # LANGUAGE first, its list in order
    ({"LANG": "zh_CN", "LANGUAGE": "fr"}, "en"),  # the first variable set decides, as in gettext
    ({"LANG": "zh_CN", "LANGUAGE": ""}, "zh"),  # an empty variable does not count
    ({"LANG": "zh_CN", "VERIFY_LANG": "ja"}, "ja"),
    ({"LANG": "zh_CN", "VERIFY_LANG": "en"}, "en"),
])
def test_language_from_the_environment(env, lang):
    assert uilang.from_environment(env) == lang


def test_ui_option_overrides_everything():
    assert uilang.choose("ja", {"LANG": "zh_CN.UTF-8", "VERIFY_LANG": "zh"}) == "ja"
    assert uilang.choose(None, {"LANG": "zh_CN.UTF-8"}) == "zh"
    assert uilang.choose("fr", {"LANG": "zh_CN.UTF-8"}) == "zh"  # Click then refuses --ui fr


@pytest.mark.parametrize(("argv", "ui"), [
    (["--ui", "ja", "check", "x"], "ja"),
    (["--ui=zh", "run"], "zh"),
    (["--debug", "--ui", "en", "plan"], "en"),
    (["check", "--ui", "ja"], None),  # after the command name it is not the global option
    (["check", "ui"], None),
    ([], None),
])
def test_ui_read_from_the_arguments_before_typer(argv, ui):
    assert uilang.ui_from_argv(argv) == ui


def test_every_language_has_its_catalogues():
    for lang in ("ja", "zh"):
        for domain in uilang.DOMAINS:
            assert (uilang.LOCALE_DIR / lang / "LC_MESSAGES" / f"{domain}.mo").is_file()


def test_a_message_keeps_the_values_as_read_inside_the_translated_sentence():
    error = InputError(N_("cannot read {raw!r} as a number", raw="１２,３"),
                       Location(file="data/現場.xlsx", sheet="监测结果", row=12, column="E"),
                       hint=N_("fill it, or remove its [[file]] block from case.toml"))
    english = str(error)
    assert english == ("data/現場.xlsx, sheet '监测结果', row 12, column E: cannot read '１２,３' as a number\n"
                       "  hint: fill it, or remove its [[file]] block from case.toml")
    zh = error.render(uilang.catalogue("zh").gettext)
    ja = error.render(uilang.catalogue("ja").gettext)
    for text in (zh, ja):
        assert "data/現場.xlsx" in text and "'监测结果'" in text and "12" in text and "E" in text
        assert "'１２,３'" in text  # raw text as read, never translated
    assert "工作表 '监测结果'" in zh and "第 12 行" in zh and "提示：" in zh
    assert "シート '监测结果'" in ja and "12 行目" in ja and "対処：" in ja


def test_a_broken_translation_falls_back_to_english():
    message = N_("wrote {path}", path="out/x.csv")
    assert message.render(lambda _: "{file} を書き出しました") == "wrote out/x.csv"


def test_joined_messages_render_each_part_in_the_language():
    joined = Joined(N_("; "), [N_("duplicate [[claim]] id"), "raw text"])
    assert str(joined) == "duplicate [[claim]] id; raw text"
    assert joined.render(uilang.catalogue("zh").gettext) == "[[claim]] 的 id 重复；raw text"


def _verify(args, env_lang: dict, cwd: Path):
    env = {k: v for k, v in os.environ.items() if k not in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG", "VERIFY_LANG")}
    env.update(env_lang)
    return subprocess.run([sys.executable, "-m", "verify", *args], capture_output=True, text=True, env=env, cwd=cwd,
                          timeout=600)


@pytest.fixture(scope="module")
def case_with_an_error(tmp_path_factory):
    """The textile case with a claim on a pollutant that has no data (what `check` refuses)."""
    folder = tmp_path_factory.mktemp("i18n") / "case"
    shutil.copytree(CASE, folder, ignore=shutil.ignore_patterns("expected"))
    text = (folder / "case.toml").read_text(encoding="utf-8")
    start = text.index("[[claim]]")
    at = text.index("pollutant = ", start)
    end = text.index("\n", at)
    (folder / "case.toml").write_text(text[:at] + 'pollutant = "NOPE"' + text[end:], encoding="utf-8")
    return folder


@pytest.mark.slow
@pytest.mark.parametrize(("env", "expected", "absent"), [
    ({"LANG": "zh_CN.UTF-8"}, ["错误：声明、限值和排放源有 1 个问题", "没有可供判定的数据", "'NOPE'", "质控检查"], ["error:"]),
    ({"LANG": "ja_JP.UTF-8"}, ["エラー：主張・基準値・排出源に 1 件の問題があります", "判定するデータがありません", "'NOPE'"],
     ["error:"]),
    ({"LANG": "ja_JP.UTF-8", "VERIFY_LANG": "en"}, ["error: 1 problem(s) with the claims", "'NOPE'"], ["エラー"]),
])
def test_check_speaks_the_users_language(case_with_an_error, tmp_path, env, expected, absent):
    done = _verify(["check", str(case_with_an_error)], env, tmp_path)
    text = done.stdout + done.stderr
    assert done.returncode == 2, text
    for part in expected:
        assert part in text, (part, text)
    for part in absent:
        assert part not in text
    assert "Traceback" not in text


@pytest.mark.slow
def test_ui_option_beats_the_locale(case_with_an_error, tmp_path):
    done = _verify(["--ui", "en", "check", str(case_with_an_error)], {"LANG": "zh_CN.UTF-8"}, tmp_path)
    assert done.returncode == 2 and "error: 1 problem(s) with the claims" in done.stderr
    assert "错误" not in done.stdout + done.stderr


def test_usage_errors_in_the_language(tmp_path):
    done = _verify(["--ui", "zh", "plan", "--cv", "abc"], {}, tmp_path)
    assert done.returncode == 2
    assert "用法: python -m verify plan" in done.stderr and "错误：'--cv' 的值无效：须为数值，实际为 'abc'" in done.stderr
    done = _verify(["check"], {"LANG": "ja_JP.UTF-8"}, tmp_path)
    assert done.returncode == 2 and "エラー：引数 'CASE' がありません。" in done.stderr
    done = _verify(["--ui", "fr", "check"], {}, tmp_path)
    assert done.returncode == 2 and "'fr' is not one of en, ja, zh." in done.stderr
