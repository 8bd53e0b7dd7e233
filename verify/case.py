"""The case folder and its manifest ``case.toml`` (contract: ``docs/case-format.md``).

``load_case(folder)`` reads and validates ``case.toml`` and returns a frozen :class:`Case`. Every
problem is reported as a :class:`~verify.errors.CaseError` naming the table and key, e.g.
``case.toml: [[source]] #2 (id 'S1'): height_m: Input should be a valid number``. Unknown keys are
errors, because a mistyped key (``referance_o2_pct``) would otherwise silently change a number.
File paths are confined to the case folder.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import tomllib
import unicodedata
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from verify.errors import CaseError, Location
from verify.i18n import N_, Joined, Msg

CASE_FILE = "case.toml"
CASE_ID_PATTERN = r"^[a-z0-9]+(-[a-z0-9]+)*$"
#: A statement number as printed on the report: letters, digits and ``-_.``, at most 64 characters.
STATEMENT_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"
#: Most characters of one language's text in a free-text field (report readability; a hostile
#: 5,000-character name would otherwise stretch the report and its charts). Longer texts are an error
#: naming the field (``verify check`` exits 2).
MAX_CHARS = {"name": 100, "short": 200, "text": 500}
WINDOWS_DEVICE_NAMES = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)), *(f"LPT{i}" for i in range(1, 10))}

Phase = Literal["before", "after"]
Conditions = Literal["CN", "JP", "US-EPA"]
Basis = Literal["standard-dry", "standard-wet", "actual-wet"]
Metric = Literal["concentration", "concentration_o2", "mass_rate", "removal_efficiency", "fugitive"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class Text(_Model):
    """A bilingual text. A plain string in case.toml is used for both languages."""

    ja: str
    zh: str

    @model_validator(mode="before")
    @classmethod
    def _from_plain_string(cls, value: Any) -> Any:
        if isinstance(value, str):
            return {"ja": value, "zh": value}
        return value


def _at_most(kind: str):
    """A validator: each language of a :class:`Text` (or a plain string) has at most MAX_CHARS[kind] characters."""
    limit = MAX_CHARS[kind]

    def check(value):
        texts = (value.ja, value.zh) if isinstance(value, Text) else (value,)
        longest = max(len(t) for t in texts)
        if longest > limit:
            raise ValueError(N_("at most {limit} characters, got {n}", limit=limit, n=longest))
        return value

    return AfterValidator(check)


def _statement_id(value: str) -> str:
    if not re.fullmatch(STATEMENT_ID_PATTERN, value):
        raise ValueError(N_("a statement number has letters, digits and - _ . only (no spaces), at most 64 "
                            "characters, starting with a letter or digit; got {value!r}", value=value[:80]))
    return value


StatementId = Annotated[str, AfterValidator(_statement_id)]
NameText = Annotated[Text, _at_most("name")]
ShortText = Annotated[Text, _at_most("short")]
LongText = Annotated[Text, _at_most("text")]


def strip_invisible(value: Any, key: str = "") -> Any:
    """``value`` (parsed TOML) with zero-width and bidirectional-control characters (Unicode
    category Cf: U+200B–U+200F, U+202A–U+202E, U+2060–U+2069, U+FEFF …) removed from every string,
    so that no text printed in the report can reorder or hide what is around it. File paths are
    left as written (an invisible character there is an error: the file does not exist)."""
    if isinstance(value, str):
        return value if key == "path" else "".join(ch for ch in value if unicodedata.category(ch) != "Cf")
    if isinstance(value, dict):
        return {k: strip_invisible(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [strip_invisible(v, key) for v in value]
    return value

class CaseInfo(_Model):
    id: Annotated[str, Field(pattern=CASE_ID_PATTERN, max_length=80)]
    title: ShortText
    factory: ShortText
    timezone: str
    conditions: Conditions
    concentration_basis: Basis
    input_conditions: Conditions | None = None
    load_equivalence_margin_pct: Annotated[float, Field(gt=0, lt=100)] = 10.0
    # Extensions (documented in docs/case-format.md): what the report prints about the plant.
    location: ShortText | None = None
    # GB/T 2260 administrative code of the plant (province 320000, city 320200, county 320281):
    # which standards' jurisdiction covers it (verify.measure.binding); the province is checked there
    location_code: str | None = None
    process: LongText | None = None
    measures: Annotated[list[LongText], Field(max_length=20)] = []
    illustrative: bool = False  # data are illustrative (case studies), printed on every page
    # what the production load (load_pct) of the data is a percentage of (e.g. rated capacity), and
    # from which record: printed under the report's table of measurement points
    load_definition: LongText | None = None

    @field_validator("location_code", mode="before")
    @classmethod
    def _six_digits(cls, value: Any) -> Any:
        text = str(value).strip() if isinstance(value, (str, int)) and not isinstance(value, bool) else value
        if text is not None and not (isinstance(text, str) and len(text) == 6 and text.isascii() and text.isdigit()):
            raise ValueError(N_("{value!r} is not a six-digit GB/T 2260 administrative code "
                                "(e.g. 320000 Jiangsu Province, 320200 Wuxi City, 320281 Jiangyin City)", value=value))
        return text

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(N_("unknown IANA time zone {value!r} (e.g. 'Asia/Shanghai', 'Asia/Tokyo')",
                                value=value)) from None
        return value


ReportNumbers = Annotated[list[Annotated[str, Field(min_length=1, max_length=60)]], Field(max_length=20)]
#: a permit or outlet number as the plant's documents write it (letters, digits and - _ . /)
PlantId = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_./-]*$", max_length=40)]


class Laboratory(_Model):
    """Where the data come from (the statement prints it): a test laboratory whose reports the files
    copy (``kind = "test_laboratory"``, the default), or the operator of a CEMS (在线监测运维单位,
    ``kind = "cems_operator"``) whose minute export is used, with the numbers of the CEMS acceptance
    report (验收, HJ 75-2017 / HJ 1286-2023) and of the comparison monitoring (比对监测) reports."""

    kind: Literal["test_laboratory", "cems_operator"] = "test_laboratory"
    name: ShortText
    cma_certificate: Annotated[str, Field(max_length=40)] | None = None  # 检验检测机构资质认定证书编号 (CMA)
    keiryo_registration: Annotated[str, Field(max_length=60)] | None = None  # 計量証明事業 登録番号
    report_numbers: ReportNumbers = []
    cems_acceptance_reports: ReportNumbers = []  # CEMS 验收报告编号
    comparison_reports: ReportNumbers = []  # 比对监测报告编号


class Signature(_Model):
    """One line of the statement's sign-off block."""

    role: Literal["verifier", "reviewer", "approver"]
    # one spelling for both languages, or {ja, zh}: a Chinese name in its Japanese kanji form (李華 / 李华)
    name: NameText
    title: NameText | None = None  # position, e.g. { ja = "実証責任者", zh = "验证负责人" }
    date: dt.date | None = None


class Verification(_Model):
    statement_id: StatementId
    verifier: ShortText
    technology: LongText
    issued: dt.date
    valid_until: dt.date | None = None
    supersedes: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")] | None = None
    supersedes_statement_id: StatementId | None = None
    laboratory: Laboratory | None = None
    signature: Annotated[list[Signature], Field(max_length=6)] = []
    #: the language version that prevails where the Japanese and the Chinese texts differ (extension;
    #: printed in the statement; absent: the statement says that neither version prevails)
    prevailing_language: Literal["ja", "zh"] | None = None

    @model_validator(mode="after")
    def _reissue_is_traceable(self) -> "Verification":
        """A re-issue gets a new statement id and cites the superseded report by id and SHA-256
        (docs/reliability.md#promises, promise 9; ISO/IEC 17025:2017 7.8.8: an amended report is identified
        as such and refers to the report it replaces)."""
        if (self.supersedes is None) != (self.supersedes_statement_id is None):
            raise ValueError(N_("a re-issue names the report it replaces twice: supersedes (the SHA-256 of that "
                                "report file, e.g. `sha256sum report.pdf`) and supersedes_statement_id (its "
                                "statement id)"))
        if self.supersedes_statement_id is not None and self.supersedes_statement_id == self.statement_id:
            raise ValueError(N_("a re-issue gets a new statement_id: {id!r} is the id of the report it supersedes",
                                id=self.statement_id))
        return self


class ClaimConditions(_Model):
    load_pct_min: Annotated[float, Field(ge=0, le=200)] | None = None


class Claim(_Model):
    id: Annotated[str, Field(min_length=1, max_length=40)]
    source: str
    position: Literal["inlet", "outlet"] | None = None
    pollutant: str
    metric: Metric
    kind: Literal["reduction", "efficiency", "level"]
    value: Annotated[float, Field(allow_inf_nan=False)]
    phase: Phase | None = None  # efficiency claims: the phase the claim is about (default after)
    conditions: ClaimConditions = ClaimConditions()
    description: LongText | None = None

    @field_validator("value")
    @classmethod
    def _plausible_for_kind(cls, value: float, info) -> float:
        """A reduction or efficiency is a percentage in [0, 100); a level is a positive value in the
        metric's unit (a limit-like bound: 0 or less can never be met by a measured value)."""
        kind = info.data.get("kind")
        if kind == "reduction" and not (0 <= value < 100):
            raise ValueError(N_("a reduction claim is a percentage in [0, 100); got {value:g}", value=value))
        if kind == "efficiency" and not (0 <= value < 100):
            raise ValueError(N_("an efficiency claim is a percentage in [0, 100); got {value:g}", value=value))
        if kind == "level" and not value > 0:
            raise ValueError(N_("a level claim is a positive value in the metric's unit; got {value:g}", value=value))
        return value

    @model_validator(mode="after")
    def _kind_fits(self) -> "Claim":
        if self.kind == "efficiency" and self.metric != "removal_efficiency":
            raise ValueError(N_("an efficiency claim needs metric = 'removal_efficiency'"))
        if self.phase is not None and self.kind == "reduction":
            raise ValueError(N_("phase applies to efficiency claims only (a reduction claim uses both phases)"))
        if self.phase is not None and self.kind != "efficiency":
            raise ValueError(N_("phase applies to efficiency claims only (a level claim uses the after phase)"))
        return self


class Source(_Model):
    id: Annotated[str, Field(pattern=r"^[A-Za-z0-9_.-]+$", max_length=40)]
    kind: Literal["stack", "fugitive"]
    name: NameText | None = None
    aliases: list[Annotated[str, Field(max_length=MAX_CHARS["name"])]] = []
    role: Literal["upwind", "downwind", "in-plant"] | None = None
    height_m: Annotated[float, Field(gt=0, le=500)] | None = None
    regime: Literal["new", "existing"] | None = None
    special_limits: bool = False
    reference_o2_pct: Annotated[float, Field(ge=0, lt=21)] | None = None
    o2_ambient_pct: Annotated[float, Field(gt=15, le=21)] = 21.0
    o2_cap_pct: Annotated[float, Field(gt=0, lt=21)] | None = None
    limits: list[str] = []
    design_flow_m3_h: Annotated[float, Field(gt=0)] | None = None
    description: LongText | None = None
    #: a second concentration endpoint in ppmC (metric concentration_ppmc) beside the mgC/m3 one,
    #: for ppmC limits (大気汚染防止法施行規則 別表第五の二); docs/case-format.md
    report_ppmc: bool = False
    #: the pollutant discharge permit (排污许可证编号, e.g. 91320281MA1XXXXX0X001V) and the outlet's
    #: number in it (排放口编号, e.g. DA001; HJ 608-2017 排污单位编码规则 gives the form) [K]; printed in
    #: the statement and the table of measurement points (extension)
    permit_id: PlantId | None = None
    outlet_id: PlantId | None = None
    #: why the source is ``regime`` new or existing (e.g. the boiler's commissioning date against
    #: GB 13271-2014's dates), printed beside the regime
    regime_basis: LongText | None = None
    #: how the runs were sampled, for the limits defined on 1-hour means (verify/measure/hourly.py):
    #: hourly (1 h continuous sampling), equal_interval (samples at equal intervals within 1 h,
    #: averaged per run), grab (short samples: an indicative comparison only); docs/case-format.md
    sample_type: Literal["hourly", "equal_interval", "grab"] | None = None
    #: why the dry standard flow changed between the phases (e.g. a fan replaced, a second machine
    #: connected); printed in the caveat of a flow change above the threshold of
    #: verify/measure/flowchange.py, "cause not stated" without it (docs/case-format.md)
    flow_change_cause: LongText | None = None
    #: the daily zero/span check of a CEMS: the analyser range and the zero and span gas values, in
    #: the unit of the readings; with it, 24-h zero and span drift are computed from the readings
    #: flagged C (HJ 212-2017), docs/case-format.md
    cems_calibration: "CemsCalibration | None" = None

    @model_validator(mode="after")
    def _fugitive_has_role(self) -> "Source":
        if self.kind == "fugitive" and self.role is None:
            raise ValueError(N_("a fugitive source needs role = 'upwind', 'downwind' or 'in-plant'"))
        if self.kind == "stack" and self.role is not None:
            raise ValueError(N_("role applies to fugitive sources only"))
        return self


class CemsCalibration(_Model):
    """The daily zero and span check of a CEMS analyser (values in the unit of its readings)."""

    range: Annotated[float, Field(gt=0)]
    zero: Annotated[float, Field(ge=0)] = 0.0
    span: Annotated[float, Field(gt=0)]

    @model_validator(mode="after")
    def _span_inside_range(self) -> "CemsCalibration":
        if not self.zero < self.span <= self.range:
            raise ValueError(N_("cems_calibration: need zero < span <= range (got zero {zero:g}, span {span:g}, "
                                "range {range:g})", zero=self.zero, span=self.span, range=self.range))
        return self


class Period(_Model):
    """A campaign of continuous monitoring. That ``end`` is after ``start`` and that no two periods
    overlap is checked for all periods at once (:func:`period_problems`), so every problem is listed."""

    phase: Phase
    start: dt.datetime
    end: dt.datetime


def period_problems(periods: list[Period]) -> list[Msg]:
    """Every period that ends before it starts, and every pair of periods that overlap."""
    out = [N_("[[period]] #{i} ({phase}): end {end} is not after start {start}", i=i, phase=p.phase, end=str(p.end),
              start=str(p.start))
           for i, p in enumerate(periods, start=1) if p.end <= p.start]
    ordered = [(i, p) for i, p in enumerate(periods, start=1) if p.end > p.start]
    for n, (i, a) in enumerate(ordered):
        for j, b in ordered[n + 1:]:
            if a.start < b.end and b.start < a.end:
                out.append(N_("[[period]] #{i} {phase} {start}–{end} overlaps #{j} {other_phase} {other_start}–{other_end}",
                              i=i, phase=a.phase, start=str(a.start), end=str(a.end), j=j, other_phase=b.phase,
                              other_start=str(b.start), other_end=str(b.end)))
    return out


class FileSpec(_Model):
    path: str
    sheet: str | None = None
    layout: Literal["long", "wide"] | None = None
    header_rows: list[Annotated[int, Field(ge=1, le=1000)]] | None = None
    encoding: str | None = None
    decimal: Literal[".", ","] = "."
    thousands: Literal[",", " ", ".", "'", "\u00a0", "\u202f"] | None = None
    date_format: str | None = None
    defaults: dict[str, str | int | float] = {}
    columns: dict[str, str] = {}  # optional explicit header → canonical column map

    @field_validator("path")
    @classmethod
    def _relative_inside(cls, value: str) -> str:
        check_relative_path(value)
        return value

    @field_validator("encoding")
    @classmethod
    def _known_encoding(cls, value: str | None) -> str | None:
        if value is None:
            return value
        import codecs

        try:
            info = codecs.lookup(value)
        except LookupError:
            raise ValueError(N_("unknown encoding {value!r} (use utf-8, utf-8-sig, gbk, gb18030 or shift_jis)",
                                value=value)) from None
        if not getattr(info, "_is_text_encoding", True):  # rot13, zlib, base64, hex: not a text encoding
            raise ValueError(N_("{value!r} is not a text encoding (use utf-8, utf-8-sig, gbk, gb18030 or shift_jis)",
                                value=value))
        return value

    @model_validator(mode="after")
    def _separators_differ(self) -> "FileSpec":
        if self.thousands is not None and self.thousands == self.decimal:
            raise ValueError(N_("decimal and thousands separators are both {value!r}", value=self.decimal))
        return self


class PollutantDecl(_Model):
    """A pollutant the package's table (``verify/sources/data/pollutants.csv``) does not know,
    declared in case.toml so that its columns and labels are read (docs/case-format.md
    "[[pollutant]]"). Its names are matched like the package's (NFKC, case- and width-insensitive)."""

    key: Annotated[str, Field(pattern=r"^[A-Za-z][A-Za-z0-9_.-]*$", max_length=40)]
    ja: str
    zh: str
    en: str | None = None
    aliases: list[Annotated[str, Field(min_length=1, max_length=80)]] = []
    state: Literal["gas", "particle"] = "gas"
    molar_mass_g_mol: Annotated[float, Field(gt=0, le=2000)] | None = None  # ppm ↔ mg/m³ (a gas only)
    n_carbon: Annotated[int, Field(ge=1, le=100)] | None = None  # carbon atoms per molecule
    source: str | None = None  # where the molar mass / carbon number come from

    @model_validator(mode="after")
    def _gas_data(self) -> "PollutantDecl":
        if self.state == "particle" and (self.molar_mass_g_mol is not None or self.n_carbon is not None):
            raise ValueError(N_("particulate matter has no molar mass or carbon number (ppm of particles means "
                                "nothing)"))
        if (self.molar_mass_g_mol is not None or self.n_carbon is not None) and not self.source:
            raise ValueError(N_("molar_mass_g_mol / n_carbon need source (e.g. the formula and IUPAC atomic weights)"))
        return self

    def names(self) -> list[str]:
        """Every name the files may use for it: key, ja, zh, en and aliases."""
        return [n for n in (self.key, self.ja, self.zh, self.en, *self.aliases) if n]


class Fuel(_Model):
    kind: Annotated[str, Field(max_length=60)]
    t_per_h: dict[Phase, Annotated[float, Field(ge=0)]]
    ncv_gj_per_t: Annotated[float, Field(gt=0, lt=60)]
    ncv_source: LongText  # { ja, zh } (a plain string serves both languages)
    co2_kg_per_tj: Annotated[float, Field(gt=0)] | None = None  # default: IPCC 2006 by `kind`
    co2_source: LongText | None = None


class Cobenefits(_Model):
    operating_hours_per_year: Annotated[float, Field(gt=0, le=8784)] | None = None
    production_t_per_h: dict[Phase, Annotated[float, Field(gt=0)]] | None = None
    product: NameText | None = None
    electricity_added_kw: Annotated[float, Field(ge=0)] | None = None
    grid_factor_t_per_mwh: Annotated[float, Field(ge=0, lt=2)] | None = None
    grid_factor_source: LongText | None = None
    fuel: list[Fuel] = []

    @model_validator(mode="after")
    def _grid_factor_sourced(self) -> "Cobenefits":
        if self.grid_factor_t_per_mwh is not None and not self.grid_factor_source:
            raise ValueError(N_("grid_factor_t_per_mwh needs grid_factor_source (where the factor comes from)"))
        return self


class CaseManifest(_Model):
    """The validated content of case.toml."""

    case: CaseInfo
    verification: Verification | None = None
    claim: list[Claim] = []
    source: list[Source] = Field(min_length=1)
    period: list[Period] = []
    file: list[FileSpec] = Field(min_length=1)
    cobenefits: Cobenefits | None = None
    pollutant: list[PollutantDecl] = []

    @model_validator(mode="after")
    def _cross_references(self) -> "CaseManifest":
        """Every problem across tables, all listed in one error (not only the first)."""
        problems = [*self._source_problems(), *self._claim_problems(), *period_problems(self.period)]
        keys = [(f.path, f.sheet) for f in self.file]
        if len(set(keys)) != len(keys):
            problems.append(N_("the same [[file]] path and sheet are listed twice"))
        pollutant_keys = [p.key for p in self.pollutant]
        if len(set(pollutant_keys)) != len(pollutant_keys):
            problems.append(N_("duplicate [[pollutant]] key"))
        if problems:
            raise ValueError(Joined(N_("; "), problems))
        return self

    def _source_problems(self) -> list[Msg]:
        ids = [s.id for s in self.source]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        out = [N_("duplicate [[source]] id(s): {ids}", ids=", ".join(duplicates))] if duplicates else []
        seen: dict[str, str] = {}
        for src in self.source:
            for name in [src.id, *src.aliases]:
                key = normalise_label(name)
                if key in seen and seen[key] != src.id:
                    out.append(N_("source name {name!r} is used by both {first!r} and {second!r}", name=name,
                                  first=seen[key], second=src.id))
                seen[key] = src.id
        return out

    def _claim_problems(self) -> list[Msg]:
        known = {s.id for s in self.source} | {"boundary"}
        out = [N_("[[claim]] {claim!r} names unknown source {source!r} (known: {known})", claim=claim.id,
                  source=claim.source, known=", ".join(sorted(known)))
               for claim in self.claim if claim.source not in known]
        claim_ids = [c.id for c in self.claim]
        if len(set(claim_ids)) != len(claim_ids):
            out.append(N_("duplicate [[claim]] id"))
        return out


class Case(_Model):
    """A loaded case: its folder, the manifest, and the SHA-256 of case.toml."""

    root: Path
    manifest: CaseManifest
    case_toml_sha256: str

    @property
    def id(self) -> str:
        return self.manifest.case.id

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.manifest.case.timezone)

    @property
    def sources(self) -> dict[str, Source]:
        return {s.id: s for s in self.manifest.source}

    def resolve(self, relative: str) -> Path:
        """The absolute path of a case-relative file, refusing anything outside the case folder."""
        check_relative_path(relative)
        root = self.root.resolve()
        try:
            full = (root / relative).resolve()
        except (RuntimeError, OSError):  # Python 3.11: RuntimeError("Symlink loop"); 3.13: OSError ELOOP
            raise CaseError(N_("file path {path!r} is a symbolic link that leads back to itself (a loop)",
                               path=relative), Location(file=CASE_FILE)) from None
        if root != full and root not in full.parents:
            raise CaseError(N_("file path {path!r} leads outside the case folder", path=relative),
                            Location(file=CASE_FILE))
        return full


def normalise_label(text: str) -> str:
    """The form in which labels (source names, headers) are compared: NFKC, case-folded, no spaces."""
    text = unicodedata.normalize("NFKC", str(text))
    text = "".join(ch for ch in text if unicodedata.category(ch) not in ("Cf", "Zs") and not ch.isspace())
    return text.casefold()


def check_relative_path(value: str) -> None:
    """Refuse absolute paths, ``..``, NUL and Windows device names (docs/reliability.md#bad-inputs row 37)."""
    if not value or "\x00" in value:
        raise ValueError(N_("path is empty or contains a NUL character"))
    if "\\" in value:
        raise ValueError(N_("path {path!r}: use '/' as the separator", path=value))
    posix, windows = PurePosixPath(value), PureWindowsPath(value)
    if posix.is_absolute() or windows.is_absolute() or windows.drive or value.startswith("~"):
        raise ValueError(N_("path {path!r} is absolute; paths are relative to the case folder", path=value))
    for part in posix.parts:
        if part == "..":
            raise ValueError(N_("path {path!r} goes up with '..'; it must stay inside the case folder", path=value))
        if part.split(".")[0].upper() in WINDOWS_DEVICE_NAMES:
            raise ValueError(N_("path {path!r} uses the reserved device name {name!r}", path=value, name=part))


def _format_validation_error(exc: ValidationError, data: dict) -> Joined:
    lines = []
    for err in exc.errors():
        loc = list(err["loc"])
        where = []
        node: Any = data
        for i, part in enumerate(loc):
            if isinstance(part, int) and i > 0 and isinstance(loc[i - 1], str):
                table = loc[i - 1]
                label = f"[[{table}]] #{part + 1}"
                try:
                    item = node[part]
                    if isinstance(item, dict) and "id" in item:
                        label += f" (id {item['id']!r})"
                    elif isinstance(item, dict) and "path" in item:
                        label += f" ({item['path']!r})"
                except (KeyError, IndexError, TypeError):
                    pass
                where[-1] = label
            else:
                where.append(str(part))
            try:
                node = node[part]
            except (KeyError, IndexError, TypeError):
                node = None
        place = ".".join(where) or N_("(top level)")
        lines.append(N_("{key}: {problem}", key=place, problem=validation_message(err)))
    return Joined(N_("; "), lines)


#: pydantic's error types → what the user reads (in the user's language); other types keep pydantic's
#: English text. ``{input!r}`` is the value as read, ``{limit}`` the bound of the field.
_VALIDATION_MESSAGES = {
    "extra_forbidden": N_("unknown key (check the spelling; see docs/case-format.md)"),
    "missing": N_("missing (this key is required)"),
    "float_parsing": N_("must be a number, got {input!r}"),
    "float_type": N_("must be a number, got {input!r}"),
    "finite_number": N_("must be a finite number"),
    "int_parsing": N_("must be a whole number, got {input!r}"),
    "int_type": N_("must be a whole number, got {input!r}"),
    "int_from_float": N_("must be a whole number, got {input!r}"),
    "bool_type": N_("must be true or false, got {input!r}"),
    "bool_parsing": N_("must be true or false, got {input!r}"),
    "string_type": N_("must be a text in quotes, got {input!r}"),
    "literal_error": N_("must be one of {expected}, got {input!r}"),
    "greater_than": N_("must be greater than {limit}, got {input!r}"),
    "greater_than_equal": N_("must be {limit} or more, got {input!r}"),
    "less_than": N_("must be less than {limit}, got {input!r}"),
    "less_than_equal": N_("must be {limit} or less, got {input!r}"),
    "string_pattern_mismatch": N_("does not have the required form {limit} (a regular expression), got {input!r}"),
    "string_too_long": N_("is longer than {limit} characters"),
    "string_too_short": N_("must have at least {limit} character(s)"),
    "too_short": N_("needs at least {limit} item(s)"),
    "too_long": N_("has more than {limit} item(s)"),
    "list_type": N_("must be a list ([...]), got {input!r}"),
    "dict_type": N_("must be a table, got {input!r}"),
    "model_type": N_("must be a table, got {input!r}"),
    "model_attributes_type": N_("must be a table, got {input!r}"),
    "date_parsing": N_("must be a date (YYYY-MM-DD), got {input!r}"),
    "date_type": N_("must be a date (YYYY-MM-DD), got {input!r}"),
    "date_from_datetime_parsing": N_("must be a date (YYYY-MM-DD), got {input!r}"),
    "datetime_parsing": N_("must be a date and time (YYYY-MM-DDTHH:MM:SS), got {input!r}"),
    "datetime_type": N_("must be a date and time (YYYY-MM-DDTHH:MM:SS), got {input!r}"),
    "datetime_from_date_parsing": N_("must be a date and time (YYYY-MM-DDTHH:MM:SS), got {input!r}"),
}
_LIMIT_KEYS = ("gt", "ge", "lt", "le", "pattern", "max_length", "min_length")


def validation_message(err: dict) -> Msg | str:
    """One pydantic error as a message: our validators raise ``ValueError(N_(…))`` (the message is
    kept); pydantic's own types are worded by :data:`_VALIDATION_MESSAGES`."""
    ctx = err.get("ctx") or {}
    error = ctx.get("error")
    if isinstance(error, ValueError) and error.args and not isinstance(error.args[0], str):
        return error.args[0]
    template = _VALIDATION_MESSAGES.get(err["type"])
    if template is None:
        return err["msg"].removeprefix("Value error, ")
    limit = next((ctx[k] for k in _LIMIT_KEYS if k in ctx), "")
    expected = str(ctx.get("expected", "")).replace(" or ", ", ")
    value = err.get("input")
    shown = value if isinstance(value, (str, int, float, bool)) or value is None else type(value).__name__
    return template.fill(input=shown, limit=limit, expected=expected)


def load_case(folder: str | Path) -> Case:
    """Read and validate ``folder/case.toml``; check that every ``[[file]]`` exists inside the folder."""
    root = Path(folder)
    manifest_path = root / CASE_FILE
    if not root.is_dir():
        raise CaseError(N_("case folder {folder!r} does not exist or is not a folder", folder=str(root)))
    if not manifest_path.is_file():
        raise CaseError(N_("no {file} in {folder!r}", file=CASE_FILE, folder=str(root)),
                        hint=N_("create one with `verify new`"))
    raw = manifest_path.read_bytes()
    try:
        data = tomllib.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise CaseError(N_("{file} is not UTF-8 text ({reason} at byte {byte})", file=CASE_FILE, reason=exc.reason,
                           byte=exc.start)) from None
    except tomllib.TOMLDecodeError as exc:
        raise CaseError(N_("{file} is not valid TOML: {error}", file=CASE_FILE, error=str(exc))) from None
    except RecursionError:
        raise CaseError(N_("{file} nests arrays or tables too deeply to be read", file=CASE_FILE)) from None
    if too_deep(data, MAX_NESTING):
        raise CaseError(N_("{file} nests arrays or tables more than {n} levels deep", file=CASE_FILE, n=MAX_NESTING))
    data = strip_invisible(data)
    try:
        manifest = CaseManifest.model_validate(data)
    except ValidationError as exc:
        raise CaseError(N_("{file}: {problems}", file=CASE_FILE, problems=_format_validation_error(exc, data))) from None
    case = Case(root=root, manifest=manifest, case_toml_sha256=hashlib.sha256(raw).hexdigest())
    for i, spec in enumerate(manifest.file, start=1):
        path = case.resolve(spec.path)
        problem = not_a_file(path)
        if problem:
            raise CaseError(N_("{file}: [[file]] #{i}: {path!r} {problem}", file=CASE_FILE, i=i, path=spec.path,
                               problem=problem))
    return case


#: Deepest nesting of arrays and tables read from case.toml or results.json (case.toml needs 3).
MAX_NESTING = 64


def too_deep(value: Any, limit: int) -> bool:
    """Whether lists/dicts in ``value`` nest deeper than ``limit`` (iterative: no recursion)."""
    stack = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            item = list(item.values())
        if isinstance(item, list):
            if depth >= limit:
                return True
            stack.extend((v, depth + 1) for v in item if isinstance(v, (list, dict)))
    return False


def not_a_file(path: Path, in_case: bool = True) -> Msg | None:
    """Why ``path`` cannot be read as an input file (None if it is a regular file): it does not
    exist, is a folder, a named pipe (reading it would wait forever) or another special file."""
    import os
    import stat

    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        if path.is_symlink():
            return N_("is a symbolic link to a file that does not exist")
        return N_("does not exist in the case folder") if in_case else N_("does not exist")
    except OSError as exc:
        return N_("cannot be opened ({error})", error=exc.strerror or str(exc))
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return N_("is a folder, not a file")
    if stat.S_ISFIFO(mode):
        return N_("is a named pipe (FIFO), not a file: reading it would wait for a writer")
    return N_("is not a regular file (a device or socket)")
