"""Without a year, ``compare``, ``screen`` and ``report`` use the newest year in the
processed data and say which; ``--year`` still pins one.

The data: the synthetic demo country with data through 2025 (population for 2025 from the
TAB6471 path), fetched from the emulator without years and processed.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl
import pytest

from benchmark.cli import main
from benchmark.compare import compare, history
from benchmark.config import get_settings
from benchmark.demo import generate_dataset
from benchmark.fetch import fetch
from benchmark.process import process
from benchmark.screen import latest_year, screen
from benchmark.sources.emulator import ApiEmulator
from benchmark.store import read_table, write_table

YEARS = list(range(2015, 2026))


@pytest.fixture(scope="module")
def through_2025(tmp_path_factory):
    settings = get_settings(data_dir=tmp_path_factory.mktemp("y") / "data",
                            kolada_url="http://k.test/v3", scb_url="http://s.test/api/v2")
    emu = ApiEmulator(generate_dataset(years=range(YEARS[0], YEARS[-1] + 1)))
    summary = fetch(settings=settings, transport=emu.transport(), today=date(2026, 12, 2),
                    progress=False)
    assert summary.years == YEARS
    process(settings=settings)
    return settings


def test_library_defaults_to_the_newest_year(through_2025) -> None:
    assert latest_year(through_2025) == 2025
    assert compare("2482", settings=through_2025)["year"].unique().to_list() == [2025]
    assert screen(settings=through_2025)["year"].unique().to_list() == [2025]
    assert max(history("2482", settings=through_2025)["year"]) == 2025
    assert compare("2482", 2024, settings=through_2025)["year"].unique().to_list() == [2024]


def test_newest_year_needs_population(through_2025, tmp_path) -> None:
    """A year with LSS values but no population (SCB not yet published) is not chosen."""
    settings = get_settings(data_dir=tmp_path)
    for name in ("lss", "municipalities", "peer_groups", "kpi_values"):
        write_table(name, read_table(name, through_2025), settings)
    pop = read_table("population", through_2025)
    write_table("population", pop.filter(pl.col("year") < 2025), settings, synthetic=True)
    assert latest_year(settings) == 2024


def test_cli_without_year_says_which(through_2025, tmp_path, capsys) -> None:
    data = ["--data-dir", str(through_2025.data_dir)]
    assert main(["compare", "--kommun", "2482", "--format", "csv", *data]) == 0
    out, err = capsys.readouterr()
    assert err.strip() == (f"year: 2025 (the newest year in {through_2025.processed_dir} with "
                           "LSS values and population; choose another with --year or YEAR=)")
    assert set(pl.read_csv(out.encode(), schema_overrides={"municipality": pl.String})["year"]
               ) == {2025}
    target = tmp_path / "screening-{year}.csv"
    assert main(["screen", "--format", "csv", "--out", str(target), *data]) == 0
    assert set(pl.read_csv(tmp_path / "screening-2025.csv", infer_schema=False)["year"]) == {"2025"}
    assert "year: 2025 (the newest year" in capsys.readouterr().err
    assert main(["screen", "--year", "2024", "--format", "csv", "--out", str(target),
                 *data]) == 0
    assert "year:" not in capsys.readouterr().err  # a pinned year is not announced
    assert set(pl.read_csv(tmp_path / "screening-2024.csv", infer_schema=False)["year"]) == {"2024"}


def test_report_without_year_builds_the_newest(through_2025, tmp_path, capsys) -> None:
    data = ["--data-dir", str(through_2025.data_dir), "--out", str(tmp_path)]
    assert main(["report", "--kommun", "2482", *data]) == 0
    out, err = capsys.readouterr()
    assert "year: 2025 (the newest year" in err
    assert out.strip() == f"report written: {tmp_path / 'lss-2482-2025-sv-DEMO.html'}"
    assert main(["report", "--kommun", "2482", "--year", "2024", *data]) == 0
    assert Path(tmp_path / "lss-2482-2024-sv-DEMO.html").is_file()
    html = (tmp_path / "lss-2482-2025-sv-DEMO.html").read_text(encoding="utf-8")
    assert "1 oktober 2025" in html
