"""Funnel plots and overdispersion (Spiegelhalter 2005, FunnelPlotR).

z-scores on the square-root scale, the dispersion ratio φ (winsorised or truncated) and the
DerSimonian–Laird between-unit variance τ², exact-Poisson and overdispersion-adjusted
(back-transformed) funnel limits, and the flag rule used by the comparison table
(:func:`funnel_flags`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np
from scipy import stats

from benchmark.errors import InputError
from benchmark.stats.testing import p_value_poisson
from benchmark.stats.validation import as_array, check_confidence, z_value


@dataclass(frozen=True)
class Overdispersion:
    """Dispersion ratio φ and between-unit variance τ² on the chosen scale."""

    phi: float
    tau2: float
    n_units: int
    scale: str
    trim: float
    trim_method: str

    @property
    def adjusted(self) -> bool:
        """Whether limits should be widened (FunnelPlotR: only when φ > 1)."""
        return bool(self.phi > 1)


def od_z(observed: Any, expected: Any, tau2: Any = 0.0) -> np.ndarray:
    """z on the square-root scale, 2(√O − √E)/√(1 + 4E·τ²) (τ² = 0: unadjusted)."""
    o = as_array(observed, "observed")
    e = as_array(expected, "expected", strict=True)
    t = as_array(tau2, "tau2")
    return 2 * (np.sqrt(o) - np.sqrt(e)) / np.sqrt(1 + 4 * e * t)


def overdispersion(observed: Any, expected: Any, *, scale: str = "sqrt", trim: float = 0.1,
                   trim_method: str = "winsorise", consistency: bool = False
                   ) -> Overdispersion:
    """φ and τ² across units (FunnelPlotR ``phi_func``/``tau_func``).

    ``scale="sqrt"`` (CQC): z = 2(√O − √E), s = 1/(2√E). ``scale="log"`` (SHMI):
    z = √E·log(O/E), s = 1/√E. ``trim_method="winsorise"`` clamps z at the R type-7
    quantiles ``trim`` and ``1 − trim``; ``"truncate"`` drops the units FunnelPlotR's SHMI
    truncation drops (rank-based, ties averaged). φ = mean(z_trimmed²);
    τ² = max(0, (I·φ − (I − 1)) / (Σw − Σw²/Σw)) with w = 1/s² over the retained units.
    Units with missing O or E (or E = 0) are ignored.

    ``consistency=True`` divides φ by E[z_trimmed²] for z ~ N(0, 1) (0.6787 for 10 %
    winsorisation, 0.4377 for 10 % truncation, :func:`trim_consistency`), so that φ ≈ 1
    for pure Poisson data. FunnelPlotR omits this factor; its φ and τ² are then biased low,
    and in our simulation (tests/test_stats.py) it flags about three times the nominal
    share of in-control units.

    Parameters
    ----------
    observed, expected
        O and E per unit (1-d, same length).
    scale
        ``"sqrt"`` or ``"log"``.
    trim
        Share trimmed in each tail, in [0, 0.5).
    trim_method
        ``"winsorise"`` or ``"truncate"``.
    consistency
        Divide φ by its expectation under pure Poisson variation.

    Returns
    -------
    Overdispersion
        φ, τ², the number of units used and the options.

    Examples
    --------
    >>> od = overdispersion([10, 20, 30, 45, 12], [15, 18, 25, 30, 14])
    >>> od.n_units, od.adjusted
    (5, True)
    """
    if scale not in ("sqrt", "log"):
        raise InputError(f"scale must be 'sqrt' or 'log', got {scale!r}")
    if trim_method not in ("winsorise", "truncate"):
        raise InputError(f"trim_method must be 'winsorise' or 'truncate', got {trim_method!r}")
    if not 0 <= trim < 0.5:
        raise InputError(f"trim must be in [0, 0.5), got {trim!r}")
    o = as_array(observed, "observed").ravel()
    e = as_array(expected, "expected").ravel()
    if o.shape != e.shape:
        raise InputError("observed and expected must have the same length")
    keep = ~np.isnan(o) & ~np.isnan(e) & (e > 0)
    o, e = o[keep], e[keep]
    if scale == "sqrt":
        z = 2 * (np.sqrt(o) - np.sqrt(e))
        w = 4 * e
    else:
        with np.errstate(divide="ignore"):
            z = np.sqrt(e) * np.log(o / e)
        w = e.copy()
    return dispersion(z, w, scale=scale, trim=trim, trim_method=trim_method,
                      consistency=consistency)


def dispersion(z: np.ndarray, w: np.ndarray, *, scale: str, trim: float = 0.1,
               trim_method: str = "winsorise", consistency: bool = False) -> Overdispersion:
    """φ and τ² from unadjusted z-scores and their weights w = 1/s² (any scale).

    The common step of :func:`overdispersion` (counts) and
    :func:`benchmark.stats.proportions.proportion_overdispersion` (shares): trim the z,
    φ = mean(z_trimmed²) (divided by :func:`trim_consistency` with ``consistency``),
    τ² = max(0, (I·φ − (I − 1)) / (Σw − Σw²/Σw)) over the retained units.
    """
    if len(z) == 0:
        return Overdispersion(math.nan, math.nan, 0, scale, trim, trim_method)
    if trim_method == "winsorise":
        finite = z[np.isfinite(z)]
        lo, hi = np.quantile(finite, [trim, 1 - trim]) if len(finite) else (0.0, 0.0)
        zt = np.clip(z, lo, hi)
        wt = w
    else:
        k = 1 / trim if trim > 0 else math.inf
        ranks = stats.rankdata(z, method="average")
        sp = np.floor(ranks * k / (len(z) + 1))
        retained = (sp > 0) & (sp < k - 1) if trim > 0 else np.ones(len(z), bool)
        zt, wt = z[retained], w[retained]
    n = len(zt)
    if n == 0:
        return Overdispersion(math.nan, math.nan, 0, scale, trim, trim_method)
    phi = float(np.mean(zt**2))
    if consistency:
        phi /= trim_consistency(trim, trim_method)
    denom = wt.sum() - (wt**2).sum() / wt.sum()
    ok = n * phi >= n - 1 and denom > 0
    tau2 = float(max(0.0, (n * phi - (n - 1)) / denom)) if ok else 0.0
    return Overdispersion(phi, tau2, n, scale, trim, trim_method)


@cache
def trim_consistency(trim: float, trim_method: str = "winsorise") -> float:
    """E[z_t²] for z ~ N(0, 1) winsorised (or truncated) at the ``trim`` quantiles.

    A constant per (trim, method), computed once and cached.

    Parameters
    ----------
    trim
        Share trimmed in each tail, in [0, 0.5).
    trim_method
        ``"winsorise"`` or ``"truncate"``.

    Returns
    -------
    float
        The factor φ is divided by under ``consistency=True`` in :func:`overdispersion`.

    Examples
    --------
    >>> round(trim_consistency(0.1), 4), round(trim_consistency(0.1, "truncate"), 4)
    (0.6787, 0.4377)
    """
    if trim == 0:
        return 1.0
    c = float(stats.norm.ppf(1 - trim))
    inner = (1 - 2 * trim) - 2 * c * float(stats.norm.pdf(c))  # ∫_{-c}^{c} z² φ(z) dz
    if trim_method == "winsorise":
        return inner + 2 * trim * c**2
    return inner / (1 - 2 * trim)


def poisson_ratio_limits(expected: Any, confidence: float = 0.95,
                         target: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """Exact-Poisson funnel limits of O/E at expected E (FunnelPlotR, unadjusted SR).

    lower = target·χ²_{α/2}(2E)/(2E), upper = target·χ²_{1−α/2}(2(E + 1))/(2E).
    """
    conf = check_confidence(confidence)
    e = as_array(expected, "expected", strict=True)
    a = (1 - conf) / 2
    lo = target * stats.chi2.ppf(a, 2 * e) / (2 * e)
    hi = target * stats.chi2.ppf(1 - a, 2 * (e + 1)) / (2 * e)
    return lo, hi


def od_funnel_limits(expected: Any, confidence: float = 0.95, *, tau2: Any = 0.0,
                     scale: str = "sqrt") -> tuple[np.ndarray, np.ndarray]:
    """Overdispersion-adjusted funnel limits of O/E at expected E, back-transformed.

    ``sqrt``: ((1 ∓ z·√(1/(4E) + τ²))², lower floored at 0 (and 0 whenever 1 − z·sd < 0;
    FunnelPlotR issue #33 omits the squaring). ``log``: exp(∓z·√(1/E + τ²)). τ² must be
    estimated on the same scale.
    """
    z = z_value(confidence)
    e = as_array(expected, "expected", strict=True)
    t = as_array(tau2, "tau2")
    if scale == "sqrt":
        sd = np.sqrt(1 / (4 * e) + t)
        lo = np.where(1 - z * sd > 0, (1 - z * sd) ** 2, 0.0)
        hi = (1 + z * sd) ** 2
    elif scale == "log":
        sd = np.sqrt(1 / e + t)
        lo, hi = np.exp(-z * sd), np.exp(z * sd)
    else:
        raise InputError(f"scale must be 'sqrt' or 'log', got {scale!r}")
    return lo, hi


def funnel_limits(expected: Any, confidence: float = 0.95, *, phi: float = math.nan,
                  tau2: float = 0.0) -> tuple[np.ndarray, np.ndarray, bool]:
    """Limits of O/E used for flagging: √-scale OD-adjusted when φ > 1, else exact Poisson.

    Parameters
    ----------
    expected
        E at which to draw the limits (> 0).
    confidence
        Confidence level in [0.5, 1).
    phi, tau2
        Overdispersion estimates (:func:`overdispersion`); NaN φ means none.

    Returns
    -------
    tuple
        ``(lower, upper, od_adjusted)``.

    Examples
    --------
    >>> lo, hi, adjusted = funnel_limits([100.0], 0.95, phi=2.0, tau2=0.01)
    >>> adjusted, round(float(hi[0]), 3)
    (True, 1.486)
    """
    if phi is not None and not math.isnan(phi) and phi > 1:
        lo, hi = od_funnel_limits(expected, confidence, tau2=tau2)
        return lo, hi, True
    lo, hi = poisson_ratio_limits(expected, confidence)
    return lo, hi, False


@dataclass(frozen=True)
class FunnelFlags:
    """Outlier decision per unit at one confidence level (see :func:`funnel_flags`)."""

    flag: np.ndarray
    p_value: np.ndarray
    z: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    od_adjusted: np.ndarray
    confidence: float


def funnel_flags(observed: Any, expected: Any, confidence: float = 0.998, *,
                 phi: Any = math.nan, tau2: Any = 0.0) -> FunnelFlags:
    """Flag O/E as 'higher'/'lower'/'similar' against overdispersion-aware funnel limits.

    The rule: flag ≠ 'similar' ⇔ p < 1 − confidence, 'higher' if O > E else 'lower'.
    Where φ > 1 (OD-adjusted) p = max(p_OD, p_exact), with p_OD from the √-scale
    z = 2(√O − √E)/√(1 + 4Eτ²): that is, outside the OD-adjusted limits
    (:func:`od_funnel_limits`) *and* significant in the exact two-sided Poisson test (the
    normal approximation is too narrow for small E). Otherwise (φ ≤ 1 or unknown)
    p = p_exact, the exact two-sided Poisson test alone. The returned limits are the
    OD-adjusted ones where adjusted, else the continuous exact-Poisson funnel
    (:func:`poisson_ratio_limits`), for drawing; without adjustment a point can lie just
    inside them and be flagged, or (O = 0) just outside and not be, because the count is
    discrete. ``phi``/``tau2`` broadcast (per category). Missing O or E (or E ≤ 0) gives
    'not_assessed' and NaN.

    Parameters
    ----------
    observed, expected
        O and E per unit.
    confidence
        Confidence level of the flag, in [0.5, 1) (0.998 for the strong flag).
    phi, tau2
        Overdispersion estimates, scalars or per unit.

    Returns
    -------
    FunnelFlags
        flag, p-value, z, limits and whether the limits are OD-adjusted, per unit.

    Examples
    --------
    >>> f = funnel_flags([70, 20, 5], [40.0, 20.0, 5.0], 0.998)
    >>> f.flag.tolist()
    ['higher', 'similar', 'similar']
    """
    return funnel_flags_at(observed, expected, [confidence], phi=phi, tau2=tau2)[0]


def funnel_flags_at(observed: Any, expected: Any, confidences: Sequence[float], *,
                    phi: Any = math.nan, tau2: Any = 0.0) -> tuple[FunnelFlags, ...]:
    """:func:`funnel_flags` at several confidence levels, sharing the tests.

    The z-scores and p-values do not depend on the level, so they are computed once; the
    limits and flags are computed per level. Each result equals
    ``funnel_flags(observed, expected, level, phi=phi, tau2=tau2)``.

    Examples
    --------
    >>> strong, weak = funnel_flags_at([70, 30], [40.0, 20.0], [0.998, 0.95])
    >>> strong.flag.tolist(), weak.flag.tolist()
    (['higher', 'similar'], ['higher', 'higher'])
    """
    levels = [check_confidence(c) for c in confidences]
    t = _Tests.of(observed, expected, phi, tau2)
    exact_rows = t.ok & ~t.adj  # exact funnel only where there is no OD adjustment
    p = t.p(p_value_poisson(t.o, t.e))
    out = []
    for conf in levels:
        lo, hi = od_funnel_limits(t.e, conf, tau2=t.tau2)
        if exact_rows.any():
            lo[exact_rows], hi[exact_rows] = poisson_ratio_limits(t.e[exact_rows], conf)
        out.append(FunnelFlags(t.flag(p, conf), p, t.z, np.where(t.ok, lo, np.nan),
                               np.where(t.ok, hi, np.nan), t.adj, conf))
    return tuple(out)


def funnel_flag_only(observed: Any, expected: Any, confidence: float = 0.998, *,
                     phi: Any = math.nan, tau2: Any = 0.0) -> np.ndarray:
    """The ``flag`` of :func:`funnel_flags` alone, for when limits and p are not shown.

    The exact test is computed only where it can decide the flag (not where an
    overdispersion-adjusted p already exceeds 1 − ``confidence``), so this is cheaper.

    Examples
    --------
    >>> funnel_flag_only([70, 30], [40.0, 20.0], 0.95).tolist()
    ['higher', 'higher']
    """
    conf = check_confidence(confidence)
    t = _Tests.of(observed, expected, phi, tau2)
    need = t.ok & (~t.adj | (t.p_od < 1 - conf))
    p_exact = np.full(t.o.shape, np.nan)
    p_exact[need] = p_value_poisson(t.o[need], t.e[need])
    return t.flag(t.p(p_exact), conf)


@dataclass(frozen=True)
class _Tests:
    """What the flag rule needs per unit, before any confidence level: the assessable
    units, the adjusted ones, O and E (1 and 0 where not assessable), τ² in use, z and
    the overdispersion p-value."""

    ok: np.ndarray
    adj: np.ndarray
    o: np.ndarray
    e: np.ndarray
    tau2: np.ndarray
    z: np.ndarray
    p_od: np.ndarray

    @classmethod
    def of(cls, observed: Any, expected: Any, phi: Any, tau2: Any) -> _Tests:
        o = as_array(observed, "observed")
        e = as_array(expected, "expected")
        ph = np.broadcast_to(as_array(phi, "phi", minimum=None), o.shape)
        t2 = np.broadcast_to(np.nan_to_num(as_array(tau2, "tau2"), nan=0.0), o.shape)
        ok = ~np.isnan(o) & ~np.isnan(e) & (e > 0)
        adj = ok & ~np.isnan(ph) & (ph > 1)
        e_safe = np.where(ok, e, 1.0)
        o_safe = np.where(ok, o, 0.0)
        t_use = np.where(adj, t2, 0.0)
        z = np.where(ok, od_z(o_safe, e_safe, t_use), np.nan)
        return cls(ok, adj, o_safe, e_safe, t_use, z, 2 * stats.norm.sf(np.abs(z)))

    def p(self, p_exact: np.ndarray) -> np.ndarray:
        """The flag's p-value: max(p_OD, p_exact) where adjusted, else p_exact."""
        return np.where(self.ok, np.where(self.adj, np.maximum(self.p_od, p_exact), p_exact),
                        np.nan)

    def flag(self, p: np.ndarray, conf: float) -> np.ndarray:
        flag = np.full(self.o.shape, "not_assessed", dtype=object)
        flag[self.ok] = "similar"
        sig = self.ok & (np.nan_to_num(p, nan=1.0) < 1 - conf)
        flag[sig] = np.where(self.o[sig] > self.e[sig], "higher", "lower")
        return flag


