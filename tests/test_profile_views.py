"""The spine chart of the LSS profile ("Helhetsbild"): its scale, that the figure and its
data table carry the profile's numbers and the notebook's group filter. The board report's
section in headless Chromium: ``tests/test_report_browser.py`` (same worker as the
report's other browser tests)."""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from benchmark import explorer, fmt
from benchmark.comparison import load_inputs
from benchmark.config import Settings
from benchmark.explorer_profile import whole_picture
from benchmark.plots import spine_chart, spine_position
from benchmark.profile import profile

FOCUS, YEAR = "0180", 2024


@pytest.fixture(scope="module")
def table(demo_data: Settings) -> pl.DataFrame:
    return profile(FOCUS, YEAR, inputs=load_inputs(demo_data))


def test_scale_is_piecewise_linear_through_the_quartiles() -> None:
    q = {"national_min": 10.0, "national_p25": 20.0, "national_median": 22.0,
         "national_p75": 30.0, "national_max": 70.0}
    assert [spine_position(v, q) for v in (10, 15, 22, 26, 50, 70)] == [
        0.0, 12.5, 50.0, 62.5, 87.5, 100.0]
    assert spine_position(5.0, q) == 0.0 and spine_position(80.0, q) == 100.0
    ties = dict(q, national_p25=10.0)  # a quarter of the municipalities at the minimum:
    # the first of equal points is kept (10 → 0), the scale runs on to the median
    assert spine_position(10.0, ties) == 0.0 and spine_position(16.0, ties) == 25.0
    flat = dict.fromkeys(q, 3.0)
    assert spine_position(3.0, flat) == 50.0


def _markers(chart: Any) -> dict[str, float]:
    """y label → x of the municipality's markers (the traces named after it)."""
    return {y: x for t in chart.figure.data if t.name and t.name.startswith("Demoby")
            and t.x is not None for x, y in zip(t.x, t.y, strict=True)}


def _unwrapped(label: str) -> str:
    """An axis label as one line of text (long names wrap with <br>)."""
    return html.unescape(label.replace("<br>", " "))


def test_long_names_wrap_and_one_group_is_not_repeated(table: pl.DataFrame) -> None:
    """The PDF's A4 width left the plot of the quality rows about 60 px wide: every row
    repeated the group's name and the longest names (up to 95 characters) took the
    rest. Names wrap at LABEL_WIDTH characters and a one-group chart drops the prefix."""
    from benchmark.plots.spine import LABEL_WIDTH

    whole = spine_chart(table)
    quality = spine_chart(table, groups=["kvalitet"])
    for chart in (whole, quality):
        for label in chart.figure.layout.yaxis.categoryarray:
            assert all(len(html.unescape(line)) <= LABEL_WIDTH for line in label.split("<br>"))
    assert all(_unwrapped(y).startswith("Kvalitet · ") for y in _markers(whole)
               if "Brukare" in y)
    assert not any(y.startswith("Kvalitet") for y in _markers(quality))
    assert "helhetsbild av LSS – kvalitet" in quality.title
    assert quality.figure.layout.margin.r < 230  # room for "● Ingen tydlig skillnad" only
    assert ">Grupp</th>" in whole.table_html and ">Grupp</th>" not in quality.table_html


def test_figure_and_table_carry_the_profile(table: pl.DataFrame) -> None:
    chart = spine_chart(table)
    drawn = _markers(chart)
    assert len(drawn) == 40
    rows = re.findall(r"<tr><th scope=\"row\">(.*?)</th>(.*?)</tr>", chart.table_html)
    assert len(rows) == 40
    for r, (label, cells) in zip(table.iter_rows(named=True), rows, strict=True):
        y = next(k for k in drawn if _unwrapped(k).endswith(" · " + html.unescape(label)))
        assert drawn[y] == pytest.approx(spine_position(r["value"], r))
        value = re.findall(r"<td[^>]*>(.*?)</td>", cells)[1]
        decimals = 0 if "kr" in r["unit"] else 3 if r["unit"] == "index" else 1
        assert html.unescape(value) == fmt.number(r["value"], decimals), r["kpi"]
    dv = next(x for y, x in drawn.items() if "daglig verksamhet (kr/brukare)" in _unwrapped(y))
    assert dv > 99  # the planted cost per user at the top of the national spread
    assert "ingen statistisk signifikans" in chart.caption


def test_group_filter_and_missing_values(table: pl.DataFrame) -> None:
    quality = spine_chart(table, groups=["kvalitet"])
    assert len(_markers(quality)) == 12 and quality.table_html.count("<tr>") == 13
    hidden = table.with_columns(
        pl.when(pl.col("kpi") == "N28037").then(None).otherwise(pl.col("value")).alias("value"),
        pl.when(pl.col("kpi") == "N28037").then(pl.lit("suppressed")).otherwise(
            pl.col("status")).alias("status"))
    chart = spine_chart(hidden, groups=["omfattning"])
    assert len(_markers(chart)) == 3  # nothing drawn for the suppressed value
    assert fmt.status_label("suppressed", short=True) in chart.table_html


def test_explorer_shows_the_whole_picture_with_a_group_filter(
        demo_data: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import shutil

    import ipywidgets as w

    monkeypatch.delenv(explorer.KOMMUN_ENV, raising=False)
    shutil.copytree(demo_data.data_dir, tmp_path / "data", symlinks=True)
    tool = explorer.explorer(data_dir=tmp_path / "data", municipality=FOCUS, year=YEAR)
    pick = tool.children[1].children[0]
    box = whole_picture(tool)
    group = box.children[1].children[0]
    out = box.children[-1]
    assert isinstance(group, w.Dropdown) and [v for _, v in group.options][:2] == [
        "", "volym"]

    def labels() -> list[str]:
        fig = next(o["data"][explorer.PLOTLY_MIME] for o in out.outputs
                   if explorer.PLOTLY_MIME in o["data"])
        return sorted({y for t in fig["data"] for y in (t.get("y") or []) if y})

    assert len(labels()) == 40
    assert explorer.figure_titles(out.outputs)[0].startswith("Demoby 2024: helhetsbild")
    group.value = "ekonomi"
    # one group: the title names it, the rows do not repeat it
    assert len(labels()) == 10 and not any(y.startswith("Ekonomi") for y in labels())
    assert explorer.figure_titles(out.outputs)[0].endswith("helhetsbild av LSS – ekonomi")
    pick.value = "0114"  # the explorer's choice drives the whole picture too
    assert explorer.figure_titles(out.outputs)[0].startswith("Drömholm 2024: helhetsbild")
    assert len(labels()) == 10
