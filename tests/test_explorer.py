"""The unit heads' tools (notebooks 01 and 03) driven through their widget objects.

Every choice is made by setting a dropdown's value, as the browser does; what is checked is
what the widget's own state then holds (``Output.outputs``, the figures JupyterLab draws),
not the cell outputs: the charts must follow the choice and stay inside the widget.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from benchmark import compare, explorer, plots
from benchmark.catalog import get_category
from benchmark.config import Settings, get_settings
from benchmark.demo import DEMO_FOCUS, DEMO_FOCUS_NAME
from benchmark.store import read_table, write_table
from tests.comparison_tables import make_compare

OTHER, OTHER_NAME = "0114", "Drömholm"


@pytest.fixture
def data_dir(tmp_path: Path, demo_data: Settings, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private copy of the demo data (the tools remember choices there)."""
    monkeypatch.delenv(explorer.KOMMUN_ENV, raising=False)
    shutil.copytree(demo_data.data_dir, tmp_path / "data", symlinks=True)  # raw: provenance
    return tmp_path / "data"


def _controls(box: Any) -> tuple[Any, ...]:
    import ipywidgets as w

    return tuple(c for row in box.children if isinstance(row, w.HBox) for c in row.children)


def _figures(out: Any) -> list[dict[str, Any]]:
    return [o["data"][explorer.PLOTLY_MIME] for o in out.outputs
            if explorer.PLOTLY_MIME in o["data"]]


def _forest_ratios(figure: dict[str, Any]) -> dict[str, float]:
    """Category label → ratio drawn for the municipality (its ▲/▼/● markers)."""
    return {y: x for t in figure["data"] if t.get("mode") == "markers"
            and t.get("legendgroup") == "municipality" and t.get("x")
            for x, y in zip(t["x"], t["y"], strict=True) if y is not None}


def _expected_ratios(table: pl.DataFrame) -> dict[str, float]:
    return {get_category(r["category"]).label("sv"): r["ratio"] for r in table.to_dicts()
            if r["status"] == "ok" and r["ratio"] and r["ratio"] > 0}


def test_explorer_charts_follow_every_dropdown(data_dir: Path) -> None:
    settings = get_settings(data_dir=data_dir)
    box = explorer.explorer(data_dir=data_dir)
    pick, when, peers = _controls(box)
    out = box.children[-1]
    # defaults that show something: the demo's planted municipality, the newest year, and a
    # comparison group chosen
    assert (pick.value, when.value, peers.value) == (DEMO_FOCUS, 2024, "liknande_lss")
    assert peers.label == "Liknande kommuner LSS (RKA)"
    titles = explorer.figure_titles(out.outputs)
    assert titles[0].startswith(f"{DEMO_FOCUS_NAME} 2024: LSS-insatser jämfört med riket")
    assert all(DEMO_FOCUS_NAME in t for t in titles) and len(titles) >= 3
    ratios = _forest_ratios(_figures(out)[0])
    want = _expected_ratios(compare.compare(DEMO_FOCUS, 2024, settings=settings))
    assert ratios == pytest.approx(want)
    # one demo label, above the dropdowns; the charts carry none
    assert "Syntetiska demodata" in box.children[0].value
    assert not any("Syntetiska" in t for t in titles)
    assert "kategorier ligger tydligt över riket: daglig verksamhet" in str(out.outputs)

    pick.value = OTHER
    titles = explorer.figure_titles(out.outputs)
    assert titles[0].startswith(f"{OTHER_NAME} 2024:")
    assert all(OTHER_NAME in t and DEMO_FOCUS_NAME not in t for t in titles), titles
    assert _forest_ratios(_figures(out)[0]) == pytest.approx(
        _expected_ratios(compare.compare(OTHER, 2024, settings=settings)))

    when.value = 2017
    titles = explorer.figure_titles(out.outputs)
    assert titles[0].startswith(f"{OTHER_NAME} 2017:")
    assert all("2017" in t for t in titles), titles
    assert _forest_ratios(_figures(out)[0]) == pytest.approx(
        _expected_ratios(compare.compare(OTHER, 2017, settings=settings)))

    peers.value = "kommungrupp"
    table = compare.compare(OTHER, 2017, peer_group="kommungrupp", settings=settings)
    group = plots.peer_group_name(table.to_dicts(), "sv")
    assert group and not group.startswith("Liknande") and "ovägt" not in group
    titles = explorer.figure_titles(out.outputs)
    named = [t for t in titles if "Jämförelsegrupp" in t]
    assert len(named) >= 2 and all(f"Jämförelsegrupp: {group}" in t for t in named), titles
    peer_x = [x for t in _figures(out)[0]["data"] if t.get("name") == "Jämförelsegrupp"
              for x in t["x"]]
    assert sorted(peer_x) == pytest.approx(sorted(table["peer_level"].drop_nulls().to_list()))
    # the choice is remembered for the next session
    assert json.loads((data_dir / explorer.CHOICE_FILE).read_text(encoding="utf-8")) == {
        "municipality": OTHER, "peer_group": "kommungrupp"}
    again = explorer.explorer(data_dir=data_dir)
    assert [c.value for c in _controls(again)] == [OTHER, 2024, "kommungrupp"]


def test_start_municipality_order(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = get_settings(data_dir=data_dir)
    codes = ["0114", "0180", "2482"]
    assert explorer.start_municipality(settings, codes) == DEMO_FOCUS  # demo: the planted one
    explorer.remember(settings, municipality="2482")
    assert explorer.start_municipality(settings, codes) == "2482"
    monkeypatch.setenv(explorer.KOMMUN_ENV, "114")  # make lab KOMMUN=114 (zero restored)
    assert explorer.start_municipality(settings, codes) == "0114"
    assert explorer.start_municipality(settings, codes, "0180") == "0180"  # the parameter
    assert explorer.start_municipality(settings, codes, "9999") == "0114"  # unknown: skipped
    monkeypatch.setenv(explorer.KOMMUN_ENV, "nonsense")
    (data_dir / explorer.CHOICE_FILE).write_text("{broken", encoding="utf-8")
    assert explorer.remembered(settings) == {}
    assert explorer.start_municipality(settings, codes) == DEMO_FOCUS
    real = get_settings(data_dir=data_dir.parent / "real")  # no manifest: not the demo
    monkeypatch.delenv(explorer.KOMMUN_ENV)
    assert explorer.start_municipality(real, codes) == "0114"  # the first one


def test_remember_survives_a_folder_that_cannot_be_written(tmp_path: Path) -> None:
    blocked = tmp_path / "file"
    blocked.write_text("", encoding="utf-8")
    settings = get_settings(data_dir=blocked)  # a file where the folder should be
    explorer.remember(settings, municipality="0180")  # no error
    assert explorer.remembered(settings) == {}


def test_chart_outputs_are_a_plotly_bundle_with_a_fallback_and_the_table_on_demand() -> None:
    chart = plots.forest_chart(make_compare(), "sv", demo_label=False)
    figure, text = explorer.chart_outputs(chart)
    assert figure["output_type"] == "display_data"
    bundle = figure["data"][explorer.PLOTLY_MIME]
    assert bundle["layout"]["title"]["text"].startswith("Skellefteå 2024")
    assert bundle["config"] == plots.PLOTLY_CONFIG
    assert json.loads(json.dumps(bundle)) == bundle  # plain JSON, as the widget state needs
    assert chart.title in figure["data"]["text/html"] and "tabellen" in figure["data"]["text/html"]
    html = text["data"]["text/html"]
    assert html.index("<details><summary>Visa siffrorna i en tabell</summary>") < html.index(
        "<table")
    assert "Orange ◇" in html and "Romber" not in html


def test_explorer_says_when_there_is_no_liknande_group(data_dir: Path) -> None:
    settings = get_settings(data_dir=data_dir)
    groups = read_table("peer_groups", settings)
    write_table("peer_groups", groups.filter(
        ~((pl.col("kind") == "liknande_lss") & (pl.col("focus") == DEMO_FOCUS))), settings)
    box = explorer.explorer(data_dir=data_dir)
    text = str(box.children[-1].outputs)
    assert "Det finns ingen grupp Liknande kommuner LSS för Demoby 2024" in text
    assert explorer.figure_titles(box.children[-1].outputs)  # the charts are still drawn


def test_screening_tool_highlights_the_municipality_in_every_funnel(data_dir: Path) -> None:
    settings = get_settings(data_dir=data_dir)
    box = explorer.screening_tool(data_dir=data_dir)
    pick, when, view, sort, query, only = _controls(box)
    summary_out, table_out, funnel_out = (c for c in box.children
                                          if type(c).__name__ == "Output")
    assert (pick.value, when.value) == (DEMO_FOCUS, 2024)

    def highlighted() -> list[str]:
        return [" ".join(t["text"]) for f in _figures(funnel_out) for t in f["data"]
                if t.get("mode") == "markers+text"]

    assert len(_figures(funnel_out)) == 10
    assert len(highlighted()) == 10 and all(h.startswith(DEMO_FOCUS_NAME) for h in highlighted())
    assert "Demoby: kvot mot riket" in str(summary_out.outputs)
    assert "φ" not in str(summary_out.outputs) and "krympt" not in str(box.children)
    pick.value = OTHER
    assert len(highlighted()) == 10 and all(h.startswith(OTHER_NAME) for h in highlighted())
    assert f'<tr class="lss-chosen"><th scope="row">{OTHER_NAME} ({OTHER})' in str(
        table_out.outputs)
    when.value = 2016
    assert all("2016" in t for t in explorer.figure_titles(funnel_out.outputs))
    # the table: one category, only clear deviations, highest ratio first
    view.value = "daglig_verksamhet"
    assert [k for _, k in sort.options] == ["name", "ratio_desc", "ratio_asc", "size"]
    sort.value = "ratio_desc"
    only.value = True
    html = table_out.outputs[0]["data"]["text/html"]
    from benchmark import screen

    flagged = screen.screen(2016, settings=settings).filter(
        (pl.col("category") == "daglig_verksamhet") & (pl.col("status") == "ok")
        & pl.col("flag").is_in(["higher", "lower"]))
    assert f"Visar {flagged.height} av 290 kommuner." in html
    assert "Sortering på kvot väger in osäkerheten" in html
    query.value = "zzz-ingen"
    assert "Visar 0 av 290 kommuner." in table_out.outputs[0]["data"]["text/html"]
    view.value = ""  # back to the overview: its own sort orders
    assert [k for _, k in sort.options] == ["name", "most_higher", "most_lower"]
    assert sort.value == "name"


def test_tools_in_english(data_dir: Path) -> None:
    box = explorer.explorer(data_dir=data_dir, lang="en")
    assert [c.description for c in _controls(box)] == ["Municipality", "Year", "Compare with"]
    assert _controls(box)[2].label == "Similar municipalities LSS (RKA)"
    titles = explorer.figure_titles(box.children[-1].outputs)
    assert titles[0].startswith(f"{DEMO_FOCUS_NAME} 2024: LSS support compared with Sweden")
    assert "Peer group: Similar municipalities LSS, Demoby, 2024" in titles[0]
    assert "Synthetic demo data" in box.children[0].value
    tool = explorer.screening_tool(data_dir=data_dir, lang="en")
    text = str([c.outputs for c in tool.children if type(c).__name__ == "Output"])
    assert "Summary by category" in text and "Demoby: ratio to Sweden" in text
    # only clear deviations get a glyph: Demoby's boende (higher) and kontaktperson depend
    # on how ages are counted
    demoby = re.search(rf"{DEMO_FOCUS_NAME} \({DEMO_FOCUS}\)</t[hd]>(.*?)</tr>", text).group(1)
    assert "▲ daily activity" in demoby and "housing" not in demoby
    assert "contact person" not in demoby
    assert "Higher/lower, depends on ages" in text
