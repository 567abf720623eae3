"""Writing comparison and screening tables for the command line: table, CSV or JSON.

Every output says where its numbers come from and how they were computed: the
``data_origin`` and ``method`` columns travel in CSV, JSON carries a ``metadata`` block
(with the full method record), and the terminal table starts with a banner when the data
are synthetic demo data, so a demo figure can never pass for official statistics, and
ends with the method line.
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from benchmark.origin import SYNTHETIC_ORIGIN, is_synthetic
from benchmark.store import atomic_write_bytes

if TYPE_CHECKING:
    from benchmark.comparison import Method

#: Columns shown in the terminal table (the full table goes to CSV/JSON).
TABLE_COLUMNS = (
    "municipality", "name", "year", "category", "observed", "expected", "rate_per_10k",
    "national_rate_per_10k", "ratio", "ratio_lower", "ratio_upper", "q_value", "flag",
    "persistent",
)


def _metadata(table: pl.DataFrame, kind: str, method: Method | None) -> dict[str, object]:
    synthetic = is_synthetic(table)
    meta: dict[str, object] = {
        "kind": kind,
        "synthetic": synthetic,
        "warning": "SYNTETISKA DEMODATA – inte officiell statistik" if synthetic else None,
        "source": SYNTHETIC_ORIGIN if synthetic else "Källa: Kolada (RKA) och SCB",
        "measure": "personer med verkställda LSS-beslut den 1 oktober per 10 000 invånare",
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "rows": table.height,
    }
    if method is not None:
        meta["method"] = method.record()
    return meta


def render(table: pl.DataFrame, fmt: str, kind: str, method: Method | None = None) -> str:
    """The table as text in ``fmt`` (``table``, ``csv`` or ``json``).

    ``method`` (the :class:`~benchmark.comparison.Method` the table was computed with) adds
    its full record to the JSON metadata and its line below the terminal table.
    """
    if fmt == "csv":
        return table.write_csv()
    if fmt == "json":
        payload = {"metadata": _metadata(table, kind, method), "rows": table.to_dicts()}
        return json.dumps(payload, ensure_ascii=False, indent=1, default=str) + "\n"
    cols = [c for c in TABLE_COLUMNS if c in table.columns]
    shown = table.select(cols).with_columns(pl.selectors.float().round(2)) if cols else table
    banner = ""
    if is_synthetic(table):
        banner = "*** SYNTETISKA DEMODATA – inte officiell statistik ***\n"
    footer = f"method: {method.describe()}\n" if method is not None else ""
    with pl.Config(tbl_rows=-1, tbl_cols=-1, tbl_width_chars=200, tbl_hide_dataframe_shape=True,
                   tbl_hide_column_data_types=True, fmt_str_lengths=40):
        return f"{banner}{shown}\n{footer}"


def write_table(table: pl.DataFrame, fmt: str, out: Path | None, *, kind: str,
                method: Method | None = None) -> None:
    """Write ``table`` to ``out`` atomically (or to stdout) in the chosen format."""
    text = render(table, fmt, kind, method)
    if out is None:
        sys.stdout.write(text)
        return
    atomic_write_bytes(Path(out), text.encode("utf-8"))
    print(f"{kind} table written: {out} ({table.height} rows)", file=sys.stderr)
