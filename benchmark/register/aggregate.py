"""Aggregates of a register: persons on a date, and the decision flow per year.

**Persons on a date** (the rule of the national statistics, and of the reconciliation):
a person counts for an insats on day *d* when one of their decisions on it is granted
(bifall or delvis bifall), was executed on or before *d* (``verkstalld_datum ≤ d``) and had
not ended before *d* (``avslutad_datum`` empty or ``≥ d``; the end date is the last day the
insats was given). A person counts once per insats however many decisions they hold;
``totalt`` counts persons with at least one insats, and ``totalt_0_22``/``totalt_0_64``
those aged 0–22 / 0–64 on *d* (age = year of *d* − year of birth).

**Flow per calendar year and insats** (:func:`flow_counts`), a year up to the date only:

* ``decisions``: decisions made in the year; ``granted`` = bifall + delvis bifall,
  ``refused`` = avslag (so decisions = granted + refused);
* ``started``: granted decisions executed in the year; ``ended``: executed decisions whose
  last day fell in the year;
* ``median_days``: median days from decision to start of the decisions started in the year;
* ``waiting_over_3m``: decisions granted in the year that were not executed within three
  months (calendar months: a decision of 15 March is late from 16 June), whether executed
  later or still waiting on the date; decisions closed unexecuted within the three months
  do not count, nor do decisions younger than three months on the date;
* ``still_waiting``: of those, the ones neither executed nor closed on the date.

Each count comes with the distinct persons behind it (``*_persons``), for the small-cell
rule of :mod:`benchmark.register.privacy`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date

import polars as pl

from benchmark.register.format import GRANTED, REFUSED
from benchmark.register.model import Register

__all__ = ["ALL", "FLOW_MEASURES", "flow_counts", "persons_on"]

#: The flow table's row for all insatser together (a sum of decisions, not of persons).
ALL = "alla_insatser"
#: The flow counts, in table order.
FLOW_MEASURES: tuple[str, ...] = ("decisions", "granted", "refused", "started", "ended",
                                  "waiting_over_3m", "still_waiting")


def _active(on: date) -> pl.Expr:
    return (pl.col("outcome").is_in(list(GRANTED)) & (pl.col("started") <= on)
            & (pl.col("ended").is_null() | (pl.col("ended") >= on)))


def persons_on(register: Register, dates: Iterable[date]) -> pl.DataFrame:
    """Persons per insats on each date (the rule in the module docstring).

    Returns
    -------
    polars.DataFrame
        ``date, category, persons`` for every insats of the file (0 included), ``totalt``,
        ``totalt_0_22`` and ``totalt_0_64``.
    """
    cats = list(register.categories)
    frames = []
    for on in dates:
        active = register.decisions.filter(_active(on))
        per = (active.group_by("category").agg(pl.col("person").n_unique().alias("persons")))
        age = on.year - pl.col("birth_year")
        people = active.select("person", "birth_year").unique("person")
        totals = pl.DataFrame({
            "category": ["totalt", "totalt_0_22", "totalt_0_64"],
            "persons": [people.height, people.filter(age <= 22).height,
                        people.filter(age <= 64).height]},
            schema={"category": pl.String, "persons": pl.UInt32})
        grid = pl.DataFrame({"category": cats}, schema={"category": pl.String})
        frames.append(pl.concat([
            grid.join(per, on="category", how="left").with_columns(
                pl.col("persons").fill_null(0).cast(pl.UInt32)),
            totals]).with_columns(pl.lit(on).alias("date")))
    if not frames:
        return pl.DataFrame(schema={"date": pl.Date, "category": pl.String,
                                    "persons": pl.UInt32})
    return pl.concat(frames).select("date", "category", "persons")


def _three_months_after(col: str) -> pl.Expr:
    return pl.col(col).dt.offset_by("3mo")


def flow_counts(register: Register, on: date, years: Sequence[int]) -> pl.DataFrame:
    """The decision flow per year and insats up to ``on`` (rules in the module docstring).

    Returns
    -------
    polars.DataFrame
        ``year, category`` (every insats of the file and :data:`ALL`), each measure of
        :data:`FLOW_MEASURES` with ``<measure>_persons``, ``median_days`` and
        ``median_persons``; counts are whole numbers, ``median_days`` may be null.
    """
    d = register.decisions.filter(pl.col("decided") <= on)
    granted = pl.col("outcome").is_in(list(GRANTED))
    started = pl.col("started").is_not_null() & (pl.col("started") <= on)
    ended_by = pl.col("ended").is_not_null() & (pl.col("ended") <= on)
    deadline = _three_months_after("decided")
    late = granted & (deadline < on) & (
        (started & (pl.col("started") > deadline))
        | (~started & (~ended_by | (pl.col("ended") > deadline))))
    waiting = late & ~started & ~ended_by
    events = {
        "decisions": (pl.col("decided"), pl.col("decided").is_not_null()),
        "granted": (pl.col("decided"), granted),
        "refused": (pl.col("decided"), pl.col("outcome") == REFUSED),
        "started": (pl.col("started"), granted & started),
        "ended": (pl.col("ended"), started & ended_by),
        "waiting_over_3m": (pl.col("decided"), late),
        "still_waiting": (pl.col("decided"), waiting),
    }
    frames = []
    for measure, (when, mask) in events.items():
        frames.append(d.filter(mask.fill_null(False)).select(
            when.dt.year().alias("year"), "category", "person",
            pl.lit(measure).alias("measure"),
            (pl.col("started") - pl.col("decided")).dt.total_days().alias("days")))
    long = pl.concat(frames).filter(pl.col("year").is_in(list(years)))
    both = pl.concat([long, long.with_columns(pl.lit(ALL).alias("category"))])
    counts = both.group_by("year", "category", "measure").agg(
        pl.len().alias("n"), pl.col("person").n_unique().alias("p"),
        pl.col("days").median().alias("median"))
    keys = pl.DataFrame({"year": [y for y in years for _ in range(len(register.categories) + 1)],
                         "category": [c for _ in years for c in (*register.categories, ALL)]},
                        schema={"year": pl.Int32, "category": pl.String})
    out = keys
    for measure in FLOW_MEASURES:
        part = counts.filter(pl.col("measure") == measure).select(
            pl.col("year").cast(pl.Int32), "category", pl.col("n").alias(measure),
            pl.col("p").alias(f"{measure}_persons"),
            *([pl.col("median").alias("median_days"), pl.col("p").alias("median_persons")]
              if measure == "started" else []))
        out = out.join(part, on=["year", "category"], how="left")
    filled = [c for c in out.columns if c not in ("year", "category", "median_days")]
    return out.with_columns(pl.col(c).fill_null(0).cast(pl.Int64) for c in filled)
