"""The expected-count step: E for every municipality × year × category, from (inputs, method).

:func:`expected_counts` is the one place where the national reference becomes an
expectation. It returns, per municipality × year × category, the populations, the national
crude rate, E under the method's age model (``expected``), the crude expectation, the E of
each robustness alternative (``alt_<slot>``) and which reference was used (``reference``:
``riket`` or ``riket_utom_kommunen``). Everything after it (flags, intervals, persistence)
only reads these columns, so a further adjustment of E (e.g. for need) can be layered on
this function's output.

The reference (``Method.reference``):

* ``riket``: the whole country, the municipality included;
* ``riket_utom_kommunen``: the rest of the country, E = Σ_b (X_b − x_m,b) / (W_Riket,b −
  W_m,b) · W_m,b, with x_m,b the municipality's own persons in band b;
* ``auto``: the rest of the country where the municipality holds more than
  ``reference_share`` of the population of any of the category's reference bands (the
  largest municipality holds about a tenth), else the whole country.

Where the rest-of-country figure cannot be formed (the municipality's own count is
suppressed, or its own split of the total is missing) the row uses Riket, and says so.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from benchmark.catalog import RIKET, TOTAL_BANDS
from benchmark.comparison.bands import ALL_AGES, SLOTS, TOTAL, ReferenceBands, band_key
from benchmark.comparison.frames import collect
from benchmark.comparison.inputs import Inputs
from benchmark.comparison.labels import reason
from benchmark.comparison.method import Method
from benchmark.comparison.pooling import (
    band_population,
    crude_rates,
    expected_from_reference,
    long_bands,
    member_band_counts,
    reference_counts,
)

__all__ = ["EXPECTED_COLUMNS", "alternative_columns", "expected_counts", "lss_ok",
           "national_split_problems"]

#: What :func:`expected_counts` returns besides the keys (municipality, year, category).
EXPECTED_COLUMNS = ("population_total", "population_band", "share_of_riket", "expected",
                    "expected_crude", "national_rate_per_10k", "reference", "split_reason")


def alternative_columns(reference: ReferenceBands) -> list[str]:
    """The ``alt_<slot>`` columns of :func:`expected_counts` for these bands (none without
    alternatives)."""
    return [f"alt_{slot}" for slot in SLOTS] if reference.alternatives else []


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
    per band (:func:`~benchmark.comparison.pooling.member_band_counts`). Returns (year,
    category, split_reason).
    """
    return (national_counts
            .filter((pl.col("key") == TOTAL) & (pl.col("count") < 0))
            .with_columns(pl.col("band").str.replace(r"^[^:]*:", "")
                          .str.replace(r"/[KM]$", ""))
            .group_by("year").agg(pl.col("band").unique().sort().str.replace(r"-$", "+")
                                  .str.join(", ").alias("bad"))
            .select("year", pl.lit(TOTAL).alias("category"),
                    pl.format(reason("split", bands="{}"),
                              pl.col("bad").str.replace_all("-", "–")).alias("split_reason")))


def _shares(pop: pl.DataFrame, reference: ReferenceBands) -> pl.DataFrame:
    """(municipality, year, category, share_of_riket): the largest share the municipality
    holds of Riket's population in any of the category's reference bands."""
    bands_of = {c.id: ([band_key(lo, hi) for lo, hi in TOTAL_BANDS] if c.id == TOTAL
                       else [band_key(c.age_min, c.age_max)]) for c in reference.categories}
    used = sorted({b for bs in bands_of.values() for b in bs})
    riket = pop.filter(pl.col("municipality") == RIKET).select(
        "year", *(pl.col(b).alias(f"riket:{b}") for b in used))
    share = {b: pl.col(b) / pl.col(f"riket:{b}") for b in used}
    return (pop.filter(pl.col("municipality") != RIKET).select("municipality", "year", *used)
            .join(riket, on="year", how="left")
            .select("municipality", "year",
                    *(pl.max_horizontal(*(share[b] for b in bs)).alias(cid)
                      for cid, bs in bands_of.items()))
            .unpivot(index=["municipality", "year"], variable_name="category",
                     value_name="share_of_riket"))


def _rest_of_country(national: pl.DataFrame, own_counts: pl.LazyFrame,
                     band_pop: pl.LazyFrame) -> pl.DataFrame:
    """Reference counts of the rest of the country for each municipality in
    ``own_counts``: Riket's persons and population per band minus the municipality's own
    (ref = the municipality's code). A key is left out where the municipality's own figure
    is incomplete, or the difference would be negative."""
    own = (own_counts.join(band_pop, on=["municipality", "year", "band"], how="inner")
           .filter((pl.col("pop").is_not_null() & (pl.col("count") >= 0))
                   .all().over("municipality", "year", "key")))
    return (own.join(national.lazy().drop("ref", "n_members"), on=["year", "key", "band"],
                     how="inner")
            .select(pl.col("municipality").alias("ref"), "year", "key", "band",
                    (pl.col("ref_count") - pl.col("count")).alias("ref_count"),
                    (pl.col("ref_pop") - pl.col("pop")).alias("ref_pop"),
                    pl.lit(1, dtype=pl.UInt32).alias("n_members"))
            .filter(((pl.col("ref_count") >= 0) & (pl.col("ref_pop") > 0))
                    .all().over("ref", "year", "key"))
            .pipe(collect))


def expected_counts(inputs: Inputs, years: Sequence[int], method: Method) -> pl.DataFrame:
    """E and what it is built from, for every municipality × year in ``years`` × category.

    Parameters
    ----------
    inputs
        The loaded tables.
    years
        The years to compute.
    method
        The age model, reference bands, reference and alternatives.

    Returns
    -------
    polars.DataFrame
        (municipality, year, category) and :data:`EXPECTED_COLUMNS`, the ``alt_<slot>``
        columns (:func:`alternative_columns`) and, with the profile model,
        ``expected_pooled_sex`` (the total pooled over sex in 0–22, used where the
        reference lacks the split). Rows exist for every register municipality × year ×
        category; E is null where it cannot be formed.
    """
    reference = method.bands
    ok = lss_ok(inputs, years)
    # band populations and the national reference counts feed several joins: computed
    # once each rather than once per use
    pop = band_population(inputs.population, years, reference.bands)
    band_pop = long_bands(pop)
    register = inputs.kommuner.lazy().select("municipality")
    year_frame = pl.LazyFrame({"year": list(years)}, schema={"year": pl.Int32})
    national = year_frame.select(pl.lit("national").alias("ref"),
                                 pl.lit(RIKET).alias("municipality"), "year")
    national_counts = member_band_counts(ok, national, reference).pipe(collect).lazy()
    ref = reference_counts(national_counts, band_pop).pipe(collect)
    pairs = register.join(year_frame, how="cross").with_columns(
        pl.lit("national").alias("ref")).pipe(collect)
    exp = expected_from_reference(ref, pop, pairs, reference).drop("ref")
    shares = _shares(pop, reference)
    use_rest = {"riket": pl.lit(False),
                "riket_utom_kommunen": pl.lit(True),
                "auto": pl.col("share_of_riket") > method.reference_share}[method.reference]
    rest_pairs = (shares.filter(use_rest).select("municipality", "year").unique()
                  if method.reference != "riket" else shares.clear().select(
                      "municipality", "year"))
    values = [c for c in exp.columns if c not in ("municipality", "year", "category")]
    if rest_pairs.height:
        members = rest_pairs.lazy().select(pl.col("municipality").alias("ref"),
                                           "municipality", "year")
        own = member_band_counts(ok, members, reference).drop("ref")
        rest_ref = _rest_of_country(ref, own, band_pop)
        rest = expected_from_reference(
            rest_ref, pop, rest_pairs.select(pl.col("municipality").alias("ref"),
                                             "municipality", "year"), reference).drop("ref")
        exp = (exp.join(rest, on=["municipality", "year", "category"], how="left",
                        suffix=":rest")
               .join(shares, on=["municipality", "year", "category"], how="left"))
        banded = [f"{c}:rest" for c in ("expected", "expected_pooled_sex") if c in values]
        chosen = use_rest & pl.coalesce(*banded).is_not_null()
        exp = exp.select(
            "municipality", "year", "category",
            *(pl.when(chosen).then(pl.col(f"{c}:rest")).otherwise(pl.col(c)).alias(c)
              for c in values),
            pl.when(chosen).then(pl.lit("riket_utom_kommunen")).otherwise(pl.lit("riket"))
            .alias("reference"))
    else:
        exp = exp.with_columns(pl.lit("riket").alias("reference"))
    totals = band_pop.filter(pl.col("band") == ALL_AGES).select(
        "municipality", "year", pl.col("pop").cast(pl.Int64).alias("population_total"))
    cats = pl.LazyFrame({"category": [c.id for c in reference.categories],
                         "band": [reference.band_of[c.id] for c in reference.categories]})
    return (register.join(year_frame, how="cross").join(cats, how="cross")
            .join(totals, on=["municipality", "year"], how="left")
            .join(band_pop.select("municipality", "year", "band",
                                  pl.col("pop").cast(pl.Int64).alias("population_band")),
                  on=["municipality", "year", "band"], how="left")
            .join(shares.lazy(), on=["municipality", "year", "category"], how="left")
            .join(exp.lazy(), on=["municipality", "year", "category"], how="left")
            .join(crude_rates(ref.lazy(), "national_rate_per_10k").drop("n_members"),
                  on=["year", "category"], how="left")
            .join(national_split_problems(national_counts), on=["year", "category"],
                  how="left")
            .with_columns(pl.col("reference").fill_null("riket"))
            .drop("band")
            .pipe(collect))
