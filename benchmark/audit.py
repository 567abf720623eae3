"""The checks an exported report must pass before it is written (:func:`audit_html` for
every form, :func:`audit_static` for static HTML): self-contained (no external resource,
plotly.js once or, for static HTML, no script at all), ``<html lang>`` set, and a size
limit. :func:`benchmark.report.finish` refuses a report that fails them."""

from __future__ import annotations

import html
import re

from benchmark import fmt

#: Largest report accepted (plotly.js alone is about 4.8 MB).
MAX_BYTES = 6 * 1024 * 1024
#: Largest static HTML report (the board pack asks for < 1 MB).
MAX_STATIC_BYTES = 1_000_000

_EXTERNAL = re.compile(
    r"<(script|link|img|iframe|source|audio|video|embed)\b[^>]*?\b(src|href)\s*=\s*"
    r"[\"']?\s*(https?:|//)", re.IGNORECASE)
_PLOTLY_HEADER = re.compile(r"\*\s*plotly\.js v\d+\.\d+\.\d+")


def audit_html(text: str, *, expect_plotlyjs: bool = True) -> list[str]:
    """Problems that make an HTML report unfit to send: external resources, more than one
    plotly.js copy (or none for its figures, unless ``expect_plotlyjs=False``: the charts
    are drawn elsewhere), the cloud-share button, a missing ``lang`` or a size over 6 MB."""
    problems: list[str] = []
    size = len(text.encode("utf-8"))
    if size > MAX_BYTES:
        problems.append(f"size {size} bytes exceeds {MAX_BYTES}")
    for match in _EXTERNAL.finditer(text):
        problems.append(f"external resource: {html.unescape(match.group(0))[:120]}")
    copies = len(_PLOTLY_HEADER.findall(text))
    if copies > 1:
        problems.append(f"{copies} copies of plotly.js (expected one)")
    if expect_plotlyjs and "Plotly.newPlot" in text and copies == 0:
        problems.append("figures present but plotly.js is not embedded")
    if re.search(r'"showSendToCloud":\s*true', text):
        problems.append("a figure enables the cloud-share button")
    langs = "|".join(map(re.escape, fmt.LANGS))
    if not re.search(rf"<html[^>]*\blang=\"({langs})\"", text):
        problems.append(f"<html> lacks lang= one of {', '.join(fmt.LANGS)}")
    return problems


def audit_static(text: str) -> list[str]:
    """Problems of a static HTML report: any script, an external resource, a plot left
    for plotly to draw, a missing ``lang`` or a size of 1 MB or more."""
    problems = [p for p in audit_html(text) if not p.startswith("size ")]
    size = len(text.encode("utf-8"))
    if size >= MAX_STATIC_BYTES:
        problems.append(f"size {size} bytes is not under {MAX_STATIC_BYTES}")
    if re.search(r"<script\b", text, re.IGNORECASE):
        problems.append("a <script> is left")
    if "plotly-graph-div" in text:
        problems.append("a chart is left for plotly.js to draw")
    return problems
