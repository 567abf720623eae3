"""Standardisation: expected counts, standardised ratios and rates.

Indirect standardisation gives the expected count E = Σ_b (X_b / N_b) · n_b of a unit from
reference rates per band and the unit's band populations, and the ratio O/E with the
Poisson limits of O divided by E (PHE ``calculate_ISRatio``/``calculate_ISRate``). The
directly standardised rate uses Dobson limits (PHE ``calculate_dsr``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from benchmark.errors import InputError
from benchmark.stats.intervals import (
    EXACT_THRESHOLD,
    Interval,
    byars_lower,
    byars_upper,
    poisson_interval,
    scale_interval,
)
from benchmark.stats.validation import as_array, check_confidence


def expected_counts(local_population: Any, reference_counts: Any,
                    reference_population: Any) -> np.ndarray:
    """Indirectly standardised expected counts E = Σ_b (X_b / N_b) · n_b.

    As in PHE ``calculate_ISRatio``, NaN local populations and NaN reference counts count
    as 0. A band with reference population 0 must also have reference count 0 (it then
    contributes nothing).

    Parameters
    ----------
    local_population
        Band populations n_b with the bands (age, or age × sex flattened) on the last axis,
        e.g. shape (municipalities, bands).
    reference_counts, reference_population
        Reference persons X_b and population N_b, shape (bands,) or broadcast to the local
        shape.

    Returns
    -------
    numpy.ndarray
        E per unit (the band axis summed out).

    Examples
    --------
    >>> expected_counts([[100, 50]], [10, 40], [1000, 1000]).tolist()
    [3.0]
    """
    local = np.nan_to_num(as_array(local_population, "local_population"), nan=0.0)
    ref_x = np.nan_to_num(as_array(reference_counts, "reference_counts"), nan=0.0)
    ref_n = as_array(reference_population, "reference_population")
    if np.isnan(ref_n).any():
        raise InputError("reference_population must not contain missing values")
    if ((ref_n == 0) & (ref_x > 0)).any():
        raise InputError("reference_population must be > 0 where reference_counts > 0")
    try:
        with np.errstate(invalid="ignore", divide="ignore"):
            rate = np.where(ref_n > 0, ref_x / np.where(ref_n > 0, ref_n, 1.0), 0.0)
        return np.sum(rate * local, axis=-1)
    except ValueError as exc:
        raise InputError(f"band shapes do not match: {exc}") from None


def standardised_ratio(observed: Any, expected: Any, confidence: float = 0.95,
                       refvalue: float = 1.0) -> Interval:
    """Standardised ratio O/E·refvalue with the Poisson limits of O divided by E.

    Parameters
    ----------
    observed
        Observed counts O (≥ 0).
    expected
        Expected counts E (> 0).
    confidence
        Confidence level in [0.5, 1).
    refvalue
        Scale of the ratio (1: O/E; 100: an SMR in percent).

    Returns
    -------
    Interval
        O/E·refvalue with exact (O < 10) or Byar limits, method per element.

    Examples
    --------
    >>> r = standardised_ratio([30], [20.0])
    >>> round(float(r.estimate[0]), 2), r.method[0]
    (1.5, 'Byars')
    """
    ea = as_array(expected, "expected", strict=True)
    return scale_interval(poisson_interval(observed, confidence), ea, refvalue)


def standardised_rate(observed: Any, expected: Any, reference_rate: Any,
                      confidence: float = 0.95) -> Interval:
    """Indirectly standardised rate O/E · reference rate (PHE ``calculate_ISRate``)."""
    ref = as_array(reference_rate, "reference_rate")
    r = standardised_ratio(observed, expected, confidence)
    return Interval(r.estimate * ref, r.lower * ref, r.upper * ref, r.method, r.confidence)


def dsr(counts: Any, population: Any, weights: Any, confidence: float = 0.95,
        multiplier: float = 100_000, *, persons_by_frequency: Any = None) -> Interval:
    """Directly standardised rate with Dobson limits (PHE ``calculate_dsr``).

    Bands are on the last axis of ``counts``/``population``/``weights`` (weights broadcast).
    NaN counts count as 0. value = Σ(x·w/n)/Σw·multiplier, var = Σx(w/n)²/(Σw)², limits
    value + √(var/O)·(Byar(O) − O)·multiplier, always Byar. value and limits are NaN when
    the total count O < 10. Non-independent events (PHE v2.1.0): pass
    ``persons_by_frequency`` with shape (..., bands, F), column j holding the persons with
    j + 1 events; events = Σ f·persons and var = Σ f²·var_f (``counts`` is then ignored).
    """
    conf = check_confidence(confidence)
    n = as_array(population, "population", strict=True)
    w = np.broadcast_to(as_array(weights, "weights"), n.shape)
    if persons_by_frequency is None:
        x = np.nan_to_num(as_array(counts, "counts"), nan=0.0)
        var_terms = x
    else:
        pf = np.nan_to_num(as_array(persons_by_frequency, "persons_by_frequency"), nan=0.0)
        f = np.arange(1, pf.shape[-1] + 1)
        x = np.sum(pf * f, axis=-1)
        var_terms = np.sum(pf * f**2, axis=-1)
    if x.shape != n.shape:
        raise InputError("counts and population must have the same shape")
    total_w = np.sum(w, axis=-1)
    value = np.sum(x * w / n, axis=-1) / total_w * multiplier
    var = np.sum(var_terms * (w / n) ** 2, axis=-1) / total_w**2
    o = np.atleast_1d(np.sum(x, axis=-1))
    value = np.atleast_1d(value)
    with np.errstate(invalid="ignore", divide="ignore"):
        scale = np.sqrt(var / o) * multiplier
        lo = value + scale * (byars_lower(o, conf) - o)
        hi = value + scale * (byars_upper(o, conf) - o)
    small = o < EXACT_THRESHOLD
    for arr in (value, lo, hi):
        arr[small] = np.nan
    method = np.full(value.shape, "Dobson", dtype=object)
    return Interval(value, lo, hi, method, conf)


