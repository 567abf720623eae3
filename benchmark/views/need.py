"""The report's section "Beror skillnaden på större behov?" (and notebook 01's view of it).

The municipality's need indicators against Riket (ratio with interval), what the need
adjustment says in words for the insatser the indicators explain, the chart of the age-
and the age-and-need-adjusted ratios with the three-way split in persons
(:func:`benchmark.plots.need_chart`), the fitted β per insats and the caveats. Nothing is
computed here: the numbers are the comparison table's need columns
(:mod:`benchmark.comparison.need`), :func:`~benchmark.comparison.need.indicator_table` and
:func:`~benchmark.comparison.need.need_fits`.
"""

from __future__ import annotations

import html
from typing import Any

import polars as pl

from benchmark import fmt
from benchmark.catalog import CATEGORIES
from benchmark.plots import Chart, need_chart
from benchmark.plots.table import data_table

#: A sentence names the need part of a gap only from this many persons (and 10 % of it).
MIN_PERSONS = 5

__all__ = ["beta_table", "indicator_view", "need_explained", "need_parts", "need_sentences"]


def _paragraph(text: str, attrs: str = "") -> str:
    return f"<p{attrs}>{html.escape(text)}</p>"


def need_explained(row: dict[str, Any]) -> bool:
    """Whether the row's need-adjusted result is the one to read: assessed, and some β's
    interval lies wholly above 0 for its insats."""
    return bool(row.get("need_explains")) and row.get("need_flag") in (
        "higher", "lower", "similar")


def indicator_view(indicators: pl.DataFrame, lang: str = "sv") -> str:
    """The municipality's need indicators against Riket as an accessible table."""
    rows = []
    for r in indicators.iter_rows(named=True):
        ok = r["ratio"] is not None
        rows.append([
            fmt.text(f"need_indicator.{r['indicator']}", lang),
            fmt.band_label(r["band"], lang),
            str(r["indicator_year"]) if r["indicator_year"] is not None else fmt.MISSING,
            fmt.number(r["rate_per_1000"], 1, lang) if ok else fmt.MISSING,
            fmt.number(r["national_per_1000"], 1, lang) if ok else fmt.MISSING,
            fmt.ratio(r["ratio"], lang) if ok else fmt.MISSING,
            fmt.interval(r["ratio_lower"], r["ratio_upper"], 2, lang)
            if ok and r["ratio_lower"] is not None else fmt.MISSING,
        ])
    headers = [fmt.text(f"need.header_{k}", lang) for k in (
        "indicator", "band", "year", "rate", "riket", "ratio")] + [
        fmt.text("label.ratio_interval", lang)]
    return data_table(fmt.text("need.indicators_caption", lang, missing=fmt.MISSING),
                      headers, rows, [False, False, False, True, True, True, True])


def need_sentences(table: pl.DataFrame, indicators: pl.DataFrame, lang: str = "sv"
                   ) -> list[str]:
    """"Of the N more persons than expected in …, about M are in line with …" for every
    insats the indicators explain, with a gap of at least one person that the need part
    goes with and the other part does not go against."""
    order = {c.id: i for i, c in enumerate(CATEGORIES)}
    ratios = {r["kpi"]: r for r in indicators.iter_rows(named=True)}
    out = []
    for r in sorted(table.iter_rows(named=True), key=lambda r: order.get(r["category"], 99)):
        if not need_explained(r) or r.get("need_effect") is None:
            continue
        gap = r["observed"] - r["expected_crude"]
        least = max(MIN_PERSONS, 0.1 * abs(gap))
        # only where need goes the way of the gap: "in line with" a part of it
        if abs(gap) < 1 or r["need_effect"] * gap <= 0 or abs(r["need_effect"]) < least:
            continue
        # nor where the rest (practice, supply, chance) goes the other way: the gap is then
        # the small net of large opposite parts, and "in line with need" would hide that
        # the municipality is far from what age and need give
        other = r.get("other_effect")
        if other is not None and other * gap < 0 and abs(other) >= least:
            continue
        kpi = (r.get("need_indicators") or "").split(", ")[0]
        ind = ratios.get(kpi)
        if ind is None or ind["ratio"] is None:
            continue
        what = fmt.text(f"need_indicator.{ind['indicator']}_what", lang)
        indicator = fmt.text("need.indicator_higher" if ind["ratio"] >= 1
                             else "need.indicator_lower", lang, what=what)
        key = "need.sentence" + ("_all" if abs(r["need_effect"]) >= abs(gap) else "") + (
            "" if gap > 0 else "_fewer")
        out.append(fmt.text(key, lang, gap=fmt.integer(abs(gap), lang),
                            category=fmt.category_label(r["category"], lang,
                                                        mid_sentence=True),
                            need=fmt.integer(abs(r["need_effect"]), lang),
                            indicator=indicator))
    return out


def beta_table(fits: pl.DataFrame, year: int, lang: str = "sv") -> str:
    """The fitted β per insats and indicator, with interval and share explained."""
    order = {c.id: i for i, c in enumerate(CATEGORIES)}
    rows = []
    for r in sorted(fits.iter_rows(named=True), key=lambda r: order.get(r["category"], 99)):
        ok = r["beta"] is not None
        # one row header per insats and indicator (β belongs to the insats across all
        # municipalities, not to the municipality's own count)
        indicator = fmt.text("need_indicator." + r["indicator"], lang).lower()
        rows.append([
            f"{fmt.category_label(r['category'], lang)}: {indicator}",
            fmt.number(r["beta"], 2, lang) if ok else fmt.MISSING,
            fmt.interval(r["beta_lower"], r["beta_upper"], 2, lang) if ok else fmt.MISSING,
            fmt.percent(r["explained"], 0, lang) if ok and r["explained"] is not None
            else fmt.MISSING,
            fmt.text("need.yes" if r["explains"] else "need.no", lang) if ok
            else fmt.MISSING,
        ])
    headers = [f"{fmt.text('label.category', lang)}: {fmt.text('need.header_indicator', lang)}"
               ] + [fmt.text(f"need.header_{k}", lang) for k in (
                   "beta", "beta_interval", "explained", "explains")]
    return data_table(fmt.text("need.beta_caption", lang, year=year, missing=fmt.MISSING),
                      headers, rows, [False, True, True, True, False])


def need_parts(table: pl.DataFrame, indicators: pl.DataFrame | None,
               fits: pl.DataFrame | None, lang: str = "sv", *, demo_label: bool = True
               ) -> list[str | Chart]:
    """The section's parts in order (HTML and one chart), for the report and notebook 01.

    Parameters
    ----------
    table
        The comparison of one municipality and year, with the need columns.
    indicators, fits
        :func:`benchmark.comparison.indicator_table` and
        :func:`benchmark.comparison.need_fits` of the municipality and year (None: not
        loaded, as without indicators).
    lang, demo_label
        The language; whether the chart labels synthetic data itself (False where the page
        does it once).

    Returns
    -------
    list
        HTML fragments and the need chart; one sentence when no need model could be
        fitted (the indicators are missing), so the age-adjusted comparison stands alone.
    """
    year = int(table["year"][0])
    if (fits is None or indicators is None
            or fits.filter(pl.col("beta").is_not_null()).height == 0):
        return [_paragraph(fmt.text("need.none", lang, year=year))]
    parts: list[str | Chart] = [_paragraph(fmt.text("need.intro", lang))]
    sentences = need_sentences(table, indicators, lang)
    if sentences:
        parts.append('<div class="lss-summary"><ul>'
                     + "".join(f"<li>{html.escape(s)}</li>" for s in sentences)
                     + "</ul></div>")
    parts += [indicator_view(indicators, lang), need_chart(table, lang, demo_label=demo_label),
              beta_table(fits, year, lang), _paragraph(fmt.text("need.caveats", lang))]
    return parts
