"""Views 2 and 3: reconciliation with the published 1 October counts, and the decision flow.

**Reconciliation rules** (:func:`reconciliation`). For each 1 October from the first year
both the file and the processed data cover up to the date, the register's persons per
insats on that day (the counting rule of :mod:`benchmark.register.aggregate`: granted,
executed on or before 1 October, not ended before it) are set against the count the
municipality reported to Socialstyrelsen's register, as Kolada publishes it:

* boende (9 § 8 barn and 9 § 9 vuxna, including familjehem and annan särskilt anpassad
  bostad) ↔ N28801; daglig verksamhet ↔ N28804; personlig assistans (LSS 9 § 2) ↔ N28805;
  ledsagarservice ↔ N28806; kontaktperson ↔ N28807; avlösarservice ↔ N28808;
  korttidsvistelse ↔ N28809; korttidstillsyn ↔ N28810; ``totalt`` (persons with at least
  one of them) ↔ N28892 × population / 10 000;
* assistansersättning (SFB) is Försäkringskassan's decision and råd och stöd (9 § 1) the
  region's; neither is reconciled;
* an insats without decisions in the file counts 0 (the gap to Kolada then shows);
* ``difference`` = register − Kolada; a complete export of the case system should give 0.
  Differences come from decisions registered after the municipality reported, corrections
  made since, persons who moved, or an export that leaves some decisions out.

**Decision flow** (:func:`flow`): the measures of
:func:`~benchmark.register.aggregate.flow_counts` for the ten calendar years up to the
date (from the file's first decision year if later), the last year up to the date
(``through``), per insats and for all insatser together, with ``share_refused`` =
refused / decisions.

Both tables hide small cells by the rule of :mod:`benchmark.register.privacy`; ``hidden``
lists a row's hidden columns.
"""

from __future__ import annotations

from datetime import date

import polars as pl

from benchmark.catalog import CATEGORY_BY_ID
from benchmark.comparison import Inputs, load_inputs
from benchmark.config import Settings
from benchmark.register.aggregate import ALL, FLOW_MEASURES, flow_counts, persons_on
from benchmark.register.format import REGISTER_CATEGORIES
from benchmark.register.model import Register
from benchmark.register.privacy import is_small, suppress
from benchmark.register.stock import HIDDEN_COLUMN

__all__ = ["FLOW_YEARS", "flow", "reconciliation", "reconciliation_years"]

#: Calendar years the flow view shows (the date's year and the ones before it).
FLOW_YEARS = 10
_RECONCILED = (*REGISTER_CATEGORIES, "totalt")


def _label(category: str) -> str:
    return CATEGORY_BY_ID[category].label_sv if category in CATEGORY_BY_ID else "Alla insatser"


def reconciliation_years(register: Register, inputs: Inputs, on: date) -> list[int]:
    """The years whose 1 October both the file and the data cover, up to ``on``."""
    first = register.first_date
    if first is None or not inputs.years:
        return []
    start = max(first.year, min(inputs.years))
    return [y for y in range(start, on.year + 1) if date(y, 10, 1) <= on]


def reconciliation(register: Register, municipality: str, on: date | None = None, *,
                   inputs: Inputs | None = None, settings: Settings | None = None
                   ) -> pl.DataFrame:
    """The register's persons on each 1 October against Kolada's count (rules above).

    Returns
    -------
    polars.DataFrame
        ``municipality, year, category, category_label, register_persons, kolada_persons,
        kolada_status, difference, hidden``; ``kolada_status`` is ``ok``, ``suppressed``,
        ``missing`` or ``not_published`` (a year the data do not hold yet).
    """
    on = on or date.today()
    inputs = inputs or load_inputs(settings)
    code = inputs.check_municipality(municipality)
    years = reconciliation_years(register, inputs, on)
    counts = persons_on(register, [date(y, 10, 1) for y in years]).with_columns(
        pl.col("date").dt.year().cast(pl.Int32).alias("year"))
    grid = pl.DataFrame({"year": [y for y in years for _ in _RECONCILED],
                         "category": [c for _ in years for c in _RECONCILED]},
                        schema={"year": pl.Int32, "category": pl.String})
    kolada = inputs.lss.filter(pl.col("municipality") == code).select(
        "year", "category", pl.col("count").alias("kolada_persons"),
        pl.col("status").alias("kolada_status"))
    df = (grid.join(counts.select("year", "category", "persons"), on=["year", "category"],
                    how="left")
          .join(kolada, on=["year", "category"], how="left")
          .with_columns(
              pl.lit(code).alias("municipality"),
              pl.col("category").map_elements(_label, return_dtype=pl.String)
              .alias("category_label"),
              pl.col("persons").fill_null(0).cast(pl.Int64).alias("register_persons"),
              pl.when(pl.col("kolada_status") == "ok").then(pl.col("kolada_persons"))
              .cast(pl.Int64).alias("kolada_persons"),
              pl.when(pl.col("year").is_in(list(inputs.years)))
              .then(pl.col("kolada_status").fill_null("missing"))
              .otherwise(pl.lit("not_published")).alias("kolada_status")))
    small = df["register_persons"].map_elements(is_small, return_dtype=pl.Boolean)
    df = df.with_columns(
        (pl.col("register_persons") - pl.col("kolada_persons")).alias("difference"))
    df = df.with_columns(
        pl.when(small).then(None).otherwise(pl.col(c)).alias(c)
        for c in ("register_persons", "difference")).with_columns(
        pl.when(small).then(pl.lit("register_persons,difference")).otherwise(pl.lit(""))
        .alias(HIDDEN_COLUMN))
    return df.select("municipality", "year", "category", "category_label", "register_persons",
                     "kolada_persons", "kolada_status", "difference", HIDDEN_COLUMN)


def flow_years(register: Register, on: date) -> list[int]:
    """The calendar years of the flow view."""
    first = register.first_date
    start = on.year - FLOW_YEARS + 1 if first is None else max(first.year,
                                                                 on.year - FLOW_YEARS + 1)
    return list(range(start, on.year + 1))


def flow(register: Register, on: date | None = None, *, municipality: str | None = None
         ) -> pl.DataFrame:
    """The decision flow per year and insats, small cells hidden (rules above).

    Returns
    -------
    polars.DataFrame
        ``year, through, category, category_label``, the counts of
        :data:`~benchmark.register.aggregate.FLOW_MEASURES`, ``share_refused``,
        ``median_days`` and ``hidden``; with ``municipality`` a first column of it.
    """
    on = on or date.today()
    years = flow_years(register, on)
    df = flow_counts(register, on, years)
    values, persons = {}, {}
    for r in df.iter_rows(named=True):
        for m in FLOW_MEASURES:
            cell = (r["year"], r["category"], m)
            values[cell], persons[cell] = r[m], r[f"{m}_persons"]
        persons[(r["year"], r["category"], "median_days")] = r["median_persons"]
    cats = [c for c in df["category"].unique(maintain_order=True).to_list() if c != ALL]
    equations = [((y, c, "decisions"), [(y, c, "granted"), (y, c, "refused")])
                 for y in years for c in (*cats, ALL)]
    equations += [((y, ALL, m), [(y, c, m) for c in cats]) for y in years
                  for m in FLOW_MEASURES]
    hidden = suppress(values, persons, equations)
    for y in years:
        for c in (*cats, ALL):
            if {(y, c, "refused"), (y, c, "decisions")} & hidden:
                hidden.add((y, c, "share_refused"))
    rows = []
    for r in df.iter_rows(named=True):
        key = (r["year"], r["category"])
        gone = [m for m in (*FLOW_MEASURES, "share_refused", "median_days")
                if (*key, m) in hidden]
        share = r["refused"] / r["decisions"] if r["decisions"] else None
        row = {"year": r["year"], "through": min(on, date(r["year"], 12, 31)),
               "category": r["category"], "category_label": _label(r["category"]),
               **{m: r[m] for m in FLOW_MEASURES}, "share_refused": share,
               "median_days": r["median_days"]}
        for m in gone:
            row[m] = None
        row[HIDDEN_COLUMN] = ",".join(gone)
        rows.append(row)
    schema = {"year": pl.Int32, "through": pl.Date, "category": pl.String,
              "category_label": pl.String, **dict.fromkeys(FLOW_MEASURES, pl.Int64),
              "share_refused": pl.Float64, "median_days": pl.Float64,
              HIDDEN_COLUMN: pl.String}
    out = pl.DataFrame(rows, schema=schema, orient="row")
    if municipality is not None:
        out = out.select(pl.lit(municipality).alias("municipality"), pl.all())
    return out
