"""Legal force, jurisdiction, effective dates and precedence of limits (issue 15 item 8).

Each expected verdict is worked out by hand from the rules of verify/measure/binding.py and the
catalogue entries it uses (their force, jurisdiction and dates are quoted next to each case).
"""

import datetime as dt
from dataclasses import replace

import pandas as pd
import pytest

from verify.errors import InputError
from verify.measure import binding
from verify.measure.adminarea import Area, covers, parse_area
from verify.measure.binding import Span, assess
from verify.measure.limits import FORCES, load_catalogue

JIANGYIN = Area("320281")  # Jiangsu (32) / Wuxi (3202) / Jiangyin (320281)
BOTH = ("before", "after")


@pytest.fixture(scope="module")
def cat():
    return load_catalogue()


def day(text: str) -> Span:
    d = dt.date.fromisoformat(text)
    return Span(d, d, "samples")


def confirmed(lim):
    """``lim`` as if its value (and averaging rule) had been confirmed in the official text (rule 5):
    for the tests of the other rules, which should not depend on the catalogue's confidence."""
    return replace(lim, confidence="S", rule_confidence=None)


def verdicts(limits, *, plant=JIANGYIN, regime="new", before="2026-05-12", after="2026-09-16", unweighed=()):
    dates = {"before": day(before) if before else None, "after": day(after) if after else None}
    return assess(limits, plant=plant, regime=regime, dates=dates, phases_with_values=BOTH, unweighed=unweighed)


# --- the catalogue states force and jurisdiction -------------------------------------------------

def test_every_entry_states_force_and_jurisdiction(cat):
    for lim in cat.limits.values():
        assert lim.force in FORCES, lim.id
        if lim.force != "none":
            assert lim.jurisdiction is not None and lim.scope in ("sector", "integrated") and lim.force_source, lim.id
            assert lim.force_confidence in ("S", "K"), lim.id
        if lim.force in binding.MANDATORY:
            assert lim.effective, lim.id  # a mandatory limit without a date could never be judged in force


def test_catalogue_force_and_jurisdiction_as_the_sources_say(cat):
    db32 = confirmed(cat.get("DB32-4041-2021:NMHC:conc"))
    assert (db32.force, db32.jurisdiction, db32.scope) == ("mandatory_local", Area("320000"), "integrated")
    # new sources from the effective date 2021-08-01, existing ones from 2022-07-01 (enviliance report 3765)
    assert db32.effective == {"new": dt.date(2021, 8, 1), "existing": dt.date(2022, 7, 1)}
    # the fugitive special limits apply to new and existing sources from the effective date
    assert cat.get("DB32-4041-2021:NMHC:inplant_1h").effective == {"all": dt.date(2021, 8, 1)}
    shaoxing = cat.get("DB330621-T001-2013:PM:conc")  # "/T": recommended, Shaoxing County 330621
    assert (shaoxing.force, shaoxing.jurisdiction.code, shaoxing.jurisdiction.level) == ("recommended", "330621", "county")
    assert cat.get("Shaoxing-stenter-campaign:PM:efficiency").force == "campaign_target"
    # values read only in news reports, never in the official texts: K (docs/references.md#db330621-t001-2013)
    for lid in ("DB330621-T001-2013:PM:conc", "DB330621-T001-2013:oil_mist:conc",
                "Shaoxing-stenter-campaign:PM:efficiency", "Shaoxing-stenter-campaign:oil_mist:efficiency"):
        assert cat.get(lid).confidence == "K", lid
    for kind in ("inplant_1h", "inplant_single", "inplant_1h:special", "inplant_single:special"):
        assert cat.get(f"GB37822-2019:NMHC:{kind}").force == "informative"  # Appendix A (Informative)
    assert cat.get("GB16297-1996:NMHC:conc:new").jurisdiction == Area("CN")
    assert cat.get("GB13271-2014:SO2:conc:new").scope == "sector"
    assert cat.get("JP-APCA-VOC-chemdryer:VOC:conc").jurisdiction == Area("JP")


def test_catalogue_refuses_a_mandatory_limit_without_date_or_an_unknown_force():
    from verify.measure.limits import _parse_limit

    table = {"force": "mandatory_local", "jurisdiction": "320000", "scope": "integrated", "force_source": "x",
             "force_confidence": "S"}
    entry = {"id": "DB32-4041-2021:NMHC:conc", "clause": "c", "pollutant": "NMHC", "kind": "conc", "value": 60.0,
             "unit": "mg/m3", "averaging": "1h", "rule": "each_run", "source": "s", "confidence": "S"}
    with pytest.raises(InputError, match="needs its effective date"):
        _parse_limit("f.toml", "DB32-4041-2021", entry, table)
    with pytest.raises(InputError, match="force 'binding' not in"):
        _parse_limit("f.toml", "DB32-4041-2021", {**entry, "force": "binding"}, table)
    with pytest.raises(InputError, match="no provincial-level division"):
        _parse_limit("f.toml", "DB32-4041-2021", {**entry, "effective": "2021-08-01"}, {**table, "jurisdiction": "990000"})
    assert _parse_limit("f.toml", "DB32-4041-2021", {**entry, "effective": "2021-08-01"}, table).effective == {"all": dt.date(2021, 8, 1)}


# --- jurisdiction by GB/T 2260 prefix -------------------------------------------------------------

@pytest.mark.parametrize(
    "jurisdiction, plant, inside",
    [
        ("320000", "320205", True),   # province 32xxxx covers Wuxi's Xishan District
        ("320200", "320205", True),   # city 3202xx covers it
        ("320205", "320205", True),   # county: only itself
        ("320205", "320206", False),  # another county of the same city
        ("320200", "320505", False),  # Wuxi does not cover a Suzhou district (3205xx)
        ("330621", "320281", False),  # Shaoxing County does not cover Jiangyin (Jiangsu)
        ("330000", "320281", False),  # nor does Zhejiang
        ("CN", "320205", True),       # a national standard covers every Chinese code
        ("JP", "320205", False),      # a Japanese law covers no Chinese plant
        ("320205", "320200", None),   # a plant known only to the city: a county standard cannot be told
        ("320205", "320000", None),   # … nor from the province alone
        ("330621", "320000", False),  # but a Jiangsu plant is surely outside a Zhejiang county
    ],
)
def test_jurisdiction_match_by_prefix(jurisdiction, plant, inside):
    assert covers(parse_area(jurisdiction, "test"), parse_area(plant, "test")) is inside


@pytest.mark.parametrize("code, match", [("990101", "no provincial-level division"), ("32020", "six-digit"),
                                          ("320012", "county part without a city part"), ("XX", "six-digit")])
def test_malformed_location_codes_are_refused(code, match):
    with pytest.raises(InputError, match=match):
        parse_area(code, "case.toml [case] location_code")


def test_area_levels():
    assert [Area(c).level for c in ("CN", "320000", "320200", "320281")] == ["country", "province", "city", "county"]


# --- force: recommended, informative, campaign target --------------------------------------------

def test_shaoxing_standard_for_a_jiangsu_plant_is_a_benchmark(cat):
    """A Jiangsu plant (320281) listing the Shaoxing stenter standard: it is recommended (/T), so it
    never binds, and were it mandatory it would still be another jurisdiction (330621)."""
    shaoxing = cat.get("DB330621-T001-2013:PM:conc")
    v = verdicts([shaoxing])[shaoxing.id]
    assert [v[p].binding for p in BOTH] == [False, False]
    assert v["before"].reason == "not_mandatory"
    as_if_mandatory = replace(confirmed(shaoxing), force="mandatory_local")
    assert verdicts([as_if_mandatory])[shaoxing.id]["after"].reason == "other_jurisdiction"
    # a plant in Keqiao's predecessor, Shaoxing County itself, would be bound by a mandatory version
    assert verdicts([as_if_mandatory], plant=Area("330621"))[shaoxing.id]["after"].binding is True
    target = cat.get("Shaoxing-stenter-campaign:oil_mist:efficiency")
    assert verdicts([target], plant=Area("330621"))[target.id]["after"].reason == "not_mandatory"


def test_gb37822_appendix_a_is_informative(cat):
    """GB 37822-2019 Appendix A (Informative): a benchmark even for a plant anywhere in China; the
    Jiangsu in-plant limit of DB32/4041 (mandatory, 320000, from 2021-08-01) binds instead."""
    app_a = cat.get("GB37822-2019:NMHC:inplant_1h")
    jiangsu = confirmed(cat.get("DB32-4041-2021:NMHC:inplant_1h"))
    v = verdicts([app_a, jiangsu])
    assert v[app_a.id]["after"] == binding.Phase(False, "not_mandatory")
    assert v[jiangsu.id]["after"] == binding.Phase(True, "binding")


def test_no_location_binds_nothing(cat):
    lim = cat.get("GB16297-1996:NMHC:conc:new")
    assert verdicts([lim], plant=None)[lim.id]["after"] == binding.Phase(False, "no_location")


# --- effective dates and regimes -----------------------------------------------------------------

@pytest.mark.parametrize(
    "regime, measured, reason",
    [
        ("existing", "2022-06-30", "not_in_force"),  # existing sources from 2022-07-01: one day early
        ("existing", "2022-07-01", "binding"),       # on the day
        ("new", "2021-08-01", "binding"),            # new sources from the effective date
        ("new", "2021-07-31", "not_in_force"),
        (None, "2022-01-10", "regime_unknown"),      # new would bind (≥ 2021-08-01), existing not (< 2022-07-01)
        (None, "2021-07-01", "not_in_force"),        # before both dates
        (None, "2023-03-01", "binding"),             # after both dates: the regime does not matter
    ],
)
def test_db32_4041_effective_date_by_regime(cat, regime, measured, reason):
    lim = confirmed(cat.get("DB32-4041-2021:NMHC:conc"))
    v = verdicts([lim], regime=regime, before=measured, after=measured)[lim.id]
    assert v["before"].reason == reason and v["before"].binding is (reason == "binding")


def test_phase_straddling_the_effective_date_or_without_dates(cat):
    lim = confirmed(cat.get("DB32-4041-2021:NMHC:conc"))
    straddle = {"before": Span(dt.date(2022, 6, 28), dt.date(2022, 7, 2), "samples"), "after": None}
    v = assess([lim], plant=JIANGYIN, regime="existing", dates=straddle, phases_with_values=BOTH)[lim.id]
    assert v["before"].reason == "straddles_effective_date" and v["after"].reason == "dates_unknown"
    none = assess([lim], plant=JIANGYIN, regime="existing", dates=straddle, phases_with_values=("before",))[lim.id]
    assert none["after"] == binding.Phase(None, "no_data")


def test_existing_source_measured_before_and_after_2022_07_01(cat):
    """An existing Jiangsu source listing GB 16297 (Table 1, existing, 150, in force since 1997) and
    DB32/4041 (60, existing sources from 2022-07-01), measured 2022-05-10 and 2022-09-20: before,
    DB32/4041 is not yet in force and GB 16297 binds; after, DB32/4041 binds and supersedes it."""
    gb = confirmed(cat.get("GB16297-1996:NMHC:conc:existing"))
    db = confirmed(cat.get("DB32-4041-2021:NMHC:conc"))
    v = verdicts([gb, db], regime="existing", before="2022-05-10", after="2022-09-20")
    assert v[db.id]["before"] == binding.Phase(False, "not_in_force")
    assert v[gb.id]["before"] == binding.Phase(True, "binding")
    assert v[db.id]["after"] == binding.Phase(True, "binding")
    assert v[gb.id]["after"] == binding.Phase(False, "superseded", db.id)


# --- rule 5: a value not confirmed in the official text never yields a binding verdict ------------

def test_unconfirmed_value_is_compared_provisionally(cat):
    """GB 13271-2014 Table 2 coal SO2 300 mg/m3 is [K] (not re-read in the official table): for a
    Jiangsu boiler (new, measured 2026) it passes force (mandatory national), jurisdiction (CN covers
    320281) and date (new boilers from 2014-07-01) and comes first, yet binds in neither phase:
    binding False, reason value_unconfirmed. The same entry with a confirmed value binds."""
    gb13271 = cat.get("GB13271-2014:SO2:conc:new")
    assert gb13271.confidence == "K"
    v = verdicts([gb13271])[gb13271.id]
    assert [v[p] for p in BOTH] == [binding.Phase(False, "value_unconfirmed")] * 2
    assert verdicts([confirmed(gb13271)])[gb13271.id]["after"] == binding.Phase(True, "binding")
    # the results keys: legal is false (no phase binds), the reason is given per phase
    keys = binding.to_results(v, {"before": day("2026-05-12"), "after": day("2026-09-16")})
    assert keys["legal"] is False and keys["binding_reason"] == {"before": "value_unconfirmed", "after": "value_unconfirmed"}


def test_unconfirmed_first_limit_still_supersedes_the_lower_ones(cat):
    """Boundary NMHC of a Jiangsu plant: DB32/4041-2021 (local, 4 mg/m3, [K]) comes before GB 16297-1996
    (national, 4.0, [K]). DB32/4041 is compared provisionally; GB 16297 is superseded by it, not
    promoted to binding because the first one's value is unconfirmed."""
    local, national = cat.get("DB32-4041-2021:NMHC:fugitive"), cat.get("GB16297-1996:NMHC:fugitive:new")
    v = verdicts([local, national])
    assert v[local.id]["after"] == binding.Phase(False, "value_unconfirmed")
    assert v[national.id]["after"] == binding.Phase(False, "superseded", local.id)
    # an unconfirmed averaging rule counts as unconfirmed too (DB330621/T: rule_confidence K; its value
    # is K in the catalogue since 2026.12.5, so it is set to S here to test the rule alone)
    shaoxing = replace(cat.get("DB330621-T001-2013:PM:conc"), force="mandatory_local", confidence="S")
    assert shaoxing.confidence == "S" and shaoxing.rule_confidence == "K"
    assert verdicts([shaoxing], plant=Area("330621"))[shaoxing.id]["after"] == binding.Phase(False, "value_unconfirmed")


def test_confirmed_value_binds_as_before(cat):
    """DB32/4041-2021 NMHC 60 mg/m3 is [S] (enviliance report 3765): it binds the Jiangsu stenter and
    GB 16297 (120, [K]) is superseded by it."""
    local, national = confirmed(cat.get("DB32-4041-2021:NMHC:conc")), cat.get("GB16297-1996:NMHC:conc:new")
    v = verdicts([local, national])
    assert v[local.id]["after"] == binding.Phase(True, "binding")
    assert v[national.id]["after"] == binding.Phase(False, "superseded", local.id)


# --- rule 6: a standard not weighed that may come first withholds the verdict ---------------------

def unencoded(cat, entry_id):
    return next(u for u in cat.unencoded if u.id == entry_id)


def test_unweighed_local_boiler_standard_withholds_the_national_verdict(cat):
    """A Jiangsu coal boiler listing GB 13271-2014 SO2 (sector, CN; as if confirmed): DB32/4385-2022
    (sector, Jiangsu 320000, known but not encoded) may apply and ranks above it by rule 4 (same scope,
    finer jurisdiction: (1, province) > (1, country)). So GB 13271 is compared provisionally in both
    phases, naming DB32/4385 as what may supersede it; without the unweighed entry it binds."""
    gb13271 = confirmed(cat.get("GB13271-2014:SO2:conc:new"))
    db32 = unencoded(cat, "DB32-4385-2022:boilers")
    assert (db32.scope, db32.jurisdiction.level) == ("sector", "province")
    v = verdicts([gb13271], unweighed=[db32])[gb13271.id]
    assert [v[p] for p in BOTH] == [binding.Phase(False, "may_be_superseded", db32.id)] * 2
    assert verdicts([gb13271])[gb13271.id]["after"] == binding.Phase(True, "binding")
    keys = binding.to_results(v, {"before": day("2026-05-12"), "after": day("2026-09-16")})
    assert keys["legal"] is False and keys["superseded_by"] == {"before": db32.id, "after": db32.id}


def test_unweighed_standard_of_lower_or_equal_precedence(cat):
    """Precedence is compared by rule 4's key (sector first, then the finer area). A listed local
    sector limit (DB32/4041 NMHC as if sector and confirmed: (1, province)) is not withheld by an
    unweighed integrated provincial entry ((0, province), DB32/4041 Table 1 PM made to concern NMHC);
    an unweighed entry of the same key (1, province) withholds it (as rule 4's equal_precedence would);
    an unweighed entry outside any area (jurisdiction None) never does."""
    local = replace(confirmed(cat.get("DB32-4041-2021:NMHC:conc")), scope="sector")
    integrated = replace(unencoded(cat, "DB32-4041-2021:PM:table1"), pollutants=("NMHC",))
    assert integrated.scope == "integrated"
    assert verdicts([local], unweighed=[integrated])[local.id]["after"] == binding.Phase(True, "binding")
    same = replace(integrated, scope="sector")
    assert verdicts([local], unweighed=[same])[local.id]["after"] == binding.Phase(False, "may_be_superseded", same.id)
    nowhere = replace(same, jurisdiction=None)
    assert verdicts([local], unweighed=[nowhere])[local.id]["after"] == binding.Phase(True, "binding")


def test_rule_6_before_rule_5_and_lower_limits_stay_superseded(cat):
    """GB 16297-1996 NMHC (integrated, CN, [K]) for a Hebei plant, DB13/2322-2016 (sector, Hebei)
    unweighed: the reason is may_be_superseded, not value_unconfirmed (both withhold the verdict; the
    unweighed standard is the more basic doubt). Below a listed first limit that is itself withheld
    (DB32/4041 NMHC for the Jiangsu plant, under a sector entry placed in Jiangsu), the lower listed
    limit (GB 16297) stays superseded by the first listed one."""
    hebei = Area("130100")
    gb = cat.get("GB16297-1996:NMHC:conc:new")
    db13 = unencoded(cat, "DB13-2322-2016:VOC")
    v = verdicts([gb], plant=hebei, unweighed=[db13])[gb.id]
    assert v["after"] == binding.Phase(False, "may_be_superseded", db13.id)
    local = confirmed(cat.get("DB32-4041-2021:NMHC:conc"))
    in_jiangsu = replace(db13, jurisdiction=Area("320000"))
    pair = verdicts([local, confirmed(gb)], unweighed=[in_jiangsu])
    assert pair[local.id]["after"] == binding.Phase(False, "may_be_superseded", db13.id)
    assert pair[gb.id]["after"] == binding.Phase(False, "superseded", local.id)


# --- precedence: sector over local over national, one binding limit per kind ---------------------

def test_precedence_sector_over_local_over_national(cat):
    national = confirmed(cat.get("GB16297-1996:NMHC:conc:new"))  # integrated, CN
    local = confirmed(cat.get("DB32-4041-2021:NMHC:conc"))               # integrated, 320000
    sector_national = replace(national, id="SECTOR-N:NMHC:conc", standard="SECTOR-N", scope="sector")
    sector_local = replace(local, id="SECTOR-L:NMHC:conc", standard="SECTOR-L", scope="sector")
    # local over national
    v = verdicts([national, local])
    assert v[local.id]["after"].binding and v[national.id]["after"] == binding.Phase(False, "superseded", local.id)
    # a national sector standard over both integrated ones
    v = verdicts([national, local, sector_national])
    assert v[sector_national.id]["after"].binding
    assert {v[x.id]["after"].superseded_by for x in (national, local)} == {sector_national.id}
    # a local sector standard over the national sector standard
    v = verdicts([national, local, sector_national, sector_local])
    assert [lim_id for lim_id, ph in v.items() if ph["after"].binding] == [sector_local.id]
    for lim in (national, local, sector_national):
        assert v[lim.id]["after"] == binding.Phase(False, "superseded", sector_local.id)


def test_one_binding_limit_per_kind_and_ties_bind_none(cat):
    one_h, single = (confirmed(cat.get(f"DB32-4041-2021:NMHC:{kind}")) for kind in ("inplant_1h", "inplant_single"))
    v = verdicts([one_h, single, cat.get("GB37822-2019:NMHC:inplant_1h")])
    # a 1-h mean limit and a single-value limit at one point are different kinds: both bind
    assert v[one_h.id]["after"].binding and v[single.id]["after"].binding
    twin = replace(one_h, id="DB32-4041-2021-twin:NMHC:inplant_1h")
    tie = verdicts([one_h, twin])
    assert {tie[x]["after"] for x in (one_h.id, twin.id)} == {binding.Phase(False, "equal_precedence")}


def test_results_keys(cat):
    lim = confirmed(cat.get("DB32-4041-2021:NMHC:conc"))
    dates = {"before": day("2022-06-30"), "after": None}
    v = assess([lim], plant=JIANGYIN, regime="existing", dates=dates, phases_with_values=("before",))
    assert binding.to_results(v[lim.id], dates) == {
        "legal": False,
        "binding": {"before": False, "after": None},
        "binding_reason": {"before": "not_in_force", "after": "no_data"},
        "superseded_by": {"before": None, "after": None},
        "measured_on": {"before": {"first": "2022-06-30", "last": "2022-06-30", "from": "samples"}, "after": None},
    }


# --- sampling dates: local time zone, [[period]] fallback ----------------------------------------

def test_phase_dates_in_the_case_time_zone_and_from_periods():
    from verify.case import Period

    frame = pd.DataFrame({
        "source": ["S1", "S1", "S2", "S2"], "pollutant": ["NMHC"] * 4, "phase": ["after", "after", "before", "after"],
        # 2022-06-30 16:30 UTC is 2022-07-01 00:30 in Asia/Shanghai (UTC+8): the local date counts
        "start": pd.to_datetime(["2022-06-30T16:30Z", "2022-07-02T01:00Z", None, "2022-07-05T03:00Z"], utc=True),
    })
    periods = [Period(phase="before", start=dt.datetime(2022, 5, 10), end=dt.datetime(2022, 5, 12))]
    got = binding.phase_dates(frame, "Asia/Shanghai", periods)
    assert got[("S1", "NMHC", "after")] == Span(dt.date(2022, 7, 1), dt.date(2022, 7, 2), "samples")
    # S2 before has no start: the [[period]] 2022-05-10 00:00 to 2022-05-12 00:00 (end exclusive)
    assert got[("S2", "NMHC", "before")] == Span(dt.date(2022, 5, 10), dt.date(2022, 5, 11), "period")
    assert binding.phase_dates(frame, "Asia/Shanghai")[("S2", "NMHC", "before")] is None
    merged = binding.merge_dates([got[("S1", "NMHC", "after")], got[("S2", "NMHC", "after")]])
    assert merged == Span(dt.date(2022, 7, 1), dt.date(2022, 7, 5), "samples")
    assert binding.merge_dates([got[("S2", "NMHC", "before")], merged]).origin == "samples+period"
    assert binding.merge_dates([]) is None
