"""What the difference costs: the report's cost section (notebooks/02-styrelserapport)."""

from __future__ import annotations

import html
from typing import Any

import polars as pl

from benchmark import fmt
from benchmark.catalog import get_category
from benchmark.plots import data_table


def _cost_range(r: dict[str, Any]) -> tuple[float | None, float | None]:
    """The cost of the difference priced from the ratio interval:
    E·(ratio_lower − 1)·cost … E·(ratio_upper − 1)·cost."""
    e, cost = r.get("expected"), r.get("cost_per_user")
    lo, hi = r.get("ratio_lower"), r.get("ratio_upper")
    if None in (e, cost, lo, hi):
        return None, None
    return e * (lo - 1) * cost, e * (hi - 1) * cost


def _round_kr(value: float | None) -> float | None:
    return None if value is None else round(value, -4)


def _priced_rows(flagged: list[dict[str, Any]], lang: str) -> str:
    """Which categories are priced and how, then the table of their costs."""
    kpis = fmt.join([fmt.text("cost.kpi_for", lang, kpi=get_category(r["category"]).cost_kpi,
                              category=fmt.category_label(r["category"], lang,
                                                          mid_sentence=True))
                     for r in flagged], lang)
    years = sorted({int(r["cost_year"]) for r in flagged if r.get("cost_year") is not None})
    year_txt = fmt.join([str(y) for y in years], lang) if years else fmt.MISSING
    out = "<p>" + html.escape(fmt.text("cost.intro", lang, years=year_txt, kpis=kpis)) + "</p>"
    rows = []
    for r in flagged:
        lo, hi = _cost_range(r)
        year = r.get("cost_year")
        rows.append([
            get_category(r["category"]).label(lang),
            fmt.number(r.get("excess"), 0, lang, sign=True),
            fmt.kronor(r.get("cost_per_user"), lang)
            + (f" ({int(year)})" if year is not None else ""),
            fmt.kronor(_round_kr(r.get("excess_cost")), lang, sign=True),
            fmt.text("cost.range", lang, low=fmt.kronor(_round_kr(lo), lang, sign=True),
                     high=fmt.kronor(_round_kr(hi), lang, sign=True))
            if lo is not None else fmt.MISSING,
        ])
    headers = [fmt.text(k, lang) for k in ("label.category", "cost.header_difference",
                                           "cost.header_cost", "cost.header_total",
                                           "cost.header_range")]
    return out + data_table(fmt.text("cost.caption", lang), headers, rows,
                            [False, True, True, True, True])


def cost_section(table: pl.DataFrame, lang: str = "sv") -> str:
    """Rough cost of the difference for the categories that deviate clearly from Riket.

    Only categories with a clear ``flag`` higher/lower (``robust`` not false) and a national
    cost per user in Kolada are priced, as a range from the ratio's interval, with the cost
    year and KPI named; then the municipality's net cost deviation (Kolada N28018) when
    published.

    Parameters
    ----------
    table, lang
        The comparison of one municipality and year (with the cost columns), and the
        language.

    Returns
    -------
    str
        HTML; empty when no category has a cost per user and no net cost deviation is
        published.

    Examples
    --------
    >>> cost_section(compare("0180", 2024, settings=settings))  # doctest: +SKIP
    '<p>Bara insatser som avviker tydligt från riket (▲/▼) prissätts; …'
    """
    fmt.check_lang(lang)
    if "excess_cost" not in table.columns:
        return ""
    priced = [r for r in table.to_dicts()
              if r.get("status") == "ok" and r.get("cost_per_user") is not None]
    flagged = [r for r in priced if r.get("flag") in ("higher", "lower")
               and r.get("robust") is not False]
    out = ""
    if priced and not flagged:
        out += "<p>" + html.escape(fmt.text("cost.none_flagged", lang)) + "</p>"
    if flagged:
        out += _priced_rows(flagged, lang)
    dev = [r.get("net_cost_deviation_pct") for r in table.to_dicts()
           if r.get("net_cost_deviation_pct") is not None]
    if dev:
        pct = fmt.percent(dev[0] / 100, 1, lang, sign=True)
        out += "<p>" + html.escape(fmt.text("cost.net_deviation", lang, pct=pct)) + "</p>"
    return out
