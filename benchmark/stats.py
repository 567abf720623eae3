"""Pure, vectorised statistics for comparing rates (docs/methods.md).

Every function takes numpy arrays (or anything ``np.asarray`` accepts, including polars
Series; nulls become NaN), validates its arguments up front and raises
:class:`~benchmark.errors.InputError` naming the argument and the valid range. NaN inputs
propagate to NaN outputs, as in PHEindicatormethods. Interval results carry the method used
(``Exact``/``Byars``/``Wilson``) and the confidence level, so a table explains itself.

Contents:

* intervals: Wilson (proportions), exact Poisson (Garwood), Byar, the PHE switch
  exact < 10 ≤ Byar, crude rates (``phe_rate``), proportions (``phe_proportion``);
* indirect standardisation: expected counts over age (and sex) bands, standardised
  ratio O/E and rate with intervals (``calculate_ISRatio``/``calculate_ISRate``); the
  directly standardised rate (Dobson, ``calculate_dsr``);
* funnel plots and overdispersion (Spiegelhalter 2005, FunnelPlotR): z-scores on the
  square-root or log scale, winsorised/truncated φ, DerSimonian–Laird τ², exact-Poisson and
  overdispersion-adjusted (back-transformed) limits, outlier classification;
* tests: exact and overdispersion-aware two-sided p-values, Benjamini–Hochberg q-values;
* empirical-Bayes shrinkage of standardised ratios (Marshall 1991 / spdep ``EBest``);
* peer-compatible helpers used by the oracle tests: PHE funnel limits and significance for
  ratios and proportions, Fingertips comparers (single/two CI levels, SPC for proportions
  and DSRs) and quantile bins.

No I/O and no plotting here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import special, stats

from benchmark.errors import InputError

__all__ = [
    "EXACT_THRESHOLD",
    "FunnelFlags",
    "Interval",
    "Overdispersion",
    "bh_qvalues",
    "byars_lower",
    "byars_upper",
    "check_confidence",
    "classify",
    "dsr",
    "eb_shrink",
    "exact_poisson_lower",
    "exact_poisson_upper",
    "expected_counts",
    "ft_quantile_bounds",
    "ft_quantile_category",
    "ft_single_overlapping_ci",
    "ft_spc_dsr",
    "ft_spc_proportions",
    "ft_two_ci_levels",
    "funnel_flags",
    "funnel_limits",
    "mean_interval",
    "od_funnel_limits",
    "od_z",
    "overdispersion",
    "p_value_od",
    "p_value_poisson",
    "phe_proportion_funnel_limits",
    "phe_proportion_significance",
    "phe_rate_funnel_limits",
    "phe_rate_significance",
    "phe_ratio_funnel_expected",
    "phe_ratio_significance",
    "poisson_interval",
    "poisson_ratio_limits",
    "pooled_rate",
    "proportion_interval",
    "rate_interval",
    "standardised_rate",
    "standardised_ratio",
    "trim_consistency",
    "wilson_interval",
    "wilson_lower",
    "wilson_upper",
    "z_value",
]

#: PHE switches from exact (Garwood) to Byar's limits at this count.
EXACT_THRESHOLD = 10


# --------------------------------------------------------------------------- validation


def check_confidence(confidence: float, name: str = "confidence") -> float:
    """``confidence`` as a float in [0.5, 1), or :class:`InputError` naming ``name``."""
    try:
        value = float(confidence)
    except (TypeError, ValueError):
        raise InputError(f"{name} must be a number in [0.5, 1), got {confidence!r}") from None
    if not 0.5 <= value < 1:
        raise InputError(f"{name} must be in [0.5, 1) (e.g. 0.95 or 0.998), got {confidence!r}")
    return value


def _array(value: Any, name: str, *, minimum: float | None = 0.0,
           strict: bool = False) -> np.ndarray:
    """Float array with NaN for nulls; values below ``minimum`` raise InputError."""
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
    """Two-sided normal quantile: 0.95 → 1.959964, 0.998 → 3.090232."""
    conf = check_confidence(confidence)
    return float(stats.norm.ppf(conf + (1 - conf) / 2))


# --------------------------------------------------------------------------- intervals


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
    xa = _array(x, "x")
    na = _array(n, "n", strict=True)
    with np.errstate(invalid="ignore"):
        if (xa > na).any():
            raise InputError("x must be <= n for a proportion")
        root = np.sqrt(z**2 + 4 * xa * (1 - xa / na))
        return (2 * xa + z**2 + sign * z * root) / (2 * (na + z**2))


def wilson_interval(x: Any, n: Any, confidence: float = 0.95,
                    multiplier: float = 1.0) -> Interval:
    """Proportion x/n·multiplier with its Wilson score interval (PHE ``phe_proportion``)."""
    conf = check_confidence(confidence)
    xa, na = _array(x, "x"), _array(n, "n", strict=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        est = xa / na * multiplier
    lo = wilson_lower(xa, na, conf) * multiplier
    hi = wilson_upper(xa, na, conf) * multiplier
    method = np.full(est.shape, "Wilson", dtype=object)
    return Interval(est, lo, hi, method, conf)


proportion_interval = wilson_interval


def byars_lower(x: Any, confidence: float = 0.95) -> np.ndarray:
    """Byar's lower limit of a Poisson count; NaN where it would be negative (as PHE)."""
    z = z_value(confidence)
    xa = _array(x, "x")
    with np.errstate(invalid="ignore", divide="ignore"):
        out = xa * (1 - 1 / (9 * xa) - z / (3 * np.sqrt(xa))) ** 3
    out[(out < 0) | (xa == 0)] = np.nan
    return out


def byars_upper(x: Any, confidence: float = 0.95) -> np.ndarray:
    """Byar's upper limit of a Poisson count."""
    z = z_value(confidence)
    xa = _array(x, "x") + 1
    return xa * (1 - 1 / (9 * xa) + z / (3 * np.sqrt(xa))) ** 3


def exact_poisson_lower(x: Any, confidence: float = 0.95) -> np.ndarray:
    """Exact (Garwood) lower limit χ²_{α/2}(2x)/2; 0 at x = 0."""
    conf = check_confidence(confidence)
    xa = _array(x, "x")
    with np.errstate(invalid="ignore"):
        out = stats.chi2.ppf((1 - conf) / 2, 2 * xa) / 2
    out[xa == 0] = 0.0
    return out


def exact_poisson_upper(x: Any, confidence: float = 0.95) -> np.ndarray:
    """Exact (Garwood) upper limit χ²_{1−α/2}(2x + 2)/2."""
    conf = check_confidence(confidence)
    xa = _array(x, "x")
    return stats.chi2.ppf(1 - (1 - conf) / 2, 2 * xa + 2) / 2


def poisson_interval(x: Any, confidence: float = 0.95) -> Interval:
    """Interval for a Poisson count: exact for x < 10, Byar otherwise (PHE ``phe_rate``)."""
    conf = check_confidence(confidence)
    xa = _array(x, "x")
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
    """Crude rate x/n·multiplier with exact (x < 10) or Byar limits (PHE ``phe_rate``)."""
    na = _array(n, "n", strict=True)
    return _per(poisson_interval(x, confidence), na, multiplier)


def _per(ci: Interval, denominator: np.ndarray, factor: float) -> Interval:
    """A count interval divided by ``denominator`` and scaled by ``factor`` (rate or ratio)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return Interval(ci.estimate / denominator * factor, ci.lower / denominator * factor,
                        ci.upper / denominator * factor, ci.method, ci.confidence)


def mean_interval(values: Any, confidence: float = 0.95) -> Interval:
    """Mean with a Student-t interval, mean ± t_{n−1}·s/√n (PHE ``phe_mean``).

    NaN values are dropped; at least two values are needed.
    """
    conf = check_confidence(confidence)
    v = _array(values, "values", minimum=None).ravel()
    v = v[~np.isnan(v)]
    if len(v) < 2:
        raise InputError(f"values must hold at least 2 numbers, got {len(v)}")
    mean = float(v.mean())
    half = float(stats.t.ppf(1 - (1 - conf) / 2, len(v) - 1) * v.std(ddof=1)
                 / math.sqrt(len(v)))
    return Interval(np.array([mean]), np.array([mean - half]), np.array([mean + half]),
                    np.array(["Student's t-distribution"], dtype=object), conf)


# --------------------------------------------------------------------------- standardisation


def expected_counts(local_population: Any, reference_counts: Any,
                    reference_population: Any) -> np.ndarray:
    """Indirectly standardised expected counts E = Σ_b (X_b / N_b) · n_b.

    ``local_population`` has the bands (age, or age × sex flattened) on its last axis, e.g.
    shape (municipalities, bands); the reference arrays have shape (bands,) or broadcast to
    the local shape. As in PHE ``calculate_ISRatio``, NaN local populations and NaN
    reference counts count as 0. A band with reference population 0 must also have
    reference count 0 (it then contributes nothing).
    """
    local = np.nan_to_num(_array(local_population, "local_population"), nan=0.0)
    ref_x = np.nan_to_num(_array(reference_counts, "reference_counts"), nan=0.0)
    ref_n = _array(reference_population, "reference_population")
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
    """Standardised ratio O/E·refvalue; limits = Poisson limits of O (exact < 10, Byar) / E."""
    ea = _array(expected, "expected", strict=True)
    return _per(poisson_interval(observed, confidence), ea, refvalue)


def standardised_rate(observed: Any, expected: Any, reference_rate: Any,
                      confidence: float = 0.95) -> Interval:
    """Indirectly standardised rate O/E · reference rate (PHE ``calculate_ISRate``)."""
    ref = _array(reference_rate, "reference_rate")
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
    n = _array(population, "population", strict=True)
    w = np.broadcast_to(_array(weights, "weights"), n.shape)
    if persons_by_frequency is None:
        x = np.nan_to_num(_array(counts, "counts"), nan=0.0)
        var_terms = x
    else:
        pf = np.nan_to_num(_array(persons_by_frequency, "persons_by_frequency"), nan=0.0)
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


# --------------------------------------------------------------------------- overdispersion


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
    o = _array(observed, "observed")
    e = _array(expected, "expected", strict=True)
    t = _array(tau2, "tau2")
    return 2 * (np.sqrt(o) - np.sqrt(e)) / np.sqrt(1 + 4 * e * t)


def overdispersion(observed: Any, expected: Any, *, scale: str = "sqrt", trim: float = 0.1,
                   trim_method: str = "winsorise", consistency: bool = False
                   ) -> Overdispersion:
    """φ and τ² across units (FunnelPlotR ``phi_func``/``tau_func``, methods.md §2.1–2.2).

    ``scale="sqrt"`` (CQC): z = 2(√O − √E), s = 1/(2√E). ``scale="log"`` (SHMI):
    z = √E·log(O/E), s = 1/√E. ``trim_method="winsorise"`` clamps z at the R type-7
    quantiles ``trim`` and ``1 − trim``; ``"truncate"`` drops the units FunnelPlotR's SHMI
    truncation drops (rank-based, ties averaged). φ = mean(z_trimmed²);
    τ² = max(0, (I·φ − (I − 1)) / (Σw − Σw²/Σw)) with w = 1/s² over the retained units.
    Units with missing O or E (or E = 0) are ignored.

    ``consistency=True`` divides φ by E[z_trimmed²] for z ~ N(0, 1) (0.6787 for 10 %
    winsorisation, 0.4378 for 10 % truncation), so that φ ≈ 1 for pure Poisson data.
    FunnelPlotR omits this factor; its φ and τ² are then biased low, and in our simulation
    (tests/test_stats.py) it flags about three times the nominal share of in-control units.
    """
    if scale not in ("sqrt", "log"):
        raise InputError(f"scale must be 'sqrt' or 'log', got {scale!r}")
    if trim_method not in ("winsorise", "truncate"):
        raise InputError(f"trim_method must be 'winsorise' or 'truncate', got {trim_method!r}")
    if not 0 <= trim < 0.5:
        raise InputError(f"trim must be in [0, 0.5), got {trim!r}")
    o = _array(observed, "observed").ravel()
    e = _array(expected, "expected").ravel()
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


def trim_consistency(trim: float, trim_method: str = "winsorise") -> float:
    """E[z_t²] for z ~ N(0, 1) winsorised (or truncated) at the ``trim`` quantiles."""
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
    e = _array(expected, "expected", strict=True)
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
    e = _array(expected, "expected", strict=True)
    t = _array(tau2, "tau2")
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
    """Limits used for flagging: √-scale OD-adjusted when φ > 1, else exact Poisson.

    Returns (lower, upper, od_adjusted).
    """
    if phi is not None and not math.isnan(phi) and phi > 1:
        lo, hi = od_funnel_limits(expected, confidence, tau2=tau2)
        return lo, hi, True
    lo, hi = poisson_ratio_limits(expected, confidence)
    return lo, hi, False


def classify(value: Any, lower: Any, upper: Any, multiplier: float = 1.0) -> np.ndarray:
    """'higher' / 'lower' outside [lower, upper] (inclusive limits, FunnelPlotR), else
    'similar'; 'not_assessed' where anything is missing."""
    v = _array(value, "value", minimum=None) * multiplier
    lo = _array(lower, "lower", minimum=None)
    hi = _array(upper, "upper", minimum=None)
    v, lo, hi = np.broadcast_arrays(v, lo, hi)
    out = np.full(v.shape, "similar", dtype=object)
    out[v > hi] = "higher"
    out[v < lo] = "lower"
    out[np.isnan(v) | np.isnan(lo) | np.isnan(hi)] = "not_assessed"
    return out


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
    """
    conf = check_confidence(confidence)
    o = _array(observed, "observed")
    e = _array(expected, "expected")
    ph = np.broadcast_to(_array(phi, "phi", minimum=None), o.shape)
    t2 = np.broadcast_to(np.nan_to_num(_array(tau2, "tau2"), nan=0.0), o.shape)
    ok = ~np.isnan(o) & ~np.isnan(e) & (e > 0)
    adj = ok & ~np.isnan(ph) & (ph > 1)
    e_safe = np.where(ok, e, 1.0)
    o_safe = np.where(ok, o, 0.0)
    t_use = np.where(adj, t2, 0.0)
    lo, hi = od_funnel_limits(e_safe, conf, tau2=t_use)
    exact_rows = ok & ~adj  # exact funnel only where there is no OD adjustment
    if exact_rows.any():
        lo[exact_rows], hi[exact_rows] = poisson_ratio_limits(e_safe[exact_rows], conf)
    lo = np.where(ok, lo, np.nan)
    hi = np.where(ok, hi, np.nan)
    z = np.where(ok, od_z(o_safe, e_safe, t_use), np.nan)
    p_exact = p_value_poisson(o_safe, e_safe)
    p_od = 2 * stats.norm.sf(np.abs(z))
    p = np.where(ok, np.where(adj, np.maximum(p_od, p_exact), p_exact), np.nan)
    flag = np.full(o.shape, "not_assessed", dtype=object)
    flag[ok] = "similar"
    sig = ok & (np.nan_to_num(p, nan=1.0) < 1 - conf)
    flag[sig] = np.where(o_safe[sig] > e_safe[sig], "higher", "lower")
    return FunnelFlags(flag, p, z, lo, hi, adj, conf)


# --------------------------------------------------------------------------- tests


def p_value_poisson(observed: Any, expected: Any) -> np.ndarray:
    """Exact two-sided p = min(1, 2·min(P(X ≤ O), P(X ≥ O))), X ~ Poisson(E).

    Uses the regularised incomplete gamma functions, so it is consistent with the exact
    (χ²) interval: p < α ⇔ 1 outside the exact (1 − α) interval of O/E.
    """
    o = _array(observed, "observed")
    e = _array(expected, "expected", strict=True)
    with np.errstate(invalid="ignore"):
        le = special.gammaincc(o + 1, e)  # P(X <= O)
        ge = np.where(o > 0, special.gammainc(np.where(o > 0, o, 1), e), 1.0)  # P(X >= O)
    p = np.minimum(1.0, 2 * np.minimum(le, ge))
    p[np.isnan(o) | np.isnan(e)] = np.nan
    return p


def p_value_od(observed: Any, expected: Any, tau2: Any = 0.0) -> np.ndarray:
    """Two-sided normal p-value of the √-scale z with overdispersion τ² (methods.md §4.2)."""
    z = od_z(observed, expected, tau2)
    return 2 * stats.norm.sf(np.abs(z))


def bh_qvalues(p_values: Any, groups: Any = None) -> np.ndarray:
    """Benjamini–Hochberg adjusted p-values (q-values), optionally within groups.

    q_(i) = min_{j ≥ i} m/j · p_(j), capped at 1, where m counts the non-missing p in the
    group. Missing p stay missing. Vectorised across groups (no Python loop per group).
    """
    p = _array(p_values, "p_values")
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
        _, codes = np.unique(g.astype(str), return_inverse=True)
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
    # reverse cumulative minimum within groups: an offset of 2·code keeps groups apart
    shifted = raw + 2.0 * c_sorted
    q_sorted = np.minimum.accumulate(shifted[::-1])[::-1] - 2.0 * c_sorted
    res = np.empty(len(order))
    res[order] = q_sorted
    out[idx] = res
    return out.reshape(p.shape)


# --------------------------------------------------------------------------- empirical Bayes


def eb_shrink(observed: Any, expected: Any) -> tuple[np.ndarray, np.ndarray]:
    """Empirical-Bayes shrunk ratios O/E (Marshall 1991 global moments, spdep ``EBest``).

    With r_i = O_i/E_i, b = ΣO/ΣE, s² = ΣE_i(r_i − b)²/ΣE, a = max(0, s² − b/(ΣE/I)):
    shrunk_i = b + a(r_i − b)/(a + b/E_i). Returns (shrunk, weight a/(a + b/E_i)).
    Units with missing O or E (or E = 0) get NaN and do not enter the moments.
    """
    o = _array(observed, "observed")
    e = _array(expected, "expected")
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


# --------------------------------------------------------------------------- PHE funnels


def phe_ratio_funnel_expected(observed: Any, p: float, side: str) -> np.ndarray:
    """Expected count E* at which O sits on the PHE ratio funnel limit (closed form).

    side 'lower' (lower limit of O/E): P(X ≤ O | E*) = p ⇒ E* = χ²_{1−p}(2(O + 1))/2;
    side 'upper': P(X ≥ O | E*) = p ⇒ E* = χ²_p(2O)/2. The limit is O/E*.
    """
    if not 0 < p < 0.5:
        raise InputError(f"p must be a tail probability in (0, 0.5), got {p!r}")
    o = _array(observed, "observed")
    if side == "lower":
        return stats.chi2.ppf(1 - p, 2 * (o + 1)) / 2
    if side == "upper":
        return stats.chi2.ppf(p, 2 * o) / 2
    raise InputError(f"side must be 'lower' or 'upper', got {side!r}")


def phe_ratio_significance(observed: Any, expected: Any) -> np.ndarray:
    """PHE ``assign_funnel_significance`` for ratios: is 1 outside O's CI divided by E?"""
    o = _array(observed, "observed")
    e = _array(expected, "expected", strict=True)
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
    """PHE proportion funnel limit (closed-form Wilson inversion, ``sigma_adjustment``).

    The lower limit is the proportion whose Wilson upper bound equals the average; the
    upper limit the one whose Wilson lower bound does. Clipped to [0, multiplier] (PHE
    clips at 100 even for multiplier 1; not reproduced).
    """
    n = _array(population, "population", strict=True)
    if not 0 <= average_proportion <= 1:
        raise InputError("average_proportion must be in [0, 1]")
    if not 0.5 < p < 1:
        raise InputError(f"p must be in (0.5, 1) (0.975 or 0.999), got {p!r}")
    z2 = stats.norm.ppf(p) ** 2
    av = average_proportion
    first = av * (n / z2 + 1)
    adj = np.sqrt((-8 * first) ** 2 - 64 * (1 / z2 + 1 / n) * av
                  * (n * (av * (n / z2 + 2) - 1) + z2 * (av - 1)))
    sign = {"lower": -1.0, "upper": 1.0}.get(side)
    if sign is None:
        raise InputError(f"side must be 'lower' or 'upper', got {side!r}")
    q = (first + sign * adj / 8) / (1 / z2 + 1 / n) / n
    return np.clip(q * multiplier, 0, multiplier)


def phe_proportion_significance(x: Any, n: Any, average_proportion: float | None = None
                                ) -> np.ndarray:
    """PHE significance of proportions against the funnel (baseline Σx/Σn by default)."""
    xa, na = _array(x, "x"), _array(n, "n", strict=True)
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
    v, lo, hi, c = (np.atleast_1d(_array(a, n, minimum=None)) for a, n in
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
    arrs = [np.atleast_1d(_array(a, n, minimum=None)) for a, n in
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
    v = np.atleast_1d(_array(value, "value")) / unit
    n = np.atleast_1d(_array(denominator, "denominator", strict=True))
    p0 = np.atleast_1d(_array(comparator, "comparator")) / unit
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
    v = np.atleast_1d(_array(value, "value"))
    n = np.atleast_1d(_array(denominator, "denominator", strict=True))
    e = np.atleast_1d(_array(comparator, "comparator")) * n / unit
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
    v = _array(values, "values", minimum=None)
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
    v = _array(values, "values", minimum=None)
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
    o = _array(events, "events")
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
    x = _array(count, "count")
    r = _array(rate, "rate")
    with np.errstate(divide="ignore", invalid="ignore"):
        den = multiplier * x / r
    if rate_type == "crude" and denominator is not None:
        den = np.where(x == 0, _array(denominator, "denominator"), den)
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
    x = _array(numerator, "numerator")
    n = _array(denominator, "denominator")
    ok = ~np.isnan(x) & ~np.isnan(n)
    total = n[ok].sum()
    return float(x[ok].sum() / total) if total > 0 else math.nan
