"""Session-cached board reports built from the synthetic demo country.

Imported by ``test_report.py``, ``test_report_browser.py``, ``test_notebooks.py`` and
``test_output_digest.py``. The two reports (sv, en) are built once per test session from the
session's demo data (``demo_data``, ``tests/demo_fixture.py``) even though several modules
import the fixture (the cache lives in this module).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from benchmark.config import Settings
from benchmark.demo import DEMO_FOCUS, DEMO_YEARS
from benchmark.report import build_report

_CACHE: dict[str, Any] = {}


@pytest.fixture(scope="session")
def demo_reports(tmp_path_factory: pytest.TempPathFactory,
                 demo_data: Settings) -> dict[str, Any]:
    """``{"sv": Path, "en": Path, "settings": Settings, "municipality": str, "year": int}``."""
    if not _CACHE:
        settings = demo_data
        out = tmp_path_factory.mktemp("reports")
        year = DEMO_YEARS[-1]
        _CACHE.update({lang: build_report(DEMO_FOCUS, year, lang=lang, out_dir=out,
                                          settings=settings) for lang in ("sv", "en")})
        _CACHE.update(settings=settings, municipality=DEMO_FOCUS, year=year, out=Path(out))
    return _CACHE


@pytest.fixture(scope="session")
def demo_variants(demo_reports: dict[str, Any],
                  tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The Swedish demo report in its other forms, built once per session:
    ``{"html": Path, "static": Path, "pdf": Path, "print": Path, "info": ReportInfo}``.

    ``static`` is written by :func:`benchmark.report.build_report` (the path of
    ``report --static``, its own papermill run); ``pdf`` is the interactive report finished
    as PDF by :func:`benchmark.report.finish` (what ``report --format pdf`` does after the
    same export), and ``print`` is the static page drawn at A4 width that was printed.
    Skips where Chromium is absent (fails under CI)."""
    from tests import chromium

    chromium.executable()
    if "variants" not in _CACHE:
        from benchmark import render
        from benchmark.report import ReportInfo, finish

        out = tmp_path_factory.mktemp("variants")
        static = build_report(DEMO_FOCUS, _CACHE["year"], lang="sv", out_dir=out,
                              settings=_CACHE["settings"], variant="static")
        from benchmark.comparison import load_inputs
        from benchmark.report import municipality_names

        name = municipality_names(load_inputs(_CACHE["settings"]))[DEMO_FOCUS]
        info = ReportInfo(DEMO_FOCUS, name, _CACHE["year"], "sv", synthetic=True)
        text = _CACHE["sv"].read_text(encoding="utf-8")
        with render.Renderer() as renderer:
            pdf = out / "lss-0180-DEMO.pdf"
            pdf.write_bytes(finish(text, "pdf", info, renderer))
            printed = out / "print.html"
            printed.write_text(render.static_html(text, renderer, width=render.PRINT_WIDTH_PX),
                               encoding="utf-8")
        _CACHE["variants"] = {"html": _CACHE["sv"], "static": static, "pdf": pdf,
                              "print": printed, "info": info}
    return _CACHE["variants"]
