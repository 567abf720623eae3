"""The benchmark's correctness parts (no timing assertions): the pandas baseline agrees with
the library on a demo subset, the comparison catches a wrong baseline, and the memory
measurement sees a child's allocation."""

from __future__ import annotations

import sys

import numpy as np
import polars as pl
import pytest

from bench.agreement import EXACT_COLUMNS, FLOAT_COLUMNS, compare_tables
from bench.baseline_pandas import screen_pandas
from bench.measure import run_measured
from bench.run import StepResult, format_table
from benchmark.catalog import RIKET
from benchmark.comparison import Method
from benchmark.config import Settings, get_settings
from benchmark.demo import DEMO_FOCUS, NEED_FOCUS
from benchmark.screen import screen as screen_default
from benchmark.store import processed_path, read_table, write_tables


def screen(year: int, **kwargs: object) -> pl.DataFrame:
    """The library's screening with version 0.1's method: what the baseline implements."""
    return screen_default(year, method=Method.legacy(), **kwargs)  # type: ignore[arg-type]

N_MUNICIPALITIES = 50
YEARS = [2024, 2021]  # 2021 holds the demo's all-missing municipality-year


@pytest.fixture(scope="module")
def subset(demo_data: Settings, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Processed demo tables cut to ~50 municipalities (+ Riket): every municipality with a
    suppressed or missing cell in ``YEARS``, the two planted municipalities (Demoby's
    deviations, Demostad's need-driven daglig verksamhet) and
    the first codes up to 50, so the check covers every status and flag direction in a few
    seconds."""
    lss = read_table("lss", demo_data)
    odd = lss.filter((pl.col("status") != "ok") & pl.col("year").is_in(YEARS)
                     )["municipality"].unique().sort().to_list()
    codes = sorted(set(odd) | {DEMO_FOCUS, NEED_FOCUS})
    for code in lss["municipality"].unique().sort().to_list():
        if len(codes) >= N_MUNICIPALITIES:
            break
        if code != RIKET and code not in codes:
            codes.append(code)
    keep = [RIKET, *codes]
    out = get_settings(data_dir=tmp_path_factory.mktemp("bench") / "data")
    tables = {name: read_table(name, demo_data).filter(pl.col(col).is_in(keep))
              for name, col in (("lss", "municipality"), ("population", "municipality"),
                                ("municipalities", "municipality"),
                                ("kpi_values", "municipality"), ("peer_groups", "member"))}
    write_tables(tables, out, synthetic=True)  # a cut of the demo: no raw snapshots of its own
    return out


@pytest.mark.parametrize("year", YEARS)
def test_baseline_agrees_with_library(subset: Settings, year: int) -> None:
    library = screen(year, settings=subset)
    baseline = screen_pandas(year, processed_path("lss", subset).parent)
    result = compare_tables(library, baseline)
    assert result.missing_rows == 0
    n = read_table("municipalities", subset).height - 1
    assert n >= N_MUNICIPALITIES
    assert result.rows == library.height == n * 10
    assert result.ok, result.summary() + f" {result.examples}"
    # the subset exercises what matters: flags both ways, OD adjustment, unassessed rows
    flags = set(baseline["flag"])
    assert {"higher", "lower", "similar"} <= flags
    assert baseline["od_adjusted"].any()
    assert (baseline["flag"] == "not_assessed").any()
    if year == 2021:  # the demo's all-missing municipality-year
        assert (baseline["flag_reason"] == "missing in Kolada").sum() == 10
    assert set(baseline["status"]) >= {"ok", "suppressed"}


def test_agreement_catches_a_wrong_baseline(subset: Settings) -> None:
    library = screen(2024, settings=subset)
    baseline = screen_pandas(2024, processed_path("lss", subset).parent)
    row = int(np.flatnonzero(baseline["flag"].to_numpy() == "similar")[0])
    wrong = baseline.copy()
    wrong.loc[row, "flag"] = "higher"
    wrong.loc[row, "p_value"] = wrong.loc[row, "p_value"] * (1 + 1e-6)
    result = compare_tables(library, wrong)
    assert not result.ok and not result.primary_ok
    assert result.mismatches["flag"] == 1 and result.mismatches["p_value"] == 1
    assert result.examples["flag"][0]["baseline"] == "higher"
    assert sum(result.mismatches.values()) == 2
    assert set(result.mismatches) == set(FLOAT_COLUMNS) | set(EXACT_COLUMNS)
    dropped = compare_tables(library, baseline.iloc[1:])
    assert dropped.missing_rows == 1 and not dropped.ok


def test_measure_sees_a_child_allocation() -> None:
    code = ("import time; b = bytearray(300 * 1024 * 1024)\n"
            "for i in range(0, len(b), 4096): b[i] = 1\n"
            "time.sleep(0.3); raise SystemExit(3)")
    m = run_measured([sys.executable, "-c", code], interval=0.01)
    assert m.returncode == 3
    assert 300 <= m.hwm_mb < 450
    assert m.peak_mb >= 300 and m.tree_peak_mb >= 300
    assert m.wall_s >= 0.3


def test_step_targets_and_table() -> None:
    fast = StepResult("screen (library, legacy method)", [0.08, 0.09, 0.085], 250.0, 250.0,
                      250.0)
    slow = StepResult("process (10 years)", [2.0, 1.6, 1.8], 300.0, 300.0, 300.0)
    heavy = StepResult("report (CLI subprocess)", [5.0], 1500.0, 800.0, 1400.0)
    big = StepResult("screen (library, legacy method)", [0.05], 320.0, 320.0,
                     320.0)  # < 0.1 s, > 300 MB
    default = StepResult("screen (library)", [0.26, 0.3, 0.28], 300.0, 300.0, 300.0)
    assert default.ok is True and default.target_s == 0.5  # the default method: < 0.5 s
    assert fast.median == 0.085 and fast.ok is True
    assert slow.median == 1.8 and slow.ok is False  # 1.5 s target
    assert heavy.ok is False and big.ok is False  # memory targets
    table = format_table([fast, slow, heavy], 54.0, True)
    lines = table.splitlines()
    assert lines[2].split()[4:7] == ["0.085", "0.080", "0.090"]
    assert lines[2].split()[-1] == "yes" and lines[3].split()[-1] == "NO"
    assert lines[4].split()[-1] == "NO"
    assert "54.0×" in lines[-1] and "≥ 50×" in lines[-1] and lines[-1].split()[-1] == "yes"
    assert lines[-1].startswith("speed-up legacy vs pandas")
