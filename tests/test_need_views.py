"""The need section's chart and views on a hand-made comparison table.

The need columns are chosen by hand so the assertions state exactly what a reader should
see: daglig verksamhet explained by need (higher age-adjusted, similar after), boende
still higher after need, kontaktperson with indicators that do not explain it.
"""

from __future__ import annotations

import polars as pl
import pytest

from benchmark import plots, views
from tests.comparison_tables import make_compare

#: category → (need_ratio, lower, upper, need_flag, need_explains, age, need, other)
_NEED = {
    "boende": (1.20, 1.09, 1.33, "higher", True, 20.0, 12.0, 80.0),
    "daglig_verksamhet": (1.02, 0.94, 1.11, "similar", True, -14.0, 114.0, 10.0),
    "kontaktperson": (1.06, 0.90, 1.25, "similar", False, 0.0, 1.0, 9.0),
}


def _table() -> pl.DataFrame:
    t = make_compare(synthetic=False)
    cols: dict[str, list[object]] = {k: [] for k in (
        "need_ratio", "need_ratio_lower", "need_ratio_upper", "need_flag", "need_explains",
        "composition_effect", "need_effect", "other_effect", "need_indicators")}
    for cid in t["category"]:
        ratio, lo, hi, flag, explains, age, need, other = _NEED.get(
            cid, (None, None, None, "not_assessed", None, None, None, None))
        for k, v in zip(cols, (ratio, lo, hi, flag, explains, age, need, other,
                               "N01702" if cid in _NEED else None), strict=True):
            cols[k].append(v)
    schema = {"need_explains": pl.Boolean, "need_flag": pl.String,
              "need_indicators": pl.String}
    return t.with_columns(pl.Series(k, v, dtype=schema.get(k, pl.Float64))
                          for k, v in cols.items())


def _indicators() -> pl.DataFrame:
    return pl.DataFrame({
        "indicator": ["aktivitetsersattning", "anpassad_grundskola", "sjukersattning"],
        "kpi": ["N01702", "N18803", "N01703"], "title": ["a", "b", "c"],
        "band": ["19–29", "7–15", "30–64"], "indicator_year": [2024, 2024, None],
        "value": [410.0, 95.0, None], "population": [9000.0, 8000.0, None],
        "rate_per_1000": [45.6, 11.9, None], "national_per_1000": [23.0, 11.0, None],
        "ratio": [1.98, 1.08, None], "ratio_lower": [1.79, 0.87, None],
        "ratio_upper": [2.18, 1.32, None],
        "reason": [None, None, "indicator N01703 (sjukersattning) has no values"]},
        schema_overrides={"indicator_year": pl.Int32})


def _fits() -> pl.DataFrame:
    return pl.DataFrame({
        "category": ["daglig_verksamhet", "kontaktperson", "kontaktperson"],
        "indicator": ["aktivitetsersattning", "aktivitetsersattning", "anpassad_grundskola"],
        "kpi": ["N01702", "N01702", "N18803"], "beta": [0.43, 0.02, -0.05],
        "beta_lower": [0.30, -0.2, -0.3], "beta_upper": [0.56, 0.2, 0.2],
        "beta_se": [0.07, 0.1, 0.12], "explained": [0.34, 0.0, 0.0],
        "explains": [True, False, False], "n_units": [290, 290, 290],
        "model": ["negative_binomial"] * 3, "indicator_year": [2024] * 3,
        "reason": [None, None, None]}, schema_overrides={"indicator_year": pl.Int32})


def test_need_chart_draws_both_ratios_and_says_where_need_does_not_explain() -> None:
    chart = plots.need_chart(_table(), "sv")
    age, need = chart.figure.data
    assert len(age.x) == 8 and list(need.x) == [1.20, 1.02, 1.06]
    assert chart.title == "Skellefteå 2024: jämfört med riket, med och utan hänsyn till behov"
    ticks = chart.figure.layout.yaxis.ticktext
    assert sum("behovsmåtten förklarar inte" in t for t in ticks) == 1
    assert "Kontaktperson<br>" in next(t for t in ticks if "förklarar inte" in t)
    html = chart.table_html
    assert "+114" in html and "varav behovsmått" in html and "behovsmåtten förklarar inte" in html


def test_need_sentences_name_the_indicator() -> None:
    # boende: a part of the gap; daglig verksamhet: need alone gives more than the gap;
    # kontaktperson: the indicators do not explain it, so no sentence
    assert views.need_sentences(_table(), _indicators(), "sv") == [
        "Av de 112 fler personerna än rikets nivå i bostad med särskild service är omkring "
        "12 i linje med kommunens högre andel unga vuxna med aktivitetsersättning jämfört "
        "med riket.",
        "Hela skillnaden på 110 fler personer än rikets nivå i daglig verksamhet är i linje "
        "med kommunens högre andel unga vuxna med aktivitetsersättning jämfört med riket "
        "(behovsmåtten ensamma skulle ge omkring 114 fler)."]
    english = views.need_sentences(_table(), _indicators(), "en")
    assert english[0] == (
        "Of the 112 more persons than Sweden's level in housing with special service, about "
        "12 are in line with the municipality's higher share of young adults with activity "
        "compensation compared with Sweden.")


def test_no_need_sentence_when_the_other_part_goes_against_the_gap() -> None:
    """Demoby 2024, daglig verksamhet: 1 054 persons, 20 fewer than Sweden's crude level,
    the net of age −458, need −19 and other +457 (O/E* 1.52, clearly higher). "Of the 20
    fewer persons, about 19 are in line with the lower share of young adults with activity
    compensation" read as if need explained the gap; no sentence is written for it."""
    demoby = {"observed": 1054.0, "expected_crude": 1073.9, "composition_effect": -458.3,
              "need_effect": -18.8, "other_effect": 457.2}
    is_dv = pl.col("category") == "daglig_verksamhet"
    t = _table().with_columns(pl.when(is_dv).then(pl.lit(v)).otherwise(pl.col(c)).alias(c)
                              for c, v in demoby.items())
    row = t.filter(is_dv).row(0, named=True)
    assert sum(row[c] for c in ("composition_effect", "need_effect", "other_effect")) == (
        pytest.approx(row["observed"] - row["expected_crude"]))
    for lang in ("sv", "en"):
        out = views.need_sentences(t, _indicators(), lang)
        assert out == views.need_sentences(_table(), _indicators(), lang)[:1]  # boende only


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_need_parts(lang: str) -> None:
    parts = views.need_parts(_table(), _indicators(), _fits(), lang)
    charts = [p for p in parts if isinstance(p, plots.Chart)]
    assert len(charts) == 1 and charts[0].key == "need"
    text = "".join(p for p in parts if isinstance(p, str))
    assert ("ekologisk" in text or "mellan kommuner" in text) if lang == "sv" else (
        "across municipalities" in text)
    assert "1,98" in text if lang == "sv" else "1.98" in text
    assert ("0,30–0,56" in text) if lang == "sv" else ("0.30–0.56" in text)


def test_need_parts_without_indicators() -> None:
    empty = _fits().with_columns(pl.lit(None, dtype=pl.Float64).alias("beta"))
    parts = views.need_parts(_table(), _indicators(), empty, "sv")
    assert parts == ["<p>Behovsmåtten saknas i datan för 2024; jämförelsen visas bara med "
                     "hänsyn till ålder.</p>"]
