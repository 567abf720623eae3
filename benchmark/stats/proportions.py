"""Shares (x of n) against a national proportion, and positions in a distribution.

Proportions: funnel limits are PHE's (the proportion whose Wilson bound reaches the
baseline, in closed form); overdispersion is estimated on the arcsine scale as FunnelPlotR
does for proportions (z = (asin√p − asin√p₀)·2√n, 10 % winsorised, φ and τ²) and widens
the limits by evaluating them at the effective size n / (1 + 4n·τ²), the size at which the
arcsine variance 1/(4n) + τ² would be pure binomial. With τ² = 0 the limits are PHE's.

Positions, for numbers Kolada publishes without a sampling variance (amounts, indexes): the
mid-rank percentile and a robust z from the median and the MAD. They say where a value
lies, not whether it differs beyond chance.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from scipy import stats

from benchmark.errors import InputError
from benchmark.stats.funnel import Overdispersion, dispersion
from benchmark.stats.validation import as_array, check_confidence

__all__ = ["percentile_rank", "proportion_funnel_limits", "proportion_overdispersion",
           "robust_z"]

#: 1/Φ⁻¹(0.75): the MAD of a normal distribution times this is its standard deviation.
MAD_SCALE = 1.482602218505602


def proportion_funnel_limits(n: Any, baseline: float, confidence: float = 0.998, *,
                             tau2: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """Funnel limits (proportions, 0–1) at size ``n`` around ``baseline``.

    The lower limit is the proportion whose Wilson upper bound equals the baseline, the upper
    limit the one whose Wilson lower bound does (PHE ``calculate_funnel_limits``, closed form
    ``sigma_adjustment``), evaluated at n / (1 + 4n·τ²) when τ² > 0.

    Parameters
    ----------
    n
        Denominators (> 0).
    baseline
        The national proportion p₀ in [0, 1].
    confidence
        Two-sided level: 0.95 and 0.998 are PHE's 2σ and 3σ limits.
    tau2
        Between-unit variance on the arcsine scale (:func:`proportion_overdispersion`).

    Returns
    -------
    tuple of numpy.ndarray
        ``(lower, upper)``, clipped to [0, 1].

    Examples
    --------
    >>> lo, hi = proportion_funnel_limits([100], 0.5, 0.95)
    >>> round(float(lo[0]), 4), round(float(hi[0]), 4)
    (0.402, 0.598)
    """
    conf = check_confidence(confidence)
    n = as_array(n, "n", strict=True)
    if not 0 <= baseline <= 1:
        raise InputError(f"baseline must be a proportion in [0, 1], got {baseline!r}")
    if tau2 < 0 or math.isnan(tau2):
        raise InputError(f"tau2 must be >= 0, got {tau2!r}")
    n_eff = n / (1 + 4 * n * tau2)
    z2 = stats.norm.ppf(1 - (1 - conf) / 2) ** 2
    av = baseline
    first = av * (n_eff / z2 + 1)
    root = np.sqrt(np.maximum((-8 * first) ** 2 - 64 * (1 / z2 + 1 / n_eff) * av
                              * (n_eff * (av * (n_eff / z2 + 2) - 1) + z2 * (av - 1)), 0))
    scale = (1 / z2 + 1 / n_eff) * n_eff
    lo = (first - root / 8) / scale
    hi = (first + root / 8) / scale
    return np.clip(lo, 0, 1), np.clip(hi, 0, 1)


def proportion_overdispersion(x: Any, n: Any, baseline: float, *, trim: float = 0.1,
                              consistency: bool = True) -> Overdispersion:
    """φ and τ² of shares x/n around ``baseline`` on the arcsine scale (FunnelPlotR "PR").

    z = (asin√(x/n) − asin√p₀)·2√n, s = 1/(2√n); winsorised at ``trim``; with
    ``consistency`` φ is divided by its expectation under pure binomial variation (as
    :func:`benchmark.stats.funnel.overdispersion` does for counts). Units with a missing
    share or n ≤ 0 are ignored.

    Examples
    --------
    >>> od = proportion_overdispersion([10, 50, 90], [100, 100, 100], 0.5)
    >>> od.n_units, od.phi > 1
    (3, True)
    """
    xa = as_array(x, "x", minimum=None).ravel()
    na = as_array(n, "n", minimum=None).ravel()
    if xa.shape != na.shape:
        raise InputError("x and n must have the same length")
    keep = ~np.isnan(xa) & ~np.isnan(na) & (na > 0)
    xa, na = xa[keep], na[keep]
    p = np.clip(xa / na, 0, 1)
    z = (np.arcsin(np.sqrt(p)) - math.asin(math.sqrt(baseline))) * 2 * np.sqrt(na)
    return dispersion(z, 4 * na, scale="asin", trim=trim, consistency=consistency)


def percentile_rank(values: Any, value: float) -> float:
    """The mid-rank percentile of ``value`` among ``values`` (NaN ignored): the share below
    plus half the share equal, × 100 (``scipy.stats.percentileofscore(kind="mean")``).

    Examples
    --------
    >>> percentile_rank([1, 2, 3, 4], 3), percentile_rank([1, 2, 3, 4], 5)
    (62.5, 100.0)
    """
    v = as_array(values, "values", minimum=None).ravel()
    v = v[~np.isnan(v)]
    if not len(v) or math.isnan(value):
        return math.nan
    return float(100 * ((v < value).sum() + 0.5 * (v == value).sum()) / len(v))


def robust_z(values: Any, value: float) -> float:
    """(value − median) / (1.4826 · MAD) over ``values`` (NaN ignored); NaN when the MAD
    is 0 or fewer than 3 values are given.

    Examples
    --------
    >>> round(robust_z([1, 2, 3, 4, 100], 100), 2)
    66.77
    """
    v = as_array(values, "values", minimum=None).ravel()
    v = v[~np.isnan(v)]
    if len(v) < 3 or math.isnan(value):
        return math.nan
    med = float(np.median(v))
    mad = float(np.median(np.abs(v - med))) * MAD_SCALE
    return (value - med) / mad if mad > 0 else math.nan
