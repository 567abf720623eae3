"""The three register views together, and their table/CSV/JSON output.

:func:`build` computes the views a caller asks for (``stock``, ``reconciliation``,
``flow``); :func:`render` writes them like ``compare``'s output: the terminal table (main
columns, hidden cells "–", the demo banner on synthetic data), CSV (one view; every
column) or JSON (``metadata`` and one list of rows per view). A hidden cell is the text
"–" in every format; an empty cell (null) means there is no figure (e.g. Kolada has not
published the year).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import polars as pl

from benchmark.comparison import Inputs, Method, load_inputs
from benchmark.config import Settings
from benchmark.errors import InputError
from benchmark.origin import SYNTHETIC_ORIGIN, origin_label
from benchmark.output import guard_formulas
from benchmark.register.model import Register
from benchmark.register.privacy import HIDDEN
from benchmark.register.stock import HIDDEN_COLUMN, stock
from benchmark.register.stock import reference_year as stock_year
from benchmark.register.tables import flow, reconciliation

__all__ = ["TABLE_COLUMNS", "VIEWS", "RegisterViews", "build", "present", "render"]

VIEWS: tuple[str, ...] = ("stock", "reconciliation", "flow")
#: Columns of each view in the terminal table (CSV and JSON carry every column).
TABLE_COLUMNS: dict[str, tuple[str, ...]] = {
    "stock": ("category", "source", "count_date", "observed", "expected", "rate_per_10k",
              "national_rate_per_10k", "ratio", "ratio_lower", "ratio_upper", "flag"),
    "reconciliation": ("year", "category", "register_persons", "kolada_persons", "difference",
                       "kolada_status"),
    "flow": ("year", "category", "decisions", "granted", "refused", "share_refused",
             "started", "ended", "median_days", "waiting_over_3m", "still_waiting"),
}
_HEADINGS = {
    "stock": "persons with an executed decision on {date} against the national rates of "
             "{year}",
    "reconciliation": "the register on each 1 October against the count published in Kolada",
    "flow": "decisions per year (the last year up to {date})",
}


@dataclass(frozen=True)
class RegisterViews:
    """The computed views (only those asked for) and what they were computed from."""

    municipality: str
    on: date
    tables: dict[str, pl.DataFrame]
    register: Register = field(repr=False)
    synthetic: bool
    reference_year: int | None
    method: Method | None

    @property
    def origin(self) -> str:
        return origin_label(self.synthetic)


def build(register: Register, municipality: str, on: date | None = None, *,
          views: Sequence[str] = VIEWS, inputs: Inputs | None = None,
          settings: Settings | None = None, year: int | None = None,
          method: Method | None = None) -> RegisterViews:
    """Compute ``views`` of ``register`` for ``municipality`` on ``on`` (default today).

    The flow needs no processed data; the other two read them (``inputs`` or
    ``settings``). Raises :class:`InputError` for an unknown view or municipality.
    """
    from benchmark.catalog import normalise_municipality_code

    bad = [v for v in views if v not in VIEWS]
    if bad:
        raise InputError(f"unknown view(s) {', '.join(bad)}; valid: {', '.join(VIEWS)}")
    on = on or date.today()
    code = normalise_municipality_code(municipality)
    tables: dict[str, pl.DataFrame] = {}
    synthetic, reference_year = False, None
    if {"stock", "reconciliation"} & set(views):
        inputs = inputs or load_inputs(settings)
        code = inputs.check_municipality(code)
        synthetic = inputs.synthetic
        reference_year = stock_year(inputs, on, year)
    origin = origin_label(synthetic)
    for view in VIEWS:
        if view not in views:
            continue
        if view == "stock":
            table = stock(register, code, on, year=reference_year, inputs=inputs,
                          method=method)
        elif view == "reconciliation":
            table = reconciliation(register, code, on, inputs=inputs)
        else:
            table = flow(register, on, municipality=code)
        if "data_origin" not in table.columns:
            table = table.with_columns(pl.lit(origin).alias("data_origin"))
        tables[view] = table
    return RegisterViews(code, on, tables, register, synthetic, reference_year,
                         method or Method())


def _hidden_cells(table: pl.DataFrame) -> list[set[str]]:
    return [set(filter(None, (h or "").split(","))) for h in table[HIDDEN_COLUMN].to_list()]


def present(table: pl.DataFrame, *, decimals: int | None = None) -> pl.DataFrame:
    """``table`` with hidden cells as "–" (their columns as text); floats rounded to
    ``decimals`` when given."""
    if decimals is not None:
        table = table.with_columns(pl.selectors.float().round(decimals))
    hidden = _hidden_cells(table)
    cols = sorted(set().union(*hidden) & set(table.columns)) if hidden else []
    return table.with_columns(
        pl.Series(c, [HIDDEN if c in h else (None if v is None else str(v))
                      for v, h in zip(table[c].to_list(), hidden, strict=True)],
                  dtype=pl.String) for c in cols)


def _rows(table: pl.DataFrame) -> list[dict[str, Any]]:
    rows = table.to_dicts()
    for row, gone in zip(rows, _hidden_cells(table), strict=True):
        for c in gone:
            if c in row:
                row[c] = HIDDEN
    return rows


def _metadata(result: RegisterViews) -> dict[str, Any]:
    reg = result.register
    return {
        "kind": "register",
        "synthetic": result.synthetic,
        "warning": "SYNTETISKA DEMODATA – inte officiell statistik" if result.synthetic
        else None,
        "source": (SYNTHETIC_ORIGIN if result.synthetic else "Källa: Kolada (RKA) och SCB")
        + "; kommunens eget register (aggregerat, små tal dolda)",
        "file": reg.source,
        "rows_read": reg.rows,
        "rows_left_out": reg.left_out,
        "count_date": result.on.isoformat(),
        "reference_year": result.reference_year,
        "hidden": f"{HIDDEN!r} = 1–2 persons, or a cell that would give such a cell back",
        "measures": {v: _HEADINGS[v].format(date=result.on, year=result.reference_year)
                     for v in result.tables},
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "method": result.method.record() if result.method and "stock" in result.tables
        else None,
    }


def render(result: RegisterViews, fmt: str, view: str | None = None) -> str:
    """The views as text: ``table`` (each view under a heading), ``csv`` (``view`` only,
    or the single view computed) or ``json`` (all views computed)."""
    if fmt == "json":
        payload = {"metadata": _metadata(result),
                   **{v: _rows(t) for v, t in result.tables.items()}}
        return json.dumps(payload, ensure_ascii=False, indent=1, default=str) + "\n"
    if fmt == "csv":
        names = [view] if view else list(result.tables)
        if len(names) != 1:
            raise InputError("CSV holds one table: choose --view stock, reconciliation or "
                             "flow, or put {view} in the --out name (e.g. "
                             "reports/egna-beslut-{view}.csv)")
        return guard_formulas(present(result.tables[names[0]])).write_csv()
    banner = ("*** SYNTETISKA DEMODATA – inte officiell statistik ***\n" if result.synthetic
              else "")
    parts = [banner]
    for v, table in result.tables.items():
        cols = [c for c in TABLE_COLUMNS[v] if c in table.columns]
        shown = present(table.select(*cols, HIDDEN_COLUMN), decimals=2).drop(HIDDEN_COLUMN)
        heading = _HEADINGS[v].format(date=result.on, year=result.reference_year)
        with pl.Config(tbl_rows=-1, tbl_cols=-1, tbl_width_chars=200,
                       tbl_hide_dataframe_shape=True, tbl_hide_column_data_types=True,
                       fmt_str_lengths=30):
            parts.append(f"{v}: {heading}\n{shown}\n")
    parts.append(f"{HIDDEN} = 1–2 persons, or a cell that would give such a cell back "
                 "(confidentiality)\n")
    return "\n".join(p for p in parts if p)
