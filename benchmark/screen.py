"""The national screening, every municipality × LSS category for one year.

A thin re-export kept for existing imports: the comparison core lives in
:mod:`benchmark.comparison` (method in docs/methods.md §5).
"""

from __future__ import annotations

from benchmark.comparison import COLUMNS, EXTRA_COLUMNS, Method, screen

__all__ = ["COLUMNS", "EXTRA_COLUMNS", "Method", "screen"]
