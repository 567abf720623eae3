"""The national screening written plainly in pandas + scipy.stats: the speed baseline.

This is how an analyst would write the computation documented in ``benchmark/screen.py``
without the library: read the processed parquet tables with pandas, then group-by-apply per
municipality (observed, band populations, E, intervals), per category × year (φ, τ²,
empirical-Bayes shrinkage) and per municipality × year (OD-aware p-values, flags,
Benjamini–Hochberg), and per municipality × category for persistence. Statistics come from
``scipy.stats`` directly; nothing is imported from ``benchmark.stats`` or
``benchmark.screen`` (only the category catalogue, which is configuration, not method).

Not computed here (the library does more work, so the speed ratio is conservative): costs,
peer columns, labels and the extra display columns. ``bench.agreement`` checks that both
give the same expected, ratio, p_value, flag (and the other columns listed there).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from benchmark.catalog import CATEGORIES, RIKET, TOTAL_BANDS

__all__ = ["screen_pandas"]

PERSISTENCE_YEARS = 5
PERSISTENCE_MIN = 3
MIN_OD_UNITS = 10
TRIM = 0.1
CATEGORY_IDS = [c.id for c in CATEGORIES]
TOTAL = "totalt"


def _band_sum(pop: pd.DataFrame, lo: int, hi: int | None) -> float:
    """Population aged lo..hi (hi None = no upper limit) in a municipality-year frame."""
    mask = pop["age"] >= lo
    if hi is not None:
        mask &= pop["age"] <= hi
    return float(pop.loc[mask, "population"].sum())


def _band_sums(pop: pd.DataFrame) -> dict[tuple[int, int | None], float]:
    """Population of every reference band (and all ages) in a municipality-year frame."""
    age = pop["age"].to_numpy()
    people = pop["population"].to_numpy()
    bands = {(0, None), *TOTAL_BANDS, *((c.age_min, c.age_max) for c in CATEGORIES)}
    return {(lo, hi): float(people[(age >= lo) & (age <= (999 if hi is None else hi))].sum())
            for lo, hi in bands}


def _bands(category_id: str) -> list[tuple[int, int | None]]:
    if category_id == TOTAL:
        return list(TOTAL_BANDS)
    cat = next(c for c in CATEGORIES if c.id == category_id)
    return [(cat.age_min, cat.age_max)]


def _national(lss: pd.DataFrame, pop: pd.DataFrame, year: int) -> dict:
    """National rates per category for one year: band rates, crude rate, crude rate/10k."""
    p = pop[(pop["municipality"] == RIKET) & (pop["year"] == year)]
    if p.empty:  # no SCB national row: sum the municipalities
        p = pop[(pop["municipality"] != RIKET) & (pop["year"] == year)]
    nat = lss[(lss["municipality"] == RIKET) & (lss["year"] == year)
              & (lss["status"] == "ok") & lss["count"].notna()]
    counts = dict(zip(nat["category"], nat["count"], strict=True))
    out = {}
    for cid in CATEGORY_IDS:
        entry = {"band_rates": None, "crude_rate": None, "rate_per_10k": np.nan}
        if cid in counts:
            total_pop = _band_sum(p, 0, None)
            if total_pop > 0:
                entry["crude_rate"] = counts[cid] / total_pop
                entry["rate_per_10k"] = counts[cid] / total_pop * 1e4
        if cid == TOTAL:
            parts = ("totalt_0_22", "totalt_0_64", "totalt")
            if all(k in counts for k in parts):
                persons = [counts["totalt_0_22"], counts["totalt_0_64"] - counts["totalt_0_22"],
                           counts["totalt"] - counts["totalt_0_64"]]
                entry["band_rates"] = _rates(persons, [_band_sum(p, lo, hi)
                                                       for lo, hi in TOTAL_BANDS])
        elif cid in counts:
            (lo, hi), = _bands(cid)
            entry["band_rates"] = _rates([counts[cid]], [_band_sum(p, lo, hi)])
        out[cid] = entry
    return out


def _rates(persons: list[float], pops: list[float]) -> list[float | None]:
    return [x / n if n > 0 else None for x, n in zip(persons, pops, strict=True)]


def _exact_lower(o: np.ndarray, conf: float) -> np.ndarray:
    with np.errstate(invalid="ignore"):
        lo = stats.chi2.ppf((1 - conf) / 2, 2 * o) / 2
    return np.where(o == 0, 0.0, lo)


def _exact_upper(o: np.ndarray, conf: float) -> np.ndarray:
    return stats.chi2.ppf(1 - (1 - conf) / 2, 2 * o + 2) / 2


def _per_municipality(g: pd.DataFrame, pop_by_key: dict, national: dict, window: list[int],
                      conf: float) -> pd.DataFrame:
    """Observed, E, crude rate and O/E with intervals for one municipality, all years."""
    m = g.name
    rows = []
    lookup = {(r.year, r.category): (r.status, r.count) for r in g.itertuples()}
    for year in window:
        p = pop_by_key.get((m, year))
        sums = _band_sums(p) if p is not None else None
        pop_total = sums[(0, None)] if sums is not None else np.nan
        for cid in CATEGORY_IDS:
            status, count = lookup.get((year, cid), ("missing", np.nan))
            nat = national[year][cid]
            band_pops = [sums[b] for b in _bands(cid)] if sums is not None else None
            expected = np.nan
            if nat["band_rates"] is not None and band_pops is not None \
                    and all(r is not None for r in nat["band_rates"]):
                expected = sum(r * n for r, n in zip(nat["band_rates"], band_pops, strict=True))
            if cid == TOTAL and np.isnan(expected) and nat["crude_rate"] is not None:
                expected = nat["crude_rate"] * pop_total  # not standardised (no band split)
            observed = count if status == "ok" else np.nan
            if status == "suppressed":
                reason = "suppressed in Kolada (few persons)"
            elif status != "ok":
                reason = "missing in Kolada"
            elif np.isnan(count):
                reason = "count missing in Kolada"
            elif np.isnan(pop_total) or pop_total <= 0:
                reason = "no population data"
            elif np.isnan(nat["rate_per_10k"]):
                reason = "no national figure for this year"
            elif np.isnan(expected) or expected <= 0:
                reason = "no population in the reference age band"
            else:
                reason = ""
            rows.append({
                "year": year, "category": cid, "status": status, "observed": observed,
                "population_total": pop_total,
                "population_band": np.nan if band_pops is None
                else pop_total if cid == TOTAL else band_pops[0],
                "national_rate_per_10k": nat["rate_per_10k"], "expected": expected,
                "expected_crude": nat["rate_per_10k"] / 1e4 * pop_total, "flag_reason": reason,
            })
    df = pd.DataFrame(rows)
    assessed = df["flag_reason"] == ""
    o = df["observed"].where(assessed).to_numpy(float)
    e = df["expected"].where(assessed).to_numpy(float)
    n = df["population_total"].to_numpy(float)

    # crude rate per 10 000 with the Wilson score interval
    z = stats.norm.ppf(1 - (1 - conf) / 2)
    has_rate = ~np.isnan(o) & (n > 0) & (o <= n)
    x, nn = np.where(has_rate, o, np.nan), np.where(has_rate, n, np.nan)
    root = np.sqrt(z**2 + 4 * x * (1 - x / nn))
    df["rate_per_10k"] = x / nn * 1e4
    df["rate_lower"] = (2 * x + z**2 - z * root) / (2 * (nn + z**2)) * 1e4
    df["rate_upper"] = (2 * x + z**2 + z * root) / (2 * (nn + z**2)) * 1e4

    # O/E with exact (O < 10) or Byar limits
    ok = ~np.isnan(o) & ~np.isnan(e) & (e > 0)
    oo, ee = np.where(ok, o, np.nan), np.where(ok, e, np.nan)
    exact = oo < 10
    with np.errstate(invalid="ignore", divide="ignore"):
        byar_lo = oo * (1 - 1 / (9 * oo) - z / (3 * np.sqrt(oo))) ** 3
        byar_lo[byar_lo < 0] = np.nan
        o1 = oo + 1
        byar_hi = o1 * (1 - 1 / (9 * o1) + z / (3 * np.sqrt(o1))) ** 3
        lo = np.where(exact, _exact_lower(oo, conf), byar_lo)
        hi = np.where(exact, _exact_upper(oo, conf), byar_hi)
    df["ratio"] = oo / ee
    df["ratio_lower"] = lo / ee
    df["ratio_upper"] = hi / ee
    df["ratio_method"] = np.where(ok, np.where(exact, "Exact", "Byars"), None)
    df["observed_assessed"] = o
    df["expected_assessed"] = e
    return df


def _overdispersion(g: pd.DataFrame) -> pd.DataFrame:
    """φ, τ² (√ scale, 10 % winsorised, consistency-corrected) and EB shrinkage."""
    ok = g["observed_assessed"].notna() & g["expected_assessed"].notna() \
        & (g["expected_assessed"] > 0)
    o = g.loc[ok, "observed_assessed"]
    e = g.loc[ok, "expected_assessed"]
    out = pd.DataFrame({"phi": np.nan, "tau2": np.nan, "od_units": 0,
                        "ratio_shrunk": np.nan}, index=g.index)
    if len(o) == 0:
        return out
    z = 2 * (np.sqrt(o) - np.sqrt(e))
    lo, hi = z.quantile([TRIM, 1 - TRIM])
    zw = z.clip(lo, hi)
    c = stats.norm.ppf(1 - TRIM)
    expected_z2 = (1 - 2 * TRIM) - 2 * c * stats.norm.pdf(c) + 2 * TRIM * c**2
    phi = (zw**2).mean() / expected_z2
    w = 4 * e
    n = len(zw)
    denom = w.sum() - (w**2).sum() / w.sum()
    tau2 = max(0.0, (n * phi - (n - 1)) / denom) if n * phi >= n - 1 and denom > 0 else 0.0
    out["od_units"] = n
    if n >= MIN_OD_UNITS:
        out["phi"], out["tau2"] = phi, tau2
    # empirical-Bayes (Marshall global moments)
    r = o / e
    b = o.sum() / e.sum()
    s2 = (e * (r - b) ** 2).sum() / e.sum()
    a = max(0.0, s2 - b / (e.sum() / len(e)))
    out.loc[ok, "ratio_shrunk"] = 0.0 if b == 0 else b + a / (a + b / e) * (r - b)
    return out


def _flags(o: np.ndarray, e: np.ndarray, phi: np.ndarray, tau2: np.ndarray,
           conf: float) -> dict[str, np.ndarray]:
    """Funnel limits, z, p-value and flag at one confidence level."""
    z_crit = stats.norm.ppf(1 - (1 - conf) / 2)
    ok = ~np.isnan(o) & ~np.isnan(e) & (e > 0)
    adj = ok & ~np.isnan(phi) & (phi > 1)
    o_, e_ = np.where(ok, o, 0.0), np.where(ok, e, 1.0)
    t = np.where(adj, np.nan_to_num(tau2), 0.0)
    sd = np.sqrt(1 / (4 * e_) + t)
    od_lo = np.where(1 - z_crit * sd > 0, (1 - z_crit * sd) ** 2, 0.0)
    od_hi = (1 + z_crit * sd) ** 2
    a = (1 - conf) / 2
    ex_lo = stats.chi2.ppf(a, 2 * e_) / (2 * e_)
    ex_hi = stats.chi2.ppf(1 - a, 2 * (e_ + 1)) / (2 * e_)
    lo = np.where(ok, np.where(adj, od_lo, ex_lo), np.nan)
    hi = np.where(ok, np.where(adj, od_hi, ex_hi), np.nan)
    z = np.where(ok, 2 * (np.sqrt(o_) - np.sqrt(e_)) / np.sqrt(1 + 4 * e_ * t), np.nan)
    p_exact = np.minimum(1.0, 2 * np.minimum(stats.poisson.cdf(o_, e_),
                                             stats.poisson.sf(o_ - 1, e_)))
    p_od = 2 * stats.norm.sf(np.abs(z))
    p = np.where(ok, np.where(adj, np.maximum(p_od, p_exact), p_exact), np.nan)
    # flagged ⇔ p < 1 − conf (adjusted: outside the OD limits and exact-significant)
    sig = ok & (np.nan_to_num(p, nan=1.0) < 1 - conf)
    flag = np.where(~ok, "not_assessed", np.where(
        sig, np.where(o_ > e_, "higher", "lower"), "similar"))
    return {"z": z, "p": p, "lower": lo, "upper": hi, "flag": flag, "adj": adj}


def _benjamini_hochberg(p: pd.Series) -> pd.Series:
    valid = p.dropna().sort_values(kind="stable")
    m = len(valid)
    q = pd.Series(np.nan, index=p.index)
    if m == 0:
        return q
    raw = (valid * m / np.arange(1, m + 1)).clip(upper=1.0)
    q[valid.index] = raw[::-1].cummin()[::-1]
    return q


def _per_municipality_year(g: pd.DataFrame, conf: float, strong: float) -> pd.DataFrame:
    o = g["observed_assessed"].to_numpy(float)
    e = g["expected_assessed"].to_numpy(float)
    phi, tau2 = g["phi"].to_numpy(float), g["tau2"].to_numpy(float)
    f998 = _flags(o, e, phi, tau2, strong)
    f95 = _flags(o, e, phi, tau2, conf)
    out = pd.DataFrame({
        "z": f998["z"], "p_value": f998["p"], "limit_lower_998": f998["lower"],
        "limit_upper_998": f998["upper"], "flag": f998["flag"], "flag_95": f95["flag"],
        "od_adjusted": f998["adj"]}, index=g.index)
    out["q_value"] = _benjamini_hochberg(out["p_value"])
    return out


def _persistence(df: pd.DataFrame, year: int) -> pd.DataFrame:
    """years_flagged / persistent: same-direction flag_95 in the last five years."""
    recent = df[(df["year"] <= year) & (df["year"] > year - PERSISTENCE_YEARS)]
    counts = (recent.assign(higher=recent["flag_95"] == "higher",
                            lower=recent["flag_95"] == "lower")
              .groupby(["municipality", "category"])[["higher", "lower"]].sum())
    most = counts.max(axis=1)
    return pd.DataFrame({"years_flagged": most, "persistent": most >= PERSISTENCE_MIN}
                        ).reset_index()


def screen_pandas(year: int, processed_dir: Path, *, confidence: float = 0.95,
                  strong_confidence: float = 0.998) -> pd.DataFrame:
    """The screening table for ``year`` (one row per municipality × category), read from
    the parquet files in ``processed_dir`` (a processed set's folder, e.g.
    ``data/processed/current``)."""
    processed_dir = Path(processed_dir)
    lss = pd.read_parquet(processed_dir / "lss.parquet",
                          columns=["municipality", "year", "category", "count", "status"])
    pop = pd.read_parquet(processed_dir / "population.parquet",
                          columns=["municipality", "year", "age", "population"])
    munis = pd.read_parquet(processed_dir / "municipalities.parquet")

    data_years = sorted(lss.loc[(lss["municipality"] != RIKET)
                                & lss["category"].isin(CATEGORY_IDS), "year"].unique())
    if year not in data_years:
        raise ValueError(f"year {year} is not in the data ({data_years})")
    window = [int(y) for y in data_years if year - PERSISTENCE_YEARS < y <= year]
    pop = pop[pop["year"].isin(window)]
    lss = lss[lss["year"].isin(window)]

    register = munis[(munis["municipality"] != RIKET)
                     & (munis["type"].fillna("K") == "K")]["municipality"]
    national = {y: _national(lss, pop, y) for y in window}
    pop_by_key = {key: frame for key, frame in pop.groupby(["municipality", "year"])}

    # one placeholder row per register municipality, so that a municipality without any
    # LSS row still gets its (missing) rows from the apply
    local = lss[lss["category"].isin(CATEGORY_IDS)]
    local = pd.concat([local, pd.DataFrame({"municipality": register, "year": window[-1],
                                            "category": "__none", "status": "missing"})])
    local = local[local["municipality"].isin(register)]
    df = (local.groupby("municipality", group_keys=True)
          .apply(_per_municipality, pop_by_key=pop_by_key, national=national,
                 window=window, conf=confidence)
          .reset_index(level=0).reset_index(drop=True))

    od = df.groupby(["category", "year"], group_keys=False).apply(_overdispersion)
    df = df.join(od)
    flags = df.groupby(["municipality", "year"], group_keys=False).apply(
        _per_municipality_year, conf=confidence, strong=strong_confidence)
    df = df.join(flags)
    df["excess"] = df["observed_assessed"] - df["expected_assessed"]

    current = df[df["year"] == year]
    persistence = _persistence(df, year)
    out = current.merge(persistence, on=["municipality", "category"], how="left")
    out["category"] = pd.Categorical(out["category"], categories=CATEGORY_IDS, ordered=True)
    out = out.sort_values(["municipality", "category"]).reset_index(drop=True)
    out["category"] = out["category"].astype(str)
    return out.drop(columns=["observed_assessed", "expected_assessed"])
