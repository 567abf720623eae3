"""The unit heads' notebooks in a real JupyterLab, driven by headless Chromium at 1366×768.

A fresh JupyterLab (the project's, with the settings `make setup` installs; fresh user
settings) serves copies of the notebooks on the demo data. Like a user, the test runs all
cells, then picks another municipality, year and comparison group in the dropdowns, and reads
what the browser shows: the chart titles drawn by plotly, where the dropdowns and the first
chart sit on the first screen, the highlighted municipality in every funnel plot, and whether
anything scrolls sideways. Screenshots go to ``$LSS_SHOTS_DIR`` (else a temporary folder);
the wall times of each step are written next to them (``times.json``) and printed.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from benchmark import compare, plots
from benchmark.config import Settings
from benchmark.demo import DEMO_FOCUS, DEMO_FOCUS_NAME
from tests import chromium
from tests.lab import jupyterlab

pytestmark = pytest.mark.browser

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
WIDTH, HEIGHT = 1366, 768
OTHER = ("0114", "Drömholm")  # another demo municipality
OTHER_YEAR = 2017

#: JavaScript helpers evaluated in the page (JupyterLab exposes ``window.jupyterapp``).
_JS = """
window.lss = {
  norm(text) { return text.replace(/\u00a0/g, ' '); },
  panel(name) {
    return Array.from(jupyterapp.shell.widgets('main'))
      .find(w => w.context && w.context.path.endsWith(name));
  },
  idle(name) {
    const p = lss.panel(name);
    const k = p && p.sessionContext.session && p.sessionContext.session.kernel;
    return !!(k && k.status === 'idle' && p.content.widgets.length);
  },
  titles(root) {
    return Array.from((root || document).querySelectorAll('.jp-RenderedPlotly'))
      .map(f => Array.from(f.querySelectorAll('.gtitle, .gtitle-subtitle'))
        .map(t => t.textContent).join(' '));
  },
  select(name, label) {
    return Array.from(lss.panel(name).node.querySelectorAll('.widget-dropdown'))
      .find(d => d.querySelector('label')
            && lss.norm(d.querySelector('label').textContent) === label)
      .querySelector('select');
  },
  has(name, label, text) {
    const s = lss.select(name, label);
    return !!s && Array.from(s.options).some(o => lss.norm(o.textContent) === text);
  },
  choose(name, label, text) {
    const s = lss.select(name, label);
    const i = Array.from(s.options).findIndex(o => lss.norm(o.textContent) === text);
    if (i < 0) { throw new Error('no option ' + text + ' in ' + label); }
    s.selectedIndex = i;
    s.dispatchEvent(new Event('change', {bubbles: true}));
    return lss.norm(s.options[i].textContent);
  },
  top(name) {
    const p = lss.panel(name);
    p.content.node.scrollTop = 0;
    const outer = p.node.querySelector('.jp-WindowedPanel-outer');
    if (outer) { outer.scrollTop = 0; }
    return true;
  },
  rect(el) {
    if (!el) { return null; }
    const r = el.getBoundingClientRect();
    return {top: r.top, bottom: r.bottom, left: r.left, right: r.right};
  },
  toasts() {
    return Array.from(document.querySelectorAll('.Toastify__toast'))
      .map(t => t.textContent);
  },
  sideways() {
    // every element in the notebook that is wider than its box and could scroll sideways
    const out = [];
    document.querySelectorAll('.jp-Notebook, .jp-Notebook *').forEach(el => {
      if (el.scrollWidth > el.clientWidth + 1) {
        const ox = getComputedStyle(el).overflowX;
        if (ox === 'auto' || ox === 'scroll') {
          out.push((el.className || el.tagName).toString().slice(0, 60) + ' '
                   + el.scrollWidth + '>' + el.clientWidth);
        }
      }
    });
    const doc = document.documentElement;
    if (doc.scrollWidth > window.innerWidth) { out.push('document ' + doc.scrollWidth); }
    return out;
  },
};
true
"""


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, dict[str, float]]]:
    folder = Path(os.environ.get("LSS_SHOTS_DIR") or tmp_path_factory.mktemp("shots"))
    folder.mkdir(parents=True, exist_ok=True)
    times: dict[str, float] = {}
    yield folder, times
    (folder / "times.json").write_text(json.dumps(times, indent=1), encoding="utf-8")
    print("\nbrowser times (s):", json.dumps(times))


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory, demo_data: Settings,
        shots: tuple[Path, dict[str, float]]) -> Iterator[tuple[chromium.DevTools, Any, Path]]:
    """JupyterLab on copies of the notebooks and of the demo data; a page on it."""
    work = tmp_path_factory.mktemp("lab")
    shutil.copytree(NOTEBOOKS, work / "notebooks",
                    ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    shutil.copytree(demo_data.data_dir, work / "data", symlinks=True)  # raw too: provenance
    env = {"BENCHMARK_DATA_DIR": str(work / "data")}
    started = time.monotonic()
    with jupyterlab(work / "notebooks", work / "home", env) as server, \
            chromium.launch(work / "chromium", f"--window-size={WIDTH},{HEIGHT}") as endpoint:
        page = chromium.page(endpoint)
        for domain in ("Page", "Runtime", "Network"):
            page.call(f"{domain}.enable")
        page.call("Emulation.setDeviceMetricsOverride", width=WIDTH, height=HEIGHT,
                  deviceScaleFactor=1, mobile=False)
        page.call("Page.navigate", url=server.page("lab"))
        assert page.poll("!!(window.jupyterapp && jupyterapp.shell)", 60), "JupyterLab did not load"
        page.evaluate("jupyterapp.restored.then(() => true)", await_promise=True)
        shots[1]["lab_ready"] = round(time.monotonic() - started, 1)
        page.evaluate(_JS)
        try:
            yield page, server, work
        finally:
            page.close()


def _shot(page: chromium.DevTools, path: Path) -> None:
    data = page.call("Page.captureScreenshot", format="png")["data"]
    path.write_bytes(base64.b64decode(data))


def _scroll_and_shoot(page: chromium.DevTools, target: str, path: Path) -> None:
    """Scroll the element ``target`` (JavaScript) into view, take a screenshot, and check
    that nothing needs sideways scrolling."""
    page.evaluate(f"{target}.scrollIntoView({{block: 'center'}})")
    time.sleep(0.5)
    _shot(page, path)
    assert page.evaluate("lss.sideways()") == []


def _run_notebook(lab: Any, shots: tuple[Path, dict[str, float]], name: str,
                  n_figures: int) -> tuple[chromium.DevTools, Path, dict[str, float]]:
    """Open and run notebook ``name``; its run time and length go into the shots' times
    (``<nn>_run_all``, ``<nn>_length_px``)."""
    page, _, _ = lab
    folder, times = shots
    times[f"{name[:2]}_run_all"] = _open_and_run(page, name, n_figures)
    times[f"{name[:2]}_length_px"] = page.evaluate(
        f"lss.panel('{name}').node.querySelector('.jp-WindowedPanel-outer').scrollHeight")
    return page, folder, times


def _open_and_run(page: chromium.DevTools, name: str, n_figures: int,
                  timeout: float = 120) -> float:
    """Open notebook ``name``, Run All, wait for ``n_figures`` drawn figures; seconds taken."""
    page.evaluate(f"jupyterapp.commands.execute('docmanager:open', {{path: '{name}'}})"
                  ".then(() => true)", await_promise=True)
    assert page.poll(f"lss.idle('{name}')", 60), f"{name}: the kernel did not start"
    started = time.monotonic()
    page.evaluate("jupyterapp.commands.execute('notebook:run-all-cells').then(() => true)",
                  await_promise=True)
    drawn = page.poll(f"lss.titles(lss.panel('{name}').node).filter(t => t).length "
                      f">= {n_figures} && lss.idle('{name}')", timeout)
    assert drawn, f"{name}: figures drawn: {page.evaluate('lss.titles()')}"
    return round(time.monotonic() - started, 1)


def _change(page: chromium.DevTools, label: str, option: str, expect: str,
            name: str, timeout: float = 60) -> tuple[list[str], float]:
    """Pick ``option`` in the dropdown ``label`` like a user; wait until the first chart's
    title shows ``expect``; the titles then and the seconds taken."""
    started = time.monotonic()
    page.evaluate(f"lss.choose('{name}', {json.dumps(label)}, {json.dumps(option)})")
    ok = page.poll(f"(() => {{ const t = lss.titles(lss.panel('{name}').node);"
                   f" return t.length && t[0].includes({json.dumps(expect)})"
                   f" && lss.idle('{name}'); }})()", timeout)
    titles = page.evaluate(f"lss.titles(lss.panel('{name}').node)")
    assert ok, f"after choosing {option!r} in {label!r} the charts show {titles}"
    time.sleep(0.5)  # let the last figures of the same update draw
    return page.evaluate(f"lss.titles(lss.panel('{name}').node)"), \
        round(time.monotonic() - started, 1)


def test_no_news_pop_up_and_no_update_check_on_a_fresh_lab(lab: Any) -> None:
    page, _, _ = lab
    # the venv's override (installed by `make setup`) sets the defaults; the fresh user
    # settings add nothing
    plugin = page.evaluate(
        "jupyterapp.serviceManager.settings.fetch('@jupyterlab/apputils-extension:notification')"
        ".then(p => ({raw: p.raw, news: p.schema.properties.fetchNews.default,"
        " updates: p.schema.properties.checkForUpdates.default}))", await_promise=True)
    assert plugin["news"] == "false" and plugin["updates"] is False, plugin
    assert plugin["raw"].strip() in ("", "{}"), plugin
    time.sleep(3)  # the prompt appears right after the app is restored
    assert page.evaluate("lss.toasts()") == []
    urls = [e["params"]["request"]["url"] for e in page.events
            if e["method"] == "Network.requestWillBeSent"]
    assert not [u for u in urls if "/lab/api/news" in u or "/lab/api/update" in u]


def test_explorer_charts_follow_every_dropdown(lab: Any, demo_data: Settings,
                                               shots: tuple[Path, dict[str, float]]) -> None:
    name = "01-utforska.ipynb"
    page, folder, times = _run_notebook(lab, shots, name, 3)
    titles = page.evaluate(f"lss.titles(lss.panel('{name}').node)")
    assert titles[0].startswith(f"{DEMO_FOCUS_NAME} 2024: LSS-insatser"), titles
    assert all(DEMO_FOCUS_NAME in t for t in titles), titles
    # every figure is inside the widget: none landed in a cell's own output
    assert page.evaluate(f"Array.from(lss.panel('{name}').node.querySelectorAll("
                         "'.jp-RenderedPlotly')).every(f => f.closest('.widget-output'))")
    # one demo label, at the top; the charts carry none
    assert page.evaluate(f"lss.panel('{name}').node.querySelectorAll('.lss-demo').length") == 1
    assert not any("Syntetiska" in t for t in titles)
    # the first screen: the dropdowns and the first chart
    page.evaluate(f"lss.top('{name}')")
    time.sleep(0.5)
    _shot(page, folder / "01-first-screen.png")
    for label in ("Kommun", "År", "Jämför med"):
        box = page.evaluate(f"lss.rect(lss.select('{name}', {json.dumps(label)}))")
        assert box["top"] > 0 and box["bottom"] < HEIGHT, (label, box)
    assert page.evaluate(f"lss.norm(lss.select('{name}', 'Jämför med')"
                         ".selectedOptions[0].textContent)") == \
        "Liknande kommuner LSS (RKA)"
    first = page.evaluate(f"lss.rect(lss.panel('{name}').node.querySelector('.jp-RenderedPlotly'))")
    title = page.evaluate(f"lss.rect(lss.panel('{name}').node.querySelector('.gtitle'))")
    assert title["bottom"] < HEIGHT and first["top"] < HEIGHT / 2, first
    times["01_first_chart_visible_px"] = round(min(first["bottom"], HEIGHT) - first["top"])

    # municipality
    titles, times["01_change_kommun"] = _change(page, "Kommun", f"{OTHER[1]} ({OTHER[0]})",
                                                f"{OTHER[1]} 2024", name)
    assert titles and all(OTHER[1] in t and DEMO_FOCUS_NAME not in t for t in titles), titles
    _shot(page, folder / "01-kommun-changed.png")
    # year
    titles, times["01_change_year"] = _change(page, "År", str(OTHER_YEAR),
                                              f"{OTHER[1]} {OTHER_YEAR}", name)
    assert titles[0].startswith(f"{OTHER[1]} {OTHER_YEAR}:"), titles
    assert all(str(OTHER_YEAR) in t for t in titles), titles
    _shot(page, folder / "01-year-changed.png")
    # comparison group: the charts with the group name it
    table = compare.compare(OTHER[0], OTHER_YEAR, peer_group="kommungrupp", settings=demo_data)
    group = plots.peer_group_name(table.to_dicts(), "sv")
    assert group and "Liknande" not in group
    titles, times["01_change_group"] = _change(page, "Jämför med", "Kommungrupp (SKR)", group,
                                               name)
    peered = [t for t in titles if "Jämförelsegrupp" in t]
    assert len(peered) >= 2 and all(group in t for t in peered), titles
    assert all(f"{OTHER[1]}" in t and str(OTHER_YEAR) in t for t in titles), titles
    _shot(page, folder / "01-group-changed.png")


def test_screening_tool_highlights_the_municipality_and_fits_the_width(
        lab: Any, shots: tuple[Path, dict[str, float]]) -> None:
    name = "03-nationell-screening.ipynb"
    page, folder, times = _run_notebook(lab, shots, name, 10)
    highlight = (f"Array.from(lss.panel('{name}').node.querySelectorAll('.jp-RenderedPlotly'))"
                 ".map(f => Array.from(f.querySelectorAll('.textpoint text'))"
                 ".map(t => t.textContent).join('|'))")
    # the municipality last chosen (in 01) is remembered and highlighted in every funnel
    labels = page.evaluate(highlight)
    assert len(labels) == 10 and all(t.startswith(OTHER[1]) for t in labels), labels
    started = time.monotonic()
    page.evaluate(f"lss.choose('{name}', 'Kommun', '{DEMO_FOCUS_NAME} ({DEMO_FOCUS})')")
    assert page.poll(f"{highlight}.every(t => t.startsWith('{DEMO_FOCUS_NAME}'))"
                     f" && lss.idle('{name}')", 30), page.evaluate(highlight)
    times["03_change_kommun"] = round(time.monotonic() - started, 1)
    labels = page.evaluate(highlight)
    assert len(labels) == 10 and all(t.startswith(DEMO_FOCUS_NAME) for t in labels), labels
    page.evaluate(f"lss.top('{name}')")
    time.sleep(0.5)
    _shot(page, folder / "03-first-screen.png")
    assert page.evaluate("lss.sideways()") == []
    # the overview table of all municipalities fits the width (cells wrap, rows scroll)
    scroll_box = f"lss.panel('{name}').node.querySelector('.lss-scroll')"
    _scroll_and_shoot(page, scroll_box, folder / "03-table-all.png")
    # the table: one category's numbers, highest ratio first, only clear deviations; each
    # step waits for the kernel's answer before the next choice
    table = (f"(() => {{ const t = lss.panel('{name}').node.querySelector('.lss-scroll table');"
             " if (!t) { return null; } const box = t.closest('.jp-OutputArea-output');"
             " return {caption: t.caption.textContent, text: box.textContent,"
             " rows: Array.from(t.querySelectorAll('tbody tr')).map(x => x.textContent)}; })()")
    page.evaluate(f"lss.choose('{name}', 'Visa', 'Daglig verksamhet')")
    assert page.poll(f"{table}.caption.includes('Daglig verksamhet')"
                     f" && lss.has('{name}', 'Sortera', 'Kvot, högst först')", 60), \
        page.evaluate(table)
    page.evaluate(f"lss.choose('{name}', 'Sortera', 'Kvot, högst först')")
    assert page.poll(f"{table}.text.includes('Sortering på kvot')", 60), page.evaluate(table)
    page.evaluate(f"Array.from(lss.panel('{name}').node.querySelectorAll('.widget-checkbox'))"
                  ".find(d => d.textContent.includes('Bara tydligt avvikande'))"
                  ".querySelector('input').click()")
    assert page.poll(f"{table}.rows.length < 50", 60), page.evaluate(table)
    rows = page.evaluate(f"{table}.rows")
    assert rows and all("▲" in r or "▼" in r for r in rows), rows
    assert any(r.startswith(f"{DEMO_FOCUS_NAME} ({DEMO_FOCUS})") for r in rows), rows
    chosen = page.evaluate("document.querySelector('.lss-scroll tr.lss-chosen th').textContent")
    assert chosen == f"{DEMO_FOCUS_NAME} ({DEMO_FOCUS})"
    _scroll_and_shoot(page, scroll_box, folder / "03-table-filtered.png")
    _scroll_and_shoot(page, f"lss.panel('{name}').node.querySelectorAll('.jp-RenderedPlotly')[5]",
                      folder / "03-funnel.png")
