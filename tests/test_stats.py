"""benchmark.stats: closed-form/scipy checks, properties, validation and a simulation.

The peer oracles (PHE, FunnelPlotR, Fingertips, BH) are in tests/test_stats_oracles.py.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats as ss

from benchmark import stats
from benchmark.errors import InputError
from benchmark.stats import peer_compat

counts = st.integers(min_value=0, max_value=5000)
levels = st.sampled_from([0.8, 0.9, 0.95, 0.99, 0.998])


# --------------------------------------------------------------------------- closed form


def test_z_values() -> None:
    assert stats.z_value(0.95) == pytest.approx(1.959964, abs=1e-6)
    assert stats.z_value(0.998) == pytest.approx(3.090232, abs=1e-6)


def test_exact_poisson_matches_chi2_and_spot_checks() -> None:
    x = np.array([0, 1, 5, 9, 37])
    lo = stats.exact_poisson_lower(x, 0.95)
    hi = stats.exact_poisson_upper(x, 0.95)
    np.testing.assert_allclose(lo[1:], ss.chi2.ppf(0.025, 2 * x[1:]) / 2, rtol=1e-12)
    np.testing.assert_allclose(hi, ss.chi2.ppf(0.975, 2 * x + 2) / 2, rtol=1e-12)
    assert lo[0] == 0
    # methods.md §6 spot checks
    assert lo[1] == pytest.approx(0.0253178, abs=1e-7)
    assert hi[1] == pytest.approx(5.5716434, abs=1e-7)
    assert lo[2] == pytest.approx(1.6234864, abs=1e-7)
    assert hi[2] == pytest.approx(11.6683321, abs=1e-7)
    # the exact limits are where the Poisson tail probabilities equal α/2
    np.testing.assert_allclose(ss.poisson.sf(x[1:] - 1, lo[1:]), 0.025, rtol=1e-9)
    np.testing.assert_allclose(ss.poisson.cdf(x, hi), 0.025, rtol=1e-9)


def test_worked_lss_example() -> None:
    """methods.md §6: O = 12, E = 7.3."""
    r95 = stats.standardised_ratio([12], [7.3], 0.95)
    assert r95.estimate[0] == pytest.approx(1.644, abs=5e-4)
    assert (r95.lower[0], r95.upper[0]) == pytest.approx((0.848, 2.872), abs=5e-4)
    assert r95.method[0] == "Byars"
    r998 = stats.standardised_ratio([12], [7.3], 0.998)
    assert (r998.lower[0], r998.upper[0]) == pytest.approx((0.548, 3.710), abs=5e-4)
    assert peer_compat.phe_ratio_significance([12], [7.3])[0] == "Not significant"
    assert stats.p_value_poisson([12], [7.3])[0] == pytest.approx(0.136, abs=5e-4)


def test_p_value_poisson_matches_scipy_and_ci() -> None:
    o = np.array([0, 1, 3, 8, 15, 40])
    e = np.array([2.5, 6.0, 3.0, 2.1, 25.0, 30.0])
    expected = np.minimum(1, 2 * np.minimum(ss.poisson.cdf(o, e), ss.poisson.sf(o - 1, e)))
    np.testing.assert_allclose(stats.p_value_poisson(o, e), expected, rtol=1e-10)
    # p < 0.05 ⇔ 1 outside the exact 95 % interval of O/E
    lo = stats.exact_poisson_lower(o, 0.95) / e
    hi = stats.exact_poisson_upper(o, 0.95) / e
    assert list(stats.p_value_poisson(o, e) < 0.05) == list((lo > 1) | (hi < 1))


def test_expected_counts_by_hand_and_na_as_zero() -> None:
    local = np.array([[100.0, 200.0, 50.0], [10.0, np.nan, 0.0]])
    e = stats.expected_counts(local, [1.0, 4.0, np.nan], [100.0, 100.0, 10.0])
    np.testing.assert_allclose(e, [1.0 + 8.0 + 0.0, 0.1])
    with pytest.raises(InputError, match="reference_population"):
        stats.expected_counts([1.0], [3.0], [0.0])


def test_od_limits_back_transformed() -> None:
    lo, hi = stats.od_funnel_limits([100.0], 0.95, tau2=0.01)
    sd = math.sqrt(1 / 400 + 0.01)
    assert lo[0] == pytest.approx((1 - 1.959964 * sd) ** 2, rel=1e-6)
    assert hi[0] == pytest.approx((1 + 1.959964 * sd) ** 2, rel=1e-6)
    lo, _ = stats.od_funnel_limits([0.5], 0.998, tau2=0.0)
    assert lo[0] == 0.0  # 1 − z·sd < 0: floored, not squared back up
    # with τ² = 0 an O on the limit has |z| = z_α
    e = np.array([4.0, 50.0, 900.0])
    lo, hi = stats.od_funnel_limits(e, 0.95)
    np.testing.assert_allclose(stats.od_z(hi * e, e), 1.959964, rtol=1e-6)


def test_overdispersion_sqrt_by_hand() -> None:
    o = np.array([10.0, 30.0, 55.0, 80.0, 100.0, 160.0, 210.0, 250.0, 330.0, 420.0, 500.0])
    e = np.array([12.0, 25.0, 50.0, 90.0, 100.0, 150.0, 200.0, 260.0, 300.0, 400.0, 520.0])
    z = 2 * (np.sqrt(o) - np.sqrt(e))
    lo, hi = np.quantile(z, [0.1, 0.9])
    zw = np.clip(z, lo, hi)
    phi = np.mean(zw**2)
    w = 4 * e
    tau2 = max(0.0, (len(z) * phi - (len(z) - 1)) / (w.sum() - (w**2).sum() / w.sum()))
    od = stats.overdispersion(o, e)
    assert od.phi == pytest.approx(phi, rel=1e-12)
    assert od.tau2 == pytest.approx(tau2, rel=1e-12)
    corrected = stats.overdispersion(o, e, consistency=True)
    assert corrected.phi == pytest.approx(phi / 0.6786545589, rel=1e-8)


def test_trim_consistency_matches_simulation() -> None:
    z = np.random.default_rng(3).standard_normal(400_000)
    lo, hi = np.quantile(z, [0.1, 0.9])
    assert np.mean(np.clip(z, lo, hi) ** 2) == pytest.approx(
        stats.trim_consistency(0.1), abs=0.005)
    assert stats.trim_consistency(0.0) == 1.0


def test_eb_shrink_matches_formula() -> None:
    o = np.array([5.0, 50.0, 500.0, 0.0, 80.0])
    e = np.array([2.0, 40.0, 450.0, 3.0, 100.0])
    r, b = o / e, o.sum() / e.sum()
    s2 = np.sum(e * (r - b) ** 2) / e.sum()
    a = max(0.0, s2 - b / e.mean())
    shrunk, weight = stats.eb_shrink(o, e)
    np.testing.assert_allclose(shrunk, b + a * (r - b) / (a + b / e), rtol=1e-12)
    assert weight[2] > weight[1] > weight[0]  # bigger E, less shrinkage
    # the shrunk value lies between the raw ratio and the pooled mean
    assert np.all((shrunk - b) * (r - b) >= 0)
    assert np.all(np.abs(shrunk - b) <= np.abs(r - b) + 1e-12)


def test_dsr_suppressed_below_ten() -> None:
    res = stats.dsr([[3.0, 4.0], [30.0, 40.0]], [[100.0, 200.0], [100.0, 200.0]], [1.0, 1.0])
    assert math.isnan(res.estimate[0])
    assert res.estimate[1] == pytest.approx((0.3 + 0.2) / 2 * 1e5)


def test_funnel_flags_rules() -> None:
    o = np.array([0.0, 0.0, 140.0, 100.0, np.nan])
    e = np.array([1.0, 10.0, 100.0, 100.0, 5.0])
    f = stats.funnel_flags(o, e, 0.998)  # no overdispersion: exact test
    # O = 0 at E = 1 is common (P = 0.37): not flagged even though O/E < the continuous limit
    assert list(f.flag) == ["similar", "lower", "higher", "similar", "not_assessed"]
    assert not f.od_adjusted.any()
    assert list(f.p_value[:4] < 0.002) == [False, True, True, False]
    g = stats.funnel_flags(o, e, 0.998, phi=3.0, tau2=0.02)
    assert g.od_adjusted[:4].all()
    assert g.flag[2] == "similar"  # wide OD limits absorb +40 %
    assert g.p_value[2] > f.p_value[2]


def test_funnel_flag_iff_p_below_alpha() -> None:
    """flag ≠ similar ⇔ p < 1 − confidence, with and without OD adjustment."""
    # reviewer's case: 0687 2021 personlig_assistans_lss, O = 17, E = 6.93, no OD
    # adjustment: exact p ≈ 0.0017 < 0.002, yet O/E lies just inside the continuous funnel
    f = stats.funnel_flags([17.0], [6.93], 0.998)
    assert f.p_value[0] == pytest.approx(0.0017, abs=5e-5)
    assert f.flag[0] == "higher"
    assert f.upper[0] >= 17 / 6.93  # limits unchanged: drawn in the funnel plots
    rng = np.random.default_rng(5)
    e = np.exp(rng.uniform(np.log(0.5), np.log(2000), 4000))
    o = rng.poisson(e * rng.gamma(4, 0.25, e.size)).astype(float)
    for conf in (0.95, 0.998):
        for phi, tau2 in ((np.nan, 0.0), (0.8, 0.0), (2.0, 0.03)):
            g = stats.funnel_flags(o, e, conf, phi=phi, tau2=tau2)
            sig = g.p_value < 1 - conf
            assert ((g.flag != "similar") == sig).all()
            assert (g.flag[sig] == np.where(o > e, "higher", "lower")[sig]).all()
            if phi > 1:  # adjusted: p = max(p_OD, p_exact), the former AND rule
                outside = (o / e > g.upper) | (o / e < g.lower)
                exact = stats.p_value_poisson(o, e) < 1 - conf
                assert (sig == (outside & exact)).all()


def test_bh_within_groups_equals_separate_runs() -> None:
    rng = np.random.default_rng(7)
    p = rng.uniform(0, 0.2, 40)
    p[[3, 17]] = np.nan
    groups = np.repeat(["a", "b", "c", "d"], 10)
    q = stats.bh_qvalues(p, groups)
    for g in "abcd":
        m = groups == g
        np.testing.assert_array_equal(np.isnan(q[m]), np.isnan(p[m]))
        valid = m & ~np.isnan(p)
        np.testing.assert_allclose(q[valid], stats.bh_qvalues(p[valid]), rtol=1e-12)


def test_bh_groups_do_not_affect_each_other_even_in_the_last_bit() -> None:
    """A municipality-year's q-values are the same whether it is adjusted alone or among
    thousands of others (compare and history then agree exactly)."""
    rng = np.random.default_rng(11)
    n_groups, size = 3000, 10
    p = rng.uniform(0, 1, n_groups * size)
    groups = np.repeat(np.arange(n_groups), size)
    q = stats.bh_qvalues(p, groups)
    for g in (0, 1, 1234, n_groups - 1):
        m = groups == g
        np.testing.assert_array_equal(q[m], stats.bh_qvalues(p[m]))
    labels = np.array([f"k{g:04d}" for g in groups])  # text labels: the same result
    np.testing.assert_array_equal(stats.bh_qvalues(p, labels), q)


# --------------------------------------------------------------------------- validation


@pytest.mark.parametrize(("call", "match"), [
    (lambda: stats.poisson_interval([1], 1.5), "confidence must be in"),
    (lambda: stats.poisson_interval([1], 95), "confidence must be in"),
    (lambda: stats.poisson_interval([-1], 0.95), "x must be >= 0"),
    (lambda: stats.wilson_interval([5], [3]), "x must be <= n"),
    (lambda: stats.wilson_interval([1], [0]), "n must be > 0"),
    (lambda: stats.standardised_ratio([3], [0]), "expected must be > 0"),
    (lambda: stats.overdispersion([1, 2], [1, 2], scale="cube"), "scale must be"),
    (lambda: stats.overdispersion([1, 2], [1, 2], trim=0.6), "trim must be in"),
    (lambda: stats.bh_qvalues([0.2, 1.5]), "p_values must be in"),
    (lambda: peer_compat.phe_ratio_funnel_expected([3], 0.7, "lower"), "p must be"),
    (lambda: peer_compat.ft_two_ci_levels(1, 0, 2, 0, 2, 1, "Sideways"), "polarity must be"),
    (lambda: stats.rate_interval(["a"], [1]), "x must be numeric"),
])
def test_input_errors(call, match) -> None:
    with pytest.raises(InputError, match=match):
        call()


def test_nan_propagates() -> None:
    ci = stats.poisson_interval([np.nan, 4.0])
    assert math.isnan(ci.lower[0]) and math.isnan(ci.upper[0])
    assert ci.method[0] is None and ci.method[1] == "Exact"


# --------------------------------------------------------------------------- properties


@given(x=counts, conf=levels)
@settings(max_examples=150, deadline=None)
def test_poisson_interval_contains_estimate(x: int, conf: float) -> None:
    ci = stats.poisson_interval([x], conf)
    lo = 0.0 if math.isnan(ci.lower[0]) else ci.lower[0]
    assert lo <= x <= ci.upper[0]


@given(x=counts, extra=st.integers(min_value=0, max_value=5000), conf=levels)
@settings(max_examples=150, deadline=None)
def test_wilson_contains_estimate(x: int, extra: int, conf: float) -> None:
    n = x + extra + 1
    ci = stats.wilson_interval([x], [n], conf)
    assert ci.lower[0] - 1e-12 <= x / n <= ci.upper[0] + 1e-12
    assert ci.lower[0] >= 0 and ci.upper[0] <= 1 + 1e-12


@given(x=counts, n_extra=st.integers(min_value=1, max_value=10**6))
@settings(max_examples=150, deadline=None)
def test_intervals_widen_with_confidence(x: int, n_extra: int) -> None:
    n = x + n_extra
    widths = []
    for conf in (0.8, 0.95, 0.998):
        w = stats.wilson_interval([x], [n], conf)
        r = stats.standardised_ratio([x], [max(x, 1) * 1.1], conf)
        widths.append((w.upper[0] - w.lower[0],
                       r.upper[0] - np.nan_to_num(r.lower[0], nan=0.0)))
    assert widths[0][0] < widths[1][0] < widths[2][0]
    assert widths[0][1] < widths[1][1] < widths[2][1]


@given(ratio=st.floats(min_value=0.2, max_value=3.0), e=st.floats(min_value=10, max_value=1e4))
@settings(max_examples=150, deadline=None)
def test_relative_width_shrinks_with_size(ratio: float, e: float) -> None:
    small = stats.standardised_ratio([round(ratio * e)], [e], 0.95)
    big = stats.standardised_ratio([round(ratio * e * 10)], [e * 10], 0.95)
    assert big.upper[0] - big.lower[0] < small.upper[0] - small.lower[0]
    lo_s, hi_s = stats.od_funnel_limits([e], 0.998, tau2=0.001)
    lo_b, hi_b = stats.od_funnel_limits([e * 10], 0.998, tau2=0.001)
    assert hi_b[0] - lo_b[0] < hi_s[0] - lo_s[0]


@given(e=st.floats(min_value=0.1, max_value=1e5), tau2=st.floats(min_value=0, max_value=0.1))
@settings(max_examples=150, deadline=None)
def test_ratio_one_when_observed_equals_expected(e: float, tau2: float) -> None:
    r = stats.standardised_ratio([e], [e])
    assert r.estimate[0] == pytest.approx(1.0)
    assert stats.od_z([e], [e], tau2)[0] == pytest.approx(0.0, abs=1e-9)
    lo, hi = stats.od_funnel_limits([e], 0.998, tau2=tau2)
    assert lo[0] <= 1 <= hi[0]


@given(p=st.lists(st.floats(min_value=0, max_value=1), min_size=1, max_size=60))
@settings(max_examples=150, deadline=None)
def test_qvalues_monotone_in_p(p: list[float]) -> None:
    arr = np.array(p)
    q = stats.bh_qvalues(arr)
    order = np.argsort(arr, kind="stable")
    assert np.all(np.diff(q[order]) >= -1e-15)
    assert np.all(q >= arr - 1e-15) and np.all(q <= 1)


# --------------------------------------------------------------------------- simulation


def _simulate(rng: np.random.Generator, n_draws: int, planted: float | None,
              sd: float) -> tuple[float, float]:
    """Gamma–Poisson data for 290 municipalities; returns (share flagged, planted hit rate)."""
    n = 290
    pop = np.exp(rng.normal(np.log(15_000), 0.9, n))
    e = pop * 0.006  # a large category: median E ≈ 90, max ≈ 1 000+
    big = int(np.argmax(e))
    flagged = hits = 0
    for _ in range(n_draws):
        theta = rng.gamma(1 / sd**2, sd**2, n)
        if planted is not None:
            theta[big] = planted
        o = rng.poisson(theta * e).astype(float)
        od = stats.overdispersion(o, e, consistency=True)
        f = stats.funnel_flags(o, e, 0.998, phi=od.phi, tau2=od.tau2).flag
        if planted is None:
            flagged += np.sum(f != "similar")
        else:
            hits += f[big] == "higher"
    return flagged / (n * n_draws), hits / n_draws


def test_simulation_false_positive_share_near_nominal() -> None:
    """In-control data (between-municipality SD 5 % on top of Poisson noise).

    Nominal share outside 99.8 % limits: 0.2 %. We allow 0.4 %: with 150 × 290 unit-draws
    the Monte-Carlo SE of the share is ≈ 0.02 pp, and the winsorised moment estimate of τ²
    is itself noisy (the measured share is ≈ 0.22 %; uncorrected FunnelPlotR-style φ gives
    ≈ 0.7 %, which this bound would reject).
    """
    share, _ = _simulate(np.random.default_rng(20261127), 150, None, sd=0.05)
    assert share <= 0.004
    assert share > 0  # the limits are not so wide that nothing is ever flagged


def test_simulation_planted_deviation_found() -> None:
    """+30 % in the municipality with the largest E is flagged in ≥ 90 % of draws."""
    _, power = _simulate(np.random.default_rng(11), 60, 1.3, sd=0.05)
    assert power >= 0.9


def test_polars_series_with_nulls_accepted() -> None:
    import polars as pl

    x = pl.Series([3, None, 12], dtype=pl.Int64)
    e = pl.Series([2.5, 4.0, 10.0])
    r = stats.standardised_ratio(x, e)
    assert math.isnan(r.estimate[1])
    assert r.estimate[0] == pytest.approx(1.2) and list(r.method) == ["Exact", None, "Byars"]
    q = stats.bh_qvalues(pl.Series([0.01, None, 0.04]), pl.Series(["a", "a", "a"]))
    assert q[0] == pytest.approx(0.02) and math.isnan(q[1]) and q[2] == pytest.approx(0.04)


def test_flag_only_and_several_levels_equal_funnel_flags() -> None:
    """funnel_flag_only skips the exact test where it cannot decide; funnel_flags_at shares
    the tests across levels: both must give exactly what funnel_flags gives."""
    rng = np.random.default_rng(5)
    e = rng.uniform(0.5, 400, 3000)
    o = rng.poisson(e * rng.gamma(20, 1 / 20, e.size)).astype(float)
    o[::97] = np.nan
    phi = np.where(np.arange(e.size) % 3 == 0, 0.8, 2.5)  # a third not adjusted
    tau2 = np.full(e.size, 0.01)
    for conf in (0.95, 0.998):
        ref = stats.funnel_flags(o, e, conf, phi=phi, tau2=tau2)
        np.testing.assert_array_equal(stats.funnel_flag_only(o, e, conf, phi=phi, tau2=tau2),
                                      ref.flag)
        assert set(ref.flag) == {"higher", "lower", "similar", "not_assessed"}
    f998, f95 = stats.funnel_flags_at(o, e, [0.998, 0.95], phi=phi, tau2=tau2)
    for got, conf in ((f998, 0.998), (f95, 0.95)):
        ref = stats.funnel_flags(o, e, conf, phi=phi, tau2=tau2)
        for field in ("flag", "p_value", "z", "lower", "upper", "od_adjusted"):
            np.testing.assert_array_equal(getattr(got, field), getattr(ref, field))
