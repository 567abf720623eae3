"""Headless Chromium for the browser tests, over the library's DevTools client
(:mod:`benchmark.browser`).

:func:`launch` starts Chromium with a throw-away profile and yields its DevTools HTTP
endpoint, :func:`page` attaches to its first tab. Skips where no Chromium is installed,
except under CI (``CI`` set), where a missing browser is a failure.
"""

from __future__ import annotations

import json
import os
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from benchmark.browser import Browser, Page, find_chromium

DevTools = Page
#: The skip reason where no Chromium is installed (.ci/run fails when it appears).
SKIP_REASON = "CHROMIUM-ABSENT: Chromium not installed"


def executable() -> str:
    """The Chromium binary; skip (or fail under CI) when none is installed."""
    path = find_chromium()
    if path:
        return path
    if os.environ.get("CI"):
        pytest.fail(f"{SKIP_REASON} (required under CI: apt-get install chromium)")
    pytest.skip(SKIP_REASON)


@contextmanager
def browser(*extra: str) -> Iterator[Browser]:
    """A started :class:`benchmark.browser.Browser` (skips where there is no Chromium)."""
    executable()
    with Browser(*extra, what="the browser tests") as started:
        yield started


@contextmanager
def launch(profile: Path, *extra: str) -> Iterator[str]:
    """Start headless Chromium; yields the loopback DevTools HTTP endpoint. (``profile``
    is kept for the callers; the browser makes its own temporary profile.)"""
    with browser(*extra) as started:
        yield started.endpoint


def page(endpoint: str) -> DevTools:
    """The DevTools client of Chromium's first page (tab)."""
    with urllib.request.urlopen(f"{endpoint}/json/list", timeout=10) as resp:
        targets = json.load(resp)
    first = next(t for t in targets if t.get("type") == "page")
    return DevTools(first["webSocketDebuggerUrl"])
