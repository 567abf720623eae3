"""The need columns of the comparison table, on the simulated country (tests/simulation.py).

The simulated country gets need indicators (N01702 among 19–29 år, N18803 among 7–15 år)
as Kolada would publish them; municipality 0005 has twice the national
aktivitetsersättning.
Daglig verksamhet is made to follow aktivitetsersättning (β = 0.6). Checked:

* β and its standard error equal statsmodels' negative binomial fit on the table's own O
  and E and indicator ratios computed here from the raw values (rel 1e-6);
* the three-way split sums to O − crude E on every assessed row;
* a municipality without an indicator value is not assessed, with the reason, and the rest
  are;
* an indicator KPI missing from the data leaves the age-adjusted columns exactly as without
  the need adjustment, and the need columns not assessed with the reason.
"""

from __future__ import annotations

import dataclasses
import re

import numpy as np
import polars as pl
import pytest
from statsmodels.discrete.discrete_model import NegativeBinomial

from benchmark.catalog import RIKET
from benchmark.comparison import Inputs, Method
from benchmark.comparison.need import indicator_table, need_fits
from benchmark.comparison.table import build_table
from benchmark.errors import InputError
from tests.simulation import YEARS, simulate

YEAR = 2024
NEED_MUNICIPALITY = "0005"


def _indicators(inputs: Inputs, rng: np.random.Generator
                ) -> tuple[pl.DataFrame, dict[str, float]]:
    """N01702 and N18803 per municipality and year, Riket as the sum; and the latent level
    of N01702 per municipality."""
    frames = []
    levels: dict[str, float] = {}
    for kpi, lo, hi, rate in (("N01702", 19, 29, 0.023), ("N18803", 7, 15, 0.012)):
        pop = (inputs.population.filter(pl.col("age").is_between(lo, hi)
                                         & (pl.col("municipality") != RIKET))
               .group_by("municipality", "year").agg(pl.col("population").sum())
               .sort("municipality", "year"))
        latent = dict(zip(sorted(pop["municipality"].unique()),
                          np.exp(rng.normal(0, 0.15, pop["municipality"].n_unique())),
                          strict=True))
        latent[NEED_MUNICIPALITY] = 2.0 if kpi == "N01702" else 1.0
        if kpi == "N01702":
            levels = latent
        level = pop["municipality"].replace_strict(latent, return_dtype=pl.Float64)
        values = rng.poisson(pop["population"].to_numpy() * rate * level.to_numpy())
        one = pop.select("municipality", "year", pl.lit(kpi).alias("kpi"),
                         pl.Series("value", values.astype(float)))
        riket = one.group_by("year").agg(pl.col("value").sum()).select(
            pl.lit(RIKET).alias("municipality"), "year", pl.lit(kpi).alias("kpi"), "value")
        frames += [one, riket]
    return pl.concat(frames, how="diagonal").with_columns(
        pl.col("year").cast(pl.Int32), pl.lit("ok").alias("status")), levels


def _with_values(inputs: Inputs, values: pl.DataFrame) -> Inputs:
    old = inputs.kpi_values
    return dataclasses.replace(inputs, kpi_values=pl.concat(
        [old, values.with_columns(pl.lit("T").alias("gender"),
                                  pl.lit("test").alias("snapshot")).select(old.columns)],
        how="vertical_relaxed"))


@pytest.fixture(scope="module")
def country() -> tuple[Inputs, pl.DataFrame]:
    sim = simulate(4242, planted=0)
    values, levels = _indicators(sim.inputs, np.random.default_rng(4243))
    # daglig verksamhet follows each municipality's aktivitetsersättning (β = 0.6), and
    # NEED_MUNICIPALITY's is twice the national rate
    factor = pl.col("municipality").replace_strict(levels, default=1.0,
                                                   return_dtype=pl.Float64) ** 0.6
    lss = sim.inputs.lss.with_columns(
        pl.when(pl.col("category") == "daglig_verksamhet")
        .then((pl.col("count") * factor).round()).otherwise(pl.col("count"))
        .alias("count"))
    return dataclasses.replace(sim.inputs, lss=lss), values


@pytest.fixture(scope="module")
def table(country: tuple[Inputs, pl.DataFrame]) -> pl.DataFrame:
    inputs, values = country
    return build_table(_with_values(inputs, values), [YEAR], Method(alternatives=False))


def test_beta_equals_statsmodels_on_the_table(country: tuple[Inputs, pl.DataFrame],
                                              table: pl.DataFrame) -> None:
    _, values = country
    rows = table.filter((pl.col("category") == "daglig_verksamhet")
                        & (pl.col("need_flag") != "not_assessed"))
    assert rows.height == 290
    inputs = country[0]
    pop = (inputs.population.filter(pl.col("age").is_between(19, 29)
                                    & (pl.col("year") == YEAR))
           .group_by("municipality").agg(pl.col("population").sum().alias("pop")))
    v = (values.filter((pl.col("kpi") == "N01702") & (pl.col("year") == YEAR))
         .join(pop, on="municipality"))
    national = v.filter(pl.col("municipality") == RIKET).row(0, named=True)
    x = (rows.select("municipality").join(v, on="municipality", how="left")
         .select(((pl.col("value") / pl.col("pop"))
                  / (national["value"] / national["pop"])).log())
         .to_series().to_numpy())
    o, e = rows["observed"].to_numpy(), rows["expected"].to_numpy()
    ref = NegativeBinomial(o, np.column_stack([np.ones(len(o)), x]), loglike_method="nb2",
                           offset=np.log(e)).fit(method="bfgs", gtol=1e-12, maxiter=5000,
                                                 disp=0)
    beta = rows["need_beta"].unique().to_list()
    assert len(beta) == 1
    assert beta[0] == pytest.approx(ref.params[1], rel=1e-6)
    half = (rows["need_beta_upper"][0] - rows["need_beta_lower"][0]) / 2
    assert half / 1.959963984540054 == pytest.approx(ref.bse[1], rel=1e-6)
    star = e * np.exp(ref.params[0] + ref.params[1] * x)
    np.testing.assert_allclose(rows["need_expected"].to_numpy(), star, rtol=1e-6)
    assert (rows["need_indicators"] == "N01702").all()
    assert rows["need_explains"].all()
    # the planted municipality: higher age-adjusted, not after need adjustment
    planted = rows.filter(pl.col("municipality") == NEED_MUNICIPALITY).row(0, named=True)
    print(f"\nplanted need municipality: ratio {planted['ratio']:.3f} ({planted['flag']}), "
          f"need ratio {planted['need_ratio']:.3f} ({planted['need_flag']}); "
          f"{planted['need_fit']}")
    assert planted["need_flag"] == "similar"
    assert planted["need_ratio"] < planted["ratio"]


def test_three_way_split_sums_to_the_gap(table: pl.DataFrame) -> None:
    rows = table.filter(pl.col("need_flag") != "not_assessed")
    assert rows.height >= 9 * 290
    gap = rows["observed"] - rows["expected_crude"]
    total = rows["composition_effect"] + rows["need_effect"] + rows["other_effect"]
    np.testing.assert_allclose(total.to_numpy(), gap.to_numpy(), rtol=1e-9, atol=1e-8)


def test_missing_indicator_value_not_assessed(country: tuple[Inputs, pl.DataFrame]) -> None:
    inputs, values = country
    gone = values.filter(~((pl.col("municipality") == "0010") & (pl.col("kpi") == "N18803")))
    table = build_table(_with_values(inputs, gone), [YEAR], Method(alternatives=False),
                        municipalities=["0010", "0011"])
    one = table.filter(pl.col("municipality") == "0010")
    reasons = dict(zip(one["category"], one["need_reason"], strict=True))
    flags = dict(zip(one["category"], one["need_flag"], strict=True))
    assert flags["korttidsvistelse"] == "not_assessed"
    assert reasons["korttidsvistelse"] == (
        "N18803 (anpassad_grundskola) missing for this municipality in 2024 (suppressed or "
        "not published in Kolada)")
    assert flags["daglig_verksamhet"] != "not_assessed"  # uses N01702 only
    assert (table.filter(pl.col("municipality") == "0011")["need_flag"]
            != "not_assessed").all()
    # β still shown for the insats, and the age-adjusted split kept for the row
    row = one.filter(pl.col("category") == "korttidsvistelse").row(0, named=True)
    assert row["need_beta"] is not None and row["need_effect"] is None
    assert row["composition_effect"] + row["other_effect"] == pytest.approx(
        row["observed"] - row["expected_crude"])


def test_missing_indicator_kpi_leaves_age_adjusted_comparison(
        country: tuple[Inputs, pl.DataFrame]) -> None:
    inputs, values = country
    method = Method(alternatives=False)
    without = build_table(_with_values(inputs, values.filter(pl.col("kpi") != "N18803")),
                          [YEAR], method, municipalities=["0001"])
    off = build_table(inputs, [YEAR], dataclasses.replace(method, need_model="none"),
                      municipalities=["0001"])
    same = ["observed", "expected", "ratio", "ratio_lower", "flag", "q_value", "tau2"]
    assert without.select(same).equals(off.select(same))
    child = without.filter(pl.col("category") == "korttidstillsyn").row(0, named=True)
    assert child["need_flag"] == "not_assessed"
    assert child["need_reason"].startswith("indicator N18803 (anpassad_grundskola) has no "
                                           f"values for {YEAR}")
    adult = without.filter(pl.col("category") == "boende").row(0, named=True)
    assert adult["need_flag"] in ("higher", "lower", "similar")
    assert off["need_reason"].unique().to_list() == ["need adjustment off (need_model=none)"]
    assert YEARS[-1] == YEAR


def test_need_fits_match_the_table(country: tuple[Inputs, pl.DataFrame],
                                   table: pl.DataFrame) -> None:
    inputs, values = country
    fits = need_fits(_with_values(inputs, values), YEAR, Method(alternatives=False))
    assert fits.height == 5 * 1 + 5 * 2  # 5 insatser with one indicator, 5 with two
    dv = fits.filter(pl.col("category") == "daglig_verksamhet").row(0, named=True)
    row = table.filter(pl.col("category") == "daglig_verksamhet").row(0, named=True)
    # the table's fit starts from the year before (same optimum to ~1e-13)
    assert (dv["beta"], dv["beta_lower"], dv["beta_upper"], dv["explained"]) == pytest.approx((
        row["need_beta"], row["need_beta_lower"], row["need_beta_upper"],
        row["need_explained"]), rel=1e-9)
    assert dv["explains"] and dv["indicator_year"] == YEAR and dv["n_units"] == 290
    total = fits.filter(pl.col("category") == "totalt")
    assert total["indicator"].to_list() == ["aktivitetsersattning", "anpassad_grundskola"]
    gone = need_fits(_with_values(inputs, values.filter(pl.col("kpi") != "N18803")), YEAR,
                     Method(alternatives=False))
    child = gone.filter(pl.col("category") == "korttidsvistelse").row(0, named=True)
    assert child["beta"] is None and "N18803" in child["reason"]


def test_indicator_table(country: tuple[Inputs, pl.DataFrame]) -> None:
    inputs, values = country
    full = _with_values(inputs, values)
    table = indicator_table(full, NEED_MUNICIPALITY, YEAR)
    assert table["indicator"].to_list() == ["aktivitetsersattning", "anpassad_grundskola",
                                            "sjukersattning"]
    row = table.row(0, named=True)
    pop = full.population.filter((pl.col("municipality") == NEED_MUNICIPALITY)
                                 & (pl.col("year") == YEAR)
                                 & pl.col("age").is_between(19, 29))["population"].sum()
    value = values.filter((pl.col("municipality") == NEED_MUNICIPALITY)
                          & (pl.col("year") == YEAR) & (pl.col("kpi") == "N01702"))
    national = values.filter((pl.col("municipality") == RIKET) & (pl.col("year") == YEAR)
                             & (pl.col("kpi") == "N01702"))["value"][0]
    riket_pop = full.population.filter((pl.col("municipality") == RIKET)
                                       & (pl.col("year") == YEAR)
                                       & pl.col("age").is_between(19, 29))["population"].sum()
    assert row["ratio"] == pytest.approx(value["value"][0] / pop / (national / riket_pop))
    assert row["ratio_lower"] < row["ratio"] < row["ratio_upper"]
    assert 1.6 < row["ratio"] < 2.4  # planted at twice the national rate
    assert table.row(2, named=True)["reason"].startswith("indicator N01703 (sjukersattning)")


def test_command_line_need_options() -> None:
    from benchmark.arguments import build_parser, method_of

    parser = build_parser()
    args = parser.parse_args(["compare", "--kommun", "2482", "--need-model", "quasi_poisson",
                              "--need-indicators", "daglig_verksamhet=sjukersattning",
                              "--need-indicators", "kontaktperson=none"])
    method = method_of(args)
    assert method.need_model == "quasi_poisson"
    assert method.need_for("daglig_verksamhet") == ("sjukersattning",)
    assert method.need_for("kontaktperson") == () and method.need_for("boende") == (
        "aktivitetsersattning",)
    assert "need_indicators=daglig_verksamhet:sjukersattning" in method.describe()
    for bad, said in ((["--need-indicators", "boende=behov"],
                       "unknown need indicator 'behov' for boende; valid: "
                       "aktivitetsersattning, anpassad_grundskola, sjukersattning"),
                      (["--need-model", "ols"], "invalid choice: 'ols'"),
                      # an empty list used to mean none silently
                      (["--need-indicators", "boende="], "invalid need indicators 'boende='; "
                       "valid: CATEGORY=ID[,ID] or CATEGORY=none (no need adjustment)"),
                      (["--need-indicators", "boende=,"], "invalid need indicators")):
        # the parser's errors are InputErrors, which the command line turns into one line
        # and exit code 2 (benchmark.cli)
        with pytest.raises(InputError, match=re.escape(said)):
            parser.parse_args(["screen", *bad])
