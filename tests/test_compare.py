"""benchmark.compare on the small processed tables of tests/processed_fixture.py.

The fixture tests check the band model's formulas by hand, so ``compare``, ``history`` and
``screen`` run here with the method of version 0.1 (``Method.legacy()``, see
tests/test_screen.py); the tests on the demo data use the defaults.
"""

from __future__ import annotations

import polars as pl
import pytest

from benchmark import stats
from benchmark.compare import compare as compare_default
from benchmark.compare import history as history_default
from benchmark.comparison import Method
from benchmark.config import Settings
from benchmark.errors import InputError
from benchmark.screen import COLUMNS
from benchmark.screen import screen as screen_default
from tests import processed_fixture as fx

LEGACY = Method.legacy()


def compare(*args: object, **kwargs: object) -> pl.DataFrame:
    return compare_default(*args, method=LEGACY, **kwargs)  # type: ignore[arg-type]


def history(*args: object, **kwargs: object) -> pl.DataFrame:
    return history_default(*args, method=LEGACY, **kwargs)  # type: ignore[arg-type]


def screen(*args: object, **kwargs: object) -> pl.DataFrame:
    return screen_default(*args, method=LEGACY, **kwargs)  # type: ignore[arg-type]

PEER_COLUMNS = [c for c in COLUMNS if c.startswith("peer_")]


@pytest.fixture(scope="module")
def data_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return fx.write_processed(tmp_path_factory.mktemp("data"))


def _row(df: pl.DataFrame, cat: str) -> dict:
    return df.filter(pl.col("category") == cat).row(0, named=True)


def _pooled(members: list[str], cat: str, lo: int, hi: int | None) -> tuple[float, float]:
    """(Σ persons / Σ all inhabitants, Σ persons / Σ band inhabitants) over members."""
    x = sum(fx.local_count(m, cat) for m in members)
    return (x / sum(fx.band_pop(m, 0, None) for m in members),
            x / sum(fx.band_pop(m, lo, hi) for m in members))


def test_default_peer_group_pooled(data_settings: Settings) -> None:
    df = compare("0001", 2023, settings=data_settings)
    assert df.height == 10
    assert tuple(df.columns[: len(COLUMNS)]) == COLUMNS
    r = _row(df, "boende")
    assert r["peer_group_id"] == "G100"
    assert r["peer_group_title"].startswith("Liknande kommuner LSS")
    crude, band = _pooled(["0002", "0003", "0004"], "boende", 20, None)
    assert r["peer_rate_per_10k"] == pytest.approx(crude * 1e4)
    assert r["peer_expected"] == pytest.approx(band * fx.band_pop("0001", 20, None))
    ci = stats.standardised_ratio([r["observed"]], [r["peer_expected"]], 0.95)
    assert (r["peer_ratio"], r["peer_ratio_lower"], r["peer_ratio_upper"]) == pytest.approx(
        (ci.estimate[0], ci.lower[0], ci.upper[0]))
    assert r["peer_members"] == 3
    # 0003 has no ledsagarservice row in 2023: pooled over the two members with data
    led = _row(df, "ledsagarservice")
    crude, _ = _pooled(["0002", "0004"], "ledsagarservice", 0, None)
    assert led["peer_rate_per_10k"] == pytest.approx(crude * 1e4)
    assert led["peer_members"] == 2


def test_matches_screen_row(data_settings: Settings) -> None:
    one = compare("0004", 2023, settings=data_settings, peer_group="lan")
    all_ = screen(2023, settings=data_settings).filter(pl.col("municipality") == "0004")
    shared = [c for c in COLUMNS if c not in PEER_COLUMNS]
    assert one.select(shared).equals(all_.select(shared))


def test_kind_groups_exclude_the_municipality(data_settings: Settings) -> None:
    df = compare("0001", 2023, settings=data_settings, peer_group="kommungrupp")
    r = _row(df, "kontaktperson")
    assert r["peer_group_id"] == "G300" and r["peer_members"] == 2
    crude, _ = _pooled(["0005", "0007"], "kontaktperson", 0, None)
    assert r["peer_rate_per_10k"] == pytest.approx(crude * 1e4)
    lan = compare("0001", 2023, settings=data_settings, peer_group="lan")
    assert _row(lan, "boende")["peer_group_id"] == "G400"
    assert _row(lan, "boende")["peer_members"] == 5
    by_id = compare("0001", 2023, settings=data_settings, peer_group="G400")
    assert by_id.equals(lan)


def test_custom_group_and_total_peer_expected(data_settings: Settings) -> None:
    df = compare("0001", 2023, settings=data_settings, peer_group="0005, 0006,0001")
    r = _row(df, "totalt")
    assert r["peer_group_id"] == "custom" and r["peer_members"] == 2
    # the members publish no 0–22/0–64 split, so the total's peer E is all-ages
    crude, _ = _pooled(["0005", "0006"], "totalt", 0, None)
    assert r["peer_expected"] == pytest.approx(crude * fx.band_pop("0001", 0, None))


def test_default_group_follows_the_year(data_settings: Settings) -> None:
    """Groups are published per year: the one for the year, else the latest one."""
    assert _row(compare("0001", 2021, settings=data_settings), "boende")["peer_group_id"] \
        == "G101"
    assert _row(compare("0001", 2022, settings=data_settings), "boende")["peer_group_id"] \
        == "G100"


def test_no_default_group_leaves_peers_empty(data_settings: Settings) -> None:
    df = compare("0003", 2023, settings=data_settings)
    assert df.select(PEER_COLUMNS).null_count().row(0) == (10,) * len(PEER_COLUMNS)


def test_planted_and_decomposition(data_settings: Settings) -> None:
    df = compare("0001", 2023, settings=data_settings)
    r = _row(df, "daglig_verksamhet")
    assert r["flag"] == "higher" and r["persistent"]
    assert r["peer_ratio_lower"] > 1  # also high against the peers
    assert r["composition_effect"] + r["other_effect"] == pytest.approx(
        r["observed"] - r["expected_crude"])
    assert r["excess_cost"] == pytest.approx((r["observed"] - r["expected"]) * 250_000)


def test_suppressed_category_kept_and_pairs_present(data_settings: Settings) -> None:
    df = compare("0002", 2023, settings=data_settings)
    assert {"personlig_assistans_lss", "personlig_assistans_sfb"} <= set(df["category"])
    r = _row(df, "korttidstillsyn")
    assert r["flag"] == "not_assessed" and r["status"] == "suppressed"
    assert r["peer_ratio"] is None


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"municipality": "9998"}, "unknown municipality code '9998'"),
    ({"municipality": "180"}, "did you mean 0180"),
    ({"year": 2030}, "available years: 2019–2023"),
    ({"peer_group": "G999"}, "peer group 'G999' not found"),
    ({"peer_group": "G500"}, "has no LSS data"),
    ({"peer_group": "0001"}, "at least one other municipality"),
    ({"peer_group": "0002,9997"}, "unknown municipality code '9997'"),
    ({"confidence": 0.3}, "confidence must be in"),
])
def test_input_errors(data_settings: Settings, kwargs: dict, match: str) -> None:
    args = {"municipality": "0001", "year": 2023} | kwargs
    municipality, year = args.pop("municipality"), args.pop("year")
    with pytest.raises(InputError, match=match):
        compare(municipality, year, settings=data_settings, **args)


def test_liknande_requested_but_missing(data_settings: Settings) -> None:
    with pytest.raises(InputError, match="no 'Liknande kommuner LSS' group"):
        compare("0003", 2023, settings=data_settings, peer_group="liknande_lss")


def test_history(data_settings: Settings) -> None:
    h = history("0001", last_year=2023, settings=data_settings)
    assert h["year"].unique().sort().to_list() == fx.YEARS
    assert h.height == 10 * len(fx.YEARS)
    dv = h.filter(pl.col("category") == "daglig_verksamhet").sort("year")
    assert dv["years_flagged"].to_list() == [1, 2, 3, 4, 5]
    assert dv["persistent"].to_list() == [False, False, True, True, True]
    assert dv["peer_group_id"].unique().to_list() == ["G100"]
    last = compare("0001", 2023, settings=data_settings)
    assert h.filter(pl.col("year") == 2023).equals(last)
    short = history("0001", last_year=2022, n_years=2, settings=data_settings)
    assert short["year"].unique().sort().to_list() == [2021, 2022]
    with pytest.raises(InputError, match="n_years"):
        history("0001", last_year=2023, n_years=0, settings=data_settings)
    with pytest.raises(InputError, match="available years"):
        history("0001", last_year=2018, settings=data_settings)



def test_peer_level_is_the_peers_own_standardised_level(data_settings: Settings) -> None:
    """peer_level = E_peer / E, so ratio = peer_level × peer_ratio (O/E = E_peer/E · O/E_peer)."""
    table = compare("0001", 2023, settings=data_settings).filter(
        pl.col("peer_ratio").is_not_null())
    assert table.height > 0
    for r in table.iter_rows(named=True):
        assert r["peer_level"] == pytest.approx(r["peer_expected"] / r["expected"], rel=1e-12)
        assert r["peer_level"] * r["peer_ratio"] == pytest.approx(r["ratio"], rel=1e-9)
    # boende: peers' pooled band rate over the national band rate
    r = _row(table, "boende")
    _, band = _pooled(["0002", "0003", "0004"], "boende", 20, None)
    national_band = r["expected"] / fx.band_pop("0001", 20, None)
    assert r["peer_level"] == pytest.approx(band / national_band)


# --------------------------------------------------------------------------- age bands

#: 65+ differs in age structure between Riket and the municipalities (see the fixture)
BOENDE_65 = {"boende": (65, None)}


def test_age_band_override_national_and_peer_expected(data_settings: Settings) -> None:
    df = compare("0001", 2023, settings=data_settings, age_bands=BOENDE_65)
    default = compare("0001", 2023, settings=data_settings)
    r = _row(df, "boende")
    assert r["reference_band"] == "65+"
    assert r["population_band"] == fx.band_pop("0001", 65, None)
    nat_rate = fx.national_count("boende") / fx.band_pop("0000", 65, None)
    assert r["expected"] == pytest.approx(nat_rate * fx.band_pop("0001", 65, None), rel=1e-12)
    assert r["expected"] != pytest.approx(_row(default, "boende")["expected"], rel=1e-3)
    # the peers are pooled over the same (new) band
    crude, band = _pooled(["0002", "0003", "0004"], "boende", 65, None)
    assert r["peer_expected"] == pytest.approx(band * fx.band_pop("0001", 65, None),
                                               rel=1e-12)
    assert r["peer_rate_per_10k"] == pytest.approx(crude * 1e4)  # crude: band-free
    ci = stats.standardised_ratio([r["observed"]], [r["peer_expected"]], 0.95)
    assert (r["peer_ratio"], r["peer_ratio_lower"], r["peer_ratio_upper"]) == pytest.approx(
        (ci.estimate[0], ci.lower[0], ci.upper[0]))
    assert r["peer_level"] == pytest.approx(r["peer_expected"] / r["expected"], rel=1e-12)
    # other categories: identical apart from the BH q-values (computed over all categories)
    # and the method record, which names the override on every row
    cols = [c for c in df.columns if c not in ("q_value", "method")]
    others = pl.col("category") != "boende"
    assert df.filter(others).select(cols).equals(default.filter(others).select(cols))
    assert df["method"].unique().to_list() == [
        "confidence=0.95; strong_confidence=0.998; age_model=band; age_bands=boende:65+; "
        "reference=riket; fdr=municipality_year; od_window=1; min_od_units=10; od_trim=0.1; "
        "persistence=3/5; pooled_years=3(sum); peer_interval=fixed; shrinkage=marshall; "
        "decomposition=sequential; alternatives=none; need=none"]


def test_age_band_override_matches_screen_and_history(data_settings: Settings) -> None:
    bands = {"kontaktperson": (7, 30), "boende": (65, None)}
    one = compare("0004", 2023, settings=data_settings, peer_group="lan", age_bands=bands)
    all_ = screen(2023, settings=data_settings, age_bands=bands).filter(
        pl.col("municipality") == "0004")
    shared = [c for c in COLUMNS if c not in PEER_COLUMNS] + ["reference_band"]
    assert one.select(shared).equals(all_.select(shared))
    assert _row(one, "kontaktperson")["reference_band"] == "7–30"
    h = history("0001", last_year=2023, n_years=3, settings=data_settings, age_bands=bands)
    last = compare("0001", 2023, settings=data_settings, age_bands=bands)
    assert h.filter(pl.col("year") == 2023).equals(last)
    assert set(h.filter(pl.col("category") == "boende")["reference_band"]) == {"65+"}


def test_default_age_bands_unchanged(data_settings: Settings) -> None:
    ref = compare("0001", 2023, settings=data_settings)
    assert compare("0001", 2023, settings=data_settings, age_bands=None).equals(ref)
    assert compare("0001", 2023, settings=data_settings, age_bands={}).equals(ref)
    h = history("0001", last_year=2023, n_years=2, settings=data_settings)
    assert history("0001", last_year=2023, n_years=2, settings=data_settings,
                   age_bands={}).equals(h)


@pytest.mark.parametrize(("age_bands", "match"), [
    ({"boendet": (20, None)}, "unknown category 'boendet'"),
    ({"totalt": (0, 22)}, "N28891/N28890"),
    ({"daglig_verksamhet": (64, 18)}, "lower age exceeds the upper"),
    ({"daglig_verksamhet": (18, 101)}, "upper age exceeds 100"),
])
def test_invalid_age_bands(data_settings: Settings, age_bands: dict, match: str) -> None:
    with pytest.raises(InputError, match=match):
        compare("0001", 2023, settings=data_settings, age_bands=age_bands)
    with pytest.raises(InputError, match=match):
        history("0001", last_year=2023, settings=data_settings, age_bands=age_bands)


def test_cli_compare_age_band(demo_data: Settings) -> None:
    import json

    from benchmark.demo import DEMO_FOCUS
    from tests.test_robustness import _run

    res = _run(["compare", "--kommun", DEMO_FOCUS, "--year", "2024", "--age-band",
                "daglig_verksamhet=18-64", "--format", "json", "--data-dir",
                str(demo_data.data_dir)])
    assert res.returncode == 0, res.stderr
    rows = {r["category"]: r for r in json.loads(res.stdout)["rows"]}
    ref = compare_default(DEMO_FOCUS, 2024, settings=demo_data,
                          age_bands={"daglig_verksamhet": (18, 64)})
    default = compare_default(DEMO_FOCUS, 2024, settings=demo_data)
    r = _row(ref, "daglig_verksamhet")
    got = rows["daglig_verksamhet"]
    assert r["reference_band"] == got["reference_band"] == "18–64"
    for col in ("expected", "ratio", "peer_expected", "peer_ratio"):
        assert got[col] == pytest.approx(r[col], rel=1e-9), col
    assert got["expected"] != pytest.approx(_row(default, "daglig_verksamhet")["expected"],
                                            rel=1e-4)


def test_history_rows_equal_compare_on_national_data(demo_data: Settings) -> None:
    """The same municipality-year gives the same row, to the last bit, whether computed
    alone or as one year of a history (q-values included: BH works per group)."""
    for code in ("2584", "0114", "1230"):
        h = history_default(code, last_year=2024, n_years=4, settings=demo_data)
        for year in (2024, 2022):
            assert h.filter(pl.col("year") == year).equals(
                compare_default(code, year, settings=demo_data))
