"""plotly figures (with caption and an accessible data table) from comparison tables.

Every chart is a :class:`Chart`: the plotly figure, a title, a caption in plain language and
an HTML data table carrying the same numbers, so nothing is conveyed by the picture alone
(WCAG 1.1.1, 1.4.1). Flags are carried by marker shape and text (▲ higher, ▼ lower), never
by colour alone; colours come from :data:`PALETTE` (Okabe–Ito subset, each ≥ 3:1 against
white). Numbers follow the report language (Swedish: ``23 456,7``, minus ``−``).

The inputs are comparison tables (:data:`benchmark.comparison.COLUMNS`, from
:func:`~benchmark.comparison.compare`, :func:`~benchmark.comparison.history` and
:func:`~benchmark.comparison.screen`). No statistics are computed here; funnel limit
curves come from :mod:`benchmark.stats`.
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import plotly.graph_objects as go
import polars as pl

from benchmark import fmt, stats
from benchmark.catalog import CATEGORIES, get_category
from benchmark.errors import InputError
from benchmark.origin import is_synthetic

#: Colours used by the charts; each has a WCAG contrast ratio ≥ 3:1 against white.
PALETTE: dict[str, str] = {
    "municipality": "#0072B2",  # blue, 5.2:1
    "peer": "#D55E00",  # vermillion, 3.9:1
    "riket": "#000000",
    "other": "#757575",  # grey, 4.6:1
    "composition": "#0072B2",
    "practice": "#D55E00",
    "limit_998": "#000000",
    "limit_95": "#595959",
}

#: plotly.js config for every figure: no cloud-share button, no logo, a minimal modebar.
PLOTLY_CONFIG: dict[str, Any] = {
    "showSendToCloud": False,
    "displaylogo": False,
    "responsive": True,
    "modeBarButtonsToRemove": ["lasso2d", "select2d", "autoScale2d", "toggleSpikelines"],
}

#: plotly.js config of the charts in reports: no toolbar at all (its buttons would sit
#: inside the chart's ``role="img"``, unlabelled in Swedish, and add Tab stops).
REPORT_CONFIG: dict[str, Any] = {**PLOTLY_CONFIG, "displayModeBar": False}

SYMBOLS: dict[str, str] = {
    "higher": "triangle-up",
    "lower": "triangle-down",
    "similar": "circle",
    "not_assessed": "circle-open",
}

#: Forest chart marker of a category with O = 0 (ratio 0 lies off a log axis: drawn at
#: the axis minimum, pointing left, with a "0" above it).
ZERO_SYMBOL = "arrow-left"
ZERO_NOTE: dict[str, str] = {
    "sv": "Inga personer (kvot 0): visas vid axelns vänstra kant",
    "en": "No persons (ratio 0): shown at the left edge of the axis",
}

_FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif"


@dataclass(frozen=True)
class Chart:
    """A figure with its title, caption and accessible data table (HTML)."""

    key: str
    figure: go.Figure
    title: str
    caption: str
    table_html: str
    lang: str = "sv"

    def to_html(self, *, include_plotlyjs: bool = False) -> str:
        """The chart as HTML: a ``<figure>`` (plot, then caption) followed by the data table.

        ``include_plotlyjs=True`` inlines plotly.js (use it for the first chart of a
        document only); no CDN or other external resource is ever referenced. The plot has
        no toolbar (:data:`REPORT_CONFIG`) and a text alternative pointing to the table
        (a labelled region a keyboard can scroll when the table is wider than the screen); a
        message pointing to the table shows in its place until plotly has drawn it (so
        with JavaScript off, or when plotly.js cannot run). The figure, its caption and the
        message form ``<figure class="lss-figure">``, which printing keeps on one page;
        :func:`benchmark.render.static_html` replaces the plot by an inline SVG.
        """
        key = html.escape(self.key)
        plot = self.figure.to_html(
            full_html=False,
            include_plotlyjs=include_plotlyjs,
            include_mathjax=False,
            config=REPORT_CONFIG,
            div_id=f"lss-fig-{self.key}",
            default_width="100%",
        )
        title = html.escape(self.title)
        alt = html.escape(fmt.text("chart_alt", self.lang, title=self.title))
        needs_js = html.escape(fmt.text("chart_needs_js", self.lang))
        to_table = html.escape(fmt.text("go_to_table", self.lang))
        region = html.escape(fmt.text("table_region", self.lang, title=self.title))
        return (
            f'<div class="lss-chart" id="chart-{key}">\n<figure class="lss-figure">\n'
            f'<div class="lss-plot lss-interactive" id="plot-{key}" role="img" '
            f'aria-label="{alt}">{plot}</div><!--/lss-plot-->\n'
            f'<!--lss-nojs--><p class="lss-nojs" id="nojs-{key}">{needs_js} '
            f'<a href="#table-{key}">{to_table}</a></p>\n'
            f"{_HIDE_NOJS.format(key=key)}<!--/lss-nojs-->\n"
            f"<figcaption><strong>{title}.</strong> {html.escape(self.caption)}</figcaption>\n"
            f'</figure>\n<div class="lss-table" id="table-{key}" role="region" tabindex="0" '
            f'aria-label="{region}">{self.table_html}</div>\n'
            "</div>"
        )


#: Hides a chart's "needs JavaScript" message once plotly has drawn the chart.
_HIDE_NOJS = (
    '<script type="text/javascript">(function () {{'
    'var g = document.getElementById("lss-fig-{key}"), m = document.getElementById("nojs-{key}");'
    'function hide() {{ if (g && m && g.querySelector(".main-svg")) {{ m.hidden = true; }} }}'
    'hide(); if (g && g.on) {{ g.on("plotly_afterplot", hide); }}'
    "}})();</script>"
)


# --- helpers ------------------------------------------------------------------------------

def _title(text: str, synthetic: bool, lang: str) -> str:
    return f"{text} – {fmt.text('synthetic', lang)}" if synthetic else text


def _caption(text: str, synthetic: bool, lang: str) -> str:
    return f"{fmt.text('synthetic_note', lang)} {text}" if synthetic else text


def _labelled(table: pl.DataFrame, demo_label: bool) -> bool:
    """Whether a chart carries the demo label itself (``demo_label=False``: the page showing
    it labels the demo data once, at the top)."""
    return demo_label and is_synthetic(table)


def _require(table: pl.DataFrame, columns: Iterable[str], what: str) -> None:
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise InputError(f"{what}: comparison table lacks column(s) {', '.join(missing)}; "
                         "give a table from benchmark.comparison.compare, history or screen "
                         "(columns in benchmark.comparison.COLUMNS)")


def _one(table: pl.DataFrame, column: str, what: str) -> Any:
    values = table[column].unique().to_list()
    if len(values) != 1:
        raise InputError(f"{what}: expected one {column}, got {sorted(map(str, values))}; "
                         f"filter the comparison table first")
    return values[0]


def _ok(row: dict[str, Any], *cols: str) -> bool:
    """A row may be drawn: the source value is not suppressed/missing and cols are finite."""
    if row.get("status") != "ok":
        return False
    for c in cols:
        v = row.get(c)
        if v is None or (isinstance(v, float) and math.isnan(v)):
            return False
    return True


def _flag(row: dict[str, Any]) -> str:
    return row.get("flag") or "not_assessed"


def _label(row: dict[str, Any], lang: str) -> str:
    return get_category(row["category"]).label(lang)


def _name(row: dict[str, Any]) -> str:
    return str(row.get("name") or row.get("municipality") or "")


def _base_layout(fig: go.Figure, title: str, lang: str, height: int, *,
                 synthetic: bool = False, subtitle: str | None = None) -> None:
    lines = [subtitle] if subtitle else []
    if synthetic:
        lines.append(fmt.text("synthetic_note", lang))
    heading: dict[str, Any] = {"text": html.escape(title), "x": 0, "xanchor": "left",
                               "yref": "container", "y": 1, "yanchor": "top",
                               "pad": {"t": 14}, "font": {"size": 17}}
    if lines:  # plotly's own subtitle: placed under the title without overlapping it
        heading["subtitle"] = {"text": "<br>".join(html.escape(x) for x in lines),
                               "font": {"size": 13}}
    fig.update_layout(
        title=heading,
        template="simple_white",
        separators=fmt.plotly_separators(lang),
        font={"family": _FONT, "size": 14, "color": "#1a1a1a"},
        height=height,
        margin={"l": 10, "r": 10, "t": 90 + 18 * len(lines), "b": 60},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.01, "x": 0,
                "font": {"size": 13}},
        hoverlabel={"font": {"family": _FONT}},
    )


def _ratio_ticks(lo: float, hi: float, lang: str) -> tuple[list[float], list[str]]:
    candidates = [0.1, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 4.0, 6.0, 10.0]
    vals = [v for v in candidates if lo <= v <= hi] or [1.0]
    if len(vals) > 7:
        vals = [v for v in vals if v in (0.1, 0.25, 0.5, 1.0, 2.0, 4.0, 10.0)]
    return vals, [fmt.number(v, 2 if v in (0.25, 0.75) else 1, lang) for v in vals]


def _log_ticks(lo: float, hi: float, lang: str) -> tuple[list[float], list[str]]:
    vals = [m * 10 ** k for k in range(-1, 7) for m in (1, 2, 5) if lo <= m * 10 ** k <= hi]
    return vals, [fmt.number(v, 0 if v >= 1 else 1, lang) for v in vals]


def _log_range(values: Sequence[float], pad: float = 1.15) -> tuple[float, float]:
    finite = [v for v in values if v is not None and v > 0 and math.isfinite(v)]
    lo = min([*finite, 1.0]) / pad
    hi = max([*finite, 1.0]) * pad
    return lo, hi


def _cell(value: str, *, header: bool = False, numeric: bool = False) -> str:
    cls = ' class="num"' if numeric else ""
    if header:
        return f'<th scope="row"{cls}>{html.escape(value)}</th>'
    return f"<td{cls}>{html.escape(value)}</td>"


def data_table(caption: str, headers: Sequence[str], rows: Sequence[Sequence[str]],
               numeric: Sequence[bool] | None = None,
               highlight: Sequence[bool] | None = None) -> str:
    """An accessible HTML table: ``<caption>``, column headers with ``scope="col"``, and the
    first cell of each row as a row header. All text is HTML-escaped. Rows marked in
    ``highlight`` get ``class="lss-chosen"`` (the chosen municipality)."""
    numeric = list(numeric) if numeric is not None else [False] * len(headers)
    marks = list(highlight) if highlight is not None else [False] * len(rows)
    num_cls = ' class="num"'
    head = "".join(
        f'<th scope="col"{num_cls if n else ""}>{html.escape(h)}</th>'
        for h, n in zip(headers, numeric, strict=True)
    )
    body = []
    for row, mark in zip(rows, marks, strict=True):
        cells = [_cell(row[0], header=True)]
        cells += [_cell(v, numeric=n) for v, n in zip(row[1:], numeric[1:], strict=True)]
        body.append(('<tr class="lss-chosen">' if mark else "<tr>") + "".join(cells) + "</tr>")
    return (f'<table class="lss-data">\n<caption>{html.escape(caption)}</caption>\n'
            f"<thead><tr>{head}</tr></thead>\n<tbody>\n" + "\n".join(body)
            + "\n</tbody>\n</table>")


def _ordered(table: pl.DataFrame) -> list[dict[str, Any]]:
    """Rows in catalogue order (personal assistance LSS and SFB adjacent)."""
    order = {c.id: i for i, c in enumerate(CATEGORIES)}
    rows = table.to_dicts()
    return sorted(rows, key=lambda r: order.get(r["category"], len(order)))


def _value_or_status(row: dict[str, Any], col: str, lang: str, decimals: int = 1) -> str:
    if row.get("status") != "ok":
        return fmt.status_label(row.get("status"), lang)
    return fmt.number(row.get(col), decimals, lang)


# --- (1) forest / spine chart -------------------------------------------------------------

_FOREST_COLS = ("municipality", "year", "category", "status", "observed", "expected", "ratio",
                "ratio_lower", "ratio_upper", "flag")


def forest_table(table: pl.DataFrame, lang: str = "sv") -> str:
    """Data table for :func:`forest_chart`: one row per category."""
    fmt.check_lang(lang)
    rows = []
    for r in _ordered(table):
        ok = r.get("status") == "ok"
        rows.append([
            _label(r, lang),
            _band(r, lang),
            _value_or_status(r, "observed", lang, 0),
            fmt.number(r.get("expected"), 1, lang) if ok else fmt.MISSING,
            fmt.ratio(r.get("ratio"), lang) if ok else fmt.MISSING,
            fmt.interval(r.get("ratio_lower"), r.get("ratio_upper"), 2, lang) if ok
            else fmt.MISSING,
            fmt.ratio(_peer_level(r), lang) if ok else fmt.MISSING,
            fmt.ratio(r.get("peer_ratio"), lang) if ok else fmt.MISSING,
            fmt.flag_label(_flag(r) if ok else "not_assessed", lang),
        ])
    headers = [fmt.text(k, lang) for k in ("category", "reference_band", "observed",
                                           "expected", "ratio", "ratio_interval", "peer_level",
                                           "peer_ratio", "flag")]
    caption = ("Kvot mellan faktiskt och förväntat antal personer per insats (1 = som riket); "
               "förväntat antal räknas i de åldrar som anges" if lang == "sv" else
               "Ratio of observed to expected persons per category (1 = as Sweden); the "
               "expected number is computed in the ages shown")
    return data_table(caption, headers, rows,
                      [False, False, True, True, True, True, True, True, False])


def _band(r: dict[str, Any], lang: str) -> str:
    """The reference age band of a row (``reference_band``, else the catalogue's)."""
    band = r.get("reference_band")
    if not band:
        cat = get_category(r["category"])
        band = "0–22/23–64/65+" if cat.id == "totalt" else cat.band_label
    return fmt.band_label(band, lang)


def peer_name(title: str, lang: str = "sv") -> str:
    """A peer group's Kolada title as readers see it: without Kolada's ``(ovägt medel)``
    (our group level is pooled, not an unweighted mean) and, in English, with RKA's
    "Liknande kommuner LSS" under its one English name."""
    name = re.sub(r"\s*\((?:o?vägt medel)\)\s*$", "", str(title)).strip()
    prefix = fmt.text("liknande_lss", "sv")
    if fmt.check_lang(lang) == "en" and name.startswith(prefix):
        name = fmt.text("liknande_lss", "en") + name[len(prefix):]
    return name


def peer_group_name(rows: Sequence[dict[str, Any]], lang: str) -> str | None:
    """The actual peer group's name (see :func:`peer_name`), or ``None`` without a group."""
    titles = [str(r["peer_group_title"]) for r in rows if r.get("peer_group_title")]
    return peer_name(titles[0], lang) if titles else None


def _peer_title(rows: Sequence[dict[str, Any]], lang: str) -> str:
    """The actual peer group's name, else the generic label."""
    return peer_group_name(rows, lang) or fmt.text("peer_group", lang)


def _peer_suffix(rows: Sequence[dict[str, Any]], lang: str) -> str:
    """`` (Liknande kommuner LSS, X, 2024)``: the actual group's name, or nothing."""
    name = peer_group_name(rows, lang)
    return f" ({name})" if name else ""


def _peer_subtitle(rows: Sequence[dict[str, Any]], lang: str) -> str | None:
    """The chart subtitle naming the peer group (``Jämförelsegrupp: …``), if there is one."""
    name = peer_group_name(rows, lang)
    return fmt.text("peer_subtitle", lang, peer=name) if name else None


def _peer_phrase(rows: Sequence[dict[str, Any]], lang: str) -> str:
    """“jämförelsegruppen (Liknande kommuner LSS, X, 2024)” for captions."""
    return ("jämförelsegruppen" if lang == "sv" else "the peer group") + _peer_suffix(rows, lang)


def _peer_level(r: dict) -> float | None:
    """The peer group's standardised level against Riket (``peer_level``), for Riket = 1 axes.

    Falls back to peer_expected / expected for tables made before the column existed.
    """
    level = r.get("peer_level")
    if level is None and r.get("peer_expected") and r.get("expected"):
        level = r["peer_expected"] / r["expected"]
    return level


def forest_chart(table: pl.DataFrame, lang: str = "sv", *, demo_label: bool = True) -> Chart:
    """Standardised ratios with 95 % intervals per category for one municipality and year.

    Riket = 1 is a vertical line; the peer group's own standardised level against Riket
    (``peer_level``) is an open diamond; ▲/▼
    markers and the label column on the right carry the flag (outside the 99,8 % limits).
    """
    fmt.check_lang(lang)
    _require(table, _FOREST_COLS, "forest_chart")
    if table.height == 0:
        raise InputError("forest_chart: the comparison table is empty")
    name = _name(table.row(0, named=True))
    year = _one(table, "year", "forest_chart")
    _one(table, "municipality", "forest_chart")
    rows = _ordered(table)
    labels = [_label(r, lang) for r in rows]
    fig = go.Figure()

    drawn = [r for r in rows if _ok(r, "ratio", "ratio_lower", "ratio_upper")]
    xs_all = [v for r in drawn for v in (r["ratio_lower"], r["ratio_upper"])]
    xs_all += [_peer_level(r) for r in drawn if _peer_level(r)]
    fig.add_trace(go.Scatter(  # legend entry with a neutral marker; flags are on the right
        x=[None], y=[None], mode="markers", name=html.escape(name),
        legendgroup="municipality",
        marker={"symbol": "circle", "size": 10, "color": PALETTE["municipality"]}))
    # O = 0 gives ratio 0, which a log axis cannot show: such categories are drawn at the
    # axis minimum with a "0" and a left arrow (see below), keeping the interval's upper end
    zeros = [r for r in drawn if r["ratio"] <= 0]
    drawn = [r for r in drawn if r["ratio"] > 0]
    for flag in ("higher", "lower", "similar", "not_assessed"):
        sub = [r for r in drawn if _flag(r) == flag]
        if not sub:
            continue
        fig.add_trace(go.Scatter(
            x=[r["ratio"] for r in sub],
            y=[_label(r, lang) for r in sub],
            mode="markers",
            name=html.escape(name), legendgroup="municipality", showlegend=False,
            marker={"symbol": SYMBOLS[flag], "size": 13 if flag != "similar" else 10,
                    "color": PALETTE["municipality"],
                    "line": {"color": PALETTE["municipality"], "width": 2}},
            error_x={"type": "data", "symmetric": False,
                     "array": [r["ratio_upper"] - r["ratio"] for r in sub],
                     "arrayminus": [r["ratio"] - r["ratio_lower"] for r in sub],
                     "color": PALETTE["municipality"], "thickness": 2, "width": 5},
            hovertext=[_forest_hover(r, lang) for r in sub],
            hoverinfo="text",
        ))
    peers = [r for r in drawn if _peer_level(r) is not None]
    if peers:
        title = _peer_title(peers, lang)
        fig.add_trace(go.Scatter(
            x=[_peer_level(r) for r in peers],
            y=[_label(r, lang) for r in peers],
            mode="markers",
            name=fmt.text("peer_group", lang),
            marker={"symbol": "diamond-open", "size": 11, "color": PALETTE["peer"],
                    "line": {"width": 2, "color": PALETTE["peer"]}},
            hovertext=[f"{html.escape(str(title))}<br>{fmt.text('peer_level', lang)} "
                       f"{fmt.ratio(_peer_level(r), lang)}<br>{fmt.text('peer_ratio', lang)} "
                       f"{fmt.ratio(r.get('peer_ratio'), lang)}" for r in peers],
            hoverinfo="text",
        ))
    xs_all += [r["ratio_upper"] for r in zeros]
    lo, hi = _log_range(xs_all)
    if zeros:
        zero_x = lo  # the axis minimum before padding for the arrow marker
        lo = lo / 1.25
        fig.add_trace(go.Scatter(
            x=[zero_x] * len(zeros), y=[_label(r, lang) for r in zeros],
            mode="markers+text", text=["0"] * len(zeros), textposition="top center",
            textfont={"size": 13, "color": PALETTE["municipality"]},
            name=html.escape(name), legendgroup="municipality", showlegend=False,
            marker={"symbol": ZERO_SYMBOL, "size": 14, "color": PALETTE["municipality"]},
            error_x={"type": "data", "symmetric": False,
                     "array": [r["ratio_upper"] - zero_x for r in zeros],
                     "arrayminus": [0.0] * len(zeros),
                     "color": PALETTE["municipality"], "thickness": 2, "width": 5},
            hovertext=[_forest_hover(r, lang) + "<br>" + html.escape(ZERO_NOTE[lang])
                       for r in zeros],
            hoverinfo="text"))
    tickvals, ticktext = _ratio_ticks(lo, hi, lang)
    fig.add_trace(go.Scatter(
        x=[1, 1], y=[labels[0], labels[-1]], mode="lines", name=f"{fmt.text('riket', lang)} = 1",
        line={"color": PALETTE["riket"], "dash": "dash", "width": 1.5}, hoverinfo="skip"))
    for r, label in zip(rows, labels, strict=True):
        if r.get("status") != "ok":
            note = fmt.status_label(r.get("status"), lang, short=True)
        elif not _ok(r, "ratio"):
            note = fmt.flag_label("not_assessed", lang, short=True)
        else:
            note = fmt.flag_label(_flag(r), lang, short=True)
        fig.add_annotation(x=1.01, xref="paper", y=label, yref="y", xanchor="left",
                           text=html.escape(note), showarrow=False, font={"size": 13})
    main = f"{name} {year}: " + ("LSS-insatser jämfört med riket" if lang == "sv"
                                 else "LSS support compared with Sweden")
    synthetic = _labelled(table, demo_label)
    title = _title(main, synthetic, lang)
    subtitle = _peer_subtitle(rows, lang)
    _base_layout(fig, main, lang, height=150 + 40 * len(rows), synthetic=synthetic,
                 subtitle=subtitle)
    fig.update_layout(margin={"r": 175, "l": 10})
    fig.update_xaxes(type="log", range=[math.log10(lo), math.log10(hi)], tickvals=tickvals,
                     ticktext=ticktext, title=fmt.text("ratio", lang), showgrid=True,
                     gridcolor="#e6e6e6")
    fig.update_yaxes(categoryorder="array", categoryarray=labels[::-1], type="category",
                     range=[-0.5, len(labels) - 0.5], automargin=True)
    caption = fmt.text("forest_caption", lang, peer=_peer_phrase(rows, lang))
    if zeros:
        caption += (" ◀ med 0: inga personer (kvot 0), som inte kan visas på den "
                    "logaritmiska skalan; markeringen står vid axelns vänstra kant och "
                    "strecket visar intervallets övre gräns." if lang == "sv" else
                    " ◀ with 0: no persons (ratio 0), which a log scale cannot show; the "
                    "marker sits at the left edge of the axis and the bar shows the "
                    "interval's upper end.")
    return Chart("forest", fig, title, _caption(caption, synthetic, lang),
                 forest_table(table, lang), lang)


def _forest_hover(r: dict[str, Any], lang: str) -> str:
    return (f"<b>{html.escape(_label(r, lang))}</b><br>"
            f"{fmt.text('ratio', lang)}: {fmt.ratio(r['ratio'], lang)} "
            f"({fmt.interval(r['ratio_lower'], r['ratio_upper'], 2, lang)})<br>"
            f"{fmt.text('observed', lang)}: {fmt.integer(r.get('observed'), lang)}, "
            f"{fmt.text('expected', lang).lower()}: {fmt.number(r.get('expected'), 1, lang)}"
            f"<br>{fmt.flag_label(_flag(r), lang)}")


# --- (2) funnel plot ----------------------------------------------------------------------

_FUNNEL_COLS = ("municipality", "name", "year", "category", "status", "observed", "expected",
                "ratio", "flag", "phi", "tau2", "od_adjusted")


def funnel_limits(expected: Sequence[float], confidence: float, phi: float | None,
                  tau2: float) -> tuple[list[float], list[float]]:
    """Limit curves at ``expected`` from :func:`benchmark.stats.funnel_limits` (the same
    limits the flags use: OD-adjusted on the √ scale when φ > 1, else exact Poisson)."""
    lower, upper, _ = stats.funnel_limits(
        list(expected), confidence, phi=math.nan if phi is None else float(phi),
        tau2=float(tau2))
    return [float(v) for v in lower], [float(v) for v in upper]


#: What ▲/▼ mean in the funnel plot (the flag rule: limits *and* the exact test, in plain
#: words; the technical statement is in notebooks/04-metod).
FLAG_RULE: dict[str, str] = {lang: fmt.text("flag_rule", lang) for lang in fmt.LANGS}
#: Legend/table label of a point outside the drawn 99,8 % limits that is not flagged.
OUTSIDE_UNFLAGGED: dict[str, str] = {
    "sv": "Utanför gränsen men för få personer för säker slutsats",
    "en": "Outside the limit but too few persons for a firm conclusion",
}
#: Marker of such a point (neither ▲/▼ nor the plain circle of "similar").
OUTSIDE_SYMBOL = "circle-x-open"


def _outside_unflagged(rows: Sequence[dict[str, Any]], phi: float | None,
                       tau2: float) -> set[str]:
    """Municipalities drawn outside the 99,8 % curves whose flag is nevertheless "similar"
    (the exact test, required for a flag, is not significant)."""
    pts = [r for r in rows if _ok(r, "expected", "ratio") and r["expected"] > 0
           and _flag(r) == "similar"]
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


def _funnel_flag_text(r: dict[str, Any], outside: set[str], lang: str) -> str:
    if r.get("status") != "ok":
        return fmt.flag_label("not_assessed", lang)
    if r["municipality"] in outside:
        return OUTSIDE_UNFLAGGED[lang]
    return fmt.flag_label(_flag(r), lang)


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
               or (r.get("status") == "ok" and _flag(r) in ("higher", "lower"))]
    rows = [[
        _name(r) + (" ◆" if r["municipality"] == municipality else ""),
        _value_or_status(r, "observed", lang, 0),
        fmt.number(r.get("expected"), 1, lang) if r.get("status") == "ok" else fmt.MISSING,
        fmt.ratio(r.get("ratio"), lang) if r.get("status") == "ok" else fmt.MISSING,
        fmt.interval(r.get("limit_lower_998"), r.get("limit_upper_998"), 2, lang),
        _funnel_flag_text(r, outside, lang),
    ] for r in rows_in]
    n_ok = sub.filter(pl.col("status") == "ok").height
    n_hi = sub.filter((pl.col("status") == "ok") & (pl.col("flag") == "higher")).height
    n_lo = sub.filter((pl.col("status") == "ok") & (pl.col("flag") == "lower")).height
    label = get_category(category).label(lang)
    if lang == "sv":
        caption = (f"{label}: {n_hi} av {n_ok} kommuner tydligt över och {n_lo} tydligt under "
                   f"riket. {FLAG_RULE['sv']}")
        if outside:
            caption += (f" {len(outside)} till ligger utanför gränsen men har för få personer "
                        "för en säker slutsats.")
    else:
        caption = (f"{label}: {n_hi} of {n_ok} municipalities clearly above and {n_lo} "
                   f"clearly below Sweden. {FLAG_RULE['en']}")
        if outside:
            caption += (f" {len(outside)} more lie outside the limit but have too few persons "
                        "for a firm conclusion.")
    headers = [fmt.text("municipality", lang), fmt.text("observed", lang),
               fmt.text("expected", lang), fmt.text("ratio", lang), fmt.text("limit_998", lang),
               fmt.text("flag", lang)]
    return data_table(caption, headers, rows, [False, True, True, True, True, False])


def funnel_chart(table: pl.DataFrame, category: str, municipality: str | None = None,
                 lang: str = "sv", *, demo_label: bool = True) -> Chart:
    """Funnel plot of all municipalities for one category and year: x = expected persons E
    (log scale), y = standardised ratio, with 95 % and 99,8 % overdispersion-adjusted limits
    (φ, τ² from the table); the chosen municipality is highlighted and labelled."""
    fmt.check_lang(lang)
    _require(table, _FUNNEL_COLS, "funnel_chart")
    get_category(category)
    sub = table.filter(pl.col("category") == category)
    if sub.height == 0:
        raise InputError(f"funnel_chart: no rows for category {category!r}")
    year = _one(sub, "year", "funnel_chart")
    rows = [r for r in sub.to_dicts() if _ok(r, "expected", "ratio") and r["expected"] > 0]
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
                x=grid, y=curve, mode="lines", name=fmt.text(key, lang),
                legendgroup=key, showlegend=i == 0, hoverinfo="skip",
                line={"color": PALETTE[key], "dash": dash, "width": 1.5}))
    fig.add_hline(y=1, line={"color": PALETTE["riket"], "width": 1})
    label = get_category(category).label(lang)
    for flag in ("similar", "outside", "higher", "lower", "not_assessed"):
        if flag == "outside":
            pts = [r for r in rows if r["municipality"] in outside
                   and r["municipality"] != municipality]
        else:
            pts = [r for r in rows if _flag(r) == flag and r["municipality"] != municipality
                   and r["municipality"] not in outside]
        if not pts:
            continue
        fig.add_trace(go.Scatter(
            x=[r["expected"] for r in pts], y=[r["ratio"] for r in pts], mode="markers",
            name=(OUTSIDE_UNFLAGGED[lang] if flag == "outside"
                  else fmt.flag_label(flag, lang) if flag != "similar"
                  else ("Övriga kommuner" if lang == "sv" else "Other municipalities")),
            legendgroup=flag,
            marker={"symbol": OUTSIDE_SYMBOL if flag == "outside" else SYMBOLS[flag],
                    "size": 8 if flag == "similar" else 10,
                    "color": PALETTE["other"], "opacity": 0.85,
                    "line": {"color": PALETTE["other"], "width": 1.5}},
            hovertext=[_funnel_hover(r, lang, outside) for r in pts], hoverinfo="text"))
    chosen = [r for r in rows if r["municipality"] == municipality]
    for r in chosen:
        is_out = r["municipality"] in outside
        short = ((("⊗ För få för säker slutsats" if lang == "sv"
                   else "⊗ Too few for a firm conclusion")) if is_out
                 else fmt.flag_label(_flag(r), lang, short=True))
        fig.add_trace(go.Scatter(
            x=[r["expected"]], y=[r["ratio"]], mode="markers+text",
            name=html.escape(f"{_name(r)}: {short}"),
            text=[html.escape(f"{_name(r)} {short}")],
            textposition="top center", textfont={"size": 14, "color": PALETTE["municipality"]},
            marker={"symbol": OUTSIDE_SYMBOL if is_out else SYMBOLS[_flag(r)], "size": 16,
                    "color": PALETTE["municipality"],
                    "line": {"color": PALETTE["municipality"] if is_out else "#ffffff",
                             "width": 2 if is_out else 1.5}},
            hovertext=[_funnel_hover(r, lang, outside)], hoverinfo="text"))
    mid_e = sorted(es)[len(es) // 2]
    mid_lo, mid_hi = funnel_limits([mid_e], 0.998, phi, tau2)
    ys = [r["ratio"] for r in rows] + mid_lo + mid_hi
    y_lo = max(0.0, min([*ys, 1.0]) * 0.9)
    y_hi = max([*ys, 1.0]) * 1.1
    main = f"{label} {year}: " + ("alla kommuner" if lang == "sv" else "all municipalities")
    synthetic = _labelled(table, demo_label)
    title = _title(main, synthetic, lang)
    _base_layout(fig, main, lang, height=560, synthetic=synthetic)
    tickvals, ticktext = _log_ticks(e_lo, e_hi, lang)
    fig.update_xaxes(type="log", title=fmt.text("expected", lang) + (
        " (logaritmisk skala)" if lang == "sv" else " (log scale)"), tickvals=tickvals,
        ticktext=ticktext, range=[math.log10(e_lo), math.log10(e_hi)])
    fig.update_yaxes(title=fmt.text("ratio", lang), range=[y_lo, y_hi], tickformat=",.1f")
    widened = phi is not None and math.isfinite(phi) and phi > 1
    limits = fmt.text("funnel_limits_widened" if widened else "funnel_limits_chance", lang)
    caption = fmt.text("funnel_caption", lang, limits=limits, rule=FLAG_RULE[lang])
    return Chart(f"funnel-{category}", fig, title, _caption(caption, synthetic, lang),
                 funnel_table(sub, category, municipality, lang), lang)


def _funnel_hover(r: dict[str, Any], lang: str, outside: set[str] | None = None) -> str:
    return (f"<b>{html.escape(_name(r))}</b><br>{fmt.text('expected', lang)}: "
            f"{fmt.number(r['expected'], 1, lang)}<br>{fmt.text('observed', lang)}: "
            f"{fmt.integer(r.get('observed'), lang)}<br>{fmt.text('ratio', lang)}: "
            f"{fmt.ratio(r['ratio'], lang)}<br>{_funnel_flag_text(r, outside or set(), lang)}")


# --- (3) trend ----------------------------------------------------------------------------

def trend_table(history: pl.DataFrame, category: str, lang: str = "sv") -> str:
    """Data table for :func:`trend_chart`: one row per year."""
    fmt.check_lang(lang)
    sub = history.filter(pl.col("category") == category).sort("year")
    rows = []
    for r in sub.to_dicts():
        ok = r.get("status") == "ok"
        rows.append([
            str(r["year"]),
            _value_or_status(r, "observed", lang, 0),
            fmt.ratio(r.get("ratio"), lang) if ok else fmt.MISSING,
            fmt.interval(r.get("ratio_lower"), r.get("ratio_upper"), 2, lang) if ok
            else fmt.MISSING,
            fmt.ratio(_peer_level(r), lang) if ok else fmt.MISSING,
            fmt.flag_label(_flag(r) if ok else "not_assessed", lang),
        ])
    label = get_category(category).label(lang)
    caption = (f"{label}: kvot mot riket per år" if lang == "sv"
               else f"{label}: ratio to Sweden by year")
    headers = [fmt.text(k, lang) for k in ("year", "observed", "ratio", "ratio_interval",
                                           "peer_level", "flag")]
    return data_table(caption, headers, rows, [False, True, True, True, True, False])


def trend_chart(history: pl.DataFrame, category: str, lang: str = "sv", *,
                demo_label: bool = True) -> Chart:
    """The ratio over the years (95 % intervals) against Riket = 1 and the peer group."""
    fmt.check_lang(lang)
    _require(history, _FOREST_COLS, "trend_chart")
    sub = history.filter(pl.col("category") == category).sort("year")
    if sub.height == 0:
        raise InputError(f"trend_chart: no rows for category {category!r}")
    _one(sub, "municipality", "trend_chart")
    rows = sub.to_dicts()
    name = _name(rows[0])
    label = get_category(category).label(lang)
    drawn = [r for r in rows if _ok(r, "ratio", "ratio_lower", "ratio_upper")]
    fig = go.Figure()
    if drawn:
        fig.add_trace(go.Scatter(
            x=[r["year"] for r in drawn], y=[r["ratio"] for r in drawn], mode="lines",
            line={"color": PALETTE["municipality"], "width": 2}, showlegend=False,
            hoverinfo="skip"))
    for flag in ("higher", "lower", "similar", "not_assessed"):
        pts = [r for r in drawn if _flag(r) == flag]
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
            hovertext=[f"{r['year']}<br>" + _forest_hover(r, lang) for r in pts],
            hoverinfo="text"))
    peers = [r for r in drawn if _peer_level(r) is not None]
    if peers:
        fig.add_trace(go.Scatter(
            x=[r["year"] for r in peers], y=[_peer_level(r) for r in peers],
            mode="lines+markers", name=fmt.text("peer_group", lang),
            line={"color": PALETTE["peer"], "dash": "dash", "width": 2},
            marker={"symbol": "diamond-open", "size": 9, "color": PALETTE["peer"]},
            hovertext=[f"{r['year']}: {html.escape(_peer_title([r], lang))}<br>"
                       f"{fmt.text('peer_level', lang)} {fmt.ratio(_peer_level(r), lang)}"
                       for r in peers],
            hoverinfo="text"))
    fig.add_hline(y=1, line={"color": PALETTE["riket"], "dash": "dash", "width": 1.5},
                  annotation_text=f"{fmt.text('riket', lang)} = 1",
                  annotation_position="bottom right")
    missing = [r for r in rows if r.get("status") != "ok"]
    for r in missing:
        fig.add_annotation(x=r["year"], y=1, yshift=-18, showarrow=False,
                           text=html.escape(fmt.status_label(r.get("status"), lang)),
                           font={"size": 11})
    ys = [v for r in drawn for v in (r["ratio_lower"], r["ratio_upper"], _peer_level(r))
          if v is not None]
    y_lo, y_hi = max(0.0, min([*ys, 1.0]) * 0.9), max([*ys, 1.0]) * 1.08
    years = [r["year"] for r in rows]
    main = f"{name}, {fmt.lower_first(label)}: " + (
        f"utveckling {min(years)}–{max(years)}" if lang == "sv"
        else f"trend {min(years)}–{max(years)}")
    synthetic = _labelled(history, demo_label)
    title = _title(main, synthetic, lang)
    subtitle = _peer_subtitle(rows[-1:], lang) if peers else None
    _base_layout(fig, main, lang, height=460, synthetic=synthetic, subtitle=subtitle)
    fig.update_xaxes(title=fmt.text("year", lang), tickformat="d", dtick=1)
    fig.update_yaxes(title=fmt.text("ratio", lang), range=[y_lo, y_hi], tickformat=",.1f")
    caption = ("Kvoten mot riket år för år med 95 % konfidensintervall. En avvikelse som "
               "återkommer flera år i rad är mer sannolikt verklig än en enstaka topp. "
               "Streckad orange linje: jämförelsegruppens egen nivå mot riket"
               f"{_peer_suffix(rows[-1:], lang)}."
               if lang == "sv" else
               "The ratio to Sweden year by year with 95% confidence intervals. A deviation "
               "that recurs several years in a row is more likely real than a single peak. "
               "Dashed orange line: the peer group's own level against Sweden"
               f"{_peer_suffix(rows[-1:], lang)}.")
    return Chart(f"trend-{category}", fig, title, _caption(caption, synthetic, lang),
                 trend_table(history, category, lang), lang)


# --- (4) decomposition --------------------------------------------------------------------

_DECOMP_COLS = ("municipality", "year", "category", "status", "observed", "expected",
                "expected_crude", "composition_effect", "practice_effect")


def decomposition_table(table: pl.DataFrame, lang: str = "sv") -> str:
    """Data table for :func:`decomposition_chart`."""
    fmt.check_lang(lang)
    rows = []
    for r in _ordered(table):
        ok = r.get("status") == "ok"
        adjusted = not _all_ages(r)
        rows.append([
            _label(r, lang),
            _band(r, lang),
            _value_or_status(r, "observed", lang, 0),
            fmt.number(r.get("expected_crude"), 1, lang) if ok else fmt.MISSING,
            fmt.number(r.get("composition_effect"), 1, lang, sign=True) if ok and adjusted
            else fmt.MISSING,
            fmt.number(r.get("practice_effect"), 1, lang, sign=True) if ok else fmt.MISSING,
        ])
    note = fmt.NOT_AGE_ADJUSTED[lang]
    if lang == "sv":
        headers = ["Insats", fmt.text("reference_band", lang), "Antal personer",
                   "Om rikets nivå rakt av", "Skillnad p.g.a. åldersstruktur", "Övrig skillnad"]
        caption = ("Skillnaden mot riket i antal personer, uppdelad på orsak. "
                   f"{fmt.MISSING} i kolumnen om åldersstruktur: {note}")
    else:
        headers = ["Category", fmt.text("reference_band", lang), "Persons",
                   "At Sweden's crude rate", "Difference from age structure",
                   "Remaining difference"]
        caption = ("The difference from Sweden in persons, split by cause. "
                   f"{fmt.MISSING} in the age-structure column: {note}")
    return data_table(caption, headers, rows, [False, False, True, True, True, True])


def _all_ages(r: dict[str, Any]) -> bool:
    band = r.get("reference_band")
    if band is None:
        cat = get_category(r["category"])
        return cat.id != "totalt" and cat.age_min == 0 and cat.age_max is None
    return fmt.is_all_ages(band)


def decomposition_chart(table: pl.DataFrame, lang: str = "sv", *,
                        demo_label: bool = True) -> Chart:
    """Per category, how many persons of the difference from Riket's crude rate come from the
    age structure (``composition_effect``) and how many remain (``practice_effect``)."""
    fmt.check_lang(lang)
    _require(table, _DECOMP_COLS, "decomposition_chart")
    if table.height == 0:
        raise InputError("decomposition_chart: the comparison table is empty")
    _one(table, "municipality", "decomposition_chart")
    year = _one(table, "year", "decomposition_chart")
    rows = _ordered(table)
    labels = [_label(r, lang) for r in rows]
    drawn = [r for r in rows if _ok(r, "composition_effect", "practice_effect")]
    name = _name(rows[0])
    fig = go.Figure()
    # added practice first so that, within each category, composition is drawn on top;
    # the legend is reversed to read in the same order
    for col, key, pattern in (("practice_effect", "practice", "/"),
                              ("composition_effect", "composition", "")):
        bars = [r for r in drawn if key == "practice" or not _all_ages(r)]
        vals = [r[col] for r in bars]
        fig.add_trace(go.Bar(
            y=[_label(r, lang) for r in bars], x=vals, orientation="h",
            name=fmt.text(key, lang),
            marker={"color": PALETTE[key], "pattern": {"shape": pattern, "fgcolor": "#ffffff",
                                                       "solidity": 0.3},
                    "line": {"color": PALETTE[key], "width": 1}},
            text=[fmt.number(v, 0, lang, sign=True) for v in vals], textposition="outside",
            cliponaxis=False,
            hovertext=[f"{html.escape(_label(r, lang))}<br>{fmt.text(key, lang)}: "
                       f"{fmt.number(r[col], 1, lang, sign=True)} {fmt.text('persons', lang)}"
                       for r in bars],
            hoverinfo="text"))
    fig.add_vline(x=0, line={"color": PALETTE["riket"], "width": 1})
    # "not age-adjusted" goes under the category's name on the axis, never over the bars
    ticktext = [html.escape(label) + (
        f"<br><span style='font-size:11px;color:{PALETTE['other']}'>"
        f"{html.escape(fmt.text('not_age_adjusted', lang))}</span>"
        if r in drawn and _all_ages(r) else "") for r, label in zip(rows, labels, strict=True)]
    for r, label in zip(rows, labels, strict=True):
        if r.get("status") != "ok":
            fig.add_annotation(x=0, y=label, xanchor="left", showarrow=False,
                               text=html.escape(fmt.status_label(r.get("status"), lang)),
                               font={"size": 12})
    main = f"{name} {year}: " + ("varför antalet skiljer sig från riket" if lang == "sv"
                                 else "why the number differs from Sweden")
    synthetic = _labelled(table, demo_label)
    title = _title(main, synthetic, lang)
    _base_layout(fig, main, lang, height=170 + 52 * len(rows), synthetic=synthetic)
    fig.update_layout(barmode="group", bargap=0.25, legend={"traceorder": "reversed"})
    values = [0.0] + [r[c] for r in drawn for c in ("composition_effect", "practice_effect")]
    span = (max(values) - min(values)) or 1.0
    fig.update_xaxes(range=[min(values) - 0.18 * span, max(values) + 0.18 * span])
    fig.update_xaxes(title=("Antal personer (skillnad mot rikets nivå)" if lang == "sv"
                            else "Persons (difference from Sweden's level)"),
                     tickformat=",.0f", zeroline=True)
    fig.update_yaxes(categoryorder="array", categoryarray=labels[::-1], type="category",
                     range=[-0.5, len(labels) - 0.5], automargin=True, tickvals=labels,
                     ticktext=ticktext)
    caption = fmt.text("decomposition_caption", lang, missing=fmt.MISSING)
    return Chart("decomposition", fig, title, _caption(caption, synthetic, lang),
                 decomposition_table(table, lang), lang)
