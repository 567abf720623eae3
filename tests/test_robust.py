"""Robust flags: the vectorised alternatives equal whole screenings rerun under each
alternative (the other age model; every band edge moved by ± 2 years)."""

from __future__ import annotations

import polars as pl
import pytest

from benchmark.catalog import CATEGORIES
from benchmark.comparison import Method, screen
from benchmark.comparison.bands import SLOTS, TOTAL, _shifted

YEAR = 2024


@pytest.fixture(scope="module")
def reruns(demo_inputs) -> dict[str, pl.DataFrame]:
    """slot → a whole screening under that alternative (for every category at once)."""
    out = {"age_model": screen(YEAR, inputs=demo_inputs, method=Method(age_model="band",
                                                                   alternatives=False))}
    for slot in SLOTS[1:]:
        bands = {c.id: band for c in CATEGORIES if c.id != TOTAL
                 for s, band in _shifted(c, 2).items() if s == slot}
        out[slot] = screen(YEAR, inputs=demo_inputs,
                           method=Method(age_bands=bands, alternatives=False))
    return out


def test_alternatives_equal_whole_reruns(demo_screen: pl.DataFrame, reruns: dict) -> None:
    keys = ["municipality", "category"]
    agree = demo_screen.select(*keys, "flag", "robust", "flag_alternatives", "n_alternatives",
                         "flag_depends_on")
    counted = pl.lit(0)
    same = pl.lit(0)
    for slot, other in reruns.items():
        alt = other.select(*keys, pl.col("flag").alias(f"flag:{slot}"),
                           pl.col("reference_band").alias(f"band:{slot}"))
        if slot != "age_model":  # a category without this edge keeps its band: no alternative
            alt = alt.join(demo_screen.select(*keys, "reference_band"), on=keys).with_columns(
                pl.when(pl.col(f"band:{slot}") == pl.col("reference_band"))
                .then(None).otherwise(pl.col(f"flag:{slot}")).alias(f"flag:{slot}"))
        agree = agree.join(alt.select(*keys, f"flag:{slot}"), on=keys)
        usable = (pl.col("flag").is_in(["higher", "lower", "similar"])
                  & pl.col(f"flag:{slot}").is_in(["higher", "lower", "similar"]))
        counted = counted + usable.cast(pl.Int64)
        same = same + (usable & (pl.col(f"flag:{slot}") == pl.col("flag"))).cast(pl.Int64)
    agree = agree.with_columns(counted.alias("n_rerun"), same.alias("same_rerun"))
    assessed = agree.filter(pl.col("flag") != "not_assessed")
    assert (assessed["n_alternatives"] == assessed["n_rerun"]).all()
    assert (assessed["flag_alternatives"] == assessed["same_rerun"]).all()
    assert (assessed["robust"] == (assessed["same_rerun"] == assessed["n_rerun"])).all()
    # how many alternatives each category has: 1 (model) + its finite edges × 2
    n = assessed.group_by("category").agg(pl.col("n_alternatives").max())
    got = dict(n.iter_rows())
    assert got["daglig_verksamhet"] == 5 and got["boende"] == 3
    assert got["kontaktperson"] == 1 and got[TOTAL] == 1
    assert got["korttidstillsyn"] == 5 and got["avlosarservice"] == 3


def test_depends_on_names_the_alternatives(demo_screen: pl.DataFrame, reruns: dict) -> None:
    fragile = demo_screen.filter(pl.col("robust") == False)  # noqa: E712
    assert fragile.height > 0
    for r in fragile.iter_rows(named=True):
        named = r["flag_depends_on"].split("; ")
        assert len(named) == r["n_alternatives"] - r["flag_alternatives"]
        for label in named:
            key, _value = label.split("=")
            assert key in ("age_model", "age_band")
    assert demo_screen.filter(pl.col("robust") == True)["flag_depends_on"].null_count() == (  # noqa: E712
        demo_screen.filter(pl.col("robust") == True).height)  # noqa: E712


def test_demo_findings(demo_screen: pl.DataFrame) -> None:
    """Demoby's findings of 2024 (the report's words follow them)."""
    rows = {r["category"]: r for r in demo_screen.filter(pl.col("municipality") == "0180")
            .iter_rows(named=True)}
    dv = rows["daglig_verksamhet"]
    assert dv["flag"] == "higher" and dv["robust"] and dv["flag_alternatives"] == 5
    bo = rows["boende"]  # high against its age profile, in line under the flat band
    assert bo["flag"] == "higher" and bo["robust"] is False
    assert bo["flag_depends_on"] == "age_model=band"
    kp = rows["kontaktperson"]  # low under the flat band only
    assert kp["flag"] == "similar" and kp["robust"] is False
    assert kp["flag_depends_on"] == "age_model=band"


def test_legacy_has_no_alternatives(demo_inputs) -> None:
    old = screen(YEAR, inputs=demo_inputs, method=Method.legacy())
    assert old["robust"].null_count() == old.height
    assert old["flag_alternatives"].null_count() == old.height
