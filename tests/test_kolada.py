"""Kolada planning, validation and parsers, checked against the real recordings."""

from __future__ import annotations

import math
from collections import Counter

import polars as pl
import pytest

from benchmark.catalog import all_kpis
from benchmark.lss_table import kolada_status as _status
from benchmark.lss_table import kolada_status_expr
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
    # 59 KPIs x 16 years x 291 units = 274 704 objects: at least 56 pages of 5000
    # (the bound ⌈274 704 / 5 000⌉ = 55 is not reachable in chunks of ≤ 25 KPIs)
    assert pages == kolada.min_data_pages(len(kpis), years, 291) == 56


def test_plan_keys_are_stable_and_distinct() -> None:
    a = kolada.plan_data("http://k/v3", all_kpis(), [2023, 2024])
    b = kolada.plan_data("http://k/v3", all_kpis(), [2024, 2023])
    assert [r.key for r in a] == [r.key for r in b]
    assert len({r.key for r in a}) == len(a)
    assert a[0].page_id(2) == f"{a[0].key}-p2"


def test_metadata_plan_chunks_kpi_ids() -> None:
    plan = kolada.plan_metadata("http://k/v3", all_kpis())
    kinds = Counter(r.kind for r in plan)
    assert kinds == {"kolada-municipality": 1, "kolada-groups": 1, "kolada-kpi": 3}  # 59 ids
    for r in plan:
        if r.kind == "kolada-kpi":
            ids = r.url.split("/kpi/")[1].split("?")[0].split(",")
            assert len(ids) <= 25


def test_next_link_forms() -> None:
    cur = "http://k/v3/data/kpi/N1/year/2024?per_page=2"
    assert kolada.next_link({"next_url": "http://k/v3/x?page=2&per_page=2"}, cur) == (
        "http://k/v3/x?page=2&per_page=2")
    assert kolada.next_link({"next_page": "/v3/x?page=3"}, cur) == (
        "http://k/v3/x?page=3&per_page=2")
    assert kolada.next_link({"next_page": 2}, cur).endswith("per_page=2&page=2")
    assert kolada.next_link({"next_url": None}, cur) is None


def test_next_url_without_per_page_keeps_the_requested_one() -> None:
    cur = "http://k/v3/data/kpi/N1/year/2024?per_page=5000"
    assert kolada.next_link({"next_url": "http://k/v3/data/kpi/N1/year/2024?page=2"}, cur) == (
        "http://k/v3/data/kpi/N1/year/2024?page=2&per_page=5000")
    assert kolada.next_link({"next_url": "http://k/v3/x"}, cur) == "http://k/v3/x?per_page=5000"
    # a next_url that names its own per_page is followed as it is
    assert kolada.next_link({"next_url": "http://k/v3/x?page=2&per_page=100"}, cur) == (
        "http://k/v3/x?page=2&per_page=100")
    assert kolada.next_link({"next_url": "http://k/v3/x?page=2"}, "http://k/v3/x") == (
        "http://k/v3/x?page=2")


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


def test_status_expression_agrees_with_kolada_status(shared_data) -> None:
    """The vectorised status (kpi_values) says what kolada_status says, row by row, on the
    real statuses and on odd ones (case, nulls, a value beside a status)."""
    df = pl.read_parquet(shared_data / "kolada/values_2010_2024_23kpis.parquet").select(
        pl.col("value").fill_nan(None), "status")
    odd = pl.DataFrame({"value": [1.0, None, 2.0, None, 0.0, None, 3.0],
                        "status": ["PRIVACY", "privacy reasons", "", None, None, "Missing",
                                   "Not applicable"]})
    both = pl.concat([df, odd.cast(df.schema)])
    got = both.select(kolada_status_expr("value", "status")).to_series().to_list()
    assert got == [_status(v, s) for v, s in both.iter_rows()]
    assert {"ok", "suppressed", "missing"} == set(got)


def test_validation_rejects_wrong_shapes() -> None:
    with pytest.raises(InvalidBody):
        kolada.validate_data({"unexpected": "shape"})
    with pytest.raises(InvalidBody):
        kolada.validate_data({"values": [{"kpi": "N1"}], "count": 1})
    with pytest.raises(InvalidBody):
        kolada.validate_data({"values": [], "count": "3"})
    with pytest.raises(InvalidBody):
        kolada.validator("kolada-groups")(_envelope([{"id": "G1", "title": "x"}]))


@pytest.mark.parametrize(("entry", "said"), [
    ({"gender": "T", "value": "12,5"}, "'value' is str '12,5', expected a number or null"),
    ({"value": 3.0}, "'gender' is absent, expected a string (T, K or M)"),
    ({"gender": "T", "value": 1.0, "status": 0}, "'status' is int 0, expected a string or null"),
    ({"gender": "T", "value": 1.0, "count": "1"},
     "'count' is str '1', expected a whole number or null"),
])
def test_a_value_of_another_shape_is_named(entry: dict, said: str) -> None:
    """What differs is named: the KPI, municipality and year, the field, what it holds."""
    env = _envelope([{"kpi": "N28801", "municipality": "2482", "period": 2024,
                      "values": [entry]}])
    with pytest.raises(InvalidBody) as err:
        kolada.validate_data(env)
    assert str(err.value) == f"Kolada data value of N28801 2482 2024 has the wrong shape: {said}"
    item = {"kpi": "N28801", "municipality": 2482, "period": 2024, "values": []}
    with pytest.raises(InvalidBody, match=r"'municipality' is int 2482, expected a string$"):
        kolada.validate_data(_envelope([item]))


def test_parse_real_municipalities(register) -> None:
    assert register.height == 312
    assert register.filter(pl.col("type") == "K").height == 290
    assert register.filter(pl.col("id") == "0000")["type"].to_list() == ["L"]


def _real_groups(shared_data, keys: tuple[str, str]) -> list[dict]:
    """The real groups file as Kolada group items with these member keys."""
    df = pl.read_csv(shared_data / "kolada/municipality_groups_members.csv",
                     schema_overrides={"member_id": pl.Utf8})
    return [{"id": gid, "title": title,
             "members": [{keys[0]: m, keys[1]: t} for m, t in
                         sub.select("member_id", "member_title").iter_rows()]}
            for (gid, title), sub in df.group_by(["group_id", "group_title"],
                                                 maintain_order=True)]


@pytest.mark.parametrize("keys", [kolada.MEMBER_KEYS_V3, kolada.MEMBER_KEYS_V2])
def test_parse_real_groups(shared_data, register, keys) -> None:
    """Both member shapes (v3 member_id/member_title as the live API answers; v2 id/title)
    give the same groups."""
    items = _real_groups(shared_data, keys)
    kolada.validator("kolada-groups")(_envelope(items))
    notes = kolada.shape_notes("kolada-groups", _envelope(items))
    if keys == kolada.MEMBER_KEYS_V3:
        assert notes == []
    else:
        assert notes == ["group members use the v2 keys 'id'/'title' instead of "
                         "'member_id'/'member_title' (26573 of 26573 members)"]
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


def test_group_members_of_another_shape_are_refused() -> None:
    check = kolada.validator("kolada-groups")
    with pytest.raises(InvalidBody, match=r"neither member_id \(v3\) nor id \(v2\)"):
        check(_envelope([{"id": "G1", "title": "x", "members": ["0180"]}]))
    with pytest.raises(InvalidBody):
        check(_envelope([{"id": "G1", "title": "x", "members": [{"member_id": 180}]}]))


def test_shape_notes_name_unknown_fields_exactly() -> None:
    env = _envelope([{"kpi": "N1", "municipality": "0180", "period": 2024, "region": "x",
                      "values": [{"gender": "T", "count": 1, "status": "", "value": 1.0,
                                  "isdeleted": False, "quality": "A"}]}])
    env["total_pages"] = 1
    kolada.validate_data(env)  # unknown fields do not stop the fetch
    assert kolada.shape_notes("kolada-data", env) == [
        "unknown field 'total_pages' in the envelope",
        "unknown field 'region' in data items",
        "unknown field 'quality' in value entries",
    ]
    kpi = _envelope([{"id": "N28892", "title": "t", "auspices": "X", "publ_period": "2025"}])
    assert kolada.shape_notes("kolada-kpi", kpi) == [
        "unknown field 'auspices' in KPI entries"]
    v2_paging = {"values": [], "count": 0, "next_page": None}
    assert kolada.shape_notes("kolada-municipality", v2_paging) == [
        "the envelope pages with v2 'next_page' instead of v3 'next_url'"]


def _value(value: float, deleted: bool | None) -> dict:
    v = {"gender": "T", "count": 1, "status": "", "value": value}
    if deleted is not None:
        v["isdeleted"] = deleted
    return v


def test_deleted_entries_are_skipped_and_counted() -> None:
    env = _envelope([
        {"kpi": "N28801", "municipality": "2482", "period": 2024,
         "values": [_value(999.0, True), _value(55.0, False)]},
        {"kpi": "N28801", "municipality": "0180", "period": 2024,
         "values": [_value(12.0, None)]},  # no isdeleted field: live
        {"kpi": "N28801", "municipality": "1480", "period": 2024,
         "values": [_value(7.0, True)]},
    ])
    kolada.validate_data(env)
    assert kolada.count_deleted(env) == 2
    out = kolada.parse_values([(env, "s")])
    assert dict(out.select("municipality", "value").iter_rows()) == {"2482": 55.0,
                                                                      "0180": 12.0}
    kept = kolada.parse_values([(env, "s")], keep_deleted=True)
    assert kept.height == 4 and kept["isdeleted"].to_list() == [True, False, False, True]
    with pytest.raises(InvalidBody, match="non-boolean isdeleted 'yes'"):
        kolada.validate_data(_envelope([{"kpi": "N1", "municipality": "0180", "period": 2024,
                                         "values": [_value(1.0, "yes")]}]))


def test_newest_published_year_from_the_real_catalogue(shared_data) -> None:
    """The real catalogue (cached 2026-03-23): the LSS person KPIs carry publ_period 2025
    with publication dates 2026-04-11/2026-04-15."""
    from datetime import date

    from benchmark.catalog import lss_kpis

    cat = pl.read_csv(shared_data / "kolada/kpi_list.csv", infer_schema=False)
    items = cat.filter(pl.col("id").is_in(lss_kpis())).to_dicts()
    assert len(items) == len(lss_kpis()) == 21
    assert kolada.newest_published(items, date(2026, 12, 2)) == (2025, [])
    # before the first publication date: 2025 is not out yet, so 2024
    assert kolada.newest_published(items, date(2026, 3, 23))[0] == 2024
    # between the two dates some KPIs have published 2025 and some not: still 2024
    newest, notes = kolada.newest_published(items, date(2026, 4, 12))
    early = sorted(i["id"] for i in items if i["publication_date"] <= "2026-04-12")
    assert newest == 2024 and early and len(early) < 21
    assert notes[0].startswith("2025 is not yet published for ")
    # a discontinued KPI (older publ_period) does not hold the year back
    stale = [{**items[0], "publ_period": "2019", "publication_date": "2020-04-01"}, *items[1:]]
    newest, notes = kolada.newest_published(stale, date(2026, 12, 2))
    assert newest == 2025 and items[0]["id"] in notes[0]
    assert kolada.newest_published([{"id": "N1", "publ_period": ""}], date(2026, 1, 1)) == (
        None, ["no LSS KPI reports a publ_period"])
