"""The last years of each table row: how long a flag has lasted, and the pooled test.

The grid (:func:`benchmark.comparison.grid.grid`) holds every municipality × window year ×
category exactly once, sorted by municipality, year and category, so a column reshapes to
an array municipality × year × category, and the last years of a row are slices along the
year axis: no joins (:class:`~benchmark.comparison.dispersion.Window`).

* ``persistent``: ``flag_95`` in the same direction in at least ``persistence_min`` of the
  last ``persistence_years`` years (t − 4 … t by default); descriptive, because the same
  persons keep their decisions from year to year.
* the pooled test (``flag_3y``): the last ``pooled_years`` years (t − 2 … t, all
  assessed). The years count largely the same persons, so they are not independent
  observations: with ``pooled_test="mean"`` (default) the test is on the yearly means
  Ō and Ē, i.e. on the level that has lasted, with the precision of one year's count
  (``observed_3y``/``expected_3y`` are the means). ``"sum"`` (version 0.1) tests ΣO against
  ΣE as if the years were independent, which overstates the evidence about threefold. φ/τ²
  are estimated on the pooled values across municipalities, and the flag rule of ``flag``
  at ``strong_confidence`` is used. E is summed in year order
  (:func:`~benchmark.comparison.pooling.ordered_sum`).
"""

from __future__ import annotations

import numpy as np
import polars as pl

from benchmark import stats
from benchmark.comparison.dispersion import Window, window_dispersion
from benchmark.comparison.frames import float_column, text_column
from benchmark.comparison.method import Method
from benchmark.comparison.pooling import ordered_sum

__all__ = ["Window", "persistence", "pooled_test"]


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
    if method.pooled_test == "mean":
        o, e = o / method.pooled_years, e / method.pooled_years
    ok = ~np.isnan(o) & ~np.isnan(e) & (e > 0)
    # one "year" per table year: the estimates across municipalities of each category
    pooled = Window(window.targets, window.targets, o.shape[0], o.shape[2])
    od = window_dispersion(pooled, o.ravel(), e.ravel(), method, length=1)
    o, e, ok = o.ravel(), e.ravel(), ok.ravel()
    flags = stats.funnel_flag_only(np.where(ok, o, np.nan), np.where(ok, e, 1.0),
                                   method.strong_confidence, phi=od.phi, tau2=od.tau2)
    return [float_column(o, "observed_3y"), float_column(e, "expected_3y"),
            float_column(np.where(ok, o / np.where(ok, e, 1.0), np.nan), "ratio_3y"),
            text_column(flags, "flag_3y")]
