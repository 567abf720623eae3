"""The whole LSS picture: any Kolada KPI with the comparison its kind allows.

:mod:`~benchmark.profile.catalogue` holds the curated LSS profile (40 KPIs in five groups)
and classifies KPIs outside it; :mod:`~benchmark.profile.engine` computes the profile table
of one municipality (:func:`profile`), which ``python -m benchmark profile``, the report's
section "Helhetsbild" and notebook 01 show.
"""

from __future__ import annotations

from typing import Any

from benchmark.profile.catalogue import (
    GROUPS,
    KINDS,
    ProfileKpi,
    classify,
    denominator_kpis,
    entry,
    parse_kpi_ids,
    profile_kpis,
)

__all__ = ["GROUPS", "KINDS", "PROFILE_COLUMNS", "ProfileKpi", "classify", "denominator_kpis",
           "entry", "parse_kpi_ids", "profile", "profile_kpis"]


def __getattr__(name: str) -> Any:
    # The engine imports the comparison, which imports benchmark.catalog, which imports this
    # package's catalogue: load it only when asked for.
    if name in ("profile", "PROFILE_COLUMNS"):
        from benchmark.profile import engine
        return getattr(engine, name)
    raise AttributeError(name)
