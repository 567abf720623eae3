"""benchmark.screen on the small processed tables of tests/processed_fixture.py."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest

from benchmark import stats
from benchmark.catalog import CATEGORIES, TOTAL_BANDS
from benchmark.config import Settings
from benchmark.errors import InputError
from benchmark.screen import COLUMNS, screen
from tests import processed_fixture as fx


@pytest.fixture(scope="module")
def data_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return fx.write_processed(tmp_path_factory.mktemp("data"))


@pytest.fixture(scope="module")
def table(data_settings: Settings) -> pl.DataFrame:
    return screen(2023, settings=data_settings)


def _row(df: pl.DataFrame, code: str, cat: str) -> dict:
    return df.filter((pl.col("municipality") == code) & (pl.col("category") == cat)).row(
        0, named=True)


def test_shape_and_columns(table: pl.DataFrame) -> None:
    assert table.height == len(fx.CODES) * 10
    assert tuple(table.columns[: len(COLUMNS)]) == COLUMNS
    assert set(table["category"]) == {c.id for c in CATEGORIES}
    assert table["year"].unique().to_list() == [2023]
    assert table["data_origin"].unique().to_list() == ["syntetiska demodata"]
    assert table["peer_group_id"].null_count() == table.height
    assert table.schema["population_total"] == pl.Int64
    assert table.schema["years_flagged"] == pl.Int64


def test_expected_by_hand(table: pl.DataFrame) -> None:
    r = _row(table, "0001", "boende")
    # national band rate 0.01 × local 20+ population 2·200·81 (SIZE 200)
    assert r["population_band"] == 2 * 200 * 81
    assert r["expected"] == pytest.approx(0.01 * 2 * 200 * 81)
    nat_crude = fx.national_count("boende") / fx.band_pop("0000", 0, None)
    assert r["national_rate_per_10k"] == pytest.approx(nat_crude * 1e4)
    assert r["expected_crude"] == pytest.approx(nat_crude * 2 * 200 * 101)
    assert r["observed"] == fx.local_count("0001", "boende")
    assert r["rate_per_10k"] == pytest.approx(r["observed"] / (2 * 200 * 101) * 1e4)
    lo = stats.wilson_lower([r["observed"]], [2 * 200 * 101], 0.95)[0] * 1e4
    assert r["rate_lower"] == pytest.approx(lo)
    ci = stats.standardised_ratio([r["observed"]], [r["expected"]], 0.95)
    assert (r["ratio"], r["ratio_lower"], r["ratio_upper"]) == pytest.approx(
        (ci.estimate[0], ci.lower[0], ci.upper[0]))
    assert r["ratio_method"] == "Byars" and r["confidence"] == 0.95


def test_total_is_standardised_over_three_bands(table: pl.DataFrame) -> None:
    r = _row(table, "0005", "totalt")
    e = sum(rate * fx.band_pop("0005", lo, hi)
            for rate, (lo, hi) in zip(fx.TOTAL_RATE, TOTAL_BANDS, strict=True))
    assert r["expected"] == pytest.approx(e)
    assert r["reference_band"] == "0–22/23–64/65+"
    # Riket is older than the municipalities, so the crude expectation differs from E
    assert abs(r["expected"] - r["expected_crude"]) > 1


def test_decomposition_sums(table: pl.DataFrame) -> None:
    ok = table.filter(pl.col("flag") != "not_assessed")
    lhs = (ok["composition_effect"] + ok["practice_effect"]).to_numpy()
    rhs = (ok["observed"] - ok["expected_crude"]).to_numpy()
    np.testing.assert_allclose(lhs, rhs, rtol=1e-12, atol=1e-9)
    np.testing.assert_allclose(ok["excess"].to_numpy(),
                               (ok["observed"] - ok["expected"]).to_numpy())


def test_not_assessed_rows(table: pl.DataFrame) -> None:
    sup = _row(table, "0002", "korttidstillsyn")
    assert sup["status"] == "suppressed" and sup["flag"] == "not_assessed"
    assert sup["flag_95"] == "not_assessed"
    assert "suppressed" in sup["flag_reason"]
    assert sup["observed"] is None and sup["ratio"] is None and sup["p_value"] is None
    miss = _row(table, "0003", "ledsagarservice")
    assert miss["status"] == "missing" and miss["flag"] == "not_assessed"
    assert "missing" in miss["flag_reason"]
    assert (table.filter(pl.col("flag") != "not_assessed")["flag_reason"] == "").all()
    assert table.filter(pl.col("flag") == "not_assessed").height == 2


def test_planted_deviation_flagged_and_persistent(table: pl.DataFrame) -> None:
    r = _row(table, "0001", "daglig_verksamhet")
    assert r["flag"] == "higher" and r["flag_95"] == "higher"
    assert r["persistent"] and r["years_flagged"] == 5
    assert r["persistence_direction"] == "higher"
    assert r["p_value"] < 0.002 and r["q_value"] < 0.05
    assert r["od_adjusted"] and r["phi"] > 1
    assert r["ratio"] > r["limit_upper_998"]
    assert r["excess_cost"] == pytest.approx(r["excess"] * 250_000)
    assert r["cost_per_user"] == 250_000 and r["cost_year"] == 2023
    assert r["net_cost_deviation_pct"] == 12.5
    others = table.filter((pl.col("municipality") != "0001")
                          & (pl.col("category") == "daglig_verksamhet"))
    assert (others["flag"] == "similar").all()


def test_costs_only_where_published(table: pl.DataFrame) -> None:
    priced = table.filter(pl.col("cost_per_user").is_not_null())["category"].unique().sort()
    assert priced.to_list() == ["boende", "daglig_verksamhet"]
    assert table.filter(pl.col("municipality") == "0002")["net_cost_deviation_pct"] \
        .null_count() == 10


def test_overdispersion_matches_stats(table: pl.DataFrame) -> None:
    g = table.filter((pl.col("category") == "boende") & (pl.col("flag") != "not_assessed"))
    od = stats.overdispersion(g["observed"].to_numpy(), g["expected"].to_numpy(),
                              consistency=True)
    assert g["phi"].unique().to_list() == [pytest.approx(od.phi)]
    assert g["tau2"].unique().to_list() == [pytest.approx(od.tau2)]
    f = stats.funnel_flags(g["observed"].to_numpy(), g["expected"].to_numpy(), 0.998,
                           phi=od.phi, tau2=od.tau2)
    np.testing.assert_allclose(g["limit_upper_998"].to_numpy(), f.upper)
    assert g["flag"].to_list() == list(f.flag)
    shrunk, _ = stats.eb_shrink(g["observed"].to_numpy(), g["expected"].to_numpy())
    np.testing.assert_allclose(g["ratio_shrunk"].to_numpy(), shrunk)


def test_q_values_within_municipality(table: pl.DataFrame) -> None:
    g = table.filter(pl.col("municipality") == "0002")
    p = g["p_value"].to_numpy().astype(float)
    expected = stats.bh_qvalues(p)
    np.testing.assert_allclose(g["q_value"].fill_null(np.nan).to_numpy(), expected,
                               equal_nan=True)


def test_confidence_parameters(data_settings: Settings, table: pl.DataFrame) -> None:
    narrow = screen(2023, settings=data_settings, confidence=0.8, strong_confidence=0.99)
    a, b = _row(table, "0004", "boende"), _row(narrow, "0004", "boende")
    assert b["confidence"] == 0.8 and b["strong_confidence"] == 0.99
    assert b["ratio_upper"] - b["ratio_lower"] < a["ratio_upper"] - a["ratio_lower"]
    assert b["limit_upper_998"] < a["limit_upper_998"]
    with pytest.raises(InputError, match="strong_confidence"):
        screen(2023, settings=data_settings, strong_confidence=1.2)


def test_unknown_year_lists_available(data_settings: Settings) -> None:
    with pytest.raises(InputError, match="available years: 2019–2023"):
        screen(2031, settings=data_settings)


def test_riket_population_and_total_fallbacks(tmp_path: Path) -> None:
    s = fx.write_processed(tmp_path)
    proc = s.processed_dir
    pop = pl.read_parquet(proc / "population.parquet")
    pop.filter(pl.col("municipality") != "0000").write_parquet(proc / "population.parquet")
    lss = pl.read_parquet(proc / "lss.parquet")
    lss.filter(~((pl.col("category") == "totalt_0_22") & (pl.col("year") == 2023))) \
        .write_parquet(proc / "lss.parquet")
    df = screen(2023, settings=s)
    r = _row(df, "0001", "boende")
    # Riket population = sum of the municipalities when SCB's national row is absent
    riket_band = sum(fx.band_pop(c, 20, None) for c in fx.CODES)
    assert r["expected"] == pytest.approx(
        fx.national_count("boende") / riket_band * fx.band_pop("0001", 20, None))
    t = _row(df, "0001", "totalt")
    assert t["reference_band"].startswith("alla åldrar")
    assert t["expected"] == pytest.approx(t["expected_crude"])
    assert t["composition_effect"] == pytest.approx(0.0)


def test_real_origin_label(tmp_path: Path) -> None:
    s = fx.write_processed(tmp_path, synthetic=False)
    df = screen(2021, settings=s)
    assert df["data_origin"].unique().to_list() == ["Kolada (RKA) och SCB"]
    # 2021 has only three years of history: persistence counts what exists
    r = _row(df, "0001", "daglig_verksamhet")
    assert r["years_flagged"] == 3 and r["years_assessed"] == 3 and r["persistent"]


def test_pooled_three_year_test(table: pl.DataFrame, data_settings: Settings) -> None:
    r = _row(table, "0001", "daglig_verksamhet")
    assert r["observed_3y"] == 3 * fx.local_count("0001", "daglig_verksamhet")
    assert r["expected_3y"] == pytest.approx(3 * r["expected"])
    assert r["ratio_3y"] == pytest.approx(r["observed_3y"] / r["expected_3y"])
    assert r["flag_3y"] == "higher"
    sup = _row(table, "0002", "korttidstillsyn")  # suppressed in 2023: no pooled value
    assert sup["ratio_3y"] is None and sup["flag_3y"] == "not_assessed"
    early = screen(2020, settings=data_settings)  # only 2019–2020 exist
    assert early["ratio_3y"].null_count() == early.height
    assert set(early["flag_3y"]) == {"not_assessed"}
