"""Accessibility of the board report (WCAG 2.1 A/AA, the level the Swedish accessibility law,
DOS-lagen, asks of public bodies): axe-core run in headless Chromium over the demo report,
its static variant and a batch index, on a desktop and a phone-sized screen; and the
keyboard: every interactive element reachable with Tab, the skip link to the summary, no
focus trap. axe-core is vendored in tests/data/axe-core (see its README).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from benchmark.batch import BatchResult, Outcome, index_html
from tests import chromium
from tests.report_fixture import demo_reports, demo_variants  # noqa: F401  (fixtures)

pytestmark = pytest.mark.browser

AXE = Path(__file__).parent / "data" / "axe-core" / "axe.min.js"
AXE_SHA256 = "29348999450cdf2849a8e70b7912fc2da85a849da39c0d0d5394f51d4a9ed95c"
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
SCREENS = {"desktop": (1280, 900), "phone": (375, 800)}


@pytest.fixture(scope="module")
def axe_source() -> str:
    data = AXE.read_bytes()
    assert hashlib.sha256(data).hexdigest() == AXE_SHA256, "tests/data/axe-core changed"
    return data.decode("utf-8")


@pytest.fixture(scope="module")
def page() -> Iterator[chromium.DevTools]:
    with chromium.browser("--window-size=1280,900") as started:
        yield started.page()


@pytest.fixture(scope="module")
def index_page(demo_reports: dict[str, Any], tmp_path_factory: pytest.TempPathFactory  # noqa: F811
               ) -> Path:
    """A batch index of three municipalities, one of them failed."""
    from benchmark.comparison import load_inputs, screen
    from benchmark.report import municipality_names

    inputs = load_inputs(demo_reports["settings"])
    folder = tmp_path_factory.mktemp("index")
    outcomes = [Outcome("0180", folder / "lss-0180-2024-sv-static-DEMO.html"),
                Outcome("2482", folder / "lss-2482-2024-sv-static-DEMO.html"),
                Outcome("0114", None, "the output path is a folder")]
    result = BatchResult(demo_reports["year"], folder, folder / "index.html", "static",
                         outcomes)
    text = index_html(result, screen(demo_reports["year"], inputs=inputs),
                      municipality_names(inputs), lang="sv", synthetic=True)
    path = folder / "index.html"
    path.write_text(text, encoding="utf-8")
    return path


def _open(page: chromium.DevTools, path: Path, screen: str) -> None:
    width, height = SCREENS[screen]
    page.call("Emulation.setDeviceMetricsOverride", width=width, height=height,
              deviceScaleFactor=1, mobile=screen == "phone")
    page.navigate(path.resolve().as_uri())
    if "Plotly.newPlot" in path.read_text(encoding="utf-8"):
        assert page.poll("Array.from(document.querySelectorAll('.plotly-graph-div'))"
                         ".every(d => d.querySelector('.main-svg'))", 60)


def _axe(page: chromium.DevTools, axe_source: str) -> dict[str, Any]:
    page.evaluate(axe_source)
    options = json.dumps({"runOnly": {"type": "tag", "values": WCAG_21_AA},
                          "resultTypes": ["violations"]})
    out = page.evaluate(
        f"axe.run(document, {options}).then(r => JSON.stringify({{"
        "violations: r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,"
        " nodes: v.nodes.map(n => n.target.join(' '))})),"
        " passes: r.passes.map(v => v.id)}))", await_promise=True)
    return json.loads(out)


@pytest.mark.parametrize("screen", list(SCREENS))
@pytest.mark.parametrize("variant", ["html", "static", "index"])
def test_axe_finds_no_wcag_21_aa_violation(page: chromium.DevTools, axe_source: str,
                                           demo_variants: dict[str, Any],  # noqa: F811
                                           index_page: Path, variant: str,
                                           screen: str) -> None:
    path = index_page if variant == "index" else demo_variants[variant]
    _open(page, path, screen)
    result = _axe(page, axe_source)
    assert result["violations"] == [], json.dumps(result["violations"], indent=1)
    # the rules that matter here did run and pass
    expected = {"html-has-lang", "document-title", "th-has-data-cells"}
    if variant != "index":
        expected |= {"role-img-alt", "nested-interactive"}
        if screen == "phone":  # tables wider than the screen scroll, by keyboard too
            expected.add("scrollable-region-focusable")
    assert expected <= set(result["passes"]), result["passes"]


@pytest.mark.parametrize("variant", ["html", "static", "index"])
def test_report_asks_for_nothing_but_itself(page: chromium.DevTools,
                                            demo_variants: dict[str, Any],  # noqa: F811
                                            index_page: Path, variant: str) -> None:
    """Self-contained: opening the page (network not cut off, so any request would be
    seen) requests the file itself and nothing else, charts drawn and a second waited."""
    path = index_page if variant == "index" else demo_variants[variant]
    page.call("Network.enable")
    try:
        page.events.clear()
        _open(page, path, "desktop")
        page.wait_for("Network.noSuchEvent", 1.0)  # collect what comes after the load
        urls = [e["params"]["request"]["url"] for e in page.events
                if e["method"] == "Network.requestWillBeSent"]
    finally:
        page.call("Network.disable")
    assert urls == [path.resolve().as_uri()]


_TAB = [{"type": t, "key": "Tab", "code": "Tab", "windowsVirtualKeyCode": 9,
         "nativeVirtualKeyCode": 9} for t in ("keyDown", "keyUp")]
_ENTER = [{"type": "keyDown", "key": "Enter", "code": "Enter", "windowsVirtualKeyCode": 13,
           "nativeVirtualKeyCode": 13, "text": "\r"},
          {"type": "keyUp", "key": "Enter", "code": "Enter", "windowsVirtualKeyCode": 13,
           "nativeVirtualKeyCode": 13}]
_ACTIVE = ("(() => { const e = document.activeElement;"
           " if (!e || e === document.body) return null;"
           " return [e.tagName.toLowerCase(), e.id || '', e.getAttribute('href') || '',"
           "         !!e.closest('.lss-plot'), e.getBoundingClientRect().top]; })()")
_FOCUSABLE = ("Array.from(document.querySelectorAll('a[href], button, input, select, textarea,"
              " [tabindex]')).filter(e => e.tabIndex >= 0 && !e.disabled"
              " && e.getClientRects().length > 0)"
              ".map(e => [e.tagName.toLowerCase(), e.id || '', e.getAttribute('href') || ''])")


def _press(page: chromium.DevTools, events: list[dict[str, Any]]) -> Any:
    for event in events:
        page.call("Input.dispatchKeyEvent", **event)
    return page.evaluate(_ACTIVE)


@pytest.mark.parametrize("variant", ["html", "static"])
def test_keyboard_reaches_everything_with_a_skip_link_and_no_trap(
        page: chromium.DevTools, demo_variants: dict[str, Any], variant: str) -> None:  # noqa: F811
    _open(page, demo_variants[variant], "desktop")
    focusable = page.evaluate(_FOCUSABLE)
    # one lap of Tab from the top of the page: it must come back to the start
    lap: list[list[Any]] = []
    first = _press(page, _TAB)
    assert first is not None and first[0] == "a" and first[2] == "#lss-summary"
    assert first[4] >= 0  # the skip link shows when it has focus
    current = first
    for _ in range(len(focusable) + 5):
        lap.append(current)
        current = _press(page, _TAB)
        if current is None or current[:3] == first[:3]:
            break
    else:
        pytest.fail(f"focus never left the page or came back: {lap[-5:]}")
    assert not any(stop[3] for stop in lap), "a Tab stop inside a chart"
    lap = [stop[:3] for stop in lap]
    assert lap == focusable  # every interactive element, in document order, once
    # besides the skip link, the stops are the data tables (scrollable on small screens)
    assert all(stop[1].startswith("table-") for stop in lap[1:]) and len(lap) >= 5
    # the skip link moves focus to the summary
    page.navigate(demo_variants[variant].resolve().as_uri())
    _press(page, _TAB)
    landed = _press(page, _ENTER)
    assert landed is not None and landed[1] == "lss-summary"
    assert page.evaluate("location.hash") == "#lss-summary"
    after = _press(page, _TAB)
    assert after is not None and after[:3] == focusable[1]  # Tab goes on from there


@pytest.fixture(scope="module")
def register_report(demo_reports: dict[str, Any],  # noqa: F811
                    tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The demo report with the section "Egna beslut i år" (the demo register), as
    interactive and static HTML."""
    from benchmark import render
    from benchmark.comparison import load_inputs
    from benchmark.demo.register import DEMO_LABEL_MAP, DEMO_REGISTER_DATE, write_register
    from benchmark.report import RegisterSource, ReportInfo, build_report, finish

    settings = demo_reports["settings"]
    out = tmp_path_factory.mktemp("register-report")
    file = write_register(load_inputs(settings), out)
    html = build_report("0180", demo_reports["year"], lang="sv", out_dir=out,
                        settings=settings, register=RegisterSource(
                            file, DEMO_REGISTER_DATE, labels=DEMO_LABEL_MAP))
    info = ReportInfo("0180", "Demoby", demo_reports["year"], "sv", synthetic=True)
    static = out / "static.html"
    with render.Renderer() as renderer:
        static.write_bytes(finish(html.read_text(encoding="utf-8"), "static", info, renderer))
    return {"html": html, "static": static}


@pytest.mark.parametrize("variant", ["html", "static"])
def test_axe_on_the_report_with_the_register_section(page: chromium.DevTools, axe_source: str,
                                                     register_report: dict[str, Path],
                                                     variant: str) -> None:
    path = register_report[variant]
    assert "Egna beslut i år" in path.read_text(encoding="utf-8")
    for screen in SCREENS:
        _open(page, path, screen)
        result = _axe(page, axe_source)
        assert result["violations"] == [], (screen, json.dumps(result["violations"], indent=1))


def test_index_page_does_not_scroll_sideways_on_a_narrow_phone(
        page: chromium.DevTools, index_page: Path) -> None:
    """At 320 CSS px (WCAG 2.1 reflow) only the table scrolls sideways, in its own
    labelled region a keyboard can scroll; the page itself does not (it did: the table
    made the whole page wider than the screen, the report links off to the right)."""
    page.call("Emulation.setDeviceMetricsOverride", width=320, height=700,
              deviceScaleFactor=1, mobile=True)
    page.navigate(index_page.resolve().as_uri())
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    region = page.evaluate("(() => { const r = document.querySelector('table').parentElement;"
                           " return [r.getAttribute('role'), r.tabIndex,"
                           " getComputedStyle(r).overflowX]; })()")
    assert region == ["region", 0, "auto"]
