"""Shared pytest fixtures.

``shared_data`` points at ``../shared/data`` (real public recordings and peer oracles). A
test that needs it is skipped only when the folder is absent; under CI (``CI`` set) a missing
folder is a failure, so the oracle tests can never be skipped silently there.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("BENCHMARK_SHARED_DATA", REPO_ROOT.parent / "shared" / "data"))
SKIP_REASON = "SHARED-DATA-ABSENT: ../shared/data not found"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """Folder with the real recordings and oracles; skip (or fail under CI) when absent."""
    if not SHARED_DATA.is_dir():
        if os.environ.get("CI"):
            pytest.fail(f"{SKIP_REASON} (required under CI)")
        pytest.skip(SKIP_REASON)
    return SHARED_DATA


@pytest.fixture(scope="session")
def oracles(shared_data: Path) -> Path:
    """The peer oracle folder ``../shared/data/oracles``."""
    return shared_data / "oracles"


# The processed synthetic demo country, built once per session (tests/demo_fixture.py).
from tests.demo_fixture import demo_data, demo_inputs, demo_screen  # noqa: E402, F401
