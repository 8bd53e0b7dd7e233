"""Issue 17 item 11: many runs do not exhaust memory in the permutation engine (and Gehan scores).

Memory is tested in a subprocess under an address-space rlimit (RLIMIT_AS), never by timing.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

import numpy as np
import pytest

from verify.stats import censored as cens
from verify.stats import twosample as ts


def _one_block_sums(scores: np.ndarray, k: int, draws: int, seed: int) -> np.ndarray:
    """The engine before issue 17, verbatim in substance: every relabeling as one boolean
    (draws × n) matrix (rows drawn 10,000 at a time and argsorted), scored with one product."""
    n = len(scores)
    rng = np.random.Generator(np.random.PCG64(seed))
    out = np.zeros((draws, n), dtype=bool)
    for start in range(0, draws, 10_000):
        stop = min(draws, start + 10_000)
        order = rng.random((stop - start, n)).argsort(axis=1)
        np.put_along_axis(out[start:stop], order[:, :k], True, axis=1)
    return out.astype(float) @ scores


@pytest.mark.parametrize(("n", "k", "seed"), [(20, 8, 1), (31, 15, 20_261_123), (120, 7, 5), (400, 200, 9)])
def test_item11_blocked_draws_give_the_relabelings_and_p_of_the_one_block_engine(n, k, seed, monkeypatch):
    scores = np.random.default_rng(seed).lognormal(2, 0.5, n)
    monkeypatch.setattr(ts, "BLOCK_VALUES", 3 * n + 1)  # blocks of three relabelings: many block edges
    new = ts._sampled_sums(scores, k, 25_000, seed)
    old = _one_block_sums(scores, k, 25_000, seed)
    np.testing.assert_allclose(new, old, rtol=1e-13, atol=0)
    observed = float(scores[:k].sum())
    tol = 1e-10 * float(scores.max()) * n
    assert np.count_nonzero(new <= observed + tol) == np.count_nonzero(old <= observed + tol)


def test_item11_same_seed_same_p_through_the_public_test():
    rng = np.random.default_rng(3)
    b, a = rng.lognormal(3, 0.4, 12), rng.lognormal(2.8, 0.4, 11)  # C(23, 11) = 1,352,078 relabelings: sampled
    first, second = ts.permutation_test(b, a), ts.permutation_test(b, a)
    assert first == second and not first["exact"] and first["seed"] == ts.DEFAULT_SEED


def test_item11_ten_thousand_runs_stay_within_a_memory_limit():
    """5,000 + 5,000 runs under a 1 GiB address-space limit. The one-block engine needs the
    (draws × n) float matrix: 20,000 × 10,000 × 8 B = 1.6 GB for the draws used here (and 8 GB for
    the real 100,000), so it cannot pass; the blocked engine needs a few tens of MB."""
    code = textwrap.dedent("""
        import resource, sys
        import numpy as np
        from verify.stats import twosample as ts
        from verify.stats import censored as cens
        limit = 1024 * 2**20
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        ts.DRAWS = 20_000
        rng = np.random.default_rng(1)
        b, a = rng.lognormal(3, 0.3, 5000), rng.lognormal(2.9, 0.3, 5000)
        res = ts.permutation_test(b, a)
        c = np.zeros(10_000, dtype=bool); c[::7] = True
        g = cens.gehan_test(b, c[:5000], a, c[5000:])
        print(res["p_value"], res["exact"], g["method"])
    """)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    p, exact, gehan = proc.stdout.split()
    assert exact == "False" and gehan == "sampled" and 0 < float(p) < 0.01


def test_item11_gehan_scores_in_blocks_equal_the_whole_matrix():
    rng = np.random.default_rng(7)
    x = np.round(rng.lognormal(0, 1, 57), 1)
    c = rng.random(57) < 0.3
    whole = cens.surely_larger(x, c).sum(axis=1)
    np.testing.assert_array_equal(cens.gehan_scores(x, c, block_values=57 * 4), whole)
