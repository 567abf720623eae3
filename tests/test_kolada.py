"""Kolada planning, validation and parsers, checked against the real recordings."""

from __future__ import annotations

import math
from collections import Counter

import polars as pl
import pytest

from benchmark.catalog import all_kpis
from benchmark.process import _status
from benchmark.sources import kolada
from benchmark.sources.http import InvalidBody


def _envelope(items: list[dict]) -> dict:
    return {"values": items, "count": len(items), "next_url": None, "previous_url": None}


def _values_envelope(df: pl.DataFrame) -> dict:
    """Real flattened Kolada value rows turned back into a v3 data envelope."""
    items: dict[tuple, dict] = {}
    for r in df.iter_rows(named=True):
        key = (r["kpi"], r["municipality_id"], r["year"])
        obj = items.setdefault(key, {"kpi": r["kpi"], "municipality": r["municipality_id"],
                                     "period": r["year"], "values": []})
        value = r["value"]
        obj["values"].append({"gender": r["gender"], "count": r["count"],
                              "status": r["status"] or "",
                              "value": None if value is None or value != value else value})
    return _envelope(list(items.values()))


@pytest.fixture(scope="module")
def register(shared_data) -> pl.DataFrame:
    df = pl.read_csv(shared_data / "kolada/municipalities.csv", schema_overrides={"id": pl.Utf8})
    return kolada.parse_municipalities(_envelope(df.to_dicts())["values"])


def test_plan_respects_limits_and_covers_everything() -> None:
    kpis, years = all_kpis(), list(range(2010, 2026))
    plan = kolada.plan_data("http://k/v3", kpis, years, n_units=291)
    covered = Counter()
    for req in plan:
        ks, ys = dict(req.info)["kpis"], dict(req.info)["years"]
        assert len(ks) <= 25 and len(ys) <= 25
        assert req.url.startswith("http://k/v3/data/kpi/") and "per_page=5000" in req.url
        covered.update((k, y) for k in ks for y in ys)
    assert set(covered) == {(k, y) for k in kpis for y in years}
    assert set(covered.values()) == {1}
    pages = sum(math.ceil(len(dict(r.info)["kpis"]) * len(dict(r.info)["years"]) * 291 / 5000)
                for r in plan)
    # 27 KPIs x 16 years x 291 units = 125 712 objects: at least 26 pages of 5000
    assert pages == kolada.min_data_pages(len(kpis), years, 291) == 26


def test_plan_keys_are_stable_and_distinct() -> None:
    a = kolada.plan_data("http://k/v3", all_kpis(), [2023, 2024])
    b = kolada.plan_data("http://k/v3", all_kpis(), [2024, 2023])
    assert [r.key for r in a] == [r.key for r in b]
    assert len({r.key for r in a}) == len(a)
    assert a[0].page_id(2) == f"{a[0].key}-p2"


def test_metadata_plan_chunks_kpi_ids() -> None:
    plan = kolada.plan_metadata("http://k/v3", all_kpis())
    kinds = Counter(r.kind for r in plan)
    assert kinds == {"kolada-municipality": 1, "kolada-groups": 1, "kolada-kpi": 2}
    for r in plan:
        if r.kind == "kolada-kpi":
            ids = r.url.split("/kpi/")[1].split("?")[0].split(",")
            assert len(ids) <= 25


def test_next_link_forms() -> None:
    cur = "http://k/v3/data/kpi/N1/year/2024?per_page=2"
    assert kolada.next_link({"next_url": "http://k/v3/x?page=2"}, cur) == "http://k/v3/x?page=2"
    assert kolada.next_link({"next_page": "/v3/x?page=3"}, cur) == "http://k/v3/x?page=3"
    assert kolada.next_link({"next_page": 2}, cur).endswith("per_page=2&page=2")
    assert kolada.next_link({"next_url": None}, cur) is None


def test_parse_real_v3_values(shared_data) -> None:
    df = pl.read_csv(shared_data / "kolada/values_sample_n00945.csv",
                     schema_overrides={"municipality_id": pl.Utf8})
    env = _values_envelope(df)
    kolada.validate_data(env)
    out = kolada.parse_values([(env, "kolada/data/x-p1")])
    assert out.height == df.height == 63
    assert out.schema == pl.Schema(kolada.VALUES_SCHEMA)
    row = df.filter((pl.col("municipality_id") == "0180") & (pl.col("year") == 2000)).row(
        0, named=True)
    got = out.filter((pl.col("municipality") == "0180") & (pl.col("year") == 2000))
    assert got["value"][0] == pytest.approx(row["value"])
    assert set(out["municipality"]) == {"0180", "1280", "1480"}
    assert set(out["snapshot"]) == {"kolada/data/x-p1"}


def test_parse_real_statuses_keep_gender_and_never_zero(shared_data) -> None:
    df = pl.read_parquet(shared_data / "kolada/values_2010_2024_23kpis.parquet").filter(
        pl.col("kpi").is_in(["N09890", "N11051", "N00945"]))
    env = _values_envelope(df)
    out = kolada.parse_values([(env, "s")])
    assert out.height == df.height
    assert set(out["gender"]) <= {"T", "K", "M"}
    st = Counter(_status(v, s) for v, s in out.select("value", "status").iter_rows())
    expected = Counter(_status(None if v != v else v, s)
                       for v, s in df.select("value", "status").iter_rows())
    assert st == expected
    assert out.filter(pl.col("status") != "")["value"].null_count() == out.filter(
        pl.col("status") != "").height
    assert {"Missing", "Privacy", "Not applicable"} <= set(out["status"])
    assert st["suppressed"] == df.filter(pl.col("status") == "Privacy").height > 700


def test_validation_rejects_wrong_shapes() -> None:
    with pytest.raises(InvalidBody):
        kolada.validate_data({"unexpected": "shape"})
    with pytest.raises(InvalidBody):
        kolada.validate_data({"values": [{"kpi": "N1"}], "count": 1})
    with pytest.raises(InvalidBody):
        kolada.validate_data({"values": [], "count": "3"})
    with pytest.raises(InvalidBody):
        kolada.validator("kolada-groups")(_envelope([{"id": "G1", "title": "x"}]))


def test_parse_real_municipalities(register) -> None:
    assert register.height == 312
    assert register.filter(pl.col("type") == "K").height == 290
    assert register.filter(pl.col("id") == "0000")["type"].to_list() == ["L"]


def test_parse_real_groups(shared_data, register) -> None:
    df = pl.read_csv(shared_data / "kolada/municipality_groups_members.csv",
                     schema_overrides={"member_id": pl.Utf8})
    items = [{"id": gid, "title": title,
              "members": [{"id": m, "title": t} for m, t in
                          sub.select("member_id", "member_title").iter_rows()]}
             for (gid, title), sub in df.group_by(["group_id", "group_title"])]
    kolada.validator("kolada-groups")(_envelope(items))
    groups, unresolved = kolada.parse_groups(items, register)
    assert unresolved == []
    per_kind = groups.group_by("kind").agg(pl.col("group_id").n_unique()).sort("kind")
    assert dict(per_kind.iter_rows()) == {"kommungrupp": 9, "lan": 21, "liknande_lss": 289,
                                          "other": 3630 - 9 - 21 - 289 - 9, "storlek": 9}
    g = groups.filter(pl.col("group_id") == "G39684")
    assert g["focus"].unique().to_list() == ["2482"]
    assert sorted(g["member"]) == ["0181", "0682", "0880", "1080", "1290", "1485", "1496"]
    assert g["year"].unique().to_list() == [2024]
    lss = groups.filter(pl.col("kind") == "liknande_lss")
    assert lss["focus"].null_count() == 0
    assert lss.filter(pl.col("focus") == pl.col("member")).height == 0
    kommuner = set(register.filter(pl.col("type") == "K")["id"])
    assert set(lss["focus"]) == kommuner - {"0617"}  # one group each; none for Gnosjö
    assert set(groups.filter(pl.col("group_id") == "G92787")["member"]) == {"0180", "1280",
                                                                            "1480"}
    assert groups["member"].str.len_chars().eq(4).all()


def test_classify_group() -> None:
    assert kolada.classify_group("G1", "Liknande kommuner LSS, Malung-Sälen, 2024") == (
        "liknande_lss", "Malung-Sälen", 2024)
    assert kolada.classify_group("G92790", "Större stad (ovägt medel)")[0] == "kommungrupp"
    assert kolada.classify_group("G2", "Skåne läns kommuner (ovägt medel)")[0] == "lan"
    assert kolada.classify_group("G3", "Kommuner med 0 - 4 999 invånare (ovägt medel)")[0] == (
        "storlek")
    assert kolada.classify_group("G4", "Liknande kommuner äldreomsorg, Ale, 2024")[0] == "other"
