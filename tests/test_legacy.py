"""``Method.legacy()`` reproduces the tables of version 0.1 (main eeb0f96) bit for bit.

The committed digests (tests/data/legacy_eeb0f96_digest.json, see tests/legacy_digest.py)
were made by eeb0f96's own code on the demo data; here the same tables are computed with
this version and the legacy preset, over version 0.1's columns in its order
(``practice_effect`` is the deprecated alias of ``other_effect``), and hashed the same way.
"""

from __future__ import annotations

import json

import polars as pl
import pytest

from benchmark.comparison import Method, compare, history, load_inputs, screen
from benchmark.config import Settings
from tests.legacy_digest import DIGEST_FILE, digests, legacy_tables, table_digest


@pytest.fixture(scope="module")
def committed() -> dict[str, dict[str, object]]:
    data = json.loads(DIGEST_FILE.read_text(encoding="utf-8"))
    data.pop("made_by")
    return data


@pytest.fixture(scope="module")
def legacy(demo_data: Settings) -> dict[str, pl.DataFrame]:
    return legacy_tables(screen, compare, history, inputs=load_inputs(demo_data),
                         method=Method.legacy())


def test_legacy_preset_reproduces_version_0_1(committed: dict, legacy: dict) -> None:
    columns = {name: list(entry["columns"]) for name, entry in committed.items()}
    got = digests(legacy, columns)
    assert set(got) == set(committed)
    for name, entry in committed.items():
        assert got[name]["rows"] == entry["rows"], name
        assert got[name]["sha256"] == entry["sha256"], name


def test_digest_sees_a_change_in_the_last_bit(committed: dict, legacy: dict) -> None:
    """The fingerprint is bit-exact: one ULP in one expected count changes it."""
    import numpy as np

    df = legacy["screen-2024"]
    cols = list(committed["screen-2024"]["columns"])
    e = df["expected"].to_numpy().copy()
    i = int(np.flatnonzero(~np.isnan(e))[0])
    e[i] = np.nextafter(e[i], np.inf)
    changed = df.with_columns(pl.Series("expected", e, nan_to_null=True))
    assert table_digest(df, cols) == committed["screen-2024"]["sha256"]
    assert table_digest(changed, cols) != committed["screen-2024"]["sha256"]


def test_default_method_differs_from_legacy(committed: dict, demo_data: Settings) -> None:
    """The new defaults are not the old numbers (the digest would not notice otherwise)."""
    cols = [c for c in committed["screen-2024"]["columns"] if c != "practice_effect"]
    new = screen(2024, settings=demo_data)
    old = screen(2024, settings=demo_data, method=Method.legacy())
    assert table_digest(new, cols) != table_digest(old, cols)
    assert (new["expected"] - old["expected"]).abs().max() > 1
