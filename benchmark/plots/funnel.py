"""The funnel plot: every municipality for one category and year against its control limits.

No statistics are computed here; the limit curves come from
:func:`benchmark.stats.funnel_limits`, the same limits the flags use.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from typing import Any

import plotly.graph_objects as go
import polars as pl

from benchmark import fmt, stats
from benchmark.catalog import get_category
from benchmark.errors import InputError
from benchmark.plots.base import (
    PALETTE,
    SYMBOLS,
    Chart,
    base_layout,
    captioned,
    drawable,
    flag_of,
    labelled,
    log_ticks,
    name_of,
    one,
    require,
    titled,
    value_or_status,
)
from benchmark.plots.table import data_table

COLUMNS = ("municipality", "name", "year", "category", "status", "observed", "expected",
           "ratio", "flag", "phi", "tau2", "od_adjusted")
#: Marker of a point outside the drawn 99,8 % limits that is not flagged (neither ▲/▼ nor
#: the plain circle of "similar"; its label is the text ``funnel.outside``).
OUTSIDE_SYMBOL = "circle-x-open"


def funnel_limits(expected: Sequence[float], confidence: float, phi: float | None,
                  tau2: float) -> tuple[list[float], list[float]]:
    """Limit curves at ``expected`` from :func:`benchmark.stats.funnel_limits` (the same
    limits the flags use: OD-adjusted on the √ scale when φ > 1, else exact Poisson).

    Examples
    --------
    >>> lower, upper = funnel_limits([100.0], 0.95, None, 0.0)
    >>> round(lower[0], 2), round(upper[0], 2)
    (0.81, 1.22)
    """
    lower, upper, _ = stats.funnel_limits(
        list(expected), confidence, phi=math.nan if phi is None else float(phi),
        tau2=float(tau2))
    return [float(v) for v in lower], [float(v) for v in upper]


def _outside_unflagged(rows: Sequence[dict[str, Any]], phi: float | None,
                       tau2: float) -> set[str]:
    """Municipalities drawn outside the 99,8 % curves whose flag is nevertheless "similar"
    (the exact test, required for a flag, is not significant)."""
    pts = [r for r in rows if drawable(r, "expected", "ratio") and r["expected"] > 0
           and flag_of(r) == "similar"]
    if not pts:
        return set()
    lower, upper = funnel_limits([r["expected"] for r in pts], 0.998, phi, tau2)
    return {r["municipality"] for r, lo, hi in zip(pts, lower, upper, strict=True)
            if r["ratio"] > hi or r["ratio"] < lo}


def _funnel_params(rows: Sequence[dict[str, Any]]) -> tuple[float | None, float]:
    tau2_vals = [r["tau2"] for r in rows if r.get("tau2") is not None]
    phi_vals = [r["phi"] for r in rows if r.get("phi") is not None]
    return (float(phi_vals[0]) if phi_vals else None,
            float(tau2_vals[0]) if tau2_vals else 0.0)


def _flag_text(r: dict[str, Any], outside: set[str], lang: str) -> str:
    if r.get("status") != "ok":
        return fmt.flag_label("not_assessed", lang)
    if r["municipality"] in outside:
        return fmt.text("funnel.outside", lang)
    return fmt.flag_label(fmt.finding(r), lang)


def _hover(r: dict[str, Any], lang: str, outside: set[str]) -> str:
    return (f"<b>{html.escape(name_of(r))}</b><br>{fmt.text('label.expected', lang)}: "
            f"{fmt.number(r['expected'], 1, lang)}<br>{fmt.text('label.observed', lang)}: "
            f"{fmt.integer(r.get('observed'), lang)}<br>{fmt.text('label.ratio', lang)}: "
            f"{fmt.ratio(r['ratio'], lang)}<br>{_flag_text(r, outside, lang)}")


def funnel_table(table: pl.DataFrame, category: str, municipality: str | None = None,
                 lang: str = "sv") -> str:
    """Data table for :func:`funnel_chart`: the chosen municipality, every flagged one and
    every one drawn outside the 99,8 % limits without a flag."""
    fmt.check_lang(lang)
    sub = table.filter(pl.col("category") == category)
    phi, tau2 = _funnel_params([r for r in sub.to_dicts() if r.get("status") == "ok"])
    outside = _outside_unflagged(sub.to_dicts(), phi, tau2)
    rows_in = [r for r in sub.sort("ratio", descending=True, nulls_last=True).to_dicts()
               if r["municipality"] == municipality or r["municipality"] in outside
               or (r.get("status") == "ok" and flag_of(r) in ("higher", "lower"))]
    rows = [[
        name_of(r) + (" ◆" if r["municipality"] == municipality else ""),
        value_or_status(r, "observed", lang, 0),
        fmt.number(r.get("expected"), 1, lang) if r.get("status") == "ok" else fmt.MISSING,
        fmt.ratio(r.get("ratio"), lang) if r.get("status") == "ok" else fmt.MISSING,
        fmt.interval(r.get("limit_lower_998"), r.get("limit_upper_998"), 2, lang),
        _flag_text(r, outside, lang),
    ] for r in rows_in]
    ok = sub.filter(pl.col("status") == "ok")
    caption = fmt.text("funnel.table_caption", lang,
                       category=get_category(category).label(lang),
                       higher=sum(fmt.finding(r) == "higher" for r in ok.to_dicts()),
                       lower=sum(fmt.finding(r) == "lower" for r in ok.to_dicts()),
                       assessed=ok.height, rule=fmt.text("chart.flag_rule", lang))
    if outside:
        caption += " " + fmt.text("funnel.table_outside", lang, n=len(outside))
    headers = [fmt.text(f"label.{k}", lang) for k in ("municipality", "observed", "expected",
                                                      "ratio", "limit_998", "flag")]
    return data_table(caption, headers, rows, [False, True, True, True, True, False])


def _point_traces(fig: go.Figure, rows: list[dict[str, Any]], outside: set[str],
                  municipality: str | None, lang: str) -> None:
    """The other municipalities, one trace per flag (and one for outside but unflagged)."""
    for flag in ("similar", "outside", "higher", "higher_uncertain", "lower", "lower_uncertain",
                 "not_assessed"):
        if flag == "outside":
            pts = [r for r in rows if r["municipality"] in outside
                   and r["municipality"] != municipality]
        else:
            pts = [r for r in rows if fmt.finding(r) == flag
                   and r["municipality"] != municipality and r["municipality"] not in outside]
        if not pts:
            continue
        name = (fmt.text("funnel.outside", lang) if flag == "outside"
                else fmt.text("funnel.others", lang) if flag == "similar"
                else fmt.flag_label(flag, lang))
        fig.add_trace(go.Scatter(
            x=[r["expected"] for r in pts], y=[r["ratio"] for r in pts], mode="markers",
            name=name, legendgroup=flag,
            marker={"symbol": OUTSIDE_SYMBOL if flag == "outside" else SYMBOLS[flag],
                    "size": 8 if flag == "similar" else 10,
                    "color": PALETTE["other"], "opacity": 0.85,
                    "line": {"color": PALETTE["other"], "width": 1.5}},
            hovertext=[_hover(r, lang, outside) for r in pts], hoverinfo="text"))


def _chosen_trace(fig: go.Figure, r: dict[str, Any], outside: set[str], lang: str) -> None:
    """The chosen municipality, labelled with its name and flag."""
    is_out = r["municipality"] in outside
    short = (fmt.text("funnel.outside_short", lang) if is_out
             else fmt.flag_label(fmt.finding(r), lang, short=True))
    fig.add_trace(go.Scatter(
        x=[r["expected"]], y=[r["ratio"]], mode="markers+text",
        name=html.escape(f"{name_of(r)}: {short}"),
        text=[html.escape(f"{name_of(r)} {short}")],
        textposition="top center", textfont={"size": 14, "color": PALETTE["municipality"]},
        marker={"symbol": OUTSIDE_SYMBOL if is_out else SYMBOLS[fmt.finding(r)], "size": 16,
                "color": PALETTE["municipality"],
                "line": {"color": PALETTE["municipality"] if is_out else "#ffffff",
                         "width": 2 if is_out else 1.5}},
        hovertext=[_hover(r, lang, outside)], hoverinfo="text"))


def funnel_chart(table: pl.DataFrame, category: str, municipality: str | None = None,
                 lang: str = "sv", *, demo_label: bool = True) -> Chart:
    """Funnel plot of all municipalities for one category and year.

    x = expected persons E (log scale), y = standardised ratio, with 95 % and 99,8 %
    overdispersion-adjusted limits (φ, τ² from the table); the chosen municipality is
    highlighted and labelled.

    Parameters
    ----------
    table
        A screening table (:func:`benchmark.comparison.screen`) of one year.
    category
        The category id.
    municipality
        The kommunkod to highlight (none when None).
    lang, demo_label
        As for every chart (:mod:`benchmark.plots`).

    Returns
    -------
    Chart
        Key ``funnel-<category>``; its data table lists the chosen municipality, the
        flagged ones and those outside the limits without a flag.

    Raises
    ------
    InputError
        For an unknown category, missing columns, several years, or no assessable row.

    Examples
    --------
    >>> chart = funnel_chart(screen(2024, settings=settings), "boende", "0180")  # doctest: +SKIP
    """
    fmt.check_lang(lang)
    require(table, COLUMNS, "funnel_chart")
    label = get_category(category).label(lang)
    sub = table.filter(pl.col("category") == category)
    if sub.height == 0:
        raise InputError(f"funnel_chart: no rows for category {category!r}")
    year = one(sub, "year", "funnel_chart")
    rows = [r for r in sub.to_dicts() if drawable(r, "expected", "ratio") and r["expected"] > 0]
    if not rows:
        raise InputError(f"funnel_chart: no assessable municipality for {category!r} {year}")
    phi, tau2 = _funnel_params(rows)
    outside = _outside_unflagged(rows, phi, tau2)
    es = [r["expected"] for r in rows]
    e_lo, e_hi = min(es) / 1.3, max(es) * 1.3
    n = 160
    grid = [e_lo * (e_hi / e_lo) ** (i / (n - 1)) for i in range(n)]
    fig = go.Figure()
    for conf, key, dash in ((0.998, "limit_998", "dash"), (0.95, "limit_95", "dot")):
        lower, upper = funnel_limits(grid, conf, phi, tau2)
        for i, curve in enumerate((upper, lower)):
            fig.add_trace(go.Scatter(
                x=grid, y=curve, mode="lines", name=fmt.text(f"label.{key}", lang),
                legendgroup=key, showlegend=i == 0, hoverinfo="skip",
                line={"color": PALETTE[key], "dash": dash, "width": 1.5}))
    fig.add_hline(y=1, line={"color": PALETTE["riket"], "width": 1})
    _point_traces(fig, rows, outside, municipality, lang)
    for r in rows:
        if r["municipality"] == municipality:
            _chosen_trace(fig, r, outside, lang)
    mid_e = sorted(es)[len(es) // 2]
    mid_lo, mid_hi = funnel_limits([mid_e], 0.998, phi, tau2)
    ys = [r["ratio"] for r in rows] + mid_lo + mid_hi
    y_lo = max(0.0, min([*ys, 1.0]) * 0.9)
    y_hi = max([*ys, 1.0]) * 1.1
    main = fmt.text("funnel.title", lang, category=label, year=year)
    synthetic = labelled(table, demo_label)
    base_layout(fig, main, lang, height=560, synthetic=synthetic)
    tickvals, ticktext = log_ticks(e_lo, e_hi, lang)
    x_title = fmt.text("funnel.x_title", lang, expected=fmt.text("label.expected", lang))
    fig.update_xaxes(type="log", title=x_title, tickvals=tickvals, ticktext=ticktext,
                     range=[math.log10(e_lo), math.log10(e_hi)])
    fig.update_yaxes(title=fmt.text("label.ratio", lang), range=[y_lo, y_hi],
                     tickformat=",.1f")
    widened = phi is not None and math.isfinite(phi) and phi > 1
    limits = fmt.text("funnel.limits_widened" if widened else "funnel.limits_chance", lang)
    caption = fmt.text("funnel.caption", lang, limits=limits,
                       rule=fmt.text("chart.flag_rule", lang))
    return Chart(f"funnel-{category}", fig, titled(main, synthetic, lang),
                 captioned(caption, synthetic, lang),
                 funnel_table(sub, category, municipality, lang), lang)
