"""The age-profile model: the shipped figures, the derived shape, and E by hand.

The shape is re-derived here from the published figures with the documented formulas
(benchmark.comparison.profile) and E is recomputed from its definition
E = X · Σ_g s_g P_m,g / Σ_g s_g P_Riket,g on the flat-population fixture.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest

from benchmark.catalog import CATEGORY_BY_ID, TOTAL_BANDS
from benchmark.comparison import Method, screen
from benchmark.comparison import profile as prof
from benchmark.config import Settings
from tests import processed_fixture as fx

DATA = Path(prof.__file__).resolve().parents[1] / "data"
PROFILE = Method(reference="riket")  # the fixture's Riket is smaller than its municipalities


def _published() -> pl.DataFrame:
    return pl.read_csv(DATA / "lss_per10000_age_krets_sex_2021.csv", comment_prefix="#")


def test_package_data_carry_their_source() -> None:
    for name in ("lss_per10000_age_krets_sex_2021.csv", "lss_persons_insats_sex_2021.csv"):
        head = (DATA / name).read_text(encoding="utf-8").split("\n", 12)
        text = " ".join(head[:12])
        assert "https://www.scb.se/" in text and "Socialstyrelsen" in text
        assert "transcription" in text.lower()
    pub = _published()
    assert pub.height == 60  # 10 age groups × 3 personkretsar × 2 sexes ("Samtliga" left out)
    assert set(pub["personkrets"]) == {1, 2, 3}


def test_shipped_figures_equal_the_reference_transcription(shared_data: Path) -> None:
    """The package data are the rows of the shared transcription that are used, unchanged."""
    src = pl.read_csv(shared_data / "lss_national" /
                      "scb_jamstalldhet_lss_per10000_efter_personkrets_alder_kon_2021-10-01.csv")
    used = src.filter(pl.col("alder") != "Samtliga")
    assert _published().equals(used)
    counts = pl.read_csv(DATA / "lss_persons_insats_sex_2021.csv", comment_prefix="#")
    ref = pl.read_csv(shared_data / "lss_national" /
                      "scb_jamstalldhet_lss_personer_efter_insatstyp_2021-10-01.csv")
    assert counts.equals(ref.filter(pl.col("insats_nr").is_between(2, 10)))


def test_fine_groups_by_hand() -> None:
    def r(krets: int, kon: str, alder: str) -> float:
        return _published().filter((pl.col("personkrets") == krets) & (pl.col("kon") == kon)
                                   & (pl.col("alder") == alder))["per_10000_invanare"][0]

    fine = prof.fine_rates()
    for krets in (1, 2, 3):
        for kon, sex in (("kvinnor", "K"), ("män", "M")):
            r13 = max(0.0, (20 * r(krets, kon, "0-19 år") - 7 * r(krets, kon, "0-6 år")
                            - 6 * r(krets, kon, "7-12 år")) / 7)
            r20 = max(0.0, (10 * r(krets, kon, "13-22 år") - 7 * r13) / 3)
            r23 = max(0.0, (25 * r(krets, kon, "20-44 år") - 3 * r20) / 22)
            want = [r(krets, kon, "0-6 år"), r(krets, kon, "7-12 år"), r13, r20, r23,
                    r(krets, kon, "45-64 år"), r(krets, kon, "65-79 år"), r(krets, kon, "80- år")]
            got = fine.filter((pl.col("personkrets") == krets) & (pl.col("sex") == sex)
                              ).sort("age_lo")["per_10000"].to_list()
            assert got == pytest.approx(want, abs=1e-12)
    # recombined with equal years the fine groups give the published groups back
    m1 = fine.filter((pl.col("personkrets") == 1) & (pl.col("sex") == "M")).sort("age_lo")
    v = m1["per_10000"].to_list()
    assert (7 * v[0] + 6 * v[1] + 7 * v[2]) / 20 == pytest.approx(r(1, "män", "0-19 år"))
    assert (7 * v[2] + 3 * v[3]) / 10 == pytest.approx(r(1, "män", "13-22 år"))
    assert (3 * v[3] + 22 * v[4]) / 25 == pytest.approx(r(1, "män", "20-44 år"))


def test_published_23_64_is_close_to_what_the_fine_groups_imply() -> None:
    check = prof.consistency()
    rel = (check["implied"] / check["published"] - 1).abs()
    krets1 = check["personkrets"] == 1
    assert rel.filter(krets1).max() < 0.03
    assert rel.max() < 0.05


def test_shape_kretsar_and_sex_ratio() -> None:
    fine = prof.fine_rates()
    dv = prof.shape("daglig_verksamhet")
    # daglig verksamhet: personkrets 1 and 2 only (LSS 7 §); women aged 30 (group 23–44)
    k12 = fine.filter(pl.col("personkrets").is_in([1, 2]) & (pl.col("sex") == "K")
                      & (pl.col("age_lo") == 23))["per_10000"].sum()
    assert dv[0, 30] == pytest.approx(k12)
    # the men's profile is scaled so that men/women inside the band is the published ratio
    for cid, (women, men) in {"daglig_verksamhet": (16744, 23320),
                              "avlosarservice": (1191, 2904),
                              "boende": (303 + 12195, 569 + 17356)}.items():
        cat = CATEGORY_BY_ID[cid]
        s = prof.shape(cid)
        band = slice(cat.age_min, (100 if cat.age_max is None else cat.age_max) + 1)
        assert s[1, band].sum() / s[0, band].sum() == pytest.approx(men / women, rel=1e-12)
    # no published split: the kretsar's own sex profile (factor 1)
    assert prof.sex_factor("personlig_assistans_sfb") == 1.0
    assert prof.sex_factor("totalt") == 1.0
    assert not prof.shape("boende").flags.writeable


def _w(code: str, cid: str, lo: int, hi: int | None, sexes: tuple[int, ...] = (0, 1)) -> float:
    """Σ s·P over the band for the fixture (flat populations per age and sex)."""
    s = prof.shape(cid)
    top = 100 if hi is None else hi
    return sum(s[x, a] * (fx.riket_pop(a) if code == "0000" else fx.SIZE[code])
               for x in sexes for a in range(lo, top + 1))


@pytest.fixture(scope="module")
def data_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return fx.write_processed(tmp_path_factory.mktemp("data"))


def test_expected_by_hand_profile(data_settings: Settings) -> None:
    table = screen(2023, settings=data_settings, method=PROFILE)
    for code, cid in (("0001", "boende"), ("0007", "daglig_verksamhet"),
                      ("0004", "kontaktperson"), ("0010", "korttidstillsyn")):
        cat = CATEGORY_BY_ID[cid]
        r = table.filter((pl.col("municipality") == code) & (pl.col("category") == cid)
                         ).row(0, named=True)
        x = fx.national_count(cid)
        e = x * _w(code, cid, cat.age_min, cat.age_max) / _w("0000", cid, cat.age_min,
                                                             cat.age_max)
        assert r["expected"] == pytest.approx(e, rel=1e-12)
        assert r["age_model"] == "profile" and r["reference"] == "riket"
        assert r["reference_band"] == cat.band_label


def test_total_profile_by_hand_pooled_sex(data_settings: Settings) -> None:
    """The fixture publishes no sex split of 0–22: the total is pooled over sex there."""
    r = screen(2023, settings=data_settings, method=PROFILE).filter(
        (pl.col("municipality") == "0005") & (pl.col("category") == "totalt")).row(0, named=True)
    e = sum(rate * fx.band_pop("0000", lo, hi) * _w("0005", "totalt", lo, hi)
            / _w("0000", "totalt", lo, hi)
            for rate, (lo, hi) in zip(fx.TOTAL_RATE, TOTAL_BANDS, strict=True))
    assert r["expected"] == pytest.approx(e, rel=1e-12)
    assert r["reference_band"] == "0–22/23–64/65+"


def test_total_profile_split_by_sex(tmp_path: Path) -> None:
    """With N28891 by sex the 0–22 band is standardised per sex: E_0-22 = Σ_sex X_sex ·
    Σ s P_m,sex / Σ s P_Riket,sex."""
    t = fx.tables()
    lss = t["lss"]
    split = (lss.filter((pl.col("municipality") == "0000")
                        & (pl.col("category") == "totalt_0_22"))
             .with_columns(pl.col("count") * 0.35)
             .with_columns(pl.lit("totalt_0_22_k").alias("category")))
    men = split.with_columns((pl.col("count") / 0.35 * 0.65),
                             pl.lit("totalt_0_22_m").alias("category"))
    s = fx.write_processed(tmp_path, replace={"lss": pl.concat([lss, split, men])})
    r = screen(2023, settings=s, method=PROFILE).filter(
        (pl.col("municipality") == "0005") & (pl.col("category") == "totalt")).row(0, named=True)
    x022 = fx.TOTAL_RATE[0] * fx.band_pop("0000", 0, 22)
    young = sum(x022 * share * _w("0005", "totalt", 0, 22, (sex,))
                / _w("0000", "totalt", 0, 22, (sex,)) for sex, share in ((0, 0.35), (1, 0.65)))
    rest = sum(rate * fx.band_pop("0000", lo, hi) * _w("0005", "totalt", lo, hi)
               / _w("0000", "totalt", lo, hi)
               for rate, (lo, hi) in zip(fx.TOTAL_RATE[1:], TOTAL_BANDS[1:], strict=True))
    assert r["expected"] == pytest.approx(young + rest, rel=1e-12)


def test_band_model_setting_and_cli(data_settings: Settings, demo_data: Settings) -> None:
    from tests.test_robustness import _run

    band = screen(2023, settings=data_settings, method=Method(age_model="band",
                                                               reference="riket"))
    r = band.filter((pl.col("municipality") == "0001") & (pl.col("category") == "boende")
                    ).row(0, named=True)
    assert r["expected"] == pytest.approx(0.01 * fx.band_pop("0001", 20, None))
    assert r["age_model"] == "band"
    res = _run(["screen", "--year", "2024", "--age-model", "band", "--reference", "riket",
                "--category", "daglig_verksamhet", "--format", "csv", "--data-dir",
                str(demo_data.data_dir)])
    assert res.returncode == 0, res.stderr
    got = pl.read_csv(res.stdout.encode(), schema_overrides={"municipality": pl.String})
    ref = screen(2024, settings=demo_data, age_model="band", method=Method(reference="riket"))
    ref = ref.filter(pl.col("category") == "daglig_verksamhet")
    np.testing.assert_allclose(got["expected"].to_numpy(), ref["expected"].to_numpy(),
                               rtol=1e-12)
    assert set(got["age_model"]) == {"band"} and "age_model=band" in got["method"][0]
    bad = _run(["screen", "--age-model", "flat", "--data-dir", str(demo_data.data_dir)])
    assert bad.returncode == 2 and "invalid choice: 'flat'" in bad.stderr
