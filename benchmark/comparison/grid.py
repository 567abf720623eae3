"""The first steps of the comparison table: the grid of rows with O and E, and the reasons.

:func:`grid` plans, as one lazy query, every municipality × year × category with what the
statistics need: the observed persons (Kolada count), the populations (total and reference
band), the national expectation E over the reference bands and the crude one, and the
national crude rate. :func:`reasons` decides which rows can be assessed and says why not
(``flag_reason``), falls back to the crude expectation for the total where the national
band split is missing, and adds the decomposition O − crude E = composition + other
(symmetric or sequential).
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from benchmark.comparison.bands import TOTAL
from benchmark.comparison.expected import expected_counts
from benchmark.comparison.inputs import Inputs
from benchmark.comparison.labels import label, reason
from benchmark.comparison.method import Method

__all__ = ["grid", "reasons"]


def grid(inputs: Inputs, window: Sequence[int], method: Method) -> pl.LazyFrame:
    """Every municipality × year in ``window`` × category, with O, populations and E.

    Parameters
    ----------
    inputs
        The loaded tables.
    window
        The years to compute (the table years and the history they need).
    method
        The method settings (age model, bands, reference, alternatives).

    Returns
    -------
    polars.LazyFrame
        Keys, labels, ``status``, ``count``, ``kolada_per_10k`` and the columns of
        :func:`~benchmark.comparison.expected.expected_counts`.
    """
    reference = method.bands
    categories = reference.categories
    cats = pl.LazyFrame({
        "category": [c.id for c in categories],
        "category_label": [c.label_sv for c in categories],
        "category_label_en": [c.label_en for c in categories],
        "band_label": [c.band_label for c in categories],
        "cost_kpi": [c.cost_kpi for c in categories],
    })
    # Kolada's own rate only where the count is published: a rate beside a suppressed count
    # would give the count back (rate × population / 10 000).
    local = (inputs.lss.lazy()
             .filter(pl.col("year").is_in(list(window))
                     & pl.col("category").is_in([c.id for c in categories]))
             .select("municipality", "year", "category", "status", "count",
                     pl.when(pl.col("status") == "ok").then(pl.col("per_10k"))
                     .alias("kolada_per_10k")))
    register = inputs.kommuner.lazy().select("municipality", "name")
    return (expected_counts(inputs, window, method).lazy()
            .join(register, on="municipality", how="left")
            .join(cats, on="category", how="left")
            .join(local, on=["municipality", "year", "category"], how="left"))


def reasons(df: pl.LazyFrame, method: Method | None = None) -> pl.LazyFrame:
    """Which rows can be assessed (``flag_reason`` empty) and the decomposition.

    The total falls back, where the national band split is missing, to the split pooled
    over sex (profile model) and then to the crude (all-ages) expectation, and
    ``reference_band`` says so; a negative split is not assessed. Adds ``observed``,
    ``flag_reason``, ``observed_assessed``/``expected_assessed`` (null where not
    assessed), ``expected_crude`` (the reference's crude rate × total population),
    ``excess``, ``composition_effect`` and ``other_effect``.

    The decomposition of O − crude E (``method.decomposition``): ``sequential`` (version
    0.1) gives composition = E − crude E and other = O − E, so the interaction goes to the
    other effect; ``symmetric`` (Kitagawa, default) evaluates each effect at the mean of the
    two levels, with the municipality's rates taken as E's rates × O/E: other =
    (O/E − 1)(E + crude E)/2 and composition = (O/E + 1)(E − crude E)/2. Both sum to
    O − crude E.
    """
    method = method or Method()
    totalt_banded = pl.col("category") == TOTAL
    split_ok = pl.col("split_reason").is_null()
    assessed = pl.col("flag_reason") == ""
    banded_total = pl.col("expected")
    if "expected_pooled_sex" in df.collect_schema().names():
        banded_total = pl.coalesce("expected", "expected_pooled_sex")
    o, e, ec = (pl.col("observed_assessed"), pl.col("expected_assessed"),
                pl.col("expected_crude"))
    if method.decomposition == "sequential":
        composition, other = e - pl.when(assessed).then(ec), o - e
    else:
        ratio = o / e
        composition = (ratio + 1) * (e - ec) / 2
        other = (ratio - 1) * (e + ec) / 2
    riket_crude = pl.col("national_rate_per_10k") / 1e4 * pl.col("population_total")
    return df.with_columns(
        pl.col("status").fill_null("missing"),
        pl.when(totalt_banded & split_ok).then(
            pl.coalesce(banded_total, pl.col("expected_crude")))
        .otherwise(pl.col("expected")).alias("expected"),
        pl.when(totalt_banded & (banded_total.is_not_null() | ~split_ok))
        .then(pl.lit(label("band.total_split")))
        .when(totalt_banded).then(pl.lit(label("band.crude")))
        .otherwise(pl.col("band_label")).alias("reference_band"),
        pl.when(totalt_banded & banded_total.is_null() & split_ok).then(pl.lit("none"))
        .otherwise(pl.lit(method.age_model)).alias("age_model"),
    ).with_columns(
        pl.when(pl.col("status") == "ok").then(pl.col("count")).alias("observed"),
        pl.when(pl.col("status") == "suppressed")
        .then(pl.lit(reason("suppressed")))
        .when(pl.col("status") != "ok").then(pl.lit(reason("missing")))
        .when(~split_ok).then(pl.col("split_reason"))
        # before the count: a rate-only row (totalt) has no count without population
        .when(pl.col("population_band").is_null() & ~totalt_banded)
        .then(pl.lit(reason("no_band_population")))
        .when(pl.col("population_total").is_null() | (pl.col("population_total") <= 0))
        .then(pl.lit(reason("no_population")))
        .when(pl.col("count").is_null()).then(pl.lit(reason("no_count")))
        .when(pl.col("national_rate_per_10k").is_null())
        .then(pl.lit(reason("no_national")))
        .when(pl.col("expected").is_null() | (pl.col("expected") <= 0))
        .then(pl.lit(reason("empty_band")))
        .otherwise(pl.lit("")).alias("flag_reason"),
    ).with_columns(
        pl.when(assessed).then(pl.col("observed")).alias("observed_assessed"),
        pl.when(assessed).then(pl.col("expected")).alias("expected_assessed"),
        # the rest of the country's crude expectation where it is the reference
        pl.when(pl.col("reference") == "riket").then(riket_crude)
        .otherwise(pl.col("expected_crude")).alias("expected_crude"),
    ).with_columns(
        (pl.col("observed_assessed") - pl.col("expected_assessed")).alias("excess"),
        composition.alias("composition_effect"),
        other.alias("other_effect"),
    )
