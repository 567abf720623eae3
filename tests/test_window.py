"""The statistics issue 12 changed, against independent references on the demo data:

* φ/τ² pooled over a window of up to five years (DerSimonian–Laird recomputed by hand on
  the pooled √-scale z-scores), the window and the single-year spread;
* the shrinkage with the funnel's τ² (closed-form posterior mean);
* Benjamini–Hochberg within category × year in ``screen`` and within the municipality's
  categories × year in ``compare`` (scipy's ``false_discovery_control``);
* the pooled test on the yearly mean;
* the peer interval with the peers' Poisson error and τ²;
* the symmetric (Kitagawa) decomposition.
"""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
from scipy import stats as sps

from benchmark import stats
from benchmark.comparison import Method, compare, history, screen

YEAR = 2024


@pytest.fixture(scope="module")
def years(demo_inputs) -> pl.DataFrame:
    """Every municipality's assessed O and E in the window years (a screen per year)."""
    return pl.concat([screen(y, inputs=demo_inputs).select(
        "municipality", "year", "category", "observed", "expected", "flag", "tau2", "phi")
        for y in range(YEAR - 4, YEAR + 1)])


def _dl(o: np.ndarray, e: np.ndarray, trim: float = 0.1) -> tuple[float, float]:
    """φ (winsorised, consistency-corrected) and DerSimonian–Laird τ² by hand."""
    z = 2 * (np.sqrt(o) - np.sqrt(e))
    lo, hi = np.quantile(z, [trim, 1 - trim])
    zw = np.clip(z, lo, hi)
    c = sps.norm.ppf(1 - trim)
    k = (1 - 2 * trim) - 2 * c * sps.norm.pdf(c) + 2 * trim * c**2
    phi = np.mean(zw**2) / k
    w = 4 * e
    n = len(z)
    tau2 = max(0.0, (n * phi - (n - 1)) / (w.sum() - (w**2).sum() / w.sum()))
    return phi, tau2


def test_overdispersion_pooled_over_five_years(demo_screen: pl.DataFrame,
                                               years: pl.DataFrame) -> None:
    for cid in ("daglig_verksamhet", "kontaktperson"):
        pooled = years.filter((pl.col("category") == cid) & (pl.col("flag") != "not_assessed")
                              ).sort("municipality", "year")
        phi, tau2 = _dl(pooled["observed"].to_numpy(), pooled["expected"].to_numpy())
        rows = demo_screen.filter(pl.col("category") == cid)
        assert rows["phi"].unique().to_list() == [pytest.approx(phi, rel=1e-9)]
        assert rows["tau2"].unique().to_list() == [pytest.approx(tau2, rel=1e-9)]
        assert rows["od_units"][0] == pooled.height
        assert rows["od_years"][0] == "2020–2024"
        # the spread of the single-year estimates in the window
        single = [_dl(*(g.sort("municipality").select("observed", "expected")
                        .to_numpy().T))[1]
                  for _, g in pooled.group_by("year")]
        assert rows["tau2_min"][0] == pytest.approx(min(single), rel=1e-9)
        assert rows["tau2_max"][0] == pytest.approx(max(single), rel=1e-9)
        assert rows["tau2_min"][0] <= tau2 <= rows["tau2_max"][0]


def test_first_years_have_shorter_windows(demo_inputs) -> None:
    early = screen(2016, inputs=demo_inputs)
    assert set(early["od_years"].drop_nulls()) == {"2015–2016"}
    first = screen(2015, inputs=demo_inputs)
    assert set(first["od_years"].drop_nulls()) == {"2015"}


def test_shrinkage_uses_the_funnels_random_effects(demo_screen: pl.DataFrame) -> None:
    ok = demo_screen.filter(pl.col("flag") != "not_assessed")
    o, e = ok["observed"].to_numpy(), ok["expected"].to_numpy()
    tau2 = np.where(ok["od_adjusted"].to_numpy(), ok["tau2"].to_numpy(), 0.0)
    s2 = 1 / (4 * e)  # the funnel's within-municipality variance on the √ scale
    b = tau2 / (tau2 + s2)
    np.testing.assert_allclose(ok["shrinkage_weight"].to_numpy(), b, rtol=1e-12)
    np.testing.assert_allclose(ok["ratio_shrunk"].to_numpy(),
                               (1 + b * (np.sqrt(o / e) - 1)) ** 2, rtol=1e-12)
    # where the funnel finds no overdispersion, everything is shrunk to Riket's level
    flat = ok.filter(~pl.col("od_adjusted"))
    assert flat.is_empty() or (flat["ratio_shrunk"] == 1.0).all()


def test_q_values_screen_family(demo_screen: pl.DataFrame) -> None:
    assert set(demo_screen["q_family"]) == {"category_year"}
    for cid, group in demo_screen.group_by("category"):
        p = group["p_value"].to_numpy()
        have = ~np.isnan(p)
        want = sps.false_discovery_control(p[have], method="bh")
        np.testing.assert_allclose(group["q_value"].to_numpy()[have], want, rtol=1e-12,
                                   err_msg=str(cid))


def test_q_values_compare_family(demo_inputs, demo_screen: pl.DataFrame) -> None:
    one = compare("0180", YEAR, inputs=demo_inputs)
    assert set(one["q_family"]) == {"municipality_year"}
    p = one["p_value"].to_numpy()
    have = ~np.isnan(p)
    np.testing.assert_allclose(one["q_value"].to_numpy()[have],
                               sps.false_discovery_control(p[have], method="bh"), rtol=1e-12)
    # everything else is the screening row
    mine = demo_screen.filter(pl.col("municipality") == "0180")
    cols = [c for c in demo_screen.columns if c not in ("q_value", "q_family")
            and not c.startswith("peer_")]
    assert one.select(cols).equals(mine.select(cols))
    # the family can be chosen
    forced = screen(YEAR, inputs=demo_inputs, method=Method(fdr="municipality_year"))
    f = forced.filter(pl.col("municipality") == "0180")
    np.testing.assert_allclose(f["q_value"].to_numpy(), one["q_value"].to_numpy())


def test_pooled_test_on_the_yearly_mean(demo_inputs, years: pl.DataFrame) -> None:
    h = history("2084", last_year=YEAR, n_years=3, inputs=demo_inputs)
    r = h.filter((pl.col("year") == YEAR) & (pl.col("category") == "ledsagarservice")
                 ).row(0, named=True)
    three = h.filter(pl.col("category") == "ledsagarservice").sort("year")
    assert r["observed_3y"] == pytest.approx(three["observed"].mean())
    assert r["expected_3y"] == pytest.approx(three["expected"].mean(), rel=1e-12)
    # version 0.1 summed the three years (three times the persons, as if independent)
    old = history("2084", last_year=YEAR, n_years=1, inputs=demo_inputs, method=Method.legacy())
    o = old.filter(pl.col("category") == "ledsagarservice").row(0, named=True)
    assert o["observed_3y"] == pytest.approx(3 * r["observed_3y"])
    # the flag on the mean: the funnel rule at 99.8 % across municipalities' means
    means = pl.concat([screen(y, inputs=demo_inputs) for y in (YEAR,)]).filter(
        pl.col("category") == "ledsagarservice")
    ok = means.filter(pl.col("observed_3y").is_not_null())
    o3, e3 = ok["observed_3y"].to_numpy(), ok["expected_3y"].to_numpy()
    od = stats.overdispersion(o3, e3, consistency=True)
    flags = stats.funnel_flags(o3, e3, 0.998, phi=od.phi, tau2=od.tau2).flag
    assert ok["flag_3y"].to_list() == list(flags)


def test_peer_interval_includes_the_peers_error_and_tau2(demo_inputs) -> None:
    honest = compare("0180", YEAR, inputs=demo_inputs, peer_group="lan")
    fixed = compare("0180", YEAR, inputs=demo_inputs, peer_group="lan",
                    method=Method(peer_interval="fixed"))
    z = sps.norm.ppf(0.975)
    for r, f in zip(honest.iter_rows(named=True), fixed.iter_rows(named=True), strict=True):
        if r["peer_ratio"] is None:
            continue
        assert r["peer_ratio"] == pytest.approx(f["peer_ratio"], rel=1e-12)
        width = r["peer_ratio_upper"] - r["peer_ratio_lower"]
        assert width > f["peer_ratio_upper"] - f["peer_ratio_lower"]
        # lower bound on V: the municipality's Poisson error and τ² alone
        tau2 = r["tau2"] if r["od_adjusted"] else 0.0
        v_min = 1 / (4 * r["peer_expected"]) + tau2
        root = np.sqrt(r["peer_ratio"])
        assert r["peer_ratio_upper"] >= (root + z * np.sqrt(v_min)) ** 2 - 1e-12


def test_peer_interval_formula() -> None:
    from benchmark.comparison.peers import random_effects_interval

    o, e, var_e, tau2 = np.array([50.0]), np.array([40.0]), np.array([30.0]), np.array([0.002])
    ratio, lo, hi = random_effects_interval(o, e, var_e, tau2, 0.95)
    v = 1 / (4 * 40) + (50 / 40) * 30 / (4 * 40**2) + 0.002
    half = sps.norm.ppf(0.975) * np.sqrt(v)
    assert ratio[0] == 1.25
    assert lo[0] == pytest.approx((np.sqrt(1.25) - half) ** 2, rel=1e-14)
    assert hi[0] == pytest.approx((np.sqrt(1.25) + half) ** 2, rel=1e-14)
    # Var(E) from the peers' counts: delta method against a simulation of the peers
    rng = np.random.default_rng(3)
    x = rng.poisson(400, 200_000)  # peer persons in one band; E = x / W_p · W_m
    w_m, w_p = 50.0, 500.0
    sim_e = x / w_p * w_m
    assert sim_e.var() == pytest.approx(400 * (w_m / w_p) ** 2, rel=0.02)


def test_symmetric_decomposition_is_kitagawa(demo_inputs) -> None:
    """Band model, one band: two groups (in the band, outside it) with the municipality's
    rate in the band O/n_b and 0 outside; Kitagawa evaluates each effect at the mean (the
    two-way split: without the need adjustment, tests/test_need.py has the three-way one)."""
    band = screen(YEAR, inputs=demo_inputs, method=Method(age_model="band", reference="riket",
                                                          need_model="none"))
    ok = band.filter((pl.col("flag") != "not_assessed") & (pl.col("category") != "totalt"))
    o = ok["observed"].to_numpy()
    n_b = ok["population_band"].to_numpy().astype(float)
    n = ok["population_total"].to_numpy().astype(float)
    e, ec = ok["expected"].to_numpy(), ok["expected_crude"].to_numpy()
    rate_m, rate_r = o / n_b, e / n_b  # within the band (Riket's band rate = E / n_b)
    share_m = n_b / n
    share_r = ec / (rate_r * n)  # Riket's band share = crude rate / band rate
    rate_effect = n * (rate_m - rate_r) * (share_m + share_r) / 2
    structure = n * (share_m - share_r) * (rate_m + rate_r) / 2
    np.testing.assert_allclose(ok["other_effect"].to_numpy(), rate_effect, rtol=1e-9)
    np.testing.assert_allclose(ok["composition_effect"].to_numpy(), structure, rtol=1e-9,
                               atol=1e-9)
    np.testing.assert_allclose(structure + rate_effect, o - ec, rtol=1e-9)
    # the sequential split (version 0.1) gives the interaction to the other effect
    seq = screen(YEAR, inputs=demo_inputs, method=Method(age_model="band", reference="riket",
                                                     decomposition="sequential",
                                                     need_model="none"))
    s = seq.filter(pl.col("municipality") == "0180").filter(pl.col("category") ==
                                                            "daglig_verksamhet")
    r = band.filter(pl.col("municipality") == "0180").filter(pl.col("category") ==
                                                             "daglig_verksamhet")
    assert s["other_effect"][0] == pytest.approx(s["observed"][0] - s["expected"][0])
    reverse = (r["ratio"][0] - 1) * r["expected_crude"][0]
    assert r["other_effect"][0] == pytest.approx((s["other_effect"][0] + reverse) / 2)
