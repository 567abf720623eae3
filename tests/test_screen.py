"""benchmark.screen on the small processed tables of tests/processed_fixture.py.

The tests here check the band model's formulas by hand, so they run with the method of
version 0.1 (``Method.legacy()``: band model, Riket, single-year overdispersion, BH within
municipality × year, Marshall shrinkage, sequential decomposition); the fixture's Riket is
smaller than its municipalities, which suits hand computation but not a rest-of-Sweden
reference. The defaults of issue 12 are tested in tests/test_age_profile.py,
tests/test_reference.py, tests/test_window.py and tests/test_robust.py.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest

from benchmark import stats
from benchmark.catalog import CATEGORIES, TOTAL_BANDS
from benchmark.comparison import Method
from benchmark.config import Settings
from benchmark.errors import InputError
from benchmark.screen import COLUMNS
from benchmark.screen import screen as screen_default
from benchmark.store import read_table, write_table
from tests import processed_fixture as fx

LEGACY = Method.legacy()


def screen(*args: object, **kwargs: object) -> pl.DataFrame:
    """``screen`` with the version 0.1 method (see the module docstring)."""
    return screen_default(*args, method=LEGACY, **kwargs)  # type: ignore[arg-type]


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
    lhs = (ok["composition_effect"] + ok["other_effect"]).to_numpy()
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
    t = fx.tables()
    s = fx.write_processed(tmp_path, replace={
        "population": t["population"].filter(pl.col("municipality") != "0000"),
        "lss": t["lss"].filter(~((pl.col("category") == "totalt_0_22")
                                 & (pl.col("year") == 2023)))})
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


# --------------------------------------------------------------------------- age bands

#: 18–70 reaches into Riket's older, thinner ages (500 per age and sex from 65), so the new
#: E differs from the default one (with a band inside 0–64 it would not: flat populations)
DV_BAND = {"daglig_verksamhet": (18, 70)}


@pytest.fixture(scope="module")
def banded(data_settings: Settings) -> pl.DataFrame:
    return screen(2023, settings=data_settings, age_bands=DV_BAND)


def test_age_band_override_by_hand(banded: pl.DataFrame, table: pl.DataFrame) -> None:
    # national rate in the NEW band (Riket persons / Riket 18–70) × local 18–70 population
    nat_rate = fx.national_count("daglig_verksamhet") / fx.band_pop("0000", 18, 70)
    for code in ("0001", "0007"):
        r = _row(banded, code, "daglig_verksamhet")
        assert r["reference_band"] == "18–70"
        assert r["population_band"] == fx.band_pop(code, 18, 70)
        assert r["expected"] == pytest.approx(nat_rate * fx.band_pop(code, 18, 70), rel=1e-12)
        assert r["expected"] > 1.05 * _row(table, code, "daglig_verksamhet")["expected"]
        assert r["ratio"] == pytest.approx(r["observed"] / r["expected"], rel=1e-12)
    # crude figures do not depend on the band
    r = _row(banded, "0001", "daglig_verksamhet")
    assert r["expected_crude"] == pytest.approx(
        fx.national_count("daglig_verksamhet") / fx.band_pop("0000", 0, None)
        * fx.band_pop("0001", 0, None))


def test_age_band_override_feeds_the_estimates_across_municipalities(
        banded: pl.DataFrame, table: pl.DataFrame) -> None:
    g = banded.filter((pl.col("category") == "daglig_verksamhet")
                      & (pl.col("flag") != "not_assessed"))
    o, e = g["observed"].to_numpy(), g["expected"].to_numpy()
    od = stats.overdispersion(o, e, consistency=True)
    assert g["phi"].unique().to_list() == [pytest.approx(od.phi)]
    assert g["tau2"].unique().to_list() == [pytest.approx(od.tau2)]
    np.testing.assert_allclose(g["ratio_shrunk"].to_numpy(), stats.eb_shrink(o, e)[0])
    old = table.filter(pl.col("category") == "daglig_verksamhet")
    assert g["phi"][0] != pytest.approx(old["phi"][0], rel=1e-6)  # the bands matter
    f = stats.funnel_flags(o, e, 0.998, phi=od.phi, tau2=od.tau2)
    assert g["flag"].to_list() == list(f.flag)
    # the pooled 3-year test uses the new E as well
    r = _row(banded, "0001", "daglig_verksamhet")
    assert r["expected_3y"] == pytest.approx(3 * r["expected"])


def test_age_band_override_leaves_other_categories(banded: pl.DataFrame,
                                                   table: pl.DataFrame) -> None:
    others = pl.col("category") != "daglig_verksamhet"
    # q-values are BH within municipality × year over all categories, so they may move;
    # the method record names the override
    cols = [c for c in banded.columns if c not in ("q_value", "method")]
    assert banded.filter(others).select(cols).equals(table.filter(others).select(cols))
    assert banded["method"].str.contains("age_bands=daglig_verksamhet:18-70;").all()
    assert table["method"].str.contains("age_bands=catalogue;").all()
    assert _row(banded, "0001", "boende")["reference_band"] == "20+"


def test_default_bands_unchanged(data_settings: Settings, table: pl.DataFrame) -> None:
    assert screen(2023, settings=data_settings, age_bands=None).equals(table)
    assert screen(2023, settings=data_settings, age_bands={}).equals(table)
    # overriding with the catalogue's own band gives the same table
    same = {"boende": (20, None), "daglig_verksamhet": (20, 64)}
    assert screen(2023, settings=data_settings, age_bands=same).equals(table)


def test_open_band_and_all_ages(data_settings: Settings) -> None:
    df = screen(2023, settings=data_settings,
                age_bands={"boende": (30, 100), "korttidstillsyn": (0, None)})
    r = _row(df, "0004", "boende")
    assert r["reference_band"] == "30+"
    assert r["expected"] == pytest.approx(
        fx.national_count("boende") / fx.band_pop("0000", 30, None)
        * fx.band_pop("0004", 30, None), rel=1e-12)
    k = _row(df, "0004", "korttidstillsyn")
    assert k["reference_band"] == "alla åldrar"
    # all ages: E is the crude expectation
    assert k["expected"] == pytest.approx(k["expected_crude"], rel=1e-12)
    assert k["composition_effect"] == pytest.approx(0.0, abs=1e-9)


@pytest.mark.parametrize(("age_bands", "match"), [
    ({"boendet": (20, None)}, "unknown category 'boendet'"),
    ({"totalt": (0, 64)}, "N28891/N28890"),
    ({"boende": (40, 30)}, "lower age exceeds the upper"),
    ({"boende": (20, 120)}, "upper age exceeds 100"),
    ({"boende": (120, None)}, "lower age must be 0–100"),
])
def test_invalid_age_bands(data_settings: Settings, tmp_path: Path, age_bands: dict,
                           match: str) -> None:
    with pytest.raises(InputError, match=match):
        screen(2023, settings=data_settings, age_bands=age_bands)
    # checked before any data is read: no DataError for a folder without data
    with pytest.raises(InputError, match=match):
        screen(2023, settings=Settings(data_dir=tmp_path / "none"), age_bands=age_bands)


# --------------------------------------------------------------------------- age bands: CLI


def _cli_age_band_cases() -> dict[str, tuple[list[str], list[str]]]:
    """case → (arguments after the command, substrings of the one error line)."""
    from benchmark.demo import DEMO_FOCUS

    cmp = ["compare", "--kommun", DEMO_FOCUS, "--year", "2024", "--age-band"]
    scr = ["screen", "--year", "2024", "--age-band"]
    return {
        "unknown": ([*scr, "boendet=20+"], ["--age-band", "'boendet'", "daglig_verksamhet"]),
        "totalt": ([*cmp, "totalt=0-22"], ["'totalt'", "N28891/N28890"]),
        "backwards": ([*scr, "boende=30-20"], ["30-20", "lower age exceeds the upper"]),
        "over-100": ([*cmp, "boende=20-101"], ["20-101", "upper age exceeds 100"]),
        "syntax": ([*scr, "boende:20"], ["'boende:20'", "CATEGORY=LO-HI", "CATEGORY=LO+"]),
        "missing-value": (cmp, ["--age-band", "expected one argument"]),
        "twice": ([*cmp, "boende=20+", "--age-band", "boende=18+"],
                  ["given twice for boende"]),
    }


@pytest.fixture(scope="module")
def cli_age_band_results(demo_data: Settings) -> dict[str, object]:
    from concurrent.futures import ThreadPoolExecutor

    from tests.test_robustness import _run

    cases = _cli_age_band_cases()
    with ThreadPoolExecutor(4) as pool:
        runs = pool.map(lambda a: _run([*a[0], "--data-dir", str(demo_data.data_dir)]),
                        cases.values())
        return dict(zip(cases, runs, strict=True))


@pytest.mark.parametrize("case", list(_cli_age_band_cases()))
def test_cli_bad_age_band_exits_2_with_one_line(case: str, cli_age_band_results: dict
                                                ) -> None:
    from tests.test_robustness import _one_line_error

    res = cli_age_band_results[case]
    line = _one_line_error(res, 2)
    for needle in _cli_age_band_cases()[case][1]:
        assert needle in line, (needle, line)
    assert res.stdout == ""


def test_cli_screen_age_band(demo_data: Settings) -> None:
    from tests.test_robustness import _run

    res = _run(["screen", "--year", "2024", "--age-band", "daglig_verksamhet=18-64",
                "--age-band", "boende=all", "--category", "daglig_verksamhet,boende",
                "--format", "csv", "--data-dir", str(demo_data.data_dir)])
    assert res.returncode == 0, res.stderr
    got = pl.read_csv(res.stdout.encode(), schema_overrides={"municipality": pl.String})
    ref = screen_default(2024, settings=demo_data,
                         age_bands={"daglig_verksamhet": (18, 64), "boende": (0, None)})
    for cat, band in (("daglig_verksamhet", "18–64"), ("boende", "alla åldrar")):
        a = got.filter(pl.col("category") == cat).sort("municipality")
        b = ref.filter(pl.col("category") == cat).sort("municipality")
        assert a.height == 290 and a["reference_band"].unique().to_list() == [band]
        np.testing.assert_allclose(a["expected"].to_numpy(), b["expected"].to_numpy(),
                                   rtol=1e-9)
        assert a["flag"].to_list() == b["flag"].to_list()


def test_cli_help_documents_age_band() -> None:
    from tests.test_robustness import _run

    for cmd in ("compare", "screen"):
        res = _run([cmd, "--help"])
        assert res.returncode == 0
        text = " ".join(res.stdout.split())
        assert "--age-band CATEGORY=LO-HI" in text
        assert "catalogue's reference bands" in text and "notebooks/04-metod" in text
        assert "boende=20+" in text and "=all" in text


def _gappy_population(s: Settings, *, drop_riket: bool = False) -> None:
    """0001 2023: ages 30–39 (K) null; 0003 2023: the row age 70 (M) missing."""
    pop = read_table("population", s)
    in_2023 = pl.col("year") == 2023
    nulled = in_2023 & (pl.col("municipality") == "0001") & (pl.col("sex") == "K") \
        & pl.col("age").is_between(30, 39)
    pop = pop.with_columns(pl.when(nulled).then(None).otherwise(pl.col("population"))
                           .alias("population"))
    pop = pop.filter(~(in_2023 & (pl.col("municipality") == "0003") & (pl.col("sex") == "M")
                       & (pl.col("age") == 70)))
    if drop_riket:
        pop = pop.filter(pl.col("municipality") != "0000")
    write_table("population", pop, s)


def test_missing_population_cells_are_not_assessed(tmp_path: Path) -> None:
    s = fx.write_processed(tmp_path)
    _gappy_population(s)
    df = screen(2023, settings=s)
    for code in ("0001", "0003"):
        r = _row(df, code, "boende")  # band 20+ holds the gap: no partial sum, no E
        assert r["population_band"] is None and r["expected"] is None
        assert r["flag"] == r["flag_95"] == "not_assessed"
        assert r["flag_reason"] == "no population data for the reference age band"
        # a complete band, but the total population (crude rate, expected_crude) is unknown
        k = _row(df, code, "korttidstillsyn")
        assert k["population_band"] == fx.band_pop(code, 13, 22)
        assert k["population_total"] is None
        assert k["flag"] == "not_assessed" and k["flag_reason"] == "no population data"
    # the others are unaffected (Riket is SCB's own row here)
    r = _row(df, "0002", "boende")
    assert r["expected"] == pytest.approx(fx.national_count("boende") / fx.band_pop(
        "0000", 20, None) * fx.band_pop("0002", 20, None))
    assert r["flag_reason"] == ""


def test_missing_population_cells_leave_the_summed_riket_and_peers(tmp_path: Path) -> None:
    from benchmark.compare import compare

    s = fx.write_processed(tmp_path)
    _gappy_population(s)
    # peers: 0001 and 0003 (incomplete population) leave Testlän; 0004–0006 remain
    r = compare("0002", 2023, settings=s, peer_group="G400").filter(
        pl.col("category") == "boende").row(0, named=True)
    assert r["peer_members"] == 3
    members = ["0004", "0005", "0006"]
    x = sum(fx.local_count(m, "boende") for m in members)
    assert r["peer_rate_per_10k"] == pytest.approx(
        x / sum(fx.band_pop(m, 0, None) for m in members) * 1e4)
    assert r["peer_expected"] == pytest.approx(
        x / sum(fx.band_pop(m, 20, None) for m in members) * fx.band_pop("0002", 20, None))
    # Riket summed from municipalities: unknown when any municipality's band is
    s2 = fx.write_processed(tmp_path / "no_riket")
    _gappy_population(s2, drop_riket=True)
    df = screen(2023, settings=s2)
    assert set(df["flag"].to_list()) == {"not_assessed"}
    assert df["expected"].null_count() == df.height
    assert set(df.filter(pl.col("municipality") == "0004")["flag_reason"].to_list()) == {
        "no national figure for this year"}


def test_rate_only_total_without_population_says_so(tmp_path: Path) -> None:
    """process keeps a published rate-only row 'ok' with a null count when the population
    is missing (see benchmark.process); screen names the cause, not Kolada."""
    t = fx.tables()
    gone = (pl.col("municipality") == "0005") & (pl.col("year") == 2023)
    lss = t["lss"].with_columns(
        pl.when(gone & (pl.col("category") == "totalt")).then(None)
        .otherwise(pl.col("count")).alias("count"),
        pl.when(gone & (pl.col("category") == "totalt")).then(25.0)
        .otherwise(pl.col("per_10k")).alias("per_10k"))
    s = fx.write_processed(tmp_path, replace={"population": t["population"].filter(~gone),
                                              "lss": lss})
    df = screen(2023, settings=s)
    t = _row(df, "0005", "totalt")
    assert t["status"] == "ok" and t["observed"] is None
    assert t["flag"] == "not_assessed" and t["flag_reason"] == "no population data"
    b = _row(df, "0005", "boende")
    assert b["flag_reason"] == "no population data for the reference age band"


def test_year_of_only_missing_rows_is_not_a_data_year(tmp_path: Path) -> None:
    lss = fx.tables()["lss"]
    # 2024: a row per municipality and category, all missing (Kolada lists the year early)
    empty = (lss.filter(pl.col("year") == 2023)
             .with_columns(pl.lit(2024, dtype=pl.Int32).alias("year"),
                           pl.lit(None, dtype=pl.Float64).alias("count"),
                           pl.lit(None, dtype=pl.Float64).alias("per_10k"),
                           pl.when(pl.col("municipality") == "0000").then(pl.lit("ok"))
                           .otherwise(pl.lit("missing")).alias("status")))
    s = fx.write_processed(tmp_path, replace={"lss": pl.concat([lss, empty])})
    with pytest.raises(InputError, match=r"available years: 2019–2023$"):
        screen(2024, settings=s)
    assert screen(2023, settings=s).height == len(fx.CODES) * len(CATEGORIES)


def test_negative_derived_band_of_the_total(tmp_path: Path) -> None:
    """23–64 = (0–64) − (0–22) < 0 (N28890 and N28891 disagree): not used silently."""
    from benchmark.compare import compare

    lss = fx.tables()["lss"]
    riket_2023 = (pl.col("municipality") == "0000") & (pl.col("year") == 2023)
    c022 = lss.filter(riket_2023 & (pl.col("category") == "totalt_0_22"))["count"][0]
    lss = lss.with_columns(  # Riket 2023: persons 0–64 below persons 0–22
        pl.when(riket_2023 & (pl.col("category") == "totalt_0_64")).then(c022 - 10)
        .otherwise(pl.col("count")).alias("count"))
    # peers 0005 (consistent) and 0006 (0–64 < 0–22) publish the split in 2023
    t5, t6 = fx.local_count("0005", "totalt"), fx.local_count("0006", "totalt")
    aux = pl.DataFrame({
        "municipality": ["0005", "0005", "0006", "0006"], "year": [2023] * 4,
        "category": ["totalt_0_22", "totalt_0_64"] * 2,
        "count": [0.2 * t5, 0.7 * t5, 0.5 * t6, 0.4 * t6]}, schema_overrides={
            "year": pl.Int32})
    aux = aux.with_columns(pl.lit(None, dtype=pl.Float64).alias("per_10k"),
                           pl.lit("ok").alias("status"),
                           pl.lit(None, dtype=pl.String).alias("kpi_count"),
                           pl.lit("N0").alias("kpi_rate"), pl.lit("test").alias("snapshot"))
    s = fx.write_processed(tmp_path, replace={"lss": pl.concat([lss, aux.select(lss.columns)])})

    df = screen(2023, settings=s)
    tot = df.filter(pl.col("category") == "totalt")
    assert set(tot["flag"].to_list()) == {"not_assessed"}
    assert tot["expected"].null_count() == tot.height  # no silent crude fallback
    reason = tot["flag_reason"][0]
    assert "inconsistent national total split" in reason and "23–64" in reason
    assert set(tot["reference_band"].to_list()) == {"0–22/23–64/65+"}
    other = df.filter(pl.col("category") != "totalt")
    assert "inconsistent" not in " ".join(other["flag_reason"].to_list())
    # 2022 is untouched: the total is standardised as usual
    t22 = screen(2022, settings=s).filter(pl.col("category") == "totalt")
    assert set(t22["flag_reason"].to_list()) == {""}

    # peers: 0006's negative 23–64 keeps it out of the banded total; 0005 alone remains
    r = compare("0001", 2023, settings=s, peer_group="0005,0006").filter(
        pl.col("category") == "totalt").row(0, named=True)
    bands = {(0, 22): 0.2 * t5, (23, 64): 0.5 * t5, (65, None): 0.3 * t5}
    expected = sum(n / fx.band_pop("0005", lo, hi) * fx.band_pop("0001", lo, hi)
                   for (lo, hi), n in bands.items())
    assert r["peer_expected"] == pytest.approx(expected)
    assert r["peer_members"] == 2  # both still pool the crude (all-ages) rate
