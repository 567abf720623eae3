"""Open the exported board report in headless Chromium with the network disabled.

Uses the DevTools protocol over a loopback websocket (``websocket-client``, installed with
jupyter_server): every request the page makes, console errors and uncaught exceptions are
recorded; every plotly figure must have rendered (``.main-svg`` inside each graph div) and a
screenshot must not be blank. Skipped where no Chromium is installed, except under CI.
"""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import struct
import subprocess
import time
import urllib.request
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.report_fixture import demo_reports  # noqa: F401  (fixture)

pytestmark = pytest.mark.browser

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--disable-default-apps", "--mute-audio",
                  "--remote-debugging-port=0", "--remote-allow-origins=*",
                  "--window-size=1280,900"]


def _chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome", "chrome"):
        path = shutil.which(name)
        if path:
            return path
    if os.environ.get("CI"):
        pytest.fail("Chromium not installed (required under CI: apt-get install chromium)")
    pytest.skip("Chromium not installed")


class _DevTools:
    """A minimal DevTools-protocol client for one page."""

    def __init__(self, ws_url: str) -> None:
        import websocket

        self.ws = websocket.create_connection(ws_url, timeout=30, suppress_origin=True)
        self.next_id = 0
        self.events: list[dict[str, Any]] = []

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        self.next_id += 1
        my_id = self.next_id
        self.ws.send(json.dumps({"id": my_id, "method": method, "params": params}))
        while True:
            msg = json.loads(self.ws.recv())
            if msg.get("id") == my_id:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error']}")
                return msg.get("result", {})
            if "method" in msg:
                self.events.append(msg)

    def wait_for(self, method: str, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        if any(e["method"] == method for e in self.events):
            return True
        while time.monotonic() < deadline:
            self.ws.settimeout(max(0.1, deadline - time.monotonic()))
            try:
                msg = json.loads(self.ws.recv())
            except Exception:
                return False
            if "method" in msg:
                self.events.append(msg)
                if msg["method"] == method:
                    return True
        return False

    def evaluate(self, expression: str) -> Any:
        res = self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        return res["result"].get("value")


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A headless Chromium; yields the loopback DevTools HTTP endpoint."""
    exe = _chromium()
    profile = tmp_path_factory.mktemp("chromium-profile")
    proc = subprocess.Popen([exe, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "about:blank"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        endpoint = None
        deadline = time.monotonic() + 30
        assert proc.stderr is not None
        while time.monotonic() < deadline:
            line = proc.stderr.readline()
            m = re.search(r"DevTools listening on ws://(127\.0\.0\.1:\d+)/", line)
            if m:
                endpoint = f"http://{m.group(1)}"
                break
            if not line and proc.poll() is not None:
                break
        assert endpoint, "Chromium did not start its DevTools endpoint"
        yield endpoint
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


def _page(endpoint: str) -> _DevTools:
    with urllib.request.urlopen(f"{endpoint}/json/list", timeout=10) as resp:
        targets = json.load(resp)
    page = next(t for t in targets if t.get("type") == "page")
    return _DevTools(page["webSocketDebuggerUrl"])


def _open(endpoint: str, path: Path) -> tuple[_DevTools, dict[str, Any]]:
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


def test_sortable_table_sorts_numbers_and_keeps_missing_last(browser: str,
                                                             tmp_path: Path) -> None:
    from benchmark import views

    table = views.sortable_table(
        "Test", ["Kommun", "Kvot"],
        [[("Ärla", "Ärla"), ("1,20", "1.2")], [("Aneby", "Aneby"), ("Skyddad", "")],
         [("Öckerö", "Öckerö"), ("0,80", "0.8")], [("Borås", "Borås"), ("10,0", "10")]],
        [False, True])
    page = tmp_path / "t.html"
    page.write_text(f'<!DOCTYPE html><html lang="sv"><meta charset="utf-8"><body>{table}'
                    "</body></html>", encoding="utf-8")
    dt, _ = _open(browser, page)
    try:
        order = ("Array.from(document.querySelectorAll('tbody tr th'))"
                 ".map(th => th.textContent)")
        dt.evaluate("document.querySelectorAll('thead button')[1].click()")
        assert dt.evaluate(order) == ["Öckerö", "Ärla", "Borås", "Aneby"]
        assert dt.evaluate("document.querySelectorAll('thead th')[1]"
                           ".getAttribute('aria-sort')") == "ascending"
        dt.evaluate("document.querySelectorAll('thead button')[1].click()")
        assert dt.evaluate(order) == ["Borås", "Ärla", "Öckerö", "Aneby"]
        dt.evaluate("document.querySelectorAll('thead button')[0].click()")
        assert dt.evaluate(order) == ["Aneby", "Borås", "Ärla", "Öckerö"]  # Swedish collation
    finally:
        dt.ws.close()
