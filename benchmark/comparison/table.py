"""The comparison table: one row per municipality × year × category, built in named steps.

:func:`build_table` runs the steps in order, each a DataFrame → DataFrame function:

1. :func:`~benchmark.comparison.grid.grid`: municipalities × years × categories with O,
   populations and E (:func:`~benchmark.comparison.expected.expected_counts`: the age
   model, the reference, the robustness alternatives);
2. :func:`~benchmark.comparison.grid.reasons`: what can be assessed, and why not, and the
   decomposition;
3. :func:`~benchmark.comparison.dispersion.window_dispersion`: φ/τ² per category and year
   from a window of years, across all municipalities;
   :func:`~benchmark.comparison.estimates.statistics`: intervals, flags, q-values,
   shrinkage for the table years, and
   :func:`~benchmark.comparison.estimates.earlier_flags` for the years before them;
4. :func:`~benchmark.comparison.lookback.persistence` and
   :func:`~benchmark.comparison.lookback.pooled_test`: the last years;
   :func:`~benchmark.comparison.robustness.robustness`: the flag under the alternatives;
   :func:`~benchmark.comparison.need.need_adjustment`: E* from the need indicators, O/E*
   and its flag, and the three-way split (age, need, other) where need is assessed;
5. :func:`costs`: the national cost per user and the municipality's net cost deviation;
6. :func:`finish`: origin, method, empty peer columns, row order and the column set.

The peer comparison (:func:`benchmark.comparison.peers.peers`) is a further step added by
``compare``. The columns are :data:`COLUMNS` (the required set, in order)
followed by :data:`EXTRA_COLUMNS`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import polars as pl

from benchmark.catalog import CATEGORY_BY_ID, RIKET
from benchmark.comparison.dispersion import Window, window_dispersion
from benchmark.comparison.estimates import earlier_flags, statistics
from benchmark.comparison.frames import collect
from benchmark.comparison.grid import grid, reasons
from benchmark.comparison.inputs import Inputs
from benchmark.comparison.lookback import persistence, pooled_test
from benchmark.comparison.method import Method
from benchmark.comparison.need import NEED_COLUMNS, NEED_EXTRA_COLUMNS, need_adjustment
from benchmark.comparison.robustness import robustness

__all__ = ["COLUMNS", "DEPRECATED_COLUMNS", "EXTRA_COLUMNS", "PEER_COLUMNS", "build_table",
           "costs", "finish"]

#: The comparison table's required columns in order; extras follow.
COLUMNS: tuple[str, ...] = (
    "municipality", "name", "year", "category", "category_label", "status", "observed",
    "population_total", "population_band", "rate_per_10k", "rate_lower", "rate_upper",
    "national_rate_per_10k", "expected", "expected_crude", "ratio", "ratio_lower",
    "ratio_upper", "ratio_method", "confidence", "ratio_shrunk", "z", "p_value", "q_value",
    "phi", "tau2", "od_adjusted", "limit_lower_998", "limit_upper_998", "flag", "flag_95",
    "flag_reason", "excess", "composition_effect", "other_effect", "persistent",
    "years_flagged", "peer_group_id", "peer_group_title", "peer_rate_per_10k",
    "peer_expected", "peer_ratio", "peer_ratio_lower", "peer_ratio_upper", "cost_per_user",
    "excess_cost", "net_cost_deviation_pct", "data_origin",
)
#: Further columns, after :data:`COLUMNS`; ``method`` is :meth:`Method.describe`.
EXTRA_COLUMNS: tuple[str, ...] = (
    "category_label_en", "reference_band", "kolada_per_10k", "rate_method",
    "strong_confidence", "limit_lower_95", "limit_upper_95", "shrinkage_weight", "od_units",
    "persistence_direction", "years_assessed", "observed_3y", "expected_3y", "ratio_3y",
    "flag_3y", "cost_year", "peer_members", "peer_level", "reference", "share_of_riket",
    "age_model", "q_family", "od_years", "tau2_min", "tau2_max", "robust",
    "flag_alternatives", "n_alternatives", "flag_depends_on", *NEED_COLUMNS,
    *NEED_EXTRA_COLUMNS, "method",
)
#: Deprecated aliases in the frames of the Python API (old name → column), kept for one
#: release and never written by ``benchmark.output`` (CSV, JSON, terminal):
#: ``practice_effect`` is ``other_effect`` (renamed in 0.2: the remainder holds need,
#: practice, supply and chance, not practice alone); removed in the release after 0.2.
DEPRECATED_COLUMNS: dict[str, str] = {"practice_effect": "other_effect"}
#: Peer columns (null in ``screen``; filled by ``compare``) and their types.
PEER_COLUMNS: dict[str, pl.DataType] = {
    "peer_group_id": pl.String(), "peer_group_title": pl.String(),
    "peer_rate_per_10k": pl.Float64(), "peer_expected": pl.Float64(),
    "peer_ratio": pl.Float64(), "peer_ratio_lower": pl.Float64(),
    "peer_ratio_upper": pl.Float64(), "peer_level": pl.Float64(), "peer_members": pl.Int64(),
}
#: Kolada's net cost deviation for LSS (%), shown for context.
NET_COST_KPI = "N28018"


def costs(df: pl.LazyFrame, inputs: Inputs) -> pl.LazyFrame:
    """National cost per user (latest year ≤ the table year) and N28018 for the
    municipality; ``excess_cost`` = excess × cost per user (Kolada publishes with a lag,
    so ``cost_year`` says which year's cost is used)."""
    published = inputs.costs.lazy().filter(pl.col("value").is_not_null()
                                           & (pl.col("status").fill_null("ok") == "ok"))
    nat = (published.filter(pl.col("municipality") == RIKET)
           .select(pl.col("kpi").alias("cost_kpi"), pl.col("year").alias("cost_year"),
                   pl.col("value").alias("cost_per_user"))
           .sort("cost_year"))
    pick = (df.select("year", "cost_kpi").unique().drop_nulls()
            .join(nat, on="cost_kpi", how="inner")
            .filter(pl.col("cost_year") <= pl.col("year"))
            .sort("cost_year").group_by("year", "cost_kpi")
            .agg(pl.col("cost_year").last(), pl.col("cost_per_user").last()))
    net = published.filter(pl.col("kpi") == NET_COST_KPI).select(
        "municipality", "year", pl.col("value").alias("net_cost_deviation_pct"))
    return (df.join(pick, on=["year", "cost_kpi"], how="left")
            .join(net, on=["municipality", "year"], how="left")
            .with_columns(pl.col("cost_year").cast(pl.Int32),
                          (pl.col("excess") * pl.col("cost_per_user")).alias("excess_cost")))


def finish(df: pl.LazyFrame, inputs: Inputs, method: Method,
           municipalities: Sequence[str] | None = None) -> pl.LazyFrame:
    """Keep ``municipalities`` (all when None), add the data origin, the method and empty
    peer columns, sort by municipality, year and catalogue order, and select the columns."""
    if municipalities is not None:
        df = df.filter(pl.col("municipality").is_in(list(municipalities)))
    order = {c: i for i, c in enumerate(CATEGORY_BY_ID)}
    return (df.with_columns(*(pl.lit(None, dtype=t).alias(c) for c, t in PEER_COLUMNS.items()),
                            pl.lit(inputs.origin).alias("data_origin"),
                            pl.lit(method.describe()).alias("method"),
                            pl.col("category").replace_strict(order, return_dtype=pl.Int32)
                            .alias("_order"))
            .sort("municipality", "year", "_order")
            .select(*COLUMNS, *EXTRA_COLUMNS,
                    *(pl.col(new).alias(old) for old, new in DEPRECATED_COLUMNS.items())))


def analysis_years(targets: Sequence[int], available: Sequence[int], method: Method
                   ) -> list[int]:
    """The table years and the available years of their history window."""
    history = {y - k for y in targets for k in range(method.window)} & set(available)
    return sorted(history | set(targets))


def build_table(inputs: Inputs, years: Sequence[int], method: Method | None = None, *,
                municipalities: Sequence[str] | None = None, front: str = "screen"
                ) -> pl.DataFrame:
    """The comparison table for every municipality (or ``municipalities``) and ``years``.

    Earlier years needed for persistence are computed as well and dropped at the end. The
    estimates across municipalities (φ, τ², shrinkage) always use every municipality;
    ``municipalities`` only restricts the rows returned. The years are not checked here
    (see :meth:`Inputs.check_year`).

    Parameters
    ----------
    inputs
        The loaded tables (:func:`benchmark.comparison.load_inputs`).
    years
        The table years.
    method
        The method settings (default ``Method()``).
    municipalities
        Kommunkoder to return (default: all).
    front
        ``"screen"`` or ``"compare"``: which front asks, for the q-value family of
        ``method.fdr="auto"`` (:meth:`Method.fdr_family`).

    Returns
    -------
    polars.DataFrame
        :data:`COLUMNS` followed by :data:`EXTRA_COLUMNS` (and the deprecated aliases of
        :data:`DEPRECATED_COLUMNS`); peer columns are null.

    Examples
    --------
    >>> inputs = load_inputs(settings)  # doctest: +SKIP
    >>> build_table(inputs, [2024], municipalities=["0180"]).height  # doctest: +SKIP
    10
    """
    method = method or Method()
    targets = sorted({int(y) for y in years})
    if inputs.memo is not None:  # results kept (benchmark.comparison.reuse)
        key = (tuple(targets), method, front)
        if key not in inputs.memo:
            inputs.memo[key] = _build(inputs, targets, method, None, front)
        full = inputs.memo[key]
        return full if municipalities is None else full.filter(
            pl.col("municipality").is_in(list(municipalities)))
    return _build(inputs, targets, method, municipalities, front)


def _build(inputs: Inputs, targets: list[int], method: Method,
           municipalities: Sequence[str] | None, front: str) -> pl.DataFrame:
    """:func:`build_table` computed (sorted ``targets``)."""
    years_needed = analysis_years(targets, inputs.years, method)
    # a fixed row order: the estimates across municipalities (φ, τ², shrinkage) sum floats
    # in row order, and joins do not keep one, so reruns would differ in the last digit
    df = reasons(grid(inputs, years_needed, method), method).sort(
        "municipality", "year", "category").pipe(collect)
    window = Window.of(df, targets)
    observed = df["observed_assessed"].to_numpy().astype(float)
    expected = df["expected_assessed"].to_numpy().astype(float)
    # φ/τ² for the table years and the earlier years persistence looks back on
    flagged_years = [y for y in window.years
                     if any(0 <= t - y < method.persistence_years for t in targets)]
    od = window_dispersion(window, observed, expected, method, flagged_years)
    shown = df["year"].is_in(targets).to_numpy()
    table = statistics(df.filter(shown), method, od.take(shown),
                       method.fdr_family(front))
    flag_95 = np.empty(df.height, dtype=object)
    flag_95[shown] = table["flag_95"].to_numpy()
    flag_95[~shown] = earlier_flags(observed[~shown], expected[~shown], od.take(~shown),
                                    method)
    wanted = (None if municipalities is None else
              table["municipality"].is_in(list(municipalities)).to_numpy())
    table = table.with_columns(
        *persistence(window, flag_95, method),
        *pooled_test(window, observed, expected, method),
        *robustness(window, df, table["flag"].to_numpy(), method, wanted))
    need = need_adjustment(window, df, inputs, method, shown)
    split = need["split_age"].is_not_null()
    table = table.with_columns(
        *need.drop("split_age", "split_other").get_columns(),
        pl.when(split).then(need["split_age"]).otherwise(pl.col("composition_effect"))
        .alias("composition_effect"),
        pl.when(split).then(need["split_other"]).otherwise(pl.col("other_effect"))
        .alias("other_effect"))
    return finish(costs(table.lazy(), inputs), inputs, method, municipalities).pipe(collect)
