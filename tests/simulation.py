"""A seeded simulated country with a known truth, for the statistical simulation tests.

290 municipalities, single-year ages 0–100 × two sexes, ten years. Persons per category
are gamma–Poisson: the true expected count of municipality m in year t is
θ_m,c · j_m,c,t · Σ_g r_c,g · P_m,t,g, with

* r_c,g the **true** age × sex rate of category c: the published national shape of the
  model (:func:`benchmark.comparison.profile.shape`) bent by a smooth wave over age
  (± 25 %, a different phase per category, smoothed across the model's step edges) and
  with another sex ratio (men × 1.15), zero outside the category's reference band — so the
  truth has an age profile, but not the one the model assumes;
* θ_m,c a persistent municipal factor (gamma, CV 5 %) and j_m,c,t yearly jitter
  (log-normal, 1.5 %): the between-municipality variation the funnels must absorb;
* planted municipalities (:data:`PLANTED`) with θ = 1.30 in daglig verksamhet, no other
  factor: a constant true deviation of +30 %.

Riket's counts are the sums over the municipalities. The total (``totalt``) and its
auxiliary rows (0–22 by sex, 0–64) are simulated the same way. :func:`simulate` returns
the in-memory :class:`~benchmark.comparison.Inputs` (no files), the true expected counts
and the planted rows.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from benchmark.catalog import CATEGORIES, MAX_AGE, RIKET
from benchmark.comparison import Inputs
from benchmark.comparison.inputs import available_years
from benchmark.comparison.profile import SEXES, shape
from benchmark.tables import TABLES

YEARS = tuple(range(2015, 2025))
N_MUNICIPALITIES = 290
#: Planted constant deviation: municipality index → factor in daglig verksamhet.
PLANTED_CATEGORY = "daglig_verksamhet"
PLANTED_FACTOR = 1.30
#: National persons per inhabitant of the band (the level of each category's truth).
_LEVEL = {"boende": 0.0040, "daglig_verksamhet": 0.0070, "personlig_assistans_lss": 0.0007,
          "personlig_assistans_sfb": 0.0020, "ledsagarservice": 0.0006,
          "kontaktperson": 0.0017, "avlosarservice": 0.0015, "korttidsvistelse": 0.0030,
          "korttidstillsyn": 0.0035, "totalt": 0.0074}
_CV, _YEAR_SD = 0.05, 0.015


@dataclass
class Simulated:
    """One draw: the inputs, the true expected counts and where the deviation is planted."""

    inputs: Inputs
    true_expected: pl.DataFrame  # municipality, year, category, true_expected
    planted: tuple[str, ...]  # kommunkoder with the planted deviation


def _truth(category: str, lo: int, hi: int | None, phase: float) -> np.ndarray:
    """The true rate per sex × age (relative; scaled to the level later)."""
    ages = np.arange(MAX_AGE + 1)
    wave = np.exp(0.25 * np.sin(2 * np.pi * ages / 37.0 + phase))
    base = np.array(shape(category), dtype=float)
    # smooth the model's steps (a 7-year moving average) so the truth has no step edges
    kernel = np.ones(7) / 7
    smooth = np.stack([np.convolve(np.pad(row, 3, mode="edge"), kernel, "valid")
                       for row in base])
    truth = smooth * wave[None, :]
    truth[SEXES.index("M")] *= 1.15
    inside = (ages >= lo) & (ages <= (MAX_AGE if hi is None else hi))
    return truth * inside[None, :]


def _population(rng: np.random.Generator) -> tuple[np.ndarray, list[str]]:
    """Integer population [municipality, year, sex, age] and the kommunkoder."""
    n = N_MUNICIPALITIES
    sizes = np.exp(rng.normal(np.log(16_000), 0.95, n)).clip(2_500, 250_000)
    sizes[:2] = [300_000, 280_000]  # the planted ones: large, under 5 % of the country
    sizes[2] = 700_000  # the largest: more than 5 % of its bands (rest-of-country reference)
    age_index = np.clip(-0.5 * (np.log(sizes) - np.log(sizes).mean())
                        + rng.normal(0, 0.45, n), -1.6, 1.6)
    ages = np.arange(MAX_AGE + 1)
    base = np.interp(ages, [0, 15, 25, 40, 55, 65, 75, 85, 95, 100],
                     [115, 122, 132, 130, 128, 110, 100, 55, 11, 2])
    tilt = np.interp(ages, [0, 20, 30, 45, 60, 75, 100],
                     [-0.25, -0.2, -0.45, -0.1, 0.25, 0.45, 0.35])
    male = np.interp(ages, [0, 60, 80, 100], [0.512, 0.505, 0.45, 0.2])
    pop = np.empty((n, len(YEARS), 2, MAX_AGE + 1))
    for j, year in enumerate(YEARS):
        a = age_index + 0.02 * (year - YEARS[-1])
        share = base[None, :] * np.exp(a[:, None] * tilt[None, :])
        share /= share.sum(axis=1, keepdims=True)
        total = sizes * 1.004 ** (year - YEARS[-1])
        pop[:, j, SEXES.index("M")] = total[:, None] * share * male[None, :]
        pop[:, j, SEXES.index("K")] = total[:, None] * share * (1 - male[None, :])
    codes = [f"{i + 1:04d}" for i in range(n)]
    return np.rint(pop).astype(np.int64), codes


def simulate(seed: int, *, planted: int = 2) -> Simulated:
    """One draw of the simulated country (see the module docstring)."""
    rng = np.random.default_rng(seed)
    pop, codes = _population(rng)
    n, ny = pop.shape[:2]
    riket_pop = pop.sum(axis=0)
    lss: dict[str, np.ndarray] = {}
    true_rows = []
    for k, cat in enumerate(CATEGORIES):
        truth = _truth(cat.id, cat.age_min, cat.age_max, phase=1.3 * k)
        band = truth > 0
        # scale: national persons = level × national band population (year 2020)
        j0 = YEARS.index(2020)
        scale = _LEVEL[cat.id] * (riket_pop[j0] * band).sum() / (riket_pop[j0] * truth).sum()
        rate = truth * scale
        if cat.id == "totalt":
            young, mid = np.arange(MAX_AGE + 1) <= 22, np.arange(MAX_AGE + 1) <= 64
            parts = {}
            theta = rng.gamma(1 / _CV**2, _CV**2, n)
            for name, mask, sex in (("totalt_0_22_k", young, 0), ("totalt_0_22_m", young, 1),
                                    ("_23_64_k", mid & ~young, 0), ("_23_64_m", mid & ~young, 1),
                                    ("_65_k", ~mid, 0), ("_65_m", ~mid, 1)):
                lam = (pop[:, :, sex, :] * (rate[sex] * mask)[None, None, :]).sum(axis=2)
                jitter = np.exp(rng.normal(0, _YEAR_SD, (n, ny)))
                parts[name] = rng.poisson(lam * theta[:, None] * jitter)
            lss["totalt_0_22_k"], lss["totalt_0_22_m"] = parts["totalt_0_22_k"], parts[
                "totalt_0_22_m"]
            lss["totalt_0_22"] = parts["totalt_0_22_k"] + parts["totalt_0_22_m"]
            lss["totalt_0_64"] = lss["totalt_0_22"] + parts["_23_64_k"] + parts["_23_64_m"]
            lss["totalt"] = lss["totalt_0_64"] + parts["_65_k"] + parts["_65_m"]
            true = (pop * rate[None, None, :, :]).sum(axis=(2, 3))
        else:
            true = (pop * rate[None, None, :, :]).sum(axis=(2, 3))  # [m, y]
            theta = rng.gamma(1 / _CV**2, _CV**2, n)
            jitter = np.exp(rng.normal(0, _YEAR_SD, (n, ny)))
            factor = theta[:, None] * jitter
            if cat.id == PLANTED_CATEGORY:
                factor[:planted] = PLANTED_FACTOR
            lss[cat.id] = rng.poisson(true * factor)
        # the truth without municipal factors, scaled to the national count of each year
        national = true.sum(axis=0)
        true_rows.append(pl.DataFrame({
            "municipality": np.repeat(codes, ny), "year": np.tile(YEARS, n),
            "category": cat.id,
            "true_expected": (true / national[None, :]
                              * lss[cat.id].sum(axis=0)[None, :]).ravel()}))
    return Simulated(_inputs(pop, codes, lss),
                     pl.concat(true_rows).with_columns(pl.col("year").cast(pl.Int32)),
                     tuple(codes[:planted]))


def _inputs(pop: np.ndarray, codes: list[str], lss: dict[str, np.ndarray]) -> Inputs:
    n, ny = pop.shape[:2]
    all_codes = [RIKET, *codes]
    rows = []
    for cat, counts in lss.items():
        values = np.concatenate([counts.sum(axis=0)[None, :], counts]).astype(float)
        rows.append(pl.DataFrame({
            "municipality": np.repeat(all_codes, ny), "year": np.tile(YEARS, n + 1),
            "category": cat, "count": values.ravel()}))
    lss_frame = pl.concat(rows).with_columns(
        pl.col("year").cast(pl.Int32), pl.lit(None, dtype=pl.Float64).alias("per_10k"),
        pl.lit("ok").alias("status"))
    full = np.concatenate([pop.sum(axis=0)[None], pop])  # Riket first
    idx = np.indices(full.shape).reshape(4, -1)
    population = pl.DataFrame({
        "municipality": pl.Series(all_codes).gather(idx[0]),
        "year": pl.Series(np.array(YEARS)[idx[1]], dtype=pl.Int32),
        "sex": pl.Series(list(SEXES)).gather(idx[2]),
        "age": pl.Series(idx[3], dtype=pl.Int16),
        "population": pl.Series(full.ravel(), dtype=pl.Int64)})
    municipalities = pl.DataFrame({"municipality": all_codes,
                                   "name": ["Riket", *(f"Sim {c}" for c in codes)],
                                   "type": ["L", *["K"] * n]})
    return Inputs(lss_frame, population, municipalities, TABLES["peer_groups"].empty(),
                  TABLES["kpi_values"].empty(), True, available_years(lss_frame))
