"""One comparison per kind of number: the statistics of one profile row.

Every function gets the KPI's values for all municipalities in one year (``values``: a
frame with municipality, value, and for shares the denominator ``n``), the municipality's
code and Riket's value, and returns the row's statistics as a dict. None of them decide
what is shown; :mod:`benchmark.profile.engine` assembles the rows.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import polars as pl

from benchmark import stats

#: Comparison names (the ``comparison`` column; explained in the texts ``profile.method.*``).
POSITION, SHARE_FUNNEL, RATE_FUNNEL, STANDARDISED = (
    "position", "share_funnel", "rate_funnel", "standardised_ratio")


def distribution(values: np.ndarray) -> dict[str, float]:
    """The national spread the spine chart draws: min, P25, median, P75, max (NaN-free)."""
    v = values[~np.isnan(values)]
    if not len(v):
        return dict.fromkeys(("national_min", "national_p25", "national_median",
                              "national_p75", "national_max"), math.nan)
    q = np.quantile(v, [0, 0.25, 0.5, 0.75, 1])
    return dict(zip(("national_min", "national_p25", "national_median", "national_p75",
                     "national_max"), map(float, q), strict=True))


def position(values: pl.DataFrame, code: str, peers: list[str] | None) -> dict[str, Any]:
    """Percentile, robust z and peer median of the municipality's value (no test)."""
    v = values["value"].to_numpy().astype(float)
    own = values.filter(pl.col("municipality") == code)["value"]
    x = float(own[0]) if own.len() and own[0] is not None else math.nan
    out: dict[str, Any] = {"value": x, "percentile": stats.percentile_rank(v, x),
                           "robust_z": stats.robust_z(v, x), "n_municipalities": int(
                               np.isfinite(v).sum()), **distribution(v)}
    if peers:
        pv = values.filter(pl.col("municipality").is_in(peers))["value"].drop_nulls()
        out["peer_median"] = float(pv.median()) if pv.len() else math.nan
        out["peer_n"] = pv.len()
    return out


def share(values: pl.DataFrame, code: str, national: float, confidence: float,
          strong: float) -> dict[str, Any]:
    """A share x/n with its Wilson interval and the overdispersion-adjusted funnel flag.

    ``values`` holds ``value`` (%) and ``n`` (the denominator KPI) for every municipality
    with both published; x = value/100 · n (Kolada rounds the share, so x is estimated).
    The flag is ``higher``/``lower`` outside the ``strong`` funnel limits at the
    municipality's n around Riket's share (:func:`benchmark.stats.proportion_funnel_limits`,
    τ² on the arcsine scale over all municipalities when φ > 1).
    """
    ok = values.filter(pl.col("n") > 0)
    n_all = ok["n"].to_numpy().astype(float)
    x_all = np.clip(ok["value"].to_numpy() / 100, 0, 1) * n_all
    p0 = national / 100
    own = ok.filter(pl.col("municipality") == code)
    if own.is_empty() or math.isnan(p0):
        return {"flag": "not_assessed"}
    n = float(own["n"][0])
    x = float(own["value"][0]) / 100 * n
    od = stats.proportion_overdispersion(x_all, n_all, p0)
    tau2 = od.tau2 if od.adjusted else 0.0
    ci = stats.wilson_interval([x], [n], confidence, multiplier=100)
    lo, hi = stats.proportion_funnel_limits([n], p0, strong, tau2=tau2)
    p = x / n
    flag = "higher" if p > hi[0] else "lower" if p < lo[0] else "similar"
    return {"lower": float(ci.lower[0]), "upper": float(ci.upper[0]), "flag": flag,
            "denominator": n, "limit_lower": float(lo[0]) * 100,
            "limit_upper": float(hi[0]) * 100, "phi": od.phi, "tau2": tau2}


def rate(values: pl.DataFrame, code: str, national_rate: float, confidence: float,
         strong: float) -> dict[str, Any]:
    """A count per inhabitant (crude, all ages): rate per 10 000 with its exact/Byar
    interval, flagged as O/E against the overdispersion-aware Poisson funnel.

    ``values`` holds ``value`` (the count) and ``n`` (inhabitants) for every municipality.
    """
    ok = values.filter((pl.col("n") > 0) & pl.col("value").is_not_null())
    o_all = ok["value"].to_numpy().astype(float)
    e_all = ok["n"].to_numpy().astype(float) * national_rate
    own = ok.filter(pl.col("municipality") == code)
    if own.is_empty() or not national_rate > 0:
        return {"flag": "not_assessed"}
    o, pop = float(own["value"][0]), float(own["n"][0])
    od = stats.overdispersion(o_all, e_all, consistency=True)
    flags = stats.funnel_flags([o], [pop * national_rate], strong, phi=od.phi, tau2=od.tau2)
    ci = stats.rate_interval([o], [pop], confidence, multiplier=10_000)
    return {"lower": float(ci.lower[0]), "upper": float(ci.upper[0]),
            "flag": str(flags.flag[0]), "denominator": pop, "phi": od.phi, "tau2": od.tau2}
