"""Small polars helpers shared by the steps of the comparison table."""

from __future__ import annotations

import numpy as np
import polars as pl

__all__ = ["collect", "float_column", "text_column"]


def collect(frame: pl.LazyFrame) -> pl.DataFrame:
    """Run a query plan of the comparison on polars' in-memory engine.

    The frames are small (thousands of rows) and the plans have many joins: there the
    in-memory engine takes about half the time of the streaming one (polars' default
    since 2.0), measured with ``make bench``. (The band populations, summed over the
    full population table, use the streaming engine.)
    """
    return frame.collect(engine="in-memory")


def float_column(values: np.ndarray, name: str) -> pl.Series:
    """A Float64 column from a numpy array, NaN as null."""
    return pl.Series(name, values, dtype=pl.Float64, nan_to_null=True)


def text_column(values: np.ndarray, name: str) -> pl.Series:
    """A String column from a numpy object array (None as null).

    Built from a list: polars would make an object column of an array led by None.
    """
    return pl.Series(name, values.tolist(), dtype=pl.String)
