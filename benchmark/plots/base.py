"""What every chart shares: :class:`Chart`, the palette, the layout and the row helpers.

A chart module (:mod:`~benchmark.plots.forest`, :mod:`~benchmark.plots.funnel`,
:mod:`~benchmark.plots.trend`, :mod:`~benchmark.plots.decomposition`) builds a plotly
figure from comparison-table rows and returns it as a :class:`Chart` with its title, caption
and accessible data table (:func:`benchmark.plots.table.data_table`). Words come from the
text catalogue (:mod:`benchmark.texts`), numbers from :mod:`benchmark.fmt`.
"""

from __future__ import annotations

import html
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import plotly.graph_objects as go
import polars as pl

from benchmark import fmt
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
    "other_effect": "#D55E00",
    "limit_998": "#000000",
    "limit_95": "#595959",
    "spread": "#8c8c8c",  # grey, 3.4:1: the national spread of a spine chart row
    "iqr": "#4d4d4d",  # dark grey, 8.5:1: its middle half
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

#: Marker of each flag value (the shape carries the flag, never the colour alone).
SYMBOLS: dict[str, str] = {
    "higher": "triangle-up",
    "lower": "triangle-down",
    "similar": "circle",
    "not_assessed": "circle-open",
    # a flag that depends on how ages are counted (``robust`` false): open triangles
    "higher_uncertain": "triangle-up-open",
    "lower_uncertain": "triangle-down-open",
}

FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif"


@dataclass(frozen=True)
class Chart:
    """A figure with its title, caption and accessible data table (HTML).

    Examples
    --------
    >>> import plotly.graph_objects as go
    >>> chart = Chart("demo", go.Figure(), "Titel", "Bildtext", "<table></table>")
    >>> "<figcaption><strong>Titel.</strong> Bildtext</figcaption>" in chart.to_html()
    True
    """

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
        alt = html.escape(fmt.text("chart.alt", self.lang, title=self.title))
        needs_js = html.escape(fmt.text("chart.needs_js", self.lang))
        to_table = html.escape(fmt.text("chart.go_to_table", self.lang))
        region = html.escape(fmt.text("chart.table_region", self.lang, title=self.title))
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


# --- the demo label ---------------------------------------------------------------------------

def labelled(table: pl.DataFrame, demo_label: bool) -> bool:
    """Whether a chart carries the demo label itself (``demo_label=False``: the page showing
    it labels the demo data once, at the top)."""
    return demo_label and is_synthetic(table)


def titled(text: str, synthetic: bool, lang: str) -> str:
    """A chart title, with the demo label when the data are synthetic."""
    return f"{text} – {fmt.text('label.synthetic', lang)}" if synthetic else text


def captioned(text: str, synthetic: bool, lang: str) -> str:
    """A caption, opening with the demo note when the data are synthetic."""
    return f"{fmt.text('label.synthetic_note', lang)} {text}" if synthetic else text


# --- checking and reading rows ----------------------------------------------------------------

def require(table: pl.DataFrame, columns: Iterable[str], what: str) -> None:
    """:class:`InputError` when ``table`` lacks any of ``columns`` (``what`` names the chart)."""
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise InputError(f"{what}: comparison table lacks column(s) {', '.join(missing)}; "
                         "give a table from benchmark.comparison.compare, history or screen "
                         "(columns in benchmark.comparison.COLUMNS)")


def one(table: pl.DataFrame, column: str, what: str) -> Any:
    """The single value of ``column``, or :class:`InputError` asking to filter first."""
    values = table[column].unique().to_list()
    if len(values) != 1:
        raise InputError(f"{what}: expected one {column}, got {sorted(map(str, values))}; "
                         f"filter the comparison table first")
    return values[0]


def one_comparison(table: pl.DataFrame, columns: Iterable[str],
                   what: str) -> tuple[list[dict[str, Any]], Any]:
    """Check a comparison table for a chart of one municipality and year.

    Returns its rows in catalogue order and the year; :class:`InputError` for missing
    columns, an empty table, or several municipalities or years.
    """
    require(table, columns, what)
    if table.height == 0:
        raise InputError(f"{what}: the comparison table is empty")
    one(table, "municipality", what)
    year = one(table, "year", what)
    return ordered(table), year


def drawable(row: dict[str, Any], *cols: str) -> bool:
    """A row may be drawn: the source value is not suppressed/missing and cols are finite."""
    if row.get("status") != "ok":
        return False
    for c in cols:
        v = row.get(c)
        if v is None or (isinstance(v, float) and math.isnan(v)):
            return False
    return True


def flag_of(row: dict[str, Any]) -> str:
    """The row's flag (``not_assessed`` when there is none)."""
    return row.get("flag") or "not_assessed"


def label_of(row: dict[str, Any], lang: str) -> str:
    """The row's category label in ``lang``."""
    return get_category(row["category"]).label(lang)


def name_of(row: dict[str, Any]) -> str:
    """The row's municipality name (its code when the name is missing)."""
    return str(row.get("name") or row.get("municipality") or "")


def ordered(table: pl.DataFrame) -> list[dict[str, Any]]:
    """Rows in catalogue order (personal assistance LSS and SFB adjacent)."""
    order = {c.id: i for i, c in enumerate(CATEGORIES)}
    rows = table.to_dicts()
    return sorted(rows, key=lambda r: order.get(r["category"], len(order)))


def value_or_status(row: dict[str, Any], col: str, lang: str, decimals: int = 1) -> str:
    """``col`` formatted, or the row's status label when the value is not published."""
    if row.get("status") != "ok":
        return fmt.status_label(row.get("status"), lang)
    return fmt.number(row.get(col), decimals, lang)


def band_of(row: dict[str, Any], lang: str) -> str:
    """The reference age band of a row (``reference_band``, else the catalogue's)."""
    band = row.get("reference_band")
    if not band:
        cat = get_category(row["category"])
        band = fmt.text("band.total_split") if cat.id == "totalt" else cat.band_label
    return fmt.band_label(band, lang)


def peer_level(row: dict[str, Any]) -> float | None:
    """The peer group's standardised level against Riket (``peer_level``), for Riket = 1 axes.

    Falls back to peer_expected / expected for tables made before the column existed.
    """
    level = row.get("peer_level")
    if level is None and row.get("peer_expected") and row.get("expected"):
        level = row["peer_expected"] / row["expected"]
    return level


# --- layout and axes --------------------------------------------------------------------------

def base_layout(fig: go.Figure, title: str, lang: str, height: int, *,
                synthetic: bool = False, subtitle: str | None = None) -> None:
    """Title (with plotly's subtitle for the peer group and the demo note), fonts, number
    separators of ``lang``, height and margins."""
    lines = [subtitle] if subtitle else []
    if synthetic:
        lines.append(fmt.text("label.synthetic_note", lang))
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
        font={"family": FONT, "size": 14, "color": "#1a1a1a"},
        height=height,
        margin={"l": 10, "r": 10, "t": 90 + 18 * len(lines), "b": 60},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.01, "x": 0,
                "font": {"size": 13}},
        hoverlabel={"font": {"family": FONT}},
    )


def note_margin(notes: Iterable[str], size: int, minimum: int = 120) -> int:
    """Right margin (px) for notes written at ``x = 1.01`` of the plot in ``size`` px type:
    wide enough for the longest one (about 0,62 em a character, plotly's default sans
    serif), so that none is cut off at the figure's edge."""
    longest = max((len(n) for n in notes), default=0)
    return max(minimum, math.ceil(0.62 * size * longest) + 24)


def ratio_ticks(lo: float, hi: float, lang: str) -> tuple[list[float], list[str]]:
    """Tick values and labels of a ratio axis between ``lo`` and ``hi``."""
    candidates = [0.1, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 4.0, 6.0, 10.0]
    vals = [v for v in candidates if lo <= v <= hi] or [1.0]
    if len(vals) > 7:
        vals = [v for v in vals if v in (0.1, 0.25, 0.5, 1.0, 2.0, 4.0, 10.0)]
    return vals, [fmt.number(v, 2 if v in (0.25, 0.75) else 1, lang) for v in vals]


def log_ticks(lo: float, hi: float, lang: str) -> tuple[list[float], list[str]]:
    """Ticks 1, 2, 5 × 10^k between ``lo`` and ``hi``."""
    vals = [m * 10 ** k for k in range(-1, 7) for m in (1, 2, 5) if lo <= m * 10 ** k <= hi]
    return vals, [fmt.number(v, 0 if v >= 1 else 1, lang) for v in vals]


def log_range(values: Sequence[float], pad: float = 1.15) -> tuple[float, float]:
    """A log-axis range holding ``values`` and 1, padded by ``pad`` on both sides."""
    finite = [v for v in values if v is not None and v > 0 and math.isfinite(v)]
    lo = min([*finite, 1.0]) / pad
    hi = max([*finite, 1.0]) * pad
    return lo, hi
