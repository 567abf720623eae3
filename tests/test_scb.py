"""SCB planning under maxDataCells and json-stat2 parsing against real recordings."""

from __future__ import annotations

import json
import math

import polars as pl
import pytest

from benchmark.sources import scb
from benchmark.sources.http import InvalidBody

REGIONS = ["00", *[f"{i:04d}" for i in range(114, 114 + 290)]]


def _load(shared_data, name: str) -> dict:
    return json.loads((shared_data / "scb/pxweb_v2" / name).read_text(encoding="utf-8"))


def test_parse_real_tab638(shared_data) -> None:
    data = _load(shared_data, "TAB638_data.json")
    raw = scb.parse_jsonstat(data)
    assert raw.columns == ["Region", "Civilstand", "Alder", "Kon", "ContentsCode", "Tid",
                           "value", "status"]
    pop = scb.parse_population(data, "scb/population/x-p1")
    assert pop.rows() == [("0000", 2024, "M", 0, 50937, None, "scb/population/x-p1")]
    assert dict(pop.schema) == scb.POPULATION_SCHEMA


def test_parse_real_tab6471_row_major(shared_data) -> None:
    data = _load(shared_data, "TAB6471_data.json")
    df = scb.parse_jsonstat(data)
    assert df.height == 21 * 11 * 3 * 1 * 4 == len(data["value"])
    # value[0..3] = Stockholms län, 0-9, totalt, 2026M01-M04; value[4..7] = same for män
    assert df["value"][:8].to_list() == [245284, 247245, 249358, 251635,
                                         125373, 126402, 127502, 128675]
    first = df.row(4, named=True)
    assert (first["Region"], first["Alder"], first["Kon"], first["Tid"]) == (
        "01", "0-9", "1", "2026M01")
    # an arbitrary cell: index from the dimension indices, last dimension fastest
    dims = data["dimension"]
    r, a, k, t = "03", "10-19", "2", "2026M03"
    pos = (((dims["Region"]["category"]["index"][r] * 11 + dims["Alder"]["category"]["index"][a])
            * 3 + dims["Kon"]["category"]["index"][k]) * 1) * 4 + dims["Tid"]["category"][
        "index"][t]
    cell = df.filter((pl.col("Region") == r) & (pl.col("Alder") == a) & (pl.col("Kon") == k)
                     & (pl.col("Tid") == t))
    assert cell["value"].to_list() == [data["value"][pos]]
    assert df["status"].null_count() == df.height  # no status key in this response


def test_status_symbols_are_kept_and_values_null() -> None:
    data = {
        "version": "2.0", "class": "dataset", "id": ["Region", "Alder", "Kon", "Tid"],
        "size": [2, 1, 2, 1],
        "dimension": {
            "Region": {"category": {"index": {"00": 0, "2482": 1}}},
            "Alder": {"category": {"index": {"100+": 0}}},
            "Kon": {"category": {"index": ["1", "2"]}},
            "Tid": {"category": {"index": {"2024": 0}}},
        },
        "value": [10, 12, None, 3], "status": {"2": ".."},
    }
    pop = scb.parse_population(data, "s")
    assert pop.select("municipality", "sex", "age", "population", "status").rows() == [
        ("0000", "M", 100, 10, None), ("0000", "K", 100, 12, None),
        ("2482", "M", 100, None, ".."), ("2482", "K", 100, 3, None)]


def test_population_is_the_december_month() -> None:
    """A TAB6471 answer holding more months than December (an SCB that ignored the Tid
    selection) gives the 31 December figures, not one row per month for the same year."""
    data = {
        "version": "2.0", "class": "dataset", "id": ["Region", "Alder", "Kon", "Tid"],
        "size": [1, 1, 1, 3],
        "dimension": {
            "Region": {"category": {"index": {"2482": 0}}},
            "Alder": {"category": {"index": {"7": 0}}},
            "Kon": {"category": {"index": ["2"]}},
            "Tid": {"category": {"index": ["2025M11", "2025M12", "2026M01"]}},
        },
        "value": [801, 803, 799],
    }
    pop = scb.parse_population(data, "s")
    assert pop.select("municipality", "year", "sex", "age", "population").rows() == [
        ("2482", 2025, "K", 7, 803)]


def test_a_header_of_another_shape_is_named(shared_data) -> None:
    """The real TAB638 answer with one change each: the message says what differs."""
    for change, said in (
            (lambda d: d["size"].pop(), "'id' names 6 dimensions (Region, Civilstand, Alder, "
             "Kon, ContentsCode, Tid), 'size' has 5"),
            (lambda d: d["dimension"].pop("Kon"), "'dimension' lacks Kon (it has Region, "
             "Civilstand, Alder, ContentsCode, Tid)"),
            (lambda d: d.pop("id"), "'id' is absent, expected a list")):
        data = _load(shared_data, "TAB638_data.json")
        change(data)
        with pytest.raises(InvalidBody) as err:
            scb.validate_jsonstat(data)
        assert str(err.value) == f"json-stat2 id/size/dimension do not match: {said}"


def test_sparse_values_and_validation() -> None:
    base = {"version": "2.0", "class": "dataset", "id": ["Tid"], "size": [3],
            "dimension": {"Tid": {"category": {"index": ["2022", "2023", "2024"]}}}}
    df = scb.parse_jsonstat({**base, "value": {"0": 1, "2": 5}})
    assert df["value"].to_list() == [1.0, None, 5.0]
    with pytest.raises(InvalidBody, match="values"):
        scb.validate_jsonstat({**base, "value": [1, 2]})  # truncated value array
    with pytest.raises(InvalidBody):
        scb.validate_jsonstat({"class": "collection"})
    with pytest.raises(InvalidBody):
        scb.validate_jsonstat({**base, "size": [4], "value": [1, 2, 3, 4]})


def test_limits_from_real_config(shared_data) -> None:
    cfg = _load(shared_data, "config.json")
    scb.validate_config(cfg)
    assert scb.limits_from_config(cfg) == (150000, 3, 1.0)  # pxwebpy edited the call limit
    assert scb.limits_from_config({"maxDataCells": 800000, "maxCallsPerTimeWindow": 0,
                                   "timeWindow": 0}) == (800000, 30, 10.0)
    with pytest.raises(InvalidBody):
        scb.validate_config({"maxDataCells": "many"})


@pytest.mark.parametrize("years", [list(range(2015, 2025)), list(range(2010, 2026)), [2024],
                                   [2025], [2019, 2021, 2024]])
def test_population_plan_is_minimal_and_complete(years) -> None:
    plan = scb.plan_population("http://s/api/v2", years, REGIONS, 150_000)
    seen = set()
    for req in plan:
        sel = {s["variableCode"]: s["valueCodes"] for s in req.body["selection"]}
        cells = math.prod(len(v) for v in sel.values())
        assert cells <= 150_000
        assert sel["Alder"] == [*map(str, range(100)), "100+"] and sel["Kon"] == ["1", "2"]
        table = dict(req.info)["table"]
        assert req.url.endswith(f"/tables/{table}/data?lang=sv&outputFormat=json-stat2")
        for t in sel["Tid"]:
            year = int(t[:4])
            assert (table == "TAB638") == (year <= 2024)
            assert t == (str(year) if table == "TAB638" else f"{year}M12")
            seen.update((r, year) for r in sel["Region"])
    assert seen == {(r, y) for r in REGIONS for y in years}
    assert len(seen) == sum(
        math.prod(len(s["valueCodes"]) for s in r.body["selection"]) for r in plan) // 202
    assert len(plan) == scb.min_population_requests(years, len(REGIONS), 150_000)


def test_fifteen_years_need_four_requests_for_2015_2024() -> None:
    # 291 x 101 x 2 x 10 = 587 820 cells -> ceil(587 820 / 150 000) = 4
    assert scb.min_population_requests(range(2015, 2025), 291) == 4
    assert len(scb.plan_population("u", range(2015, 2025), REGIONS)) == 4


def test_tiny_cell_limit_splits_regions() -> None:
    plan = scb.plan_population("u", [2023, 2024], REGIONS, max_cells=202 * 50)
    assert all(len(r.body["selection"][0]["valueCodes"]) <= 50 for r in plan)
    assert len(plan) == 2 * math.ceil(291 / 50)
