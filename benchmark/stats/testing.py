"""Tests and multiple testing: the exact two-sided Poisson test and Benjamini–Hochberg
q-values."""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import special

from benchmark.errors import InputError
from benchmark.stats.validation import as_array


def p_value_poisson(observed: Any, expected: Any) -> np.ndarray:
    """Exact two-sided p = min(1, 2·min(P(X ≤ O), P(X ≥ O))), X ~ Poisson(E).

    Uses the regularised incomplete gamma functions, so it is consistent with the exact
    (χ²) interval: p < α ⇔ 1 outside the exact (1 − α) interval of O/E.

    Parameters
    ----------
    observed, expected
        The observed count O (≥ 0) and the Poisson mean E (> 0) under the null.

    Returns
    -------
    numpy.ndarray
        Two-sided p-values; NaN where O or E is missing.

    Examples
    --------
    >>> [round(float(p), 4) for p in p_value_poisson([10, 25], [10.0, 12.0])]
    [1.0, 0.0014]
    """
    o = as_array(observed, "observed")
    e = as_array(expected, "expected", strict=True)
    with np.errstate(invalid="ignore"):
        le = special.gammaincc(o + 1, e)  # P(X <= O)
        ge = np.where(o > 0, special.gammainc(np.where(o > 0, o, 1), e), 1.0)  # P(X >= O)
    p = np.minimum(1.0, 2 * np.minimum(le, ge))
    p[np.isnan(o) | np.isnan(e)] = np.nan
    return p


def bh_qvalues(p_values: Any, groups: Any = None) -> np.ndarray:
    """Benjamini–Hochberg adjusted p-values (q-values), optionally within groups.

    q_(i) = min_{j ≥ i} m/j · p_(j), capped at 1, where m counts the non-missing p in the
    group. Missing p stay missing. The q-values of a group do not depend on the other
    groups passed along.

    Parameters
    ----------
    p_values
        p-values in [0, 1] (NaN allowed).
    groups
        Optional group label per p-value (integers, or anything with a text form); the
        adjustment is done within each group.

    Returns
    -------
    numpy.ndarray
        q-values, the shape of ``p_values``.

    Examples
    --------
    >>> bh_qvalues([0.01, 0.04, 0.03, 0.2]).round(3).tolist()
    [0.04, 0.053, 0.053, 0.2]
    """
    p = as_array(p_values, "p_values")
    if (p[~np.isnan(p)] > 1).any():
        raise InputError("p_values must be in [0, 1]")
    n = p.size
    flat = p.ravel()
    if groups is None:
        codes = np.zeros(n, dtype=np.int64)
    else:
        g = np.asarray(groups.to_numpy() if hasattr(groups, "to_numpy") else groups).ravel()
        if g.size != n:
            raise InputError("groups must have the same length as p_values")
        _, codes = np.unique(g if g.dtype.kind in "iub" else g.astype(str),
                             return_inverse=True)
    valid = ~np.isnan(flat)
    out = np.full(n, np.nan)
    if not valid.any():
        return out.reshape(p.shape)
    idx = np.flatnonzero(valid)
    c, pv = codes[idx], flat[idx]
    order = np.lexsort((pv, c))
    c_sorted, p_sorted = c[order], pv[order]
    m = np.bincount(c_sorted)
    starts = np.concatenate(([0], np.cumsum(m)[:-1]))
    rank = np.arange(len(order)) - starts[c_sorted] + 1
    raw = np.minimum(1.0, p_sorted * m[c_sorted] / rank)
    # reverse cumulative minimum within each group (exact: no offsets that would round)
    q_sorted = np.concatenate([np.minimum.accumulate(seg[::-1])[::-1]
                               for seg in np.split(raw, np.cumsum(m)[:-1])])
    res = np.empty(len(order))
    res[order] = q_sorted
    out[idx] = res
    return out.reshape(p.shape)


