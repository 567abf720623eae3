"""The demo population: single-year ages 0–100 by sex, municipality and year (31 December),
served in SCB's format (region "00" = Riket, sex "1"/"2", age "0"…"99", "100+")."""

from __future__ import annotations

import numpy as np
import polars as pl

from benchmark.demo.country import World

#: Age bands of the generator (lower edges; the last band is 80+). They nest both the
#: catalogue bands (13, 20, 23, 65) and the total's split (0–22, 23–64, 65+).
BAND_EDGES = np.array([0, 7, 13, 20, 23, 45, 65, 80, 101])


def _base_pyramid() -> np.ndarray:
    """A smooth Swedish-like single-year age distribution, ages 0..100 (100 = 100+)."""
    anchors_age = [0, 5, 15, 19, 25, 32, 40, 50, 58, 65, 72, 78, 85, 90, 95, 99, 100]
    anchors_n = [113, 120, 124, 118, 135, 138, 128, 130, 126, 110, 104, 92, 55, 30, 11, 2.5, 2]
    return np.interp(np.arange(101), anchors_age, anchors_n)


def _age_tilt() -> np.ndarray:
    """How an 'old' municipality (age index > 0) departs from the base pyramid, by age."""
    ages = [0, 12, 18, 22, 30, 38, 48, 58, 66, 75, 85, 100]
    tilt = [-0.25, -0.15, -0.12, -0.45, -0.5, -0.3, -0.05, 0.2, 0.38, 0.45, 0.4, 0.35]
    return np.interp(np.arange(101), ages, tilt)


def _male_share() -> np.ndarray:
    """The share of men by age."""
    return np.interp(np.arange(101), [0, 20, 60, 70, 80, 90, 100],
                     [0.513, 0.512, 0.505, 0.49, 0.45, 0.36, 0.2])


def simulate(sizes: np.ndarray, age_index: np.ndarray, years: list[int],
             rng: np.random.Generator) -> np.ndarray:
    """Integer population [municipality, year, sex (0 men, 1 women), age 0..100]."""
    base, tilt, male = _base_pyramid(), _age_tilt(), _male_share()
    rough = np.exp(rng.normal(0, 0.03, (len(sizes), 101)))
    growth = np.clip(0.004 - 0.006 * age_index + rng.normal(0, 0.003, len(sizes)), -0.012, 0.02)
    pop = np.empty((len(sizes), len(years), 2, 101))
    for j, year in enumerate(years):
        dt = year - years[-1]
        a = age_index + 0.02 * dt  # the country ages slowly
        shape = base[None, :] * np.exp(a[:, None] * tilt[None, :]) * rough
        shape /= shape.sum(axis=1, keepdims=True)
        total = sizes * (1 + growth) ** dt
        pop[:, j, 0, :] = total[:, None] * shape * male[None, :]
        pop[:, j, 1, :] = total[:, None] * shape * (1 - male[None, :])
    return np.rint(pop).astype(np.int64)


def band_sum(arr: np.ndarray) -> np.ndarray:
    """Sum the last axis (ages 0..100) into the generator's age bands."""
    return np.add.reduceat(arr, BAND_EDGES[:-1], axis=-1)


def ages_in(lo: int, hi: int | None) -> slice:
    """The age index slice of the band ``lo``–``hi`` (``hi=None``: no upper limit)."""
    return slice(lo, 101 if hi is None else hi + 1)


def population_frame(w: World) -> pl.DataFrame:
    """The population as SCB serves it (TAB638 cells: region, year, sex, age, population)."""
    ages = [str(a) for a in range(100)] + ["100+"]
    riket = w.pop.sum(axis=0, keepdims=True)
    values = np.concatenate([riket, w.pop])  # [m+1, y, s, age]
    regions = ["00", *w.codes]
    shape = values.shape
    idx = np.indices(shape).reshape(4, -1)
    return pl.DataFrame({
        "region": pl.Series(regions).gather(idx[0]),
        "year": pl.Series(np.array(w.years)[idx[1]], dtype=pl.Int32),
        "sex": pl.Series(["1", "2"]).gather(idx[2]),
        "age": pl.Series(ages).gather(idx[3]),
        "population": pl.Series(values.reshape(-1), dtype=pl.Int64),
    })
