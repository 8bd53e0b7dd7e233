"""Whether the runs compared with a 1-hour-mean limit are 1-hour means.

The Chinese limits with averaging "1h" (GB 16297-1996 最高允许排放浓度 "任何1小时浓度平均值",
GB 37822-2019 and DB32/4041-2021 in-plant "监控点处1 h平均浓度值", GB 13271-2014 …) are defined on
one-hour means: one hour of continuous sampling, or samples taken at equal intervals within one hour
and averaged (``data/hourly_sampling.toml``: 4 samples under GB 16297-1996 §8.2, 3–4 under
GB 37822-2019 [K]). A grab (bag) sample is not an hourly mean, so a comparison of it with such a
limit is indicative only: no compliance verdict (docs/results.md "Binding limits" rule 7).

How a source was sampled is the case's statement (case.toml ``[[source]] sample_type``):
``hourly`` (each sample is a 1-h mean: one hour of continuous sampling), ``equal_interval`` (short
samples at equal intervals within one hour, averaged per run: an hourly mean when the run has at
least the standard's number of samples) or ``grab`` (short samples not arranged as above). Without
it, whether the values are hourly means is not known (null) and the report says the sample type is
not stated. Continuous (CEMS) endpoints are hourly means by construction (valid hours, HJ 75-2017).
"""

from __future__ import annotations

import tomllib
from collections import Counter
from functools import lru_cache
from importlib import resources

SAMPLE_TYPES = ("hourly", "equal_interval", "grab")


@lru_cache(maxsize=1)
def _table() -> dict:
    raw = resources.files("verify.measure").joinpath("data/hourly_sampling.toml").read_bytes()
    return tomllib.loads(raw.decode("utf-8"))


def is_hourly_limit(limit) -> bool:
    """A limit defined on 1-hour means (not on single readings)."""
    return limit.averaging == "1h" and limit.rule != "each_reading"


def min_samples(limit) -> int:
    """The number of equal-interval samples within one hour that make a 1-h mean for ``limit``."""
    table = _table()
    prefix = limit.id.split(":", 1)[0]
    for entry in table["standard"]:
        if prefix.startswith(entry["prefix"]) and limit.kind in entry.get("kinds", [limit.kind]):
            return int(entry["min_samples"])
    return int(table["default_min_samples"])


def samples_per_run(labels) -> list[int]:
    """The number of samples of each run from sample labels ``"<run>/<sample>"`` (or plain run ids)."""
    return list(Counter(str(label).rsplit("/", 1)[0] for label in labels).values())


def hourly_mean(sample_type: str | None, limit, counts: list[int]) -> bool | None:
    """Whether the runs of one phase (``counts``: samples per run) are 1-h means for ``limit``;
    None when not known (no sample type stated, or no runs)."""
    if sample_type is None or not counts:
        return None
    if sample_type == "hourly":
        return True
    if sample_type == "grab":
        return False
    return min(counts) >= min_samples(limit)
