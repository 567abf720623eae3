"""The register views for readers: charts and tables for the report section "Egna beslut i
år" and notebook ``05-egna-beslut``.

Everything here is drawn from :class:`~benchmark.register.views.RegisterViews`, whose
tables are already aggregated with small cells hidden, so no chart or table can carry a
hidden figure (hidden cells show as "–"; a cell with no figure is empty). Words come from
the text catalogue (``benchmark/texts/sv.toml``, ``en.toml``, section
``[register]``).
"""

from __future__ import annotations

import dataclasses
import html
from collections.abc import Mapping
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import plotly.graph_objects as go
import polars as pl

from benchmark import fmt, plots
from benchmark.catalog import get_category
from benchmark.comparison import Inputs
from benchmark.config import Settings
from benchmark.register.aggregate import ALL
from benchmark.register.cli import STALE_DAYS
from benchmark.register.privacy import HIDDEN
from benchmark.register.stock import HIDDEN_COLUMN
from benchmark.register.validate import read_register
from benchmark.register.views import RegisterViews, build

__all__ = [
    "flow_chart",
    "flow_table",
    "load",
    "notebook_parts",
    "notes",
    "reconciliation_table",
    "report_parts",
    "section",
    "stock_chart",
]

#: Years of the reconciliation shown in a report (the newest published ones).
RECONCILIATION_YEARS = 6
_FLOW_COLUMNS = ("decisions", "granted", "refused", "share_refused", "started", "ended",
                 "median_days", "waiting_over_3m", "still_waiting")
_FLOW_TEXT = {"decisions": "register.decisions", "granted": "register.granted",
              "refused": "register.refused", "share_refused": "register.share_refused",
              "started": "register.started", "ended": "register.ended",
              "median_days": "register.median_days", "waiting_over_3m": "register.waiting",
              "still_waiting": "register.still_waiting"}


def load(register_file: str | Path, municipality: str, on: date | str | None = None, *,
         sheet: str | None = None, labels: Mapping[str, str] | None = None,
         year: int | None = None, inputs: Inputs | None = None,
         settings: Settings | None = None) -> RegisterViews:
    """Read the export and compute all three views (``on`` as a date or ``YYYY-MM-DD``)."""
    if isinstance(on, str):
        on = date.fromisoformat(on)
    register = read_register(register_file, sheet=sheet, labels=labels)
    return build(register, municipality, on, inputs=inputs, settings=settings, year=year)


def _cell(row: dict[str, Any], col: str, lang: str, kind: str = "int") -> str:
    if col in (row.get(HIDDEN_COLUMN) or "").split(","):
        return HIDDEN
    value = row.get(col)
    if value is None:
        return ""
    if kind == "pct":
        return fmt.percent(value, 0, lang)
    if kind == "num":
        return fmt.number(value, 0, lang)
    return fmt.integer(value, lang, sign=kind == "signed")


def notes(result: RegisterViews, lang: str = "sv") -> str:
    """That the section holds aggregated figures from the register, and what was left out."""
    reg = result.register
    items = [fmt.text("register.included", lang, file=reg.source, rows=fmt.integer(reg.rows,
                                                                                  lang))]
    for reason, n in reg.left_out.items():
        items.append(fmt.text("register.left_out", lang, n=fmt.integer(n, lang),
                              reason=fmt.text(f"register.left_{reason}", lang)))
    last = reg.last_date
    if last is not None and result.on - last > timedelta(days=STALE_DAYS):
        items.append(fmt.text("register.stale", lang, last=fmt.long_date(last, lang),
                              date=fmt.long_date(result.on, lang)))
    return "".join(f"<p>{html.escape(i)}</p>" for i in items)


def stock_chart(result: RegisterViews, lang: str = "sv") -> plots.Chart:
    """The comparison chart of the stock view, titled with the date and reference year."""
    table = result.tables["stock"]
    chart = plots.forest_chart(table, lang, demo_label=False)
    name = str(table["name"].drop_nulls()[0]) if table["name"].drop_nulls().len() else \
        result.municipality
    day = fmt.long_date(result.on, lang)
    title = fmt.text("register.stock_title", lang, name=name, date=day,
                     year=result.reference_year)
    chart.figure.update_layout(title_text=html.escape(title))
    caption = fmt.text("register.stock_caption", lang, date=day, year=result.reference_year)
    return dataclasses.replace(chart, key="register-stock", title=title,
                               caption=f"{caption} {chart.caption}")


def reconciliation_table(result: RegisterViews, lang: str = "sv") -> str:
    """A lead in words and the register − Kolada differences, insatser × recent years."""
    rec = result.tables["reconciliation"].filter(pl.col("kolada_status") != "not_published")
    years = sorted(rec["year"].unique().to_list())[-RECONCILIATION_YEARS:]
    rec = rec.filter(pl.col("year").is_in(years))
    rows = rec.to_dicts()
    shown = [r for r in rows if r["difference"] is not None]
    same = sum(r["difference"] == 0 for r in shown)
    largest = max(shown, key=lambda r: abs(r["difference"]), default=None)
    if largest is None or largest["difference"] == 0:
        agreement = fmt.text("register.agree_all", lang, cells=fmt.integer(len(shown), lang))
    else:
        big = (f"{fmt.integer(largest['difference'], lang, sign=True)} "
               f"({fmt.category_label(largest['category'], lang, mid_sentence=True)} "
               f"{largest['year']})")
        agreement = fmt.text("register.agree_some", lang, same=fmt.integer(same, lang),
                             cells=fmt.integer(len(shown), lang), largest=big)
    lead = fmt.text("register.reconciliation_lead", lang, agreement=agreement)
    by = {(r["category"], r["year"]): r for r in rows}
    cats = list(dict.fromkeys(r["category"] for r in rows))
    body = [[get_category(c).label(lang)]
            + [_cell(by[(c, y)], "difference", lang, "signed") if (c, y) in by else ""
               for y in years] for c in cats]
    table = plots.data_table(fmt.text("register.reconciliation_caption", lang),
                             [fmt.text("label.category", lang), *map(str, years)], body,
                             [False] + [True] * len(years))
    return f"<p>{html.escape(lead)}</p>{table}"


def flow_chart(result: RegisterViews, lang: str = "sv") -> plots.Chart:
    """Granted and refused decisions per year (all insatser), and those not executed within
    three months; the data table gives every measure per year."""
    flow = result.tables["flow"].filter(pl.col("category") == ALL).sort("year")
    rows = flow.to_dicts()
    years = [str(r["year"]) for r in rows]
    fig = go.Figure()
    for col, colour in (("granted", plots.PALETTE["municipality"]),
                        ("refused", plots.PALETTE["peer"])):
        fig.add_trace(go.Bar(x=years, y=[r[col] for r in rows], name=fmt.text(
            _FLOW_TEXT[col], lang), marker_color=colour,
            hovertemplate="%{x}: %{y}<extra>" + fmt.text(_FLOW_TEXT[col], lang) + "</extra>"))
    fig.add_trace(go.Scatter(x=years, y=[r["waiting_over_3m"] for r in rows],
                             mode="lines+markers", name=fmt.text("register.waiting", lang),
                             line={"color": plots.PALETTE["riket"], "width": 2},
                             marker={"symbol": "square", "size": 8}))
    name = _name(result)
    title = fmt.text("register.flow_title", lang, name=name)
    caption = fmt.text("register.flow_caption", lang, last=years[-1] if years else "",
                       date=fmt.long_date(result.on, lang))
    fig.update_layout(barmode="stack", title={"text": html.escape(title), "x": 0},
                      template="simple_white", separators=fmt.plotly_separators(lang),
                      height=420, legend={"orientation": "h", "y": 1.08, "x": 0})
    fig.update_xaxes(type="category", title=fmt.text("label.year", lang))
    fig.update_yaxes(title=fmt.text("register.decisions", lang), rangemode="tozero")
    headers = [fmt.text("label.year", lang),
               *(fmt.text(_FLOW_TEXT[c], lang) for c in _FLOW_COLUMNS)]
    body = [[str(r["year"]), *(_cell(r, c, lang, _kind(c)) for c in _FLOW_COLUMNS)]
            for r in rows]
    table = plots.data_table(f"{title}; {HIDDEN} = {fmt.text('register.hidden', lang)}",
                             headers, body, [False] + [True] * len(_FLOW_COLUMNS))
    if result.synthetic:
        caption = f"{fmt.text('label.synthetic_note', lang)} {caption}"
    return plots.Chart("register-flow", fig, title, caption, table, lang)


def _kind(col: str) -> str:
    return {"share_refused": "pct", "median_days": "num"}.get(col, "int")


def _name(result: RegisterViews) -> str:
    stock = result.tables.get("stock")
    if stock is not None and stock["name"].drop_nulls().len():
        return str(stock["name"].drop_nulls()[0])
    return result.municipality


def flow_table(result: RegisterViews, lang: str = "sv", year: int | None = None) -> str:
    """Every measure per insats for one year (default the date's year), and what the
    waiting measures mean."""
    flow = result.tables["flow"]
    year = year or result.on.year
    rows = flow.filter(pl.col("year") == year).to_dicts()
    headers = [fmt.text("label.category", lang),
               *(fmt.text(_FLOW_TEXT[c], lang) for c in _FLOW_COLUMNS)]
    body = [[fmt.text("register.all", lang) if r["category"] == ALL
             else get_category(r["category"]).label(lang),
             *(_cell(r, c, lang, _kind(c)) for c in _FLOW_COLUMNS)] for r in rows]
    through = rows[0]["through"] if rows else result.on
    caption = fmt.text("register.flow_table_caption", lang, year=year,
                       date=fmt.long_date(through, lang))
    table = plots.data_table(caption, headers, body, [False] + [True] * len(_FLOW_COLUMNS))
    note = fmt.text("register.waiting_note", lang, date=fmt.long_date(result.on, lang))
    return f"{table}<p>{html.escape(note)}</p>"


def section(result: RegisterViews, lang: str = "sv", level: int = 3
            ) -> list[plots.Chart | str]:
    """The section's parts in reading order: notes, then each view, picture first."""
    from benchmark.views import heading

    day = fmt.long_date(result.on, lang)
    parts: list[plots.Chart | str] = [notes(result, lang)]
    if "stock" in result.tables:
        parts += [heading(fmt.text("register.stock_heading", lang, date=day), level),
                  stock_chart(result, lang)]
    if "flow" in result.tables:
        parts += [heading(fmt.text("register.flow_heading", lang), level),
                  flow_chart(result, lang), flow_table(result, lang)]
    if "reconciliation" in result.tables:
        parts += [heading(fmt.text("register.reconciliation_heading", lang), level),
                  reconciliation_table(result, lang)]
    return parts


def report_parts(register_file: str | Path, municipality: str, on: date | str | None = None,
                 *, lang: str = "sv", year: int | None = None, sheet: str | None = None,
                 labels: Mapping[str, str] | None = None,
                 data_dir: str | Path | None = None) -> list[plots.Chart | str]:
    """The report section "Egna beslut i år": its heading and :func:`section`, with the
    national rates of ``year`` (the report's year)."""
    from benchmark.views import heading, notebook_settings

    result = load(register_file, municipality, on, sheet=sheet, labels=labels, year=year,
                  settings=notebook_settings(data_dir))
    return [heading(fmt.text("register.section", lang), 2), *section(result, lang)]


def notebook_parts(register_file: str | Path | None = None, municipality: str | None = None,
                   on: date | str | None = None, *, sheet: str | None = None,
                   labels: Mapping[str, str] | None = None,
                   data_dir: str | Path | None = None, lang: str = "sv"
                   ) -> list[plots.Chart | str]:
    """Notebook ``05-egna-beslut``: the section for a file, or what to fill in.

    On the synthetic demo data, without a file, the demo's own register of Demoby is used
    (:mod:`benchmark.demo.register`, written by ``make demo``), counted on its export date;
    the municipality defaults to ``$BENCHMARK_KOMMUN`` (``make lab KOMMUN=…``).
    """
    import os

    from benchmark.demo import DEMO_FOCUS
    from benchmark.demo.register import DEMO_LABEL_MAP, DEMO_REGISTER_DATE, register_path
    from benchmark.explorer import KOMMUN_ENV
    from benchmark.store import read_manifest
    from benchmark.views import notebook_settings

    settings = notebook_settings(data_dir)
    demo = bool(read_manifest(settings).get("synthetic"))
    if register_file is None and demo and register_path(settings.data_dir).exists():
        register_file, labels = register_path(settings.data_dir), labels or DEMO_LABEL_MAP
        on = on or DEMO_REGISTER_DATE
        municipality = municipality or DEMO_FOCUS
    municipality = municipality or os.environ.get(KOMMUN_ENV)
    if register_file is None or municipality is None:
        return [f"<p><strong>{html.escape(fmt.text('register.fill_in', lang))}</strong></p>"]
    result = load(register_file, municipality, on, sheet=sheet, labels=labels,
                  settings=settings)
    banner = (f'<p class="lss-demo" role="note"><strong>'
              f"{html.escape(fmt.text('explorer.synthetic_tool', lang))}</strong></p>"
              if result.synthetic else "")
    return [banner, *section(result, lang, level=2)]
