"""Seeded simulation of the need adjustment with a known truth (benchmark.stats.need).

Each draw is a country of 290 municipalities (sizes as in tests/simulation.py: log-normal
around 16 000, two large ones of 300 000 and 280 000). Per municipality:

* E, the age-adjusted expectation of a large category (daglig verksamhet, 0.7 % of the
  population 20–64);
* two need indicators as counts, each Poisson around a latent municipal level (log-normal,
  sd 8 %; aktivitetsersättning among 19–29 år, anpassad grundskola among 7–15 år), turned
  into log ratios to the national rate exactly as the library does;
* the truth O ~ Poisson(E · exp(0.5 x₁ + 0 · x₂) · θ) with θ **log-normal** (CV 5 %), not the
  gamma the negative binomial assumes; the second indicator has no effect;
* municipality 0 (300 000) has aktivitetsersättning 2.2 × the national rate and no other
  deviation: a need-driven excess of about 2.2^0.5 ≈ 1.48 (a little less, since it is part
  of the national rate); municipality 1 (280 000) has national indicator rates and a
  practice factor θ = 1.30.

The truth runs through the indicator as measured (the model's structure); what differs
from the model is the distribution of θ. An indicator that measures need with error would
pull β towards 0 (regression dilution); that is a caveat of the method, not tested here.

Flags at 99.8 % as in the comparison table (√-scale funnel, φ/τ² from the winsorised
z-scores across the municipalities): age-adjusted from O/E, need-adjusted from O/E*.

Acceptance (issue 13), with 150 draws: each β inside its 95 % interval in ≥ 90 % of the draws;
the need-driven excess flagged age-adjusted and not need-adjusted in ≥ 90 %; the practice
excess flagged need-adjusted in ≥ 90 %; among the 288 other municipalities, the strongly
flagged share ≤ 0.4 %. Why 150 draws: at the nominal coverage 0.95 the share of 150 draws
has standard deviation √(0.95 · 0.05 / 150) = 0.018, so a true coverage of 95 % falls below
90 % with probability ≈ 0.3 %, while a coverage of 85 % passes with probability < 5 %: the
check can fail. The null share pools 288 × 150 = 43 200 municipality-draws; at the nominal
0.2 % about 86 are flagged (sd ≈ 9), and 0.4 % would be 173.
"""

from __future__ import annotations

import numpy as np
import pytest

from benchmark import stats
from benchmark.stats.need import fit_need, log_indicator_ratio, need_expected

DRAWS = 150
SEED = 20_261_313
N = 290
BETA = np.array([0.5, 0.0])
NEED_FACTOR, PRACTICE = 2.2, 1.30


def _draw(rng: np.random.Generator) -> dict[str, np.ndarray]:
    sizes = np.exp(rng.normal(np.log(16_000), 0.95, N)).clip(2_500, 250_000)
    sizes[:2] = [300_000, 280_000]
    adults = sizes * rng.uniform(0.50, 0.60, N)
    expected = adults * 0.0070 * np.exp(rng.normal(0, 0.05, N))
    young, children = sizes * rng.uniform(0.10, 0.15, N), sizes * rng.uniform(0.09, 0.12, N)
    latent = np.exp(rng.normal(0, 0.08, (N, 2)))
    latent[:2] = 1.0
    latent[0, 0] = NEED_FACTOR
    counts = np.column_stack([rng.poisson(young * 0.023 * latent[:, 0]),
                              rng.poisson(children * 0.012 * latent[:, 1])]).astype(float)
    counts[:2] = np.column_stack([young, children])[:2] * [0.023, 0.012] * latent[:2]
    pops = np.column_stack([young, children])
    x = np.column_stack([log_indicator_ratio(counts[:, k], pops[:, k], counts[:, k].sum(),
                                             pops[:, k].sum()) for k in range(2)])
    theta = np.exp(rng.normal(-0.5 * 0.05**2, 0.05, N))
    theta[:2] = [1.0, PRACTICE]
    observed = rng.poisson(expected * np.exp(x @ BETA) * theta).astype(float)
    return {"o": observed, "e": expected, "x": x}


def _flags(o: np.ndarray, e: np.ndarray) -> np.ndarray:
    od = stats.overdispersion(o, e, trim=0.1, consistency=True)
    return stats.funnel_flags(o, e, 0.998, phi=od.phi, tau2=od.tau2).flag


@pytest.fixture(scope="module")
def results() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(SEED)
    covered, need_case, practice_case, practice_age = [], [], [], []
    null_flags, betas = [], []
    for _ in range(DRAWS):
        d = _draw(rng)
        fit = fit_need(d["o"], d["e"], d["x"])
        assert fit is not None and fit.converged
        betas.append(fit.beta)
        covered.append((fit.lower <= BETA) & (fit.upper >= BETA))
        star = need_expected(d["e"], d["x"], fit)
        age, need = _flags(d["o"], d["e"]), _flags(d["o"], star)
        need_case.append(age[0] == "higher" and need[0] == "similar")
        practice_case.append(need[1] == "higher")
        practice_age.append(age[1] == "higher")
        null_flags.append(np.isin(need[2:], ["higher", "lower"]))
    return {"covered": np.array(covered), "need": np.array(need_case),
            "practice": np.array(practice_case), "practice_age": np.array(practice_age),
            "null": np.array(null_flags), "beta": np.array(betas)}


def test_beta_recovered(results: dict[str, np.ndarray]) -> None:
    coverage = results["covered"].mean(axis=0)
    mean_beta = results["beta"].mean(axis=0)
    print(f"\nβ inside its 95 % interval: {coverage.round(3).tolist()} of {DRAWS} draws; "
          f"mean β̂ {mean_beta.round(3).tolist()} (true {BETA.tolist()})")
    assert (coverage >= 0.90).all()
    assert mean_beta == pytest.approx(BETA, abs=0.03)


def test_need_driven_excess_not_flagged_after_adjustment(results: dict[str, np.ndarray]
                                                         ) -> None:
    share = results["need"].mean()
    print(f"\nneed-driven excess: flagged age-adjusted and not after need adjustment in "
          f"{share:.3f} of {DRAWS} draws")
    assert share >= 0.90


def test_practice_excess_stays_flagged(results: dict[str, np.ndarray]) -> None:
    share = results["practice"].mean()
    print(f"\npractice +30 %: flagged after need adjustment in {share:.3f} of {DRAWS} draws "
          f"(age-adjusted: {results['practice_age'].mean():.3f})")
    assert share >= 0.90


def test_null_false_flags(results: dict[str, np.ndarray]) -> None:
    share = results["null"].mean()
    print(f"\nnull municipalities strongly flagged after need adjustment: {share:.4f} of "
          f"{results['null'].size}")
    assert results["null"].size == DRAWS * (N - 2)
    assert share <= 0.004
