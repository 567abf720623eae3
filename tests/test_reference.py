"""The national reference: Riket, or the rest of Sweden for a municipality that holds more
than 5 % of a band's population (``reference``), recomputed by hand on the demo data."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from benchmark.catalog import CATEGORY_BY_ID
from benchmark.comparison import Method, compare, screen
from benchmark.comparison.profile import SEXES, shape
from benchmark.config import Settings
from benchmark.store import read_table

BIG = "1230"  # the demo's largest municipality (about 9 % of the country)
YEAR = 2024


def _weighted(pop: pl.DataFrame, code: str, cid: str, profile: bool = True) -> float:
    cat = CATEGORY_BY_ID[cid]
    p = pop.filter((pl.col("municipality") == code) & (pl.col("year") == YEAR)
                   & (pl.col("age") >= cat.age_min)
                   & (pl.col("age") <= (100 if cat.age_max is None else cat.age_max)))
    if not profile:
        return float(p["population"].sum())
    s = shape(cid)
    w = np.array([s[SEXES.index(x), a] for x, a in p.select("sex", "age").iter_rows()])
    return float((w * p["population"].to_numpy()).sum())


def _count(lss: pl.DataFrame, code: str, cid: str) -> float:
    return lss.filter((pl.col("municipality") == code) & (pl.col("year") == YEAR)
                      & (pl.col("category") == cid))["count"][0]


def test_auto_uses_the_rest_of_sweden_for_the_largest(demo_inputs, demo_data: Settings) -> None:
    table = screen(YEAR, inputs=demo_inputs)
    pop = read_table("population", demo_data)
    lss = read_table("lss", demo_data)
    big = table.filter(pl.col("municipality") == BIG)
    assert set(big["reference"]) == {"riket_utom_kommunen"}
    assert (big["share_of_riket"] > 0.05).all()
    # everyone under 5 % in every band keeps Riket
    small = table.filter(pl.col("share_of_riket") <= 0.05)
    assert set(small["reference"]) == {"riket"}
    for cid in ("daglig_verksamhet", "boende", "kontaktperson"):
        r = big.filter(pl.col("category") == cid).row(0, named=True)
        x, o = _count(lss, "0000", cid), _count(lss, BIG, cid)
        w_r, w_m = _weighted(pop, "0000", cid), _weighted(pop, BIG, cid)
        assert r["expected"] == pytest.approx((x - o) / (w_r - w_m) * w_m, rel=1e-10)
        # crude expectation against the same reference
        n_r = pop.filter((pl.col("municipality") == "0000") & (pl.col("year") == YEAR))
        n_m = pop.filter((pl.col("municipality") == BIG) & (pl.col("year") == YEAR))
        crude = (x - o) / (n_r["population"].sum() - n_m["population"].sum())
        assert r["expected_crude"] == pytest.approx(crude * n_m["population"].sum(), rel=1e-10)
        # Riket includes the municipality itself: against it the deviation shrinks
        against_riket = x * w_m / w_r
        assert abs(np.log(o / r["expected"])) > abs(np.log(o / against_riket))


def test_reference_settings(demo_inputs, demo_data: Settings) -> None:
    pop = read_table("population", demo_data)
    lss = read_table("lss", demo_data)
    cid = "daglig_verksamhet"
    riket = screen(YEAR, inputs=demo_inputs, method=Method(reference="riket"))
    rest = screen(YEAR, inputs=demo_inputs, method=Method(reference="riket_utom_kommunen"))
    assert set(riket["reference"]) == {"riket"}
    assert set(rest.filter(pl.col("flag") != "not_assessed")["reference"]) == {
        "riket_utom_kommunen"}
    for code in ("0180", "2482"):
        x, o = _count(lss, "0000", cid), _count(lss, code, cid)
        w_r, w_m = _weighted(pop, "0000", cid), _weighted(pop, code, cid)
        a = riket.filter((pl.col("municipality") == code) & (pl.col("category") == cid))
        b = rest.filter((pl.col("municipality") == code) & (pl.col("category") == cid))
        assert a["expected"][0] == pytest.approx(x * w_m / w_r, rel=1e-10)
        assert b["expected"][0] == pytest.approx((x - o) / (w_r - w_m) * w_m, rel=1e-10)
    # the band model against the rest of Sweden: plain band populations
    band = screen(YEAR, inputs=demo_inputs, method=Method(age_model="band"))
    r = band.filter((pl.col("municipality") == BIG) & (pl.col("category") == cid))
    x, o = _count(lss, "0000", cid), _count(lss, BIG, cid)
    n_r, n_m = _weighted(pop, "0000", cid, False), _weighted(pop, BIG, cid, False)
    assert r["expected"][0] == pytest.approx((x - o) / (n_r - n_m) * n_m, rel=1e-10)


def test_share_threshold_setting(demo_inputs) -> None:
    shares = screen(YEAR, inputs=demo_inputs, method=Method(reference_share=0.03))
    over = shares.filter((pl.col("share_of_riket") > 0.03) & (pl.col("flag") != "not_assessed"))
    assert over.height > 10 and set(over["reference"]) == {"riket_utom_kommunen"}
    assert set(over["municipality"]) >= {BIG, "1460"}


def test_compare_says_which_reference(demo_inputs) -> None:
    r = compare(BIG, YEAR, inputs=demo_inputs, peer_group="lan")
    assert set(r["reference"]) == {"riket_utom_kommunen"}
    assert "reference=auto(0.05)" in r["method"][0]
