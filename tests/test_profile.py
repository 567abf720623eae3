"""The LSS profile (issue 14) on the demo country and through the loopback emulator: every
catalogue KPI with a kind and a verdict, the planted cost finding, positions equal to an
independent computation, shares against the textbook Wilson interval, suppressed and
unpublished KPIs, KPIs outside the catalogue and the command line."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from scipy import stats as sps

from benchmark.catalog import CATEGORY_BY_ID, RIKET
from benchmark.comparison import Inputs, load_inputs
from benchmark.config import Settings, get_settings
from benchmark.demo.costs import PLANTED_DV_COST
from benchmark.errors import InputError
from benchmark.fetch import fetch
from benchmark.process import process
from benchmark.profile import PROFILE_COLUMNS, profile, profile_kpis
from benchmark.sources.emulator import ApiDataset, ApiEmulator
from benchmark.store import read_table
from tests.apidata import fast_client, small_dataset
from tests.loopback import LoopbackServer
from tests.output_digest import run_cli

FOCUS, YEAR = "0180", 2024
#: The issue's columns (at least).
ISSUE_COLUMNS = ("kpi", "title", "group", "kind", "year", "value", "national_value", "lower",
                 "upper", "percentile", "robust_z", "peer_median", "flag", "status",
                 "source_year")
TESTED = {"higher", "lower", "higher_uncertain", "lower_uncertain", "similar", "not_assessed"}


@pytest.fixture(scope="module")
def inputs(demo_data: Settings) -> Inputs:
    return load_inputs(demo_data)


@pytest.fixture(scope="module")
def table(inputs: Inputs) -> pl.DataFrame:
    return profile(FOCUS, YEAR, inputs=inputs)


def _row(table: pl.DataFrame, kpi: str, gender: str = "T") -> dict:
    return table.filter((pl.col("kpi") == kpi) & (pl.col("gender") == gender)).row(
        0, named=True)


def test_every_catalogue_kpi_has_a_kind_and_a_verdict(table: pl.DataFrame) -> None:
    catalogue = {k.id: k for k in profile_kpis()}
    assert len(catalogue) == 40 and table.height == 40
    assert set(ISSUE_COLUMNS) <= set(table.columns) and table.columns == list(PROFILE_COLUMNS)
    assert table["kpi"].to_list() == [k.id for k in profile_kpis()]
    for row in table.iter_rows(named=True):
        k = catalogue[row["kpi"]]
        assert row["kind"] == k.kind and row["group"] == k.group and row["status"] == "ok"
        tested = k.kind == "count" or (k.kind == "share" and k.denominator)
        assert row["flag"] in (TESTED if tested else {"not_tested"}), row
        assert 0 <= row["percentile"] <= 100 and row["source_year"] == YEAR
        assert np.isfinite(row["value"]) and np.isfinite(row["national_value"])
        if tested:
            assert row["lower"] <= row["value"] <= row["upper"], row
    counts = table.filter(pl.col("kind") == "count")
    assert counts.height == 10 and set(counts["comparison"]) == {"standardised_ratio"}
    shares = table.filter(pl.col("comparison") == "share_funnel")
    assert shares.height == 10 and (shares["denominator"] > 0).all()
    assert table.filter(pl.col("flag") == "not_tested").height == 20


def test_the_volume_rows_are_the_comparison_engine(table: pl.DataFrame,
                                                    demo_data: Settings) -> None:
    from benchmark.comparison import compare

    cmp = compare(FOCUS, YEAR, settings=demo_data)
    for cat in CATEGORY_BY_ID.values():
        row = _row(table, cat.kpi_count or cat.kpi_rate)
        ref = cmp.filter(pl.col("category") == cat.id).row(0, named=True)
        assert row["flag"] == ref["flag"] and row["ratio"] == ref["ratio"]
        assert row["value"] == pytest.approx(ref["rate_per_10k"], rel=1e-12)
    assert _row(table, "N28804")["flag"] == "higher"  # the planted practice effect


def test_the_planted_cost_per_user_stands_out(table: pl.DataFrame) -> None:
    dv = _row(table, "N28015")
    assert dv["flag"] == "not_tested" and dv["percentile"] > 99.5 and dv["robust_z"] > 4
    assert dv["value"] / dv["peer_median"] == pytest.approx(PLANTED_DV_COST, rel=0.25)
    boende = _row(table, "N28013")
    assert abs(boende["robust_z"]) < 2  # the other insats's cost per user is unremarkable


def test_positions_equal_an_independent_computation(table: pl.DataFrame,
                                                    demo_data: Settings) -> None:
    values = read_table("kpi_values", demo_data).filter(
        (pl.col("year") == YEAR) & (pl.col("gender") == "T") & (pl.col("status") == "ok")
        & (pl.col("municipality") != RIKET))
    lss = read_table("lss", demo_data).filter((pl.col("year") == YEAR)
                                              & (pl.col("status") == "ok")
                                              & (pl.col("municipality") != RIKET))
    pop = (read_table("population", demo_data).filter(pl.col("year") == YEAR)
           .group_by("municipality").agg(pl.col("population").sum()))
    rates = lss.join(pop, on="municipality").with_columns(
        (pl.col("count") / pl.col("population") * 1e4).alias("rate"))
    checked = 0
    for row in table.iter_rows(named=True):
        if row["kind"] == "count":
            dist = rates.filter(pl.col("category") == row["insats"])
            v = dist["rate"].to_numpy()
        else:
            v = values.filter(pl.col("kpi") == row["kpi"])["value"].to_numpy()
        assert row["percentile"] == pytest.approx(
            sps.percentileofscore(v, row["value"], kind="mean"), abs=1e-9), row["kpi"]
        z = (row["value"] - np.median(v)) / sps.median_abs_deviation(v, scale="normal")
        assert row["robust_z"] == pytest.approx(z, rel=1e-9), row["kpi"]
        assert row["national_median"] == pytest.approx(np.median(v))
        checked += 1
    assert checked == 40


def test_peer_median_is_the_median_of_the_group(table: pl.DataFrame,
                                                demo_data: Settings) -> None:
    groups = read_table("peer_groups", demo_data)
    members = groups.filter((pl.col("kind") == "liknande_lss")
                            & (pl.col("focus") == FOCUS))["member"].to_list()
    assert len(members) == 7
    values = read_table("kpi_values", demo_data).filter(
        (pl.col("year") == YEAR) & (pl.col("gender") == "T") & (pl.col("kpi") == "N28015")
        & pl.col("municipality").is_in(members))
    assert _row(table, "N28015")["peer_median"] == float(np.median(values["value"]))


def _wilson(x: float, n: float, z: float = float(sps.norm.ppf(0.975))) -> tuple[float, float]:
    """Wilson's score interval in its textbook form (centre ± half-width)."""
    centre = (x + z * z / 2) / (n + z * z)
    half = z / (n + z * z) * np.sqrt(x * (n - x) / n + z * z / 4)
    return centre - half, centre + half


def test_shares_have_wilson_intervals_and_funnel_limits(table: pl.DataFrame) -> None:
    for row in table.filter(pl.col("comparison") == "share_funnel").iter_rows(named=True):
        n = row["denominator"]
        x = row["value"] / 100 * n
        lo, hi = _wilson(x, n)
        assert (row["lower"], row["upper"]) == pytest.approx((lo * 100, hi * 100), abs=1e-9)
        assert row["limit_lower"] < row["national_value"] < row["limit_upper"]
        inside = row["limit_lower"] <= row["value"] <= row["limit_upper"]
        assert (row["flag"] == "similar") == inside, row


def test_gender_rows_where_kolada_splits(inputs: Inputs) -> None:
    t = profile(FOCUS, YEAR, kpis="U28533,N28015", genders=("T", "K", "M"), inputs=inputs)
    assert t.select("kpi", "gender").rows() == [("N28015", "T"), ("U28533", "T"),
                                                ("U28533", "K"), ("U28533", "M")]
    women = _row(t, "U28533", "K")
    assert women["flag"] == "not_tested" and women["comparison"] == "position"
    assert _row(t, "U28533")["comparison"] == "share_funnel"


def _replace(inputs: Inputs, kpi: str, **changes: pl.Expr) -> Inputs:
    cond = pl.col("kpi") == kpi
    kv = inputs.kpi_values.with_columns(
        pl.when(cond).then(expr).otherwise(pl.col(col)).alias(col)
        for col, expr in changes.items())
    return dataclasses.replace(inputs, kpi_values=kv)


def test_a_kpi_with_only_suppressed_values_gives_not_assessed(inputs: Inputs) -> None:
    hidden = _replace(inputs, "N28037", status=pl.lit("suppressed"),
                      value=pl.lit(None, pl.Float64))
    t = profile(FOCUS, YEAR, kpis="N28037,U28533", inputs=hidden)
    row = _row(t, "N28037")
    assert (row["flag"], row["status"], row["value"], row["percentile"]) == (
        "not_assessed", "suppressed", None, None)
    assert _row(t, "U28533")["flag"] == "similar"
    # only the municipality's value suppressed: not assessed, the others still give Riket
    mine = (pl.col("municipality") == FOCUS)
    own = _replace(inputs, "U28533", status=pl.when(mine).then(pl.lit("suppressed"))
                   .otherwise(pl.col("status")), value=pl.when(mine).then(None)
                   .otherwise(pl.col("value")))
    row = _row(profile(FOCUS, YEAR, kpis="U28533", inputs=own), "U28533")
    assert (row["flag"], row["status"], row["value"]) == ("not_assessed", "suppressed", None)
    assert row["national_value"] > 0 and row["n_municipalities"] > 200


def test_a_kpi_not_published_for_the_year_keeps_its_last_year(inputs: Inputs) -> None:
    kv = inputs.kpi_values.filter(~((pl.col("kpi") == "N28040") & (pl.col("year") == YEAR)))
    row = _row(profile(FOCUS, YEAR, kpis="N28040",
                       inputs=dataclasses.replace(inputs, kpi_values=kv)), "N28040")
    assert (row["year"], row["source_year"], row["status"]) == (YEAR, YEAR - 1, "ok")
    gone = inputs.kpi_values.filter(pl.col("kpi") != "N28040")
    row = _row(profile(FOCUS, YEAR, kpis="N28040",
                       inputs=dataclasses.replace(inputs, kpi_values=gone)), "N28040")
    assert (row["flag"], row["status"], row["source_year"]) == ("not_assessed", "missing",
                                                                 None)


def test_kpis_outside_the_catalogue_are_classified_from_their_title(inputs: Inputs) -> None:
    row = _row(profile(FOCUS, YEAR, kpis="U33960", inputs=inputs), "U33960")
    assert (row["group"], row["kind"], row["comparison"], row["catalogued"]) == (
        "ovrigt", "count", "rate_funnel", False)
    assert row["flag"] in TESTED - {"not_assessed"} and row["lower"] < row["upper"]
    with pytest.raises(InputError, match="unknown KPI 'N99999'"):
        profile(FOCUS, YEAR, kpis="N99999", inputs=inputs)


def test_a_count_outside_the_catalogue_is_a_rate_per_10000(inputs: Inputs,
                                                          demo_data: Settings) -> None:
    """Value, Riket, interval and position of a count KPI (aktivitetsersättning, N01702)
    are all per 10 000 inhabitants; a position over raw counts ranked by size (Demoby's
    count stood at percentile 95, robust z +6.2, while its rate is among the lowest)."""
    row = _row(profile(FOCUS, YEAR, kpis="N01702", inputs=inputs), "N01702")
    counts = read_table("kpi_values", demo_data).filter(
        (pl.col("year") == YEAR) & (pl.col("gender") == "T") & (pl.col("status") == "ok")
        & (pl.col("kpi") == "N01702"))
    pop = (read_table("population", demo_data).filter(pl.col("year") == YEAR)
           .group_by("municipality").agg(pl.col("population").sum()))
    rates = counts.join(pop, on="municipality").with_columns(
        (pl.col("value") / pl.col("population") * 1e4).alias("rate"))
    by_code = dict(rates.select("municipality", "rate").iter_rows())
    v = rates.filter(pl.col("municipality") != RIKET)["rate"].to_numpy()
    own = counts.filter(pl.col("municipality") == FOCUS)["value"][0]
    people = pop.filter(pl.col("municipality") == FOCUS)["population"][0]
    z = float(sps.norm.ppf(0.975))  # Byar's limits (the count is above 10)
    lo = own * (1 - 1 / (9 * own) - z / (3 * np.sqrt(own))) ** 3 / people * 1e4
    hi = (own + 1) * (1 - 1 / (9 * (own + 1)) + z / (3 * np.sqrt(own + 1))) ** 3 / people * 1e4
    assert (row["comparison"], row["unit"]) == ("rate_funnel", "per 10 000 inv")
    assert row["value"] == pytest.approx(by_code[FOCUS], rel=1e-12)
    assert row["national_value"] == pytest.approx(by_code[RIKET], rel=1e-12)
    assert (row["lower"], row["upper"]) == pytest.approx((lo, hi), rel=1e-12)
    assert row["percentile"] == pytest.approx(
        sps.percentileofscore(v, by_code[FOCUS], kind="mean"), abs=1e-9)
    assert row["robust_z"] == pytest.approx(
        (by_code[FOCUS] - np.median(v)) / sps.median_abs_deviation(v, scale="normal"),
        rel=1e-9)
    assert row["national_median"] == pytest.approx(np.median(v), rel=1e-12)
    # a rate flagged lower sits low in the distribution of rates
    assert row["flag"] == "lower" and row["percentile"] < 5 and row["robust_z"] < 0


def test_command_line(demo_data: Settings, tmp_path: Path) -> None:
    base = ["profile", "--data-dir", str(demo_data.data_dir), "--kommun", FOCUS]
    code, out, err = run_cli([*base, "--kpi", "N28015,N99999"])
    assert code == 2 and out == "" and len(err.splitlines()) == 1
    assert err.startswith("error: unknown KPI 'N99999'")
    code, out, err = run_cli([*base, "--kpi", "N2801"])
    assert code == 2 and len(err.splitlines()) == 1 and "invalid KPI id 'N2801'" in err
    code, out, _ = run_cli([*base, "--year", "2024", "--format", "json"])
    payload = json.loads(out)
    assert code == 0 and payload["metadata"]["kind"] == "profile"
    assert payload["metadata"]["synthetic"] is True and len(payload["rows"]) == 40
    target = tmp_path / "profile-{year}.csv"
    code, _, err = run_cli([*base, "--format", "csv", "--out", str(target)])
    csv = pl.read_csv(tmp_path / "profile-2024.csv", infer_schema_length=0)
    assert code == 0 and csv.height == 40 and set(ISSUE_COLUMNS) <= set(csv.columns)
    code, out, _ = run_cli([*base, "--kpi", "N28015", "--year", "2024"])
    assert code == 0 and "SYNTETISKA DEMODATA" in out and "not_tested" in out


def test_fetch_joins_the_profile_and_reports_a_kpi_without_data(tmp_path: Path) -> None:
    """Loopback emulator, three municipalities: one KPI of the profile is not published
    for 2024; the fetch says so in a note (no error), the profile keeps 2023 for it."""
    years = [2023, 2024]
    base = small_dataset(years)
    values = base.kolada_values.filter(~((pl.col("kpi") == "N28040")
                                         & (pl.col("year") == 2024)))
    ds = ApiDataset(values, base.municipalities, base.groups, base.kpis, base.population,
                    True)
    with LoopbackServer(ApiEmulator(ds, calls_per_window=1000, window_s=1)) as srv:
        settings = srv.settings(tmp_path)
        summary = fetch(years, settings=settings, client=fast_client(settings),
                        progress=False)
        data_paths = [r.path for r in srv.requests if "/data/kpi/" in r.path]
    assert summary.missing == [] and summary.http_attempts == summary.minimum_requests
    assert len(data_paths) == 3  # 59 KPIs in segments of ≤ 25 ids: 25 + 25 + 9
    assert all(len(p.split("/data/kpi/")[1].split("/")[0].split(",")) <= 25
               for p in data_paths)
    assert any("N28040 (2023)" not in n and "N28040 (2024)" in n for n in summary.notes)
    process(settings=settings)
    processed = get_settings(data_dir=tmp_path)
    row = _row(profile("2482", 2024, kpis="N28040,N28015", settings=processed), "N28040")
    assert (row["source_year"], row["status"]) == (2023, "ok")
    assert read_table("kpis", processed).height == 59  # LSS 21, costs 6, profile 29 more, need 3
