"""The trend chart: one category's ratio over the years, with the peer group's level."""

from __future__ import annotations

import html

import plotly.graph_objects as go
import polars as pl

from benchmark import fmt
from benchmark.catalog import get_category
from benchmark.errors import InputError
from benchmark.plots import base
from benchmark.plots.base import PALETTE, SYMBOLS, Chart
from benchmark.plots.forest import COLUMNS, forest_hover
from benchmark.plots.peers import peer_subtitle, peer_suffix, peer_title
from benchmark.plots.table import data_table


def trend_table(history: pl.DataFrame, category: str, lang: str = "sv") -> str:
    """Data table for :func:`trend_chart`: one row per year."""
    fmt.check_lang(lang)
    sub = history.filter(pl.col("category") == category).sort("year")
    rows = []
    for r in sub.to_dicts():
        ok = r.get("status") == "ok"
        rows.append([
            str(r["year"]),
            base.value_or_status(r, "observed", lang, 0),
            fmt.ratio(r.get("ratio"), lang) if ok else fmt.MISSING,
            fmt.interval(r.get("ratio_lower"), r.get("ratio_upper"), 2, lang) if ok
            else fmt.MISSING,
            fmt.ratio(base.peer_level(r), lang) if ok else fmt.MISSING,
            fmt.flag_label(fmt.finding(r) if ok else "not_assessed", lang),
        ])
    caption = fmt.text("trend.table_caption", lang,
                       category=get_category(category).label(lang))
    headers = [fmt.text(f"label.{k}", lang) for k in ("year", "observed", "ratio",
                                                      "ratio_interval", "peer_level", "flag")]
    return data_table(caption, headers, rows, [False, True, True, True, True, False])


def trend_chart(history: pl.DataFrame, category: str, lang: str = "sv", *,
                demo_label: bool = True) -> Chart:
    """The ratio over the years (95 % intervals) against Riket = 1 and the peer group.

    Parameters
    ----------
    history
        The rows of one municipality over several years
        (:func:`benchmark.comparison.history`).
    category
        The category id.
    lang, demo_label
        As for every chart (:mod:`benchmark.plots`).

    Returns
    -------
    Chart
        Key ``trend-<category>``; its data table has one row per year.

    Raises
    ------
    InputError
        For missing columns, no rows of the category, or several municipalities.

    Examples
    --------
    >>> rows = history("0180", last_year=2024, settings=settings)  # doctest: +SKIP
    >>> trend_chart(rows, "daglig_verksamhet").key  # doctest: +SKIP
    'trend-daglig_verksamhet'
    """
    fmt.check_lang(lang)
    base.require(history, COLUMNS, "trend_chart")
    sub = history.filter(pl.col("category") == category).sort("year")
    if sub.height == 0:
        raise InputError(f"trend_chart: no rows for category {category!r}")
    base.one(sub, "municipality", "trend_chart")
    rows = sub.to_dicts()
    name = base.name_of(rows[0])
    label = get_category(category).label(lang)
    drawn = [r for r in rows if base.drawable(r, "ratio", "ratio_lower", "ratio_upper")]
    fig = go.Figure()
    if drawn:
        fig.add_trace(go.Scatter(
            x=[r["year"] for r in drawn], y=[r["ratio"] for r in drawn], mode="lines",
            line={"color": PALETTE["municipality"], "width": 2}, showlegend=False,
            hoverinfo="skip"))
    for flag in fmt.FINDINGS:
        pts = [r for r in drawn if fmt.finding(r) == flag]
        if not pts:
            continue
        fig.add_trace(go.Scatter(
            x=[r["year"] for r in pts], y=[r["ratio"] for r in pts], mode="markers",
            name=html.escape(f"{name}: {fmt.flag_label(flag, lang, short=True)}"),
            marker={"symbol": SYMBOLS[flag], "size": 12, "color": PALETTE["municipality"],
                    "line": {"color": PALETTE["municipality"], "width": 2}},
            error_y={"type": "data", "symmetric": False,
                     "array": [r["ratio_upper"] - r["ratio"] for r in pts],
                     "arrayminus": [r["ratio"] - r["ratio_lower"] for r in pts],
                     "color": PALETTE["municipality"], "thickness": 1.5, "width": 4},
            hovertext=[f"{r['year']}<br>" + forest_hover(r, lang) for r in pts],
            hoverinfo="text"))
    peers = [r for r in drawn if base.peer_level(r) is not None]
    if peers:
        fig.add_trace(go.Scatter(
            x=[r["year"] for r in peers], y=[base.peer_level(r) for r in peers],
            mode="lines+markers", name=fmt.text("label.peer_group", lang),
            line={"color": PALETTE["peer"], "dash": "dash", "width": 2},
            marker={"symbol": "diamond-open", "size": 9, "color": PALETTE["peer"]},
            hovertext=[f"{r['year']}: {html.escape(peer_title([r], lang))}<br>"
                       f"{fmt.text('label.peer_level', lang)} "
                       f"{fmt.ratio(base.peer_level(r), lang)}" for r in peers],
            hoverinfo="text"))
    fig.add_hline(y=1, line={"color": PALETTE["riket"], "dash": "dash", "width": 1.5},
                  annotation_text=f"{fmt.text('label.riket', lang)} = 1",
                  annotation_position="bottom right")
    for r in rows:
        if r.get("status") != "ok":
            fig.add_annotation(x=r["year"], y=1, yshift=-18, showarrow=False,
                               text=html.escape(fmt.status_label(r.get("status"), lang)),
                               font={"size": 11})
    ys = [v for r in drawn for v in (r["ratio_lower"], r["ratio_upper"], base.peer_level(r))
          if v is not None]
    y_lo, y_hi = max(0.0, min([*ys, 1.0]) * 0.9), max([*ys, 1.0]) * 1.08
    years = [r["year"] for r in rows]
    main = fmt.text("trend.title", lang, name=name, category=fmt.lower_first(label),
                    first=min(years), last=max(years))
    synthetic = base.labelled(history, demo_label)
    base.base_layout(fig, main, lang, height=460, synthetic=synthetic,
                subtitle=peer_subtitle(rows[-1:], lang) if peers else None)
    fig.update_xaxes(title=fmt.text("label.year", lang), tickformat="d", dtick=1)
    fig.update_yaxes(title=fmt.text("label.ratio", lang), range=[y_lo, y_hi], tickformat=",.1f")
    caption = fmt.text("trend.caption", lang, peer=peer_suffix(rows[-1:], lang))
    return Chart(f"trend-{category}", fig, base.titled(main, synthetic, lang),
                 base.captioned(caption, synthetic, lang), trend_table(history, category, lang),
                 lang)
