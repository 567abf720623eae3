"""The board report as static HTML and as PDF (benchmark.render), built once per session from
the demo report (tests/report_fixture.py) and checked in headless Chromium and with
pypdfium2/pypdf: small and scriptless, the same visible text as the interactive report,
charts drawn as vectors, A4 pages with footer, banner, metadata, and nothing split.
"""

from __future__ import annotations

import html
import io
import math
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pypdfium2 as pdfium
import pytest
from nbformat.v4 import new_code_cell, new_notebook, new_output
from pypdf import PdfReader

from benchmark import plots, render, report
from benchmark.browser import ChromiumMissing, require_chromium
from benchmark.errors import DataError
from tests import chromium
from tests.report_fixture import demo_reports, demo_variants  # noqa: F401  (fixtures)

pytestmark = pytest.mark.browser

BLUE = (0x00, 0x72, 0xB2)  # the municipality's colour in every chart


@pytest.fixture(scope="module")
def page() -> Iterator[chromium.DevTools]:
    with chromium.browser("--window-size=1280,900") as started:
        yield started.page()


def _open(page: chromium.DevTools, path: Path, *, javascript: bool = True) -> None:
    page.call("Emulation.setScriptExecutionDisabled", value=not javascript)
    page.navigate(path.resolve().as_uri())
    if javascript and "Plotly.newPlot" in path.read_text(encoding="utf-8"):
        assert page.poll("Array.from(document.querySelectorAll('.plotly-graph-div'))"
                         ".every(d => d.querySelector('.main-svg'))", 60)


# --- static HTML --------------------------------------------------------------------------

def test_static_report_is_small_scriptless_and_has_every_chart(
        demo_variants: dict[str, Any]) -> None:  # noqa: F811
    static = demo_variants["static"]
    assert static.name == "lss-0180-2024-sv-static-DEMO.html"
    text = static.read_text(encoding="utf-8")
    interactive = demo_variants["html"].read_text(encoding="utf-8")
    assert static.stat().st_size < 1_000_000
    assert report.audit_static(text) == []
    assert not re.search(r"<script\b", text, re.IGNORECASE)
    assert "plotly.js v" not in text and 'class="lss-nojs"' not in text
    keys = re.findall(r'id="plot-([^"]+)"', interactive)
    plots_ = re.findall(r'<div class="lss-plot lss-static" id="plot-([^"]+)" role="img" '
                        r'aria-label="([^"]+)"><svg aria-hidden="true"', text)
    assert [k for k, _ in plots_] == keys and len(keys) >= 4
    for key, label in plots_:
        assert html.unescape(label).endswith("Siffrorna finns i tabellen under diagrammet.")
        assert f'id="table-{key}"' in text
    ids = re.findall(r'\bid="([^"]+)"', text)
    assert len(ids) == len(set(ids)), "duplicate ids"


def test_static_text_equals_interactive_and_charts_need_no_javascript(
        page: chromium.DevTools, demo_variants: dict[str, Any]) -> None:  # noqa: F811
    _open(page, demo_variants["html"])
    interactive = page.evaluate("document.body.innerText")
    charts_js = page.evaluate("Array.from(document.querySelectorAll('.lss-plot'))"
                              ".map(p => p.innerText)")
    _open(page, demo_variants["static"], javascript=False)
    static = page.evaluate("document.body.innerText")
    charts = page.evaluate("Array.from(document.querySelectorAll('.lss-plot')).map(p => "
                           "[p.innerText, p.querySelector('svg').getBoundingClientRect().width,"
                           " p.querySelectorAll('svg path').length])")
    assert static == interactive
    assert len(static) > 5000 and "Sammanfattning" in static
    # the chart text (titles, axes, legends) is text in both, and the same
    assert [c[0] for c in charts] == charts_js
    assert all("Demoby" in c[0] or "Kvot" in c[0] for c in charts)
    for text, width, paths in charts:
        assert text and width > 600 and paths > 10


def test_interactive_report_without_javascript_points_to_the_tables(
        page: chromium.DevTools, demo_variants: dict[str, Any]) -> None:  # noqa: F811
    _open(page, demo_variants["html"], javascript=False)
    rows = page.evaluate(
        "Array.from(document.querySelectorAll('.lss-chart')).map(c => {"
        " const m = c.querySelector('.lss-nojs'), a = m.querySelector('a');"
        " const t = document.querySelector(a.getAttribute('href'));"
        " return [m.offsetHeight, m.innerText, c.querySelector('.lss-plot').offsetHeight,"
        "         t ? t.querySelectorAll('tbody tr').length : 0]; })")
    assert len(rows) >= 4
    for shown, words, plot_height, table_rows in rows:
        assert shown > 0 and plot_height == 0  # a message instead of a blank gap
        assert "JavaScript" in words and "tabellen" in words
        assert table_rows >= 1
    _open(page, demo_variants["html"])  # with JavaScript: charts drawn, messages hidden
    assert page.evaluate("Array.from(document.querySelectorAll('.lss-nojs'))"
                         ".every(m => m.offsetHeight === 0)")


# --- PDF ----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def pdf(demo_variants: dict[str, Any]) -> dict[str, Any]:  # noqa: F811
    data = demo_variants["pdf"].read_bytes()
    doc = pdfium.PdfDocument(data)
    texts = [doc[i].get_textpage().get_text_range() for i in range(len(doc))]
    return {"data": data, "doc": doc, "texts": texts, "reader": PdfReader(io.BytesIO(data))}


def test_pdf_metadata_language_and_tags(pdf: dict[str, Any],
                                        demo_variants: dict[str, Any]) -> None:  # noqa: F811
    reader = pdf["reader"]
    meta = reader.metadata
    assert meta.title == "LSS-insatser i Demoby 2024 jämfört med riket – Syntetiska demodata"
    assert meta.author == "LSS benchmark"
    assert meta.subject == "LSS-insatser i Demoby 2024 jämfört med riket"
    root = reader.trailer["/Root"]
    assert root["/Lang"] == "sv"
    assert bool(root["/MarkInfo"]["/Marked"]) and "/StructTreeRoot" in root  # tagged
    titles = [o.title for o in reader.outline if not isinstance(o, list)]
    assert titles[0].startswith("LSS-insatser i Demoby")  # an outline from the headings
    assert pdf["data"].startswith(b"%PDF-")


def test_pdf_pages_are_a4_numbered_and_bannered(pdf: dict[str, Any]) -> None:
    doc, texts = pdf["doc"], pdf["texts"]
    n = len(doc)
    for i, text in enumerate(texts):
        width, height = doc[i].get_size()
        assert (round(width), round(height)) == (596, 842)  # A4 in points
        flat = " ".join(text.split())
        assert f"Sida {i + 1} av {n}" in flat
        assert "Demoby (0180) · LSS-insatser 2024" in flat
        assert "SYNTETISKA DEMODATA – INTE OFFICIELL STATISTIK." in flat
        body = flat.replace("SYNTETISKA DEMODATA – INTE OFFICIELL STATISTIK.", "")
        assert len(body) > 300, f"page {i + 1} is nearly empty"


def test_pdf_page_count_matches_the_content(page: chromium.DevTools, pdf: dict[str, Any],
                                            demo_variants: dict[str, Any]) -> None:  # noqa: F811
    """At least the pages the content needs at A4 width, and at most a third more (the room
    left when a chart, a table or a heading moves whole to the next page)."""
    page.call("Emulation.setDeviceMetricsOverride", width=render.PRINT_WIDTH_PX, height=1000,
              deviceScaleFactor=1, mobile=False)
    page.call("Emulation.setEmulatedMedia", media="print")
    try:
        _open(page, demo_variants["print"], javascript=False)
        height = page.evaluate("document.querySelector('main').getBoundingClientRect().height")
        overflowing = page.evaluate(
            "Array.from(document.querySelectorAll('table, svg, figure, p, dl'))"
            ".filter(e => e.getBoundingClientRect().right > "
            f"{render.PRINT_WIDTH_PX} + 1).length")
    finally:
        page.call("Emulation.clearDeviceMetricsOverride")
        page.call("Emulation.setEmulatedMedia", media="")
    assert overflowing == 0  # nothing cut at the right edge of the paper
    per_page = (297 - render.MARGIN_MM["top"] - render.MARGIN_MM["bottom"]) / 25.4 * 96
    needed = math.ceil(height / per_page)
    assert needed <= len(pdf["doc"]) <= math.ceil(needed * 4 / 3), (height, len(pdf["doc"]))


def _find(doc: Any, text: str) -> list[tuple[int, float, float]]:
    """(page, top, bottom) in PDF points of every occurrence of ``text``."""
    found = []
    for i in range(len(doc)):
        tp = doc[i].get_textpage()
        searcher = tp.search(text, match_case=True)
        while (hit := searcher.get_next()):
            boxes = [tp.get_charbox(hit[0] + k) for k in range(hit[1])]
            found.append((i, max(b[3] for b in boxes), min(b[1] for b in boxes)))
    return found


def test_pdf_every_chart_whole_on_one_page_and_drawn(pdf: dict[str, Any],
                                                     demo_variants: dict[str, Any]) -> None:  # noqa: F811
    """Each chart's title (drawn at its top, inside the SVG) and its caption (below it) are
    on the same page, so the chart between them is not split; the area between them,
    rendered to pixels, holds a drawing with the municipality's blue marks."""
    doc = pdf["doc"]
    specs = render.figure_specs(demo_variants["html"].read_text(encoding="utf-8"))
    assert len(specs) >= 4
    scale = 1.5
    for spec in specs:
        title = html.unescape(spec["layout"]["title"]["text"])[:40]
        hits = _find(doc, title)
        assert len(hits) == 2, (title, hits)  # in the chart, and in its caption
        (p1, top, _), (p2, caption_top, _) = sorted(hits, key=lambda h: (h[0], -h[1]))
        assert p1 == p2, f"{title}: chart and caption on pages {p1 + 1} and {p2 + 1}"
        height = doc[p1].get_size()[1]
        pixels = doc[p1].render(scale=scale, rev_byteorder=True).to_numpy()[..., :3]
        region = pixels[int((height - top) * scale):int((height - caption_top) * scale)]
        assert region.shape[0] > 150 * scale, title  # the chart's height lies between
        grey = region.mean(axis=2)
        assert grey.std() > 20 and (grey < 128).mean() > 0.005, title  # not blank
        blue = np.all(np.abs(region.astype(int) - BLUE) < 40, axis=2).sum()
        assert blue > 30, (title, blue)


def test_pdf_headings_never_alone_at_the_foot_of_a_page(pdf: dict[str, Any]) -> None:
    """Below every heading (the PDF outline gives its page and top) there is body text on
    the same page, above the footer."""
    reader, doc = pdf["reader"], pdf["doc"]

    def entries(items: list[Any]) -> Iterator[Any]:
        for item in items:
            yield from (entries(item) if isinstance(item, list) else [item])

    footer = render.MARGIN_MM["bottom"] / 25.4 * 72 + 4
    checked = 0
    for item in entries(reader.outline):
        number, top = reader.get_destination_page_number(item), float(item["/Top"])
        tp = doc[number].get_textpage()
        below = sum(1 for k in range(tp.count_chars())
                    if footer < tp.get_charbox(k)[1] and tp.get_charbox(k)[3] < top - 28)
        assert below > 40, f"heading {item.title!r} on page {number + 1} has nothing below"
        checked += 1
    assert checked >= 8


def test_pdf_tables_repeat_their_header_row(tmp_path: Path) -> None:
    """A table longer than a page continues with its header row on every page."""
    rows = [[f"Kommun {i:03d}", str(i * 7), f"{i / 100:.2f}"] for i in range(160)]
    table = plots.data_table("Lång tabell", ["Kommun", "Antal personer", "Kvot mot riket"],
                             rows, [False, True, True])
    nb = new_notebook(cells=[new_code_cell("", outputs=[new_output(
        "display_data", data={"text/html": table, "text/plain": ""})])])
    text = report.export_html(nb, lang="sv", title="Tabelltest")
    info = report.ReportInfo("0180", "Demoby", 2024, "sv")
    with render.Renderer() as renderer:
        data = render.print_pdf(render.static_html(text, renderer), info, renderer)
    doc = pdfium.PdfDocument(data)
    assert len(doc) >= 3
    for i in range(len(doc)):
        flat = " ".join(doc[i].get_textpage().get_text_range().split())
        assert "Kommun Antal personer Kvot mot riket" in flat, f"page {i + 1}"
        assert "SYNTETISKA" not in flat  # real data: no demo banner
    first_rows = [re.findall(r"Kommun (\d{3})", " ".join(doc[i].get_textpage()
                                                         .get_text_range().split()))
                  for i in range(len(doc))]
    assert sum(len(r) for r in first_rows) == 160  # every row once, none lost


# --- without Chromium ---------------------------------------------------------------------

def test_missing_chromium_is_one_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BENCHMARK_CHROMIUM", "/nonexistent/chromium")
    with pytest.raises(ChromiumMissing) as err:
        require_chromium("a PDF report")
    message = str(err.value)
    assert "a PDF report needs Chromium" in message
    assert "apt-get install chromium" in message and "BENCHMARK_CHROMIUM" in message
    assert isinstance(err.value, DataError)  # exit code 1 on the command line


def test_static_html_refuses_a_chart_it_cannot_find() -> None:
    broken = ('<div class="lss-plot lss-interactive" id="plot-x" role="img" aria-label="x">'
              "<div></div></div><!--/lss-plot-->")

    class NoDrawing:
        def svgs(self, specs: list[Any], width: int) -> list[str]:
            raise AssertionError("not reached")

    with pytest.raises(DataError, match="chart x: expected one plotly figure, found 0"):
        render.static_html(broken, NoDrawing())  # type: ignore[arg-type]
