"""Peer-compatible helpers, used only by the oracle tests (tests/test_stats_oracles.py).

They reproduce the decisions and output vocabularies of the peer tools our statistics are
checked against, so the oracle tests compare like with like: PHEindicatormethods funnel
limits and significance for ratios, rates and proportions, its Student-t mean; Fingertips
comparers (one or two CI levels, SPC for proportions and DSRs) and quantile bins;
FunnelPlotR's classification and pooled baseline. The comparison table does not use them;
its building blocks are in the other :mod:`benchmark.stats` modules.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from scipy import stats

from benchmark.errors import InputError
from benchmark.stats.intervals import EXACT_THRESHOLD, Interval, rate_interval
from benchmark.stats.proportions import proportion_funnel_limits
from benchmark.stats.standardisation import standardised_ratio
from benchmark.stats.validation import as_array, check_confidence

__all__ = [
    "classify",
    "ft_quantile_bounds",
    "ft_quantile_category",
    "ft_single_overlapping_ci",
    "ft_spc_dsr",
    "ft_spc_proportions",
    "ft_two_ci_levels",
    "mean_interval",
    "phe_proportion_funnel_limits",
    "phe_proportion_significance",
    "phe_rate_funnel_limits",
    "phe_rate_significance",
    "phe_ratio_funnel_expected",
    "phe_ratio_significance",
    "pooled_rate",
]


def mean_interval(values: Any, confidence: float = 0.95) -> Interval:
    """Mean with a Student-t interval, mean ± t_{n−1}·s/√n (PHE ``phe_mean``).

    NaN values are dropped; at least two values are needed.
    """
    conf = check_confidence(confidence)
    v = as_array(values, "values", minimum=None).ravel()
    v = v[~np.isnan(v)]
    if len(v) < 2:
        raise InputError(f"values must hold at least 2 numbers, got {len(v)}")
    mean = float(v.mean())
    half = float(stats.t.ppf(1 - (1 - conf) / 2, len(v) - 1) * v.std(ddof=1)
                 / math.sqrt(len(v)))
    return Interval(np.array([mean]), np.array([mean - half]), np.array([mean + half]),
                    np.array(["Student's t-distribution"], dtype=object), conf)




def classify(value: Any, lower: Any, upper: Any, multiplier: float = 1.0) -> np.ndarray:
    """'higher' / 'lower' outside [lower, upper] (inclusive limits, FunnelPlotR), else
    'similar'; 'not_assessed' where anything is missing."""
    v = as_array(value, "value", minimum=None) * multiplier
    lo = as_array(lower, "lower", minimum=None)
    hi = as_array(upper, "upper", minimum=None)
    v, lo, hi = np.broadcast_arrays(v, lo, hi)
    out = np.full(v.shape, "similar", dtype=object)
    out[v > hi] = "higher"
    out[v < lo] = "lower"
    out[np.isnan(v) | np.isnan(lo) | np.isnan(hi)] = "not_assessed"
    return out


# --------------------------------------------------------------------------- PHE funnels


def phe_ratio_funnel_expected(observed: Any, p: float, side: str) -> np.ndarray:
    """Expected count E* at which O sits on the PHE ratio funnel limit (closed form).

    side 'lower' (lower limit of O/E): P(X ≤ O | E*) = p ⇒ E* = χ²_{1−p}(2(O + 1))/2;
    side 'upper': P(X ≥ O | E*) = p ⇒ E* = χ²_p(2O)/2. The limit is O/E*.
    """
    if not 0 < p < 0.5:
        raise InputError(f"p must be a tail probability in (0, 0.5), got {p!r}")
    o = as_array(observed, "observed")
    if side == "lower":
        return stats.chi2.ppf(1 - p, 2 * (o + 1)) / 2
    if side == "upper":
        return stats.chi2.ppf(p, 2 * o) / 2
    raise InputError(f"side must be 'lower' or 'upper', got {side!r}")


def phe_ratio_significance(observed: Any, expected: Any) -> np.ndarray:
    """PHE ``assign_funnel_significance`` for ratios: is 1 outside O's CI divided by E?"""
    o = as_array(observed, "observed")
    e = as_array(expected, "expected", strict=True)
    r95 = standardised_ratio(o, e, 0.95)
    r998 = standardised_ratio(o, e, 0.998)
    lo95 = np.nan_to_num(r95.lower, nan=0.0)
    lo998 = np.nan_to_num(r998.lower, nan=0.0)
    out = np.full(o.shape, "Not significant", dtype=object)
    out[r95.upper < 1] = "Low (0.025)"
    out[r998.upper < 1] = "Low (0.001)"
    out[lo95 > 1] = "High (0.025)"
    out[lo998 > 1] = "High (0.001)"
    return out


def phe_proportion_funnel_limits(population: Any, average_proportion: float, p: float,
                                 side: str, multiplier: float = 100.0) -> np.ndarray:
    """PHE proportion funnel limit at tail probability ``p`` (0.975: 2σ, 0.999: 3σ), in
    PHE's vocabulary: :func:`benchmark.stats.proportions.proportion_funnel_limits` without
    overdispersion, × ``multiplier`` (PHE clips at 100 even for multiplier 1; not
    reproduced).
    """
    if not 0.5 < p < 1:
        raise InputError(f"p must be in (0.5, 1) (0.975 or 0.999), got {p!r}")
    if side not in ("lower", "upper"):
        raise InputError(f"side must be 'lower' or 'upper', got {side!r}")
    lo, hi = proportion_funnel_limits(population, average_proportion, 2 * p - 1)
    return (lo if side == "lower" else hi) * multiplier


def phe_proportion_significance(x: Any, n: Any, average_proportion: float | None = None
                                ) -> np.ndarray:
    """PHE significance of proportions against the funnel (baseline Σx/Σn by default)."""
    xa, na = as_array(x, "x"), as_array(n, "n", strict=True)
    av = float(np.nansum(xa) / np.nansum(na)) if average_proportion is None \
        else average_proportion
    prop = xa / na
    lim = {(s, p): phe_proportion_funnel_limits(na, av, p, s, 1.0)
           for s in ("lower", "upper") for p in (0.975, 0.999)}
    out = np.full(xa.shape, "Not significant", dtype=object)
    out[prop > lim[("upper", 0.975)]] = "High (0.025)"
    out[prop > lim[("upper", 0.999)]] = "High (0.001)"
    out[prop < lim[("lower", 0.975)]] = "Low (0.025)"
    out[prop < lim[("lower", 0.999)]] = "Low (0.001)"
    return out


# --------------------------------------------------------------------------- Fingertips

_POLARITIES = ("RagLowIsGood", "RagHighIsGood", "BlueOrangeBlue")


def _polarity(raw: np.ndarray, polarity: str) -> np.ndarray:
    """Fingertips ``AdjustForPolarity``: raw is lower → Worse, higher → Better."""
    if polarity not in _POLARITIES:
        raise InputError(f"polarity must be one of {', '.join(_POLARITIES)}, got {polarity!r}")
    if polarity != "RagLowIsGood":
        return raw
    swap = {"Worse": "Better", "Better": "Worse", "Worst": "Best", "Best": "Worst"}
    return np.array([swap.get(v, v) for v in raw], dtype=object)


def ft_single_overlapping_ci(value: Any, lower: Any, upper: Any, comparator: Any,
                             polarity: str = "BlueOrangeBlue") -> np.ndarray:
    """Fingertips SingleOverlappingCIsForOneCILevel: Same if lower ≤ comparator ≤ upper."""
    v, lo, hi, c = (np.atleast_1d(as_array(a, n, minimum=None)) for a, n in
                    ((value, "value"), (lower, "lower"), (upper, "upper"),
                     (comparator, "comparator")))
    raw = np.full(np.broadcast(v, c).shape, "Same", dtype=object)
    outside = (c < lo) | (c > hi)
    raw[outside & (v > c)] = "Better"
    raw[outside & (v < c)] = "Worse"
    return _polarity(raw, polarity)


def ft_two_ci_levels(value: Any, lower95: Any, upper95: Any, lower998: Any, upper998: Any,
                     comparator: Any, polarity: str = "BlueOrangeBlue") -> np.ndarray:
    """Fingertips SingleOverlappingCIsForTwoCILevels (Best/Worst beyond the 99.8 % CI)."""
    arrs = [np.atleast_1d(as_array(a, n, minimum=None)) for a, n in
            ((value, "value"), (lower95, "lower95"), (upper95, "upper95"),
             (lower998, "lower998"), (upper998, "upper998"), (comparator, "comparator"))]
    _, l95, u95, l998, u998, c = arrs
    raw = np.full(np.broadcast(*arrs).shape, "Same", dtype=object)
    raw[c < l95] = "Better"
    raw[c < l998] = "Best"
    raw[c > u95] = "Worse"
    raw[c > u998] = "Worst"
    return _polarity(raw, polarity)


def ft_spc_proportions(value: Any, denominator: Any, comparator: Any, z: float,
                       unit: float = 100.0, polarity: str = "BlueOrangeBlue") -> np.ndarray:
    """Fingertips SpcForProportions: Wilson limits around the expected count N·P₀."""
    v = np.atleast_1d(as_array(value, "value")) / unit
    n = np.atleast_1d(as_array(denominator, "denominator", strict=True))
    p0 = np.atleast_1d(as_array(comparator, "comparator")) / unit
    e = n * p0
    root = z * np.sqrt(z**2 + 4 * e * (1 - e / n))
    lo = (2 * e + z**2 - root) / (2 * (n + z**2))
    hi = (2 * e + z**2 + root) / (2 * (n + z**2))
    raw = np.full(np.broadcast(v, n, p0).shape, "Same", dtype=object)
    raw[v < lo] = "Worse"
    raw[v > hi] = "Better"
    return _polarity(raw, polarity)


def ft_spc_dsr(value: Any, denominator: Any, comparator: Any, tail: float,
               unit: float = 100_000.0, polarity: str = "BlueOrangeBlue") -> np.ndarray:
    """Fingertips SpcForDsr: Poisson control limits of E = comparator·N/unit.

    Lower count χ²_p(2⌈E⌉)/2, upper χ²_{1−p}(2(⌊E⌋ + 1))/2, divided back into rates.
    """
    if not 0 < tail < 0.5:
        raise InputError(f"tail must be a probability in (0, 0.5), got {tail!r}")
    v = np.atleast_1d(as_array(value, "value"))
    n = np.atleast_1d(as_array(denominator, "denominator", strict=True))
    e = np.atleast_1d(as_array(comparator, "comparator")) * n / unit
    lo = stats.chi2.ppf(tail, 2 * np.ceil(e)) / 2 / n * unit
    hi = stats.chi2.ppf(1 - tail, 2 * (np.floor(e) + 1)) / 2 / n * unit
    raw = np.full(np.broadcast(v, e).shape, "Same", dtype=object)
    raw[v < lo] = "Worse"
    raw[v > hi] = "Better"
    return _polarity(raw, polarity)


def ft_quantile_bounds(values: Any, n_categories: int = 5) -> np.ndarray:
    """Bounds min, P(1/k), …, max with Excel PERCENTILE.INC interpolation, 10 dp."""
    if n_categories < 2:
        raise InputError(f"n_categories must be >= 2, got {n_categories!r}")
    v = as_array(values, "values", minimum=None)
    v = v[~np.isnan(v)]
    if len(v) < n_categories:
        raise InputError(f"need at least {n_categories} values for quantile bins")
    q = np.linspace(0, 1, n_categories + 1)
    return np.round(np.quantile(v, q, method="linear"), 10)


def ft_quantile_category(values: Any, value: float, n_categories: int = 5,
                         polarity: str = "RagLowIsGood") -> int:
    """Fingertips quantile category 1..k (first bound ≥ value); 0 with < 5 values.

    Reversed for RagHighIsGood, so category 1 is always the 'best' bin.
    """
    v = as_array(values, "values", minimum=None)
    if np.sum(~np.isnan(v)) < 5:
        return 0
    bounds = ft_quantile_bounds(v, n_categories)
    cat = int(np.argmax(value <= bounds[1:]) + 1) if value <= bounds[-1] else n_categories
    if polarity == "RagHighIsGood":
        cat = n_categories + 1 - cat
    elif polarity not in _POLARITIES:
        raise InputError(f"polarity must be one of {', '.join(_POLARITIES)}, got {polarity!r}")
    return cat


def phe_rate_funnel_limits(events: Any, baseline: float, p: float, side: str,
                           years_of_data: float = 1.0, multiplier: float = 100_000
                           ) -> tuple[np.ndarray, np.ndarray]:
    """PHE rate funnel at an axis of event counts: (limit, population per year).

    limit = baseline · O/E* with E* from :func:`phe_ratio_funnel_expected`, and the
    population at which O events sit on that limit, E*·multiplier/baseline, divided by
    ``years_of_data`` (PHE ``population_1_year``).
    """
    if baseline <= 0:
        raise InputError(f"baseline must be > 0, got {baseline!r}")
    if years_of_data <= 0:
        raise InputError(f"years_of_data must be > 0, got {years_of_data!r}")
    o = as_array(events, "events")
    e_star = phe_ratio_funnel_expected(o, p, side)
    with np.errstate(divide="ignore", invalid="ignore"):
        limit = baseline * o / e_star
    return limit, e_star * multiplier / baseline / years_of_data


def phe_rate_significance(count: Any, rate: Any, multiplier: float = 100_000, *,
                          rate_type: str = "crude", denominator: Any = None) -> np.ndarray:
    """PHE ``assign_funnel_significance`` for rates (crude or dsr).

    The denominator is derived as multiplier·count/rate (for crude rates with count 0 the
    supplied ``denominator`` is used; for dsr it is missing). Baseline = Σcount/Σden. The
    area is High/Low when the baseline lies outside its 95 % or 99.8 % Poisson interval
    (exact < 10, Byar); dsrs with count < 10 are 'Not applicable for events less than 10
    for dsrs'.
    """
    if rate_type not in ("crude", "dsr"):
        raise InputError(f"rate_type must be 'crude' or 'dsr', got {rate_type!r}")
    x = as_array(count, "count")
    r = as_array(rate, "rate")
    with np.errstate(divide="ignore", invalid="ignore"):
        den = multiplier * x / r
    if rate_type == "crude" and denominator is not None:
        den = np.where(x == 0, as_array(denominator, "denominator"), den)
    else:
        den = np.where(x == 0, np.nan, den)
    valid = ~np.isnan(den)
    baseline = x[valid].sum() / den[valid].sum() * multiplier
    out = np.full(x.shape, "Not significant", dtype=object)
    c95 = rate_interval(x, np.where(valid, den, 1.0), 0.95, multiplier)
    c998 = rate_interval(x, np.where(valid, den, 1.0), 0.998, multiplier)
    lo95, lo998 = np.nan_to_num(c95.lower), np.nan_to_num(c998.lower)
    out[c95.upper < baseline] = "Low (0.025)"
    out[c998.upper < baseline] = "Low (0.001)"
    out[lo95 > baseline] = "High (0.025)"
    out[lo998 > baseline] = "High (0.001)"
    if rate_type == "dsr":
        out[x < EXACT_THRESHOLD] = "Not applicable for events less than 10 for dsrs"
    return out


def pooled_rate(numerator: Any, denominator: Any) -> float:
    """Pooled rate Σnumerator/Σdenominator over the units with both values present."""
    x = as_array(numerator, "numerator")
    n = as_array(denominator, "denominator")
    ok = ~np.isnan(x) & ~np.isnan(n)
    total = n[ok].sum()
    return float(x[ok].sum() / total) if total > 0 else math.nan
