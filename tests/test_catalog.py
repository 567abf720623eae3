"""benchmark.catalog: reference age-band overrides and municipality codes."""

from __future__ import annotations

import pytest

from benchmark.catalog import (
    CATEGORIES,
    CATEGORY_BY_ID,
    normalise_municipality_code,
    parse_age_band,
    with_age_bands,
)
from benchmark.errors import InputError


def test_without_overrides_the_catalogue_itself() -> None:
    assert with_age_bands(None) is CATEGORIES
    assert with_age_bands({}) is CATEGORIES


def test_override_replaces_only_that_category() -> None:
    cats = with_age_bands({"daglig_verksamhet": (18, 64), "boende": (30, None)})
    by_id = {c.id: c for c in cats}
    assert [c.id for c in cats] == [c.id for c in CATEGORIES]
    dv, bo = by_id["daglig_verksamhet"], by_id["boende"]
    assert (dv.age_min, dv.age_max, dv.band_label) == (18, 64, "18–64")
    assert (bo.age_min, bo.age_max, bo.band_label) == (30, None, "30+")
    assert dv.kpi_count == "N28804" and bo.cost_kpi == "N28013"  # the rest is kept
    for c in cats:
        if c.id not in ("daglig_verksamhet", "boende"):
            assert c is CATEGORY_BY_ID[c.id]
    # the catalogue itself is untouched
    assert (CATEGORY_BY_ID["daglig_verksamhet"].age_min,
            CATEGORY_BY_ID["daglig_verksamhet"].age_max) == (20, 64)


def test_top_age_100_means_open() -> None:
    (cat,) = [c for c in with_age_bands({"kontaktperson": (65, 100)})
              if c.id == "kontaktperson"]
    assert (cat.age_min, cat.age_max, cat.band_label) == (65, None, "65+")
    (one,) = [c for c in with_age_bands({"korttidstillsyn": (15, 15)})
              if c.id == "korttidstillsyn"]
    assert (one.age_min, one.age_max) == (15, 15)


@pytest.mark.parametrize(("overrides", "needles"), [
    ({"boendet": (20, None)}, ["'boendet'", "valid categories for an age band: boende"]),
    ({"totalt": (0, 22)}, ["'totalt'", "N28891/N28890", "0–22/23–64/65+", "boende"]),
    ({"boende": (30, 20)}, ["30-20", "lower age exceeds the upper", "0 ≤ LO ≤ HI ≤ 100"]),
    ({"boende": (20, 101)}, ["20-101", "upper age exceeds 100"]),
    ({"boende": (101, None)}, ["101+", "lower age must be 0–100"]),
    ({"boende": (-1, 64)}, ["-1-64", "lower age must be 0–100"]),
    ({"boende": (18.5, 64)}, ["(18.5, 64)", "whole ages"]),
    ({"boende": (True, 64)}, ["whole ages"]),
    ({"boende": "18-64"}, ["'18-64'", "(lo, hi)"]),
    ({"boende": (18,)}, ["(18,)", "(lo, hi)"]),
    ({1: (18, 64)}, ["catalogue id", "boende"]),
])
def test_invalid_overrides(overrides: dict, needles: list[str]) -> None:
    with pytest.raises(InputError) as err:
        with_age_bands(overrides)
    msg = str(err.value)
    assert "\n" not in msg
    for needle in needles:
        assert needle in msg, (needle, msg)


def test_overrides_must_be_a_mapping() -> None:
    with pytest.raises(InputError, match="mapping category id"):
        with_age_bands([("boende", (20, None))])  # type: ignore[arg-type]


@pytest.mark.parametrize(("text", "expected"), [
    ("daglig_verksamhet=18-64", ("daglig_verksamhet", (18, 64))),
    ("boende=20+", ("boende", (20, None))),
    ("ledsagarservice=all", ("ledsagarservice", (0, None))),
    ("ledsagarservice=ALL", ("ledsagarservice", (0, None))),
    (" boende = 20 - 100 ", ("boende", (20, None))),
    ("korttidstillsyn=0-0", ("korttidstillsyn", (0, 0))),
])
def test_parse_age_band(text: str, expected: tuple) -> None:
    assert parse_age_band(text) == expected


@pytest.mark.parametrize("text", ["boende", "boende=", "boende=20", "=20+", "boende=20-30-40",
                                  "boende=a-b", "boende:20+", "boende=-5-10", "boende=20++",
                                  ""])
def test_parse_age_band_bad_syntax(text: str) -> None:
    with pytest.raises(InputError) as err:
        parse_age_band(text)
    msg = str(err.value)
    assert "\n" not in msg
    assert f"invalid age band {text!r}" in msg
    assert "CATEGORY=LO-HI" in msg and "CATEGORY=LO+" in msg and "CATEGORY=all" in msg


@pytest.mark.parametrize(("text", "needle"), [
    ("totalt=0-22", "N28891/N28890"),
    ("boendet=20+", "unknown category 'boendet'"),
    ("boende=30-20", "lower age exceeds the upper"),
    ("boende=20-101", "upper age exceeds 100"),
    ("boende=101+", "lower age must be 0–100"),
])
def test_parse_age_band_validates(text: str, needle: str) -> None:
    with pytest.raises(InputError, match=needle):
        parse_age_band(text)


def test_municipality_code_with_register() -> None:
    known = ["0114", "0180", "2482"]
    assert normalise_municipality_code(" 2482 ", known=iter(known)) == "2482"
    assert normalise_municipality_code("9999") == "9999"  # no register: format only
    with pytest.raises(InputError) as err:
        normalise_municipality_code("0181", known=known)
    msg = str(err.value)
    assert "'0181'" in msg and "3 municipalities" in msg and "close codes: 0180" in msg
    with pytest.raises(InputError, match="four digits") as err:
        normalise_municipality_code(None)
    assert "'None'" in str(err.value)
    # digits of other scripts (fullwidth, Arabic-Indic) are not a kommunkod's, and get no
    # "did you mean 0１８０?" made of mixed digits
    for text in ("０１８０", "١٨٠٠", "１８０"):
        with pytest.raises(InputError) as err:
            normalise_municipality_code(text, known=known)
        assert str(err.value).startswith(f"invalid municipality code {text!r}; a kommunkod "
                                         "has four digits")
