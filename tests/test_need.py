"""The need model (benchmark.stats.need) against independent references and closed forms.

* β and its standard error equal statsmodels' own fits on the same data, built here
  independently of the module's design (rel 1e-6): the negative binomial (NB2, maximum
  likelihood by another optimiser; β also by the GLM with the dispersion fixed, another
  algorithm) and the quasi-Poisson GLM (unscaled Poisson fit, SE scaled by hand with the
  Pearson χ²);
* the three-way split sums exactly to O − crude E, equals the symmetric two-way split when
  the need factor is 1, and equals the Shapley value computed by enumerating the six
  orders;
* the indicator ratio: zero counts, missing values, the national rate.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
import statsmodels.api as sm
from statsmodels.discrete.discrete_model import NegativeBinomial

from benchmark.errors import InputError
from benchmark.stats.need import fit_need, log_indicator_ratio, need_expected, three_way_split


def _data(seed: int = 7, n: int = 290) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    e = np.exp(rng.normal(np.log(60), 1.0, n))
    x = rng.normal(0, 0.3, (n, 2))
    mu = e * np.exp(0.05 + 0.8 * x[:, 0] + 0.1 * x[:, 1]) * rng.lognormal(0, 0.12, n)
    return rng.poisson(mu).astype(float), e, x


@pytest.mark.filterwarnings("ignore::statsmodels.tools.sm_exceptions.ConvergenceWarning")
def test_negative_binomial_equals_statsmodels() -> None:
    o, e, x = _data()
    o[3] = np.nan  # a row without a count is left out of both fits
    fit = fit_need(o, e, x)
    assert fit is not None and fit.converged and fit.n_units == 289
    keep = ~np.isnan(o)
    exog = np.column_stack([np.ones(keep.sum()), x[keep, 0], x[keep, 1]])
    ref = NegativeBinomial(o[keep], exog, loglike_method="nb2",
                           offset=np.log(e[keep])).fit(method="bfgs", maxiter=5000,
                                                       gtol=1e-12, disp=0)
    np.testing.assert_allclose(fit.beta, ref.params[1:3], rtol=1e-6)
    np.testing.assert_allclose(fit.se, ref.bse[1:3], rtol=1e-6)
    assert fit.intercept == pytest.approx(ref.params[0], rel=1e-6)
    assert fit.dispersion == pytest.approx(ref.params[3], rel=1e-6)
    # β by another algorithm: IRLS with the dispersion fixed at the estimate
    glm = sm.GLM(o[keep], exog, family=sm.families.NegativeBinomial(alpha=ref.params[3]),
                 offset=np.log(e[keep])).fit(tol=1e-13)
    np.testing.assert_allclose(fit.beta, glm.params[1:3], rtol=1e-6)
    z = 1.959963984540054
    np.testing.assert_allclose(fit.lower, fit.beta - z * fit.se, rtol=1e-12)
    assert fit.explains  # β₁ = 0.8 is far from 0
    # the offset-only model's dispersion, and the share explained from the two
    null = NegativeBinomial(o[keep], exog[:, :1], loglike_method="nb2",
                            offset=np.log(e[keep])).fit(method="bfgs", maxiter=5000,
                                                        gtol=1e-12, disp=0)
    assert fit.dispersion_null == pytest.approx(null.params[1], rel=1e-6)
    assert fit.explained == pytest.approx(1 - ref.params[3] / null.params[1], rel=1e-6)
    assert 0.5 < fit.explained < 1


def test_quasi_poisson_equals_statsmodels() -> None:
    o, e, x = _data(11)
    fit = fit_need(o, e, x, model="quasi_poisson", confidence=0.9)
    assert fit is not None
    exog = np.column_stack([np.ones(len(o)), x])
    pois = sm.GLM(o, exog, family=sm.families.Poisson(), offset=np.log(e)).fit(tol=1e-13)
    mu = pois.fittedvalues
    scale = float(np.sum((o - mu) ** 2 / mu) / (len(o) - 3))
    np.testing.assert_allclose(fit.beta, pois.params[1:], rtol=1e-6)
    np.testing.assert_allclose(fit.se, pois.bse[1:] * math.sqrt(scale), rtol=1e-6)
    assert fit.dispersion == pytest.approx(scale, rel=1e-6)
    np.testing.assert_allclose(fit.upper - fit.beta, 1.6448536269514722 * fit.se, rtol=1e-12)


def test_need_expected_and_no_effect() -> None:
    o, e, x = _data(3)
    fit = fit_need(o, e, x)
    assert fit is not None
    star = need_expected(e, x, fit)
    np.testing.assert_allclose(star, e * np.exp(fit.intercept + x @ fit.beta), rtol=1e-12)
    # the fitted NB mean matches the data in total (the score equation of the intercept
    # holds only approximately for NB; for the Poisson GLM exactly)
    qp = fit_need(o, e, x, model="quasi_poisson")
    assert qp is not None
    assert need_expected(e, x, qp).sum() == pytest.approx(o.sum(), rel=1e-9)
    # an indicator without any effect: its interval covers 0 and the fit says so
    rng = np.random.default_rng(5)
    noise = rng.normal(0, 0.3, (len(o), 1))
    pure = rng.poisson(e * rng.lognormal(0, 0.1, len(o))).astype(float)
    nothing = fit_need(pure, e, noise)
    assert nothing is not None and not nothing.explains
    assert nothing.lower[0] < 0 < nothing.upper[0]
    # a clearly negative association (more of the indicator, fewer persons) is not need
    inverse = rng.poisson(e * np.exp(-0.8 * noise[:, 0])).astype(float)
    against = fit_need(inverse, e, noise)
    assert against is not None and against.upper[0] < 0 and not against.explains


def test_fit_refuses_and_gives_up() -> None:
    o, e, x = _data()
    with pytest.raises(InputError, match="need model must be one of"):
        fit_need(o, e, x, model="ols")
    assert fit_need(o[:5], e[:5], x[:5]) is None  # too few municipalities
    x_missing = x.copy()
    x_missing[5:, 0] = np.nan
    assert fit_need(o, e, x_missing) is None


def _shapley(crude: float, factors: tuple[float, float, float]) -> list[float]:
    parts = [0.0, 0.0, 0.0]
    for order in itertools.permutations(range(3)):
        level = np.ones(3)
        for i in order:
            before = crude * level.prod()
            level[i] = factors[i]
            parts[i] += (crude * level.prod() - before) / 6
    return parts


@pytest.mark.parametrize(("o", "crude", "e", "star"), [
    (150.0, 100.0, 110.0, 132.0), (40.0, 55.0, 48.0, 39.0), (0.0, 12.0, 9.0, 14.0),
    (1322.0, 1040.0, 1077.0, 1080.0)])
def test_three_way_split(o: float, crude: float, e: float, star: float) -> None:
    age, need, other = (float(p[0]) for p in three_way_split(
        np.array([o]), np.array([crude]), np.array([e]), np.array([star])))
    assert age + need + other == pytest.approx(o - crude, abs=1e-9)
    expected = _shapley(crude, (e / crude, star / e, o / star))
    assert [age, need, other] == pytest.approx(expected, rel=1e-12, abs=1e-12)


def test_three_way_split_reduces_to_kitagawa() -> None:
    o, crude, e = np.array([130.0, 20.0]), np.array([100.0, 31.0]), np.array([92.0, 27.5])
    age, need, other = three_way_split(o, crude, e, e)
    np.testing.assert_allclose(need, 0.0, atol=1e-12)
    np.testing.assert_allclose(age, (o / e + 1) * (e - crude) / 2, rtol=1e-12)
    np.testing.assert_allclose(other, (o / e - 1) * (e + crude) / 2, rtol=1e-12)


def test_log_indicator_ratio() -> None:
    ratio = log_indicator_ratio(np.array([30.0, 0.0, np.nan, 5.0]),
                                np.array([1000.0, 500.0, 800.0, 0.0]), 2000.0, 100_000.0)
    assert ratio[0] == pytest.approx(math.log(1.5))
    assert ratio[1] == pytest.approx(math.log(0.5 / 500 / 0.02))
    assert np.isnan(ratio[2]) and np.isnan(ratio[3])
    assert np.isnan(log_indicator_ratio(np.array([3.0]), np.array([10.0]), 0.0, 10.0)).all()


@pytest.mark.parametrize("model", ["negative_binomial", "quasi_poisson"])
def test_no_share_explained_without_variance_beyond_chance(model: str) -> None:
    """Counts that vary only by Poisson chance around E (the indicator has no effect and
    there is no overdispersion) leave no between-municipality variance to share out: the
    share explained is NaN in every seeded draw, where it used to be any number from 0 to
    100 %; with real spread (gamma-Poisson, CV 15 %) the indicator's share is a number."""
    from scipy import stats as sps

    rng = np.random.default_rng(20261202)
    shares_null, shares_spread = [], []
    for _ in range(20):
        e = rng.uniform(10, 400, 290)
        x = rng.normal(0, 0.3, 290)
        o = rng.poisson(e).astype(float)
        # the test's own check of the premise: Pearson's X² around E is not significant
        x2 = float(np.sum((o - e) ** 2 / e))
        if sps.chi2.sf(x2, 289) < 0.05:
            continue
        fit = fit_need(o, e, x, model=model)
        assert fit is not None
        shares_null.append(fit.explained)
        spread = rng.gamma(1 / 0.15**2, 0.15**2, 290) * np.exp(0.5 * x)
        fit = fit_need(rng.poisson(e * spread).astype(float), e, x, model=model)
        assert fit is not None
        shares_spread.append(fit.explained)
    assert len(shares_null) >= 15
    assert all(np.isnan(s) for s in shares_null)
    assert all(0.0 <= s <= 1.0 for s in shares_spread)
    assert np.mean(shares_spread) > 0.2
