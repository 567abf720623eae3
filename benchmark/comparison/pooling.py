"""Band populations, pooled reference counts and E: the engine of the expected counts.

Given the bands of :mod:`benchmark.comparison.bands` (:class:`BandSpec`, unweighted or
weighted by the national age × sex shape), :func:`band_population` sums each band's
population per municipality and year, :func:`member_band_counts` and
:func:`reference_counts` pool a reference's persons and population per band (Riket, the
rest of Sweden, a peer group), and :func:`expected_from_reference` gives E = Σ_b r_b · W_b
for every municipality. :func:`crude_rates` are the all-ages rates; :func:`ordered_sum`
adds floats in a fixed order so reruns agree to the last digit.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import polars as pl

from benchmark.catalog import MAX_AGE, RIKET
from benchmark.comparison import profile
from benchmark.comparison.bands import (
    CRUDE_SUFFIX,
    POOLED_SEX,
    SLOTS,
    TOTAL,
    BandSpec,
    ReferenceBands,
)

__all__ = [
    "band_population",
    "crude_rates",
    "expected_from_reference",
    "long_bands",
    "member_band_counts",
    "ordered_sum",
    "reference_counts",
]

_SEX_CODES = {"K": 0, "M": 1}


def band_population(population: pl.DataFrame, years: Iterable[int],
                    bands: Mapping[str, BandSpec]) -> pl.DataFrame:
    """(Weighted) population per band: one row per municipality and year, one column per band.

    An unweighted band is the plain sum of its population cells (Int64); a weighted band
    Σ s · P over its age × sex cells (Float64), with s the shape of the band's category
    (:func:`benchmark.comparison.profile.shape`). Riket ("0000") is the SCB national row
    when present, otherwise the sum of municipalities. A band is null (never a partial sum)
    when any of its population cells is null or the band lacks age × sex rows (fewer than
    one row per age and sex counted, ages 0..100 with 100 = 100+, or rows above 100 in an
    open band); the summed Riket band is null when any municipality's is.

    Parameters
    ----------
    population
        The processed population table (municipality, year, sex, age, population).
    years
        The years wanted.
    bands
        Band name → :class:`BandSpec`, e.g. :attr:`ReferenceBands.bands`.

    Returns
    -------
    polars.DataFrame
        (municipality, year, one column per band); :func:`long_bands` gives the long form.
    """
    specs = dict(bands)
    weighted = any(b.weighted for b in specs.values())
    # sum once per segment between consecutive band (and shape) edges and per sex, then
    # each band over its segments; the last segment holds ages above 100, which make an
    # open band incomplete, as they would add rows
    edges = sorted(({b.lo for b in specs.values()}
                    | {b.hi + 1 for b in specs.values() if b.hi is not None}
                    | (set(profile.SHAPE_EDGES) if weighted else set())
                    | {MAX_AGE + 1}) - {0})
    starts = [0, *edges]
    by_sex = weighted or any(b.sex for b in specs.values())
    total, rows, nulls, pairs = (_segment_sums(population, years, edges) if by_sex
                                 else _segment_sums_pooled(population, years, edges))
    n = pairs.height
    is_riket = (pairs["municipality"] == RIKET).to_numpy()
    pair_years = pairs["year"].to_numpy()
    # Riket summed from the municipalities in the years without SCB's national row
    summed_years = sorted(set(pair_years.tolist()) - set(pair_years[is_riket].tolist()))
    groups = [(pair_years == y) & ~is_riket for y in summed_years]
    # running sums over the segments, per sex selection and weighting: a band (a run of
    # consecutive segments) is then the difference of two entries
    def running(x: np.ndarray) -> np.ndarray:
        return np.concatenate([np.zeros((n, 1), dtype=x.dtype), np.cumsum(x, axis=1)], axis=1)

    seg_start = np.array(starts)
    at_age = np.minimum(seg_start, MAX_AGE)
    beyond = seg_start > MAX_AGE
    cum: dict[tuple[str | None, str | None], tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
    by_sex: dict[str | None, np.ndarray] = {}

    def weighted_by_sex(shape_id: str | None) -> np.ndarray:
        """(pairs, segments, 3): the sums per sex, weighted by the shape (other sex: 0)."""
        if shape_id not in by_sex:
            if shape_id is None:
                by_sex[None] = total
            else:
                s = profile.shape(shape_id)
                w = np.stack([s[0, at_age], s[1, at_age], np.zeros(len(starts))], axis=1)
                w[beyond] = 0.0
                by_sex[shape_id] = total * w[None, :, :]
        return by_sex[shape_id]

    def sums(b: BandSpec) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        key = (b.shape, b.sex)
        if key not in cum:
            pick = slice(_SEX_CODES[b.sex], _SEX_CODES[b.sex] + 1) if b.sex else slice(None)
            cum[key] = (running(weighted_by_sex(b.shape)[:, :, pick].sum(axis=2)),
                        running(rows[:, :, pick].sum(axis=2)),
                        running(nulls[:, :, pick].sum(axis=2)))
        return cum[key]

    values: dict[str, np.ndarray] = {}
    masks: dict[str, np.ndarray] = {}
    for name, b in specs.items():
        inside = [k for k, start in enumerate(starts) if start >= b.lo
                  and (b.hi is None or (k + 1 < len(starts) and starts[k + 1] <= b.hi + 1))]
        first, last = inside[0], inside[-1] + 1  # a run of consecutive segments
        n_cells = (1 if b.sex else 2) * (
            (MAX_AGE if b.hi is None else min(b.hi, MAX_AGE)) - b.lo + 1)
        v_cum, r_cum, n_cum = sums(b)
        value = v_cum[:, last] - v_cum[:, first]
        complete = ((r_cum[:, last] - r_cum[:, first] == n_cells)
                    & (n_cum[:, last] == n_cum[:, first]))
        values[name] = np.concatenate([value, np.array([value[g].sum() for g in groups],
                                                       dtype=value.dtype)])
        masks[name] = np.concatenate([complete, np.array([complete[g].all() for g in groups],
                                                         dtype=bool)])
    wide = pl.DataFrame({
        "municipality": [*pairs["municipality"].to_list(), *([RIKET] * len(summed_years))],
        "year": pl.Series([*pair_years.tolist(), *summed_years], dtype=pl.Int32),
        **{name: pl.Series(v, dtype=pl.Float64 if specs[name].weighted else pl.Int64)
           for name, v in values.items()},
        **{f"ok:{name}": m for name, m in masks.items()}})
    return wide.select("municipality", "year", *(
        pl.when(pl.col(f"ok:{name}")).then(pl.col(name)).alias(name) for name in specs))


def _segment_sums(population: pl.DataFrame, years: Iterable[int], edges: Sequence[int]
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray, pl.DataFrame]:
    """Population sum, row count and null count per (municipality, year) pair × age
    segment × sex (K, M, other), and the pairs (sorted by municipality and year).

    Segment k holds the ages from ``([0, *edges])[k]`` up to the next edge; counted with
    ``numpy.bincount`` over one flat index (the one pass over the full population rows).
    """
    cols = ["municipality", "year", "age", "population"]
    d = (population.lazy().filter(pl.col("year").is_in(list(years)) & (pl.col("age") >= 0))
         .select(*cols, (pl.col("sex") == "K").alias("k") if "sex" in population.columns
                 else pl.lit(False).alias("k"),
                 (pl.col("sex") == "M").alias("m") if "sex" in population.columns
                 else pl.lit(False).alias("m"))
         .collect(engine="in-memory"))
    munis = d["municipality"].unique().sort()
    year_list = sorted(d["year"].unique().to_list())
    numeric = munis.cast(pl.Int64, strict=False)
    if numeric.null_count() == 0 and numeric.is_sorted() and numeric.n_unique() == len(munis):
        # kommunkoder are digits: a lookup table from the number is the cheap way
        lut = np.zeros(int(numeric.max() or 0) + 1, dtype=np.int64)
        lut[numeric.to_numpy()] = np.arange(len(munis))
        code = lut[d["municipality"].cast(pl.Int64).to_numpy()]
    else:
        code = d["municipality"].replace_strict(munis, pl.Series(np.arange(len(munis))),
                                                return_dtype=pl.Int64).to_numpy()
    year_idx = np.searchsorted(np.array(year_list), d["year"].to_numpy())
    age = d["age"].to_numpy().astype(np.int64)
    seg_of_age = np.searchsorted(np.array(edges), np.arange(MAX_AGE + 2), side="right")
    seg = seg_of_age[np.minimum(age, MAX_AGE + 1)]
    sex = np.where(d["k"].fill_null(False).to_numpy(), 0,
                   np.where(d["m"].fill_null(False).to_numpy(), 1, 2))
    n_seg = len(edges) + 1
    shape = (len(munis) * len(year_list), n_seg, 3)
    flat = ((code * len(year_list) + year_idx) * n_seg + seg) * 3 + sex
    values = d["population"].to_numpy().astype(float)
    missing = np.isnan(values)
    size = shape[0] * n_seg * 3
    total = np.rint(np.bincount(flat, weights=np.where(missing, 0.0, values),
                                minlength=size)).astype(np.int64).reshape(shape)
    rows = np.bincount(flat, minlength=size).reshape(shape)
    nulls = np.bincount(flat, weights=missing, minlength=size).astype(np.int64).reshape(shape)
    present = rows.sum(axis=(1, 2)) > 0
    grid_m = np.repeat(np.arange(len(munis)), len(year_list))
    grid_y = np.tile(np.array(year_list), len(munis))
    pairs = pl.DataFrame({"municipality": munis.gather(grid_m[present]),
                          "year": pl.Series(grid_y[present], dtype=pl.Int32)})
    return total[present], rows[present], nulls[present], pairs


def _segment_sums_pooled(population: pl.DataFrame, years: Iterable[int], edges: Sequence[int]
                         ) -> tuple[np.ndarray, np.ndarray, np.ndarray, pl.DataFrame]:
    """:func:`_segment_sums` without the split by sex (every row in the third sex slot),
    for bands that neither weight nor pick a sex (the band model): one polars group-by over
    the population rows, about three times faster than the split."""
    segment = pl.lit(0, dtype=pl.Int8)
    for edge in edges:
        segment = segment + (pl.col("age") >= edge).cast(pl.Int8)
    g = (population.lazy().filter(pl.col("year").is_in(list(years)) & (pl.col("age") >= 0))
         .group_by("municipality", "year", segment.alias("segment"))
         .agg(pl.col("population").sum().alias("sum"), pl.len().alias("rows"),
              pl.col("population").null_count().alias("nulls"))
         .collect(engine="streaming"))
    pairs = (g.select("municipality", pl.col("year").cast(pl.Int32)).unique()
             .sort("municipality", "year"))
    at = g.join(pairs.with_row_index("pair"), on=["municipality", "year"])
    n_seg = len(edges) + 1
    flat = (at["pair"].to_numpy().astype(np.int64) * n_seg
            + at["segment"].to_numpy().astype(np.int64)) * 3 + 2
    out = []
    for col in ("sum", "rows", "nulls"):
        cells = np.zeros(pairs.height * n_seg * 3, dtype=np.int64)
        cells[flat] = at[col].to_numpy()
        out.append(cells.reshape(pairs.height, n_seg, 3))
    return out[0], out[1], out[2], pairs


def long_bands(wide: pl.DataFrame) -> pl.LazyFrame:
    """The long form (municipality, year, band, pop) of :func:`band_population` (pop as
    Float64: weighted and plain bands side by side; plain sums stay exact integers)."""
    cols = [c for c in wide.columns if c not in ("municipality", "year")]
    return (wide.lazy().with_columns(pl.col(cols).cast(pl.Float64))
            .unpivot(index=["municipality", "year"], variable_name="band", value_name="pop"))


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


def _columns_of(reference: ReferenceBands) -> dict[str, dict[str, str | None]]:
    """Output column → category id → the key that fills it (None: stays null)."""
    ids = [c.id for c in reference.categories]
    out: dict[str, dict[str, str | None]] = {
        "expected": {i: i for i in ids},
        "expected_crude": {i: i + CRUDE_SUFFIX for i in ids},
    }
    if reference.age_model == "profile" and TOTAL in ids:
        out["expected_pooled_sex"] = {i: POOLED_SEX if i == TOTAL else None for i in ids}
    if reference.alternatives:
        for slot in SLOTS:
            out[f"alt_{slot}"] = {i: reference.alternatives.get((i, slot), (None,))[0]
                                  for i in ids}
    return out


def expected_from_reference(ref: pl.DataFrame, pop: pl.DataFrame, pairs: pl.DataFrame,
                            reference: ReferenceBands, *, variance: bool = False
                            ) -> pl.DataFrame:
    """E = Σ_b (ref_count_b / ref_pop_b) · W_b for (ref, municipality, year) pairs.

    Per category: over its reference bands (``expected``), over all ages
    (``expected_crude``), the total pooled over sex (``expected_pooled_sex``, profile
    model) and each robustness alternative (``alt_<slot>``, :data:`SLOTS`) when the bands
    have them. The sum runs over the bands in band-name order (:func:`ordered_sum`). E is
    missing when a band has no reference rate or the local band population is unknown.
    ``reference`` must be the bands ``ref`` was pooled with.

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
    variance
        Also give ``expected_var`` = Σ_b ref_count_b / ref_pop_b² · W_b², the Poisson
        variance of ``expected`` from the reference counts (used for peer groups).

    Returns
    -------
    polars.DataFrame
        (ref, municipality, year, category, expected, expected_crude, …) for each pair and
        each category whose all-ages figure the reference set has in that year.
    """
    rates = ref.select(
        "ref", "year", pl.format("{}|{}", "key", "band").alias("column"),
        pl.when(pl.col("ref_pop") > 0).then(pl.col("ref_count") / pl.col("ref_pop"))
        .alias("rate"),
        *([pl.when(pl.col("ref_pop") > 0).then(pl.col("ref_count") / pl.col("ref_pop") ** 2)
           .alias("var")] if variance else []))
    wide_rates = rates.pivot(on="column", index=["ref", "year"], values="rate")
    if variance:
        wide_rates = wide_rates.join(
            rates.select("ref", "year", pl.format("var|{}", "column").alias("column"), "var")
            .pivot(on="column", index=["ref", "year"], values="var"),
            on=["ref", "year"], how="left")
    bands_of = (reference.components.select("key", "band").unique()
                .sort("key", "band").group_by("key", maintain_order=True).agg("band"))
    bands_of = dict(bands_of.iter_rows())
    columns = _columns_of(reference)
    needed = {k for col in columns.values() for k in col.values() if k is not None}

    def expression(key: str, fmt: str, square: bool) -> pl.Expr:
        cols = [fmt.format(key=key, band=b) for b in bands_of[key]]
        if not all(c in wide_rates.columns for c in cols):
            return pl.lit(None, dtype=pl.Float64)
        return ordered_sum([pl.col(c) * (pl.col(b) ** 2 if square else pl.col(b))
                            for c, b in zip(cols, bands_of[key], strict=True)]
                           ).cast(pl.Float64)

    exprs = [expression(k, "{key}|{band}", False).alias(k) for k in sorted(needed)]
    if variance:
        exprs += [expression(i, "var|{key}|{band}", True).alias(f"var:{i}")
                  for i in columns["expected"]]
    index = ["ref", "municipality", "year"]
    wide = (pairs.join(wide_rates, on=["ref", "year"], how="inner")
            .join(pop, on=["municipality", "year"], how="left")
            .select(*index, *exprs))
    # unpivots over the categories in the same order: their rows line up
    ids = [c.id for c in reference.categories]
    if variance:
        columns["expected_var"] = {i: f"var:{i}" for i in ids}
    first, *rest = columns.items()
    out = _unpivot(wide, index, first[0], first[1], ids, with_index=True)
    out = out.with_columns(_unpivot(wide, index, name, keys, ids)[name]
                           for name, keys in rest)
    # a category counts where the reference set has its all-ages figure that year
    present = ref.filter(pl.col("key").str.ends_with(CRUDE_SUFFIX)).select(
        "ref", "year", pl.col("key").str.strip_suffix(CRUDE_SUFFIX).alias("category"))
    return out.join(present, on=["ref", "year", "category"], how="semi")


def _unpivot(wide: pl.DataFrame, index: list[str], name: str, keys: Mapping[str, str | None],
             ids: Sequence[str], *, with_index: bool = False) -> pl.DataFrame:
    """One output column of :func:`expected_from_reference` in long form (categories in
    ``ids`` order; the index columns only when ``with_index``)."""
    cols = [(pl.col(keys[i]) if keys.get(i) else pl.lit(None, dtype=pl.Float64)).alias(i)
            for i in ids]
    if with_index:
        return wide.select(*index, *cols).unpivot(index=index, variable_name="category",
                                                  value_name=name)
    return wide.select(*cols).unpivot(value_name=name)


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
