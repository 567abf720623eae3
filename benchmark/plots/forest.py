"""The forest chart: the standardised ratio of every category for one municipality and year."""

from __future__ import annotations

import html
import math
from typing import Any

import plotly.graph_objects as go
import polars as pl

from benchmark import fmt
from benchmark.plots.base import (
    PALETTE,
    SYMBOLS,
    Chart,
    band_of,
    base_layout,
    captioned,
    drawable,
    label_of,
    labelled,
    log_range,
    name_of,
    note_margin,
    one_comparison,
    ordered,
    peer_level,
    ratio_ticks,
    titled,
    value_or_status,
)
from benchmark.plots.peers import peer_phrase, peer_subtitle, peer_title
from benchmark.plots.table import data_table

#: Columns the forest and trend charts need.
COLUMNS = ("municipality", "year", "category", "status", "observed", "expected", "ratio",
           "ratio_lower", "ratio_upper", "flag")

#: Marker of a category with O = 0 (ratio 0 lies off a log axis: drawn at the axis minimum,
#: pointing left, with a "0" above it).
ZERO_SYMBOL = "arrow-left"


def forest_table(table: pl.DataFrame, lang: str = "sv") -> str:
    """Data table for :func:`forest_chart`: one row per category."""
    fmt.check_lang(lang)
    rows = []
    for r in ordered(table):
        ok = r.get("status") == "ok"
        rows.append([
            label_of(r, lang),
            band_of(r, lang),
            value_or_status(r, "observed", lang, 0),
            fmt.number(r.get("expected"), 1, lang) if ok else fmt.MISSING,
            fmt.ratio(r.get("ratio"), lang) if ok else fmt.MISSING,
            fmt.interval(r.get("ratio_lower"), r.get("ratio_upper"), 2, lang) if ok
            else fmt.MISSING,
            fmt.ratio(peer_level(r), lang) if ok else fmt.MISSING,
            fmt.ratio(r.get("peer_ratio"), lang) if ok else fmt.MISSING,
            fmt.flag_label(fmt.finding(r) if ok else "not_assessed", lang),
        ])
    headers = [fmt.text(f"label.{k}", lang) for k in (
        "category", "reference_band", "observed", "expected", "ratio", "ratio_interval",
        "peer_level", "peer_ratio", "flag")]
    return data_table(fmt.text("forest.table_caption", lang), headers, rows,
                      [False, False, True, True, True, True, True, True, False])


def forest_hover(r: dict[str, Any], lang: str) -> str:
    """Hover text of one category: ratio with interval, persons, expected, flag."""
    return (f"<b>{html.escape(label_of(r, lang))}</b><br>"
            f"{fmt.text('label.ratio', lang)}: {fmt.ratio(r['ratio'], lang)} "
            f"({fmt.interval(r['ratio_lower'], r['ratio_upper'], 2, lang)})<br>"
            f"{fmt.text('label.observed', lang)}: {fmt.integer(r.get('observed'), lang)}, "
            f"{fmt.text('label.expected', lang).lower()}: "
            f"{fmt.number(r.get('expected'), 1, lang)}"
            f"<br>{fmt.flag_label(fmt.finding(r), lang)}")


def _municipality_traces(fig: go.Figure, drawn: list[dict[str, Any]], name: str,
                         lang: str) -> None:
    """One trace per flag value: the ratio with its interval (shape = flag)."""
    for flag in fmt.FINDINGS:
        sub = [r for r in drawn if fmt.finding(r) == flag]
        if not sub:
            continue
        fig.add_trace(go.Scatter(
            x=[r["ratio"] for r in sub],
            y=[label_of(r, lang) for r in sub],
            mode="markers",
            name=html.escape(name), legendgroup="municipality", showlegend=False,
            marker={"symbol": SYMBOLS[flag], "size": 13 if flag != "similar" else 10,
                    "color": PALETTE["municipality"],
                    "line": {"color": PALETTE["municipality"], "width": 2}},
            error_x={"type": "data", "symmetric": False,
                     "array": [r["ratio_upper"] - r["ratio"] for r in sub],
                     "arrayminus": [r["ratio"] - r["ratio_lower"] for r in sub],
                     "color": PALETTE["municipality"], "thickness": 2, "width": 5},
            hovertext=[forest_hover(r, lang) for r in sub],
            hoverinfo="text",
        ))


def _peer_trace(fig: go.Figure, peers: list[dict[str, Any]], lang: str) -> None:
    """The peer group's own level against Riket (open diamonds)."""
    title = peer_title(peers, lang)
    fig.add_trace(go.Scatter(
        x=[peer_level(r) for r in peers],
        y=[label_of(r, lang) for r in peers],
        mode="markers",
        name=fmt.text("label.peer_group", lang),
        marker={"symbol": "diamond-open", "size": 11, "color": PALETTE["peer"],
                "line": {"width": 2, "color": PALETTE["peer"]}},
        hovertext=[f"{html.escape(str(title))}<br>{fmt.text('label.peer_level', lang)} "
                   f"{fmt.ratio(peer_level(r), lang)}<br>{fmt.text('label.peer_ratio', lang)} "
                   f"{fmt.ratio(r.get('peer_ratio'), lang)}" for r in peers],
        hoverinfo="text",
    ))


def _zero_trace(fig: go.Figure, zeros: list[dict[str, Any]], zero_x: float, name: str,
                lang: str) -> None:
    """Categories with O = 0 at the axis minimum, with a "0" and the interval's upper end."""
    fig.add_trace(go.Scatter(
        x=[zero_x] * len(zeros), y=[label_of(r, lang) for r in zeros],
        mode="markers+text", text=["0"] * len(zeros), textposition="top center",
        textfont={"size": 13, "color": PALETTE["municipality"]},
        name=html.escape(name), legendgroup="municipality", showlegend=False,
        marker={"symbol": ZERO_SYMBOL, "size": 14, "color": PALETTE["municipality"]},
        error_x={"type": "data", "symmetric": False,
                 "array": [r["ratio_upper"] - zero_x for r in zeros],
                 "arrayminus": [0.0] * len(zeros),
                 "color": PALETTE["municipality"], "thickness": 2, "width": 5},
        hovertext=[forest_hover(r, lang) + "<br>"
                   + html.escape(fmt.text("forest.zero_note", lang)) for r in zeros],
        hoverinfo="text"))


def _flag_note(r: dict[str, Any], lang: str) -> str:
    """The label at the right of a category: its flag, or why it has none."""
    if r.get("status") != "ok":
        return fmt.status_label(r.get("status"), lang, short=True)
    if not drawable(r, "ratio"):
        return fmt.flag_label("not_assessed", lang, short=True)
    return fmt.flag_label(fmt.finding(r), lang, short=True)


def forest_chart(table: pl.DataFrame, lang: str = "sv", *, demo_label: bool = True) -> Chart:
    """Standardised ratios with 95 % intervals per category for one municipality and year.

    Riket = 1 is a vertical line; the peer group's own standardised level against Riket
    (``peer_level``) is an open diamond; ▲/▼ markers and the label column on the right
    carry the flag (outside the 99,8 % limits).

    Parameters
    ----------
    table
        The rows of one municipality and year (from :func:`benchmark.comparison.compare`).
    lang, demo_label
        As for every chart (:mod:`benchmark.plots`).

    Returns
    -------
    Chart
        Key ``forest``; its data table has one row per category.

    Raises
    ------
    InputError
        For an empty table, missing columns, or rows of several municipalities or years.

    Examples
    --------
    >>> chart = forest_chart(compare("0180", 2024, settings=settings))  # doctest: +SKIP
    >>> chart.title  # doctest: +SKIP
    'Demoby 2024: LSS-insatser jämfört med riket – Syntetiska demodata'
    """
    fmt.check_lang(lang)
    rows, year = one_comparison(table, COLUMNS, "forest_chart")
    name = name_of(rows[0])
    labels = [label_of(r, lang) for r in rows]
    fig = go.Figure()

    drawn = [r for r in rows if drawable(r, "ratio", "ratio_lower", "ratio_upper")]
    xs_all = [v for r in drawn for v in (r["ratio_lower"], r["ratio_upper"])]
    xs_all += [peer_level(r) for r in drawn if peer_level(r)]
    fig.add_trace(go.Scatter(  # legend entry with a neutral marker; flags are on the right
        x=[None], y=[None], mode="markers", name=html.escape(name),
        legendgroup="municipality",
        marker={"symbol": "circle", "size": 10, "color": PALETTE["municipality"]}))
    # O = 0 gives ratio 0, which a log axis cannot show: such categories are drawn at the
    # axis minimum with a "0" and a left arrow, keeping the interval's upper end
    zeros = [r for r in drawn if r["ratio"] <= 0]
    drawn = [r for r in drawn if r["ratio"] > 0]
    _municipality_traces(fig, drawn, name, lang)
    peers = [r for r in drawn if peer_level(r) is not None]
    if peers:
        _peer_trace(fig, peers, lang)
    xs_all += [r["ratio_upper"] for r in zeros]
    lo, hi = log_range(xs_all)
    if zeros:
        _zero_trace(fig, zeros, lo, name, lang)  # at the axis minimum before padding
        lo = lo / 1.25
    tickvals, ticktext = ratio_ticks(lo, hi, lang)
    fig.add_trace(go.Scatter(
        x=[1, 1], y=[labels[0], labels[-1]], mode="lines",
        name=f"{fmt.text('label.riket', lang)} = 1",
        line={"color": PALETTE["riket"], "dash": "dash", "width": 1.5}, hoverinfo="skip"))
    notes = [_flag_note(r, lang) for r in rows]
    for note, label in zip(notes, labels, strict=True):
        fig.add_annotation(x=1.01, xref="paper", y=label, yref="y", xanchor="left",
                           text=html.escape(note), showarrow=False, font={"size": 13})
    main = fmt.text("forest.title", lang, name=name, year=year)
    synthetic = labelled(table, demo_label)
    base_layout(fig, main, lang, height=150 + 40 * len(rows), synthetic=synthetic,
                subtitle=peer_subtitle(rows, lang))
    fig.update_layout(margin={"r": note_margin(notes, 13, 175), "l": 10})
    fig.update_xaxes(type="log", range=[math.log10(lo), math.log10(hi)], tickvals=tickvals,
                     ticktext=ticktext, title=fmt.text("label.ratio", lang), showgrid=True,
                     gridcolor="#e6e6e6")
    fig.update_yaxes(categoryorder="array", categoryarray=labels[::-1], type="category",
                     range=[-0.5, len(labels) - 0.5], automargin=True)
    profiled = any(r.get("age_model") == "profile" for r in rows)
    caption = fmt.text("forest.caption_profile" if profiled else "forest.caption", lang,
                       peer=peer_phrase(rows, lang))
    if zeros:
        caption += " " + fmt.text("forest.zero_caption", lang)
    return Chart("forest", fig, titled(main, synthetic, lang),
                 captioned(caption, synthetic, lang), forest_table(table, lang), lang)
