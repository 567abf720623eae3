"""The exported report in the two forms made by a browser: static HTML and PDF.

Both start from the interactive HTML of :func:`benchmark.report.export_html` and draw every
chart once more with plotly.js in headless Chromium (:mod:`benchmark.browser`):

- :func:`static_html`: each chart becomes an inline SVG (``Plotly.toImage``, vectors, text as
  text) and every script goes, plotly.js included. The page keeps the same headings, words,
  captions and tables; it needs no JavaScript and stays well under 1 MB.
- :func:`print_pdf`: the static page drawn at the printable width of A4, printed by
  Chromium (``Page.printToPDF``: vectors, tagged, an outline from the headings) with the
  report's print stylesheet; a footer with municipality, year and page numbers on every
  page, and for synthetic data the demo banner as the header of every page. The metadata
  (title, language, author "LSS benchmark") are completed with pypdf as an incremental
  update, so Chromium's tagged structure is kept byte for byte.

Charts are drawn from the figure specifications in the page (the arguments of each
``Plotly.newPlot``), and the drawing is awaited (``Plotly.toImage`` resolves once plotly has
finished), so nothing depends on a fixed wait. :class:`Renderer` keeps one Chromium with
plotly.js loaded for many reports (the batch runner uses one per worker).
"""

from __future__ import annotations

import base64
import html
import io
import json
import re
from typing import Any

from benchmark import fmt
from benchmark.browser import Browser, Page
from benchmark.errors import DataError
from benchmark.report import ReportInfo

#: Width in CSS pixels of a chart in the static HTML (scaled to the column by CSS).
SCREEN_WIDTH_PX = 860
#: A4 (210 × 297 mm) and its margins in mm (the template's ``@page`` rule says the same).
A4_MM = (210.0, 297.0)
MARGIN_MM = {"top": 16.0, "right": 15.0, "bottom": 18.0, "left": 15.0}
#: The printable width of A4 in CSS pixels (96 per inch): charts are drawn at this width.
PRINT_WIDTH_PX = int((A4_MM[0] - MARGIN_MM["left"] - MARGIN_MM["right"]) / 25.4 * 96)
#: Author written into every PDF.
PDF_AUTHOR = "LSS benchmark"

#: A chart's plot as :meth:`benchmark.plots.Chart.to_html` writes it (nbconvert may reorder
#: the attributes), up to its end marker.
_PLOT = re.compile(r'<div\b(?P<attrs>[^>]*\bid="plot-(?P<key>[^"]+)"[^>]*)>'
                   r"(?P<body>.*?)</div><!--/lss-plot-->", re.DOTALL)
_ALT = re.compile(r'\baria-label="([^"]*)"')
_NOJS = re.compile(r"<!--lss-nojs-->.*?<!--/lss-nojs-->\n?", re.DOTALL)
_NOSCRIPT_STYLE = re.compile(r"<noscript><style>[^<]*</style></noscript>\n?")
_NEWPLOT = re.compile(r'Plotly\.newPlot\(\s*"(?P<id>[^"]+)",\s*')
_SCRIPT = re.compile(r"<script\b", re.IGNORECASE)
_SVG_ID = re.compile(r'\bid="([^"]+)"')


def figure_specs(body: str) -> list[dict[str, Any]]:
    """``{"id", "data", "layout", "config"}`` of every ``Plotly.newPlot`` call in ``body``."""
    decoder = json.JSONDecoder()
    out = []
    for m in _NEWPLOT.finditer(body):
        pos = m.end()
        args = []
        for _ in range(3):
            value, end = decoder.raw_decode(body, pos)
            args.append(value)
            pos = end
            while pos < len(body) and body[pos] in ", \n\r\t":
                pos += 1
        out.append({"id": m.group("id"), "data": args[0], "layout": args[1],
                    "config": args[2]})
    return out


_RENDER_JS = """
window.lssSvg = async function (specs, width) {
  const out = [];
  for (const s of specs) {
    const height = (s.layout && s.layout.height) || 450;
    s.data.forEach((trace, i) => { trace.uid = 'lss' + i; });  // stable class names
    const url = await Plotly.toImage(
      {data: s.data, layout: s.layout, config: {staticPlot: true}},
      {format: 'svg', width: width, height: height});
    out.push(decodeURIComponent(url.slice(url.indexOf(',') + 1)));
  }
  return out;
};
"""


class Renderer:
    """Headless Chromium with plotly.js loaded (tab 0, for drawing charts) and a tab for
    printing (tab 1); use as a context manager, or hand it an open :class:`Browser`."""

    def __init__(self, browser: Browser | None = None) -> None:
        self._own = browser is None
        self.browser = browser or Browser(what="static HTML and PDF reports")
        self._ready = False

    def __enter__(self) -> Renderer:
        if self._own:
            self.browser.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._own:
            self.browser.__exit__(*exc)

    def _plotly_page(self) -> Page:
        page = self.browser.page(0)
        if not self._ready:
            from plotly.offline import get_plotlyjs

            path = self.browser.profile / "plotly.html"
            path.write_text('<!DOCTYPE html><html><head><meta charset="utf-8"><script>'
                            + get_plotlyjs() + "</script><script>" + _RENDER_JS
                            + "</script></head><body></body></html>", encoding="utf-8")
            _offline(page)
            page.navigate(path.as_uri())
            if not page.evaluate("typeof Plotly === 'object' && typeof lssSvg === 'function'"):
                raise DataError("Chromium could not load plotly.js to draw the charts")
            self._ready = True
        return page

    def svgs(self, specs: list[dict[str, Any]], width: int) -> list[str]:
        """Each figure of ``specs`` (:func:`figure_specs`) drawn as a standalone SVG."""
        if not specs:
            return []
        page = self._plotly_page()
        payload = json.dumps([{"data": s["data"], "layout": s["layout"]} for s in specs])
        out = page.evaluate(f"lssSvg({payload}, {int(width)})", await_promise=True)
        if not isinstance(out, list) or len(out) != len(specs) or not all(
                isinstance(svg, str) and svg.startswith("<svg") for svg in out):
            raise DataError("Chromium returned no SVG for some charts")
        return out

    def print_page(self) -> Page:
        page = self.browser.page(1)
        _offline(page)
        return page


def _offline(page: Page) -> None:
    page.call("Network.enable")
    page.call("Network.emulateNetworkConditions", offline=True, latency=0,
              downloadThroughput=-1, uploadThroughput=-1)


def _tidy_svg(svg: str, key: str) -> str:
    """An SVG of plotly for inline use: ids made unique in the page and stable
    (``lss-<key>-<n>`` instead of plotly's random ones), hidden from assistive technology
    (the surrounding ``role="img"`` carries the text alternative)."""
    safe = re.sub(r"[^A-Za-z0-9_-]", "-", key)
    ids = {old: f"lss-{safe}-{i}" for i, old in enumerate(dict.fromkeys(_SVG_ID.findall(svg)))}

    def ref(m: re.Match[str]) -> str:
        return m.group(1) + ids.get(m.group(2), m.group(2))

    svg = _SVG_ID.sub(lambda m: f'id="{ids[m.group(1)]}"', svg)
    svg = re.sub(r"""(url\(['"]?#)([^'")]+)""", ref, svg)
    svg = re.sub(r'((?:xlink:)?href="#)([^"]+)', ref, svg)
    return svg.replace("<svg ", '<svg aria-hidden="true" focusable="false" ', 1)


def static_html(text: str, renderer: Renderer, *, width: int = SCREEN_WIDTH_PX) -> str:
    """The interactive report ``text`` with every chart as an inline SVG drawn ``width``
    pixels wide and without any script (see the module docstring)."""
    blocks = list(_PLOT.finditer(text))
    specs = []
    for m in blocks:
        found = figure_specs(m.group("body"))
        if len(found) != 1:
            raise DataError(f"chart {m.group('key')}: expected one plotly figure, "
                            f"found {len(found)}")
        specs.append(found[0])
    svgs = renderer.svgs(specs, width)
    parts, pos = [], 0
    for m, svg in zip(blocks, svgs, strict=True):
        key = m.group("key")
        alt = _ALT.search(m.group("attrs"))
        parts += [text[pos:m.start()],
                  f'<div class="lss-plot lss-static" id="plot-{key}" role="img" '
                  f'aria-label="{alt.group(1) if alt else ""}">{_tidy_svg(svg, key)}</div>']
        pos = m.end()
    parts.append(text[pos:])
    out = _NOSCRIPT_STYLE.sub("", _NOJS.sub("", "".join(parts)))
    if _SCRIPT.search(out):
        raise DataError("the static report would still hold a <script>; its charts are not "
                        "all in the form benchmark.plots.Chart.to_html writes")
    return out


# --- PDF ----------------------------------------------------------------------------------

def _margin_div(content: str, align: str, *, bold: bool = False) -> str:
    weight = "font-weight:700;" if bold else ""
    return (f'<div style="font-family:system-ui,Arial,sans-serif;font-size:8pt;color:#1a1a1a;'
            f"width:100%;margin:0 {MARGIN_MM['left']}mm;display:flex;"
            f'justify-content:{align};{weight}">{content}</div>')


def header_footer(info: ReportInfo) -> tuple[str, str]:
    """Chromium's header and footer templates: the demo banner (synthetic data only) and
    ``<name> (<code>) · <year>`` with ``Sida N av M``."""
    lang = info.lang
    header = (_margin_div(html.escape(fmt.text("label.synthetic_note", lang).upper()), "center",
                          bold=True) if info.synthetic else "<div></div>")
    pages = html.escape(fmt.text("report.page_of", lang, page="\0", pages="\1"))
    pages = (pages.replace("\0", '<span class="pageNumber"></span>')
             .replace("\1", '<span class="totalPages"></span>'))
    left = html.escape(fmt.text("report.pdf_footer", lang, name=info.name, code=info.municipality,
                                year=info.year))
    footer = _margin_div(f"<span>{left}</span><span>{pages}</span>", "space-between")
    return header, footer


def print_pdf(static_text: str, info: ReportInfo, renderer: Renderer) -> bytes:
    """Print a static report (drawn at :data:`PRINT_WIDTH_PX`) to A4 PDF bytes."""
    page = renderer.print_page()
    path = renderer.browser.profile / "print.html"
    path.write_text(static_text, encoding="utf-8")
    page.navigate(path.as_uri())
    header, footer = header_footer(info)
    inch = 25.4
    result = page.call(
        "Page.printToPDF", paperWidth=A4_MM[0] / inch, paperHeight=A4_MM[1] / inch,
        marginTop=MARGIN_MM["top"] / inch, marginBottom=MARGIN_MM["bottom"] / inch,
        marginLeft=MARGIN_MM["left"] / inch, marginRight=MARGIN_MM["right"] / inch,
        printBackground=True, preferCSSPageSize=False, displayHeaderFooter=True,
        headerTemplate=header, footerTemplate=footer, generateTaggedPDF=True,
        generateDocumentOutline=True)
    page.navigate("about:blank")
    return set_pdf_metadata(base64.b64decode(result["data"]), info)


def set_pdf_metadata(pdf: bytes, info: ReportInfo) -> bytes:
    """``pdf`` with title, author, subject, creator and language set, appended as an
    incremental update (the original bytes, Chromium's tags included, stay as they are)."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import NameObject, TextStringObject

    writer = PdfWriter(PdfReader(io.BytesIO(pdf)), incremental=True)
    writer.add_metadata({"/Title": info.title, "/Author": PDF_AUTHOR,
                         "/Subject": fmt.text("report.title", info.lang, name=info.name,
                                              year=info.year),
                         "/Creator": f"{PDF_AUTHOR} (Chromium)"})
    root = writer.root_object
    if root.get("/Lang") != info.lang:
        root[NameObject("/Lang")] = TextStringObject(info.lang)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()

