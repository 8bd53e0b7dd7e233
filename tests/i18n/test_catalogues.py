"""The message catalogues (verify/locale, docs/architecture.md "Messages and their language"):
complete, current, consistent with their sources, and compiled exactly as ``pybabel compile`` does.

* every message has a Japanese and a Chinese translation that is neither empty nor fuzzy;
* a fresh ``pybabel extract`` of the code gives exactly the msgids of the .pot and .po files (none
  missing, none obsolete) — for the domain ``verify`` (our code, babel.cfg) and ``click`` (Typer's
  own strings, extracted from the installed Typer);
* msgid and msgstr have the same placeholders (``{name!r:spec}``, and ``%(name)s`` in Typer's);
* the committed .mo files are byte for byte what ``pybabel compile`` makes of the .po files (the
  .mo files are committed, so that a checkout, an sdist, an editable install and ``pip install
  git+…`` all carry them without a build step);
* ``_()`` and ``N_()`` get a literal string first (an f-string would bake its values into the msgid).
"""

from __future__ import annotations

import ast
import re
import string
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
LOCALE = ROOT / "verify" / "locale"
LANGS = ("ja", "zh")
DOMAINS = ("verify", "click")
PYBABEL = [sys.executable, "-m", "babel.messages.frontend"]


def _read(path: Path, lang: str | None = None):
    with path.open("rb") as fh:
        return read_po(fh, locale=lang)


def _ids(catalog) -> set:
    return {m.id for m in catalog if m.id}


def _extract(domain: str, out: Path) -> set:
    if domain == "verify":
        args = ["-F", "babel.cfg", "--no-default-keywords", "-k", "_", "-k", "N_", "."]
    else:
        import typer

        args = ["--no-location", str(Path(typer.__file__).parent)]
    subprocess.run([*PYBABEL, "extract", "-o", str(out), *args], cwd=ROOT, check=True, capture_output=True)
    return _ids(_read(out))


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("domain", DOMAINS)
def test_every_message_is_translated(domain, lang):
    catalog = _read(LOCALE / lang / "LC_MESSAGES" / f"{domain}.po", lang)
    untranslated = [m.id for m in catalog if m.id and (m.fuzzy or not all(
        (m.string if isinstance(m.string, tuple) else (m.string,))))]
    assert not untranslated, f"{domain}.po ({lang}): no translation, or a fuzzy one, for {untranslated[:5]}"


@pytest.mark.parametrize("domain", DOMAINS)
def test_catalogues_match_a_fresh_extraction(domain, tmp_path):
    fresh = _extract(domain, tmp_path / f"{domain}.pot")
    assert fresh, "the extraction found no message at all"
    for path in [LOCALE / f"{domain}.pot", *(LOCALE / lang / "LC_MESSAGES" / f"{domain}.po" for lang in LANGS)]:
        catalog = _read(path)
        have = _ids(catalog)
        missing, obsolete = sorted(map(str, fresh - have)), sorted(map(str, have - fresh))
        assert not missing and not obsolete and not catalog.obsolete, (
            f"{path.relative_to(ROOT)} is stale: missing {missing[:5]}, obsolete {obsolete[:5]} "
            f"(run the pybabel extract/update/compile commands of docs/architecture.md)")


def _placeholders(text: str) -> list[tuple]:
    fields = [(name, conv, spec) for _, name, spec, conv in string.Formatter().parse(text) if name is not None]
    percent = re.findall(r"%\((\w+)\)[sdr]", text)
    return sorted(fields) + sorted(("%", p, "") for p in percent)


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("domain", DOMAINS)
def test_placeholders_agree(domain, lang):
    catalog = _read(LOCALE / lang / "LC_MESSAGES" / f"{domain}.po", lang)
    wrong = []
    for m in catalog:
        if not m.id:
            continue
        ids = m.id if isinstance(m.id, tuple) else (m.id,)
        strings = m.string if isinstance(m.string, tuple) else (m.string,)
        wanted = _placeholders(ids[-1])  # the plural form names every placeholder
        wrong += [(ids[0], s) for s in strings if _placeholders(s) != wanted]
    assert not wrong, f"{domain}.po ({lang}): placeholders differ from the msgid: {wrong[:3]}"


def test_placeholder_check_catches_a_renamed_or_dropped_field():
    assert _placeholders("wrote {path!r}") != _placeholders("{file!r} を書き出しました")
    assert _placeholders("{n} of {total}") != _placeholders("{n} 件")
    assert _placeholders("{v:g}") != _placeholders("{v}")
    assert _placeholders("{a}, {b!r}") == _placeholders("{b!r}、{a}")


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("domain", DOMAINS)
def test_committed_mo_is_what_pybabel_compile_makes(domain, lang, tmp_path):
    po = LOCALE / lang / "LC_MESSAGES" / f"{domain}.po"
    mo = tmp_path / f"{domain}.mo"
    subprocess.run([*PYBABEL, "compile", "-i", str(po), "-o", str(mo), "-l", lang], check=True, capture_output=True)
    committed = po.with_suffix(".mo")
    assert committed.is_file() and committed.read_bytes() == mo.read_bytes(), (
        f"{committed.relative_to(ROOT)} differs from its .po: run pybabel compile (docs/architecture.md)")


def _marker_calls(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("_", "N_"):
            yield node


def test_markers_get_a_literal_string_first():
    bad = []
    for path in sorted((ROOT / "verify").rglob("*.py")):
        for call in _marker_calls(ast.parse(path.read_text(encoding="utf-8"))):
            first = call.args[0] if call.args else None
            if not (isinstance(first, ast.Constant) and isinstance(first.value, str)):
                bad.append(f"{path.relative_to(ROOT)}:{call.lineno}")
    assert not bad, f"_() / N_() need a literal string first (values as named placeholders): {bad}"


def test_literal_check_catches_an_f_string():
    calls = list(_marker_calls(ast.parse('x = N_(f"wrote {path}")\ny = _("ok {n}", n=1)')))
    assert [isinstance(c.args[0], ast.Constant) for c in calls] == [False, True]
