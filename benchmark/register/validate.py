"""Validating a case-system export into a :class:`~benchmark.register.model.Register`.

The checks, in order; the first that fails stops the import with one line (exit code 2)
naming the rows or column and what would be valid:

1. a column that looks like personnummer (any column of the file): pseudonymise first;
2. required columns (:data:`~benchmark.register.format.REQUIRED`, and ``fodelsear`` or
   ``alder``), a column given twice;
3. empty ``person``, ``insats``, ``beslutsdatum`` or ``beslut``;
4. unknown insats labels (all listed, each with the closest known label);
5. unknown decision values;
6. dates that cannot be read (``YYYY-MM-DD``; ``YYYYMMDD``, ``YYYY/MM/DD`` and a time after
   the date are accepted), years outside 1900–2100;
7. birth year outside 1900–this year, age outside 0–110, not a whole number; one person
   with two birth years;
8. a refusal with a start date; a start before the decision; an end before the start;
9. duplicate rows (the same person, insats and decision date).

Rows whose label names support that is not a municipal LSS decision
(:data:`~benchmark.register.format.LEFT_OUT`) are counted in ``Register.left_out`` and left
out of every figure.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path

import polars as pl

from benchmark.errors import InputError
from benchmark.register import format as fm
from benchmark.register.model import DECISION_SCHEMA, Register
from benchmark.register.privacy import personnummer_columns
from benchmark.register.reader import ROW, read_rows

__all__ = ["read_register", "rows_text"]

MIN_BIRTH_YEAR = 1900
MAX_AGE = 110
_DATE = r"^\d{4}[-/.]\d{2}[-/.]\d{2}(?:[ T]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$"


def rows_text(rows: Sequence[int], shown: int = 3) -> str:
    """``row 5``, ``rows 5, 9 and 12`` or ``rows 5, 9, 12 and 4 more``.

    Examples
    --------
    >>> rows_text([5]), rows_text([5, 9]), rows_text([1, 2, 3, 4, 5])
    ('row 5', 'rows 5 and 9', 'rows 1, 2, 3 and 2 more')
    """
    rows = list(rows)
    if len(rows) == 1:
        return f"row {rows[0]}"
    if len(rows) <= shown:
        return "rows " + ", ".join(map(str, rows[:-1])) + f" and {rows[-1]}"
    return "rows " + ", ".join(map(str, rows[:shown])) + f" and {len(rows) - shown} more"


def read_register(path: str | Path, *, sheet: str | None = None,
                  labels: Mapping[str, str] | None = None) -> Register:
    """Read and validate a case-system export (CSV or Excel).

    Parameters
    ----------
    path
        The export, where the user keeps it (never copied).
    sheet
        The sheet of a workbook with several.
    labels
        Extra insats labels: local label → catalogue id or ``skip`` (``--map``).

    Returns
    -------
    Register
        The decisions, persons as anonymous numbers.

    Raises
    ------
    InputError
        For every problem listed in the module docstring, naming rows and columns.
    """
    path = Path(path)
    raw = read_rows(path, sheet)
    _check_personnummer(raw)
    cols = _match_columns(raw.columns)
    extra = _extra_labels(labels)
    df = raw.select(ROW, *(pl.col(src).alias(name) for name, src in cols.items()))
    df = df.with_columns(pl.col(c).str.strip_chars() for c in cols)
    df = df.with_columns(pl.when(pl.col(c) == "").then(None).otherwise(pl.col(c)).alias(c)
                         for c in cols)
    for name in ("person", "insats", "beslutsdatum", "beslut"):
        empty = df.filter(pl.col(name).is_null())[ROW].to_list()
        if empty:
            raise InputError(f"{rows_text(empty)}: column {cols[name]!r} is empty; every "
                             f"decision needs {_needs(name)}")
    df = df.with_columns(_categories(df, cols["insats"], extra))
    df = df.with_columns(_outcomes(df, cols["beslut"]))
    df = df.with_columns(_dates(df, cols, name) for name in
                         ("beslutsdatum", "verkstalld_datum", "avslutad_datum"))
    df = df.with_columns(_birth_years(df, cols))
    _check_order(df, cols)
    left_out = (df.filter(pl.col("category").is_in(list(fm.LEFT_OUT)))
                .group_by("category").len().sort("category"))
    df = df.filter(~pl.col("category").is_in(list(fm.LEFT_OUT)))
    _check_duplicates(df, cols)
    decisions = df.select(
        pl.col("person").rank("dense").cast(pl.UInt32).sub(1).alias("person"),
        "birth_year", "category", "outcome",
        pl.col("beslutsdatum").alias("decided"), pl.col("verkstalld_datum").alias("started"),
        pl.col("avslutad_datum").alias("ended"), pl.col(ROW).cast(pl.UInt32).alias("row"),
    ).cast(DECISION_SCHEMA)  # type: ignore[arg-type]
    return Register(decisions, path.name, raw.height,
                    {c: int(n) for c, n in left_out.iter_rows()})


def _needs(name: str) -> str:
    return {"person": "a pseudonymous key of the person", "insats": "an insats",
            "beslutsdatum": "a decision date (YYYY-MM-DD)",
            "beslut": "bifall, delvis bifall or avslag"}[name]


def _check_personnummer(raw: pl.DataFrame) -> None:
    found = personnummer_columns(raw.drop(ROW))
    if found:
        name, hits, total = found[0]
        others = f" (also {', '.join(repr(f[0]) for f in found[1:])})" if found[1:] else ""
        raise InputError(f"column {name!r}{others} looks like personnummer ({hits} of {total} "
                         "values); pseudonymise first: replace every personnummer with a key "
                         "such as a running number, keep the key list inside the case "
                         "system, and export again")


def _match_columns(columns: Sequence[str]) -> dict[str, str]:
    """Format column → the file's column name; errors for missing or doubled columns."""
    known = fm.column_names()
    found: dict[str, str] = {}
    for col in columns:
        name = known.get(fm.column_key(col))
        if name is None:
            continue
        if name in found:
            raise InputError(f"columns {found[name]!r} and {col!r} both mean {name}; keep one")
        found[name] = col
    missing = [c for c in fm.REQUIRED if c not in found]
    if not any(c in found for c in fm.AGE_COLUMNS):
        missing.append(" or ".join(fm.AGE_COLUMNS))
    if missing:
        shown = ", ".join(repr(c) for c in columns if c != ROW) or "none"
        raise InputError(f"missing column(s): {', '.join(missing)}; the file has {shown}; "
                         "required: person, fodelsear or alder, insats, beslutsdatum, beslut, "
                         "verkstalld_datum, avslutad_datum (see templates/register/)")
    return {name: found[name] for name in (*(c.name for c in fm.COLUMNS),) if name in found}


def _extra_labels(labels: Mapping[str, str] | None) -> dict[str, str]:
    valid = (*fm.REGISTER_CATEGORIES, fm.SKIP)
    out: dict[str, str] = {}
    for label, target in (labels or {}).items():
        key, tgt = fm.normalise(label), str(target).strip()
        if not key:
            raise InputError(f"--map {label!r}={target!r}: the label is empty; write "
                             "LABEL=ID, e.g. 'Ledsagarserv.=ledsagarservice'")
        if tgt not in valid:
            close = difflib.get_close_matches(tgt, valid, n=1, cutoff=0)
            raise InputError(f"--map {label!r}={tgt!r}: {tgt!r} is not an insats id (closest: "
                             f"{close[0]}); valid: {', '.join(valid)}")
        out[key] = tgt
    return out


def _categories(df: pl.DataFrame, column: str, extra: dict[str, str]) -> pl.Series:
    labels = df.group_by("insats").agg(pl.col(ROW).min().alias("first"),
                                       pl.len().alias("n")).sort("first")
    mapping, unknown = {}, []
    for label, first, n in labels.iter_rows():
        cid = fm.label_of(label, extra)
        if cid is None:
            unknown.append((label, first, n))
        mapping[label] = cid
    if unknown:
        choices = sorted(set(fm.LABELS) | set(extra))
        parts = []
        for label, first, n in unknown:
            close = difflib.get_close_matches(fm.normalise(label), choices, n=1, cutoff=0)
            hint = fm.LABELS.get(close[0], extra.get(close[0])) if close else None
            parts.append(f"{label!r} ({n} row{'s' if n > 1 else ''}, first row {first}; "
                         f"closest: {hint})")
        raise InputError(f"unknown insats label(s) in column {column!r}: {'; '.join(parts)}; "
                         "use a catalogue id or a label of templates/register/, or say what a "
                         "label means with --map 'LABEL=ID' (ID a catalogue id or skip)")
    return df["insats"].replace_strict(mapping, return_dtype=pl.String).alias("category")


def _outcomes(df: pl.DataFrame, column: str) -> pl.Series:
    norm = df["beslut"].map_elements(fm.normalise, return_dtype=pl.String)
    outcome = norm.replace_strict(fm.DECISIONS, default=None, return_dtype=pl.String)
    bad = df.filter(outcome.is_null())
    if bad.height:
        values = bad["beslut"].unique(maintain_order=True).to_list()
        raise InputError(f"{rows_text(bad[ROW].to_list())}: column {column!r} has "
                         f"{', '.join(repr(v) for v in values[:5])}; valid: bifall, delvis "
                         "bifall or avslag (also beviljat, avslaget, granted, refused)")
    return outcome.alias("outcome")


def _dates(df: pl.DataFrame, cols: dict[str, str], name: str) -> pl.Series:
    text = df[name]
    iso = (pl.when(text.str.contains(r"^\d{8}$"))
           .then(text.str.slice(0, 4) + "-" + text.str.slice(4, 2) + "-" + text.str.slice(6, 2))
           .when(text.str.contains(_DATE)).then(text.str.slice(0, 10).str.replace_all(r"[/.]", "-"))
           .otherwise(None))
    parsed = pl.select(iso.str.to_date("%Y-%m-%d", strict=False)).to_series()
    parsed = pl.select(pl.when(parsed.dt.year().is_between(1900, 2100)).then(parsed)).to_series()
    _refuse(df.filter(text.is_not_null() & parsed.is_null()), cols, name, "is not a date",
            "write dates as YYYY-MM-DD, e.g. 2024-03-05")
    return parsed.alias(name)


def _refuse(bad: pl.DataFrame, cols: dict[str, str], name: str, problem: str,
            valid: str) -> None:
    """Raise for the first of the ``bad`` rows of column ``name``, counting the others."""
    if bad.height == 0:
        return
    first = bad.row(0, named=True)
    also = bad[ROW].to_list()[1:]
    more = f" (also {rows_text(also)})" if also else ""
    raise InputError(f"row {first[ROW]}, column {cols[name]!r}: {first[name]!r} {problem}"
                     f"{more}; {valid}")


def _whole(df: pl.DataFrame, cols: dict[str, str], name: str, lo: int, hi: int,
           what: str) -> pl.Series:
    """A column of whole numbers in [lo, hi] (null where empty), or an error naming rows."""
    text = df[name]
    value = text.str.replace(r"\.0$", "").cast(pl.Int32, strict=False)
    _refuse(df.filter(text.is_not_null() & (value.is_null() | ~value.is_between(lo, hi))),
            cols, name, "is out of range", f"give {what} from {lo} to {hi}")
    return value


def _birth_years(df: pl.DataFrame, cols: dict[str, str]) -> pl.Series:
    """Year of birth per row: ``fodelsear``, else decision year − ``alder``."""
    born = age = None
    if "fodelsear" in cols:
        born = _whole(df, cols, "fodelsear", MIN_BIRTH_YEAR, date.today().year,
                      "a year of birth")
    if "alder" in cols:
        age = _whole(df, cols, "alder", 0, MAX_AGE,
                     "an age in whole years on the decision date")
    from_age = None if age is None else df["beslutsdatum"].dt.year() - age
    birth = born if from_age is None else from_age if born is None else born.fill_null(from_age)
    empty = df.filter(birth.is_null())[ROW].to_list()
    if empty:
        given = " or ".join(repr(cols[c]) for c in fm.AGE_COLUMNS if c in cols)
        raise InputError(f"{rows_text(empty)}: column {given} is empty; give a year of birth "
                         f"({MIN_BIRTH_YEAR}–{date.today().year}) or an age (0–{MAX_AGE})")
    if born is not None:
        years = df.select("person", born.alias("y")).drop_nulls().group_by("person").agg(
            pl.col("y").n_unique().alias("n"))
        if (years["n"] > 1).any():
            person = years.filter(pl.col("n") > 1)["person"][0]
            rows = df.filter(pl.col("person") == person)[ROW].to_list()
            raise InputError(f"{rows_text(rows)}: the same person has different years in "
                             f"column {cols['fodelsear']!r}; give one year of birth per "
                             "person")
    return birth.cast(pl.Int32).alias("birth_year")


def _check_order(df: pl.DataFrame, cols: dict[str, str]) -> None:
    checks = (
        ((pl.col("outcome") == fm.REFUSED) & pl.col("verkstalld_datum").is_not_null(),
         f"beslut is avslag but column {cols['verkstalld_datum']!r} has a start date; a "
         "refused decision is never executed: leave the start date empty or correct beslut"),
        (pl.col("verkstalld_datum") < pl.col("beslutsdatum"),
         f"column {cols['verkstalld_datum']!r} is before {cols['beslutsdatum']!r}; an insats "
         "starts on or after the day it is decided"),
        (pl.col("avslutad_datum") < pl.col("verkstalld_datum"),
         f"column {cols['avslutad_datum']!r} is before {cols['verkstalld_datum']!r}; an "
         "insats ends on or after the day it starts"),
    )
    for mask, what in checks:
        rows = df.filter(mask.fill_null(False))[ROW].to_list()
        if rows:
            raise InputError(f"{rows_text(rows)}: {what}")


def _check_duplicates(df: pl.DataFrame, cols: dict[str, str]) -> None:
    keys = ["person", "category", "beslutsdatum"]
    dup = df.filter(pl.struct(keys).is_duplicated())
    if dup.height:
        first = dup.sort(ROW).row(0, named=True)
        rows = dup.filter((pl.col("person") == first["person"])
                          & (pl.col("category") == first["category"])
                          & (pl.col("beslutsdatum") == first["beslutsdatum"]))[ROW].sort()
        others = dup.height - len(rows)
        more = f" ({others} more duplicate rows)" if others else ""
        raise InputError(f"{rows_text(rows.to_list())} are duplicates: the same person, insats "
                         f"and {cols['beslutsdatum']!r}{more}; keep one row per decision")
