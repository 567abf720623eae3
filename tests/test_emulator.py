"""The in-process Kolada v3 / SCB PxWebApi 2.0 emulator speaks the real wire formats."""

from __future__ import annotations

import json

import httpx
import polars as pl
import pytest

from benchmark.sources import kolada, scb
from benchmark.sources.emulator import ApiEmulator
from tests.apidata import population_value, small_dataset


@pytest.fixture(scope="module")
def emu() -> ApiEmulator:
    ds = small_dataset([2023, 2024], privacy={("2482", 2024, "N28810")})
    return ApiEmulator(ds, max_per_page=7, max_cells=500)


def _get(emu: ApiEmulator, url: str) -> tuple[int, dict, dict]:
    status, headers, body = emu.handle("GET", url)
    return status, headers, json.loads(body)


def _post(emu: ApiEmulator, url: str, selection: list[dict]) -> tuple[int, dict]:
    status, _h, body = emu.handle("POST", url, json.dumps({"selection": selection}).encode())
    return status, json.loads(body)


def test_kolada_paging_follows_next_url(emu) -> None:
    url = "http://k/v3/data/kpi/N28801,N28820/year/2023,2024?per_page=7"
    items, pages = [], 0
    while url:
        status, headers, data = _get(emu, url)
        assert status == 200 and headers["X-Synthetic-Data"] == "demo"
        kolada.validate_data(data)
        assert data["count"] == 2 * 2 * 4 and len(data["values"]) <= 7
        items += data["values"]
        pages += 1
        url = data["next_url"]
    assert pages == 3
    assert len({(i["kpi"], i["municipality"], i["period"]) for i in items}) == 16
    first = next(i for i in items if i["kpi"] == "N28801" and i["municipality"] == "2482"
                 and i["period"] == 2024)
    ds = emu.dataset.kolada_values.filter((pl.col("kpi") == "N28801")
                                          & (pl.col("municipality") == "2482")
                                          & (pl.col("year") == 2024))
    assert first["values"][0]["value"] == ds["value"][0]


def test_kolada_privacy_status_and_gender(emu) -> None:
    _s, _h, data = _get(emu, "http://k/v3/data/kpi/N28810,N28891/municipality/2482/year/2024")
    by_kpi = {i["kpi"]: i["values"] for i in data["values"]}
    assert by_kpi["N28810"] == [{"gender": "T", "count": 1, "status": "Privacy", "value": None,
                                 "isdeleted": False}]
    assert sorted(v["gender"] for v in by_kpi["N28891"]) == ["K", "M", "T"]


def test_kolada_segment_limit_is_enforced(emu) -> None:
    kpis = ",".join(f"N{i}" for i in range(26))
    status, headers, data = _get(emu, f"http://k/v3/data/kpi/{kpis}/year/2024")
    assert status == 422 and headers["Content-Type"] == "application/problem+json"
    assert "26 > 25" in data["detail"]
    years = ",".join(str(y) for y in range(1990, 2016))
    assert _get(emu, f"http://k/v3/data/kpi/N28801/year/{years}")[0] == 422
    assert _get(emu, "http://k/v3/data/kpi/N28801")[0] == 400  # needs two of three
    # per_page above the limit is refused too (v3 answers 422), not silently capped
    status, _h, data = _get(emu, "http://k/v3/data/kpi/N28801/year/2024?per_page=8")
    assert status == 422 and "per_page 8 is above the maximum 7" in data["detail"]


def test_kolada_metadata(emu) -> None:
    _s, _h, munis = _get(emu, "http://k/v3/municipality")
    assert {m["id"]: m["type"] for m in munis["values"]}["0000"] == "L"
    _s, _h, groups = _get(emu, "http://k/v3/municipality_groups/G39684")
    assert groups["values"] == [{"id": "G39684", "title": "Liknande kommuner LSS, Skellefteå, "
                                 "2024", "members": [
                                     {"member_id": "0180", "member_title": "Stockholm"},
                                     {"member_id": "1480", "member_title": "Göteborg"}]}]
    v2 = ApiEmulator(emu.dataset, member_shape="v2")
    _s, _h, old = _get(v2, "http://k/v3/municipality_groups/G39684")
    assert old["values"][0]["members"][0] == {"id": "0180", "title": "Stockholm"}
    with pytest.raises(ValueError, match="member_shape"):
        ApiEmulator(emu.dataset, member_shape="v1")
    _s, _h, kpis = _get(emu, "http://k/v3/kpi/N28891,N28801")
    assert {k["id"]: k["is_divided_by_gender"] for k in kpis["values"]} == {
        "N28801": False, "N28891": True}


def test_scb_config_reports_limits(emu) -> None:
    _s, _h, cfg = _get(emu, "http://s/api/v2/config")
    assert scb.limits_from_config(cfg) == (500, 30, 10.0)


def test_scb_population_roundtrip(emu) -> None:
    sel = [{"variableCode": "Region", "valueCodes": ["00", "2482"]},
           {"variableCode": "Alder", "valueCodes": ["0", "100+"]},
           {"variableCode": "Kon", "valueCodes": ["1", "2"]},
           {"variableCode": "ContentsCode", "valueCodes": ["BE0101N1"]},
           {"variableCode": "Tid", "valueCodes": ["2023", "2024"]}]
    status, data = _post(emu, "http://s/api/v2/tables/TAB638/data?outputFormat=json-stat2", sel)
    assert status == 200 and data["id"] == ["Region", "Alder", "Kon", "ContentsCode", "Tid"]
    pop = scb.parse_population(data)
    assert pop.height == 16
    row = pop.filter((pl.col("municipality") == "2482") & (pl.col("age") == 100)
                     & (pl.col("sex") == "K") & (pl.col("year") == 2023))
    assert row["population"].to_list() == [population_value("2482", 2023, "2", "100+")]
    riket = pop.filter((pl.col("municipality") == "0000") & (pl.col("age") == 0)
                       & (pl.col("sex") == "M") & (pl.col("year") == 2024))
    assert riket["population"].to_list() == [sum(population_value(k, 2024, "1", "0")
                                                 for k in ("0180", "1480", "2482"))]


def test_scb_wildcards_and_errors(emu) -> None:
    url = "http://s/api/v2/tables/TAB638/data?outputFormat=json-stat2"
    sel = [{"variableCode": "Region", "valueCodes": ["????"]},
           {"variableCode": "ContentsCode", "valueCodes": ["BE0101N1"]},
           {"variableCode": "Tid", "valueCodes": ["2024"]}]
    status, data = _post(emu, url, sel)
    assert status == 200 and data["size"] == [3, 1, 1]  # Alder, Kon eliminated (summed)
    assert data["value"][0] == sum(population_value("0180", 2024, s, a) for s in "12"
                                   for a in scb.AGES)
    kommuner = [{"variableCode": "Region", "codelist": "vs_RegionKommun07",
                 "valueCodes": ["*"]}, *sel[1:]]
    status, data = _post(emu, url, kommuner)
    assert status == 200 and list(data["dimension"]["Region"]["category"]["index"]) == [
        "0180", "1480", "2482"]
    status, data = _post(emu, url, [{**kommuner[0], "codelist": "vs_Nope"}, *sel[1:]])
    assert status == 400 and data["title"] == "Non-existent codelist"
    status, data = _post(emu, url, sel[:2])
    assert status == 400 and data["title"] == "Missing selection for mandantory variable"
    big = [{"variableCode": "Region", "valueCodes": ["*"]},
           {"variableCode": "Alder", "valueCodes": list(scb.AGES)},
           {"variableCode": "Kon", "valueCodes": ["1", "2"]}, *sel[1:]]
    status, data = _post(emu, url, big)
    assert status == 400 and data["title"] == "Too many cells selected"
    status, data = _post(emu, url, [{"variableCode": "Region", "valueCodes": ["9999"]},
                                    *sel[1:]])
    assert status == 400 and data["title"] == "Non-existent value"
    assert _get(emu, "http://s/api/v2/tables/TAB999/data")[0] == 404


def test_scb_suppressed_cell_gets_status() -> None:
    ds = small_dataset([2024])
    pop = ds.population.with_columns(
        pl.when((pl.col("region") == "2482") & (pl.col("age") == "100+"))
        .then(None).otherwise(pl.col("population")).alias("population"))
    emu = ApiEmulator(type(ds)(ds.kolada_values, ds.municipalities, ds.groups, ds.kpis, pop,
                               synthetic=False))
    sel = [{"variableCode": "Region", "valueCodes": ["2482"]},
           {"variableCode": "Alder", "valueCodes": ["99", "100+"]},
           {"variableCode": "Kon", "valueCodes": ["1"]},
           {"variableCode": "ContentsCode", "valueCodes": ["BE0101N1"]},
           {"variableCode": "Tid", "valueCodes": ["2024"]}]
    status, headers, body = emu.handle(
        "POST", "http://s/api/v2/tables/TAB638/data?outputFormat=json-stat2",
        json.dumps({"selection": sel}).encode())
    data = json.loads(body)
    assert status == 200
    assert "X-Synthetic-Data" not in headers
    assert data["value"][1] is None and data["status"] == {"1": ".."}


def test_tab6471_serves_december_of_2025() -> None:
    emu = ApiEmulator(small_dataset([2024, 2025]))
    sel = [{"variableCode": "Region", "valueCodes": ["00"]},
           {"variableCode": "Alder", "valueCodes": ["5"]},
           {"variableCode": "Kon", "valueCodes": ["2"]},
           {"variableCode": "ContentsCode", "valueCodes": ["000007SF"]},
           {"variableCode": "Tid", "valueCodes": ["2025M12"]}]
    status, data = _post(emu, "http://s/api/v2/tables/TAB6471/data?outputFormat=json-stat2", sel)
    assert status == 200 and "Cell Key Method" in data["note"][0]
    assert scb.parse_population(data)["year"].to_list() == [2025]
    # TAB638 stops at 2024
    sel638 = [{"variableCode": "Region", "valueCodes": ["00"]},
              {"variableCode": "ContentsCode", "valueCodes": ["BE0101N1"]},
              {"variableCode": "Tid", "valueCodes": ["2025"]}]
    status, _ = _post(emu, "http://s/api/v2/tables/TAB638/data", sel638)
    assert status == 400


def test_transport_plugs_into_httpx(emu) -> None:
    with httpx.Client(transport=emu.transport()) as client:
        r = client.get("http://anything/v3/municipality")
    assert r.status_code == 200 and r.headers["x-synthetic-data"] == "demo"
    assert len(r.json()["values"]) == 5


def test_deleted_entries_are_served_in_the_frame_order() -> None:
    ds = small_dataset([2024])
    live = ds.kolada_values.with_columns(pl.lit(False).alias("isdeleted"))
    stale = live.filter((pl.col("kpi") == "N28801") & (pl.col("municipality") == "2482")
                        ).with_columns(pl.lit(999.0).alias("value"),
                                       pl.lit(True).alias("isdeleted"))
    emu = ApiEmulator(type(ds)(pl.concat([stale, live]), ds.municipalities, ds.groups, ds.kpis,
                               ds.population))
    _s, _h, data = _get(emu, "http://k/v3/data/kpi/N28801/municipality/2482/year/2024")
    entries = data["values"][0]["values"]
    assert [(e["value"], e["isdeleted"]) for e in entries] == [
        (999.0, True), (live.filter((pl.col("kpi") == "N28801")
                                    & (pl.col("municipality") == "2482"))["value"][0], False)]


def test_table_metadata_as_scb_sends_it_and_a_missing_table(emu) -> None:
    _s, _h, meta = _get(emu, "http://s/api/v2/tables/TAB6471/metadata?lang=sv")
    scb.validate_metadata(meta)
    assert meta["value"] == [] and scb.table_years("TAB6471", meta) == []
    _s, _h, meta = _get(emu, "http://s/api/v2/tables/TAB638/metadata?lang=sv")
    assert scb.table_years("TAB638", meta) == [2023, 2024]
    only638 = ApiEmulator(emu.dataset, tables=("TAB638",))
    status, _h, data = _get(only638, "http://s/api/v2/tables/TAB6471/metadata")
    assert status == 404 and data["title"] == "Non-existent table"
