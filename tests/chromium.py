"""Headless Chromium driven over the DevTools protocol (shared by the browser tests).

A loopback websocket (``websocket-client``, installed with jupyter_server) carries the
protocol; :func:`launch` starts Chromium with a throw-away profile and yields its DevTools
HTTP endpoint, :func:`page` attaches to its first tab. Skips where no Chromium is installed,
except under CI (``CI`` set), where a missing browser is a failure.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.subprocesses import stop

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
         "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--disable-default-apps", "--mute-audio",
         "--remote-debugging-port=0", "--remote-allow-origins=*"]


def executable() -> str:
    """The Chromium binary; skip (or fail under CI) when none is installed."""
    for name in ("chromium", "chromium-browser", "google-chrome", "chrome"):
        path = shutil.which(name)
        if path:
            return path
    if os.environ.get("CI"):
        pytest.fail("Chromium not installed (required under CI: apt-get install chromium)")
    pytest.skip("Chromium not installed")


class DevTools:
    """A minimal DevTools-protocol client for one page."""

    def __init__(self, ws_url: str) -> None:
        import websocket

        self.ws = websocket.create_connection(ws_url, timeout=60, suppress_origin=True)
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

    def evaluate(self, expression: str, *, await_promise: bool = False) -> Any:
        res = self.call("Runtime.evaluate", expression=expression, returnByValue=True,
                        awaitPromise=await_promise)
        if "exceptionDetails" in res:
            raise RuntimeError(f"{expression[:80]}…: {res['exceptionDetails']}")
        return res["result"].get("value")

    def poll(self, expression: str, timeout: float, interval: float = 0.2) -> Any:
        """Evaluate ``expression`` until it is truthy; its last value (falsy on timeout)."""
        deadline = time.monotonic() + timeout
        value = None
        while time.monotonic() < deadline:
            value = self.evaluate(expression)
            if value:
                return value
            time.sleep(interval)
        return value

    def close(self) -> None:
        self.ws.close()


@contextmanager
def launch(profile: Path, *extra: str) -> Iterator[str]:
    """Start headless Chromium; yields the loopback DevTools HTTP endpoint."""
    exe = executable()
    proc = subprocess.Popen([exe, *FLAGS, *extra, f"--user-data-dir={profile}", "about:blank"],
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
        stop(proc, 10)


def page(endpoint: str) -> DevTools:
    """The DevTools client of Chromium's first page (tab)."""
    with urllib.request.urlopen(f"{endpoint}/json/list", timeout=10) as resp:
        targets = json.load(resp)
    first = next(t for t in targets if t.get("type") == "page")
    return DevTools(first["webSocketDebuggerUrl"])
