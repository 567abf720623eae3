"""The spine chart of the LSS profile ("Helhetsbild"): one row per KPI, as PHE Fingertips
draws a local profile.

Each row is scaled to the national spread of its KPI: the lowest municipality's value is
0, the quartiles 25 and 75, the median 50 and the highest 100 (piecewise linear between
them), so KPIs in kronor, percent and persons share one axis. The grey bar is the whole
spread, the darker part the middle half; a short black line is Riket, an open diamond the
comparison group's median and the municipality's marker has the shape of its flag (▲/▼
higher/lower, ● similar, ■ not tested, nothing where the value is missing). The data table
under it carries every number in the KPI's own unit.
"""

from __future__ import annotations

import html
import math
import textwrap
from typing import Any

import numpy as np
import plotly.graph_objects as go
import polars as pl

from benchmark import fmt
from benchmark.errors import InputError
from benchmark.plots.base import (
    PALETTE,
    SYMBOLS,
    Chart,
    base_layout,
    captioned,
    labelled,
    note_margin,
    titled,
)
from benchmark.plots.table import data_table

__all__ = ["spine_chart", "spine_position", "spine_table"]

_QUANTILES = ("national_min", "national_p25", "national_median", "national_p75",
              "national_max")
_SYMBOLS = {**SYMBOLS, "not_tested": "square"}
#: Characters per line of a KPI name on the axis (longer names wrap)
LABEL_WIDTH = 42
_NEEDED = ("kpi", "label", "group", "kind", "unit", "value", "national_value", "lower",
           "upper", "percentile", "robust_z", "peer_median", "flag", "status", "year",
           "source_year", "name", *_QUANTILES)


def spine_position(value: float | None, row: dict[str, Any]) -> float | None:
    """``value`` on the row's 0–100 scale (min 0, P25 25, median 50, P75 75, max 100).

    Examples
    --------
    >>> q = dict(zip(_QUANTILES, (0.0, 10.0, 20.0, 30.0, 100.0)))
    >>> spine_position(15.0, q), spine_position(65.0, q), spine_position(None, q)
    (37.5, 87.5, None)
    """
    xs = [row.get(q) for q in _QUANTILES]
    if value is None or math.isnan(value) or any(x is None or math.isnan(x) for x in xs):
        return None
    xs_arr = np.array(xs, dtype=float)
    if xs_arr[-1] == xs_arr[0]:
        return 50.0
    # ties between quantiles: keep the first of equal points so np.interp stays monotone
    keep = np.concatenate([[True], np.diff(xs_arr) > 0])
    return float(np.interp(value, xs_arr[keep], np.array([0, 25, 50, 75, 100.0])[keep]))


def _amount(value: float | None, row: dict[str, Any], lang: str) -> str:
    """A value in the KPI's unit: whole kronor, one decimal for rates/shares/hours, three
    for an index."""
    if row["kind"] == "index" and row.get("unit") == "index":
        return fmt.number(value, 3, lang)
    if "kr" in (row.get("unit") or ""):
        return fmt.number(value, 0, lang)
    return fmt.number(value, 1, lang)


def _verdict(row: dict[str, Any], lang: str) -> str:
    if row.get("status") not in (None, "ok"):
        return fmt.status_label(row["status"], lang, short=True)
    text = fmt.flag_label(row.get("flag"), lang, short=True)
    if row.get("source_year") and row["source_year"] != row["year"]:
        text += f" ({fmt.text('profile.source_year', lang, year=row['source_year'])})"
    return text


def _label(row: dict[str, Any]) -> str:
    unit = f" ({row['unit']})" if row.get("unit") else ""
    return f"{row['label']}{unit}"


def spine_table(table: pl.DataFrame, lang: str = "sv", group: str | None = None) -> str:
    """The accessible data table of the spine chart: the same rows, every number in the
    KPI's unit (value, Riket, 95 % interval, percentile, robust z, group median, verdict);
    ``group`` names the one group shown in the caption (and its rows then have no group
    column)."""
    cols = ("label", "group", "value", "national", "interval", "percentile", "robust_z",
            "peer_median", "verdict")
    keep = [c != "group" or group is None for c in cols]
    heads = [fmt.text(f"profile.column.{c}", lang) for c, k in zip(cols, keep, strict=True)
             if k]
    rows = []
    for r in table.iter_rows(named=True):
        interval = (fmt.interval(r["lower"], r["upper"], 1, lang)
                    if r["lower"] is not None else fmt.MISSING)
        cells = [_label(r), fmt.text(f"profile.group.{r['group']}", lang),
                 _amount(r["value"], r, lang), _amount(r["national_value"], r, lang),
                 interval, fmt.number(r["percentile"], 0, lang),
                 fmt.number(r["robust_z"], 1, lang, sign=True),
                 _amount(r["peer_median"], r, lang), _verdict(r, lang)]
        rows.append([c for c, k in zip(cells, keep, strict=True) if k])
    year = table["year"][0] if table.height else ""
    caption = (fmt.text("profile.table_caption_group", lang, year=year,
                        group=fmt.lower_first(fmt.text(f"profile.group.{group}", lang)))
               if group else fmt.text("profile.table_caption", lang, year=year))
    numeric = [False, False, True, True, True, True, True, True, False]
    return data_table(caption, heads, rows,
                      [n for n, k in zip(numeric, keep, strict=True) if k])


def _hover(r: dict[str, Any], lang: str) -> str:
    return "<br>".join(html.escape(x) for x in (
        _label(r), f"{fmt.text('profile.column.value', lang)}: {_amount(r['value'], r, lang)}",
        f"{fmt.text('profile.column.national', lang)}: "
        f"{_amount(r['national_value'], r, lang)}",
        f"{fmt.text('profile.column.percentile', lang)}: "
        f"{fmt.number(r['percentile'], 0, lang)}", _verdict(r, lang)))


def spine_chart(table: pl.DataFrame, lang: str = "sv", *, groups: list[str] | None = None,
                demo_label: bool = True) -> Chart:
    """The spine chart of a profile table (:func:`benchmark.profile.profile`, one gender).

    Parameters
    ----------
    table
        Profile rows of one municipality and year.
    lang, demo_label
        As for every chart (:mod:`benchmark.plots`).
    groups
        Only these groups (``volym``, ``omfattning``, ...); None: all.

    Returns
    -------
    Chart
        Key ``spine``; its data table has one row per KPI shown.

    Raises
    ------
    InputError
        For missing columns or no rows to draw.
    """
    fmt.check_lang(lang)
    missing = [c for c in _NEEDED if c not in table.columns]
    if missing:
        raise InputError(f"spine_chart needs a profile table; missing columns: {missing}")
    if groups:
        table = table.filter(pl.col("group").is_in(groups))
    if "gender" in table.columns:
        table = table.filter(pl.col("gender") == "T")
    if table.height == 0:
        raise InputError("spine_chart: no profile rows to draw (check the groups)")
    rows = list(table.iter_rows(named=True))
    one_group = groups[0] if groups and len(groups) == 1 else None
    # the title names a single group, so its rows need not repeat it; long names wrap, so
    # that the plot keeps its width on A4 and narrow screens
    labels = ["<br>".join(html.escape(line) for line in textwrap.wrap(
        ("" if one_group else fmt.text("profile.group." + r["group"], lang) + " · ")
        + _label(r), LABEL_WIDTH)) for r in rows]
    lines = max(label.count("<br>") + 1 for label in labels)
    fig = go.Figure()
    # grey bars with ≥ 3:1 contrast against white (WCAG 1.4.11): the whole spread, and the
    # middle half darker and wider
    for lo, hi, colour, width in ((0, 100, PALETTE["spread"], 5), (25, 75, PALETTE["iqr"], 9)):
        fig.add_trace(go.Scatter(
            x=[v for _ in rows for v in (lo, hi, None)],
            y=[v for lab in labels for v in (lab, lab, None)], mode="lines",
            line={"color": colour, "width": width}, hoverinfo="skip", showlegend=False))
    riket = [(spine_position(r["national_value"], r), lab) for r, lab in zip(rows, labels,
                                                                               strict=True)]
    fig.add_trace(go.Scatter(
        x=[x for x, _ in riket if x is not None], y=[y for x, y in riket if x is not None],
        mode="markers", name=fmt.text("profile.national_marker", lang),
        marker={"symbol": "line-ns", "size": 22, "line": {"width": 3,
                                                            "color": PALETTE["riket"]}},
        hoverinfo="skip"))
    peer = [(spine_position(r["peer_median"], r), lab) for r, lab in zip(rows, labels,
                                                                           strict=True)]
    if any(x is not None for x, _ in peer):
        fig.add_trace(go.Scatter(
            x=[x for x, _ in peer if x is not None], y=[y for x, y in peer if x is not None],
            mode="markers", name=fmt.text("profile.peer_marker", lang),
            marker={"symbol": "diamond-open", "size": 11, "color": PALETTE["peer"],
                    "line": {"width": 2, "color": PALETTE["peer"]}}, hoverinfo="skip"))
    name = rows[0]["name"]
    for flag in ("higher", "lower", "higher_uncertain", "lower_uncertain", "similar",
                 "not_tested"):
        sub = [(r, lab) for r, lab in zip(rows, labels, strict=True)
               if r["flag"] == flag and spine_position(r["value"], r) is not None]
        if sub:
            fig.add_trace(go.Scatter(
                x=[spine_position(r["value"], r) for r, _ in sub], y=[lab for _, lab in sub],
                mode="markers", name=f"{html.escape(name)}: "
                f"{fmt.flag_label(flag, lang, short=True)}",
                marker={"symbol": _SYMBOLS[flag], "size": 14, "color": PALETTE["municipality"]},
                hovertext=[_hover(r, lang) for r, _ in sub], hoverinfo="text"))
    verdicts = [_verdict(r, lang) for r in rows]
    for verdict, lab in zip(verdicts, labels, strict=True):
        fig.add_annotation(x=1.01, xref="paper", y=lab, yref="y", xanchor="left",
                           text=html.escape(verdict), showarrow=False, font={"size": 12})
    year = rows[0]["year"]
    main = (fmt.text("profile.title_group", lang, name=name, year=year,
                     group=fmt.lower_first(fmt.text(f"profile.group.{one_group}", lang)))
            if one_group else fmt.text("profile.title", lang, name=name, year=year))
    synthetic = labelled(table, demo_label)
    base_layout(fig, main, lang, height=170 + (30 + 14 * (lines - 1)) * len(rows),
                synthetic=synthetic)
    fig.update_layout(margin={"r": note_margin(verdicts, 12), "l": 10})
    fig.update_xaxes(range=[-3, 103], tickvals=[0, 25, 50, 75, 100],
                     title=fmt.text("profile.axis", lang), showgrid=False)
    fig.update_yaxes(categoryorder="array", categoryarray=labels[::-1], type="category",
                     range=[-0.5, len(labels) - 0.5], automargin=True)
    caption = (fmt.text("profile.caption", lang) + " "
               + fmt.text("profile.no_significance", lang))
    return Chart("spine" + (f"-{one_group}" if one_group else ""), fig,
                 titled(main, synthetic, lang), captioned(caption, synthetic, lang),
                 spine_table(table, lang, one_group), lang)
