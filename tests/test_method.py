"""benchmark.comparison.method: the Method settings, their validation, and that every
setting reaches the table it is recorded in."""

from __future__ import annotations

import json

import polars as pl
import pytest

from benchmark.comparison import Method, compare, history, load_inputs, screen
from benchmark.comparison.method import resolve_method
from benchmark.config import Settings
from benchmark.errors import InputError
from tests import processed_fixture as fx


@pytest.fixture(scope="module")
def data_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return fx.write_processed(tmp_path_factory.mktemp("data"))


def test_defaults_are_the_documented_method() -> None:
    m = Method()
    assert (m.confidence, m.strong_confidence, m.min_od_units, m.od_trim) == (
        0.95, 0.998, 10, 0.1)
    assert (m.persistence_min, m.persistence_years, m.pooled_years, m.reference) == (
        3, 5, 3, "auto")
    assert (m.age_model, m.fdr, m.od_window, m.pooled_test, m.peer_interval, m.shrinkage,
            m.decomposition, m.alternatives, m.band_shift, m.reference_share) == (
        "profile", "auto", 5, "mean", "random_effects", "random_effects", "symmetric",
        True, 2, 0.05)
    assert m.age_bands == ()
    assert m.describe() == (
        "confidence=0.95; strong_confidence=0.998; age_model=profile; age_bands=catalogue; "
        "reference=auto(0.05); fdr=auto; od_window=5; min_od_units=10; od_trim=0.1; "
        "persistence=3/5; pooled_years=3(mean); peer_interval=random_effects; "
        "shrinkage=random_effects; decomposition=symmetric; alternatives=band_shift:2; "
        "need=negative_binomial")
    # the history a table year needs: persistence 5 years, each with a 5-year window
    assert m.window == 9
    assert (m.fdr_family("screen"), m.fdr_family("compare")) == (
        "category_year", "municipality_year")
    assert Method(fdr="category_year").fdr_family("compare") == "category_year"


def test_legacy_is_version_0_1() -> None:
    m = Method.legacy()
    assert (m.age_model, m.reference, m.fdr, m.od_window, m.pooled_test, m.peer_interval,
            m.shrinkage, m.decomposition, m.alternatives) == (
        "band", "riket", "municipality_year", 1, "sum", "fixed", "marshall", "sequential",
        False)
    assert m.window == 5 and m.fdr_family("screen") == "municipality_year"
    assert m.bands.alternatives == {}
    assert Method.legacy(confidence=0.9).confidence == 0.9
    assert Method.legacy(age_model="profile").od_window == 1


def test_age_bands_are_normalised() -> None:
    # bands equal to the catalogue's are no override; 100 is the open top age
    assert Method(age_bands={"boende": (20, None)}) == Method()
    assert Method(age_bands={"boende": (20, 100)}) == Method()
    m = Method(age_bands={"kontaktperson": (65, 100), "daglig_verksamhet": (18, 64)})
    # catalogue order, whatever the order given
    assert m.age_bands == (("daglig_verksamhet", (18, 64)), ("kontaktperson", (65, None)))
    assert m == Method(age_bands=m.age_bands)
    assert hash(m) == hash(Method(age_bands=dict(m.age_bands)))
    assert "age_bands=daglig_verksamhet:18-64,kontaktperson:65+;" in m.describe()
    assert m.bands.band_of["kontaktperson"] == "65-"


def test_record_is_json_ready_and_complete() -> None:
    rec = Method(age_bands={"daglig_verksamhet": (18, 64)}).record()
    again = json.loads(json.dumps(rec))
    assert again == rec
    assert rec["reference_bands"]["daglig_verksamhet"] == "18–64"
    assert rec["reference_bands"]["boende"] == "20+"
    assert rec["reference_bands"]["totalt"] == "0–22/23–64/65+"
    assert rec["age_band_overrides"] == {"daglig_verksamhet": [18, 64]}
    assert rec["overdispersion"] == {"scale": "sqrt", "trim": 0.1, "trim_method": "winsorise",
                                     "consistency": True, "min_units": 10, "window_years": 5}
    assert rec["persistence"] == {"years": 5, "min_flagged": 3}
    assert (rec["age_model"], rec["reference"], rec["reference_share"], rec["fdr"],
            rec["pooled_test"], rec["peer_interval"], rec["shrinkage"],
            rec["decomposition"]) == ("profile", "auto", 0.05, "auto", "mean",
                                      "random_effects", "random_effects", "symmetric")
    assert rec["alternatives"] == {"age_model": True, "band_shift": 2}
    assert Method.legacy().record()["alternatives"] is None


@pytest.mark.parametrize(("kwargs", "needle"), [
    ({"confidence": 1.2}, "confidence must be in [0.5, 1)"),
    ({"strong_confidence": "x"}, "strong_confidence must be a number"),
    ({"min_od_units": 1}, "min_od_units must be a whole number >= 2"),
    ({"min_od_units": 2.5}, "min_od_units must be a whole number"),
    ({"od_trim": 0.5}, "od_trim must be a share in [0, 0.5)"),
    ({"persistence_years": 0}, "persistence_years must be a whole number >= 1"),
    ({"persistence_min": 6}, "persistence_min (6) must not exceed persistence_years (5)"),
    ({"pooled_years": True}, "pooled_years must be a whole number"),
    ({"reference": "norden"}, "reference must be one of auto, riket, riket_utom_kommunen"),
    ({"reference_share": 0}, "reference_share must be a share in (0, 1)"),
    ({"age_model": "flat"}, "age_model must be one of profile, band, got 'flat'"),
    ({"fdr": "all"}, "fdr must be one of auto, category_year, municipality_year"),
    ({"od_window": 0}, "od_window must be a whole number >= 1"),
    ({"pooled_test": "max"}, "pooled_test must be one of mean, sum"),
    ({"peer_interval": "wide"}, "peer_interval must be one of random_effects, fixed"),
    ({"shrinkage": "none"}, "shrinkage must be one of random_effects, marshall"),
    ({"decomposition": "order"}, "decomposition must be one of symmetric, sequential"),
    ({"alternatives": "yes"}, "alternatives must be True or False"),
    ({"band_shift": 0}, "band_shift must be a whole number >= 1"),
    ({"age_bands": {"totalt": (0, 10)}}, "'totalt' cannot be changed"),
    ({"age_bands": (("boende",),)}, "age_bands must be a mapping"),
])
def test_invalid_settings_name_the_setting(kwargs: dict, needle: str) -> None:
    with pytest.raises(InputError) as err:
        Method(**kwargs)
    assert needle in str(err.value)


def test_resolve_method_overrides_only_given_settings() -> None:
    base = Method(persistence_min=2)
    m = resolve_method(base, confidence=0.9, strong_confidence=None, age_bands=None)
    assert (m.confidence, m.persistence_min, m.strong_confidence) == (0.9, 2, 0.998)
    assert resolve_method(base) is base
    with pytest.raises(InputError, match="method must be"):
        resolve_method("0.95")  # type: ignore[arg-type]


def test_every_table_records_its_method(data_settings: Settings) -> None:
    m = Method(confidence=0.9, persistence_min=2, pooled_years=2)
    for table in (screen(2023, settings=data_settings, method=m),
                  compare("0001", 2023, settings=data_settings, method=m),
                  history("0001", last_year=2023, settings=data_settings, method=m)):
        # the method is the last column written; the Python frames carry the deprecated
        # alias practice_effect after it (never written, see benchmark.output)
        assert table.columns[-2:] == ["method", "practice_effect"]
        assert table["practice_effect"].equals(table["other_effect"].alias("practice_effect"))
        assert table["method"].unique().to_list() == [m.describe()]
        assert table["confidence"].unique().to_list() == [0.9]


def test_persistence_and_pooled_settings_reach_the_table(data_settings: Settings) -> None:
    default = screen(2023, settings=data_settings, method=Method.legacy())
    loose = screen(2023, settings=data_settings,
                   method=Method.legacy(persistence_min=1, persistence_years=2,
                                        pooled_years=2))
    assessed = pl.col("flag_95") != "not_assessed"
    # persistent ⇔ at least persistence_min years flagged in one direction
    for table, need in ((default, 3), (loose, 1)):
        rows = table.filter(assessed)
        assert (rows["persistent"] == (rows["years_flagged"] >= need)).all()
    # the fixture's five years are all assessed: the window length is what is counted
    assert default.filter(assessed)["years_assessed"].max() == 5
    assert loose.filter(assessed)["years_assessed"].max() == 2
    r = loose.filter((pl.col("municipality") == "0001")
                     & (pl.col("category") == "daglig_verksamhet")).row(0, named=True)
    assert r["expected_3y"] == pytest.approx(2 * r["expected"])  # flat fixture: E per year
    # the default tests the yearly mean of the pooled years: Ē, not ΣE
    mean = screen(2023, settings=data_settings, method=Method(reference="riket")).filter(
        (pl.col("municipality") == "0001") & (pl.col("category") == "daglig_verksamhet")
    ).row(0, named=True)
    assert mean["expected_3y"] == pytest.approx(mean["expected"])
    assert mean["observed_3y"] == mean["observed"]


def test_min_od_units_switches_off_the_overdispersion(data_settings: Settings) -> None:
    # the fixture has 12 municipalities: with 13 required there is no φ/τ² anywhere
    table = screen(2023, settings=data_settings, method=Method.legacy(min_od_units=13))
    assert table["phi"].null_count() == table.height
    assert not table["od_adjusted"].any()
    default = screen(2023, settings=data_settings, method=Method.legacy())
    assert default["phi"].null_count() < default.height
    # pooled over five years the units are municipality-years: 12 × 5 = 60 (boende)
    pooled = screen(2023, settings=data_settings, method=Method(reference="riket"))
    boende = pooled.filter(pl.col("category") == "boende")
    assert boende["od_units"].unique().to_list() == [60]
    assert boende["od_years"].unique().to_list() == ["2019–2023"]
    off = screen(2023, settings=data_settings,
                 method=Method(reference="riket", min_od_units=61))
    assert off.filter(pl.col("category") == "boende")["phi"].null_count() == 12


def test_inputs_are_reusable_across_fronts(data_settings: Settings) -> None:
    inputs = load_inputs(data_settings)
    assert screen(2023, inputs=inputs).equals(screen(2023, settings=data_settings))
    assert compare("0001", 2023, inputs=inputs).equals(
        compare("0001", 2023, settings=data_settings))
