"""The first steps of the comparison table: the grid of rows with O and E, and the reasons.

:func:`grid` plans, as one lazy query, every municipality × year × category with what the
statistics need: the observed persons (Kolada count), the populations (total and reference
band), the national expectation E over the reference bands and the crude one, and the
national crude rate. :func:`reasons` decides which rows can be assessed and says why not
(``flag_reason``), falls back to the crude expectation for the total where the national
band split is missing, and adds the decomposition O − crude E = composition + practice.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from benchmark.catalog import RIKET
from benchmark.comparison.bands import (
    ALL_AGES,
    TOTAL,
    ReferenceBands,
    band_population,
    crude_rates,
    expected_from_reference,
    long_bands,
    member_band_counts,
    reference_counts,
)
from benchmark.comparison.frames import collect
from benchmark.comparison.inputs import Inputs
from benchmark.comparison.labels import label, reason

__all__ = ["grid", "lss_ok", "national_split_problems", "reasons"]


def _years(years: Sequence[int]) -> pl.LazyFrame:
    return pl.LazyFrame({"year": list(years)}, schema={"year": pl.Int32})


def lss_ok(inputs: Inputs, years: Sequence[int]) -> pl.LazyFrame:
    """LSS rows with status ok and a count in ``years``: (municipality, year, category,
    count)."""
    return (inputs.lss.lazy()
            .filter(pl.col("year").is_in(list(years)) & (pl.col("status") == "ok")
                    & pl.col("count").is_not_null())
            .select("municipality", "year", "category", "count"))


def national_split_problems(national_counts: pl.LazyFrame) -> pl.LazyFrame:
    """Years whose derived national band of the total is negative (the KPIs disagree).

    Such a year gets no banded E for the total and no silent crude fallback: the total is
    not assessed, and ``split_reason`` says why. ``national_counts`` are Riket's persons
    per band (:func:`~benchmark.comparison.bands.member_band_counts`). Returns (year,
    category, split_reason).
    """
    return (national_counts
            .filter((pl.col("key") == TOTAL) & (pl.col("count") < 0))
            .group_by("year").agg(pl.col("band").sort().str.replace(r"-$", "+").str.join(", ")
                                  .alias("bad"))
            .select("year", pl.lit(TOTAL).alias("category"),
                    pl.format(reason("split", bands="{}"),
                              pl.col("bad").str.replace_all("-", "–")).alias("split_reason")))


def grid(inputs: Inputs, window: Sequence[int], reference: ReferenceBands) -> pl.LazyFrame:
    """Every municipality × year in ``window`` × category, with O, populations and E.

    Parameters
    ----------
    inputs
        The loaded tables.
    window
        The years to compute (the table years and the history they need).
    reference
        The reference bands in use.

    Returns
    -------
    polars.LazyFrame
        Keys, labels, ``status``, ``count``, ``kolada_per_10k``, ``population_total``,
        ``population_band``, ``expected`` (banded), ``expected_crude``,
        ``national_rate_per_10k`` and ``split_reason``.
    """
    ok = lss_ok(inputs, window)
    # band populations and the national reference counts feed several joins: computed
    # once each rather than once per use
    pop = band_population(inputs.population, window, reference.bands)
    band_pop = long_bands(pop)
    register = inputs.kommuner.lazy().select("municipality", "name")
    years = _years(window)
    national = years.select(pl.lit("national").alias("ref"),
                            pl.lit(RIKET).alias("municipality"), "year")
    national_counts = member_band_counts(ok, national, reference).pipe(collect).lazy()
    ref = reference_counts(national_counts, band_pop).pipe(collect)
    pairs = register.select("municipality").join(years, how="cross").with_columns(
        pl.lit("national").alias("ref")).pipe(collect)
    exp = expected_from_reference(ref, pop, pairs, reference).lazy().drop("ref")
    categories = reference.categories
    cats = pl.LazyFrame({
        "category": [c.id for c in categories],
        "category_label": [c.label_sv for c in categories],
        "category_label_en": [c.label_en for c in categories],
        "band": [reference.band_of[c.id] for c in categories],
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
    totals = band_pop.filter(pl.col("band") == ALL_AGES).select(
        "municipality", "year", pl.col("pop").alias("population_total"))
    return (register.join(years, how="cross").join(cats, how="cross")
            .join(local, on=["municipality", "year", "category"], how="left")
            .join(totals, on=["municipality", "year"], how="left")
            .join(band_pop.rename({"pop": "population_band"}),
                  on=["municipality", "year", "band"], how="left")
            .join(exp, on=["municipality", "year", "category"], how="left")
            .join(crude_rates(ref.lazy(), "national_rate_per_10k").drop("n_members"),
                  on=["year", "category"], how="left")
            .join(national_split_problems(national_counts), on=["year", "category"],
                  how="left"))


def reasons(df: pl.LazyFrame) -> pl.LazyFrame:
    """Which rows can be assessed (``flag_reason`` empty) and the decomposition.

    The total falls back to the crude (all-ages) expectation when the national band split
    is missing, and ``reference_band`` says so; a negative split is not assessed. Adds
    ``observed``, ``flag_reason``, ``observed_assessed``/``expected_assessed`` (null where
    not assessed), ``expected_crude`` (national crude rate × total population), ``excess``,
    ``composition_effect`` and ``practice_effect``.
    """
    totalt_banded = pl.col("category") == TOTAL
    split_ok = pl.col("split_reason").is_null()
    assessed = pl.col("flag_reason") == ""
    return df.with_columns(
        pl.col("status").fill_null("missing"),
        pl.when(totalt_banded & pl.col("expected").is_null() & split_ok)
        .then(pl.col("expected_crude")).otherwise(pl.col("expected")).alias("expected"),
        pl.when(totalt_banded & (pl.col("expected").is_not_null() | ~split_ok))
        .then(pl.lit(label("band.total_split")))
        .when(totalt_banded).then(pl.lit(label("band.crude")))
        .otherwise(pl.col("band_label")).alias("reference_band"),
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
        (pl.col("national_rate_per_10k") / 1e4 * pl.col("population_total"))
        .alias("expected_crude"),
    ).with_columns(
        (pl.col("observed_assessed") - pl.col("expected_assessed")).alias("excess"),
        (pl.col("expected_assessed") - pl.when(assessed).then(pl.col("expected_crude")))
        .alias("composition_effect"),
        (pl.col("observed_assessed") - pl.col("expected_assessed")).alias("practice_effect"),
    )
