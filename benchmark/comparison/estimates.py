"""The statistics steps of the comparison table, vectorised.

:func:`statistics` adds the crude rate with its Wilson interval, O/E with exact (O < 10) or
Byar limits, φ and τ² across the municipalities of each category and year, the funnel
limits and flags at both confidence levels, BH q-values within municipality × year and the
empirical-Bayes shrunk ratio to the rows of the table years; :func:`earlier_flags` gives the
earlier years' ``flag_95`` that persistence counts (:mod:`benchmark.comparison.lookback`).
The estimates across municipalities sum floats in row order, so both steps expect (and
keep) a fixed row order: reruns give identical numbers.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from benchmark import stats
from benchmark.comparison.frames import float_column, text_column
from benchmark.comparison.method import Method

__all__ = ["across_municipalities", "earlier_flags", "statistics"]


def across_municipalities(o: np.ndarray, e: np.ndarray, ok: np.ndarray, keys: np.ndarray,
                          method: Method, *, shrink: bool = True) -> tuple[np.ndarray, ...]:
    """φ, τ², units and EB shrinkage per group (category × year) across municipalities.

    One small loop over the groups (about ten per year), never over municipalities.

    Parameters
    ----------
    o, e
        Observed and expected counts per row.
    ok
        Rows that enter the estimates.
    keys
        The group of each row.
    method
        ``min_od_units`` and ``od_trim`` are used.
    shrink
        Whether to compute the shrinkage too (else ``shrunk`` and ``weight`` stay NaN).

    Returns
    -------
    tuple of numpy.ndarray
        ``(phi, tau2, units, shrunk, weight)`` per row; φ and τ² are NaN in groups with
        fewer than ``min_od_units`` units.
    """
    phi = np.full(len(o), np.nan)
    tau2 = np.full(len(o), np.nan)
    units = np.zeros(len(o), dtype=np.int64)
    shrunk = np.full(len(o), np.nan)
    weight = np.full(len(o), np.nan)
    if len(o) == 0:
        return phi, tau2, units, shrunk, weight
    _, group = np.unique(keys, return_inverse=True)
    order = np.argsort(group, kind="stable")
    bounds = np.flatnonzero(np.diff(group[order])) + 1
    for idx in np.split(order, bounds):
        sel = idx[ok[idx]]
        if len(sel) == 0:
            continue
        od = stats.overdispersion(o[sel], e[sel], trim=method.od_trim, consistency=True)
        units[idx] = od.n_units
        if od.n_units >= method.min_od_units:
            phi[idx], tau2[idx] = od.phi, od.tau2
        if shrink:
            shrunk[sel], weight[sel] = stats.eb_shrink(o[sel], e[sel])
    return phi, tau2, units, shrunk, weight


def _groups(df: pl.DataFrame, *columns: str) -> np.ndarray:
    """Group number per row, numbered in the sort order of ``columns``."""
    return df.select(pl.struct(*columns).rank("dense"))[:, 0].to_numpy()


def statistics(df: pl.DataFrame, method: Method) -> pl.DataFrame:
    """Intervals, overdispersion, limits, flags, p/q-values and shrinkage.

    Parameters
    ----------
    df
        Rows from :func:`benchmark.comparison.grid.reasons`, sorted by municipality, year
        and category.
    method
        Confidence levels and overdispersion options.

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
    phi, tau2, units, shrunk, weight = across_municipalities(
        o, e, ok, _groups(df, "category", "year"), method)
    f998, f95 = stats.funnel_flags_at(o_ok, e_safe, [strong, conf], phi=phi, tau2=tau2)
    q = stats.bh_qvalues(f998.p_value, _groups(df, "municipality", "year"))
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
        float_column(q, "q_value"),
        float_column(phi, "phi"), float_column(tau2, "tau2"),
        pl.Series("od_adjusted", f998.od_adjusted),
        pl.Series("od_units", units, dtype=pl.Int64),
        float_column(f998.lower, "limit_lower_998"), float_column(f998.upper, "limit_upper_998"),
        float_column(f95.lower, "limit_lower_95"), float_column(f95.upper, "limit_upper_95"),
        text_column(f998.flag, "flag"), text_column(f95.flag, "flag_95"),
    )


def earlier_flags(df: pl.DataFrame, method: Method) -> np.ndarray:
    """``flag_95`` for the earlier years that persistence looks back on.

    The same φ/τ² and flag rule as :func:`statistics`, without the columns only the table
    years show.

    Parameters
    ----------
    df
        Rows from :func:`benchmark.comparison.grid.reasons` of the earlier years, sorted
        by municipality, year and category.
    method
        Confidence level and overdispersion options.

    Returns
    -------
    numpy.ndarray
        ``flag_95`` of each row of ``df``.
    """
    o = df["observed_assessed"].to_numpy().astype(float)
    e = df["expected_assessed"].to_numpy().astype(float)
    ok = ~np.isnan(o) & ~np.isnan(e) & (e > 0)
    phi, tau2, *_ = across_municipalities(o, e, ok, _groups(df, "category", "year"), method,
                                          shrink=False)
    return stats.funnel_flag_only(np.where(ok, o, np.nan), np.where(ok, e, 1.0),
                                  method.confidence, phi=phi, tau2=tau2)
