"""method_of: the part of a method cell that belongs to one pollutant; continuous_method: the method
of a CEMS endpoint, from its readings or the default of verify/measure/data/cems_methods.toml."""

import pandas as pd

from verify.measure.methods import continuous_method, method_of
from verify.sources.aliases import pollutant_aliases

CELL = "非甲烷总烃 HJ 38-2017;颗粒物 HJ 836-2017;油烟 HJ 1077-2019"  # the textile case's stenter cells


def test_each_pollutant_gets_its_own_part():
    aliases = pollutant_aliases()
    assert method_of(CELL, "NMHC", aliases) == "HJ 38-2017"
    assert method_of(CELL, "PM", aliases) == "HJ 836-2017"
    assert method_of(CELL, "oil_mist", aliases) == "HJ 1077-2019"
    # full-width separators and a colon after the name
    assert method_of("二氧化硫：HJ 57-2017；氮氧化物：HJ 693-2014", "NOx", aliases) == "HJ 693-2014"


def test_cells_it_cannot_split_are_kept_as_written():
    aliases = pollutant_aliases()
    assert method_of("HJ 604-2017", "NMHC", aliases) == "HJ 604-2017"            # one part
    assert method_of(CELL, "SO2", aliases) == CELL                                # no part for SO2
    unknown = "非甲烷总烃 HJ 38-2017;某物质 XX 1-2000"                            # a name the table does not know
    assert method_of(unknown, "NMHC", aliases) == unknown
    assert method_of("HJ 38-2017; HJ 836-2017", "NMHC", aliases) == "HJ 38-2017; HJ 836-2017"
    assert method_of(None, "NMHC", aliases) is None and method_of("", "NMHC", aliases) == ""


def test_a_continuous_endpoint_names_its_readings_method_or_the_cems_default():
    aliases = pollutant_aliases()
    # the readings name it (a method column, or the [[file]] defaults as in the Hebei case)
    cells = pd.Series(["HJ 1013-2018", None, "HJ 1013-2018"])
    assert continuous_method(cells, "NMHC", aliases) == ("HJ 1013-2018", "data")
    # two methods over the readings (an analyser changed): both, sorted
    assert continuous_method(pd.Series(["HJ 76-2017", "HJ 1013-2018"]), "NMHC", aliases) == (
        "HJ 1013-2018; HJ 76-2017", "data")
    # no method in the data: the standard of the analyser's requirements and test procedures
    empty = pd.Series([None, "  "], dtype=object)
    assert continuous_method(empty, "NMHC", aliases) == ("HJ 1013-2018", "default")     # NMHC CEMS
    assert continuous_method(empty, "SO2", aliases) == ("HJ 75-2017 / HJ 76-2017", "default")
    assert continuous_method(empty, "benzene", aliases) == (None, None)                # no default known
