"""Headless Chromium over the DevTools protocol: the browser that draws the static charts
and prints the PDF report (:mod:`benchmark.render`), and that the browser tests drive.

:class:`Browser` starts Chromium with a throw-away profile in the temporary folder
(``lss-chromium-<pid>-*``, removed on exit; one left by a killed process is removed by the
next report, see :func:`benchmark.report.remove_stale_tempdirs`) and no network of its own;
:class:`Page` speaks the protocol to one tab over a loopback websocket (``websocket-client``).
Chromium is found as ``$BENCHMARK_CHROMIUM`` or on ``PATH`` (``chromium``,
``chromium-browser``, ``google-chrome``, ``chrome``); :func:`require_chromium` raises
:class:`ChromiumMissing` (exit code 1) naming what to install.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

from benchmark.errors import DataError

#: Names tried on ``PATH`` when ``$BENCHMARK_CHROMIUM`` is not set.
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "chrome")

#: Command-line flags: headless, no sandbox (containers), nothing fetched from the network.
#: A tab that is not in front (the plotly tab while the print tab exists)
#: would have its timers and animation frames throttled, and plotly's drawing slowed from
#: 0.5 s to 4.4 s per report: the last three flags keep every tab at full speed.
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-default-apps", "--mute-audio", "--hide-scrollbars",
         "--remote-debugging-port=0", "--remote-allow-origins=*",
         "--disable-background-timer-throttling", "--disable-renderer-backgrounding",
         "--disable-backgrounding-occluded-windows")

TMP_PREFIX = "lss-chromium-"
START_TIMEOUT_S = 60.0
CALL_TIMEOUT_S = 120.0


class ChromiumMissing(DataError):
    """No Chromium (or Chrome) binary was found."""


def find_chromium() -> str | None:
    """Path of the Chromium binary: ``$BENCHMARK_CHROMIUM`` if set, else the first of
    :data:`CHROMIUM_NAMES` on ``PATH``; None when there is none."""
    given = os.environ.get("BENCHMARK_CHROMIUM")
    if given:
        path = shutil.which(given)
        return path if path else None
    for name in CHROMIUM_NAMES:
        path = shutil.which(name)
        if path:
            return path
    return None


def require_chromium(what: str) -> str:
    """The Chromium binary, or :class:`ChromiumMissing` saying that ``what`` needs it."""
    path = find_chromium()
    if path:
        return path
    given = os.environ.get("BENCHMARK_CHROMIUM")
    where = (f"BENCHMARK_CHROMIUM={given!r} is not an executable" if given
             else "no chromium, chromium-browser, google-chrome or chrome on PATH")
    raise ChromiumMissing(
        f"{what} needs Chromium (headless) and none was found ({where}); install it "
        "(Debian/Ubuntu: apt-get install chromium) or set BENCHMARK_CHROMIUM to a "
        "Chromium/Chrome binary; the interactive HTML report (--format html) needs no browser")


class Page:
    """A DevTools-protocol client for one tab."""

    def __init__(self, ws_url: str) -> None:
        import websocket

        self.ws = websocket.create_connection(ws_url, timeout=CALL_TIMEOUT_S,
                                              suppress_origin=True)
        self.next_id = 0
        self.events: list[dict[str, Any]] = []

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        """Send one command and return its result (events meanwhile go to :attr:`events`)."""
        self.next_id += 1
        my_id = self.next_id
        self.ws.settimeout(CALL_TIMEOUT_S)
        self.ws.send(json.dumps({"id": my_id, "method": method, "params": params}))
        while True:
            msg = json.loads(self.ws.recv())
            if msg.get("id") == my_id:
                if "error" in msg:
                    raise DataError(f"Chromium: {method} failed: {msg['error']}")
                return msg.get("result", {})
            if "method" in msg:
                self.events.append(msg)

    def wait_for(self, method: str, timeout: float) -> bool:
        """Wait for the event ``method`` (True) or ``timeout`` seconds (False)."""
        deadline = time.monotonic() + timeout
        if any(e["method"] == method for e in self.events):
            return True
        while time.monotonic() < deadline:
            self.ws.settimeout(max(0.05, deadline - time.monotonic()))
            try:
                msg = json.loads(self.ws.recv())
            except Exception:
                return False
            if "method" in msg:
                self.events.append(msg)
                if msg["method"] == method:
                    return True
        return False

    def evaluate(self, expression: str, *, await_promise: bool = False) -> Any:
        """The value of a JavaScript expression (awaited when it is a promise)."""
        res = self.call("Runtime.evaluate", expression=expression, returnByValue=True,
                        awaitPromise=await_promise)
        if "exceptionDetails" in res:
            details = res["exceptionDetails"]
            text = (details.get("exception") or {}).get("description") or details.get("text")
            raise DataError(f"Chromium: script failed: {text}")
        return res["result"].get("value")

    def poll(self, expression: str, timeout: float, interval: float = 0.05) -> Any:
        """Evaluate ``expression`` until it is truthy; its last value (falsy on timeout)."""
        deadline = time.monotonic() + timeout
        value = self.evaluate(expression)
        while not value and time.monotonic() < deadline:
            time.sleep(interval)
            value = self.evaluate(expression)
        return value

    def navigate(self, url: str, timeout: float = 60.0) -> None:
        """Open ``url`` and wait for its load event."""
        self.call("Page.enable")
        self.events = [e for e in self.events if e["method"] != "Page.loadEventFired"]
        self.call("Page.navigate", url=url)
        if not self.wait_for("Page.loadEventFired", timeout):
            raise DataError(f"Chromium: {url[:120]} did not finish loading in {timeout:.0f} s")

    def close(self) -> None:
        self.ws.close()


class Browser:
    """Headless Chromium for the duration of a ``with`` block.

    >>> with Browser() as browser:  # doctest: +SKIP
    ...     page = browser.page()
    """

    def __init__(self, *extra_flags: str, what: str = "this step") -> None:
        self.executable = require_chromium(what)
        self.extra_flags = extra_flags
        self.endpoint = ""
        self._proc: subprocess.Popen[bytes] | None = None
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        self._pages: list[Page] = []

    @property
    def profile(self) -> Path:
        assert self._tmp is not None
        return Path(self._tmp.name)

    def __enter__(self) -> Browser:
        self._tmp = tempfile.TemporaryDirectory(prefix=f"{TMP_PREFIX}{os.getpid()}-",
                                                ignore_cleanup_errors=True)
        profile = Path(self._tmp.name) / "profile"
        log = (Path(self._tmp.name) / "chromium.log").open("wb")
        try:
            self._proc = subprocess.Popen(
                [self.executable, *FLAGS, *self.extra_flags, f"--user-data-dir={profile}",
                 "about:blank"], stdin=subprocess.DEVNULL, stdout=log, stderr=log)
        finally:
            log.close()
        try:
            self.endpoint = self._wait_endpoint(profile)
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def _wait_endpoint(self, profile: Path) -> str:
        """Chromium writes its DevTools port to ``DevToolsActivePort`` in the profile."""
        assert self._proc is not None
        port_file = profile / "DevToolsActivePort"
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if port_file.exists():
                lines = port_file.read_text().splitlines()
                if lines and lines[0].strip().isdigit():
                    return f"http://127.0.0.1:{lines[0].strip()}"
            if self._proc.poll() is not None:
                break
            time.sleep(0.05)
        tail = ""
        log = self.profile / "chromium.log"
        if log.exists():
            tail = log.read_text(errors="replace")[-600:].strip()
        raise DataError(f"Chromium ({self.executable}) did not start its DevTools endpoint"
                        + (f": {tail}" if tail else ""))

    def page(self, index: int = 0) -> Page:
        """A client of tab ``index`` (0: the tab Chromium opened; further tabs are opened
        on first use); the same client on every call."""
        while len(self._pages) <= index:
            if not self._pages:
                with urllib.request.urlopen(f"{self.endpoint}/json/list", timeout=30) as resp:
                    target = next(t for t in json.load(resp) if t.get("type") == "page")
            else:
                request = urllib.request.Request(f"{self.endpoint}/json/new?about:blank",
                                                 method="PUT")
                with urllib.request.urlopen(request, timeout=30) as resp:
                    target = json.load(resp)
            self._pages.append(Page(target["webSocketDebuggerUrl"]))
        return self._pages[index]

    def __exit__(self, *exc: object) -> None:
        for page in self._pages:
            with contextlib.suppress(Exception):  # the browser may already be gone
                page.close()
        self._pages.clear()
        if self._proc is not None:
            self._proc.terminate()
            try:
                self._proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait(timeout=10)
            self._proc = None
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None
