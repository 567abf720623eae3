"""Session fixture: the synthetic demo country, generated, fetched and processed once.

Import it where it is needed (``from tests.demo_fixture import demo_data``) or into
``conftest.py`` to share it across test modules. The fixture runs
:func:`benchmark.demo.prepare_demo_data` into a temporary folder (a few seconds) and
returns the :class:`~benchmark.config.Settings` pointing at it, so
``read_table("lss", demo_data)``, ``screen(2024, settings=demo_data)`` and
``compare(DEMO_FOCUS, 2024, settings=demo_data)`` work on the demo data.
"""

from __future__ import annotations

import polars as pl
import pytest

from benchmark.comparison import Inputs, load_inputs, screen
from benchmark.config import Settings
from benchmark.demo import prepare_demo_data


@pytest.fixture(scope="session")
def demo_data(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Settings of a processed demo data folder (synthetic; ``DEMO_YEARS``, ``DEMO_SEED``)."""
    return prepare_demo_data(tmp_path_factory.mktemp("demo") / "data")


@pytest.fixture(scope="session")
def demo_inputs(demo_data: Settings) -> Inputs:
    """The demo tables loaded once (:func:`benchmark.comparison.load_inputs`)."""
    return load_inputs(demo_data)


@pytest.fixture(scope="session")
def demo_screen(demo_inputs: Inputs) -> pl.DataFrame:
    """The default screening of the last demo year (2024)."""
    return screen(2024, inputs=demo_inputs)
