"""Open the exported board report in headless Chromium with the network disabled.

Uses the DevTools protocol over a loopback websocket (``websocket-client``, installed with
jupyter_server): every request the page makes, console errors and uncaught exceptions are
recorded; every plotly figure must have rendered (``.main-svg`` inside each graph div) and a
screenshot must not be blank. Skipped where no Chromium is installed, except under CI.
"""

from __future__ import annotations

import base64
import json
import re
import struct
import time
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests import chromium
from tests.report_fixture import demo_reports  # noqa: F401  (fixture)

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A headless Chromium; yields the loopback DevTools HTTP endpoint."""
    with chromium.launch(tmp_path_factory.mktemp("chromium-profile"),
                         "--window-size=1280,900") as endpoint:
        yield endpoint


_page = chromium.page


def _open(endpoint: str, path: Path) -> tuple[chromium.DevTools, dict[str, Any]]:
    dt = _page(endpoint)
    for domain in ("Page", "Network", "Runtime", "Log"):
        dt.call(f"{domain}.enable")
    dt.call("Network.emulateNetworkConditions", offline=True, latency=0,
            downloadThroughput=-1, uploadThroughput=-1)
    dt.events.clear()
    dt.call("Page.navigate", url=path.resolve().as_uri())
    assert dt.wait_for("Page.loadEventFired", 60), "the report did not finish loading"
    # let plotly draw every figure (it renders synchronously after load, but be generous)
    n_figs = 0
    for _ in range(100):
        n_figs, n_drawn = dt.evaluate(
            "[document.querySelectorAll('.plotly-graph-div').length,"
            " Array.from(document.querySelectorAll('.plotly-graph-div'))"
            ".filter(d => d.querySelector('.main-svg')).length]")
        if n_drawn == n_figs:  # graph divs are in the HTML; plotly fills them
            break
        time.sleep(0.1)
    state = {"n_figs": n_figs}
    return dt, state


def _png_pixels(data: bytes) -> tuple[int, int, int, bytes]:
    """Decode an 8-bit RGB/RGBA PNG (what Chromium writes) to raw rows without filters."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, width = 8, b"", 0
    height = colour = depth = 0
    while pos < len(data):
        length, ctype = struct.unpack(">I4s", data[pos:pos + 8])
        chunk = data[pos + 8:pos + 8 + length]
        if ctype == b"IHDR":
            width, height, depth, colour = struct.unpack(">IIBB", chunk[:10])
        elif ctype == b"IDAT":
            idat += chunk
        pos += 12 + length
    assert depth == 8 and colour in (2, 6), (depth, colour)
    bpp = 3 if colour == 2 else 4
    raw = zlib.decompress(idat)
    stride = width * bpp
    out = bytearray()
    prev = bytearray(stride)
    for y in range(height):
        ftype = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if ftype == 1:
                line[i] = (line[i] + a) & 255
            elif ftype == 2:
                line[i] = (line[i] + b) & 255
            elif ftype == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif ftype == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                line[i] = (line[i] + pred) & 255
        out += line
        prev = line
    return width, height, bpp, bytes(out)


def test_png_decoder_on_a_known_image() -> None:
    # 2×1 RGB image: one black and one white pixel, filter type 1 (Sub) on the row
    row = bytes([1, 0, 0, 0, 255, 255, 255])
    ihdr = struct.pack(">IIBBBBB", 2, 1, 8, 2, 0, 0, 0)

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(
            ">I", zlib.crc32(kind + body))

    png = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(row))
           + chunk(b"IEND", b""))
    assert _png_pixels(png) == (2, 1, 3, bytes([0, 0, 0, 255, 255, 255]))


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_report_renders_offline_without_errors(browser: str, demo_reports: dict[str, Any],  # noqa: F811
                                               lang: str) -> None:
    path: Path = demo_reports[lang]
    text = path.read_text(encoding="utf-8")
    expected_figs = text.count("Plotly.newPlot(")
    dt, state = _open(browser, path)
    try:
        # every figure rendered
        counts = dt.evaluate("Array.from(document.querySelectorAll('.plotly-graph-div'))"
                             ".map(d => d.querySelectorAll('.main-svg').length)")
        assert len(counts) == expected_figs >= 4
        assert all(c >= 1 for c in counts), counts
        # traces drawn: points/bars/lines exist as SVG paths inside the figures
        n_points = dt.evaluate("document.querySelectorAll('.plotly-graph-div .scatterlayer "
                               "path.point, .plotly-graph-div .barlayer path').length")
        assert n_points > 50
        # no request leaves the file
        urls = [e["params"]["request"]["url"] for e in dt.events
                if e["method"] == "Network.requestWillBeSent"]
        leaving = [u for u in urls if not u.startswith(("file:", "data:", "blob:"))]
        assert leaving == []
        failed = [e["params"] for e in dt.events if e["method"] == "Network.loadingFailed"]
        assert failed == []
        # no console errors or uncaught exceptions
        errors = [e for e in dt.events if e["method"] == "Runtime.exceptionThrown"
                  or (e["method"] == "Runtime.consoleAPICalled"
                      and e["params"]["type"] in ("error", "assert"))
                  or (e["method"] == "Log.entryAdded"
                      and e["params"]["entry"]["level"] == "error")]
        assert errors == [], json.dumps(errors)[:2000]
        # the document language and a non-blank screenshot of the first figure
        assert dt.evaluate("document.documentElement.lang") == lang
        dt.evaluate("document.querySelector('.plotly-graph-div').scrollIntoView()")
        shot = dt.call("Page.captureScreenshot", format="png")
        width, height, bpp, pixels = _png_pixels(base64.b64decode(shot["data"]))
        assert width >= 800 and height >= 600
        lum = [(pixels[i] * 299 + pixels[i + 1] * 587 + pixels[i + 2] * 114) // 1000
               for i in range(0, len(pixels), bpp * 97)]
        mean = sum(lum) / len(lum)
        var = sum((v - mean) ** 2 for v in lum) / len(lum)
        dark = sum(v < 128 for v in lum) / len(lum)
        assert var > 200, var  # not a blank page
        assert 0.005 < dark < 0.5, dark  # some ink, not an error-black screen
        blue = sum(1 for i in range(0, len(pixels), bpp * 7)
                   if abs(pixels[i] - 0x00) < 40 and abs(pixels[i + 1] - 0x72) < 40
                   and abs(pixels[i + 2] - 0xB2) < 40)
        assert blue > 5  # the municipality's markers are drawn
    finally:
        dt.ws.close()
        assert state["n_figs"] == expected_figs


def test_report_spine_chart_renders_offline_with_its_table(
        browser: str, demo_reports: dict[str, Any]) -> None:  # noqa: F811
    """The section Helhetsbild: one spine chart per group (each fits an A4 page), drawn
    offline; their hover texts, their tables and the profile carry the same numbers."""
    from benchmark import fmt
    from benchmark.comparison import load_inputs
    from benchmark.profile import profile

    table = profile(demo_reports["municipality"], demo_reports["year"],
                    inputs=load_inputs(demo_reports["settings"]))
    path: Path = demo_reports["sv"]
    dt = chromium.page(browser)
    try:
        for domain in ("Page", "Network", "Runtime"):
            dt.call(f"{domain}.enable")
        dt.call("Network.emulateNetworkConditions", offline=True, latency=0,
                downloadThroughput=-1, uploadThroughput=-1)
        dt.call("Page.navigate", url=path.resolve().as_uri())
        assert dt.wait_for("Page.loadEventFired", 60)
        find = ("Array.from(document.querySelectorAll('.plotly-graph-div')).filter(d => "
                "d.layout && d.layout.title && d.layout.title.text.includes('helhetsbild'))")
        for _ in range(100):
            if dt.evaluate(f"{find}.length == 5 && {find}.every(d => d.querySelector"
                           "('.main-svg'))"):
                break
            time.sleep(0.1)
        titles = dt.evaluate(f"{find}.map(d => d.layout.title.text)")
        points = dt.evaluate(f"{find}.map(d => d.querySelectorAll('.scatterlayer "
                             "path.point').length)")
        hover = dt.evaluate(f"{find}.flatMap(d => d.data.filter(t => t.hovertext)"
                            ".flatMap(t => t.hovertext))")
        shown = dt.evaluate(
            "Array.from(document.querySelectorAll('table.lss-data')).filter(t => "
            "t.caption.textContent.startsWith('Helhetsbild')).flatMap(t => "
            "Array.from(t.querySelectorAll('tbody tr')).map(r => r.children[1].textContent))")
        leaving = [e["params"]["request"]["url"] for e in dt.events
                   if e["method"] == "Network.requestWillBeSent"
                   and not e["params"]["request"]["url"].startswith(("file:", "data:"))]
    finally:
        dt.ws.close()
    assert [t.split("– ")[1] for t in titles] == ["volym", "omfattning", "ekonomi",
                                                 "kvalitet", "personal"]
    assert leaving == [] and len(shown) == 40 and len(hover) == 40
    assert sum(points) >= 40 + 40  # the municipality's and Riket's markers at least
    # the same numbers in the figures' hover texts, the tables and the profile
    in_hover = [re.search(r"Kommunen: ([^<]*)<br>", h).group(1) for h in hover]
    assert sorted(in_hover) == sorted(shown)
    expect = [fmt.number(v, 0 if "kr" in u else 3 if u == "index" else 1)
              for v, u in zip(table["value"], table["unit"], strict=True)]
    assert shown == expect
    assert table["value"].is_finite().all()
