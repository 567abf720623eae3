"""The national screening, every municipality × LSS category for one year.

A thin re-export kept for existing imports: the comparison core lives in
:mod:`benchmark.comparison` (method in :mod:`benchmark.comparison.table`).
"""

from __future__ import annotations

from benchmark.comparison import COLUMNS, EXTRA_COLUMNS, Method, latest_year, screen

__all__ = ["COLUMNS", "EXTRA_COLUMNS", "Method", "latest_year", "screen"]
