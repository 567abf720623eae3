"""The statistics steps of the comparison table, vectorised.

:func:`statistics` adds to the rows of the table years the crude rate with its Wilson
interval, O/E with exact (O < 10) or Byar limits, the funnel limits and flags at both
confidence levels (with φ and τ² from :func:`~benchmark.comparison.dispersion.window_dispersion`),
Benjamini–Hochberg q-values within the method's family and the shrunk ratio;
:func:`earlier_flags` gives the earlier years' ``flag_95`` that persistence counts
(:mod:`benchmark.comparison.lookback`). The estimates across municipalities sum floats in
row order, so the steps expect (and keep) a fixed row order: reruns give identical numbers.

q-value families (``q_family``): ``category_year`` (the national screening: one category
in one year across all municipalities, so that the share of false discoveries among the
flagged municipalities is what BH controls) and ``municipality_year`` (one municipality
chosen in advance: its categories in one year).
"""

from __future__ import annotations

import numpy as np
import polars as pl

from benchmark import stats
from benchmark.comparison.dispersion import Dispersion, random_effects_shrink
from benchmark.comparison.frames import float_column, text_column
from benchmark.comparison.method import Method

__all__ = ["FAMILY_COLUMNS", "earlier_flags", "marshall_shrink", "statistics"]

#: The columns a q-value family groups by.
FAMILY_COLUMNS = {"category_year": ("category", "year"),
                  "municipality_year": ("municipality", "year")}


def _groups(df: pl.DataFrame, *columns: str) -> np.ndarray:
    """Group number per row, numbered in the sort order of ``columns``."""
    return df.select(pl.struct(*columns).rank("dense"))[:, 0].to_numpy()


def marshall_shrink(o: np.ndarray, e: np.ndarray, ok: np.ndarray, keys: np.ndarray
                    ) -> tuple[np.ndarray, np.ndarray]:
    """Marshall's empirical-Bayes shrinkage (:func:`benchmark.stats.eb_shrink`) within each
    group of ``keys`` (version 0.1: category × year), rows in the order given."""
    shrunk = np.full(len(o), np.nan)
    weight = np.full(len(o), np.nan)
    if len(o) == 0:
        return shrunk, weight
    _, group = np.unique(keys, return_inverse=True)
    order = np.argsort(group, kind="stable")
    bounds = np.flatnonzero(np.diff(group[order])) + 1
    for idx in np.split(order, bounds):
        sel = idx[ok[idx]]
        if len(sel):
            shrunk[sel], weight[sel] = stats.eb_shrink(o[sel], e[sel])
    return shrunk, weight


def statistics(df: pl.DataFrame, method: Method, od: Dispersion, family: str
               ) -> pl.DataFrame:
    """Intervals, limits, flags, p/q-values and shrinkage.

    Parameters
    ----------
    df
        Rows from :func:`benchmark.comparison.grid.reasons` of the table years, sorted by
        municipality, year and category.
    method
        Confidence levels, shrinkage.
    od
        φ, τ² and their window for each row of ``df``.
    family
        The q-value family (:data:`FAMILY_COLUMNS`).

    Returns
    -------
    polars.DataFrame
        ``df`` with the statistics columns of the comparison table.
    """
    conf, strong = method.confidence, method.strong_confidence
    o = df["observed_assessed"].to_numpy().astype(float)
    e = df["expected_assessed"].to_numpy().astype(float)
    n_tot = df["population_total"].cast(pl.Float64).to_numpy()
    ok = ~np.isnan(o) & ~np.isnan(e) & (e > 0)
    ok_rate = ~np.isnan(o) & ~np.isnan(n_tot) & (n_tot > 0)
    ok_rate &= np.where(ok_rate, o <= np.nan_to_num(n_tot), False)
    rate = stats.wilson_interval(np.where(ok_rate, o, np.nan), np.where(ok_rate, n_tot, 1.0),
                                 conf, 1e4)
    e_safe = np.where(ok, e, 1.0)
    o_ok = np.where(ok, o, np.nan)
    ratio = stats.standardised_ratio(o_ok, e_safe, conf)
    if method.shrinkage == "marshall":
        shrunk, weight = marshall_shrink(o, e, ok, _groups(df, "category", "year"))
    else:
        shrunk, weight = random_effects_shrink(o_ok, np.where(ok, e, np.nan), od.phi, od.tau2)
    f998, f95 = stats.funnel_flags_at(o_ok, e_safe, [strong, conf], phi=od.phi, tau2=od.tau2)
    q = stats.bh_qvalues(f998.p_value, _groups(df, *FAMILY_COLUMNS[family]))
    years = df["year"].to_numpy()
    span = np.where(od.first_year > 0, od.first_year, years)
    return df.with_columns(
        float_column(rate.estimate, "rate_per_10k"), float_column(rate.lower, "rate_lower"),
        float_column(rate.upper, "rate_upper"),
        text_column(np.where(ok_rate, "Wilson", None), "rate_method"),
        float_column(np.where(ok, ratio.estimate, np.nan), "ratio"),
        float_column(np.where(ok, ratio.lower, np.nan), "ratio_lower"),
        float_column(np.where(ok, ratio.upper, np.nan), "ratio_upper"),
        text_column(np.where(ok, ratio.method, None), "ratio_method"),
        pl.lit(conf).alias("confidence"), pl.lit(strong).alias("strong_confidence"),
        float_column(shrunk, "ratio_shrunk"), float_column(weight, "shrinkage_weight"),
        float_column(f998.z, "z"), float_column(f998.p_value, "p_value"),
        float_column(q, "q_value"), pl.lit(family).alias("q_family"),
        float_column(od.phi, "phi"), float_column(od.tau2, "tau2"),
        pl.Series("od_adjusted", f998.od_adjusted),
        pl.Series("od_units", od.units, dtype=pl.Int64),
        text_column(np.array([f"{a}–{b}" if a != b else str(b)
                              for a, b in zip(span, years, strict=True)], dtype=object),
                    "od_years"),
        float_column(od.tau2_min, "tau2_min"), float_column(od.tau2_max, "tau2_max"),
        float_column(f998.lower, "limit_lower_998"), float_column(f998.upper, "limit_upper_998"),
        float_column(f95.lower, "limit_lower_95"), float_column(f95.upper, "limit_upper_95"),
        text_column(f998.flag, "flag"), text_column(f95.flag, "flag_95"),
    )


def earlier_flags(observed: np.ndarray, expected: np.ndarray, od: Dispersion,
                  method: Method) -> np.ndarray:
    """``flag_95`` for the earlier years that persistence looks back on.

    The same φ/τ² and flag rule as :func:`statistics`, without the columns only the table
    years show.

    Parameters
    ----------
    observed, expected
        Assessed O and E of the rows (NaN where not assessed).
    od
        φ and τ² per row.
    method
        The confidence level.

    Returns
    -------
    numpy.ndarray
        ``flag_95`` of each row.
    """
    ok = ~np.isnan(observed) & ~np.isnan(expected) & (expected > 0)
    return stats.funnel_flag_only(np.where(ok, observed, np.nan),
                                  np.where(ok, expected, 1.0), method.confidence,
                                  phi=od.phi, tau2=od.tau2)
