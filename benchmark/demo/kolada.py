"""Kolada value rows of the demo country, built one KPI at a time.

Each generator module (:mod:`~benchmark.demo.lss`, :mod:`~benchmark.demo.costs`, and any
later one) adds its KPIs to one :class:`ValueRows`; :func:`benchmark.demo.generate_dataset`
serves the rows through the Kolada emulator.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from benchmark.catalog import RIKET
from benchmark.demo.country import World


class ValueRows:
    """Kolada ``/data`` values in the emulator's row format (``kpi, municipality, year,
    gender, value, status, count``), in the order they are added."""

    def __init__(self, world: World) -> None:
        self.world = world
        self._cols: dict[str, list] = {k: [] for k in (
            "kpi", "municipality", "year", "gender", "value", "status")}

    def add(self, kpi: str, values: np.ndarray, riket: np.ndarray,
            status: np.ndarray | None, gender: str = "T") -> None:
        """One KPI: ``values`` [municipality, year] and Riket's ``riket`` [year]; a
        municipality-year whose ``status`` is not empty ("Privacy", "Missing") has no
        value. Riket is always published."""
        w = self.world
        for j, year in enumerate(w.years):
            for i, code in enumerate(w.codes):
                st = "" if status is None else status[i, j]
                self._append(kpi, code, year, gender, None if st else float(values[i, j]), st)
            self._append(kpi, RIKET, year, gender, float(riket[j]), "")

    def _append(self, *row: object) -> None:
        for col, value in zip(self._cols.values(), row, strict=True):
            col.append(value)

    def frame(self) -> pl.DataFrame:
        """The rows as the emulator serves them (``count`` is 1, as in Kolada's values)."""
        c = self._cols
        return pl.DataFrame({
            "kpi": c["kpi"], "municipality": c["municipality"],
            "year": pl.Series(c["year"], dtype=pl.Int32), "gender": c["gender"],
            "value": pl.Series(c["value"], dtype=pl.Float64), "status": c["status"],
            "count": pl.Series([1] * len(c["kpi"]), dtype=pl.Int64),
        })
