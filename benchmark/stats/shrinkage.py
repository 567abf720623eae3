"""Empirical-Bayes shrinkage of standardised ratios (Marshall 1991)."""

from __future__ import annotations

from typing import Any

import numpy as np

from benchmark.stats.validation import as_array


def eb_shrink(observed: Any, expected: Any) -> tuple[np.ndarray, np.ndarray]:
    """Empirical-Bayes shrunk ratios O/E (Marshall 1991 global moments, spdep ``EBest``).

    With r_i = O_i/E_i, b = ΣO/ΣE, s² = ΣE_i(r_i − b)²/ΣE, a = max(0, s² − b/(ΣE/I)):
    shrunk_i = b + a(r_i − b)/(a + b/E_i). Returns (shrunk, weight a/(a + b/E_i)).
    Units with missing O or E (or E = 0) get NaN and do not enter the moments.

    Parameters
    ----------
    observed, expected
        O and E per unit.

    Returns
    -------
    tuple of numpy.ndarray
        ``(shrunk, weight)``: the shrunk ratio and the weight of the unit's own ratio.

    Examples
    --------
    >>> shrunk, weight = eb_shrink([5, 50, 200], [10.0, 40.0, 180.0])
    >>> shrunk.round(3).tolist()
    [1.082, 1.131, 1.11]
    """
    o = as_array(observed, "observed")
    e = as_array(expected, "expected")
    ok = ~np.isnan(o) & ~np.isnan(e) & (e > 0)
    shrunk = np.full(o.shape, np.nan)
    weight = np.full(o.shape, np.nan)
    if not ok.any():
        return shrunk, weight
    oo, ee = o[ok], e[ok]
    r = oo / ee
    b = oo.sum() / ee.sum()
    s2 = np.sum(ee * (r - b) ** 2) / ee.sum()
    a = max(0.0, s2 - b / (ee.sum() / len(ee)))
    if b == 0:
        shrunk[ok], weight[ok] = 0.0, 0.0
        return shrunk, weight
    c = a / (a + b / ee)
    shrunk[ok] = b + c * (r - b)
    weight[ok] = c
    return shrunk, weight


