"""Where the numbers come from: the data-origin labels and the one test for synthetic data.

Comparison tables carry ``data_origin`` on every row: :data:`SYNTHETIC_ORIGIN` for the
offline demo country (:mod:`benchmark.demo`), :data:`REAL_ORIGIN` otherwise. Every output
(CSV, JSON, terminal table, charts, reports) asks :func:`is_synthetic`, so a demo figure can
never pass for official statistics.
"""

from __future__ import annotations

import polars as pl

from benchmark.texts import text

__all__ = ["REAL_ORIGIN", "SYNTHETIC_ORIGIN", "is_synthetic", "origin_label"]

#: ``data_origin`` of rows computed from synthetic demo data.
SYNTHETIC_ORIGIN = text("origin.synthetic", "sv")
#: ``data_origin`` of rows computed from real Kolada and SCB data.
REAL_ORIGIN = text("origin.real", "sv")


def origin_label(synthetic: bool) -> str:
    """The ``data_origin`` label for synthetic or real data."""
    return SYNTHETIC_ORIGIN if synthetic else REAL_ORIGIN


def is_synthetic(table: pl.DataFrame) -> bool:
    """Whether any row of ``table`` comes from synthetic demo data.

    Parameters
    ----------
    table
        A comparison table (any frame with a ``data_origin`` column).

    Returns
    -------
    bool
        True when a ``data_origin`` equals :data:`SYNTHETIC_ORIGIN`, ignoring case; False
        without the column or rows.

    Examples
    --------
    >>> is_synthetic(pl.DataFrame({"data_origin": ["Syntetiska demodata"]}))
    True
    """
    if "data_origin" not in table.columns or table.height == 0:
        return False
    return bool(table["data_origin"].cast(pl.String).str.to_lowercase()
                .eq(SYNTHETIC_ORIGIN).any())
