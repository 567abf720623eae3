"""The unit heads' tools in JupyterLab: the explorer (notebook 01) and the screening tool
(notebook 03), built from ipywidgets.

Choices come first (dropdowns at the top), pictures under them. Every chart is put into the
widget's own ``Output`` as a plotly mime bundle (``application/vnd.plotly.v1+json``, drawn by
JupyterLab's plotly renderer, with an HTML fallback) and the whole output is replaced on
every change, so the charts always show the current choice. (Handing a figure to
``Output.append_display_data`` lets plotly's ``_ipython_display_`` take over: the figure then
lands outside the widget.) No statistics are computed here.

The starting municipality is, in order: the notebook's parameter, ``$BENCHMARK_KOMMUN``
(``make lab KOMMUN=…``), the last one chosen (remembered in ``<data dir>/explorer.json``),
the demo's focus municipality on demo data, else the first one. The newest year in the data
comes first.
"""

from __future__ import annotations

import contextlib
import html
import json
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import plotly.io as pio
import polars as pl

from benchmark import fmt, plots, views
from benchmark.catalog import CATEGORIES
from benchmark.config import Settings
from benchmark.errors import BenchmarkError

PLOTLY_MIME = "application/vnd.plotly.v1+json"
#: Environment variable `make lab KOMMUN=…` sets for the kernels.
KOMMUN_ENV = "BENCHMARK_KOMMUN"
#: File in the data folder that remembers the last choice (municipality, peer group).
CHOICE_FILE = "explorer.json"
#: Comparison groups offered under "Jämför med": key → compare()'s ``peer_group``.
PEER_GROUPS: dict[str, str | None] = {"liknande_lss": None, "kommungrupp": "kommungrupp",
                                      "lan": "lan"}

Output = dict[str, Any]
#: Height of the funnel plots in the screening tool (ten in a row; the report's are taller).
FUNNEL_HEIGHT = 480
#: Controls: labels at their natural width, a gap after each.
WIDE = {"description_width": "initial"}
CONTROL_MARGIN = "2px 1.2em 2px 0"
#: Layout of a row of controls: wraps on narrow screens, clear of the chart below.
CONTROL_ROW = {"flex_flow": "row wrap", "align_items": "center", "margin": "0 0 10px 0"}


# --- outputs ------------------------------------------------------------------------------

def html_output(fragment: str) -> Output:
    """A ``display_data`` output holding an HTML fragment."""
    return {"output_type": "display_data", "data": {"text/html": fragment, "text/plain": ""},
            "metadata": {}}


def chart_outputs(chart: plots.Chart, lang: str = "sv", *,
                  caption_on_demand: bool = False) -> list[Output]:
    """A chart as outputs for a widget: the figure as a plotly mime bundle (HTML fallback
    naming the chart), then its caption and, on demand, its data table (the caption too
    with ``caption_on_demand``, for a series of charts read the same way)."""
    figure = json.loads(pio.to_json(chart.figure, validate=False, remove_uids=True))
    bundle = {"data": figure.get("data", []), "layout": figure.get("layout", {}),
              "config": plots.PLOTLY_CONFIG}
    fallback = html.escape(fmt.text("explorer.chart_fallback", lang, title=chart.title))
    figure_out = {"output_type": "display_data",
                  "data": {PLOTLY_MIME: bundle, "text/html": f"<p><strong>{fallback}</strong></p>",
                           "text/plain": chart.title},
                  "metadata": {}}
    caption = f"<p>{html.escape(chart.caption)}</p>"
    more = html.escape(fmt.text("explorer.show_more" if caption_on_demand
                                  else "explorer.show_table", lang))
    return [figure_out, html_output(
        ("" if caption_on_demand else caption) + f"<details><summary>{more}</summary>"
        + (caption if caption_on_demand else "") + f"{chart.table_html}</details>")]


def figure_titles(outputs: Sequence[Output]) -> list[str]:
    """The title text of every plotly figure among ``outputs`` (what the reader sees)."""
    titles = [o["data"][PLOTLY_MIME]["layout"].get("title", {}) for o in outputs
              if PLOTLY_MIME in o.get("data", {})]
    return [" ".join(str(x) for x in (t.get("text"), t.get("subtitle", {}).get("text")) if x)
            for t in titles]


def _banner(settings: Settings, lang: str) -> str:
    """The one demo label of a tool (empty on real data)."""
    from benchmark.store import read_manifest

    if not read_manifest(settings).get("synthetic"):
        return ""
    return (f'<p class="lss-demo" role="note" style="background:#fff1b8;padding:.4em .7em;'
            f'margin:0 0 .4em 0;border-left:4px solid #b58b00"><strong>'
            f"{html.escape(fmt.text('explorer.synthetic_tool', lang))}</strong></p>")


# --- choices --------------------------------------------------------------------------------

def remembered(settings: Settings) -> dict[str, Any]:
    """The last choice saved by :func:`remember` (empty when none or unreadable)."""
    try:
        data = json.loads((settings.data_dir / CHOICE_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def remember(settings: Settings, **choice: Any) -> None:
    """Save ``choice`` (merged into the last one) for the next session; a folder that cannot
    be written is no error (remembering is a convenience)."""
    from benchmark.errors import DataError
    from benchmark.store import atomic_write_bytes

    data = {**remembered(settings), **choice}
    with contextlib.suppress(OSError, DataError):  # DataError: the write failed, path named
        atomic_write_bytes(settings.data_dir / CHOICE_FILE,
                           json.dumps(data, ensure_ascii=False, indent=1).encode("utf-8"))


def start_municipality(settings: Settings, codes: Sequence[str],
                       explicit: str | None = None) -> str:
    """The municipality a tool starts with (see the module docstring for the order)."""
    from benchmark.demo import DEMO_FOCUS
    from benchmark.store import read_manifest

    demo = DEMO_FOCUS if read_manifest(settings).get("synthetic") else None
    for code in (explicit, os.environ.get(KOMMUN_ENV), remembered(settings).get("municipality"),
                 demo):
        if code and str(code).strip().zfill(4) in codes:
            return str(code).strip().zfill(4)
    return codes[0]


def _municipality_options(settings: Settings) -> list[tuple[str, str]]:
    from benchmark.store import read_table

    munis = read_table("municipalities", settings).filter(pl.col("type") == "K")
    rows = sorted(munis.iter_rows(named=True), key=lambda r: views.sv_sort_key(str(r["name"])))
    return [(f"{r['name']} ({r['municipality']})", r["municipality"]) for r in rows]


def _years(settings: Settings) -> list[int]:
    """Years that can be assessed, newest first (none after the newest with population)."""
    from benchmark.comparison import load_inputs

    inputs = load_inputs(settings)
    newest = inputs.newest_year()
    return sorted((y for y in inputs.years if y <= newest), reverse=True)


def _controls(settings: Settings, municipality: str | None, year: int | None, lang: str
              ) -> tuple[Any, Any]:
    """The Kommun and År dropdowns, set to the starting choice."""
    import ipywidgets as w

    options = _municipality_options(settings)
    codes = [code for _, code in options]
    years = _years(settings)
    pick = w.Dropdown(options=options, value=start_municipality(settings, codes, municipality),
                      description=fmt.text("label.municipality", lang), style=WIDE,
                      layout=w.Layout(width="19em", margin=CONTROL_MARGIN))
    when = w.Dropdown(options=years, value=int(year) if year in years else years[0],
                      description=fmt.text("label.year", lang), style=WIDE,
                      layout=w.Layout(width="8em", margin=CONTROL_MARGIN))
    return pick, when


def _start(data_dir: str | Path | None, municipality: str | None, year: int | None,
           lang: str) -> tuple[Settings, Any, Any]:
    """A tool's settings and its Kommun and År dropdowns (the language checked first)."""
    fmt.check_lang(lang)
    settings = views.notebook_settings(data_dir)
    return (settings, *_controls(settings, municipality, year, lang))


def _on_change(widgets: Sequence[Any], handler: Callable[..., None]) -> None:
    for widget in widgets:
        widget.observe(handler, names="value")


# --- notebook 01 ------------------------------------------------------------------------------

def _need_outputs(table: Any, settings: Settings, year: int, lang: str) -> list[Output]:
    """Notebook 01's view of "Beror skillnaden på större behov?" (as in the report)."""
    from benchmark.comparison import indicator_table, load_inputs, need_fits

    inputs = load_inputs(settings)
    code = str(table["municipality"][0])
    items = [html_output(views.section("need", lang))]
    for part in views.need_parts(table, indicator_table(inputs, code, year),
                                 need_fits(inputs, year), lang, demo_label=False):
        items += (chart_outputs(part, lang) if isinstance(part, plots.Chart)
                  else [html_output(part)])
    return items


def explorer(*, data_dir: str | Path | None = None, municipality: str | None = None,
             year: int | None = None, lang: str = "sv") -> Any:
    """The explorer (notebook 01): one municipality's charts, following its dropdowns.

    Parameters
    ----------
    data_dir, municipality, year, lang
        Where the data are (default: :func:`benchmark.views.notebook_settings`), the
        municipality and year to start with (default: see the module docstring; the newest
        year) and the language of the tool.

    Returns
    -------
    ipywidgets.VBox
        The demo label (on demo data), the dropdowns and the charts' output;
        :func:`benchmark.explorer_profile.whole_picture` follows its dropdowns.

    Examples
    --------
    >>> explorer(municipality="0180")  # doctest: +SKIP
    """
    import ipywidgets as w

    from benchmark import compare

    settings, pick, when = _start(data_dir, municipality, year, lang)
    last_peer = remembered(settings).get("peer_group")
    peers = w.Dropdown(options=[(fmt.text(f"explorer.peer_choice_{k}", lang), k)
                                for k in PEER_GROUPS],
                       value=last_peer if last_peer in PEER_GROUPS else "liknande_lss",
                       description=fmt.text("explorer.compare_with", lang),
                       style=WIDE, layout=w.Layout(width="24em", margin=CONTROL_MARGIN))
    out = w.Output()

    def render(*_: Any) -> None:
        try:
            table = compare.compare(pick.value, int(when.value),
                                    peer_group=PEER_GROUPS[peers.value], settings=settings)
            hist = compare.history(pick.value, last_year=int(when.value),
                                   n_years=views.TREND_YEARS,
                                   peer_group=PEER_GROUPS[peers.value], settings=settings)
        except BenchmarkError as exc:
            out.outputs = (html_output(
                f"<p><strong>{html.escape(fmt.text('explorer.compare_failed', lang, error=exc))}"
                "</strong></p>"),)
            return
        items: list[Output] = []
        if plots.peer_group_name(table.to_dicts(), lang) is None:
            name = str(table["name"][0]) if table.height else pick.value
            items.append(html_output("<p>" + html.escape(fmt.text(
                "explorer.no_liknande_group", lang, name=name, year=when.value)) + "</p>"))
        items += chart_outputs(plots.forest_chart(table, lang, demo_label=False), lang)
        items += [html_output(views.summary(table, lang)), html_output(views.paired_note(lang))]
        items += chart_outputs(plots.decomposition_chart(table, lang, demo_label=False), lang)
        items += _need_outputs(table, settings, int(when.value), lang)
        for cat in views.trend_categories(table):
            items += chart_outputs(plots.trend_chart(hist, cat, lang, demo_label=False), lang)
        # the whole output at once: the charts always follow the current choice
        out.outputs = tuple(items)

    def chosen(change: dict[str, Any]) -> None:
        if change["owner"] is pick:
            remember(settings, municipality=pick.value)
        elif change["owner"] is peers:
            remember(settings, peer_group=peers.value)
        render()

    _on_change((pick, when, peers), chosen)
    render()
    banner = _banner(settings, lang)
    head = [w.HTML(banner)] if banner else []
    box = w.VBox([*head, w.HBox([pick, when, peers], layout=CONTROL_ROW), out])
    # what benchmark.explorer_profile.whole_picture follows
    box.lss_choice = (settings, lang, pick, when, peers)
    return box


# --- notebook 03 ------------------------------------------------------------------------------

def screening_tool(*, data_dir: str | Path | None = None, municipality: str | None = None,
                   year: int | None = None, lang: str = "sv") -> Any:
    """The screening tool (notebook 03): every municipality, one category at a time.

    Parameters
    ----------
    data_dir
        The data folder (default: :func:`benchmark.views.notebook_settings`).
    municipality
        The kommunkod to highlight first (default: see the module docstring).
    year
        The year to start with (default: the newest).
    lang
        The language of the tool.

    Returns
    -------
    ipywidgets.VBox
        The demo label (on demo data), the controls, the summary and table of all
        municipalities, and one funnel plot per category.

    Examples
    --------
    >>> screening_tool(municipality="2482")  # doctest: +SKIP
    """
    import ipywidgets as w

    from benchmark import screen as screening

    settings, pick, when = _start(data_dir, municipality, year, lang)
    view = w.Dropdown(options=[(fmt.text("screening.overview_all", lang), "")]
                      + [(c.label(lang), c.id) for c in CATEGORIES],
                      value="", description=fmt.text("screening.table_view", lang),
                      style=WIDE, layout=w.Layout(width="21em", margin=CONTROL_MARGIN))
    query = w.Text(value="", placeholder=fmt.text("screening.search_hint", lang),
                   description=fmt.text("screening.search", lang), continuous_update=True,
                   style=WIDE, layout=w.Layout(width="19em", margin=CONTROL_MARGIN))
    only = w.Checkbox(value=False, description=fmt.text("screening.only_deviating", lang),
                      indent=False, layout=w.Layout(width="auto"))
    sort = w.Dropdown(options=views.sort_choices(None, lang), value="name",
                      description=fmt.text("screening.sort_by", lang), style=WIDE,
                      layout=w.Layout(width="17em", margin=CONTROL_MARGIN))
    summary_out, table_out, funnel_out = w.Output(), w.Output(), w.Output()
    cache: dict[int, pl.DataFrame] = {}

    def data() -> pl.DataFrame:
        y = int(when.value)
        if y not in cache:
            cache[y] = screening.screen(y, settings=settings)
        return cache[y]

    def name() -> str:
        return next((label.rsplit(" (", 1)[0] for label, code in pick.options
                     if code == pick.value), pick.value)

    def draw_table(*_: Any) -> None:
        table_out.outputs = (html_output(views.municipality_table(
            data(), lang, category=view.value or None, municipality=pick.value,
            query=query.value, only_deviating=only.value, sort=sort.value)),)

    def draw_all(*_: Any) -> None:
        try:
            table = data()
        except BenchmarkError as exc:
            summary_out.outputs = (html_output(
                f"<p><strong>{html.escape(fmt.text('explorer.compare_failed', lang, error=exc))}"
                "</strong></p>"),)
            table_out.outputs = funnel_out.outputs = ()
            return
        summary_out.outputs = (html_output(
            views.heading(fmt.text("screening.by_category", lang), 2)
            + views.screening_summary(table, lang, municipality=pick.value)),)
        draw_table()
        heading = views.heading(fmt.text("screening.funnels_heading", lang, name=name()), 2)
        intro = html.escape(fmt.text("screening.funnels_intro", lang, name=name()))
        items = [html_output(f"{heading}<p>{intro}</p>")]
        for c in CATEGORIES:
            try:
                chart = plots.funnel_chart(table, c.id, pick.value, lang, demo_label=False)
                chart.figure.update_layout(height=FUNNEL_HEIGHT)
            except BenchmarkError:
                items.append(html_output("<p>" + html.escape(fmt.text(
                    "screening.no_funnel", lang, category=c.label(lang), year=when.value))
                    + "</p>"))
                continue
            # the first funnel explains how to read them all; the others on demand
            items += chart_outputs(chart, lang, caption_on_demand=len(items) > 1)
        funnel_out.outputs = tuple(items)

    def view_changed(*_: Any) -> None:
        choices = views.sort_choices(view.value or None, lang)
        keep = sort.value if sort.value in [k for _, k in choices] else "name"
        with sort.hold_trait_notifications():
            sort.options = choices
            sort.value = keep
        draw_table()

    def municipality_changed(*_: Any) -> None:
        remember(settings, municipality=pick.value)
        draw_all()

    _on_change((when,), draw_all)
    _on_change((pick,), municipality_changed)
    _on_change((view,), view_changed)
    _on_change((query, only, sort), draw_table)
    draw_all()
    banner = _banner(settings, lang)
    head = [w.HTML(banner)] if banner else []
    return w.VBox([*head, w.HBox([pick, when], layout=CONTROL_ROW), summary_out,
                   w.HTML(views.section("funnel", lang)),
                   w.HBox([view, sort, query, only], layout=CONTROL_ROW), table_out,
                   funnel_out])
