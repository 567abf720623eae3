"""The processed ``lss`` table from Kolada's value rows and SCB's population.

One row per municipality in the register (and Riket) × year × category for every year
Kolada returned LSS values for (a municipality without a published value gets an explicit
``missing`` row, never a 0), plus the rows of the total's national split.

Rate-only rows: ``totalt`` (N28892), ``totalt_0_22`` (N28891) and ``totalt_0_64``
(N28890, % × 100 = per 10 000) get ``count = per_10k × band population / 10 000``,
rounded to whole persons (population of the same year, SCB, 31 December). N28891 is also
published by sex: ``totalt_0_22_k`` and ``totalt_0_22_m`` are its women's and men's rows
(Kolada gender K/M, over the inhabitants 0–22 of that sex), used by the age-profile model
to split the total's 0–22 band by sex. A category whose count KPI has no value at all
(``missing``, never ``suppressed``) while its rate is published gets its count the same way
from the total population. The extra column ``count_source`` says which: ``published``,
``derived_from_rate`` or null (no count). Without population for that municipality and
year a rate-only row keeps status ``ok`` with a null count: ``status`` is Kolada's
publication status (``ok`` = published with a value, which the rate is), and ``per_10k``
stays usable;
:mod:`benchmark.comparison` reports such rows as not assessed, "no population data".

Consistency check (reported, not fatal): for each published count the implied count
``per_10k × population / 10 000`` must agree within rounding, i.e. within
``0.5 + 0.05 × population / 10 000`` persons (Kolada rates have one decimal).
"""

from __future__ import annotations

import polars as pl

from benchmark.catalog import CATEGORIES, KPI_TOTAL_0_22, KPI_TOTAL_0_64_PCT, lss_kpis
from benchmark.tables import TABLES

__all__ = ["build_lss", "consistency_check", "kolada_status", "kolada_status_expr"]

#: (category id, count KPI, rate KPI, age band for rate-only counts, rate multiplier, Kolada
#: gender of the rate: T both sexes, K women, M men)
_AUX = (("totalt_0_22", None, KPI_TOTAL_0_22, (0, 22), 1.0, "T"),
        ("totalt_0_64", None, KPI_TOTAL_0_64_PCT, (0, 64), 100.0, "T"),
        ("totalt_0_22_k", None, KPI_TOTAL_0_22, (0, 22), 1.0, "K"),
        ("totalt_0_22_m", None, KPI_TOTAL_0_22, (0, 22), 1.0, "M"))


def kolada_status(value: float | None, status: str | None) -> str:
    """Kolada's status of a value as the processed tables say it: ``ok`` (a value, no
    status), ``suppressed`` (``Privacy``) or ``missing`` (anything else)."""
    if value is not None and not status:
        return "ok"
    if status and "privacy" in status.lower():
        return "suppressed"
    return "missing"


def kolada_status_expr(value: str, status: str) -> pl.Expr:
    """:func:`kolada_status` as a polars expression on the columns ``value`` and ``status``."""
    text = pl.col(status).fill_null("")
    return (pl.when(pl.col(value).is_not_null() & (text == "")).then(pl.lit("ok"))
            .when(text.str.to_lowercase().str.contains("privacy", literal=True))
            .then(pl.lit("suppressed")).otherwise(pl.lit("missing")))


_POP_COLUMNS = ("pop_total", "pop_0_22", "pop_0_64", "pop_0_22_k", "pop_0_22_m")


def band_populations(population: pl.DataFrame) -> pl.DataFrame:
    """Population per municipality × year: total, 0–22, 0–64 and 0–22 by sex (K, M)."""
    young = pl.col("age") <= 22
    return population.group_by("municipality", "year").agg(
        pl.col("population").sum().alias("pop_total"),
        pl.col("population").filter(young).sum().alias("pop_0_22"),
        pl.col("population").filter(pl.col("age") <= 64).sum().alias("pop_0_64"),
        pl.col("population").filter(young & (pl.col("sex") == "K")).sum().alias("pop_0_22_k"),
        pl.col("population").filter(young & (pl.col("sex") == "M")).sum().alias("pop_0_22_m"),
        pl.col("population").is_null().any().alias("_has_null"),
    ).with_columns(
        [pl.when(pl.col("_has_null")).then(None).otherwise(pl.col(c)).alias(c)
         for c in _POP_COLUMNS]
    ).drop("_has_null")


def _denominator(band: tuple[int, int | None], gender: str) -> str:
    """The population column a rate-only count is derived with."""
    column = {None: "pop_total", 22: "pop_0_22", 64: "pop_0_64"}[band[1]]
    return column if gender == "T" else f"{column}_{gender.lower()}"


def build_lss(values: pl.DataFrame, population: pl.DataFrame, municipalities: pl.DataFrame
              ) -> tuple[pl.DataFrame, list[str]]:
    """The ``lss`` table (one row per municipality in the register × year × category, and
    the total's split rows) and the snapshot ids it came from."""
    specs = [(c.id, c.kpi_count, c.kpi_rate, None, 1.0, "T") for c in CATEGORIES]
    specs[[s[0] for s in specs].index("totalt")] = ("totalt", None, "N28892", (0, None), 1.0,
                                                    "T")
    specs += list(_AUX)
    person_kpis = set(lss_kpis())
    used = person_kpis | {k for spec in specs for k in spec[1:3] if k is not None}
    t = values.filter(pl.col("gender").is_in(["T", "K", "M"]) & pl.col("kpi").is_in(used))
    cols = [t[c].to_list() for c in ("kpi", "municipality", "year", "gender", "value",
                                      "status", "snapshot")]
    lookup = dict(zip(zip(*cols[:4], strict=True), zip(*cols[4:], strict=True), strict=True))
    years = sorted({y for k, _m, y, g in lookup if k in person_kpis and g == "T"})
    pops = {(m, y): dict(zip(_POP_COLUMNS, rest, strict=True)) for m, y, *rest in
            band_populations(population).select("municipality", "year", *_POP_COLUMNS)
            .iter_rows()}
    rows = []
    for m in municipalities["municipality"].to_list():
        for y in years:
            pop = pops.get((m, y))
            for cid, kcount, krate, band, mult, gender in specs:
                rv, rs, rsnap = lookup.get((krate, m, y, gender), (None, None, None))
                r_status = kolada_status(rv, rs) if rsnap else "missing"
                per_10k = rv * mult if r_status == "ok" else None
                snaps = [rsnap] if rsnap else []
                source, status, count = None, r_status, None
                if kcount is not None:
                    cv, cs, csnap = lookup.get((kcount, m, y, "T"), (None, None, None))
                    status = kolada_status(cv, cs) if csnap else "missing"
                    count = cv if status == "ok" else None
                    source = "published" if status == "ok" else None
                    snaps = ([csnap] if csnap else []) + snaps
                    if status == "missing" and r_status == "ok":
                        band = (0, None)  # no count published: derive it from the rate
                if count is None and status != "suppressed" and r_status == "ok" and pop:
                    denom = pop[_denominator(band, gender)] if band else None
                    if denom is not None:
                        count = float(round(per_10k * denom / 1e4))
                        status, source = "ok", "derived_from_rate"
                rows.append((m, y, cid, count, per_10k, status, kcount, krate,
                             ";".join(dict.fromkeys(snaps)) or None, source))
    lss = pl.DataFrame(rows, schema=TABLES["lss"].dtypes, orient="row")
    snaps = sorted({p for s in lss["snapshot"].drop_nulls().unique().to_list()
                    for p in s.split(";")})
    return lss, snaps


def consistency_check(lss: pl.DataFrame, population: pl.DataFrame) -> pl.DataFrame:
    """Published counts that disagree with ``per_10k × population / 10 000`` beyond
    rounding (``0.5 + 0.05 × population / 10 000`` persons)."""
    pops = band_populations(population).select("municipality", "year", "pop_total")
    return (
        lss.filter((pl.col("count_source") == "published") & pl.col("per_10k").is_not_null())
        .join(pops, on=["municipality", "year"], how="inner")
        .with_columns((pl.col("per_10k") * pl.col("pop_total") / 1e4).alias("implied"))
        .filter((pl.col("count") - pl.col("implied")).abs()
                > 0.5 + 0.05 * pl.col("pop_total") / 1e4)
        .select("municipality", "year", "category", "count", "per_10k", "pop_total", "implied")
        .sort("municipality", "year", "category")
    )
