"""View 1: persons with an executed decision on a date, against the latest national rates.

The register's persons on the date (:func:`~benchmark.register.aggregate.persons_on`) go
through the same comparison engine as ``compare``
(:func:`benchmark.comparison.compare`): they replace the municipality's published counts
of the **reference year** (:func:`reference_year`: the newest year of the processed data
up to the date's year, or ``year``), so

* O = the register's persons on the date, per insats (all ages, like the national count);
  for ``totalt`` the persons' own ages on the date split O into 0–22 / 23–64 / 65+ (the
  published split is derived from rounded Kolada rates);
* E = the national expectation of the reference year under the comparison's age model (by
  default Riket's age × sex profile inside each insats's reference age band, else the band
  rate) for the municipality's population on 31 December of the reference year, by single
  year of age and sex (SCB; the newest population the processed data hold for that year);
* the spread across municipalities (φ, the funnel limits) is the reference year's, with
  this municipality's register figures in place of its published ones;
* where the rest of the country is the reference (a municipality with more than 5 % of a
  band's population, :mod:`benchmark.comparison.expected`), the municipality's own persons
  subtracted from Riket's are the register's, and its total is pooled over sex in 0–22
  (the register's persons are not split by sex).

So the comparison asks: *if the country still had the reference year's rates, how would
our persons today compare?* The later the date, the more national change since then is
read as local deviation; the ``reference_year`` and ``count_date`` columns say which.

Rows: every catalogue category. Insatser with no decision in the file are ``missing``
(never 0). Assistansersättning (SFB) is not a municipal decision: its row keeps the
published figure of the reference year (``source`` = ``kolada``), shown beside personal
assistance under LSS as everywhere. Columns that look back over earlier years
(persistence, the pooled three years) are left empty: they would mix the register with
published years. A row of 1–2 persons keeps only what does not depend on its count
(population, national rate, E) and lists the rest in ``hidden``; q-values are recomputed
over the rows shown (Benjamini–Hochberg), so no shown figure depends on a hidden count.
"""

from __future__ import annotations

import dataclasses
from datetime import date

import numpy as np
import polars as pl

from benchmark import stats
from benchmark.comparison import Inputs, Method, compare, load_inputs
from benchmark.config import Settings
from benchmark.register.aggregate import persons_on
from benchmark.register.format import REGISTER_CATEGORIES
from benchmark.register.model import Register
from benchmark.register.privacy import is_small

__all__ = ["HIDDEN_COLUMN", "KEPT_WHEN_HIDDEN", "LOOKBACK_COLUMNS", "reference_year",
           "stock"]

#: The column listing a row's hidden cells (comma-separated column names).
HIDDEN_COLUMN = "hidden"
#: Columns a hidden row keeps: they do not depend on its count.
KEPT_WHEN_HIDDEN: tuple[str, ...] = (
    "municipality", "name", "year", "category", "category_label", "category_label_en",
    "status", "population_total", "population_band", "national_rate_per_10k", "expected",
    "expected_crude", "composition_effect", "confidence", "strong_confidence", "flag_reason",
    "reference_band", "peer_group_id", "peer_group_title", "peer_rate_per_10k",
    "peer_expected", "peer_members", "peer_level", "cost_per_user", "cost_year",
    "net_cost_deviation_pct", "data_origin", "method", "source", "count_date",
    "reference_year", HIDDEN_COLUMN,
)
#: Columns over earlier years, left empty in this view.
LOOKBACK_COLUMNS: tuple[str, ...] = (
    "persistent", "years_flagged", "persistence_direction", "years_assessed", "observed_3y",
    "expected_3y", "ratio_3y", "flag_3y",
)
#: The municipality's rows of the reference year that the register replaces. The published
#: split of 0–22 by sex (used by the age-profile model where the rest of the country is the
#: reference) becomes missing: the register's persons are not split by sex, so the total
#: falls back to the split pooled over sex.
_REPLACED = (*REGISTER_CATEGORIES, "totalt", "totalt_0_22", "totalt_0_64", "totalt_0_22_k",
             "totalt_0_22_m")


def reference_year(inputs: Inputs, on: date, year: int | None = None) -> int:
    """``year`` checked against the data, else the newest year with data up to the year of
    ``on`` (the newest year when the data hold none that early)."""
    if year is not None:
        return inputs.check_year(year)
    newest = inputs.newest_year()
    earlier = [y for y in inputs.years if y <= min(on.year, newest)]
    return max(earlier) if earlier else newest


def _with_register(inputs: Inputs, code: str, year: int, counts: pl.DataFrame,
                   present: tuple[str, ...]) -> Inputs:
    """``inputs`` with the municipality's counts of ``year`` taken from the register."""
    mine = (pl.col("municipality") == code) & (pl.col("year") == year) \
        & pl.col("category").is_in(list(_REPLACED))
    rows = pl.DataFrame({"category": list(_REPLACED)}).join(
        counts.select("category", "persons"), on="category", how="left")
    known = set(present) | {"totalt", "totalt_0_22", "totalt_0_64"}
    replaced = rows.select(
        pl.lit(code).alias("municipality"), pl.lit(year, pl.Int32).alias("year"), "category",
        pl.when(pl.col("category").is_in(list(known))).then(pl.col("persons"))
        .cast(pl.Float64).alias("count"),
        pl.lit(None, pl.Float64).alias("per_10k"),
        pl.when(pl.col("category").is_in(list(known))).then(pl.lit("ok"))
        .otherwise(pl.lit("missing")).alias("status"))
    lss = pl.concat([inputs.lss.filter(~mine), replaced.select(inputs.lss.columns)])
    return dataclasses.replace(inputs, lss=lss)


def stock(register: Register, municipality: str, on: date | None = None, *,
          year: int | None = None, inputs: Inputs | None = None,
          settings: Settings | None = None, method: Method | None = None) -> pl.DataFrame:
    """Persons with an executed, not ended decision on ``on`` against the national rates.

    Parameters
    ----------
    register
        The validated export.
    municipality
        Its kommunkod.
    on
        The date (default today).
    year
        The reference year of the national rates (default: :func:`reference_year`).
    inputs, settings, method
        As in :func:`benchmark.comparison.compare`.

    Returns
    -------
    polars.DataFrame
        ``compare``'s columns with ``source`` (``register`` or ``kolada``), ``count_date``,
        ``reference_year`` and ``hidden`` (comma-separated hidden columns, empty if none).
    """
    on = on or date.today()
    inputs = inputs or load_inputs(settings)
    code = inputs.check_municipality(municipality)
    year = reference_year(inputs, on, year)
    counts = persons_on(register, [on])
    table = compare(code, year, inputs=_with_register(inputs, code, year, counts,
                                                      register.categories), method=method)
    from_register = pl.col("category").is_in([*REGISTER_CATEGORIES, "totalt"])
    absent = from_register & ~pl.col("category").is_in([*register.categories, "totalt"])
    table = table.with_columns(
        pl.when(from_register).then(pl.lit("register")).otherwise(pl.lit("kolada"))
        .alias("source"),
        pl.when(from_register).then(pl.lit(on)).alias("count_date"),
        pl.lit(year, pl.Int32).alias("reference_year"),
        pl.when(absent).then(pl.lit("no decisions on this insats in the file"))
        .otherwise(pl.col("flag_reason")).alias("flag_reason"),
        pl.when(from_register).then(pl.lit(None)).otherwise(pl.col("kolada_per_10k"))
        .alias("kolada_per_10k"),
        *(pl.when(from_register).then(pl.lit(None)).otherwise(pl.col(c)).alias(c)
          for c in LOOKBACK_COLUMNS),
    )
    return _hide_small(table)


def _hide_small(table: pl.DataFrame) -> pl.DataFrame:
    """Hide the register rows of 1–2 persons and recompute q over the shown rows."""
    small = [r["source"] == "register" and is_small(None if r["observed"] is None
                                                     else int(r["observed"]))
             for r in table.select("source", "observed").to_dicts()]
    mask = pl.Series("small", small)
    hidden_cols = [c for c in table.columns if c not in KEPT_WHEN_HIDDEN]
    out = table.with_columns(
        *(pl.when(mask).then(None).otherwise(pl.col(c)).alias(c) for c in hidden_cols),
        pl.when(mask).then(pl.lit("suppressed")).otherwise(pl.col("status")).alias("status"),
        pl.when(mask).then(pl.lit("1–2 persons in the register: hidden (confidentiality)"))
        .otherwise(pl.col("flag_reason")).alias("flag_reason"),
        pl.when(mask).then(pl.lit(",".join(hidden_cols))).otherwise(pl.lit(""))
        .alias(HIDDEN_COLUMN),
    )
    p = out["p_value"].to_numpy().astype(float)
    q = stats.bh_qvalues(np.where(np.isnan(p), np.nan, p))
    out = out.with_columns(pl.Series("q_value", q).fill_nan(None))
    return out.select(*table.columns, HIDDEN_COLUMN)

