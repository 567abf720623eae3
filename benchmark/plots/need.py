"""The need chart: per insats, the ratio to Riket adjusted for age, and for age and need
(``ratio`` and ``need_ratio`` of the comparison table), with their intervals; and the
three-way split of the difference from Riket in persons as a table."""

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
    base_layout,
    captioned,
    drawable,
    label_of,
    labelled,
    log_range,
    name_of,
    one_comparison,
    ordered,
    ratio_ticks,
    titled,
    value_or_status,
)
from benchmark.plots.table import data_table

COLUMNS = ("municipality", "year", "category", "status", "observed", "expected_crude",
           "ratio", "ratio_lower", "ratio_upper", "flag", "need_ratio", "need_ratio_lower",
           "need_ratio_upper", "need_flag", "need_explains", "composition_effect",
           "need_effect", "other_effect")


def explained(row: dict[str, Any]) -> bool:
    """Whether the need-adjusted result is the one to read for this insats: the need
    model could be used for the row and some β's interval lies wholly above 0."""
    return bool(row.get("need_explains")) and drawable(row, "need_ratio")


def need_table(table: pl.DataFrame, lang: str = "sv") -> str:
    """Data table for :func:`need_chart`: ratios, flags and the split in persons."""
    fmt.check_lang(lang)
    rows = []
    for r in ordered(table):
        ok = drawable(r, "ratio")
        need_ok = drawable(r, "need_ratio")
        rows.append([
            label_of(r, lang),
            # an unpublished count says so (never a number that would give it back)
            fmt.ratio(r.get("ratio"), lang) if ok
            else value_or_status(r, "ratio", lang, 2),
            fmt.flag_label(r.get("flag") or "not_assessed", lang),
            fmt.ratio(r.get("need_ratio"), lang) if need_ok else fmt.MISSING,
            fmt.interval(r.get("need_ratio_lower"), r.get("need_ratio_upper"), 2, lang)
            if need_ok else fmt.MISSING,
            fmt.flag_label(r.get("need_flag") or "not_assessed", lang) if explained(r)
            else fmt.text("need.not_explained" if need_ok else "need.not_assessed", lang),
            fmt.number(r.get("observed", 0) - r["expected_crude"], 0, lang, sign=True)
            if ok and r.get("expected_crude") is not None else fmt.MISSING,
            fmt.number(r.get("composition_effect"), 0, lang, sign=True) if ok
            else fmt.MISSING,
            fmt.number(r.get("need_effect"), 0, lang, sign=True) if need_ok
            else fmt.MISSING,
            fmt.number(r.get("other_effect"), 0, lang, sign=True) if ok else fmt.MISSING,
        ])
    headers = [fmt.text(k, lang) for k in (
        "label.category", "need.header_ratio", "need.header_flag", "need.header_need_ratio",
        "label.ratio_interval", "need.header_need_flag", "need.header_gap",
        "need.header_age", "need.header_need", "need.header_other")]
    return data_table(fmt.text("need.table_caption", lang, missing=fmt.MISSING), headers,
                      rows, [False, True, False, True, True, False, True, True, True, True])


def need_chart(table: pl.DataFrame, lang: str = "sv", *, demo_label: bool = True) -> Chart:
    """Age-adjusted and age-and-need-adjusted ratios per insats, with 95 % intervals.

    Parameters
    ----------
    table
        One municipality and year of :func:`benchmark.comparison.compare`, with the need
        columns.
    lang, demo_label
        As for every chart (:mod:`benchmark.plots`).

    Returns
    -------
    Chart
        Key ``need``; its data table gives both ratios, the flags and the three-way split.

    Raises
    ------
    InputError
        For an empty table, missing columns, or several municipalities or years.
    """
    fmt.check_lang(lang)
    rows, year = one_comparison(table, COLUMNS, "need_chart")
    labels = [label_of(r, lang) for r in rows]
    position = {label: len(labels) - 1 - i for i, label in enumerate(labels)}
    fig = go.Figure()
    xs: list[float] = []
    for col, key, shift, colour in (("ratio", "age", 0.15, PALETTE["composition"]),
                                    ("need_ratio", "need", -0.15, PALETTE["other_effect"])):
        drawn = [r for r in rows if drawable(r, col, f"{col}_lower", f"{col}_upper")]
        flag_col = "flag" if key == "age" else "need_flag"
        xs += [v for r in drawn for v in (r[f"{col}_lower"], r[f"{col}_upper"])]
        fig.add_trace(go.Scatter(
            x=[r[col] for r in drawn],
            y=[position[label_of(r, lang)] + shift for r in drawn],
            mode="markers", name=fmt.text(f"need.legend_{key}", lang),
            marker={"symbol": [SYMBOLS.get(r.get(flag_col) or "not_assessed", "circle")
                               for r in drawn],
                    "size": 11, "color": colour, "line": {"color": colour, "width": 2}},
            error_x={"type": "data", "symmetric": False,
                     "array": [r[f"{col}_upper"] - r[col] for r in drawn],
                     "arrayminus": [r[col] - r[f"{col}_lower"] for r in drawn],
                     "color": colour, "thickness": 2, "width": 4},
            hovertext=[f"<b>{html.escape(label_of(r, lang))}</b><br>"
                       f"{fmt.text(f'need.legend_{key}', lang)}: {fmt.ratio(r[col], lang)} "
                       f"({fmt.interval(r[f'{col}_lower'], r[f'{col}_upper'], 2, lang)})"
                       for r in drawn],
            hoverinfo="text"))
    fig.add_vline(x=1, line={"color": PALETTE["riket"], "width": 1})
    main = fmt.text("need.title", lang, name=name_of(rows[0]), year=year)
    synthetic = labelled(table, demo_label)
    base_layout(fig, main, lang, height=170 + 56 * len(rows), synthetic=synthetic)
    lo, hi = log_range(xs or [1.0])
    tickvals, ticktext = ratio_ticks(lo, hi, lang)
    fig.update_xaxes(type="log", range=[math.log10(lo), math.log10(hi)], tickvals=tickvals,
                     ticktext=ticktext, title=fmt.text("need.x_title", lang))
    fig.update_yaxes(tickvals=list(position.values()),
                     ticktext=[html.escape(label) + (
                         "" if explained(r) or not drawable(r, "need_ratio") else
                         f"<br><span style='font-size:11px;color:{PALETTE['other']}'>"
                         f"{html.escape(fmt.text('need.not_explained', lang))}</span>")
                         for r, label in zip(rows, labels, strict=True)],
                     range=[-0.6, len(labels) - 0.4], automargin=True)
    caption = fmt.text("need.caption", lang)
    return Chart("need", fig, titled(main, synthetic, lang), captioned(caption, synthetic, lang),
                 need_table(table, lang), lang)
