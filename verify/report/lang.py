"""Everything language-dependent the templates ask for, for one report language (``L`` in them).

Texts come from the report's catalogues (``data/ja.toml``, ``data/zh.toml``), its terminology file
(``data/glossary.csv``), its limit names (``data/limits.csv``) and the reason codes
(``verify/data/reasons.csv``), and from the ``{ja, zh}`` texts of results.json. Sentences with
numbers are filled by :meth:`Lang.f`, which escapes every value and keeps quantities (a number and
its unit, :meth:`Lang.q`) on one line.
"""

from __future__ import annotations

import csv
import re
from functools import lru_cache
from importlib import resources

from markupsafe import Markup, escape

from verify.errors import RenderError
from verify.reasons import reason_text
from verify.report.fmt import DASH, NBSP, fmt_chem, fmt_plain, fmt_unit
from verify.report.i18n import HTML_LANG, load_catalogue


def _read_csv(name: str) -> list[dict]:
    text = resources.files("verify.report").joinpath("data", name).read_text(encoding="utf-8")
    return list(csv.DictReader(line for line in text.splitlines() if not line.startswith("#")))


@lru_cache(maxsize=1)
def glossary() -> dict[str, dict]:
    """The terminology file: key → row (``key, ja, zh, en, source, ja_avoid, zh_avoid``)."""
    return {row["key"]: row for row in _read_csv("glossary.csv")}


@lru_cache(maxsize=1)
def limit_names() -> dict[str, dict]:
    """Limit id → ``{ja, zh}`` name (standard number, table and clause)."""
    return {row["id"]: {"ja": row["ja"], "zh": row["zh"]} for row in _read_csv("limits.csv")}


def standard_number(standard_id) -> str:
    """The printed number of a standard from its catalogue id: ``GB16297-1996`` → ``GB 16297-1996``,
    ``DB32-4041-2021`` → ``DB32/4041-2021``, ``DB330621-T001-2013`` → ``DB330621/T 001-2013``."""
    text = str(standard_id or "")
    m = re.fullmatch(r"(GB|HJ)(/T)?-?(\d+(?:\.\d+)?)-(\d{4})", text)
    if m:
        return f"{m.group(1)}{m.group(2) or ''} {m.group(3)}-{m.group(4)}"
    m = re.fullmatch(r"DB(\d+)-T(\d+)-(\d{4})", text)
    if m:
        return f"DB{m.group(1)}/T {m.group(2)}-{m.group(3)}"
    m = re.fullmatch(r"DB(\d+)-(\d+)-(\d{4})", text)
    if m:
        return f"DB{m.group(1)}/{m.group(2)}-{m.group(3)}"
    return text


#: The longest text and name printed (case.toml's own limits: 500 and 100 characters).
MAX_TEXT = 500
MAX_NAME = 100
#: A space between a number and its unit in a free text ("40 %", "200 mg/m³"): kept as a no-break
#: space, so that a line never ends with the number and starts with its unit.
_NUMBER_SPACE_UNIT = re.compile(r"(?<=\d)[ \u3000](?=[%％a-zA-Zµμ°℃])")
#: A claimed quantity in a claim's description ("40%以上", "削减25%以上", "200 mg/m³N以下", "不高于200 mg/m³"):
#: kept on one line, so a title never breaks inside "以上" or between a number and its unit.
_CLAIMED_QUANTITY = re.compile(r"(?:削减|削減|不高于|不低于|低于|高于)?[≥≤]?\d[\d.,]*(?:[\u00a0 ]?(?:%|％|[a-zA-Zµμ]+(?:/[a-zA-Z]+)?(?:[³²]N?)?))?"
                               r"(?:以上|以下|未満|以内)?")

#: A number with its unit or counter word in a sentence or table cell ("1時間値", "9件中1件", "7,200 h",
#: "每个监测频次的小时均值" has none), or a standard's number ("GB 16297-1996", "DB32/4041-2021"): kept
#: on one line by :func:`keep_quantities`.
_QUANTITY = re.compile(r"(?:GB|HJ|DB\d+)(?:/T)?[/\u00a0 ]?\d+(?:\.\d+)?-\d{4}"  # a standard number: GB 16297-1996
                       r"|\d[\d.,]*(?:[\u00a0 ]?(?:%|％|℃|kg/h|mg/m³N?|t/a|h(?![A-Za-z]))"
                       r"|時間値|時間|小时均值|小时|分钟|分値|分|件|回|次|項|项|個|个)")
_TAG = re.compile(r"(<[^>]*>)")


def keep_quantities(text) -> Markup:
    """The Jinja filter ``nobr``: every number with its unit or counter word in ``text`` (markup or
    plain text, escaped) wrapped in ``<span class="q">`` (no line break inside), outside the tags only."""
    parts = _TAG.split(str(escape(text)))
    return Markup("".join(p if i % 2 else _QUANTITY.sub(lambda m: f'<span class="q">{m.group(0)}</span>', p)
                          for i, p in enumerate(parts)))


class Lang:
    """Catalogue lookups for one language."""

    def __init__(self, code: str, results: dict):
        self.code = code
        self.html = HTML_LANG[code]
        self.T = load_catalogue(code)
        self._sources = {s.get("id"): s for s in results.get("sources") or [] if isinstance(s, dict)}
        names = results.get("pollutant_names")
        #: results.json ``pollutant_names``: the pollutants the catalogue does not name (case.toml declarations)
        self._names = names if isinstance(names, dict) else {}
        state = (results.get("case") or {}).get("reporting_state") or {}
        #: values at the ``normal`` state (0 °C, 101.325 kPa), dry: the language's standard-state units (m³N, 标干)
        self.normal = state.get("name") == "normal" and state.get("dry", True)

    # ---------------------------------------------------------------- catalogue
    def t(self, path: str) -> str:
        section, _, key = path.partition(".")
        try:
            return self.T[section][key]
        except KeyError as exc:
            raise RenderError(f"catalogue {self.code}.toml has no key {path!r}") from exc

    def has(self, path: str) -> bool:
        section, _, key = path.partition(".")
        return key in self.T.get(section, {})

    def f(self, path: str, **values) -> Markup:
        """A catalogue sentence with ``{placeholders}`` filled; values are escaped unless they are
        markup (quantities from :meth:`q`)."""
        return Markup(escape(self.t(path))).format(**values)

    def code_label(self, section: str, code) -> str:
        """The name of a code (metric, rule, phase, …) or the code itself when the catalogue has none."""
        if code is None:
            return DASH
        return self.T.get(section, {}).get(str(code), fmt_chem(code))

    def term(self, key: str) -> str:
        """A term of the terminology file in this language."""
        try:
            return glossary()[key][self.code]
        except KeyError as exc:
            raise RenderError(f"glossary.csv has no term {key!r}") from exc

    def text(self, obj, limit: int = MAX_TEXT) -> str:
        """A ``{ja, zh}`` text in this language (the other language if only that one exists), cut at
        ``limit`` characters with "…": case.toml bounds its texts (docs/case-format.md), but a
        results.json given to ``verify report --results`` may not, and one 5,000-character name
        printed in every table would make the report hundreds of pages long."""
        if obj is None:
            return DASH
        if isinstance(obj, dict):
            other = "zh" if self.code == "ja" else "ja"
            value = obj.get(self.code) or obj.get(other)
            text = str(value) if value else DASH
        else:
            text = str(obj)
        text = _NUMBER_SPACE_UNIT.sub(NBSP, text)
        return text if len(text) <= limit else text[: limit - 1] + "…"

    def title(self, obj, limit: int = MAX_TEXT) -> Markup:
        """A claim's description (:meth:`text`) with each claimed quantity kept on one line."""
        escaped = str(escape(self.text(obj, limit)))
        def keep(m: re.Match) -> str:  # a number with a unit, a bound word or a verb; a bare number as it is
            text = m.group(0)
            return f'<span class="q">{text}</span>' if re.search(r"[^\d.,]", text) else text

        return Markup(_CLAIMED_QUANTITY.sub(keep, escaped))

    # ---------------------------------------------------------------- quantities
    def unit(self, unit, standard: bool | None = None) -> str:
        """A unit as this language writes it; concentrations and flows at the standard state get
        ``m³N`` (ja) or ``（标干）`` (zh) when the case reports at 0 °C, 101.325 kPa, dry."""
        return fmt_unit(unit, self.code, self.normal if standard is None else standard)

    def q(self, number, unit=None, standard: bool | None = None) -> Markup:
        """A number with its unit that never breaks across lines (``97.3 mg/m³N``, ``42.5%``)."""
        if number in (None, DASH):
            return Markup(DASH)
        text = str(number)
        if unit and not text.endswith("%"):
            u = self.unit(unit, standard)
            text += u if u == "%" else "\u00a0" + u
        return Markup('<span class="q">') + escape(text) + Markup("</span>")

    @staticmethod
    def pv(p_text) -> str:
        """A formatted p-value in a sentence: ``p = 0.035``, ``p < 0.001``, ``p = —``."""
        text = str(p_text)
        return f"p < {text[1:]}" if text.startswith("<") else f"p = {text}"

    def date(self, iso) -> str:
        """A date as 2026年5月12日 (both languages write dates so)."""
        if not iso or len(str(iso)) < 10:
            return DASH
        y, m, d = str(iso)[:10].split("-")
        return self.t("fmt.date").format(y=int(y), m=int(m), d=int(d))

    def date_time(self, iso) -> str:
        """A local time as the report's dates are written, with the clock time: 2026年3月2日 0:00
        (the campaign table; one date style in both languages)."""
        text = str(iso or "")
        if len(text) < 16 or text[10] not in "T ":
            return self.date(iso)
        hour, minute = text[11:13], text[14:16]
        return f"{self.date(text)} {int(hour)}:{minute}"

    def date_range(self, first, last) -> str:
        if not first:
            return self.t("doc.not_given")
        if first == last:
            return self.date(first)
        return self.t("fmt.range").format(a=self.date(first), b=self.date(last))

    def timezone(self, name) -> str:
        """A time zone in words with its UTC offset: 中国標準時（UTC+8）; an unnamed zone by its offset."""
        if not name:
            return DASH
        from datetime import datetime
        from zoneinfo import ZoneInfo

        try:
            offset = datetime(2026, 1, 15, tzinfo=ZoneInfo(str(name))).utcoffset()
        except (ValueError, KeyError, OSError):
            return DASH
        hours = offset.total_seconds() / 3600
        utc = f"UTC{'+' if hours >= 0 else '−'}{fmt_plain(abs(hours))}"
        named = self.T.get("tz", {}).get(str(name))
        return f"{named}（{utc}）" if named else utc

    def local_time(self, name) -> str:
        """The case's time in words, the same everywhere (:meth:`timezone`: 中国標準時（UTC+8）, 北京时间（UTC+8）);
        "現地時間"/"当地时间" only when the case names no time zone."""
        zone = self.timezone(name)
        return self.t("stmt.campaign_local") if zone == DASH else zone

    # ---------------------------------------------------------------- names
    def poll(self, code, as_=None, source=None) -> str:
        """A pollutant's name: the catalogue's, else results.json ``pollutant_names`` (a pollutant the
        case declares), else its formula; particulate matter from a combustion source (one with a
        reference O₂) is ばいじん in Japanese (大気汚染防止法 第2条)."""
        if code == "PM" and source is not None and self._sources.get(source, {}).get("reference_o2_pct") is not None:
            name = self.term("dust_combustion")
        elif str(code) not in self.T.get("pollutant", {}) and isinstance(self._names.get(str(code)), dict):
            name = self.text(self._names[str(code)], MAX_NAME)
        else:
            name = self.code_label("pollutant", code)
        if as_ and name.endswith("）"):  # 窒素酸化物（NOx、NO₂換算）, not 窒素酸化物（NOx）（NO₂換算）
            name = name[:-1] + self.t("fmt.paren_sep") + self.code_label("as", as_) + "）"
        elif as_:
            name += self.t("fmt.paren").format(x=self.code_label("as", as_))
        return name

    def source(self, sid) -> str:
        src = self._sources.get(sid)
        if src and src.get("name"):
            return self.text(src["name"], MAX_NAME)
        if sid in self.T.get("point", {}):
            return self.T["point"][sid]
        return DASH if sid is None else str(sid)

    def metric(self, metric, source=None) -> str:
        name = self.code_label("metric", metric)
        if metric == "concentration_o2":
            ref = self._sources.get(source, {}).get("reference_o2_pct")
            if ref is not None:
                name += self.t("fmt.paren").format(x=self.t("metric_ref.o2").format(o2=fmt_plain(ref)))
        return name

    def what(self, ep: dict) -> str:
        parts = [self.source(ep.get("source"))]
        if ep.get("position"):
            parts.append(self.code_label("position", ep["position"]))
        parts.append(self.poll(ep.get("pollutant"), ep.get("as"), ep.get("source")))
        parts.append(self.metric(ep.get("metric"), ep.get("source")))
        return self.t("fmt.join_what").join(parts)

    def verdict(self, code) -> str:
        return self.code_label("verdict", code)

    def reason(self, code) -> str:
        """The name of a reason code (ledger, QA check, caveat) from ``verify/data/reasons.csv``."""
        return reason_text(str(code), self.code) if code else DASH

    def field(self, field) -> str:
        """A ledger field: ``value[PM]`` → 測定値（粒子状物質）, ``h2o_pct`` → 水分量."""
        text = str(field or "")
        if text.startswith("value[") and text.endswith("]"):
            return self.t("field.value") + self.t("fmt.paren").format(x=self.poll(text[6:-1]))
        return self.code_label("field", text) if text else DASH

    def limit_name(self, lim: dict) -> str:
        """A limit by its standard number, table and clause as the standard writes them."""
        named = limit_names().get(lim.get("id") or "")
        if named:
            return named[self.code]
        return " ".join(x for x in (standard_number(lim.get("standard")), lim.get("clause")) if x) or DASH

    def binding_note(self, note: dict) -> str:
        """Why a limit binds the plant or is only a benchmark, in words (catalogue ``binding``)."""
        params = dict(note.get("params") or {})
        if "limit" in params:
            params["limit"] = self.limit_name({"id": params["limit"]}) if params["limit"] else DASH
        for key in ("date", "new", "existing"):
            if params.get(key) not in (None, DASH):
                params[key] = self.date(params[key])
        path = f"binding.{note.get('key')}"
        return self.t(path).format(**params) if self.has(path) else self.t("binding.unknown")

    def fuel(self, kind) -> str:
        text = str(kind or "")
        return self.T.get("fuel", {}).get(text.strip().casefold(), text)
