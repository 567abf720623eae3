"""``process``: raw snapshots -> validated tables; corrupt input never replaces output."""

from __future__ import annotations

import json

import polars as pl
import pytest

from benchmark.catalog import COST_KPIS, extra_kpis
from benchmark.config import get_settings
from benchmark.errors import DataError
from benchmark.fetch import fetch
from benchmark.process import process
from benchmark.sources.emulator import ApiDataset, ApiEmulator
from benchmark.store import iter_snapshots, read_manifest, read_table, sha256_hex
from tests.apidata import NEED_KPIS, small_dataset
from tests.processed_fixture import processed_state

YEARS = [2023, 2024]


def _dataset(synthetic: bool = True) -> ApiDataset:
    ds = small_dataset(YEARS, privacy={("2482", 2024, "N28810"), ("2482", 2024, "N28016")},
                       synthetic=synthetic)
    # 1480/2023: no ledsagarservice count (its rate remains); no kontaktperson at all
    values = ds.kolada_values.filter(
        ~(pl.col("kpi").is_in(["N28806", "N28807", "N28813"])
          & (pl.col("municipality") == "1480") & (pl.col("year") == 2023)))
    # one published count that contradicts its rate (by 50 persons)
    values = values.with_columns(
        pl.when((pl.col("kpi") == "N28801") & (pl.col("municipality") == "0180")
                & (pl.col("year") == 2024)).then(pl.col("value") + 50)
        .otherwise(pl.col("value")).alias("value"))
    return ApiDataset(values, ds.municipalities, ds.groups, ds.kpis, ds.population, synthetic)


def _fetched(tmp_path, ds: ApiDataset):
    settings = get_settings(data_dir=tmp_path, kolada_url="http://kolada.test/v3",
                            scb_url="http://scb.test/api/v2")
    fetch(YEARS, settings=settings, transport=ApiEmulator(ds).transport(), progress=False)
    return settings


@pytest.fixture
def done(tmp_path):
    ds = _dataset()
    settings = _fetched(tmp_path, ds)
    summary = process(settings=settings)
    return settings, summary, ds


def _value(ds: ApiDataset, kpi: str, m: str, y: int, gender: str = "T") -> float:
    v = ds.kolada_values.filter((pl.col("kpi") == kpi) & (pl.col("municipality") == m)
                                & (pl.col("year") == y) & (pl.col("gender") == gender))
    return v["value"][0]


def _pop(ds: ApiDataset, m: str, y: int, max_age: int | None = None) -> int:
    region = "00" if m == "0000" else m
    p = ds.population.filter((pl.col("region") == region) & (pl.col("year") == y))
    if max_age is not None:
        p = p.filter(pl.col("age").str.replace(r"\+", "").cast(pl.Int32) <= max_age)
    return int(p["population"].sum())


def _row(lss: pl.DataFrame, m: str, y: int, cat: str) -> dict:
    return lss.filter((pl.col("municipality") == m) & (pl.col("year") == y)
                      & (pl.col("category") == cat)).row(0, named=True)


def test_lss_table_values_and_statuses(done) -> None:
    settings, _summary, ds = done
    lss = read_table("lss", settings)
    assert lss.height == 4 * 2 * 14  # (3 kommuner + Riket) x 2 years x 14 categories
    assert dict(lss.schema) == {
        "municipality": pl.String, "year": pl.Int32, "category": pl.String,
        "count": pl.Float64, "per_10k": pl.Float64, "status": pl.String,
        "kpi_count": pl.String, "kpi_rate": pl.String, "snapshot": pl.String,
        "count_source": pl.String}
    r = _row(lss, "2482", 2023, "boende")
    assert r["count"] == _value(ds, "N28801", "2482", 2023)
    assert r["per_10k"] == _value(ds, "N28820", "2482", 2023)
    assert (r["status"], r["kpi_count"], r["kpi_rate"]) == ("ok", "N28801", "N28820")
    sup = _row(lss, "2482", 2024, "korttidstillsyn")
    assert sup["status"] == "suppressed" and sup["count"] is None
    miss = _row(lss, "1480", 2023, "kontaktperson")
    assert miss["status"] == "missing" and miss["count"] is None and miss["per_10k"] is None
    assert lss.filter(pl.col("status") != "ok")["count"].null_count() == 2
    derived = _row(lss, "1480", 2023, "ledsagarservice")
    rate = _value(ds, "N28812", "1480", 2023)
    assert derived["status"] == "ok" and derived["count_source"] == "derived_from_rate"
    assert derived["count"] == round(rate * _pop(ds, "1480", 2023) / 1e4)
    assert r["count_source"] == "published"
    riket = _row(lss, "0000", 2024, "daglig_verksamhet")
    assert riket["count"] == _value(ds, "N28804", "0000", 2024)


def test_rate_only_rows_get_counts_from_population(done) -> None:
    settings, _s, ds = done
    lss = read_table("lss", settings)
    tot = _row(lss, "1480", 2024, "totalt")
    rate = _value(ds, "N28892", "1480", 2024)
    assert tot["per_10k"] == rate and tot["kpi_count"] is None
    assert tot["count"] == round(rate * _pop(ds, "1480", 2024) / 1e4)
    assert tot["count_source"] == "derived_from_rate"
    r22 = _row(lss, "0180", 2023, "totalt_0_22")
    assert r22["per_10k"] == _value(ds, "N28891", "0180", 2023)
    assert r22["count"] == round(r22["per_10k"] * _pop(ds, "0180", 2023, 22) / 1e4)
    # N28891 by sex: women's and men's rows over the inhabitants 0–22 of that sex
    for cat, g in (("totalt_0_22_k", "K"), ("totalt_0_22_m", "M")):
        rs = _row(lss, "0180", 2023, cat)
        assert rs["per_10k"] == _value(ds, "N28891", "0180", 2023, g)
        pop_sex = ds.population.filter(
            (pl.col("region") == "0180") & (pl.col("year") == 2023)
            & (pl.col("sex") == {"K": "2", "M": "1"}[g])
            & (pl.col("age").str.replace(r"\+", "").cast(pl.Int32) <= 22))["population"].sum()
        assert rs["count"] == round(rs["per_10k"] * pop_sex / 1e4)
        assert rs["count_source"] == "derived_from_rate" and rs["kpi_rate"] == "N28891"
    r64 = _row(lss, "0000", 2024, "totalt_0_64")
    pct = _value(ds, "N28890", "0000", 2024)
    assert r64["per_10k"] == pytest.approx(pct * 100)
    assert r64["count"] == round(pct / 100 * _pop(ds, "0000", 2024, 64))


def test_consistency_check_reports_the_contradiction(done) -> None:
    _settings, summary, _ds = done
    bad = summary.inconsistent
    assert bad.select("municipality", "year", "category").rows() == [("0180", 2024, "boende")]
    assert "1 municipality-year-category rows disagree" in summary.render()


def test_other_tables(done) -> None:
    settings, summary, ds = done
    pop = read_table("population", settings)
    assert pop.height == 4 * 2 * 2 * 101
    assert dict(pop.select("municipality", "year", "sex", "age", "population").schema) == {
        "municipality": pl.String, "year": pl.Int32, "sex": pl.String, "age": pl.Int16,
        "population": pl.Int64}
    assert int(pop.filter((pl.col("municipality") == "0000") & (pl.col("year") == 2024))
               ["population"].sum()) == _pop(ds, "0000", 2024)
    assert set(pop["sex"]) == {"K", "M"} and pop["age"].max() == 100
    munis = read_table("municipalities", settings)
    assert munis.rows() == [("0000", "Riket", "L"), ("0180", "Stockholm", "K"),
                            ("1480", "Göteborg", "K"), ("2482", "Skellefteå", "K")]
    groups = read_table("peer_groups", settings)
    kinds = dict(groups.select("group_id", "kind").unique().iter_rows())
    assert kinds == {"G39684": "liknande_lss", "G33631": "lan", "G92787": "kommungrupp",
                     "G1": "other"}
    lss_group = groups.filter(pl.col("group_id") == "G39684")
    assert set(lss_group["member"]) == {"0180", "1480"}
    assert set(lss_group["focus"]) == {"2482"}
    values = read_table("kpi_values", settings)  # every KPI outside the LSS person KPIs
    c = values.filter((pl.col("municipality") == "2482") & (pl.col("year") == 2024)
                      & (pl.col("kpi") == "N28016"))
    assert c.select("gender", "value", "status").rows() == [("T", None, "suppressed")]
    # 35 KPIs (costs, the profile and its denominators) × 4 units × 2 years; the small
    # dataset serves no need indicators (issue 13's KPIs, tested in test_tables)
    assert values.height == 4 * 2 * 35
    assert set(values["kpi"]) == set(extra_kpis()) - set(NEED_KPIS)
    assert set(COST_KPIS) < set(extra_kpis())
    kpis = read_table("kpis", settings)  # Kolada's descriptions of every fetched KPI
    # every fetched KPI's description: the 21 LSS person KPIs and the 38 extra ones (the
    # need indicators are described even where the dataset has no values for them)
    assert kpis.height == 59 and kpis["kpi"].is_unique().all()
    assert set(kpis["kpi"]) >= set(extra_kpis())
    manifest = read_manifest(settings)
    assert manifest["synthetic"] is True and manifest["years"] == YEARS
    ids = {s.id for s in iter_snapshots(settings)}
    assert set(manifest["snapshots"]) <= ids
    lss = read_table("lss", settings)
    assert lss.filter(pl.col("snapshot").is_null()).select("municipality", "year",
                                                           "category").rows() == [
        ("1480", 2023, "kontaktperson")]  # nothing published: no source
    used = {p for s in lss["snapshot"].drop_nulls() for p in s.split(";")}
    assert used <= ids and all(u.startswith("kolada/data/") for u in used)
    assert summary.tables["lss"] == 112  # 4 × 2 years × 14 categories


def test_real_data_manifest_is_not_synthetic(tmp_path) -> None:
    settings = _fetched(tmp_path, _dataset(synthetic=False))
    summary = process(settings=settings)
    assert summary.synthetic is False and read_manifest(settings)["synthetic"] is False


def _data_snapshot(settings):
    return next(s for s in iter_snapshots(settings) if s.meta["kind"] == "kolada-data")


@pytest.mark.parametrize("damage", ["truncate", "edit", "schema"])
def test_corrupt_raw_file_names_it_and_keeps_outputs(done, damage) -> None:
    settings, _s, _ds = done
    before = processed_state(settings)
    snap = _data_snapshot(settings)
    body = snap.path.read_bytes()
    if damage == "truncate":
        snap.path.write_bytes(body[: len(body) // 2])
    elif damage == "edit":
        snap.path.write_bytes(body.replace(b'"value": ', b'"value": 1', 1))
    else:  # valid JSON of the wrong shape, sidecar hash updated to match
        new = json.dumps({"rows": []}).encode()
        snap.path.write_bytes(new)
        meta = {**snap.meta, "sha256": sha256_hex(new)}
        snap.meta_path.write_text(json.dumps(meta))
    with pytest.raises(DataError) as err:
        process(settings=settings)
    assert str(snap.path) in str(err.value)
    assert processed_state(settings) == before


def test_no_raw_data(tmp_path) -> None:
    with pytest.raises(DataError, match="make data"):
        process(settings=get_settings(data_dir=tmp_path))


def test_every_table_matches_its_catalogue_entry(done) -> None:
    from benchmark.tables import TABLES

    settings, _s, _ds = done
    manifest = read_manifest(settings)
    assert set(manifest["tables"]) == set(TABLES)
    for name, table in TABLES.items():
        assert manifest["tables"][name]["columns"] == {
            c: str(t) for c, t in table.dtypes.items()}, name
    groups = read_table("peer_groups", settings)
    assert set(groups.filter(pl.col("kind") == "liknande_lss")["group_id"]) == {"G39684"}
    assert groups.height == 6


def test_newest_snapshot_wins(tmp_path) -> None:
    old = _dataset()
    settings = _fetched(tmp_path, old)
    new_values = old.kolada_values.with_columns(
        pl.when(pl.col("kpi") == "N28804").then(pl.col("value") + 1)
        .otherwise(pl.col("value")).alias("value"))
    new = ApiDataset(new_values, old.municipalities, old.groups, old.kpis, old.population)
    other = get_settings(data_dir=tmp_path, kolada_url="http://kolada.mirror/v3",
                         scb_url="http://scb.test/api/v2")
    fetch(YEARS, settings=other, transport=ApiEmulator(new).transport(), progress=False)
    process(settings=settings)
    lss = read_table("lss", settings)
    r = _row(lss, "2482", 2024, "daglig_verksamhet")
    assert r["count"] == _value(new, "N28804", "2482", 2024) == _value(
        old, "N28804", "2482", 2024) + 1
    assert lss.height == 112  # no duplicated keys from the two fetches
