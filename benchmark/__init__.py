"""LSS benchmarking: compare a municipality's LSS support with Riket and similar municipalities.

The public API is deliberately short; everything else is internal.
"""

from __future__ import annotations

import logging

from benchmark.catalog import CATEGORIES, Category, get_category, normalise_municipality_code
from benchmark.config import Settings, get_settings
from benchmark.errors import BenchmarkError, DataError, FetchError, InputError

__version__ = "0.1.0"

__all__ = [
    "CATEGORIES",
    "BenchmarkError",
    "Category",
    "DataError",
    "FetchError",
    "InputError",
    "Settings",
    "__version__",
    "get_category",
    "get_settings",
    "normalise_municipality_code",
]

logging.getLogger(__name__).addHandler(logging.NullHandler())
