"""The last years of each table row: how long a flag has lasted, and the pooled test.

The grid (:func:`benchmark.comparison.grid.grid`) holds every municipality × window year ×
category exactly once, sorted by municipality, year and category, so a column reshapes to
an array municipality × year × category, and the last years of a row are slices along the
year axis: no joins.

* ``persistent``: ``flag_95`` in the same direction in at least ``persistence_min`` of the
  last ``persistence_years`` years (t − 4 … t by default); descriptive, because the same
  persons keep their decisions from year to year.
* the pooled test: O and E summed over the last ``pooled_years`` years (t − 2 … t, all
  assessed; E in year order, :func:`~benchmark.comparison.bands.ordered_sum`), φ/τ²
  estimated on the pooled values across municipalities, and the flag rule of ``flag`` at
  ``strong_confidence`` (``flag_3y``). Years overlap in the persons they count, so this
  tests a *level* that has lasted, not independent observations.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import polars as pl

from benchmark import stats
from benchmark.comparison.bands import ordered_sum
from benchmark.comparison.estimates import across_municipalities
from benchmark.comparison.frames import float_column, text_column
from benchmark.comparison.method import Method

__all__ = ["Window", "persistence", "pooled_test"]


@dataclass(frozen=True)
class Window:
    """The shape of the grid: municipalities × ``years`` × categories, and the table years."""

    years: tuple[int, ...]
    targets: tuple[int, ...]
    n_municipalities: int
    n_categories: int

    @classmethod
    def of(cls, df: pl.DataFrame, targets: Sequence[int]) -> Window:
        """The window of a sorted grid; raises ValueError unless it is complete."""
        years = tuple(sorted(df["year"].unique().to_list()))
        window = cls(years, tuple(sorted(targets)), df["municipality"].n_unique(),
                     df["category"].n_unique())
        if df.height != window.n_municipalities * len(years) * window.n_categories:
            raise ValueError("the grid is not one row per municipality, year and category")
        return window

    def cube(self, values: np.ndarray) -> np.ndarray:
        """Values in grid order as an array municipality × year × category."""
        return values.reshape(self.n_municipalities, len(self.years), self.n_categories)

    def back(self, cube: np.ndarray, k: int, fill: object) -> np.ndarray:
        """Each table year's values k years earlier (``fill`` where that year is absent):
        municipality × table year × category."""
        out = np.full((cube.shape[0], len(self.targets), cube.shape[2]), fill,
                      dtype=cube.dtype)
        for i, year in enumerate(self.targets):
            if year - k in self.years:
                out[:, i, :] = cube[:, self.years.index(year - k), :]
        return out


def persistence(window: Window, flag_95: np.ndarray, method: Method) -> list[pl.Series]:
    """``years_flagged``, ``persistent``, ``persistence_direction`` and ``years_assessed``
    of the table rows (in grid order), from ``flag_95`` of every grid row."""
    flags = window.cube(flag_95)
    last = [window.back(flags, k, "") for k in range(method.persistence_years)]
    n_higher = sum((f == "higher").astype(np.int64) for f in last)
    n_lower = sum((f == "lower").astype(np.int64) for f in last)
    assessed = sum(((f != "not_assessed") & (f != "")).astype(np.int64) for f in last)
    need = method.persistence_min
    direction = np.where(n_higher >= need, "higher",
                         np.where(n_lower >= need, "lower", None)).astype(object)
    most = np.maximum(n_higher, n_lower)
    return [pl.Series("years_flagged", most.ravel(), dtype=pl.Int64),
            pl.Series("persistent", (most >= need).ravel(), dtype=pl.Boolean),
            text_column(direction.ravel(), "persistence_direction"),
            pl.Series("years_assessed", assessed.ravel(), dtype=pl.Int64)]


def pooled_test(window: Window, observed: np.ndarray, expected: np.ndarray,
                method: Method) -> list[pl.Series]:
    """``observed_3y``, ``expected_3y``, ``ratio_3y`` and ``flag_3y`` of the table rows (in
    grid order), from the assessed O and E of every grid row (NaN where not assessed)."""
    oldest_first = range(method.pooled_years - 1, -1, -1)
    o_cube, e_cube = window.cube(observed), window.cube(expected)
    e = ordered_sum([window.back(e_cube, k, np.nan) for k in oldest_first])
    o = sum(window.back(o_cube, k, np.nan) for k in oldest_first)
    o = np.where(np.isnan(e), np.nan, o)
    ok = ~np.isnan(o) & ~np.isnan(e) & (e > 0)
    # groups are category × year; within a group the rows stay in municipality order
    groups = (np.arange(o.shape[1])[None, :, None] * o.shape[2]
              + np.arange(o.shape[2])[None, None, :]) + np.zeros(o.shape, dtype=np.int64)
    o, e, ok, groups = o.ravel(), e.ravel(), ok.ravel(), groups.ravel()
    phi, tau2, *_ = across_municipalities(o, e, ok, groups, method, shrink=False)
    flags = stats.funnel_flag_only(np.where(ok, o, np.nan), np.where(ok, e, 1.0),
                                   method.strong_confidence, phi=phi, tau2=tau2)
    return [float_column(o, "observed_3y"), float_column(e, "expected_3y"),
            float_column(np.where(ok, o / np.where(ok, e, 1.0), np.nan), "ratio_3y"),
            text_column(flags, "flag_3y")]
