"""Overdispersion across municipalities, pooled over a window of years, on the grid's cube.

The grid (:func:`benchmark.comparison.grid.grid`) holds every municipality × window year ×
category exactly once, sorted by municipality, year and category, so a column reshapes to
an array municipality × year × category (:class:`Window`).

φ and τ² of a category in year t (:func:`window_dispersion`) are estimated from the
municipality-years of the window t − ``od_window`` + 1 … t that have data (the years
available, so the first years of a series have shorter windows): the √-scale z-scores of all
those units are winsorised together, φ is their mean square (divided by its expectation
under pure Poisson variation) and τ² the DerSimonian–Laird estimate over them
(:func:`benchmark.stats.overdispersion`). A constant true deviation then meets nearly the
same limits every year, instead of limits that move with each year's estimate. The spread
of the single-year estimates inside the window (``tau2_min``, ``tau2_max``) is reported
beside the pooled one. With ``od_window=1`` this is the single-year estimate of version 0.1.

The units of a window are the same municipalities in several years, so they are not
independent: the pooled estimate is a stable moment estimate of the between-municipality
variance, not a more precise one than its number of units suggests.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import polars as pl

from benchmark import stats
from benchmark.comparison.method import Method

__all__ = ["Dispersion", "Window", "random_effects_shrink", "window_dispersion"]


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

    def span(self, year: int, length: int) -> list[int]:
        """Indices of the grid years in ``year − length + 1 … year``."""
        return [i for i, y in enumerate(self.years) if year - length < y <= year]


@dataclass(frozen=True)
class Dispersion:
    """φ, τ² and the window per grid row (municipality × year × category cube order).

    ``units`` counts the municipality-years the estimate pooled; ``first_year`` is the
    window's first year with data; ``tau2_min``/``tau2_max`` the range of the single-year
    estimates in the window (NaN where no year has ``min_od_units`` units).
    """

    phi: np.ndarray
    tau2: np.ndarray
    units: np.ndarray
    first_year: np.ndarray
    tau2_min: np.ndarray
    tau2_max: np.ndarray

    def take(self, rows: np.ndarray) -> Dispersion:
        """The rows selected by a boolean mask or index array."""
        return Dispersion(*(getattr(self, f)[rows] for f in self.__dataclass_fields__))


def _estimate(o: np.ndarray, e: np.ndarray, ok: np.ndarray, method: Method
              ) -> tuple[float, float, int]:
    sel = ok
    if not sel.any():
        return np.nan, np.nan, 0
    od = stats.overdispersion(o[sel], e[sel], trim=method.od_trim, consistency=True)
    if od.n_units < method.min_od_units:
        return np.nan, np.nan, od.n_units
    return od.phi, od.tau2, od.n_units


def window_dispersion(window: Window, observed: np.ndarray, expected: np.ndarray,
                      method: Method, years: Sequence[int] | None = None, *,
                      length: int | None = None, spread: bool = True) -> Dispersion:
    """φ and τ² of each grid row from its category's window of years (module docstring).

    Parameters
    ----------
    window
        The grid's shape.
    observed, expected
        O and E of every grid row (NaN where not assessed), in grid order.
    method
        ``od_window``, ``od_trim`` and ``min_od_units`` are used.
    years
        The years whose estimates are needed (default: every grid year); other rows stay
        NaN.
    length
        Years in a window (default ``method.od_window``).
    spread
        Whether to compute ``tau2_min``/``tau2_max`` (the single-year estimates).

    Returns
    -------
    Dispersion
        Per grid row.
    """
    o_cube, e_cube = window.cube(observed), window.cube(expected)
    ok = ~np.isnan(o_cube) & ~np.isnan(e_cube) & (e_cube > 0)
    m, ny, nc = o_cube.shape
    shape = (m, ny, nc)
    phi, tau2 = np.full(shape, np.nan), np.full(shape, np.nan)
    units = np.zeros(shape, dtype=np.int64)
    first = np.full(shape, -1, dtype=np.int64)
    t_min, t_max = np.full(shape, np.nan), np.full(shape, np.nan)
    wanted = set(window.years if years is None else years)
    length = method.od_window if length is None else length
    single: dict[tuple[int, int], float] = {}
    for j, year in enumerate(window.years):
        if year not in wanted:
            continue
        span = window.span(year, length)
        for k in range(nc):
            if length > 1 and spread:
                for i in span:
                    if (i, k) not in single:
                        single[(i, k)] = _estimate(o_cube[:, i, k], e_cube[:, i, k],
                                                   ok[:, i, k], method)[1]
            # municipality-major order over the window's years: with one year, the rows
            # of that year in municipality order (as in version 0.1)
            sel = np.ix_(np.arange(m), span, [k])
            p, t, n = _estimate(o_cube[sel].ravel(), e_cube[sel].ravel(), ok[sel].ravel(),
                                method)
            phi[:, j, k], tau2[:, j, k], units[:, j, k] = p, t, n
            with_data = [i for i in span if ok[:, i, k].any()]
            first[:, j, k] = window.years[with_data[0]] if with_data else -1
            if not spread:
                continue
            yearly = [single[(i, k)] for i in span] if length > 1 else [t]
            yearly = [x for x in yearly if not np.isnan(x)]
            if yearly:
                t_min[:, j, k], t_max[:, j, k] = min(yearly), max(yearly)
    return Dispersion(phi.ravel(), tau2.ravel(), units.ravel(), first.ravel(),
                      t_min.ravel(), t_max.ravel())


def random_effects_shrink(observed: np.ndarray, expected: np.ndarray, phi: np.ndarray,
                          tau2: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Shrunk ratios under the funnel's own random-effects model.

    On the square-root scale the funnel takes √(O/E) ~ N(μ, 1/(4E)) around a municipality
    level μ ~ N(1, τ²) (Riket = 1). The posterior mean of μ is 1 + B(√(O/E) − 1) with
    weight B = τ² / (τ² + 1/(4E)), and the shrunk ratio is its square. Where the funnel
    finds no overdispersion (φ ≤ 1) it takes τ² = 0, and so does this: every ratio is
    shrunk to 1. Where φ is unknown (too few municipalities) the result is NaN.

    Parameters
    ----------
    observed, expected
        O and E per row (NaN where not assessed).
    phi, tau2
        The funnel's estimates per row.

    Returns
    -------
    tuple of numpy.ndarray
        ``(shrunk, weight)``.

    Examples
    --------
    >>> s, w = random_effects_shrink(np.array([130.0]), np.array([100.0]),
    ...                              np.array([2.0]), np.array([0.0025]))
    >>> round(float(w[0]), 3), round(float(s[0]), 4)
    (0.5, 1.1451)
    """
    ok = ~np.isnan(observed) & ~np.isnan(expected) & (expected > 0) & ~np.isnan(phi)
    e = np.where(ok, expected, 1.0)
    t = np.where(ok & (phi > 1), np.nan_to_num(tau2), 0.0)
    weight = t / (t + 1 / (4 * e))
    root = 1 + weight * (np.sqrt(np.where(ok, observed, 0.0) / e) - 1)
    return np.where(ok, root**2, np.nan), np.where(ok, weight, np.nan)
