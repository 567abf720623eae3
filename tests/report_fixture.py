"""Session-cached board reports built from the synthetic demo country.

Imported by ``test_report.py`` and ``test_report_browser.py``. The demo data and the two
reports (sv, en) are built once per test session even though both modules import the
fixture (the cache lives in this module).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from benchmark.demo import DEMO_FOCUS, DEMO_YEARS, prepare_demo_data
from benchmark.report import build_report

_CACHE: dict[str, Any] = {}


@pytest.fixture(scope="session")
def demo_reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """``{"sv": Path, "en": Path, "settings": Settings, "municipality": str, "year": int}``."""
    if not _CACHE:
        settings = prepare_demo_data(tmp_path_factory.mktemp("report-demo") / "data")
        out = tmp_path_factory.mktemp("reports")
        year = DEMO_YEARS[-1]
        _CACHE.update({lang: build_report(DEMO_FOCUS, year, lang=lang, out_dir=out,
                                          settings=settings) for lang in ("sv", "en")})
        _CACHE.update(settings=settings, municipality=DEMO_FOCUS, year=year, out=Path(out))
    return _CACHE
