"""Tests of the synthetic demo country (benchmark.demo) and of the pipeline on it."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from benchmark import demo
from benchmark.catalog import CATEGORIES, COST_KPIS, RIKET, all_kpis
from benchmark.config import Settings
from benchmark.demo.profile import GENDERED_KPIS as GENDERED_PROFILE_KPIS
from benchmark.errors import InputError
from benchmark.origin import SYNTHETIC_ORIGIN
from benchmark.profile import profile_kpis
from benchmark.sources.emulator import ApiDataset
from benchmark.store import read_manifest, read_table
from tests import demo_fixture

demo_data = demo_fixture.demo_data

YEARS = list(demo.DEMO_YEARS)
COUNT_CATS = [c for c in CATEGORIES if c.kpi_count]


@pytest.fixture(scope="module")
def dataset() -> ApiDataset:
    return demo.generate_dataset()


@pytest.fixture(scope="module")
def pop_total(dataset: ApiDataset) -> pl.DataFrame:
    """Total population per region (SCB code) and year."""
    return dataset.population.group_by("region", "year").agg(pl.col("population").sum())


def _age(df: pl.DataFrame) -> pl.DataFrame:
    return df.with_columns(
        pl.col("age").str.replace("100+", "100", literal=True).cast(pl.Int32).alias("a"))


def _wide(dataset: ApiDataset, kpis: list[str], gender: str = "T") -> pl.DataFrame:
    """One row per municipality × year, one column per KPI value (and its status)."""
    v = dataset.kolada_values.filter(pl.col("kpi").is_in(kpis), pl.col("gender") == gender)
    values = v.pivot(on="kpi", index=["municipality", "year"], values="value")
    status = v.pivot(on="kpi", index=["municipality", "year"], values="status")
    return values.join(status, on=["municipality", "year"], suffix="_status")


# -- determinism -------------------------------------------------------------------------------

def test_same_seed_gives_identical_bytes_and_another_seed_differs(dataset: ApiDataset) -> None:
    again = demo.generate_dataset()
    assert demo.dataset_digest(again) == demo.dataset_digest(dataset)
    other = demo.generate_dataset(seed=demo.DEMO_SEED + 1)
    assert demo.dataset_digest(other) != demo.dataset_digest(dataset)


def test_generate_rejects_empty_years() -> None:
    with pytest.raises(InputError, match="years"):
        demo.generate_dataset(years=range(2020, 2020))


# -- shape ------------------------------------------------------------------------------------

def test_register_has_290_municipalities_plus_riket(dataset: ApiDataset) -> None:
    m = dataset.municipalities
    kommuner = m.filter(pl.col("type") == "K")
    assert kommuner.height == 290 and kommuner["id"].n_unique() == 290
    assert m.filter(pl.col("id") == RIKET)["type"].to_list() == ["L"]
    assert all(len(c) == 4 and c.isdigit() for c in m["id"])
    codes = set(kommuner["id"])
    assert {demo.DEMO_FOCUS, "0180", "2482"} <= codes
    names = dict(zip(m["id"], m["title"], strict=True))
    assert names[demo.DEMO_FOCUS] == demo.DEMO_FOCUS_NAME
    assert kommuner["title"].n_unique() == 290


def test_names_are_fictional(dataset: ApiDataset, shared_data: Path) -> None:
    with open(shared_data / "kolada" / "municipalities.csv", encoding="utf-8") as fh:
        real = {r["title"] for r in csv.DictReader(fh) if r["type"] == "K"}
    demo_names = set(dataset.municipalities.filter(pl.col("type") == "K")["title"])
    assert len(real) == 290
    assert not demo_names & real


def test_ten_years_of_values_and_population(dataset: ApiDataset) -> None:
    v = dataset.kolada_values
    assert sorted(v["year"].unique()) == YEARS
    assert set(v["kpi"]) == set(all_kpis())
    # every KPI × year has all 290 municipalities and Riket
    per = v.filter(pl.col("gender") == "T").group_by("kpi", "year").agg(
        pl.col("municipality").n_unique().alias("n"))
    assert per["n"].unique().to_list() == [291]
    gendered = v.filter(pl.col("gender") != "T")
    assert set(gendered["kpi"]) == {"N28891", *GENDERED_PROFILE_KPIS}
    assert set(gendered["gender"]) == {"K", "M"}
    p = dataset.population
    assert sorted(p["year"].unique()) == YEARS
    assert set(p["sex"]) == {"1", "2"}
    assert set(p["age"]) == {*(str(a) for a in range(100)), "100+"}
    assert p["region"].n_unique() == 291 and "00" in set(p["region"])
    assert p.height == 291 * 10 * 2 * 101
    assert p["population"].min() >= 0


def test_schema_follows_the_contract(dataset: ApiDataset) -> None:
    assert dataset.synthetic is True
    assert dataset.kolada_values.schema == pl.Schema({
        "kpi": pl.String, "municipality": pl.String, "year": pl.Int32, "gender": pl.String,
        "value": pl.Float64, "status": pl.String, "count": pl.Int64})
    assert dataset.population.schema == pl.Schema({
        "region": pl.String, "year": pl.Int32, "sex": pl.String, "age": pl.String,
        "population": pl.Int64})
    assert dataset.groups.columns == ["group_id", "group_title", "member_id", "member_title"]
    assert set(dataset.kpis["id"]) == set(all_kpis())
    assert set(dataset.kpis.filter(pl.col("is_divided_by_gender"))["id"]) == {
        "N28891", *GENDERED_PROFILE_KPIS}


def test_population_sizes_and_age_structures_vary(dataset: ApiDataset,
                                                  pop_total: pl.DataFrame) -> None:
    p24 = pop_total.filter(pl.col("year") == 2024, pl.col("region") != "00")["population"]
    assert 2_000 <= p24.min() <= 3_000
    assert 900_000 <= p24.max() <= 1_100_000
    assert p24.median() < p24.mean()  # skewed: many small, few large
    assert 9_500_000 <= p24.sum() <= 11_000_000
    focus = pop_total.filter(pl.col("region") == demo.DEMO_FOCUS, pl.col("year") == 2024)
    assert 240_000 <= focus["population"][0] <= 280_000
    young = (_age(dataset.population).filter(pl.col("year") == 2024)
             .group_by("region").agg((pl.col("population").filter(pl.col("a") < 20).sum()
                                      / pl.col("population").sum()).alias("share")))
    shares = young.filter(pl.col("region") != "00")["share"]
    assert shares.max() - shares.min() > 0.08  # some old, some young municipalities
    focus_share = young.filter(pl.col("region") == demo.DEMO_FOCUS)["share"][0]
    national = young.filter(pl.col("region") == "00")["share"][0]
    assert focus_share < national - 0.04  # the focus is old (planted composition effect)


def test_groups_have_kolada_shape(dataset: ApiDataset) -> None:
    g = dataset.groups
    names = dict(zip(dataset.municipalities["id"], dataset.municipalities["title"],
                     strict=True))
    by_name = {v: k for k, v in names.items()}
    lik = g.filter(pl.col("group_title").str.starts_with("Liknande kommuner LSS, "))
    assert lik["group_id"].n_unique() == 290
    for (gid,), members in lik.group_by(["group_id"]):
        title = members["group_title"][0]
        focus = by_name[title.split(", ")[1]]
        assert title.endswith(", 2024")
        assert members.height == 7 and members["member_id"].n_unique() == 7
        assert focus not in set(members["member_id"]), gid
    lan = g.filter(pl.col("group_title").str.ends_with("läns kommuner (ovägt medel)"))
    assert lan["group_id"].n_unique() == 21 and lan.height == 290
    for (_,), members in lan.group_by(["group_id"]):
        assert members["member_id"].str.slice(0, 2).n_unique() == 1
    kg = g.filter(pl.col("group_id").is_in([f"G{n}" for n in range(92786, 92795)]))
    assert kg["group_id"].n_unique() == 9 and kg["member_id"].n_unique() == 290
    assert kg.height == 290
    assert kg.filter(pl.col("group_title") == "Storstäder (ovägt medel)").height == 3
    size = g.filter(pl.col("group_title").str.starts_with("Kommuner med"))
    assert size["member_id"].n_unique() == 290 and size.height == 290
    assert (g["member_title"] == g["member_id"].replace_strict(names)).all()


# -- internal consistency of the Kolada values ----------------------------------------------

def test_status_and_value_agree(dataset: ApiDataset) -> None:
    v = dataset.kolada_values
    assert set(v["status"]) == {"", "Privacy", "Missing"}
    assert (v["value"].is_null() == (v["status"] != "")).all()
    privacy = v.filter(pl.col("status") == "Privacy")
    lss = {k for c in COUNT_CATS for k in (c.kpi_count, c.kpi_rate)}
    counts = privacy.filter(pl.col("kpi").is_in(list(lss)))
    assert 20 <= counts.height <= 600  # "a few" suppressed cells among the counts
    # the profile's shares under five answers (and assistance hours of < 3 users) are
    # suppressed as Kolada does; nothing else
    shares = {k.id for k in profile_kpis() if k.kind == "share" and k.denominator}
    assert set(privacy["kpi"]) - lss <= shares | {"N28717", "N28728", "N28821"}
    missing = v.filter(pl.col("status") == "Missing", pl.col("kpi").is_in(["N28892"]))
    assert missing.height == 1 and missing["year"][0] == 2021
    riket = v.filter(pl.col("municipality") == RIKET)
    assert (riket["status"] == "").all()
    focus = v.filter(pl.col("municipality") == demo.DEMO_FOCUS)
    assert (focus["status"] == "").all()
    # zeros are published as zeros (small municipalities), never as suppressed
    zeros = v.filter(pl.col("kpi") == "N28810", pl.col("value") == 0)
    assert zeros.height > 0


def test_rates_equal_counts_over_population(dataset: ApiDataset,
                                           pop_total: pl.DataFrame) -> None:
    pop = pop_total.with_columns(
        pl.col("region").replace("00", RIKET).alias("municipality")).drop("region")
    w = _wide(dataset, [k for c in COUNT_CATS for k in (c.kpi_count, c.kpi_rate)]).join(
        pop, on=["municipality", "year"])
    for c in COUNT_CATS:
        ok = w.filter(pl.col(f"{c.kpi_count}_status") == "")
        assert (ok[f"{c.kpi_rate}_status"] == "").all()
        expected = (ok[c.kpi_count] / ok["population"] * 1e4).round(2)
        assert np.allclose(ok[c.kpi_rate].to_numpy(), expected.to_numpy(), atol=1e-9), c.id
        # suppressed count ⇔ suppressed rate (the rate would reveal the count)
        assert (w[f"{c.kpi_count}_status"] == w[f"{c.kpi_rate}_status"]).all()


def test_riket_counts_are_national_totals(dataset: ApiDataset) -> None:
    kpis = [c.kpi_count for c in COUNT_CATS]
    v = dataset.kolada_values.filter(pl.col("kpi").is_in(kpis))
    munis = v.filter(pl.col("municipality") != RIKET).group_by("kpi", "year").agg(
        pl.col("value").sum().alias("published"), (pl.col("status") != "").sum().alias("hidden"))
    riket = v.filter(pl.col("municipality") == RIKET).select("kpi", "year", "value")
    j = munis.join(riket, on=["kpi", "year"])
    assert (j["value"] >= j["published"]).all()
    complete = j.filter(pl.col("hidden") == 0)
    assert complete.height > 0 and (complete["value"] == complete["published"]).all()
    # the hidden persons are few (suppressed cells hold 1–3 persons, one missing municipality)
    assert ((j["value"] - j["published"]) <= 0.01 * j["value"]).all()


def test_total_and_its_age_splits_are_consistent(dataset: ApiDataset) -> None:
    p = _age(dataset.population)
    bands = p.group_by("region", "year").agg(
        pl.col("population").sum().alias("pop"),
        pl.col("population").filter(pl.col("a") <= 22).sum().alias("pop_0_22"),
        pl.col("population").filter(pl.col("a") <= 64).sum().alias("pop_0_64"),
    ).with_columns(pl.col("region").replace("00", RIKET).alias("municipality"))
    counts = [c.kpi_count for c in COUNT_CATS]
    w = (_wide(dataset, ["N28892", "N28891", "N28890", *counts])
         .join(bands, on=["municipality", "year"])
         .filter(pl.col("N28892_status") == ""))
    total = w["N28892"] * w["pop"] / 1e4
    p022 = w["N28891"] * w["pop_0_22"] / 1e4
    p064 = w["N28890"] * w["pop_0_64"] / 100
    tol = 0.006 * w["pop"] / 1e4 + 0.5  # rounding of the published rates
    assert ((p022 <= p064 + tol) & (p064 <= total + tol)).all()
    assert (p022 >= 0).all() and (p022.filter(w["municipality"] == RIKET) > 0).all()
    for c in COUNT_CATS:
        ok = w[c.kpi_count].is_not_null()
        assert (w[c.kpi_count].filter(ok) <= (total + tol).filter(ok)).all(), c.id
        if c.age_max is not None and c.age_max <= 22:
            assert (w[c.kpi_count].filter(ok) <= (p022 + tol).filter(ok)).all(), c.id
    # N28891 by sex: K and M persons add up to the total 0–22
    sexed = dataset.kolada_values.filter(pl.col("kpi") == "N28891", pl.col("status") == "")
    pops = p.filter(pl.col("a") <= 22).group_by("region", "year", "sex").agg(
        pl.col("population").sum()).with_columns(
        pl.col("region").replace("00", RIKET).alias("municipality"),
        pl.col("sex").replace_strict({"1": "M", "2": "K"}).alias("gender"))
    persons = sexed.join(pops, on=["municipality", "year", "gender"], how="left").with_columns(
        (pl.col("value") * pl.col("population") / 1e4).alias("persons"))
    mk = persons.filter(pl.col("gender") != "T").group_by("municipality", "year").agg(
        pl.col("persons").sum().alias("mk"), pl.col("population").sum().alias("pop"))
    t = sexed.filter(pl.col("gender") == "T").join(mk, on=["municipality", "year"])
    assert np.allclose((t["value"] * t["pop"] / 1e4).to_numpy(), t["mk"].to_numpy(),
                       atol=0.02 * 1 + 1e-6 * t["pop"].max())
    boys = persons.filter(pl.col("gender") == "M", pl.col("municipality") == RIKET)
    girls = persons.filter(pl.col("gender") == "K", pl.col("municipality") == RIKET)
    assert (boys["value"].to_numpy() > 1.3 * girls["value"].to_numpy()).all()  # domain §2.5


def test_national_levels_follow_the_domain_figures(dataset: ApiDataset) -> None:
    riket = dataset.kolada_values.filter(pl.col("municipality") == RIKET,
                                         pl.col("gender") == "T")

    def val(kpi: str, year: int) -> float:
        return riket.filter(pl.col("kpi") == kpi, pl.col("year") == year)["value"][0]

    # 2021: 7.34 per 1 000 with any insats (domain §2.2); counts scaled from §2.3
    assert 70 <= val("N28892", 2021) <= 77
    assert val("N28819", 2021) > val("N28820", 2021) > val("N28813", 2021)  # DV > boende > KP
    assert val("N28892", 2024) > val("N28892", 2015)  # mild growth
    assert val("N28805", 2024) < val("N28805", 2015)  # PA (LSS) falls (§2.6)
    assert val("N28811", 2024) < val("N28811", 2015)  # SFB falls (§2.6)
    for cat in COUNT_CATS:
        assert val("N28892", 2021) > val(cat.kpi_rate, 2021)
    # costs: plausible magnitudes and N28018 = net / reference − 1
    assert 800_000 <= val("N28013", 2021) <= 1_600_000
    assert 150_000 <= val("N28015", 2021) <= 400_000
    assert 3_000 <= val("N28016", 2021) <= 12_000
    assert abs(val("N28018", 2021)) < 2
    w = _wide(dataset, list(COST_KPIS)).filter(pl.col("N28018_status") == "")
    assert np.allclose(w["N28018"], ((w["N28016"] / w["N28026"] - 1) * 100), atol=0.1)


def test_focus_has_the_planted_deviations_in_its_raw_values(dataset: ApiDataset) -> None:
    p = _age(dataset.population)
    v = dataset.kolada_values.filter(pl.col("gender") == "T")
    for cid, planted in demo.PLANTED.items():
        cat = next(c for c in CATEGORIES if c.id == cid)
        hi = 100 if cat.age_max is None else cat.age_max
        band = p.filter(pl.col("a").is_between(cat.age_min, hi)).group_by("region", "year").agg(
            pl.col("population").sum())
        for year in YEARS:
            def count(code: str, y: int = year, kpi: str = cat.kpi_count) -> float:
                return v.filter(pl.col("kpi") == kpi, pl.col("municipality") == code,
                                pl.col("year") == y)["value"][0]

            def band_pop(region: str, y: int = year, band: pl.DataFrame = band) -> int:
                return band.filter(pl.col("region") == region, pl.col("year") == y)[
                    "population"][0]

            national = count(RIKET) / band_pop("00")
            ratio = count(demo.DEMO_FOCUS) / (national * band_pop(demo.DEMO_FOCUS))
            assert ratio == pytest.approx(planted.multiplier, abs=0.005), (cid, year)


def test_planted_constant_describes_three_deviations() -> None:
    assert set(demo.PLANTED) == {"daglig_verksamhet", "boende", "kontaktperson"}
    assert {p.expected_flag for p in demo.PLANTED.values()} == {"higher", "lower", "similar"}
    assert set(demo.NULL_CATEGORIES) | set(demo.PLANTED) == {c.id for c in CATEGORIES}
    assert demo.PLANTED["boende"].effect == "composition"


# -- labelled synthetic, everywhere ----------------------------------------------------------

def test_kpi_metadata_is_labelled_and_titled_like_kolada(dataset: ApiDataset) -> None:
    k = dataset.kpis
    assert k["description"].str.starts_with("SYNTETISKA DEMODATA").all()
    titles = dict(zip(k["id"], k["title"], strict=True))
    assert titles["N28892"] == "Invånare med insatser enl. LSS, antal/10 000 inv"
    assert titles["N28804"] == "Personer med daglig verksamhet enligt LSS, antal"
    assert titles["N28018"] == "Nettokostnadsavvikelse LSS (%)"


def test_processed_demo_data_are_marked_synthetic(demo_data: Settings) -> None:
    manifest = read_manifest(demo_data)
    assert manifest["synthetic"] is True
    assert (demo_data.data_dir / demo.DEMO_MARKER).exists()
    sidecars = list(demo_data.raw_dir.rglob("*.json"))
    metas = [json.loads(p.read_text(encoding="utf-8")) for p in sidecars]
    flagged = [m for m in metas if isinstance(m, dict) and m.get("synthetic") is True]
    assert flagged, "raw snapshot metadata should record the synthetic header"
    lss = read_table("lss", demo_data)
    assert lss["municipality"].n_unique() == 291
    assert sorted(lss["year"].unique()) == YEARS
    assert set(lss["status"]) == {"ok", "suppressed", "missing"}
    assert lss.filter(pl.col("status") != "ok")["count"].null_count() == lss.filter(
        pl.col("status") != "ok").height


def test_demo_refuses_the_real_data_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                            ) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(InputError, match="must not be mixed"):
        demo.prepare_demo_data(Path("data"))
    other = tmp_path / "someone-elses"
    other.mkdir()
    (other / "notes.txt").write_text("keep me", encoding="utf-8")
    with pytest.raises(InputError, match="not demo data"):
        demo.prepare_demo_data(other)
    assert (other / "notes.txt").read_text(encoding="utf-8") == "keep me"


# -- the pipeline recovers what was planted --------------------------------------------------

def test_compare_recovers_the_planted_deviations(demo_data: Settings) -> None:
    """The deviations are planted against the flat band rate: the band model finds them as
    planted (the default, age-profile model: the next test)."""
    from benchmark.comparison import Method

    compare = pytest.importorskip("benchmark.compare").compare
    year = YEARS[-1]
    # the two-way split (age structure, the rest): the need adjustment is tested below
    table = compare(demo.DEMO_FOCUS, year, settings=demo_data,
                    method=Method(age_model="band", need_model="none"))
    assert (table["data_origin"] == SYNTHETIC_ORIGIN).all()
    rows = {r["category"]: r for r in table.filter(pl.col("year") == year).iter_rows(named=True)}
    dv = rows["daglig_verksamhet"]
    assert dv["flag"] == "higher" and dv["persistent"] is True
    assert dv["ratio"] == pytest.approx(1.30, abs=0.01)
    assert dv["other_effect"] > 0.2 * dv["expected"]
    kp = rows["kontaktperson"]
    assert kp["flag"] == "lower" and kp["persistent"] is True
    assert kp["ratio"] == pytest.approx(0.60, abs=0.01)
    bo = rows["boende"]
    assert bo["flag"] != "higher" and bo["flag_95"] == "similar"
    assert bo["observed"] > bo["expected_crude"] * 1.05  # crude rate clearly high …
    assert bo["composition_effect"] > 0.05 * bo["expected"]  # … explained by age structure
    assert abs(bo["other_effect"]) < 0.01 * bo["expected"] + 1
    for cid in demo.NULL_CATEGORIES:
        assert rows[cid]["flag"] == "similar", cid
        assert rows[cid]["persistent"] is False, cid
    # under the band model each of the planted findings depends on an alternative: daglig
    # verksamhet on the band 20–66 (1.30 falls inside its limits), boende and kontaktperson
    # on the age profile
    lines = demo.planted_check(table.filter(pl.col("year") == year))
    assert lines[0].endswith("depends on the age assumption (age_band=20-66)")
    assert "4/5 alternatives agree" in lines[0]
    assert lines[1].endswith("depends on the age assumption (age_model=profile)")
    assert lines[2].endswith("depends on the age assumption (age_model=profile)")


def test_default_comparison_of_the_focus(demo_data: Settings) -> None:
    """The age-profile model on Demoby 2024: what is robust and what depends on the ages."""
    compare = pytest.importorskip("benchmark.compare").compare
    year = YEARS[-1]
    table = compare(demo.DEMO_FOCUS, year, settings=demo_data)
    rows = {r["category"]: r for r in table.iter_rows(named=True)}
    dv = rows["daglig_verksamhet"]
    assert dv["flag"] == "higher" and dv["robust"] is True and dv["persistent"] is True
    assert dv["flag_alternatives"] == dv["n_alternatives"] == 5
    bo, kp = rows["boende"], rows["kontaktperson"]
    assert (bo["flag"], bo["robust"], bo["flag_depends_on"]) == ("higher", False,
                                                                 "age_model=band")
    assert (kp["flag"], kp["robust"], kp["flag_depends_on"]) == ("similar", False,
                                                                 "age_model=band")
    for cid in demo.NULL_CATEGORIES:
        assert rows[cid]["flag"] == "similar" and rows[cid]["robust"] is True, cid
    lines = demo.planted_check(table)
    assert lines[0].endswith("— as planted, robust") and "5/5 alternatives agree" in lines[0]
    assert lines[1].endswith("— depends on the age assumption (age_model=band)")
    assert lines[2].endswith("— depends on the age assumption (age_model=band)")
    assert not any("as planted" in ln for ln in lines[1:])
    # the constant planted 1.30 gets the same verdict every year (no 2016 flip)
    history = pytest.importorskip("benchmark.compare").history
    h = history(demo.DEMO_FOCUS, last_year=year, settings=demo_data).filter(
        pl.col("category") == "daglig_verksamhet")
    assert set(h["flag"]) == {"higher"} and h["robust"].all()


def test_screen_labels_every_row_and_flags_the_focus(demo_data: Settings) -> None:
    screen = pytest.importorskip("benchmark.screen").screen
    table = screen(YEARS[-1], settings=demo_data)
    assert table["municipality"].n_unique() == 290
    assert (table["data_origin"] == SYNTHETIC_ORIGIN).all()
    focus = table.filter(pl.col("municipality") == demo.DEMO_FOCUS)
    flags = dict(zip(focus["category"], focus["flag"], strict=True))
    robust = dict(zip(focus["category"], focus["robust"], strict=True))
    assert flags["daglig_verksamhet"] == "higher" and robust["daglig_verksamhet"]
    assert robust["kontaktperson"] is False and robust["boende"] is False
    # the others are mostly unflagged: overdispersion is modest but present
    strong = table.filter(pl.col("flag").is_in(["higher", "lower"]))
    assert strong.height < 0.05 * table.height


@pytest.mark.notebook
def test_run_demo_writes_only_labelled_outputs(tmp_path: Path) -> None:
    out = tmp_path / "reports"
    lines = list(demo.run_demo(out_dir=out, data_dir=tmp_path / "demo", progress=False))
    assert lines[0].startswith("*** SYNTETISKA DEMODATA") and lines[-1] == lines[0]
    planted = [ln for ln in lines if ln.startswith("  ") and "planted ×" in ln]
    assert len(planted) == 3 and planted[0].endswith("— as planted, robust")
    assert all(ln.endswith("depends on the age assumption (age_model=band)")
               for ln in planted[1:])
    files = sorted(p.name for p in out.iterdir())
    assert files and all("DEMO" in name for name in files), files
    year = YEARS[-1]
    screening = pl.read_csv(out / f"screening-{year}-DEMO.csv",
                            schema_overrides={"municipality": pl.String})
    assert screening.height == 290 * len(CATEGORIES)
    assert (screening["data_origin"] == SYNTHETIC_ORIGIN).all()
    assert screening["municipality"].str.len_chars().eq(4).all()
    comparison = pl.read_csv(out / f"compare-{demo.DEMO_FOCUS}-{year}-DEMO.csv",
                             schema_overrides={"municipality": pl.String})
    assert set(comparison["municipality"]) == {demo.DEMO_FOCUS}  # leading zero kept
    assert (comparison["data_origin"] == SYNTHETIC_ORIGIN).all()
    html = [p for p in out.iterdir() if p.suffix == ".html"]
    assert len(html) == 1 and demo.DEMO_FOCUS in html[0].name
    assert "Syntetiska demodata" in html[0].read_text(encoding="utf-8")
    assert read_manifest(demo.demo_settings(tmp_path / "demo"))["synthetic"] is True


def test_processed_peer_groups_resolve_like_kolada(demo_data: Settings) -> None:
    g = read_table("peer_groups", demo_data)
    kinds = dict(g.group_by("kind").agg(pl.col("group_id").n_unique()).iter_rows())
    assert kinds["liknande_lss"] == 290 and kinds["lan"] == 21
    assert kinds["kommungrupp"] == 9 and kinds["storlek"] == 9
    lik = g.filter(pl.col("kind") == "liknande_lss")
    assert lik["focus"].n_unique() == 290
    assert lik.filter(pl.col("focus") == pl.col("member")).height == 0
    compare = pytest.importorskip("benchmark.compare").compare
    for peer in ("liknande_lss", "kommungrupp", "lan"):
        table = compare(demo.DEMO_FOCUS, YEARS[-1], peer_group=peer, settings=demo_data)
        assert table["peer_ratio"].is_not_null().any(), peer
        assert (table["data_origin"] == SYNTHETIC_ORIGIN).all()


def test_need_adjustment_tells_need_from_practice(demo_screen: pl.DataFrame) -> None:
    """Demostad's daglig verksamhet follows its high aktivitetsersättning: higher adjusted
    for age, not after the need adjustment; Demoby's +30 % practice stays higher."""
    lines = demo.need_check(demo_screen)
    assert len(lines) == 2 and all(ln.endswith("— as planted") for ln in lines)
    rows = {r["municipality"]: r for r in demo_screen.filter(
        (pl.col("category") == "daglig_verksamhet")
        & pl.col("municipality").is_in([demo.NEED_FOCUS, demo.DEMO_FOCUS])).iter_rows(named=True)}
    need, practice = rows[demo.NEED_FOCUS], rows[demo.DEMO_FOCUS]
    assert (need["flag"], need["robust"], need["need_flag"]) == ("higher", True, "similar")
    assert (practice["flag"], practice["need_flag"]) == ("higher", "higher")
    assert need["need_explains"] and need["need_beta_lower"] > 0
    for r in (need, practice):
        assert (r["composition_effect"] + r["need_effect"] + r["other_effect"]
                == pytest.approx(r["observed"] - r["expected_crude"]))
    assert need["need_effect"] > 0.8 * (need["observed"] - need["expected"])
    assert abs(practice["need_effect"]) < 0.1 * practice["other_effect"]
