"""Screening table: every municipality × LSS category for one year (contracts §C).

This module holds the one vectorised engine behind both :func:`screen` (all 290
municipalities) and :func:`benchmark.compare.compare` (one municipality, plus peers): the
overdispersion φ/τ², the empirical-Bayes shrinkage and the flags are estimated across all
municipalities per category and year, so a single municipality's row is simply picked out
of the screening table.

Method (docs/methods.md §5), per municipality m, category c, year t:

* O = persons with the insats (Kolada count; the total is Kolada's rate × population).
* E = Σ_b r_b · n_{m,b}: the national rate r_b = Riket persons / Riket population in band b
  times the local population of band b. Ordinary categories have one band, the
  catalogue's reference age band (``Category.age_min``–``age_max``) unless ``age_bands``
  overrides it (:func:`reference_bands`; for sensitivity analyses: E, φ, τ², shrinkage and
  flags are then all computed with the chosen bands, and ``reference_band`` shows them;
  the peer comparison in :mod:`benchmark.compare` pools over the same bands). The total
  (``totalt``) is standardised over ``TOTAL_BANDS`` 0–22 / 23–64 / 65+ with national
  persons per band derived from the auxiliary Kolada rows: persons 0–22 = ``totalt_0_22``
  (N28891), persons 23–64 = ``totalt_0_64`` (N28890) − ``totalt_0_22``, persons 65+ =
  ``totalt`` − ``totalt_0_64``. If those national rows are missing for a year, the total
  falls back to the crude (all-ages) expectation and ``reference_band`` says so. A
  negative derived band (the KPIs disagree, e.g. on råd och stöd) is never used: for Riket
  the total is then not assessed in that year (``flag_reason`` names the band), a peer
  member leaves the banded peer total.
* Band populations are null, never partial sums, when a population cell is null or age ×
  sex rows are missing (:func:`band_population`); such rows are not assessed.
* expected_crude = national crude rate × local total population; composition_effect =
  E − expected_crude (what age structure explains), practice_effect = O − E (the rest);
  they sum to O − expected_crude.
* ratio O/E with exact (O < 10) or Byar limits at ``confidence``; crude rate per 10 000
  with a Wilson interval.
* φ and τ² on the square-root scale with 10 % winsorisation across the municipalities of
  the category and year (FunnelPlotR algorithm, ≥ ``MIN_OD_UNITS`` units), with φ divided
  by its expectation under pure Poisson variation (0.679 at 10 % winsorisation; FunnelPlotR
  omits this, which biases φ and τ² low and, in our simulation, flags about three times the
  nominal share). When φ > 1 the funnel limits are (1 ∓ z·√(1/(4E) + τ²))² (lower floored
  at 0), otherwise the continuous exact-Poisson funnel (drawn in the plots).
* p-value: when OD-adjusted (φ > 1) max(p from z = 2(√O − √E)/√(1 + 4Eτ²), exact Poisson
  p), otherwise (φ ≤ 1 or unknown) the exact two-sided Poisson p. The rule, exactly:
  ``flag`` ≠ similar ⇔ p < 1 − strong_confidence (99.8 %), 'higher' if O > E else 'lower';
  adjusted, that is outside the OD limits *and* significant in the exact test (which
  guards small E, where the √-approximation is too narrow). ``flag_95`` likewise at
  ``confidence``. q-value: Benjamini–Hochberg within municipality × year over the
  assessed categories.
* ratio_shrunk: empirical-Bayes shrunk O/E across municipalities (methods.md §4.1), for
  display and ranking only.
* persistent: flag_95 in the same direction in ≥ 3 of the last five years (t−4 … t);
  descriptive, because the same persons keep their decisions from year to year. The
  pooled test of methods.md §5.6 (a) is given beside it: O and E summed over t−2 … t
  (``observed_3y``, ``expected_3y``, ``ratio_3y``) flagged like ``flag`` (``flag_3y``).
* excess = O − E persons, priced at the national cost per user (Kolada, Riket; the latest
  year ≤ t, see ``cost_year``) where one is published (``Category.cost_kpi``: boende,
  daglig verksamhet); net_cost_deviation_pct = N28018 for the municipality (context only).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import polars as pl

from benchmark import stats
from benchmark.catalog import CATEGORIES, RIKET, TOTAL_BANDS, Category, with_age_bands
from benchmark.config import Settings, get_settings
from benchmark.errors import DataError, InputError
from benchmark.tableset import open_set

__all__ = ["COLUMNS", "MIN_OD_UNITS", "PERSISTENCE_YEARS", "ReferenceBands", "reference_bands",
           "screen"]

#: Fewer municipalities than this with data: no overdispersion estimate (exact limits).
MIN_OD_UNITS = 10
#: Persistence window (years, including the current one) and the required flagged years.
PERSISTENCE_YEARS = 5
PERSISTENCE_MIN = 3
#: Years pooled for the pooled persistence test (``flag_3y``).
POOLED_YEARS = 3
NET_COST_KPI = "N28018"
#: Oldest age in the population table (100 = 100+).
MAX_AGE = 100

ORIGIN_SYNTHETIC = "syntetiska demodata"
ORIGIN_REAL = "Kolada (RKA) och SCB"

#: Contract §C columns in order; extras follow.
COLUMNS: tuple[str, ...] = (
    "municipality", "name", "year", "category", "category_label", "status", "observed",
    "population_total", "population_band", "rate_per_10k", "rate_lower", "rate_upper",
    "national_rate_per_10k", "expected", "expected_crude", "ratio", "ratio_lower",
    "ratio_upper", "ratio_method", "confidence", "ratio_shrunk", "z", "p_value", "q_value",
    "phi", "tau2", "od_adjusted", "limit_lower_998", "limit_upper_998", "flag", "flag_95",
    "flag_reason", "excess", "composition_effect", "practice_effect", "persistent",
    "years_flagged", "peer_group_id", "peer_group_title", "peer_rate_per_10k",
    "peer_expected", "peer_ratio", "peer_ratio_lower", "peer_ratio_upper", "cost_per_user",
    "excess_cost", "net_cost_deviation_pct", "data_origin",
)
EXTRA_COLUMNS: tuple[str, ...] = (
    "category_label_en", "reference_band", "kolada_per_10k", "rate_method",
    "strong_confidence", "limit_lower_95", "limit_upper_95", "shrinkage_weight", "od_units",
    "persistence_direction", "years_assessed", "observed_3y", "expected_3y", "ratio_3y",
    "flag_3y", "cost_year", "peer_members", "peer_level",
)

_CATEGORY_IDS = [c.id for c in CATEGORIES]
_TOTAL = "totalt"
_CRUDE = "__crude"


def _band_key(lo: int, hi: int | None) -> str:
    return f"{lo}-{'' if hi is None else hi}"


def _components(categories: Sequence[Category] = CATEGORIES) -> pl.DataFrame:
    """How each category's persons split into reference bands: (key, band, source, sign).

    ``key`` is the category id (banded) or ``<id>__crude`` (all ages, for crude rates).
    """
    rows: list[tuple[str, str, str, int]] = []
    (a_lo, a_hi), (b_lo, b_hi), (c_lo, c_hi) = TOTAL_BANDS
    for cat in categories:
        rows.append((cat.id + _CRUDE, _band_key(0, None), cat.id, 1))
        if cat.id == _TOTAL:
            rows += [
                (_TOTAL, _band_key(a_lo, a_hi), "totalt_0_22", 1),
                (_TOTAL, _band_key(b_lo, b_hi), "totalt_0_64", 1),
                (_TOTAL, _band_key(b_lo, b_hi), "totalt_0_22", -1),
                (_TOTAL, _band_key(c_lo, c_hi), "totalt", 1),
                (_TOTAL, _band_key(c_lo, c_hi), "totalt_0_64", -1),
            ]
        else:
            rows.append((cat.id, _band_key(cat.age_min, cat.age_max), cat.id, 1))
    return pl.DataFrame(rows, schema={"key": pl.String, "band": pl.String,
                                      "source": pl.String, "sign": pl.Int32}, orient="row")


def _count_components(components: pl.DataFrame) -> pl.DataFrame:
    """Per key: how many component rows and distinct bands a complete member has."""
    return components.group_by("key").agg(pl.len().alias("n_components"),
                                          pl.col("band").n_unique().alias("n_bands"))


def _bands(categories: Sequence[Category] = CATEGORIES) -> dict[str, tuple[int, int | None]]:
    """Band key → (lo, hi) for every band the categories use (all ages first)."""
    return {_band_key(lo, hi): (lo, hi)
            for lo, hi in [(0, None), *TOTAL_BANDS, *((c.age_min, c.age_max)
                                                      for c in categories)]}


COMPONENTS = _components()
_N_COMPONENTS = _count_components(COMPONENTS)
_BANDS: dict[str, tuple[int, int | None]] = _bands()


def _n_components(components: pl.DataFrame) -> pl.DataFrame:
    """:func:`_count_components`, precomputed for the catalogue's bands."""
    return _N_COMPONENTS if components is COMPONENTS else _count_components(components)


@dataclass(frozen=True, eq=False)
class ReferenceBands:
    """The categories with the reference age bands in use, and what the engine needs of
    them: ``components`` (see :func:`_components`) and ``bands`` (key → (lo, hi))."""

    categories: tuple[Category, ...]
    components: pl.DataFrame
    bands: dict[str, tuple[int, int | None]]


_DEFAULT_REFERENCE = ReferenceBands(CATEGORIES, COMPONENTS, _BANDS)


def reference_bands(age_bands: Mapping[str, tuple[int, int | None]] | None = None
                    ) -> ReferenceBands:
    """The reference bands with ``age_bands`` overrides (id → (lo, hi), hi None = open).

    Without overrides (or when they equal the catalogue) the precomputed defaults are
    returned. Raises :class:`InputError` for invalid overrides (see
    :func:`benchmark.catalog.with_age_bands`).
    """
    categories = with_age_bands(age_bands)
    if categories == CATEGORIES:
        return _DEFAULT_REFERENCE
    return ReferenceBands(categories, _components(categories), _bands(categories))


# --------------------------------------------------------------------------- data


@dataclass(frozen=True)
class Data:
    """The processed tables the comparison needs."""

    lss: pl.DataFrame
    population: pl.DataFrame
    municipalities: pl.DataFrame
    peer_groups: pl.DataFrame
    costs: pl.DataFrame
    synthetic: bool

    @property
    def origin(self) -> str:
        return ORIGIN_SYNTHETIC if self.synthetic else ORIGIN_REAL

    def years(self) -> list[int]:
        """Years with assessable LSS data: a catalogue category with status ok for at
        least one municipality (not only Riket; rows that are all missing or suppressed
        do not make a data year)."""
        df = self.lss.filter((pl.col("municipality") != RIKET)
                             & pl.col("category").is_in(_CATEGORY_IDS)
                             & (pl.col("status") == "ok"))
        return sorted(int(y) for y in df["year"].unique().to_list())

    def register(self) -> list[str]:
        return sorted(_kommuner(self.municipalities)["municipality"].to_list())

    def newest_year(self) -> int:
        """The newest of :meth:`years` that also has population for the municipalities
        (without population nothing can be assessed); the newest of :meth:`years` when
        none has."""
        years = self.years()
        if not years:
            raise DataError("the processed LSS table holds no municipality rows")
        with_pop = set(self.population.filter(pl.col("municipality") != RIKET)["year"]
                       .unique().to_list())
        both = [y for y in years if y in with_pop]
        return max(both or years)


def _kommuner(municipalities: pl.DataFrame) -> pl.DataFrame:
    """The municipality register without Riket (and only type K where a type is given)."""
    df = municipalities.filter(pl.col("municipality") != RIKET)
    if "type" in df.columns:
        df = df.filter(pl.col("type").fill_null("K") == "K")
    return df


def load_data(settings: Settings | None = None) -> Data:
    """Read the processed tables, all from one set (see :mod:`benchmark.tableset`).

    ``costs`` and ``peer_groups`` may be absent only when the set's manifest does not list
    them (then they are empty); a listed table that is missing or damaged raises
    :class:`DataError` naming it. ``synthetic`` comes from the provenance check (the
    manifest or any of its raw snapshots' sidecars).
    """
    settings = settings or get_settings()
    tables = open_set(settings)
    manifest = tables.checked_manifest()
    lss = tables.read("lss").with_columns(
        pl.col("municipality").cast(pl.String), pl.col("year").cast(pl.Int32),
        pl.col("count").cast(pl.Float64), pl.col("per_10k").cast(pl.Float64))
    population = tables.read("population").with_columns(
        pl.col("municipality").cast(pl.String), pl.col("year").cast(pl.Int32),
        pl.col("age").cast(pl.Int16), pl.col("population").cast(pl.Int64))
    municipalities = tables.read("municipalities")
    peer_groups = tables.read_optional("peer_groups", {
        "group_id": pl.String, "title": pl.String, "kind": pl.String, "member": pl.String,
        "focus": pl.String})
    costs = tables.read_optional("costs", {
        "municipality": pl.String, "year": pl.Int32, "kpi": pl.String, "value": pl.Float64,
        "status": pl.String})
    return Data(lss, population, municipalities, peer_groups,
                costs.with_columns(pl.col("year").cast(pl.Int32)), bool(manifest["synthetic"]))


def resolve_year(data: Data, year: int | None) -> int:
    """``year`` checked against the data (:func:`check_year`), or the newest year
    (:meth:`Data.newest_year`) when ``year`` is None."""
    if year is None:
        return data.newest_year()
    check_year(data, year)
    return int(str(year).strip())


def latest_year(settings: Settings | None = None) -> int:
    """The newest year in the processed data with LSS values and population: the year
    ``compare``, ``screen`` and ``report`` use when none is given."""
    return load_data(settings).newest_year()


def check_year(data: Data, year: int) -> None:
    """InputError listing the available years when ``year`` has no LSS data."""
    years = data.years()
    if not years:
        raise DataError("the processed LSS table holds no municipality rows")
    try:
        value = int(str(year).strip())
    except ValueError:
        value = None
    if value not in years:
        raise InputError(f"year {year!r} is not in the data; available years: "
                         f"{_year_span(years)}")


def _year_span(years: Sequence[int]) -> str:
    if list(years) == list(range(years[0], years[-1] + 1)) and len(years) > 2:
        return f"{years[0]}–{years[-1]}"
    return ", ".join(str(y) for y in years)


# --------------------------------------------------------------------------- building blocks


def band_population(population: pl.DataFrame, years: Iterable[int],
                    bands: Mapping[str, tuple[int, int | None]] | None = None) -> pl.DataFrame:
    """Long table (municipality, year, band, pop) for every band used; Riket filled in.

    ``bands`` (key → (lo, hi)) defaults to the catalogue's bands (see
    :func:`reference_bands`). Riket ("0000") is the SCB national row when present,
    otherwise the sum of municipalities. A band population is null (never a partial sum)
    when any of its population cells is null or the band lacks age × sex rows (fewer
    than 2 × its ages, ages 0..100 with 100 = 100+); the summed Riket band is null when
    any municipality's is.
    """
    pop = population.filter(pl.col("year").is_in(list(years)))
    aggs = []
    for key, (lo, hi) in (_BANDS if bands is None else bands).items():
        cond = pl.col("age") >= lo if hi is None else pl.col("age").is_between(lo, hi)
        cells = pl.col("population").filter(cond)
        n_cells = 2 * ((MAX_AGE if hi is None else min(hi, MAX_AGE)) - lo + 1)
        aggs.append(pl.when((cells.len() == n_cells) & (cells.null_count() == 0))
                    .then(cells.sum()).alias(key))
    wide = pop.group_by("municipality", "year").agg(aggs)
    munis = wide.filter(pl.col("municipality") != RIKET)
    band_cols = [c for c in wide.columns if c not in ("municipality", "year")]
    summed = munis.group_by("year").agg(
        pl.when(pl.col(c).null_count() == 0).then(pl.col(c).sum()).alias(c)
        for c in band_cols).with_columns(
        pl.lit(RIKET).alias("municipality")).select(wide.columns)
    have = wide.filter(pl.col("municipality") == RIKET).select("year")
    wide = pl.concat([wide, summed.join(have, on="year", how="anti")])
    return wide.unpivot(index=["municipality", "year"], variable_name="band",
                        value_name="pop").with_columns(pl.col("pop").cast(pl.Int64))


def member_band_counts(lss_ok: pl.DataFrame, members: pl.DataFrame,
                       components: pl.DataFrame | None = None) -> pl.DataFrame:
    """Persons per reference band for each member of each reference set.

    ``members`` (ref, municipality, year); a member enters a key only when every component
    row it needs has status ok. Derived bands of the total (23–64 = N28890 − N28891,
    65+ = N28892 − N28890) can come out negative when the KPIs disagree (e.g. on råd och
    stöd). Returns (ref, municipality, year, key, band, count).
    """
    components = COMPONENTS if components is None else components
    comp = (members.join(lss_ok.rename({"category": "source"}),
                         on=["municipality", "year"], how="inner")
            .join(components, on="source", how="inner"))
    complete = (comp.group_by("ref", "municipality", "year", "key")
                .agg(pl.len().alias("n"))
                .join(_n_components(components), on="key")
                .filter(pl.col("n") == pl.col("n_components"))
                .select("ref", "municipality", "year", "key"))
    return (comp.join(complete, on=["ref", "municipality", "year", "key"])
            .group_by("ref", "municipality", "year", "key", "band")
            .agg((pl.col("count") * pl.col("sign")).sum().alias("count")))


def reference_counts(lss_ok: pl.DataFrame, band_pop: pl.DataFrame,
                     members: pl.DataFrame, components: pl.DataFrame | None = None
                     ) -> pl.DataFrame:
    """Pooled persons and population per reference band for reference sets.

    ``members`` (ref, municipality, year) lists the municipalities of each reference set
    ("national" = Riket, or a peer group). A member enters a category only when every
    component row it needs has status ok, no derived band count is negative (see
    :func:`member_band_counts`) and its band populations exist. ``components``
    defaults to the catalogue's bands (see :func:`reference_bands`). Returns
    (ref, year, key, band, ref_count, ref_pop, n_members).
    """
    unit = ["ref", "municipality", "year", "key"]
    per_member = (member_band_counts(lss_ok, members, components)
                  .join(band_pop, on=["municipality", "year", "band"], how="inner"))
    # a member whose population is unknown in any band of a key, or whose derived band
    # count is negative (inconsistent KPIs), does not enter that key
    per_member = per_member.filter(
        (pl.col("pop").is_not_null() & (pl.col("count") >= 0)).all().over(unit))
    return (per_member.group_by("ref", "year", "key", "band")
            .agg(pl.col("count").sum().alias("ref_count"),
                 pl.col("pop").sum().alias("ref_pop"),
                 pl.col("municipality").n_unique().alias("n_members")))


def expected_from_reference(ref: pl.DataFrame, local_pop: pl.DataFrame,
                            pairs: pl.DataFrame, components: pl.DataFrame | None = None
                            ) -> pl.DataFrame:
    """E = Σ_b (ref_count_b / ref_pop_b) · n_b for (ref, municipality, year) pairs.

    Returns (ref, municipality, year, key, expected, n_members); E is missing when a band
    has no reference population or the local band population is unknown. ``components``
    must be the ones ``ref`` was pooled with (default: the catalogue's bands).
    """
    components = COMPONENTS if components is None else components
    rates = ref.with_columns(
        pl.when(pl.col("ref_pop") > 0).then(pl.col("ref_count") / pl.col("ref_pop"))
        .alias("rate"))
    joined = (pairs.join(rates, on=["ref", "year"], how="inner")
              .join(local_pop, on=["municipality", "year", "band"], how="left"))
    out = (joined.group_by("ref", "municipality", "year", "key")
           .agg((pl.col("rate") * pl.col("pop")).sort_by("band").sum().alias("expected"),
                (pl.col("rate").is_null() | pl.col("pop").is_null()).any().alias("gap"),
                pl.col("band").n_unique().alias("n_bands_found"),
                pl.col("n_members").min().alias("n_members"))
           .join(_n_components(components).select("key", "n_bands"), on="key")
           .with_columns(
               pl.when(~pl.col("gap") & (pl.col("n_bands_found") == pl.col("n_bands")))
               .then(pl.col("expected")).alias("expected")))
    return out.select("ref", "municipality", "year", "key", "expected", "n_members")


def _pivot_crude(exp: pl.DataFrame) -> pl.DataFrame:
    """Split banded and crude keys into columns (expected, expected_crude) per category."""
    banded = exp.filter(~pl.col("key").str.ends_with(_CRUDE)).rename(
        {"key": "category"})
    crude = exp.filter(pl.col("key").str.ends_with(_CRUDE)).with_columns(
        pl.col("key").str.strip_suffix(_CRUDE).alias("category")).rename(
        {"expected": "expected_crude", "n_members": "n_members_crude"}).drop("key")
    return crude.join(banded, on=["ref", "municipality", "year", "category"], how="left")


# --------------------------------------------------------------------------- the engine


def build_table(data: Data, years: Sequence[int], *, confidence: float = 0.95,
                strong_confidence: float = 0.998,
                municipalities: Sequence[str] | None = None,
                age_bands: Mapping[str, tuple[int, int | None]] | None = None
                ) -> pl.DataFrame:
    """The comparison table for every municipality and each of ``years``.

    Earlier years needed for persistence are computed as well and dropped at the end.
    ``municipalities`` only restricts the returned rows; estimates across municipalities
    (φ, τ², shrinkage) always use them all. ``age_bands`` overrides reference age bands
    (category id → (lo, hi), see :func:`reference_bands`); everything, including the
    estimates across municipalities, then uses those bands.
    """
    conf = stats.check_confidence(confidence, "confidence")
    strong = stats.check_confidence(strong_confidence, "strong_confidence")
    reference = reference_bands(age_bands)
    targets = sorted({int(y) for y in years})
    window = sorted({y - k for y in targets for k in range(PERSISTENCE_YEARS)}
                    & set(data.years()))
    window = sorted(set(window) | set(targets))

    lss = data.lss.filter(pl.col("year").is_in(window))
    lss_ok = (lss.filter((pl.col("status") == "ok") & pl.col("count").is_not_null())
              .select("municipality", "year", "category", "count"))
    band_pop = band_population(data.population, window, reference.bands)

    register = _kommuner(data.municipalities).select("municipality", "name")
    codes = register.select("municipality")

    # national expected counts (banded and crude) for every municipality
    national_members = pl.DataFrame({"ref": ["national"] * len(window),
                                     "municipality": [RIKET] * len(window),
                                     "year": window},
                                    schema={"ref": pl.String, "municipality": pl.String,
                                            "year": pl.Int32})
    ref = reference_counts(lss_ok, band_pop, national_members, reference.components)
    pairs = codes.join(pl.DataFrame({"year": window}, schema={"year": pl.Int32}),
                       how="cross").with_columns(pl.lit("national").alias("ref"))
    exp = _pivot_crude(expected_from_reference(ref, band_pop, pairs,
                                               reference.components)).drop("ref")

    # a negative derived national band of the total (KPIs disagree): no banded E and no
    # silent crude fallback; the total is not assessed in that year, and says why
    split_bad = (member_band_counts(lss_ok, national_members, reference.components)
                 .filter((pl.col("key") == _TOTAL) & (pl.col("count") < 0))
                 .group_by("year").agg(pl.col("band").sort().str.replace(r"-$", "+").str.join(", ")
                      .alias("bad"))
                 .select("year", pl.lit(_TOTAL).alias("category"),
                         pl.format("inconsistent national total split: derived persons "
                                   "{} negative (N28892 ≥ N28890 ≥ N28891 expected)",
                                   pl.col("bad").str.replace_all("-", "–"))
                         .alias("split_reason")))

    national_crude = (ref.filter(pl.col("key").str.ends_with(_CRUDE))
                      .with_columns(pl.col("key").str.strip_suffix(_CRUDE).alias("category"),
                                    (pl.col("ref_count") / pl.col("ref_pop") * 1e4)
                                    .alias("national_rate_per_10k"))
                      .select("year", "category", "national_rate_per_10k"))

    categories = reference.categories
    cats = pl.DataFrame({
        "category": [c.id for c in categories],
        "category_label": [c.label_sv for c in categories],
        "category_label_en": [c.label_en for c in categories],
        "band": [_band_key(0, None) if c.id == _TOTAL else _band_key(c.age_min, c.age_max)
                 for c in categories],
        "band_label": [c.band_label for c in categories],
        "cost_kpi": [c.cost_kpi for c in categories],
    })
    grid = (register.join(pl.DataFrame({"year": window}, schema={"year": pl.Int32}),
                          how="cross").join(cats, how="cross"))
    # Kolada's own rate only where the count is published: a rate beside a suppressed count
    # would give the count back (rate × population / 10 000).
    local = lss.filter(pl.col("category").is_in(_CATEGORY_IDS)).select(
        "municipality", "year", "category", "status", "count",
        pl.when(pl.col("status") == "ok").then(pl.col("per_10k")).alias("kolada_per_10k"))
    totals = band_pop.filter(pl.col("band") == _band_key(0, None)).select(
        "municipality", "year", pl.col("pop").alias("population_total"))
    df = (grid.join(local, on=["municipality", "year", "category"], how="left")
          .join(totals, on=["municipality", "year"], how="left")
          .join(band_pop.rename({"pop": "population_band"}),
                on=["municipality", "year", "band"], how="left")
          .join(exp, on=["municipality", "year", "category"], how="left")
          .join(national_crude, on=["year", "category"], how="left")
          .join(split_bad, on=["year", "category"], how="left"))

    totalt_banded = pl.col("category") == _TOTAL
    split_ok = pl.col("split_reason").is_null()
    df = df.with_columns(
        pl.col("status").fill_null("missing"),
        pl.when(totalt_banded & pl.col("expected").is_null() & split_ok)
        .then(pl.col("expected_crude")).otherwise(pl.col("expected")).alias("expected"),
        pl.when(totalt_banded & (pl.col("expected").is_not_null() | ~split_ok))
        .then(pl.lit("0–22/23–64/65+"))
        .when(totalt_banded).then(pl.lit("alla åldrar (ej åldersstandardiserad)"))
        .otherwise(pl.col("band_label")).alias("reference_band"),
    )
    df = df.with_columns(
        pl.when(pl.col("status") == "ok").then(pl.col("count")).alias("observed"),
        pl.when(pl.col("status") == "suppressed")
        .then(pl.lit("suppressed in Kolada (few persons)"))
        .when(pl.col("status") != "ok").then(pl.lit("missing in Kolada"))
        .when(~split_ok).then(pl.col("split_reason"))
        # before the count: a rate-only row (totalt) has no count without population
        .when(pl.col("population_band").is_null() & ~totalt_banded)
        .then(pl.lit("no population data for the reference age band"))
        .when(pl.col("population_total").is_null() | (pl.col("population_total") <= 0))
        .then(pl.lit("no population data"))
        .when(pl.col("count").is_null()).then(pl.lit("count missing in Kolada"))
        .when(pl.col("national_rate_per_10k").is_null())
        .then(pl.lit("no national figure for this year"))
        .when(pl.col("expected").is_null() | (pl.col("expected") <= 0))
        .then(pl.lit("no population in the reference age band"))
        .otherwise(pl.lit("")).alias("flag_reason"),
    )
    df = df.with_columns(pl.when(pl.col("flag_reason") == "").then(pl.col("observed"))
                         .alias("observed_assessed"),
                         pl.when(pl.col("flag_reason") == "").then(pl.col("expected"))
                         .alias("expected_assessed"))
    # a fixed row order: the estimates across municipalities (φ, τ², shrinkage) sum floats
    # in row order, and joins do not keep one, so reruns would differ in the last digit
    df = _add_statistics(df.sort("municipality", "year", "category"), conf, strong)
    pooled = _pooled_window(df, targets, strong)
    df = _add_persistence(df, targets).join(pooled, on=["municipality", "year", "category"],
                                            how="left")
    df = _add_costs(df, data)
    if municipalities is not None:
        df = df.filter(pl.col("municipality").is_in(list(municipalities)))
    peer_nulls = [pl.lit(None, dtype=pl.String).alias("peer_group_id"),
                  pl.lit(None, dtype=pl.String).alias("peer_group_title"),
                  *[pl.lit(None, dtype=pl.Float64).alias(c) for c in (
                      "peer_rate_per_10k", "peer_expected", "peer_ratio", "peer_ratio_lower",
                      "peer_ratio_upper", "peer_level")],
                  pl.lit(None, dtype=pl.Int64).alias("peer_members")]
    df = df.with_columns(*peer_nulls, pl.lit(data.origin).alias("data_origin"))
    order = {c: i for i, c in enumerate(_CATEGORY_IDS)}
    df = (df.with_columns(pl.col("category").replace_strict(order, return_dtype=pl.Int32)
                          .alias("_order"))
          .sort("municipality", "year", "_order"))
    return df.select([*COLUMNS, *EXTRA_COLUMNS])


def _add_statistics(df: pl.DataFrame, conf: float, strong: float) -> pl.DataFrame:
    """Intervals, overdispersion, limits, flags, p/q-values and shrinkage (vectorised)."""
    o = df["observed_assessed"].to_numpy().astype(float)
    e = df["expected_assessed"].to_numpy().astype(float)
    n_tot = df["population_total"].cast(pl.Float64).to_numpy()
    ok = ~np.isnan(o) & ~np.isnan(e) & (e > 0)
    ok_rate = ~np.isnan(o) & ~np.isnan(n_tot) & (n_tot > 0)
    ok_rate &= np.where(ok_rate, o <= np.nan_to_num(n_tot), False)
    o_rate = np.where(ok_rate, o, np.nan)
    rate = stats.wilson_interval(o_rate, np.where(ok_rate, n_tot, 1.0), conf, 1e4)
    e_safe = np.where(ok, e, 1.0)
    o_ok = np.where(ok, o, np.nan)
    ratio = stats.standardised_ratio(o_ok, e_safe, conf)

    keys = (df["category"] + "|" + df["year"].cast(pl.String)).to_numpy()
    phi, tau2, units, shrunk, weight = _across_municipalities(o, e, ok, keys)
    f998 = stats.funnel_flags(o_ok, e_safe, strong, phi=phi, tau2=tau2)
    f95 = stats.funnel_flags(o_ok, e_safe, conf, phi=phi, tau2=tau2)
    od_adj = f998.od_adjusted
    groups = (df["municipality"] + "|" + df["year"].cast(pl.String)).to_numpy()
    q = stats.bh_qvalues(f998.p_value, groups)

    def col(values: np.ndarray, name: str) -> pl.Series:
        return pl.Series(name, values, dtype=pl.Float64, nan_to_null=True)

    return df.with_columns(
        col(rate.estimate, "rate_per_10k"), col(rate.lower, "rate_lower"),
        col(rate.upper, "rate_upper"),
        pl.Series("rate_method", np.where(ok_rate, "Wilson", None), dtype=pl.String),
        (pl.col("national_rate_per_10k") / 1e4 * pl.col("population_total"))
        .alias("expected_crude"),
        col(np.where(ok, ratio.estimate, np.nan), "ratio"),
        col(np.where(ok, ratio.lower, np.nan), "ratio_lower"),
        col(np.where(ok, ratio.upper, np.nan), "ratio_upper"),
        pl.Series("ratio_method", np.where(ok, ratio.method, None), dtype=pl.String),
        pl.lit(conf).alias("confidence"), pl.lit(strong).alias("strong_confidence"),
        col(shrunk, "ratio_shrunk"), col(weight, "shrinkage_weight"),
        col(f998.z, "z"), col(f998.p_value, "p_value"), col(q, "q_value"),
        col(phi, "phi"), col(tau2, "tau2"),
        pl.Series("od_adjusted", od_adj),
        pl.Series("od_units", units, dtype=pl.Int64),
        col(f998.lower, "limit_lower_998"), col(f998.upper, "limit_upper_998"),
        col(f95.lower, "limit_lower_95"), col(f95.upper, "limit_upper_95"),
        pl.Series("flag", f998.flag, dtype=pl.String),
        pl.Series("flag_95", f95.flag, dtype=pl.String),
    ).with_columns(
        (pl.col("observed_assessed") - pl.col("expected_assessed")).alias("excess"),
        (pl.col("expected_assessed") - pl.when(pl.col("flag_reason") == "")
         .then(pl.col("expected_crude"))).alias("composition_effect"),
        (pl.col("observed_assessed") - pl.col("expected_assessed")).alias("practice_effect"),
    )


def _across_municipalities(o: np.ndarray, e: np.ndarray, ok: np.ndarray, keys: np.ndarray
                           ) -> tuple[np.ndarray, ...]:
    """φ, τ², units and EB shrinkage per group (category × year) across municipalities.

    One small loop over the ~10 groups per year, never over municipalities.
    """
    phi = np.full(len(o), np.nan)
    tau2 = np.full(len(o), np.nan)
    units = np.zeros(len(o), dtype=np.int64)
    shrunk = np.full(len(o), np.nan)
    weight = np.full(len(o), np.nan)
    if len(o) == 0:
        return phi, tau2, units, shrunk, weight
    _, group = np.unique(keys, return_inverse=True)
    order = np.argsort(group, kind="stable")
    bounds = np.flatnonzero(np.diff(group[order])) + 1
    for idx in np.split(order, bounds):
        sel = idx[ok[idx]]
        if len(sel) == 0:
            continue
        od = stats.overdispersion(o[sel], e[sel], consistency=True)
        units[idx] = od.n_units
        if od.n_units >= MIN_OD_UNITS:
            phi[idx], tau2[idx] = od.phi, od.tau2
        shrunk[sel], weight[sel] = stats.eb_shrink(o[sel], e[sel])
    return phi, tau2, units, shrunk, weight


def _pooled_window(df: pl.DataFrame, targets: Sequence[int], strong: float) -> pl.DataFrame:
    """Pooled test over the last ``POOLED_YEARS`` years (methods.md §4.3 a, §5.6).

    O and E are summed over years t−2…t (all three must be assessed); φ/τ² are estimated
    on the pooled values across municipalities and the flag uses the same rule as ``flag``
    at ``strong_confidence``. Years overlap in the persons they count, so this is a test of
    a *level* that has lasted, not of three independent observations.
    """
    t = pl.DataFrame({"year": targets}, schema={"year": pl.Int32})
    hist = df.select("municipality", "category", pl.col("year").alias("hist_year"),
                     "observed_assessed", "expected_assessed")
    pooled = (t.join(hist, how="cross")
              .filter((pl.col("hist_year") <= pl.col("year"))
                      & (pl.col("hist_year") > pl.col("year") - POOLED_YEARS))
              .group_by("municipality", "category", "year")
              .agg(pl.col("observed_assessed").sum().alias("observed_3y"),
                   pl.col("expected_assessed").sort_by("hist_year").sum()
                   .alias("expected_3y"),
                   pl.col("expected_assessed").is_not_null().sum().alias("n")))
    pooled = pooled.with_columns(
        *[pl.when(pl.col("n") == POOLED_YEARS).then(pl.col(c)).alias(c)
          for c in ("observed_3y", "expected_3y")]).drop("n").sort(
        "municipality", "category", "year")  # fixed order for the φ/τ² sums
    o = pooled["observed_3y"].to_numpy().astype(float)
    e = pooled["expected_3y"].to_numpy().astype(float)
    ok = ~np.isnan(o) & ~np.isnan(e) & (e > 0)
    keys = (pooled["category"] + "|" + pooled["year"].cast(pl.String)).to_numpy()
    phi, tau2, *_ = _across_municipalities(o, e, ok, keys)
    flags = stats.funnel_flags(np.where(ok, o, np.nan), np.where(ok, e, 1.0), strong,
                               phi=phi, tau2=tau2)
    return pooled.with_columns(
        pl.Series("ratio_3y", np.where(ok, o / np.where(ok, e, 1.0), np.nan),
                  dtype=pl.Float64, nan_to_null=True),
        pl.Series("flag_3y", flags.flag, dtype=pl.String))


def _add_persistence(df: pl.DataFrame, targets: Sequence[int]) -> pl.DataFrame:
    """years_flagged / persistent over the last five years; keep only the target years."""
    hist = df.select("municipality", "category", pl.col("year").alias("hist_year"),
                     "flag_95")
    t = pl.DataFrame({"year": targets}, schema={"year": pl.Int32})
    win = (t.join(hist, how="cross")
           .filter((pl.col("hist_year") <= pl.col("year"))
                   & (pl.col("hist_year") > pl.col("year") - PERSISTENCE_YEARS))
           .group_by("municipality", "category", "year")
           .agg((pl.col("flag_95") == "higher").sum().alias("n_higher"),
                (pl.col("flag_95") == "lower").sum().alias("n_lower"),
                (pl.col("flag_95") != "not_assessed").sum().alias("years_assessed")))
    out = df.filter(pl.col("year").is_in(list(targets))).join(
        win, on=["municipality", "category", "year"], how="left")
    return out.with_columns(
        pl.max_horizontal("n_higher", "n_lower").cast(pl.Int64).alias("years_flagged"),
        (pl.max_horizontal("n_higher", "n_lower") >= PERSISTENCE_MIN).alias("persistent"),
        pl.when(pl.col("n_higher") >= PERSISTENCE_MIN).then(pl.lit("higher"))
        .when(pl.col("n_lower") >= PERSISTENCE_MIN).then(pl.lit("lower"))
        .alias("persistence_direction"),
        pl.col("years_assessed").cast(pl.Int64),
    ).drop("n_higher", "n_lower")


def _add_costs(df: pl.DataFrame, data: Data) -> pl.DataFrame:
    """National cost per user (latest year ≤ the table year) and N28018 for the municipality."""
    costs = data.costs.filter(pl.col("value").is_not_null()
                              & (pl.col("status").fill_null("ok") == "ok"))
    nat = (costs.filter(pl.col("municipality") == RIKET)
           .select(pl.col("kpi").alias("cost_kpi"), pl.col("year").alias("cost_year"),
                   pl.col("value").alias("cost_per_user"))
           .sort("cost_year"))
    # the latest national value at or before the table year (Kolada publishes with a lag)
    pick = (df.select("year", "cost_kpi").unique().drop_nulls()
            .join(nat, on="cost_kpi", how="inner")
            .filter(pl.col("cost_year") <= pl.col("year"))
            .sort("cost_year").group_by("year", "cost_kpi")
            .agg(pl.col("cost_year").last(), pl.col("cost_per_user").last()))
    keyed = df.join(pick, on=["year", "cost_kpi"], how="left")
    net = costs.filter(pl.col("kpi") == NET_COST_KPI).select(
        "municipality", "year", pl.col("value").alias("net_cost_deviation_pct"))
    return (keyed.join(net, on=["municipality", "year"], how="left")
            .with_columns(pl.col("cost_year").cast(pl.Int32),
                          (pl.col("excess") * pl.col("cost_per_user")).alias("excess_cost")))


# --------------------------------------------------------------------------- public API


def screen(year: int | None = None, *, settings: Settings | None = None,
           confidence: float = 0.95,
           strong_confidence: float = 0.998,
           age_bands: Mapping[str, tuple[int, int | None]] | None = None) -> pl.DataFrame:
    """The comparison table (contracts §C) for every municipality and category in ``year``.

    Peer columns are null (peer groups are chosen per municipality in
    :func:`benchmark.compare.compare`). Sort by ``ratio_shrunk`` to rank without
    rewarding small-number noise. ``age_bands`` replaces catalogue reference bands, e.g.
    ``{"daglig_verksamhet": (18, 64), "boende": (20, None)}`` (not ``totalt``), to test
    how sensitive the results are to the band assumption; ``reference_band`` shows the
    band used. ``year=None`` takes the newest year with data (:func:`latest_year`).
    """
    reference_bands(age_bands)  # bad overrides fail before any data is read
    data = load_data(settings)
    year = resolve_year(data, year)
    return build_table(data, [year], confidence=confidence,
                       strong_confidence=strong_confidence, age_bands=age_bands)
