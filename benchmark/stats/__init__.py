"""Pure, vectorised statistics for comparing rates.

Every function takes numpy arrays (or anything ``np.asarray`` accepts, including polars
Series; nulls become NaN), validates its arguments up front and raises
:class:`~benchmark.errors.InputError` naming the argument and the valid range. NaN inputs
propagate to NaN outputs, as in PHEindicatormethods. Interval results carry the method used
(``Exact``/``Byars``/``Wilson``) and the confidence level, so a table explains itself.
No I/O and no plotting here.

One module per method family, their public functions re-exported here (``from benchmark
import stats``; this ``__all__`` is the public API):

* :mod:`~benchmark.stats.intervals`: Wilson (proportions), exact Poisson (Garwood), Byar,
  the PHE switch exact < 10 ≤ Byar, crude rates;
* :mod:`~benchmark.stats.standardisation`: expected counts over age (and sex) bands,
  standardised ratio O/E and rate with intervals, the directly standardised rate (Dobson);
* :mod:`~benchmark.stats.funnel`: z-scores on the square-root scale, winsorised/truncated
  φ, DerSimonian–Laird τ², exact-Poisson and overdispersion-adjusted limits, the flag rule;
* :mod:`~benchmark.stats.testing`: the exact two-sided Poisson test, Benjamini–Hochberg
  q-values;
* :mod:`~benchmark.stats.proportions`: funnel limits for shares (PHE's Wilson inversion,
  overdispersion-adjusted on the arcsine scale), percentile ranks and robust z;
* :mod:`~benchmark.stats.shrinkage`: empirical-Bayes shrinkage of standardised ratios;
* :mod:`~benchmark.stats.validation`: the argument checks the others share.

:mod:`benchmark.stats.peer_compat` (not re-exported) holds the helpers that reproduce peer
tools' decisions for the oracle tests only.

Examples
--------
>>> from benchmark import stats
>>> r = stats.standardised_ratio([12], [8.0], 0.95)
>>> round(float(r.estimate[0]), 2), r.method[0]
(1.5, 'Byars')
"""

from __future__ import annotations

from benchmark.stats.funnel import (
    FunnelFlags,
    Overdispersion,
    funnel_flag_only,
    funnel_flags,
    funnel_flags_at,
    funnel_limits,
    od_funnel_limits,
    od_z,
    overdispersion,
    poisson_ratio_limits,
    trim_consistency,
)
from benchmark.stats.intervals import (
    EXACT_THRESHOLD,
    Interval,
    byars_lower,
    byars_upper,
    exact_poisson_lower,
    exact_poisson_upper,
    poisson_interval,
    rate_interval,
    wilson_interval,
    wilson_lower,
    wilson_upper,
)
from benchmark.stats.proportions import (
    percentile_rank,
    proportion_funnel_limits,
    proportion_overdispersion,
    robust_z,
)
from benchmark.stats.shrinkage import eb_shrink
from benchmark.stats.standardisation import (
    dsr,
    expected_counts,
    standardised_rate,
    standardised_ratio,
)
from benchmark.stats.testing import bh_qvalues, p_value_poisson
from benchmark.stats.validation import check_confidence, z_value

__all__ = [
    "EXACT_THRESHOLD",
    "FunnelFlags",
    "Interval",
    "Overdispersion",
    "bh_qvalues",
    "byars_lower",
    "byars_upper",
    "check_confidence",
    "dsr",
    "eb_shrink",
    "exact_poisson_lower",
    "exact_poisson_upper",
    "expected_counts",
    "funnel_flag_only",
    "funnel_flags",
    "funnel_flags_at",
    "funnel_limits",
    "od_funnel_limits",
    "od_z",
    "overdispersion",
    "p_value_poisson",
    "percentile_rank",
    "poisson_interval",
    "poisson_ratio_limits",
    "proportion_funnel_limits",
    "proportion_overdispersion",
    "rate_interval",
    "robust_z",
    "standardised_rate",
    "standardised_ratio",
    "trim_consistency",
    "wilson_interval",
    "wilson_lower",
    "wilson_upper",
    "z_value",
]
