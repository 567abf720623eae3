"""The catalogue of processed tables: each table's columns, types and keys, and the one check.

``make process`` writes these tables into one processed set (:mod:`benchmark.tableset`);
every reader gets them through :meth:`benchmark.tableset.ProcessedSet.read`, which checks
them against :data:`TABLES` with :func:`check_table`. A table that lacks a required column,
or holds a column of another kind (text where numbers belong), raises :class:`DataError`
naming the table, the column and what was expected; integers of another width are cast.

=================  ===========================================================================
``lss``            persons with LSS support: municipality × year × category
``population``     SCB population: municipality × year × sex × single-year age (100 = 100+)
``municipalities`` the register: kommunkod, name, type (Riket "0000" included)
``peer_groups``    Kolada's municipality groups, one row per member (optional)
``kpi_values``     every other fetched Kolada KPI: municipality × year × kpi × gender (optional)
``kpis``           Kolada's titles and descriptions of the fetched KPIs (optional)
=================  ===========================================================================

Municipality codes are 4-character strings everywhere ("0180", never 180); "0000" is Riket.
An *optional* table may be absent from a set; a reader then gets it empty, with its columns.

Examples
--------
>>> TABLES["kpi_values"].required
('municipality', 'year', 'kpi', 'gender', 'value', 'status', 'snapshot')
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import polars as pl

from benchmark.errors import DataError, InputError

__all__ = ["PROCESSED_TABLES", "TABLES", "Column", "TableSchema", "check_table", "schema"]


@dataclass(frozen=True)
class Column:
    """One column: its name, type, whether every table must have it, and what it holds."""

    name: str
    dtype: pl.DataType
    required: bool = True
    description: str = ""


@dataclass(frozen=True)
class TableSchema:
    """A processed table: its columns (in the order written), key and code columns.

    ``optional`` tables may be absent from a processed set. ``keys`` are unique per row;
    ``codes`` hold 4-character municipality codes (both checked by :meth:`validate`).
    """

    name: str
    description: str
    columns: tuple[Column, ...]
    keys: tuple[str, ...]
    codes: tuple[str, ...] = ("municipality",)
    optional: bool = False

    @property
    def dtypes(self) -> dict[str, pl.DataType]:
        """Column → type, every column in order (a polars ``schema``)."""
        return {c.name: c.dtype for c in self.columns}

    @property
    def required(self) -> tuple[str, ...]:
        """The columns every table of this name must have."""
        return tuple(c.name for c in self.columns if c.required)

    def empty(self) -> pl.DataFrame:
        """An empty table with every column (what a reader gets for an absent table)."""
        return pl.DataFrame(schema=self.dtypes)

    def check(self, df: pl.DataFrame, columns: Sequence[str] | None = None,
              source: str | None = None) -> pl.DataFrame:
        """``df`` with its catalogue columns in their types; see :func:`check_table`."""
        where = f"processed table {self.name}" + (f" ({source})" if source else "")
        wanted = self.columns if columns is None else [self.column(c) for c in columns]
        casts = []
        for col in wanted:
            if col.name not in df.columns:
                if col.required or columns is not None:
                    raise DataError(f"{where} lacks column {col.name!r} ({col.dtype}); "
                                    f"{_REMEDY}")
                continue
            found = df.schema[col.name]
            if found != col.dtype:
                if not _castable(found, col.dtype):
                    raise DataError(f"{where}: column {col.name!r} is {found}, expected "
                                    f"{col.dtype}; {_REMEDY}")
                casts.append(pl.col(col.name).cast(col.dtype))
        return df.with_columns(casts) if casts else df

    def column(self, name: str) -> Column:
        """The column called ``name``, or :class:`InputError` listing the table's columns."""
        for col in self.columns:
            if col.name == name:
                return col
        raise InputError(f"processed table {self.name} has no column {name!r}; its columns: "
                         f"{', '.join(c.name for c in self.columns)}")

    def validate(self, df: pl.DataFrame) -> pl.DataFrame:
        """:meth:`check` plus what a written table must hold: unique keys and 4-character
        municipality codes (``process`` runs it on every table before writing)."""
        df = self.check(df)
        for col in self.codes:
            if df.height and col in df.columns and not (
                    df[col].drop_nulls().str.len_chars() == 4).all():
                raise DataError(f"{self.name}: {col} codes must have 4 characters")
        dup = df.group_by(list(self.keys)).len().filter(pl.col("len") > 1)
        if dup.height:
            raise DataError(f"{self.name}: duplicate keys {list(self.keys)}, e.g. {dup.row(0)}")
        return df


_REMEDY = "run `make process` again (or `make demo` for synthetic demo data)"
_INTEGERS = frozenset({pl.Int8, pl.Int16, pl.Int32, pl.Int64, pl.UInt8, pl.UInt16, pl.UInt32,
                       pl.UInt64})


def _castable(found: pl.DataType, wanted: pl.DataType) -> bool:
    """Integers of another width, or integers where floats belong, convert exactly
    enough; anything else (text for numbers, numbers for text) is a different table."""
    if wanted in _INTEGERS:
        return found in _INTEGERS
    if wanted in (pl.Float64, pl.Float32):
        return found in _INTEGERS or found in (pl.Float32, pl.Float64)
    return False


def _columns(*spec: Column | tuple[str, pl.DataType, bool, str]) -> tuple[Column, ...]:
    return tuple(s if isinstance(s, Column) else Column(*s) for s in spec)


_S, _I32, _F = pl.String(), pl.Int32(), pl.Float64()
#: Columns several tables share.
_MUNICIPALITY = Column("municipality", _S, True, "kommunkod; 0000 = Riket")
_YEAR = Column("year", _I32, True, "year")
_SNAPSHOT = Column("snapshot", _S, True, "raw snapshot id(s) the row came from, ';'-separated")

#: Every processed table, by name (the order of a set's listing).
TABLES: dict[str, TableSchema] = {t.name: t for t in (
    TableSchema("lss", "Persons with LSS support per municipality, year and category", _columns(
        _MUNICIPALITY,
        Column("year", _I32, True, "reference year (persons on 1 October)"),
        ("category", _S, True, "catalogue id (benchmark.catalog), or the total's split: "
         "totalt_0_22, totalt_0_64, and totalt_0_22_k/_m (0–22 women/men)"),
        ("count", _F, True, "persons; null unless status is ok"),
        ("per_10k", _F, True, "Kolada's rate per 10 000 inhabitants (per band for the split)"),
        ("status", _S, True, "ok, suppressed or missing (never 0 for the last two)"),
        ("kpi_count", _S, True, "Kolada KPI of the count (null for rate-only categories)"),
        ("kpi_rate", _S, True, "Kolada KPI of the rate"),
        _SNAPSHOT,
        Column("count_source", _S, False, "published, derived_from_rate or null (no count)"),
    ), keys=("municipality", "year", "category")),
    TableSchema("population", "SCB population on 31 December", _columns(
        _MUNICIPALITY, _YEAR,
        ("sex", _S, True, "K or M"),
        ("age", pl.Int16(), True, "0..100 (100 = 100 and older)"),
        ("population", pl.Int64(), True, "inhabitants; null where SCB gives no value"),
        Column("status", _S, False, "SCB's symbol for the cell, if any"),
        dataclasses.replace(_SNAPSHOT, required=False),
    ), keys=("municipality", "year", "sex", "age")),
    TableSchema("municipalities", "The municipality register (Kolada)", _columns(
        _MUNICIPALITY,
        ("name", _S, True, "name"),
        Column("type", _S, False, "K (municipality) or L (Riket)"),
    ), keys=("municipality",)),
    TableSchema("peer_groups", "Kolada's municipality groups, one row per member", _columns(
        ("group_id", _S, True, "Kolada group id"),
        ("title", _S, True, "Kolada's title"),
        ("kind", _S, True, "liknande_lss, kommungrupp, lan, storlek or other"),
        ("member", _S, True, "kommunkod of a member"),
        Column("focus", _S, False, "the municipality a Liknande kommuner LSS group is for"),
        Column("year", _I32, False, "the year in a Liknande kommuner LSS group's title"),
    ), keys=("group_id", "member"), codes=("member",), optional=True),
    TableSchema("kpi_values", "Every other fetched Kolada KPI (benchmark.catalog."
                "EXTRA_KPI_SETS: costs, …)", _columns(
        _MUNICIPALITY, _YEAR,
        ("kpi", _S, True, "Kolada KPI id"),
        ("gender", _S, True, "T (total), K or M"),
        ("value", _F, True, "null unless status is ok"),
        ("status", _S, True, "ok, suppressed or missing"),
        _SNAPSHOT,
    ), keys=("municipality", "year", "kpi", "gender"), optional=True),
    TableSchema("kpis", "Kolada's description of every fetched KPI", _columns(
        ("kpi", _S, True, "Kolada KPI id"),
        ("title", _S, True, "Kolada's title"),
        ("description", _S, True, "Kolada's definition and source"),
        ("gender_split", pl.Boolean(), True, "whether Kolada publishes K and M values"),
        _SNAPSHOT,
    ), keys=("kpi",), codes=(), optional=True),
)}
#: The tables of a complete processed set.
PROCESSED_TABLES: tuple[str, ...] = tuple(TABLES)


def schema(name: str) -> TableSchema:
    """The catalogue entry of table ``name``, or :class:`InputError` listing the tables.

    Examples
    --------
    >>> schema("population").keys
    ('municipality', 'year', 'sex', 'age')
    """
    try:
        return TABLES[name]
    except KeyError:
        raise InputError(f"unknown processed table {name!r}; tables: "
                         f"{', '.join(TABLES)}") from None


def check_table(name: str, df: pl.DataFrame, columns: Iterable[str] | None = None,
                source: str | None = None) -> pl.DataFrame:
    """Check ``df`` against the catalogue entry of table ``name``.

    Parameters
    ----------
    name
        A table of :data:`TABLES`.
    df
        The table as read (or about to be written).
    columns
        Only these columns (a reader that read a subset); default: every column, where
        optional ones may be absent.
    source
        Where the table came from, for the message (e.g. its path).

    Returns
    -------
    polars.DataFrame
        ``df``, with integer columns of another width cast to the catalogue's type.

    Raises
    ------
    DataError
        Naming the table and the column that is missing or of the wrong kind.
    InputError
        For an unknown table or column name.

    Examples
    --------
    >>> df = pl.DataFrame({"municipality": ["0180"], "name": ["Demoby"]})
    >>> check_table("municipalities", df).columns
    ['municipality', 'name']
    >>> check_table("municipalities", df.drop("name"))
    Traceback (most recent call last):
    ...
    benchmark.errors.DataError: processed table municipalities lacks column 'name' (String); \
run `make process` again (or `make demo` for synthetic demo data)
    """
    return schema(name).check(df, None if columns is None else list(columns), source)
