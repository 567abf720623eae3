"""benchmark.comparison.reuse and the need-fit memo: a batch worker computes the tables across
all municipalities once, and every figure is the same as when each report computes its own."""

from __future__ import annotations

import os
from collections.abc import Iterator

import numpy as np
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from benchmark.comparison import compare, history, load_inputs, need_fits, screen
from benchmark.comparison import need as need_module
from benchmark.comparison.method import Method
from benchmark.comparison.reuse import keep_results, keeping
from benchmark.config import Settings
from benchmark.profile import profile
from benchmark.tableset import open_set

CODES = ("0180", "0114", "2482", "0188")  # the demo's focus, two ordinary, one small


@pytest.fixture
def reuse_on() -> Iterator[None]:
    keep_results()
    yield
    keep_results(False)


def _fresh(demo_data: Settings) -> dict[str, pl.DataFrame]:
    """Every table a report asks for, each from newly loaded inputs (no reuse)."""
    assert not keeping()
    out = {"screen": screen(2024, settings=demo_data),
           "need_fits": need_fits(load_inputs(demo_data), 2024)}
    for code in CODES:
        out[f"compare {code}"] = compare(code, 2024, settings=demo_data)
        out[f"history {code}"] = history(code, last_year=2024, n_years=5, settings=demo_data)
        out[f"profile {code}"] = profile(code, 2024, settings=demo_data)
    return out


def test_kept_tables_equal_fresh_ones(demo_data: Settings, reuse_on: None) -> None:
    keep_results(False)
    need_module.forget_fits()
    expected = _fresh(demo_data)
    keep_results()
    first = load_inputs(demo_data)
    assert load_inputs(demo_data) is first and first.memo == {}
    got: dict[str, pl.DataFrame] = {}
    # the order of a batch: each report asks for compare, history, screen and profile
    for code in CODES:
        got[f"compare {code}"] = compare(code, 2024, settings=demo_data)
        got[f"history {code}"] = history(code, last_year=2024, n_years=5, settings=demo_data)
        got["screen"] = screen(2024, settings=demo_data)
        got[f"profile {code}"] = profile(code, 2024, settings=demo_data)
    got["need_fits"] = need_fits(load_inputs(demo_data), 2024)
    assert sorted(got) == sorted(expected)
    for name, table in expected.items():
        assert table.height > 0, name
        try:
            assert_frame_equal(got[name], table, check_exact=True)
        except AssertionError as exc:
            raise AssertionError(f"{name}: {exc}") from None
    # one full table per (years, method, front): compare, history (five years), screen
    assert len(first.memo) == 3
    assert {k[2] for k in first.memo} == {"compare", "screen"}
    assert all(t["municipality"].n_unique() == 290 for t in first.memo.values())


def test_another_method_is_another_table(demo_data: Settings, reuse_on: None) -> None:
    inputs = load_inputs(demo_data)
    default = compare("0180", 2024, inputs=inputs)
    legacy = compare("0180", 2024, inputs=inputs, method=Method.legacy())
    assert len(inputs.memo) == 2
    assert not default["ratio"].equals(legacy["ratio"])
    assert_frame_equal(compare("0180", 2024, inputs=inputs, method=Method.legacy()), legacy)


def test_a_changed_set_is_read_again(demo_data: Settings, reuse_on: None) -> None:
    first = load_inputs(demo_data)
    path = open_set(demo_data).table_path("lss")
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
    try:
        second = load_inputs(demo_data)
        assert second is not first and second.memo == {}
        assert load_inputs(demo_data) is second
    finally:
        os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    keep_results(False)
    assert load_inputs(demo_data) is not load_inputs(demo_data)
    assert load_inputs(demo_data).memo is None


def test_need_fits_are_fitted_once_per_input() -> None:
    rng = np.random.default_rng(7)
    e = rng.uniform(20, 400, 120)
    x = rng.normal(0, 0.2, (120, 1))
    o = rng.poisson(e * np.exp(0.6 * x[:, 0])).astype(float)
    method = Method()
    need_module.forget_fits()
    fit = need_module._fitted(o, e, x, method, True)
    assert fit is not None and 0.4 < fit.beta[0] < 0.8
    assert need_module._fitted(o.copy(), e.copy(), x.copy(), method, True) is fit
    assert len(need_module._FITS) == 1
    o2 = o.copy()
    o2[0] += 1
    assert need_module._fitted(o2, e, x, method, True) is not fit
    assert need_module._fitted(o, e, x, method, False) is not fit  # no null model
    assert need_module._fitted(o, e, x, Method(need_model="quasi_poisson"), True).model \
        != fit.model
    assert len(need_module._FITS) == 4
