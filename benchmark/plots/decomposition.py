"""The decomposition chart: how much of the difference from Riket is age structure and how
much remains (``composition_effect`` and ``other_effect``: need, practice, supply and
chance, of the comparison table)."""

from __future__ import annotations

import html

import plotly.graph_objects as go
import polars as pl

from benchmark import fmt
from benchmark.plots.base import (
    PALETTE,
    Chart,
    band_of,
    base_layout,
    captioned,
    drawable,
    label_of,
    labelled,
    name_of,
    one_comparison,
    ordered,
    titled,
    value_or_status,
)
from benchmark.plots.table import data_table

COLUMNS = ("municipality", "year", "category", "status", "observed", "expected",
           "expected_crude", "composition_effect", "other_effect")


def two_way(table: pl.DataFrame) -> pl.DataFrame:
    """The table with the need part (``need_effect``, where the need model split the
    difference three ways) counted in ``other_effect``, so that the two parts this chart
    shows add up to O − crude E, as its "other: need, practice, supply, chance" says."""
    if not {"need_effect", "other_effect"} <= set(table.columns):
        return table
    return table.with_columns(pl.col("other_effect") + pl.col("need_effect").fill_null(0.0))


def decomposition_table(table: pl.DataFrame, lang: str = "sv") -> str:
    """Data table for :func:`decomposition_chart`."""
    fmt.check_lang(lang)
    table = two_way(table)
    rows = []
    for r in ordered(table):
        ok = r.get("status") == "ok"
        adjusted = fmt.is_age_adjusted(r)
        rows.append([
            label_of(r, lang),
            band_of(r, lang),
            value_or_status(r, "observed", lang, 0),
            fmt.number(r.get("expected_crude"), 1, lang) if ok else fmt.MISSING,
            fmt.number(r.get("composition_effect"), 1, lang, sign=True) if ok and adjusted
            else fmt.MISSING,
            fmt.number(r.get("other_effect"), 1, lang, sign=True) if ok else fmt.MISSING,
        ])
    headers = [fmt.text(k, lang) for k in (
        "label.category", "label.reference_band", "label.observed",
        "decomposition.header_crude", "decomposition.header_age", "decomposition.header_rest")]
    caption = fmt.text("decomposition.table_caption", lang)
    if any(not fmt.is_age_adjusted(r) for r in ordered(table) if r.get("status") == "ok"):
        caption += " " + fmt.text("decomposition.table_caption_unadjusted", lang,
                                  missing=fmt.MISSING,
                                  note=fmt.text("band.not_age_adjusted", lang))
    return data_table(caption, headers, rows, [False, False, True, True, True, True])


def decomposition_chart(table: pl.DataFrame, lang: str = "sv", *,
                        demo_label: bool = True) -> Chart:
    """Per category, how many persons of the difference from Riket's crude rate come from the
    age structure (``composition_effect``) and how many remain (``other_effect``).

    Parameters
    ----------
    table
        One municipality and year of :func:`benchmark.comparison.compare` (with
        ``expected_crude``, ``composition_effect`` and ``other_effect``).
    lang, demo_label
        As for every chart (:mod:`benchmark.plots`).

    Returns
    -------
    Chart
        Key ``decomposition``; its data table has one row per category, the age
        structure and the rest in persons.

    Raises
    ------
    InputError
        For an empty table, missing columns, or several municipalities or years.

    Examples
    --------
    >>> decomposition_chart(compare("0180", 2024, settings=settings)).key  # doctest: +SKIP
    'decomposition'
    """
    fmt.check_lang(lang)
    rows, year = one_comparison(two_way(table), COLUMNS, "decomposition_chart")
    labels = [label_of(r, lang) for r in rows]
    drawn = [r for r in rows if drawable(r, "composition_effect", "other_effect")]
    name = name_of(rows[0])
    fig = go.Figure()
    # added the other effect first so that, within each category, composition is drawn on
    # top; the legend is reversed to read in the same order
    for col, key, pattern in (("other_effect", "other_effect", "/"),
                              ("composition_effect", "composition", "")):
        bars = [r for r in drawn if key == "other_effect" or fmt.is_age_adjusted(r)]
        vals = [r[col] for r in bars]
        fig.add_trace(go.Bar(
            y=[label_of(r, lang) for r in bars], x=vals, orientation="h",
            name=fmt.text(f"label.{key}", lang),
            marker={"color": PALETTE[key], "pattern": {"shape": pattern, "fgcolor": "#ffffff",
                                                       "solidity": 0.3},
                    "line": {"color": PALETTE[key], "width": 1}},
            text=[fmt.number(v, 0, lang, sign=True) for v in vals], textposition="outside",
            cliponaxis=False,
            hovertext=[f"{html.escape(label_of(r, lang))}<br>{fmt.text(f'label.{key}', lang)}: "
                       f"{fmt.number(r[col], 1, lang, sign=True)} "
                       f"{fmt.text('label.persons', lang)}" for r in bars],
            hoverinfo="text"))
    fig.add_vline(x=0, line={"color": PALETTE["riket"], "width": 1})
    # "not age-adjusted" goes under the category's name on the axis, never over the bars
    ticktext = [html.escape(label) + (
        f"<br><span style='font-size:11px;color:{PALETTE['other']}'>"
        f"{html.escape(fmt.text('label.not_age_adjusted', lang))}</span>"
        if r in drawn and not fmt.is_age_adjusted(r) else "")
        for r, label in zip(rows, labels, strict=True)]
    for r, label in zip(rows, labels, strict=True):
        if r.get("status") != "ok":
            fig.add_annotation(x=0, y=label, xanchor="left", showarrow=False,
                               text=html.escape(fmt.status_label(r.get("status"), lang)),
                               font={"size": 12})
    main = fmt.text("decomposition.title", lang, name=name, year=year)
    synthetic = labelled(table, demo_label)
    base_layout(fig, main, lang, height=170 + 52 * len(rows), synthetic=synthetic)
    fig.update_layout(barmode="group", bargap=0.25, legend={"traceorder": "reversed"})
    values = [0.0] + [r[c] for r in drawn for c in ("composition_effect", "other_effect")]
    span = (max(values) - min(values)) or 1.0
    fig.update_xaxes(range=[min(values) - 0.18 * span, max(values) + 0.18 * span])
    fig.update_xaxes(title=fmt.text("decomposition.x_title", lang), tickformat=",.0f",
                     zeroline=True)
    fig.update_yaxes(categoryorder="array", categoryarray=labels[::-1], type="category",
                     range=[-0.5, len(labels) - 0.5], automargin=True, tickvals=labels,
                     ticktext=ticktext)
    caption = fmt.text("decomposition.caption", lang)
    if any(not fmt.is_age_adjusted(r) for r in drawn):
        caption += " " + fmt.text("decomposition.caption_unadjusted", lang,
                                  missing=fmt.MISSING)
    return Chart("decomposition", fig, titled(main, synthetic, lang),
                 captioned(caption, synthetic, lang), decomposition_table(table, lang), lang)
