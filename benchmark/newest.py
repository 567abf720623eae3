"""Which years ``fetch`` takes when none are given: :data:`DEFAULT_FIRST_YEAR` through the
newest year both Kolada and SCB have published (:func:`choose_years`)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from benchmark.config import LAST_YEAR
from benchmark.errors import FetchError
from benchmark.sources import kolada, scb

#: The first year fetched by default.
DEFAULT_FIRST_YEAR = 2015


def choose_years(kpi_items: Iterable[dict[str, Any]], ckm_metadata: dict[str, Any],
                 today: date, first: int = DEFAULT_FIRST_YEAR,
                 annual_metadata: dict[str, Any] | None = None) -> tuple[list[int], str]:
    """``first`` through the newest year both sources have published, and one line
    saying how that year was chosen.

    Kolada: :func:`kolada.newest_published` over the LSS KPIs' metadata. SCB: TAB638 up to
    2024, then every year with ``<year>M12`` in TAB6471's metadata (``ckm_metadata``). With
    TAB638's metadata (``annual_metadata``) the start is TAB638's first year when that is
    later than ``first`` (SCB refuses a year the table lacks).
    Raises :class:`FetchError` when Kolada reports no publ_period at all.
    """
    k_year, notes = kolada.newest_published(kpi_items, today)
    if k_year is None:
        raise FetchError("Kolada's KPI metadata gives no publ_period for the LSS KPIs, so "
                         "the newest year is unknown; give the years, e.g. "
                         "`make data YEARS=2015-2024`")
    annual = scb.table_years(scb.TAB_ANNUAL, annual_metadata) if annual_metadata else []
    asked = first
    if annual and annual[0] > first:
        first = annual[0]
    december = scb.table_years(scb.TAB_CKM, ckm_metadata)
    s_year = max([scb.FIRST_CKM_YEAR - 1, *december])
    newest = min(k_year, s_year, LAST_YEAR)
    why = (f"{first}–{newest}: Kolada has published LSS figures through {k_year}; SCB "
           f"population through {s_year} ("
           + (f"TAB6471 has {s_year}M12" if december else "TAB638 ends in 2024; TAB6471 has "
              "no December yet") + ")")
    if newest < k_year:
        why += f"; {k_year} waits for SCB's population"
    if first > asked:
        why += f"; from {first}, TAB638's first year (not {asked})"
    if notes:
        why += "; " + "; ".join(notes)
    if newest < first:
        raise FetchError(f"the newest year both sources have published ({newest}) is before "
                         f"{first}; give the years, e.g. `make data YEARS=2010-{newest}`")
    return list(range(first, newest + 1)), why
