"""Argument checks shared by the statistics modules: confidence levels and numeric arrays.

Every statistics function validates its arguments up front and raises
:class:`~benchmark.errors.InputError` naming the argument and the valid range.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import numpy as np
from scipy import stats

from benchmark.errors import InputError

__all__ = ["as_array", "check_confidence", "z_value"]


def check_confidence(confidence: float, name: str = "confidence") -> float:
    """Validate a confidence level.

    Parameters
    ----------
    confidence
        The level, a number in [0.5, 1).
    name
        The argument name used in the error message.

    Returns
    -------
    float
        ``confidence`` as a float.

    Raises
    ------
    InputError
        When ``confidence`` is not a number in [0.5, 1), naming ``name``.

    Examples
    --------
    >>> check_confidence("0.95")
    0.95
    """
    try:
        value = float(confidence)
    except (TypeError, ValueError):
        raise InputError(f"{name} must be a number in [0.5, 1), got {confidence!r}") from None
    if not 0.5 <= value < 1:
        raise InputError(f"{name} must be in [0.5, 1) (e.g. 0.95 or 0.998), got {confidence!r}")
    return value


def as_array(value: Any, name: str, *, minimum: float | None = 0.0,
             strict: bool = False) -> np.ndarray:
    """A float array with NaN for nulls, checked against ``minimum``.

    Parameters
    ----------
    value
        Anything ``np.asarray`` accepts, or an object with ``to_numpy`` (polars Series).
    name
        The argument name used in error messages.
    minimum
        Smallest allowed value (``None``: no bound).
    strict
        Whether values must be strictly greater than ``minimum``.

    Returns
    -------
    numpy.ndarray
        ``value`` as float64.

    Raises
    ------
    InputError
        When ``value`` is not numeric, holds ±inf or a value below ``minimum``.

    Examples
    --------
    >>> as_array([1, None, 3], "x").tolist()
    [1.0, nan, 3.0]
    """
    if hasattr(value, "to_numpy") and not isinstance(value, np.ndarray):
        value = value.to_numpy()
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise InputError(f"{name} must be numeric") from None
    if np.isinf(arr).any():
        raise InputError(f"{name} must be finite")
    if minimum is not None:
        finite = arr[~np.isnan(arr)]
        bad = finite <= minimum if strict else finite < minimum
        if bad.any():
            rel = ">" if strict else ">="
            raise InputError(f"{name} must be {rel} {minimum:g}, got {finite[bad][0]:g}")
    return arr


def z_value(confidence: float) -> float:
    """Two-sided standard normal quantile for a confidence level.

    Parameters
    ----------
    confidence
        The level, in [0.5, 1).

    Returns
    -------
    float
        z with P(|Z| ≤ z) = ``confidence``.

    Examples
    --------
    >>> round(z_value(0.95), 6), round(z_value(0.998), 6)
    (1.959964, 3.090232)
    """
    return _z(check_confidence(confidence))


@cache
def _z(conf: float) -> float:
    return float(stats.norm.ppf(conf + (1 - conf) / 2))
