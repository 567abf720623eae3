"""In-process emulator of the Kolada v3 and SCB PxWebApi 2.0 endpoints the clients use.

The demo and the tests feed an :class:`ApiDataset` (tidy polars frames) to
:class:`ApiEmulator`, which answers HTTP requests in the real wire formats, so synthetic
data and test fixtures go through exactly the same fetch and parse code as real data.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl


@dataclass(frozen=True)
class ApiDataset:
    """Everything the emulator serves (contracts §B).

    kolada_values: kpi, municipality (str, also "0000"), year (Int32), gender ("T"|"K"|"M"),
        value (Float64, null when status != ""), status ("" | "Missing" | "Privacy"),
        count (Int64 = 1).
    municipalities: id, title, type ("K" | "L"); includes "0000" Riket (type "L").
    groups: group_id, group_title, member_id, member_title.
    kpis: id, title, description, is_divided_by_gender (bool), municipality_type, perspective.
    population: region (SCB code: "00" Riket, 4-digit kommun), year (Int32),
        sex ("1" män | "2" kvinnor), age (str "0".."99", "100+"), population (Int64).
    synthetic: when true the emulator adds the response header ``X-Synthetic-Data: demo``.
    """

    kolada_values: pl.DataFrame
    municipalities: pl.DataFrame
    groups: pl.DataFrame
    kpis: pl.DataFrame
    population: pl.DataFrame
    synthetic: bool = True
