"""benchmark.comparison.inputs: the one place that knows which years and municipalities the
data hold, and the year checks of benchmark.catalog that need no data."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from benchmark.catalog import check_year, check_years
from benchmark.comparison import available_years, load_inputs
from benchmark.comparison.inputs import year_span
from benchmark.config import FIRST_YEAR, LAST_YEAR, Settings
from benchmark.errors import DataError, InputError
from tests import processed_fixture as fx


@pytest.fixture(scope="module")
def data_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return fx.write_processed(tmp_path_factory.mktemp("data"))


def test_years_and_register(data_settings: Settings) -> None:
    inputs = load_inputs(data_settings)
    assert inputs.years == tuple(fx.YEARS)
    assert inputs.register() == fx.CODES  # Riket is not a municipality
    assert inputs.synthetic and inputs.origin == "syntetiska demodata"


def test_a_year_needs_an_assessable_municipality_row() -> None:
    lss = pl.DataFrame({
        "municipality": ["0000", "0001", "0001", "0001", "0001"],
        "year": [2018, 2019, 2020, 2021, 2022],
        "category": ["boende", "boende", "boende", "totalt_0_22", "boende"],
        "status": ["ok", "ok", "missing", "ok", "suppressed"],
    })
    # 2018 only Riket, 2020 only missing, 2021 only an auxiliary row, 2022 only suppressed
    assert available_years(lss) == (2019,)


def test_check_year_against_the_data(data_settings: Settings) -> None:
    inputs = load_inputs(data_settings)
    assert inputs.check_year(2021) == 2021
    assert inputs.check_year(" 2021 ") == 2021
    for bad in (2015, "2021x", 2031):
        with pytest.raises(InputError) as err:
            inputs.check_year(bad)
        assert str(err.value) == (f"year {bad!r} is not in the data; available years: "
                                  "2019–2023")


def test_check_municipality(data_settings: Settings) -> None:
    inputs = load_inputs(data_settings)
    assert inputs.check_municipality("0004") == "0004"
    with pytest.raises(InputError, match="0000 is Riket"):
        inputs.check_municipality("0000")
    with pytest.raises(InputError, match="did you mean 0004"):
        inputs.check_municipality("004")
    with pytest.raises(InputError, match="not among the 12 municipalities"):
        inputs.check_municipality("0099")


def test_no_municipality_rows_is_a_data_error(tmp_path: Path) -> None:
    only_riket = fx.tables()["lss"].filter(pl.col("municipality") == "0000")
    inputs = load_inputs(fx.write_processed(tmp_path, replace={"lss": only_riket}))
    assert inputs.years == ()
    with pytest.raises(DataError, match="no municipality rows"):
        inputs.check_year(2023)


def test_manifest_without_origin_is_refused(tmp_path: Path) -> None:
    s = fx.write_processed(tmp_path)
    manifest = s.processed_dir / "current" / "manifest.json"
    data = json.loads(manifest.read_text())
    del data["synthetic"]
    manifest.write_text(json.dumps(data))
    with pytest.raises(DataError, match="origin of the data is unknown"):
        load_inputs(s)


def test_year_checks_without_data() -> None:
    assert check_year("2024") == 2024
    assert check_year(FIRST_YEAR) == FIRST_YEAR
    with pytest.raises(InputError, match=f"valid years are {FIRST_YEAR}–{LAST_YEAR}"):
        check_year(LAST_YEAR + 1)
    for bad in ("20x4", None, True):
        with pytest.raises(InputError, match="give a four-digit year such as 2024"):
            check_year(bad)
    assert check_years([2024, 2015, 2024]) == [2015, 2024]
    with pytest.raises(InputError, match=r"year\(s\) 2001, 2040 out of range"):
        check_years([2001, 2015, 2040])
    with pytest.raises(InputError, match="no years given"):
        check_years([])


def test_year_span() -> None:
    assert year_span([2015, 2016, 2017]) == "2015–2017"
    assert year_span([2015, 2016]) == "2015, 2016"
    assert year_span([2015, 2017, 2018]) == "2015, 2017, 2018"
