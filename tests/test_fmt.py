"""Swedish/English number formatting and report labels."""

from __future__ import annotations

import math

import pytest

from benchmark import fmt
from benchmark.errors import InputError

NB = "\u00a0"


def test_number_swedish_grouping_decimal_comma_and_true_minus() -> None:
    assert fmt.number(23456.7) == f"23{NB}456,7"
    assert fmt.number(-23456.74, 1) == f"\u221223{NB}456,7"
    assert fmt.number(1234567.891, 2) == f"1{NB}234{NB}567,89"
    assert fmt.number(999.96, 1) == f"1{NB}000,0"


def test_number_english_and_signs() -> None:
    assert fmt.number(23456.7, 1, "en") == "23,456.7"
    assert fmt.number(12.0, 1, sign=True) == "+12,0"
    assert fmt.number(-4.0, 1, sign=True) == "\u22124,0"
    # a value that rounds to zero never shows a sign
    assert fmt.number(-0.01, 1) == "0,0"
    assert fmt.number(0.01, 1, sign=True) == "0,0"


@pytest.mark.parametrize("value", [None, math.nan, float("nan"), "abc"])
def test_missing_values_show_a_dash_never_zero(value: object) -> None:
    assert fmt.number(value) == "\u2013"  # type: ignore[arg-type]
    assert fmt.percent(value) == "\u2013"  # type: ignore[arg-type]
    assert fmt.kronor(value) == "\u2013"  # type: ignore[arg-type]


def test_percent_ratio_interval_kronor_integer() -> None:
    assert fmt.percent(0.123) == f"12{NB}%"
    assert fmt.percent(0.1234, 1, "en") == "12.3%"
    assert fmt.percent(-0.05, sign=True) == f"\u22125{NB}%"
    assert fmt.ratio(1.2349) == "1,23"
    assert fmt.interval(1.051, 1.419) == "1,05\u20131,42"
    assert fmt.interval(None, 1.4) == "\u2013"
    assert fmt.interval(-3.0, 2.0, 1) == f"\u22123,0{NB}\u2013{NB}2,0"
    assert fmt.kronor(1234567) == f"1{NB}234{NB}567{NB}kr"
    assert fmt.kronor(1234567, "en") == f"SEK{NB}1,234,567"
    assert fmt.integer(12345.6) == f"12{NB}346"


def test_dates_in_running_text() -> None:
    assert fmt.long_date("2026-11-27T08:12:55+00:00") == "27 november 2026"
    assert fmt.long_date("2026-03-01", "en") == "1 March 2026"
    assert fmt.long_date(None) == "\u2013"


def test_plotly_separators() -> None:
    assert fmt.plotly_separators("sv") == ",\u00a0"
    assert fmt.plotly_separators("en") == ".,"


def test_labels_sv_en() -> None:
    assert fmt.flag_label("higher") == "Tydligt högre än riket"
    assert fmt.flag_label("lower") == "Tydligt lägre än riket"
    assert fmt.flag_label("higher", "en") == "Clearly higher than Sweden"
    assert fmt.flag_label(None) == "Ej bedömd"
    assert fmt.flag_label("higher", short=True).startswith("▲")
    assert fmt.flag_label("lower", short=True).startswith("▼")
    assert fmt.status_label("suppressed").startswith("Skyddad")
    assert fmt.category_label("boende") == "Bostad med särskild service"
    assert fmt.category_label("boende", "en") == "Housing with special service"
    assert fmt.text("label.synthetic") == "Syntetiska demodata"
    assert fmt.text("label.source") == "Källa: Kolada (RKA), SCB"


def test_unknown_language_is_input_error() -> None:
    with pytest.raises(InputError, match="valid languages: sv, en"):
        fmt.number(1.0, 1, "de")


def test_reference_band_labels_and_all_ages() -> None:
    assert fmt.is_all_ages("alla åldrar")
    assert fmt.is_all_ages("alla åldrar (ej åldersstandardiserad)")
    assert not fmt.is_all_ages("0–22/23–64/65+") and not fmt.is_all_ages(None)
    assert fmt.band_label("alla åldrar", "en") == "all ages"
    assert fmt.band_label("alla åldrar (ej åldersstandardiserad)", "en") == (
        "all ages (not age-standardised)")
    assert fmt.band_label("20–64", "sv") == "20–64"
    assert fmt.band_label(None) == fmt.MISSING
    note = fmt.age_adjustment_note("sv")
    assert "Ledsagarservice och kontaktperson ges i alla åldrar" in note
