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
