"""Robust flags: does the strong flag survive defensible alternatives to the age assumption?

Each category's ``flag`` is recomputed under a small set of alternatives
(:attr:`~benchmark.comparison.bands.ReferenceBands.alternatives`): the other age model
(band instead of profile, or the reverse) and each finite edge of the reference band moved
by ± ``Method.band_shift`` years (the total keeps its published bands, so only the other
model). Under each alternative, E comes from the same expected-count step
(:mod:`benchmark.comparison.expected`, one pass for all alternatives), φ and τ² are
re-estimated across the municipalities over the same window of years, and the flag rule
is applied again: nothing else of the table is recomputed.

Columns: ``n_alternatives`` (how many alternatives could be computed for the row),
``flag_alternatives`` (how many of them give the same ``flag``), ``robust`` (all of them
do; null where the row is not assessed or no alternative exists) and ``flag_depends_on``
(the alternatives that give another flag, e.g. ``age_model=band; age_band=20-66``).
"""

from __future__ import annotations

import numpy as np
import polars as pl

from benchmark import stats
from benchmark.comparison.bands import SLOTS
from benchmark.comparison.dispersion import Window, window_dispersion
from benchmark.comparison.frames import text_column
from benchmark.comparison.method import Method

__all__ = ["ROBUST_COLUMNS", "robustness"]

#: The columns :func:`robustness` adds.
ROBUST_COLUMNS = ("robust", "flag_alternatives", "n_alternatives", "flag_depends_on")


def _empty(n: int) -> list[pl.Series]:
    return [pl.Series("robust", [None] * n, dtype=pl.Boolean),
            pl.Series("flag_alternatives", [None] * n, dtype=pl.Int64),
            pl.Series("n_alternatives", [None] * n, dtype=pl.Int64),
            pl.Series("flag_depends_on", [None] * n, dtype=pl.String)]


def robustness(window: Window, grid: pl.DataFrame, flag: np.ndarray, method: Method,
               rows: np.ndarray | None = None) -> list[pl.Series]:
    """:data:`ROBUST_COLUMNS` of the table rows (grid order), from the grid's alternative
    expectations (``alt_<slot>``) and the main ``flag`` of the table rows.

    Parameters
    ----------
    window
        The grid's shape.
    grid
        Every grid row (sorted by municipality, year, category) with ``observed_assessed``,
        ``flag_reason`` and the ``alt_<slot>`` columns.
    flag
        ``flag`` of the table rows, in grid order.
    method
        The method (its bands name the alternatives).
    rows
        Which table rows need the columns (a boolean mask in grid order, e.g. the rows of
        the municipalities returned); the others stay null. φ and τ² are always estimated
        across all municipalities.

    Returns
    -------
    list of polars.Series
        One per column of :data:`ROBUST_COLUMNS`, a value per table row.
    """
    alternatives = method.bands.alternatives
    if not alternatives:
        return _empty(len(flag))
    categories = sorted(grid["category"].unique().to_list())
    o_all = grid["observed_assessed"].to_numpy().astype(float)
    assessed = (grid["flag_reason"] == "").to_numpy()
    o_t = window.back(window.cube(o_all), 0, np.nan).ravel()
    cat_t = np.broadcast_to(np.array(categories, dtype=object)[None, None, :],
                            (window.n_municipalities, len(window.targets),
                             window.n_categories)).ravel()
    main_ok = np.isin(flag, ["higher", "lower", "similar"])
    if rows is not None:
        main_ok &= rows
    n_alt = np.zeros(len(flag), dtype=np.int64)
    agree = np.zeros(len(flag), dtype=np.int64)
    depends: list[list[str]] = [[] for _ in flag]
    for slot in SLOTS:
        e_all = grid[f"alt_{slot}"].to_numpy().astype(float)
        e_all = np.where(assessed & ~np.isnan(e_all) & (e_all > 0), e_all, np.nan)
        if np.isnan(e_all).all():
            continue
        od = window_dispersion(window, o_all, e_all, method, window.targets, spread=False)
        e_t = window.back(window.cube(e_all), 0, np.nan).ravel()
        ok = ~np.isnan(e_t) & ~np.isnan(o_t) & main_ok
        od_t = od.take(window.back(window.cube(np.arange(len(e_all))), 0, -1).ravel()[ok])
        alt = np.full(len(flag), "not_assessed", dtype=object)
        alt[ok] = stats.funnel_flag_only(o_t[ok], e_t[ok], method.strong_confidence,
                                         phi=od_t.phi, tau2=od_t.tau2)
        counted = ok
        n_alt += counted
        same = counted & (alt == flag)
        agree += same
        labels = {c: alternatives[(c, slot)][1] for c in categories
                  if (c, slot) in alternatives}
        for i in np.flatnonzero(counted & ~same):
            depends[i].append(labels[cat_t[i]])
    has = main_ok & (n_alt > 0)
    robust = np.where(has, agree == n_alt, None).astype(object)
    return [pl.Series("robust", robust.tolist(), dtype=pl.Boolean),
            pl.Series("flag_alternatives", np.where(main_ok, agree, None).tolist(),
                      dtype=pl.Int64),
            pl.Series("n_alternatives", np.where(main_ok, n_alt, None).tolist(),
                      dtype=pl.Int64),
            text_column(np.array(["; ".join(d) if d else None for d in depends],
                                 dtype=object), "flag_depends_on")]
