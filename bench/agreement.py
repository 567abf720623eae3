"""Does the pandas baseline give the same screening table as the library?

A speed ratio means nothing unless both sides compute the same thing, so the benchmark
compares every municipality × category row before it reports one. Floats agree when
``|a − b| ≤ ATOL + RTOL·|b|`` (both missing also agrees); labels and booleans must be equal.
The primary columns (the brief's acceptance) are ``expected``, ``ratio``, ``p_value`` and
``flag``; the others are checked too so that a disagreement is easy to localise.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import polars as pl

__all__ = ["ATOL", "EXACT_COLUMNS", "FLOAT_COLUMNS", "PRIMARY", "RTOL", "Agreement",
           "compare_tables"]

RTOL = 1e-9
ATOL = 1e-12
KEYS = ("municipality", "year", "category")
PRIMARY = ("expected", "ratio", "p_value", "flag")
FLOAT_COLUMNS = (
    "expected", "ratio", "ratio_lower", "ratio_upper", "p_value", "q_value", "z",
    "observed", "population_total", "population_band", "national_rate_per_10k",
    "expected_crude", "rate_per_10k", "rate_lower", "rate_upper", "phi", "tau2",
    "limit_lower_998", "limit_upper_998", "ratio_shrunk", "excess",
)
EXACT_COLUMNS = ("status", "flag", "flag_95", "flag_reason", "ratio_method", "od_adjusted",
                 "persistent", "years_flagged")


@dataclass
class Agreement:
    """Row-by-row comparison result: mismatching rows per column, with a few examples."""

    rows: int
    rtol: float
    atol: float
    missing_rows: int = 0
    mismatches: dict[str, int] = field(default_factory=dict)
    examples: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.missing_rows == 0 and not any(self.mismatches.values())

    @property
    def primary_ok(self) -> bool:
        return self.missing_rows == 0 and not any(self.mismatches.get(c) for c in PRIMARY)

    def summary(self) -> str:
        if self.ok:
            return (f"agree on all {self.rows} rows × {len(FLOAT_COLUMNS) + len(EXACT_COLUMNS)}"
                    f" columns (floats: |a−b| ≤ {self.atol:g} + {self.rtol:g}·|b|; "
                    "labels exact)")
        bad = {c: n for c, n in self.mismatches.items() if n}
        return (f"DISAGREE: {self.missing_rows} rows only on one side; mismatching rows per "
                f"column: {bad}")

    def as_dict(self) -> dict[str, Any]:
        return {"rows": self.rows, "rtol": self.rtol, "atol": self.atol, "ok": self.ok,
                "primary_columns": list(PRIMARY), "primary_ok": self.primary_ok,
                "missing_rows": self.missing_rows, "mismatches": self.mismatches,
                "examples": self.examples}


def _labels(values: pd.Series) -> np.ndarray:
    return values.astype(object).where(values.notna(), None).to_numpy()


def compare_tables(library: pl.DataFrame, baseline: pd.DataFrame, *, rtol: float = RTOL,
                   atol: float = ATOL, n_examples: int = 3) -> Agreement:
    """Compare the library's screening table with the baseline's, keyed on
    municipality × year × category."""
    lib = library.to_pandas()
    merged = lib.merge(baseline, on=list(KEYS), how="outer", suffixes=("_lib", "_base"),
                       indicator=True)
    both = merged[merged["_merge"] == "both"].reset_index(drop=True)
    result = Agreement(rows=len(both), rtol=rtol, atol=atol,
                       missing_rows=int((merged["_merge"] != "both").sum()))
    for col in (*FLOAT_COLUMNS, *EXACT_COLUMNS):
        a, b = both[f"{col}_lib"], both[f"{col}_base"]
        if col in FLOAT_COLUMNS:
            x, y = a.to_numpy(float), b.to_numpy(float)
            same = (np.isnan(x) & np.isnan(y)) | np.isclose(x, y, rtol=rtol, atol=atol)
        else:
            same = _labels(a) == _labels(b)
        bad = np.flatnonzero(~same)
        result.mismatches[col] = len(bad)
        if len(bad):
            result.examples[col] = [
                {**{k: both.at[i, k] for k in KEYS}, "library": _plain(both.at[i, f"{col}_lib"]),
                 "baseline": _plain(both.at[i, f"{col}_base"])} for i in bad[:n_examples]]
    return result


def _plain(value: Any) -> Any:
    """JSON-friendly scalar."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, np.generic):
        return value.item()
    return value
