"""Confidence intervals for proportions and Poisson counts.

Wilson score intervals for proportions; exact (Garwood) and Byar limits for counts, with the
PHE switch exact < 10 ≤ Byar; crude rates as scaled count intervals. Results are
:class:`Interval` objects carrying the method per element and the confidence level, so a
table built from them explains itself (as PHEindicatormethods does).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats

from benchmark.errors import InputError
from benchmark.stats.validation import as_array, check_confidence, z_value

#: PHE switches from exact (Garwood) to Byar's limits at this count.
EXACT_THRESHOLD = 10


@dataclass(frozen=True)
class Interval:
    """Point estimates with lower/upper limits, the method per element and the level."""

    estimate: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    method: np.ndarray
    confidence: float


def wilson_lower(x: Any, n: Any, confidence: float = 0.95) -> np.ndarray:
    """Wilson score lower limit of the proportion x/n (PHE ``wilson_lower``)."""
    return _wilson(x, n, confidence, -1.0)


def wilson_upper(x: Any, n: Any, confidence: float = 0.95) -> np.ndarray:
    """Wilson score upper limit of the proportion x/n (PHE ``wilson_upper``)."""
    return _wilson(x, n, confidence, 1.0)


def _wilson(x: Any, n: Any, confidence: float, sign: float) -> np.ndarray:
    z = z_value(confidence)
    xa = as_array(x, "x")
    na = as_array(n, "n", strict=True)
    with np.errstate(invalid="ignore"):
        if (xa > na).any():
            raise InputError("x must be <= n for a proportion")
        root = np.sqrt(z**2 + 4 * xa * (1 - xa / na))
        return (2 * xa + z**2 + sign * z * root) / (2 * (na + z**2))


def wilson_interval(x: Any, n: Any, confidence: float = 0.95,
                    multiplier: float = 1.0) -> Interval:
    """Proportion x/n with its Wilson score interval (PHE ``phe_proportion``).

    Parameters
    ----------
    x, n
        Numerators (0 ≤ x ≤ n) and denominators (> 0), broadcastable arrays.
    confidence
        Confidence level in [0.5, 1).
    multiplier
        Scale of the result (1 = proportion, 100 = percent, 1e4 = per 10 000).

    Returns
    -------
    Interval
        Estimate x/n·multiplier and limits, method ``"Wilson"``.

    Examples
    --------
    >>> ci = wilson_interval([5], [100], 0.95, multiplier=100)
    >>> [round(float(v), 2) for v in (ci.estimate[0], ci.lower[0], ci.upper[0])]
    [5.0, 2.15, 11.18]
    """
    conf = check_confidence(confidence)
    xa, na = as_array(x, "x"), as_array(n, "n", strict=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        est = xa / na * multiplier
    lo = wilson_lower(xa, na, conf) * multiplier
    hi = wilson_upper(xa, na, conf) * multiplier
    method = np.full(est.shape, "Wilson", dtype=object)
    return Interval(est, lo, hi, method, conf)


def byars_lower(x: Any, confidence: float = 0.95) -> np.ndarray:
    """Byar's lower limit of a Poisson count; NaN where it would be negative (as PHE)."""
    z = z_value(confidence)
    xa = as_array(x, "x")
    with np.errstate(invalid="ignore", divide="ignore"):
        out = xa * (1 - 1 / (9 * xa) - z / (3 * np.sqrt(xa))) ** 3
    out[(out < 0) | (xa == 0)] = np.nan
    return out


def byars_upper(x: Any, confidence: float = 0.95) -> np.ndarray:
    """Byar's upper limit of a Poisson count."""
    z = z_value(confidence)
    xa = as_array(x, "x") + 1
    return xa * (1 - 1 / (9 * xa) + z / (3 * np.sqrt(xa))) ** 3


def exact_poisson_lower(x: Any, confidence: float = 0.95) -> np.ndarray:
    """Exact (Garwood) lower limit χ²_{α/2}(2x)/2; 0 at x = 0."""
    conf = check_confidence(confidence)
    xa = as_array(x, "x")
    with np.errstate(invalid="ignore"):
        out = stats.chi2.ppf((1 - conf) / 2, 2 * xa) / 2
    out[xa == 0] = 0.0
    return out


def exact_poisson_upper(x: Any, confidence: float = 0.95) -> np.ndarray:
    """Exact (Garwood) upper limit χ²_{1−α/2}(2x + 2)/2."""
    conf = check_confidence(confidence)
    xa = as_array(x, "x")
    return stats.chi2.ppf(1 - (1 - conf) / 2, 2 * xa + 2) / 2


def poisson_interval(x: Any, confidence: float = 0.95) -> Interval:
    """Interval for a Poisson count: exact for x < 10, Byar otherwise (PHE ``phe_rate``).

    Parameters
    ----------
    x
        Counts (≥ 0); NaN gives NaN limits and method ``None``.
    confidence
        Confidence level in [0.5, 1).

    Returns
    -------
    Interval
        Estimate x, limits, method ``"Exact"`` or ``"Byars"`` per element.

    Examples
    --------
    >>> ci = poisson_interval([3, 40])
    >>> ci.method.tolist(), [round(float(v), 3) for v in ci.lower]
    (['Exact', 'Byars'], [0.619, 28.573])
    """
    conf = check_confidence(confidence)
    xa = as_array(x, "x")
    exact = xa < EXACT_THRESHOLD
    lo = byars_lower(xa, conf)
    hi = byars_upper(xa, conf)
    if exact.any():  # χ² quantiles are the costly part: compute them only where used
        lo[exact] = exact_poisson_lower(xa[exact], conf)
        hi[exact] = exact_poisson_upper(xa[exact], conf)
    method = np.where(np.isnan(xa), None, np.where(exact, "Exact", "Byars")).astype(object)
    return Interval(xa, lo, hi, method, conf)


def rate_interval(x: Any, n: Any, confidence: float = 0.95,
                  multiplier: float = 100_000) -> Interval:
    """Crude rate x/n·multiplier with exact (x < 10) or Byar limits (PHE ``phe_rate``).

    Parameters
    ----------
    x, n
        Counts (≥ 0) and denominators (> 0).
    confidence
        Confidence level in [0.5, 1).
    multiplier
        Rate per this many (default 100 000).

    Returns
    -------
    Interval
        The rate and its limits, method as in :func:`poisson_interval`.

    Examples
    --------
    >>> round(float(rate_interval([50], [20_000], multiplier=1e4).estimate[0]), 1)
    25.0
    """
    na = as_array(n, "n", strict=True)
    return scale_interval(poisson_interval(x, confidence), na, multiplier)


def scale_interval(ci: Interval, denominator: np.ndarray, factor: float) -> Interval:
    """A count interval divided by ``denominator`` and scaled by ``factor`` (rate or ratio)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return Interval(ci.estimate / denominator * factor, ci.lower / denominator * factor,
                        ci.upper / denominator * factor, ci.method, ci.confidence)
