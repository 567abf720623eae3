"""Expected counts: reference age bands, band populations, pooled reference counts and E.

Indirect standardisation: E = Σ_b r_b · n_b, the reference rate
r_b = reference persons / reference population in band b times the local population of
band b. Ordinary categories have one band, the catalogue's reference age band (or an
override, see :class:`ReferenceBands`); the total (``totalt``) is standardised over
``TOTAL_BANDS`` 0–22 / 23–64 / 65+ with persons per band derived from the auxiliary Kolada
rows: 0–22 = ``totalt_0_22`` (N28891), 23–64 = ``totalt_0_64`` (N28890) − ``totalt_0_22``,
65+ = ``totalt`` − ``totalt_0_64``. Every category also has an all-ages key
(``<id>__crude``) for crude rates and the crude expectation.

The functions take and return polars LazyFrames so that the comparison table is planned
as one query (:mod:`benchmark.comparison.grid`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

import polars as pl

from benchmark.catalog import MAX_AGE, RIKET, TOTAL_BANDS, Category, with_age_bands

__all__ = [
    "ALL_AGES",
    "CRUDE_SUFFIX",
    "TOTAL",
    "ReferenceBands",
    "band_key",
    "band_population",
    "crude_rates",
    "expected_from_reference",
    "long_bands",
    "member_band_counts",
    "ordered_sum",
    "reference_bands",
    "reference_counts",
]

#: The category standardised over three bands derived from auxiliary KPIs.
TOTAL = "totalt"
#: Suffix of the all-ages key of a category (crude rates and the crude expectation).
CRUDE_SUFFIX = "__crude"


def band_key(lo: int, hi: int | None) -> str:
    """The key of an age band: ``"20-64"``, or ``"20-"`` for 20 and older.

    Examples
    --------
    >>> band_key(20, 64), band_key(65, None)
    ('20-64', '65-')
    """
    return f"{lo}-{'' if hi is None else hi}"


#: The all-ages band.
ALL_AGES = band_key(0, None)

_COMPONENT_SCHEMA = {"key": pl.String, "band": pl.String, "source": pl.String,
                     "sign": pl.Int32}


def _components(categories: Sequence[Category]) -> pl.DataFrame:
    """How each category's persons split into reference bands: (key, band, source, sign).

    ``key`` is the category id (banded) or ``<id>__crude`` (all ages, for crude rates).
    """
    rows: list[tuple[str, str, str, int]] = []
    (a_lo, a_hi), (b_lo, b_hi), (c_lo, c_hi) = TOTAL_BANDS
    for cat in categories:
        rows.append((cat.id + CRUDE_SUFFIX, ALL_AGES, cat.id, 1))
        if cat.id == TOTAL:
            rows += [
                (TOTAL, band_key(a_lo, a_hi), "totalt_0_22", 1),
                (TOTAL, band_key(b_lo, b_hi), "totalt_0_64", 1),
                (TOTAL, band_key(b_lo, b_hi), "totalt_0_22", -1),
                (TOTAL, band_key(c_lo, c_hi), "totalt", 1),
                (TOTAL, band_key(c_lo, c_hi), "totalt_0_64", -1),
            ]
        else:
            rows.append((cat.id, band_key(cat.age_min, cat.age_max), cat.id, 1))
    return pl.DataFrame(rows, schema=_COMPONENT_SCHEMA, orient="row")


@dataclass(frozen=True, eq=False)
class ReferenceBands:
    """The categories with the reference age bands in use, and what the engine needs.

    Attributes
    ----------
    categories
        The catalogue with any band overrides applied.
    components
        (key, band, source, sign): how each key's persons are built from LSS rows.
    counts
        (key, n_components, n_bands): what a complete member has per key.
    bands
        Band key → (lo, hi) for every band used (all ages first).
    """

    categories: tuple[Category, ...]
    components: pl.DataFrame
    counts: pl.DataFrame
    bands: dict[str, tuple[int, int | None]]

    @classmethod
    def of(cls, categories: tuple[Category, ...]) -> ReferenceBands:
        """The reference bands of ``categories``."""
        components = _components(categories)
        counts = components.group_by("key").agg(
            pl.len().alias("n_components"), pl.col("band").n_unique().alias("n_bands"))
        bands = {band_key(lo, hi): (lo, hi) for lo, hi in
                 [(0, None), *TOTAL_BANDS, *((c.age_min, c.age_max) for c in categories)]}
        return cls(categories, components, counts, bands)

    @property
    def band_of(self) -> dict[str, str]:
        """Category id → its band key in the grid (all ages for the total)."""
        return {c.id: ALL_AGES if c.id == TOTAL else band_key(c.age_min, c.age_max)
                for c in self.categories}


@cache
def _reference(categories: tuple[Category, ...]) -> ReferenceBands:
    return ReferenceBands.of(categories)


def reference_bands(age_bands: Mapping[str, tuple[int, int | None]] | None = None
                    ) -> ReferenceBands:
    """The reference bands with ``age_bands`` overrides (id → (lo, hi), hi None = open).

    Parameters
    ----------
    age_bands
        Overrides of catalogue reference bands (not ``totalt``), e.g.
        ``{"daglig_verksamhet": (18, 64)}``; ``None`` or empty: the catalogue.

    Returns
    -------
    ReferenceBands
        Built once per distinct set of bands and reused.

    Raises
    ------
    InputError
        For invalid overrides (see :func:`benchmark.catalog.with_age_bands`).

    Examples
    --------
    >>> reference_bands({"daglig_verksamhet": (18, 64)}).band_of["daglig_verksamhet"]
    '18-64'
    """
    return _reference(with_age_bands(age_bands))


def band_population(population: pl.DataFrame, years: Iterable[int],
                    bands: Mapping[str, tuple[int, int | None]]) -> pl.DataFrame:
    """Population per reference band: one row per municipality and year, one column per band.

    Riket ("0000") is the SCB national row when present, otherwise the sum of
    municipalities. A band population is null (never a partial sum) when any of its
    population cells is null or the band lacks age × sex rows (fewer than 2 × its ages,
    ages 0..100 with 100 = 100+); the summed Riket band is null when any municipality's
    is.

    Parameters
    ----------
    population
        The processed population table (municipality, year, sex, age, population).
    years
        The years wanted.
    bands
        Band key → (lo, hi), e.g. :attr:`ReferenceBands.bands`.

    Returns
    -------
    polars.DataFrame
        (municipality, year, one Int64 column per band key); :func:`long_bands` gives
        the long form.
    """
    # sum once per segment between consecutive band edges, then each band over its
    # segments (far cheaper than one filtered sum per band); the last segment holds ages
    # above 100, which make an open band incomplete, as they would add rows
    edges = sorted(({lo for lo, _ in bands.values()}
                    | {hi + 1 for _, hi in bands.values() if hi is not None}
                    | {MAX_AGE + 1}) - {0})
    starts = [0, *edges]
    segment = pl.lit(0, dtype=pl.Int8)
    for edge in edges:
        segment = segment + (pl.col("age") >= edge).cast(pl.Int8)
    per_segment = (population.lazy()
                   .filter(pl.col("year").is_in(list(years)) & (pl.col("age") >= 0))
                   .group_by("municipality", "year", segment.alias("segment"))
                   .agg(pl.col("population").sum().alias("sum"), pl.len().alias("rows"),
                        pl.col("population").null_count().alias("nulls")))
    aggs = []
    for key, (lo, hi) in bands.items():
        inside = pl.col("segment").is_in(
            [k for k, start in enumerate(starts) if start >= lo
             and (hi is None or (k + 1 < len(starts) and starts[k + 1] <= hi + 1))])
        n_cells = 2 * ((MAX_AGE if hi is None else min(hi, MAX_AGE)) - lo + 1)
        complete = ((pl.when(inside).then(pl.col("rows")).sum() == n_cells)
                    & (pl.when(inside).then(pl.col("nulls")).sum() == 0))
        aggs.append(pl.when(complete).then(pl.when(inside).then(pl.col("sum")).sum())
                    .cast(pl.Int64).alias(key))
    # the one step over the full population rows: polars' streaming engine is faster here
    wide = per_segment.group_by("municipality", "year").agg(aggs).collect(engine="streaming")
    have = wide.filter(pl.col("municipality") == RIKET).select("year")
    summed = (wide.filter(pl.col("municipality") != RIKET).group_by("year").agg(
        pl.when(pl.col(c).null_count() == 0).then(pl.col(c).sum()).alias(c) for c in bands)
        .join(have, on="year", how="anti")
        .select(pl.lit(RIKET).alias("municipality"), "year", *bands))
    return pl.concat([wide, summed])


def long_bands(wide: pl.DataFrame) -> pl.LazyFrame:
    """The long form (municipality, year, band, pop) of :func:`band_population`."""
    return wide.lazy().unpivot(index=["municipality", "year"], variable_name="band",
                               value_name="pop")


def member_band_counts(lss_ok: pl.LazyFrame, members: pl.LazyFrame,
                       reference: ReferenceBands) -> pl.LazyFrame:
    """Persons per reference band for each member of each reference set.

    A member enters a key only when every component row it needs has status ok. Derived
    bands of the total (23–64 = N28890 − N28891, 65+ = N28892 − N28890) can come out
    negative when the KPIs disagree (e.g. on råd och stöd).

    Parameters
    ----------
    lss_ok
        LSS rows with status ok and a count (municipality, year, category, count).
    members
        (ref, municipality, year): the members of each reference set.
    reference
        The reference bands in use.

    Returns
    -------
    polars.LazyFrame
        (ref, municipality, year, key, band, count).
    """
    comp = (members.join(lss_ok.rename({"category": "source"}),
                         on=["municipality", "year"], how="inner")
            .join(reference.components.lazy(), on="source", how="inner"))
    complete = (comp.group_by("ref", "municipality", "year", "key")
                .agg(pl.len().alias("n"))
                .join(reference.counts.lazy(), on="key")
                .filter(pl.col("n") == pl.col("n_components"))
                .select("ref", "municipality", "year", "key"))
    return (comp.join(complete, on=["ref", "municipality", "year", "key"])
            .group_by("ref", "municipality", "year", "key", "band")
            .agg((pl.col("count") * pl.col("sign")).sum().alias("count")))


def reference_counts(member_counts: pl.LazyFrame, band_pop: pl.LazyFrame) -> pl.LazyFrame:
    """Pooled persons and population per reference band for reference sets.

    A member enters a key only when every component row it needs has status ok (see
    :func:`member_band_counts`), no derived band count of the key is negative and its band
    populations exist.

    Parameters
    ----------
    member_counts
        Persons per band of each member (:func:`member_band_counts`; "national" = Riket,
        or a peer group).
    band_pop
        Band populations, long (:func:`long_bands`).

    Returns
    -------
    polars.LazyFrame
        (ref, year, key, band, ref_count, ref_pop, n_members).
    """
    unit = ["ref", "municipality", "year", "key"]
    per_member = member_counts.join(band_pop, on=["municipality", "year", "band"],
                                    how="inner")
    # a member whose population is unknown in any band of a key, or whose derived band
    # count is negative (inconsistent KPIs), does not enter that key
    per_member = per_member.filter(
        (pl.col("pop").is_not_null() & (pl.col("count") >= 0)).all().over(unit))
    return (per_member.group_by("ref", "year", "key", "band")
            .agg(pl.col("count").sum().alias("ref_count"),
                 pl.col("pop").sum().alias("ref_pop"),
                 pl.col("municipality").n_unique().alias("n_members")))


def ordered_sum(terms: Sequence[Any]) -> Any:
    """Σ ``terms`` in the order given, with Kahan compensation; null (NaN) if any is.

    Expected counts sum floats over bands (and pooled ones over years): a fixed order
    and a compensated sum make the result independent of how the rows happen to be
    arranged, so reruns give identical numbers. ``terms`` are polars expressions or
    numpy arrays (the same arithmetic either way).

    Examples
    --------
    >>> import numpy as np
    >>> float(ordered_sum([np.array(0.1), np.array(0.2), np.array(0.3)])), 0.1 + 0.2 + 0.3
    (0.6, 0.6000000000000001)
    """
    total, comp = terms[0], 0.0
    for term in terms[1:]:
        y = term - comp
        t = total + y
        comp = (t - total) - y
        total = t
    return total


def expected_from_reference(ref: pl.DataFrame, pop: pl.DataFrame, pairs: pl.DataFrame,
                            reference: ReferenceBands) -> pl.DataFrame:
    """E = Σ_b (ref_count_b / ref_pop_b) · n_b for (ref, municipality, year) pairs.

    Both per category: over its reference bands (``expected``) and over all ages
    (``expected_crude``). The sum runs over the bands in band-key order
    (:func:`ordered_sum`). E is missing when a band has no reference rate or the local
    band population is unknown. ``reference`` must be the bands ``ref`` was pooled with.

    Parameters
    ----------
    ref
        Pooled reference counts (:func:`reference_counts`).
    pop
        Band populations, wide (:func:`band_population`).
    pairs
        (ref, municipality, year): whose E against which reference set.
    reference
        The reference bands in use.

    Returns
    -------
    polars.DataFrame
        (ref, municipality, year, category, expected, expected_crude) for each pair and
        each category whose all-ages figure the reference set has in that year.
    """
    rates = ref.select(
        "ref", "year", pl.format("{}|{}", "key", "band").alias("column"),
        pl.when(pl.col("ref_pop") > 0).then(pl.col("ref_count") / pl.col("ref_pop"))
        .alias("rate"))
    wide_rates = rates.pivot(on="column", index=["ref", "year"], values="rate")
    bands_of = (reference.components.select("key", "band").unique()
                .sort("key", "band").group_by("key", maintain_order=True).agg("band"))
    exprs = []
    for key, bands in bands_of.iter_rows():
        cols = [f"{key}|{b}" for b in bands]
        if not all(c in wide_rates.columns for c in cols):
            exprs.append(pl.lit(None, dtype=pl.Float64).alias(key))
            continue
        exprs.append(ordered_sum([pl.col(c) * pl.col(b) for c, b in zip(cols, bands,
                                                                        strict=True)])
                     .cast(pl.Float64).alias(key))
    index = ["ref", "municipality", "year"]
    wide = (pairs.join(wide_rates, on=["ref", "year"], how="inner")
            .join(pop, on=["municipality", "year"], how="left")
            .select(*index, *exprs))
    # two unpivots over the categories in the same order: their rows line up
    ids = [c.id for c in reference.categories]
    banded = wide.select(*index, *ids).unpivot(index=index, variable_name="category",
                                               value_name="expected")
    crude = wide.select(*(pl.col(i + CRUDE_SUFFIX).alias(i) for i in ids)).unpivot(
        value_name="expected_crude")
    # a category counts where the reference set has its all-ages figure that year
    present = ref.filter(pl.col("key").str.ends_with(CRUDE_SUFFIX)).select(
        "ref", "year", pl.col("key").str.strip_suffix(CRUDE_SUFFIX).alias("category"))
    return banded.with_columns(crude["expected_crude"]).join(
        present, on=["ref", "year", "category"], how="semi")


def crude_rates(ref: pl.LazyFrame, name: str) -> pl.LazyFrame:
    """All-ages rate per 10 000 of a reference set per year and category.

    Returns
    -------
    polars.LazyFrame
        (year, category, ``name``, n_members): the rate and how many members it pools.
    """
    return (ref.filter(pl.col("key").str.ends_with(CRUDE_SUFFIX))
            .select("year", pl.col("key").str.strip_suffix(CRUDE_SUFFIX).alias("category"),
                    (pl.col("ref_count") / pl.col("ref_pop") * 1e4).alias(name),
                    "n_members"))
