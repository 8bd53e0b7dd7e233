"""Catalogue lookups for one report language: the helper every template line calls (``L``).

Plain strings out (Jinja escapes them). Reads only the report's catalogues and the results dict.
"""

from __future__ import annotations

from verify.errors import RenderError
from verify.report.fmt import DASH, fmt_chem
from verify.report.i18n import HTML_LANG, load_catalogue
from verify.reasons import reason_text


class Lang:
    """Catalogue lookups for one language; plain strings out (Jinja escapes them)."""

    def __init__(self, code: str, results: dict):
        self.code = code
        self.html = HTML_LANG[code]
        self.T = load_catalogue(code)
        self._sources = {s.get("id"): s for s in results.get("sources") or [] if isinstance(s, dict)}

    def t(self, path: str) -> str:
        section, _, key = path.partition(".")
        try:
            return self.T[section][key]
        except KeyError as exc:
            raise RenderError(f"catalogue {self.code}.toml has no key {path!r}") from exc

    def f(self, path: str, **values) -> str:
        return self.t(path).format(**values)

    def code_label(self, section: str, code) -> str:
        """Translation of a code (pollutant, reason, rule, …) or the code itself when unknown."""
        if code is None:
            return DASH
        return self.T.get(section, {}).get(str(code), fmt_chem(code))

    def text(self, obj) -> str:
        """A ``{ja, zh}`` text in this language (the other language if only that one exists)."""
        if obj is None:
            return DASH
        if isinstance(obj, dict):
            other = "zh" if self.code == "ja" else "ja"
            value = obj.get(self.code) or obj.get(other)
            return str(value) if value else DASH
        return str(obj)

    def poll(self, code, as_=None) -> str:
        name = self.code_label("pollutant", code)
        if as_:
            name += f"（{self.code_label('as', as_)}）"
        return name

    def source(self, sid) -> str:
        src = self._sources.get(sid)
        if src and src.get("name"):
            return self.text(src["name"])
        if sid in self.T.get("point", {}):
            return self.T["point"][sid]
        return DASH if sid is None else str(sid)

    def source_full(self, sid) -> str:
        name = self.source(sid)
        return name if name == str(sid) else f"{sid} {name}"

    def what(self, ep: dict) -> str:
        parts = [self.source(ep.get("source"))]
        if ep.get("position"):
            parts.append(self.code_label("position", ep["position"]))
        parts.append(self.poll(ep.get("pollutant"), ep.get("as")))
        parts.append(self.code_label("metric", ep.get("metric")))
        return " ".join(parts)

    def yesno(self, value) -> str:
        if value is None:
            return DASH
        return self.t("doc.yes") if value else self.t("doc.no")

    def verdict(self, code) -> str:
        return self.code_label("verdict", code)

    def reason(self, code) -> str:
        """The name of a reason code (ledger flag or rejection, QA check, caveat) from
        ``verify/data/reasons.csv``."""
        return reason_text(str(code), self.code) if code else DASH

    def cob_label(self, key) -> str:
        return self.T["cob"].get(str(key), str(key))


