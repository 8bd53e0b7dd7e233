"""The report names pollutants from its catalogue, else from results.json ``pollutant_names`` (a
pollutant the case declares), else by its formula; it never reads the package's alias tables."""

from verify.report.lang import MAX_NAME, Lang

NAMES = {"ethyl_acetate": {"ja": "酢酸エチル", "zh": "乙酸乙酯", "en": "ethyl acetate"},
         "NMHC": {"ja": "別名", "zh": "别名", "en": "other"}}


def test_a_declared_pollutant_is_named_from_results():
    results = {"pollutant_names": NAMES}
    assert Lang("ja", results).poll("ethyl_acetate") == "酢酸エチル"
    assert Lang("zh", results).poll("ethyl_acetate") == "乙酸乙酯"


def test_the_catalogue_name_wins_and_a_missing_map_falls_back_to_the_key():
    assert Lang("ja", {"pollutant_names": NAMES}).poll("NMHC") == "非メタン炭化水素"
    assert Lang("zh", {}).poll("ethyl_acetate") == "ethyl_acetate"
    assert Lang("zh", {"pollutant_names": "not a map"}).poll("ethyl_acetate") == "ethyl_acetate"


def test_a_hostile_name_is_cut():
    long = {"x": {"ja": "あ" * 5000, "zh": "啊" * 5000}}
    assert len(Lang("ja", {"pollutant_names": long}).poll("x")) == MAX_NAME
