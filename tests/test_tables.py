"""The processed-table catalogue (benchmark.tables) and the extra KPI sets: every reader
checks a table against its schema and names the table and column on a mismatch; a KPI set
added to the catalogue is fetched in the fewest requests and lands in ``kpi_values``
without changing the comparison."""

from __future__ import annotations

import dataclasses
import functools
import math
import shutil
from pathlib import Path

import polars as pl
import pytest

from benchmark import catalog
from benchmark.comparison import load_inputs, screen
from benchmark.config import Settings, get_settings
from benchmark.errors import DataError, InputError
from benchmark.fetch import fetch
from benchmark.process import process
from benchmark.sources import kolada
from benchmark.sources.emulator import ApiDataset, ApiEmulator
from benchmark.store import read_table, write_tables
from benchmark.tables import PROCESSED_TABLES, TABLES, check_table, schema
from tests.apidata import small_dataset

YEARS = [2023, 2024]
NEED_KPIS = {"N01702": "Need indicator A", "N18803": "Need indicator B",
             "N01703": "Need indicator C"}


def test_the_catalogue_is_the_processed_set() -> None:
    assert PROCESSED_TABLES == ("lss", "population", "municipalities", "peer_groups",
                                "kpi_values", "kpis")
    assert [t for t, s in TABLES.items() if s.optional] == ["peer_groups", "kpi_values",
                                                            "kpis"]
    for table in TABLES.values():
        assert set(table.keys) <= set(table.required), table.name
        assert table.empty().columns == list(table.dtypes)
    with pytest.raises(InputError, match="unknown processed table 'costs'; tables: lss, "):
        schema("costs")
    with pytest.raises(InputError, match="processed table lss has no column 'x'; its columns: "
                       "municipality, year, category"):
        check_table("lss", pl.DataFrame(), ["x"])


def test_the_writer_takes_only_catalogue_tables(tmp_path: Path) -> None:
    """A table the catalogue does not know is refused before anything is written."""
    settings = get_settings(data_dir=tmp_path / "data")
    munis = pl.DataFrame({"municipality": ["0180"], "name": ["Demoby"], "type": ["K"]})
    with pytest.raises(InputError, match="unknown processed table 'costs'; tables: lss, "
                       "population, municipalities, peer_groups, kpi_values"):
        write_tables({"municipalities": munis, "costs": munis}, settings, synthetic=True)
    assert not settings.processed_dir.exists() or not any(settings.processed_dir.iterdir())


def test_check_names_table_and_column_and_casts_only_integers() -> None:
    munis = pl.DataFrame({"municipality": ["0180"], "name": ["Demoby"]})
    with pytest.raises(DataError, match=r"processed table municipalities \(here\) lacks column "
                       r"'name' \(String\); run `make process` again"):
        check_table("municipalities", munis.drop("name"), source="here")
    pop = pl.DataFrame({"municipality": ["0180"], "year": [2024], "age": [3]})  # Int64
    checked = check_table("population", pop, ["municipality", "year", "age"])
    assert checked.schema == {"municipality": pl.String, "year": pl.Int32, "age": pl.Int16}
    with pytest.raises(DataError, match=r"processed table population: column 'year' is "
                       r"String, expected Int32"):
        check_table("population", pop.with_columns(pl.col("year").cast(pl.String)),
                    ["municipality", "year"])
    with pytest.raises(DataError, match="column 'value' is String, expected Float64"):
        check_table("kpi_values", pl.DataFrame({"value": ["12"]}), ["value"])
    # an optional column may be absent from a whole table, not from a table read for it
    assert check_table("municipalities", munis).columns == ["municipality", "name"]
    with pytest.raises(DataError, match="lacks column 'type'"):
        check_table("municipalities", munis, ["municipality", "type"])


def test_validate_refuses_duplicate_keys_and_bad_codes() -> None:
    groups = TABLES["peer_groups"]
    row = {"group_id": ["G1"], "title": ["T"], "kind": ["other"], "member": ["0180"]}
    with pytest.raises(DataError, match=r"peer_groups: duplicate keys \['group_id', "
                       r"'member'\], e.g. \('G1', '0180', 2\)"):
        groups.validate(pl.concat([pl.DataFrame(row)] * 2))
    with pytest.raises(DataError, match="peer_groups: member codes must have 4 characters"):
        groups.validate(pl.DataFrame({**row, "member": ["180"]}))


def _set_with(settings: Settings, tmp_path: Path, name: str, df: pl.DataFrame) -> Settings:
    """A copy of the processed data with table ``name`` replaced by ``df``."""
    data = tmp_path / "data"
    shutil.copytree(settings.data_dir, data, symlinks=True)
    copy = get_settings(data_dir=data)
    write_tables({name: df}, copy, synthetic=True)
    return copy


def test_readers_name_the_table_and_column(demo_data: Settings, tmp_path: Path) -> None:
    pop = read_table("population", demo_data)
    bad = _set_with(demo_data, tmp_path, "population", pop.drop("age"))
    with pytest.raises(DataError, match=r"processed table population \(.*population\.parquet\) "
                       r"lacks column 'age' \(Int16\)"):
        load_inputs(bad)
    with pytest.raises(DataError, match="lacks column 'age'"):
        read_table("population", bad)


def test_an_absent_optional_table_reads_empty_with_its_columns(demo_data: Settings,
                                                               tmp_path: Path) -> None:
    part = get_settings(data_dir=tmp_path / "data")
    shutil.copytree(demo_data.raw_dir, part.raw_dir)
    write_tables({t: read_table(t, demo_data) for t in ("lss", "population", "municipalities")},
                 part, synthetic=True)
    inputs = load_inputs(part)
    assert inputs.kpi_values.height == 0 and inputs.costs.height == 0
    assert inputs.costs.columns == ["municipality", "year", "kpi", "value", "status"]
    assert inputs.peer_groups.columns == list(TABLES["peer_groups"].dtypes)


def test_costs_are_the_cost_kpis_of_kpi_values(demo_data: Settings) -> None:
    inputs = load_inputs(demo_data)
    values = read_table("kpi_values", demo_data)
    assert set(values["kpi"]) == set(catalog.extra_kpis()) > set(catalog.COST_KPIS)
    totals = values.filter((pl.col("gender") == "T")
                           & pl.col("kpi").is_in(list(catalog.COST_KPIS)))
    assert inputs.costs.height == totals.height == 6 * 291 * 10
    assert inputs.costs.equals(totals.select("municipality", "year", "kpi", "value", "status"))


def _with_need_set(monkeypatch: pytest.MonkeyPatch, kpis: dict[str, str]) -> None:
    extra = catalog.KpiSet("need", "Need indicators (test)", kpis)
    monkeypatch.setattr(catalog, "EXTRA_KPI_SETS", (*catalog.EXTRA_KPI_SETS, extra))


def _fewest_pages(n_kpis: int, rows_per_kpi: int) -> int:
    """Brute force over every split of n_kpis into chunks of ≤ 25 (a chunk's pages are
    ⌈size × rows / 5 000⌉): the true fewest, which the bound ⌈n × rows / 5 000⌉ need not
    reach (59 KPIs × 16 years: bound 55, fewest 56)."""
    @functools.cache
    def best(n: int, cap: int) -> int:  # chunks in non-increasing size: every split once
        if n == 0:
            return 0
        return min(math.ceil(s * rows_per_kpi / 5000) + best(n - s, s)
                   for s in range(min(cap, n), 0, -1))
    return best(n_kpis, 25)


@pytest.mark.parametrize("n_extra", [0, 3, 38])
@pytest.mark.parametrize("years", [list(range(2015, 2025)), list(range(2010, 2026))])
def test_added_kpi_sets_keep_the_fewest_requests(monkeypatch: pytest.MonkeyPatch,
                                                 n_extra: int, years: list[int]) -> None:
    """Each KPI × year is asked for once, ≤ 25 ids per path segment, in as many pages as
    the rows need at 5 000 per page: a chunk of KPIs cannot share a page with another."""
    _with_need_set(monkeypatch, {f"N9{i:04d}": f"KPI {i}" for i in range(n_extra)})
    kpis = catalog.all_kpis()
    assert len(kpis) == 59 + n_extra and kpis[-n_extra or len(kpis):] == [
        f"N9{i:04d}" for i in range(n_extra)]
    plan = kolada.plan_data("http://k/v3", kpis, years, n_units=291)
    asked = [(k, y) for r in plan for k in dict(r.info)["kpis"] for y in dict(r.info)["years"]]
    assert sorted(asked) == sorted((k, y) for k in kpis for y in years)
    assert all(len(dict(r.info)["kpis"]) <= 25 for r in plan)
    pages = sum(math.ceil(len(dict(r.info)["kpis"]) * len(dict(r.info)["years"]) * 291 / 5000)
                for r in plan)
    fewest = sum(_fewest_pages(len(kpis), len(ys) * 291) for ys in kolada.chunk(years))
    assert pages == fewest


def test_an_added_kpi_set_lands_in_kpi_values(monkeypatch: pytest.MonkeyPatch,
                                              tmp_path: Path) -> None:
    """Issue 13's need indicators (the catalogue's ``need`` set): fetch asks for them,
    process keeps every gender; without the set nothing of them is fetched, and the
    age-adjusted comparison is the same either way."""
    base = small_dataset(YEARS)
    need = pl.DataFrame([(k, m, y, g, float(i + 10 * j), "", 1)
                         for i, k in enumerate(NEED_KPIS) for j, m in enumerate(
                             ["0000", "0180", "1480", "2482"])
                         for y in YEARS for g in ("T", "K", "M")],
                        schema=base.kolada_values.schema, orient="row")
    ds = ApiDataset(pl.concat([base.kolada_values, need]), base.municipalities, base.groups,
                    base.kpis, base.population, True)

    def processed(folder: str) -> Settings:
        settings = get_settings(data_dir=tmp_path / folder, kolada_url="http://kolada.test/v3",
                                scb_url="http://scb.test/api/v2")
        fetch(YEARS, settings=settings, transport=ApiEmulator(ds).transport(), progress=False)
        process(settings=settings)
        return settings

    after = processed("after")
    monkeypatch.setattr(catalog, "EXTRA_KPI_SETS",
                        tuple(k for k in catalog.EXTRA_KPI_SETS if k.id != "need"))
    before = processed("before")
    values = read_table("kpi_values", after)
    got = values.filter(pl.col("kpi").is_in(list(NEED_KPIS)))
    assert got.height == 3 * 4 * 2 * 3 and set(got["gender"]) == {"T", "K", "M"}
    assert got.filter((pl.col("kpi") == "N18803") & (pl.col("municipality") == "1480")
                      & (pl.col("gender") == "K"))["value"].to_list() == [21.0, 21.0]
    assert read_table("kpi_values", before).filter(
        pl.col("kpi").is_in(list(NEED_KPIS))).height == 0
    assert load_inputs(after).costs.equals(load_inputs(before).costs)
    a, b = screen(2024, settings=before), screen(2024, settings=after)
    need = [c for c in a.columns if c.startswith("need_")]
    assert a.drop("method", *need).equals(b.drop("method", *need))
    # four municipalities with indicators are too few for the need model
    assert set(b["need_flag"]) == {"not_assessed"}


def test_schema_dataclass_is_frozen() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        TABLES["lss"].name = "x"  # type: ignore[misc]


def test_need_kpis_missing_on_the_server(tmp_path: Path) -> None:
    """Kolada answers the need indicators with no values (as for a KPI it does not know):
    the fetch and process complete, the age-adjusted comparison is the same as without
    the need adjustment, and every need column says why it is not assessed."""
    base = small_dataset(YEARS)
    need = list(catalog.KPI_SETS["need"].kpis)
    assert base.kolada_values.filter(pl.col("kpi").is_in(need)).height == 0
    ds = ApiDataset(base.kolada_values, base.municipalities, base.groups,
                    base.kpis.filter(~pl.col("id").is_in(need)), base.population, True)
    settings = get_settings(data_dir=tmp_path / "data", kolada_url="http://kolada.test/v3",
                            scb_url="http://scb.test/api/v2")
    summary = fetch(YEARS, settings=settings, transport=ApiEmulator(ds).transport(),
                    progress=False)
    assert not summary.missing
    process(settings=settings)
    assert read_table("kpi_values", settings).filter(pl.col("kpi").is_in(need)).height == 0
    from benchmark.comparison import Method, compare

    table = compare("2482", 2024, settings=settings)
    off = compare("2482", 2024, settings=settings, method=Method(need_model="none"))
    same = ["observed", "expected", "ratio", "ratio_lower", "ratio_upper", "flag",
            "composition_effect", "other_effect"]
    assert table.select(same).equals(off.select(same))
    assert set(table["need_flag"]) == {"not_assessed"}
    reasons = set(table["need_reason"])
    assert reasons == {
        "indicator N01702 (aktivitetsersattning) has no values for 2024 or the 2 years before "
        "in the data (not published, or not fetched)",
        "indicator N18803 (anpassad_grundskola) has no values for 2024 or the 2 years before "
        "in the data (not published, or not fetched)"}
