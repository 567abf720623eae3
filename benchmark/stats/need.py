"""Need adjustment: a count regression of O on independent indicators of need, offset by E.

Across the municipalities of one insats and year, the persons O_m with the insats are
modelled as

    log μ_m = log E_m + α + Σ_k β_k · x_m,k,    x_m,k = log(indicator ratio_m,k),

where E_m is the age-adjusted expectation and the indicator ratio is the municipality's
indicator rate over the national one (:func:`log_indicator_ratio`). The fit is a
generalised linear model from statsmodels (a well-kept library, not a hand-written solver):

* ``negative_binomial`` (default): NB2 by maximum likelihood
  (``statsmodels.discrete.discrete_model.NegativeBinomial``), Var O = μ + a·μ². The
  dispersion a is the variance of a multiplicative municipality effect, which is how LSS
  rates vary between municipalities (a large municipality is not more alike Riket than a
  small one is, beyond its smaller Poisson error). Where the maximum lies at a = 0 (no
  variation beyond Poisson's) the fit is the Poisson GLM, which NB2 then is;
* ``quasi_poisson``: a Poisson GLM with the Pearson scale, Var O = φ·μ.

The need-adjusted expectation is E*_m = E_m · exp(α̂ + Σ_k β̂_k x_m,k)
(:func:`need_expected`); O/E* then goes through the same intervals and funnel as O/E.
The share of the between-municipality variance the indicators explain is
1 − a₁/a₀ (negative binomial; a₀ from the offset-only model) or 1 − (φ₁ − 1)/(φ₀ − 1)
(quasi-Poisson), clipped to [0, 1].

:func:`three_way_split` splits O − crude E in persons into age structure, need indicators
and the rest, symmetrically (the Shapley value of the three factors), so that the three
sum exactly to O − crude E and no part depends on an order.

The regression is ecological: β says what is typical of municipalities with such need
levels, not what each person needs. A noisy indicator (few persons in a small
municipality) pulls β towards 0, so the adjustment errs on the side of too little.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
from scipy import stats as sps

from benchmark.errors import InputError
from benchmark.stats.validation import check_confidence

__all__ = ["NEED_MODELS", "NeedFit", "design", "fit_need", "log_indicator_ratio",
           "need_expected", "three_way_split"]

#: The count models :func:`fit_need` can fit.
NEED_MODELS = ("negative_binomial", "quasi_poisson")
#: Added to an indicator count of 0 so that its logarithm exists (½, the usual continuity
#: correction; the row says so in its reason).
ZERO_COUNT = 0.5
#: Below this NB2 dispersion a the fit is taken to be at the boundary a = 0 (Poisson).
BOUNDARY = 1e-6


@dataclass(frozen=True)
class NeedFit:
    """One fitted need model (one insats, one year).

    ``beta``, ``se``, ``lower`` and ``upper`` have one entry per indicator, in the order of
    the columns given; ``dispersion`` is the NB2 a (or the quasi-Poisson scale φ) with the
    indicators and ``dispersion_null`` without them; ``explained`` the share of the
    between-municipality variance the indicators explain (NaN when the municipalities vary
    no more than Poisson chance around E: Pearson's X² of the offset-only Poisson model not
    significant at 5 %, so there is no variance to share out).
    """

    model: str
    intercept: float
    beta: np.ndarray
    se: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    confidence: float
    dispersion: float
    dispersion_null: float
    explained: float
    n_units: int
    converged: bool

    @property
    def explains(self) -> bool:
        """Whether some β's interval lies wholly above 0: more need goes with more support,
        so the indicators explain part of the insats. A β wholly below 0 (more need, fewer
        persons) is not read as need; the comparison then stays age-adjusted."""
        return bool(np.any(self.lower > 0))


def log_indicator_ratio(count: np.ndarray, population: np.ndarray, national_count: float,
                        national_population: float) -> np.ndarray:
    """log of (count / population) / (national count / national population).

    A count of 0 counts as ½ (:data:`ZERO_COUNT`) so that the logarithm exists; a missing
    count or population, or a population ≤ 0, gives NaN (not assessed, never imputed).

    Examples
    --------
    >>> np.round(log_indicator_ratio(np.array([20.0, 0.0]), np.array([1000.0, 1000.0]),
    ...                              100.0, 10000.0), 4)
    array([ 0.6931, -2.9957])
    """
    count = np.asarray(count, dtype=float)
    population = np.asarray(population, dtype=float)
    if not (national_count > 0 and national_population > 0):
        return np.full(count.shape, np.nan)
    ok = ~np.isnan(count) & ~np.isnan(population) & (population > 0) & (count >= 0)
    rate = np.where(ok, np.maximum(count, ZERO_COUNT), 1.0) / np.where(ok, population, 1.0)
    return np.where(ok, np.log(rate / (national_count / national_population)), np.nan)


def design(log_ratio: np.ndarray) -> np.ndarray:
    """The design matrix [1, x_1, …, x_k] of the need model (n × (k + 1))."""
    x = np.asarray(log_ratio, dtype=float)
    x = x.reshape(len(x), -1)
    return np.column_stack([np.ones(len(x)), x])


def _nb(o: np.ndarray, x: np.ndarray, offset: np.ndarray) -> tuple[object, bool]:
    import statsmodels.api as sm
    from statsmodels.discrete.discrete_model import NegativeBinomial
    from statsmodels.tools.sm_exceptions import ConvergenceWarning, HessianInversionWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", (ConvergenceWarning, HessianInversionWarning,
                                         RuntimeWarning))
        nb = NegativeBinomial(o, x, loglike_method="nb2", offset=offset)
        start = _moment_start(o, x, offset)
        if start is not None and start[-1] >= BOUNDARY:
            # from the Poisson fit and the moment estimate of a: Newton
            res = nb.fit(start_params=start, method="newton", maxiter=20, tol=1e-11, disp=0)
            if (np.all(np.isfinite(res.params)) and np.all(np.isfinite(res.bse))
                    and res.params[-1] >= BOUNDARY
                    and res.mle_retvals.get("converged", False)):
                return res, True
        # BFGS finds the optimum (Newton from Poisson's start can step to a < 0)
        first = nb.fit(method="bfgs", maxiter=500, gtol=1e-5, disp=0)
        if first.params[-1] < BOUNDARY:
            # no overdispersion: the maximum is at a = 0, where NB2 is the Poisson model
            # (Newton near the boundary is slow and unstable)
            res = sm.GLM(o, x, family=sm.families.Poisson(), offset=offset).fit(tol=1e-13)
            return _Boundary(res), bool(res.converged)
        # Newton polishes it to the precision of the Hessian
        res = nb.fit(start_params=first.params, method="newton", maxiter=50, tol=1e-11,
                     disp=0)
        if not np.all(np.isfinite(res.params)) or not np.all(np.isfinite(res.bse)):
            res = first
    return res, bool(res.mle_retvals.get("converged", False))


def _moment_start(o: np.ndarray, x: np.ndarray, offset: np.ndarray) -> np.ndarray | None:
    """Starting values for NB2: the Poisson fit's coefficients and the moment estimate of
    a, Σ((O − μ)² − μ)/μ² / (n − p); None when the Poisson fit fails."""
    import statsmodels.api as sm

    try:
        res = sm.GLM(o, x, family=sm.families.Poisson(), offset=offset).fit(tol=1e-10)
    except (np.linalg.LinAlgError, ValueError):
        return None
    mu = np.asarray(res.fittedvalues, dtype=float)
    dof = max(len(o) - x.shape[1], 1)
    a = float(np.sum(((o - mu) ** 2 - mu) / mu ** 2) / dof)
    params = np.asarray(res.params, dtype=float)
    if not (np.all(np.isfinite(params)) and np.isfinite(a)):
        return None
    return np.append(params, a)


class _Boundary:
    """A Poisson fit presented as the NB2 fit at a = 0 (params with a appended)."""

    def __init__(self, res: object) -> None:
        self.params = np.append(np.asarray(res.params), 0.0)  # type: ignore[attr-defined]
        self.bse = np.append(np.asarray(res.bse), 0.0)  # type: ignore[attr-defined]


def _quasi_poisson(o: np.ndarray, x: np.ndarray, offset: np.ndarray) -> tuple[object, bool]:
    import statsmodels.api as sm

    res = sm.GLM(o, x, family=sm.families.Poisson(), offset=offset).fit(
        scale="X2", tol=1e-12, maxiter=200)
    return res, bool(res.converged)


def _coefficients(res: object, model: str, k: int) -> tuple[np.ndarray, np.ndarray, float]:
    params = np.asarray(res.params, dtype=float)  # type: ignore[attr-defined]
    bse = np.asarray(res.bse, dtype=float)  # type: ignore[attr-defined]
    if model == "negative_binomial":
        return params[: k + 1], bse[: k + 1], float(params[-1])
    return params, bse, float(res.scale)  # type: ignore[attr-defined]


def fit_need(observed: np.ndarray, expected: np.ndarray, log_ratio: np.ndarray, *,
             model: str = "negative_binomial", confidence: float = 0.95,
             min_units: int = 10, explain: bool = True) -> NeedFit | None:
    """Fit the need model across municipalities (module docstring).

    Parameters
    ----------
    observed, expected
        O and the age-adjusted E per municipality; rows with NaN in O, E or an indicator,
        or E ≤ 0, are left out of the fit.
    log_ratio
        The log indicator ratios, n × k (or n for one indicator).
    model
        ``"negative_binomial"`` or ``"quasi_poisson"``.
    confidence
        Level of β's interval (Wald, normal quantile).
    min_units
        Fewer usable rows than this, or fewer than k + 3: no fit (None).
    explain
        Fit the offset-only model too, for ``dispersion_null`` and ``explained`` (NaN
        otherwise).

    Returns
    -------
    NeedFit or None
        None when too few rows remain or the fit fails.

    Raises
    ------
    InputError
        For an unknown model or an invalid confidence level.
    """
    if model not in NEED_MODELS:
        raise InputError(f"need model must be one of {', '.join(NEED_MODELS)}, got {model!r}")
    confidence = check_confidence(confidence, "confidence")
    o = np.asarray(observed, dtype=float)
    e = np.asarray(expected, dtype=float)
    x = design(log_ratio)
    k = x.shape[1] - 1
    ok = ~np.isnan(o) & ~np.isnan(e) & (e > 0) & ~np.isnan(x).any(axis=1)
    if ok.sum() < max(min_units, k + 3):
        return None
    o, offset, x = o[ok], np.log(e[ok]), x[ok]
    fit = _nb if model == "negative_binomial" else _quasi_poisson
    try:
        res, converged = fit(o, x, offset)
        null = fit(o, x[:, :1], offset)[0] if explain else None
    except (np.linalg.LinAlgError, ValueError):
        return None
    params, bse, dispersion = _coefficients(res, model, k)
    dispersion_null = np.nan if null is None else _coefficients(null, model, 0)[2]
    if not np.all(np.isfinite(params)) or not np.all(np.isfinite(bse)):
        return None
    if model == "negative_binomial":
        explained = (1 - dispersion / dispersion_null if dispersion_null > BOUNDARY
                     else np.nan)  # NaN > x is False
    else:
        excess = dispersion_null - 1
        explained = 1 - (dispersion - 1) / excess if excess > 0 else np.nan
    if np.isfinite(explained) and not _overdispersed(
            o, x[:, :1], offset, null if model == "quasi_poisson" else None):
        explained = np.nan  # nothing beyond Poisson chance to explain: a share would be noise
    z = float(sps.norm.ppf(0.5 + confidence / 2))
    beta, se = params[1:], bse[1:]
    return NeedFit(model, float(params[0]), beta, se, beta - z * se, beta + z * se,
                   confidence, dispersion, dispersion_null,
                   float(np.clip(explained, 0.0, 1.0)) if np.isfinite(explained) else np.nan,
                   int(ok.sum()), converged)


def _overdispersed(o: np.ndarray, x: np.ndarray, offset: np.ndarray,
                   poisson: object | None = None, level: float = 0.05) -> bool:
    """Whether the municipalities vary more than Poisson chance around the model of ``x``
    (Pearson's X² of the Poisson fit against χ² with its residual degrees of freedom, at
    ``level``); ``poisson``: that fit when already made."""
    import statsmodels.api as sm

    if poisson is None:
        poisson = sm.GLM(o, x, family=sm.families.Poisson(), offset=offset).fit(tol=1e-10)
    x2 = float(poisson.pearson_chi2)  # type: ignore[attr-defined]
    return bool(sps.chi2.sf(x2, float(poisson.df_resid)) < level)  # type: ignore[attr-defined]


def need_expected(expected: np.ndarray, log_ratio: np.ndarray, fit: NeedFit) -> np.ndarray:
    """E* = E · exp(α̂ + Σ β̂_k x_k) per row (NaN where E or an indicator is missing)."""
    x = design(log_ratio)
    coef = np.concatenate([[fit.intercept], fit.beta])
    return np.asarray(expected, dtype=float) * np.exp(x @ coef)


def three_way_split(observed: np.ndarray, crude: np.ndarray, expected: np.ndarray,
                    need: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """O − crude E in persons: (age structure, need indicators, other), symmetric.

    With the factors a = E/crude E (age), n = E*/E (need) and p = O/E* (the rest), O =
    crude E · a · n · p; each factor's part is its Shapley value, the mean over the six
    orders of switching the factors on of what switching it on adds:

        part(a) = crude E · (a − 1) · (2 + n + p + 2np) / 6,

    and likewise for n and p. The three parts sum exactly to O − crude E; with n = 1 the
    age and other parts are the symmetric two-way split (Kitagawa) of
    :func:`benchmark.comparison.grid.reasons`.

    Examples
    --------
    >>> parts = three_way_split(np.array([150.0]), np.array([100.0]), np.array([110.0]),
    ...                         np.array([132.0]))
    >>> [round(float(p[0]), 3) for p in parts], round(float(sum(p[0] for p in parts)), 9)
    ([11.773, 22.455, 15.773], 50.0)
    """
    c = np.asarray(crude, dtype=float)
    a = np.asarray(expected, dtype=float) / c
    n = np.asarray(need, dtype=float) / np.asarray(expected, dtype=float)
    p = np.asarray(observed, dtype=float) / np.asarray(need, dtype=float)

    def part(f: np.ndarray, g: np.ndarray, h: np.ndarray) -> np.ndarray:
        return c * (f - 1) * (2 + g + h + 2 * g * h) / 6

    return part(a, n, p), part(n, a, p), part(p, a, n)
