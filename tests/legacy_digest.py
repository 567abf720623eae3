"""A compact fingerprint of the comparison tables, to prove that ``Method.legacy()``
reproduces version 0.1 (main at eeb0f96, before issue 12) bit for bit.

:func:`legacy_tables` runs a fixed set of screenings, comparisons and histories on the
demo data; :func:`table_digest` hashes the exact bits of every column (float64 bytes,
integers, text, null masks) in the column order of version 0.1. The committed digests in
``tests/data/legacy_eeb0f96_digest.json`` were made by running eeb0f96's own code on the
same demo data (the data of this version's generator and ``process``; version 0.1 ignores
the rows it does not know, such as ``totalt_0_22_k``), with
``/work/notes/issue-12-before/make_digest.py`` — the same two functions, imported beside
the old package. The test (tests/test_legacy.py) recomputes them with this version.

Only polars and hashlib here: the module must import beside either version.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

import polars as pl

DIGEST_FILE = Path(__file__).parent / "data" / "legacy_eeb0f96_digest.json"

#: Columns of version 0.1 that are not compared: the method record (it lists the settings
#: issue 12 added, so its text differs by design).
SKIP = ("method",)


def legacy_tables(screen: Callable[..., pl.DataFrame], compare: Callable[..., pl.DataFrame],
                  history: Callable[..., pl.DataFrame], **kwargs: object
                  ) -> dict[str, pl.DataFrame]:
    """The tables that are fingerprinted (``kwargs``: settings or inputs, and the method)."""
    return {
        "screen-2024": screen(2024, **kwargs),
        "screen-2016": screen(2016, **kwargs),
        "screen-2020-bands": screen(2020, age_bands={"daglig_verksamhet": (18, 66),
                                                     "kontaktperson": (0, 64)}, **kwargs),
        "compare-0180-2024": compare("0180", 2024, **kwargs),
        "compare-1230-2023-lan": compare("1230", 2023, peer_group="lan", **kwargs),
        "history-0180-2024": history("0180", last_year=2024, **kwargs),
        "history-2482-2021-kommungrupp": history("2482", last_year=2021, n_years=4,
                                                 peer_group="kommungrupp", **kwargs),
    }


def table_digest(df: pl.DataFrame, columns: list[str]) -> str:
    """SHA-256 over ``columns`` of ``df``: name, dtype, null mask and the exact values."""
    h = hashlib.sha256()
    for name in columns:
        s = df[name]
        h.update(f"{name}:{s.dtype}:{s.len()}".encode())
        h.update(s.is_null().to_numpy().tobytes())
        if s.dtype.is_float():
            h.update(s.fill_null(0.0).to_numpy().astype("<f8").tobytes())
        elif s.dtype.is_integer() or s.dtype == pl.Boolean:
            h.update(s.cast(pl.Int64).fill_null(0).to_numpy().astype("<i8").tobytes())
        else:
            h.update("\x1f".join("" if v is None else str(v) for v in s.to_list()).encode())
    return h.hexdigest()


def digests(tables: dict[str, pl.DataFrame], columns: dict[str, list[str]] | None = None
            ) -> dict[str, dict[str, object]]:
    """Per table: the compared columns (version 0.1's, unless given), rows and digest."""
    out: dict[str, dict[str, object]] = {}
    for name, df in tables.items():
        cols = (columns or {}).get(name) or [c for c in df.columns if c not in SKIP]
        out[name] = {"columns": cols, "rows": df.height, "sha256": table_digest(df, cols)}
    return out
