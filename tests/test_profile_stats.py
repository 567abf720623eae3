"""Statistics of the LSS profile: funnel limits for shares (checked against the PHE
proportion oracles within the README tolerance, against FunnelPlotR's arcsine limits and
in a seeded beta-binomial simulation), percentile ranks and robust z (against scipy)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from scipy import stats as sps

from benchmark import stats

# ../shared/data/README.md §6.3: the rounded PHE proportion funnel CSV, abs 5e-7 pp.
PHE_FUNNEL_ABS = 5.1e-7


def test_share_limits_without_overdispersion_are_phe_funnel_limits(oracles: Path) -> None:
    sig = pl.read_csv(oracles / "phe_funnel_prop_significance.csv")
    lim = pl.read_csv(oracles / "phe_funnel_prop_limits.csv")
    checked = 0
    for (case,), g in lim.group_by("case"):
        src = sig if case == "all_areas" else sig.filter(pl.col("denominator") < 31000)
        p0 = float(src["numerator"].sum() / src["denominator"].sum())
        n = g["population"].to_numpy()
        for conf, lo_col, hi_col in ((0.95, "lower_2s_limit", "upper_2s_limit"),
                                     (0.998, "lower_3s_limit", "upper_3s_limit")):
            lo, hi = stats.proportion_funnel_limits(n, p0, conf)
            np.testing.assert_allclose(lo * 100, g[lo_col].to_numpy(), rtol=0,
                                       atol=PHE_FUNNEL_ABS)
            np.testing.assert_allclose(hi * 100, g[hi_col].to_numpy(), rtol=0,
                                       atol=PHE_FUNNEL_ABS)
            checked += 2 * g.height
    assert checked == 800


def test_share_limits_with_overdispersion_approach_the_arcsine_limits() -> None:
    # FunnelPlotR "PR": sin²(asin√p₀ ∓ z·√(1/(4n) + τ²)); Wilson and arcsine agree for
    # large n, so the widened limits must agree with FPR's there.
    p0, tau2, z = 0.7, 2e-4, sps.norm.ppf(0.999)
    n = np.array([2_000.0, 10_000.0, 50_000.0])
    lo, hi = stats.proportion_funnel_limits(n, p0, 0.998, tau2=tau2)
    sd = np.sqrt(1 / (4 * n) + tau2)
    a = math.asin(math.sqrt(p0))
    np.testing.assert_allclose(lo, np.sin(a - z * sd) ** 2, atol=2e-3)
    np.testing.assert_allclose(hi, np.sin(a + z * sd) ** 2, atol=2e-3)
    # and the widening is material: wider than PHE's binomial limits at every n
    lo0, hi0 = stats.proportion_funnel_limits(n, p0, 0.998)
    assert (hi - lo > 1.5 * (hi0 - lo0)).all()


def _beta_binomial(rng: np.random.Generator, n: np.ndarray, p0: float, rho: float
                   ) -> np.ndarray:
    a = p0 * (1 - rho) / rho
    b = (1 - p0) * (1 - rho) / rho
    return rng.binomial(n.astype(int), rng.beta(a, b, len(n)))


def _simulate(planted: int, reps: int = 40) -> tuple[float, float, float]:
    """Shares of in-control units flagged at 95 % (adjusted, binomial) and of planted
    units (p₀ − 0.3) caught, over ``reps`` countries of 290 units."""
    rng = np.random.default_rng(20261202)
    adj = raw = caught = 0
    for _ in range(reps):
        n = rng.integers(5, 400, 290).astype(float)
        x = _beta_binomial(rng, n, 0.75, 0.02).astype(float)
        x[:planted] = rng.binomial(n[:planted].astype(int), 0.45)
        base = float(x.sum() / n.sum())
        od = stats.proportion_overdispersion(x, n, base)
        assert od.phi > 1
        lo, hi = stats.proportion_funnel_limits(n, base, 0.95, tau2=od.tau2)
        lo0, hi0 = stats.proportion_funnel_limits(n, base, 0.95)
        p = x / n
        adj += int(((p < lo) | (p > hi))[planted:].sum())
        raw += int(((p < lo0) | (p > hi0))[planted:].sum())
        caught += int((p[:planted] < lo[:planted]).sum())
    units = reps * (290 - planted)
    return adj / units, raw / units, caught / max(1, planted * reps)


def test_overdispersed_shares_seeded_simulation() -> None:
    """Truth: beta-binomial shares (intra-class correlation 0.02), not the arcsine-normal
    random effect the limits assume. In-control countries: the adjusted 95 % limits flag
    about 5 % (measured 5.3 %), the binomial limits far more."""
    adjusted, binomial, _ = _simulate(planted=0)
    assert 0.035 < adjusted < 0.07, adjusted
    assert binomial > 0.15, binomial


def test_planted_low_shares_are_caught_without_extra_false_flags() -> None:
    """20 of 290 units planted at p₀ − 0.3: most are caught; the 10 % winsorising does not
    fully shield τ² from them, so the others are flagged less than nominally (2.0 %)."""
    adjusted, _, caught = _simulate(planted=20)
    assert adjusted < 0.05, adjusted
    assert caught > 0.6, caught


def test_no_overdispersion_in_binomial_shares() -> None:
    rng = np.random.default_rng(7)
    n = rng.integers(20, 500, 290).astype(float)
    x = rng.binomial(n.astype(int), 0.6).astype(float)
    od = stats.proportion_overdispersion(x, n, float(x.sum() / n.sum()))
    assert 0.8 < od.phi < 1.25 and od.tau2 < 5e-4


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_positions_equal_scipy(seed: int) -> None:
    rng = np.random.default_rng(seed)
    values = np.round(rng.lognormal(12, 0.3, 290), -3)  # ties on purpose
    values[::37] = np.nan
    clean = values[~np.isnan(values)]
    for value in (clean[0], clean[5], float(np.median(clean)), clean.max() * 2):
        assert stats.percentile_rank(values, value) == pytest.approx(
            sps.percentileofscore(clean, value, kind="mean"), abs=1e-9)
        expect = (value - np.median(clean)) / sps.median_abs_deviation(clean, scale="normal")
        assert stats.robust_z(values, value) == pytest.approx(expect, rel=1e-12)


def test_positions_without_spread_or_values_are_nan() -> None:
    assert math.isnan(stats.robust_z([5, 5, 5, 5], 6))
    assert math.isnan(stats.robust_z([1, 2], 2))
    assert math.isnan(stats.percentile_rank([np.nan], 2))
