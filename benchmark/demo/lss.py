"""Persons with LSS support in the demo country: the total by age band and sex, each
insats as a thinning of it, the planted deviations of the focus municipality, suppressed
and missing cells, and their Kolada KPIs (counts N28801–N28811, rates N28812–N28820 and
N28892, the total split N28890/N28891).

How the numbers are drawn is described in :mod:`benchmark.demo`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from benchmark.catalog import CATEGORIES, KPI_TOTAL_0_22, KPI_TOTAL_0_64_PCT
from benchmark.demo.country import DEMO_FOCUS, World
from benchmark.demo.kolada import ValueRows
from benchmark.demo.population import ages_in, band_sum

# Persons with any LSS insats per 10 000 inhabitants, 2021, by band; sex 0 = men, 1 = women
# (SCB Jämställdhet from Socialstyrelsen's LSS register, 1 October 2021, personkrets 1+2+3;
# 13–22 used for 13–19 and 20–22; 20–44 for 23–44).
_TOTAL_RATE = np.array([
    [15.9, 89.3, 156.9, 156.9, 122.6, 77.6, 40.6, 10.4],
    [7.1, 40.0, 105.8, 105.8, 91.1, 63.2, 33.0, 7.9],
])
_TOTAL_TREND = 1.007
# National persons with any insats on 1 October 2021 and inhabitants on 31 December 2021
_TOTAL_2021, _POP_2021 = 76_712, 10_452_326
# Category: (relative share of the band's LSS persons by band, national 2021 count, trend).
_CATEGORY_MODEL: dict[str, tuple[tuple[float, ...], int, float]] = {
    "boende": ((0.0, 0.01, 0.04, 0.25, 0.50, 0.70, 0.65, 0.55), 30_423, 1.015),
    "daglig_verksamhet": ((0.0, 0.0, 0.0, 0.55, 0.80, 0.78, 0.06, 0.0), 40_064, 1.02),
    "personlig_assistans_lss": ((0.12, 0.08, 0.06, 0.06, 0.06, 0.07, 0.05, 0.02), 4_948,
                                0.96),
    "personlig_assistans_sfb": ((0.35, 0.20, 0.14, 0.15, 0.18, 0.25, 0.30, 0.20), 13_731,
                                0.975),
    "ledsagarservice": ((0.02, 0.06, 0.09, 0.10, 0.09, 0.07, 0.06, 0.04), 6_669, 0.975),
    "kontaktperson": ((0.05, 0.20, 0.30, 0.30, 0.22, 0.18, 0.12, 0.05), 17_549, 0.99),
    "avlosarservice": ((0.30, 0.18, 0.12, 0.03, 0.0, 0.0, 0.0, 0.0), 4_095, 1.0),
    "korttidsvistelse": ((0.45, 0.38, 0.30, 0.08, 0.0, 0.0, 0.0, 0.0), 8_800, 0.99),
    "korttidstillsyn": ((0.0, 0.0, 0.33, 0.05, 0.0, 0.0, 0.0, 0.0), 4_565, 1.0),
}
_OD_TOTAL_CV, _OD_CATEGORY_CV, _OD_LAN_SD, _OD_YEAR_SD = 0.04, 0.045, 0.03, 0.015
_PRIVACY_SHARE = 0.04
_MISSING_YEAR = 2021


@dataclass(frozen=True)
class PlantedDeviation:
    """A deviation deliberately built into the focus municipality."""

    multiplier: float  # observed / national within the category's reference band
    effect: str  # "practice" (rate within band differs) or "composition" (age structure)
    expected_flag: str  # flag the pipeline should give ("higher", "lower", "similar")


#: The focus municipality's planted deviations (see :mod:`benchmark.demo`).
PLANTED: dict[str, PlantedDeviation] = {
    "daglig_verksamhet": PlantedDeviation(1.30, "practice", "higher"),  # 20–64, practice
    "boende": PlantedDeviation(1.00, "composition", "similar"),  # high only as the focus is old
    "kontaktperson": PlantedDeviation(0.60, "practice", "lower"),
}
#: Categories of the focus drawn at the national rate (no planted deviation).
NULL_CATEGORIES: tuple[str, ...] = tuple(c.id for c in CATEGORIES if c.id not in PLANTED)
#: Kolada's description of the rate KPIs.
_SOS = "Källa: Socialstyrelsens mängdstatistik och SCB:s befolkningsstatistik."
#: KPI metadata: id → (title as in Kolada v3; short definition).
KPI_META: dict[str, tuple[str, str]] = {
    "N28801": ("Personer med boende enligt LSS, antal",
               "Antal personer med boende enligt 9 § 8 eller 9 § 9 LSS den 1/10."),
    "N28804": ("Personer med daglig verksamhet enligt LSS, antal",
               "Antal personer med daglig verksamhet enligt LSS den 1/10."),
    "N28805": ("Personer med personlig assistans enligt LSS, antal",
               "Antal personer med personlig assistans enligt LSS den 1/10."),
    "N28806": ("Personer med ledsagarservice enligt LSS, antal",
               "Antal personer med ledsagarservice enligt LSS den 1/10."),
    "N28807": ("Personer med kontaktperson enligt LSS, antal",
               "Antal personer med kontaktperson enligt LSS den 1/10."),
    "N28808": ("Personer med avlösarservice enligt LSS, antal",
               "Antal personer med avlösarservice enligt LSS den 1/10."),
    "N28809": ("Personer med korttidsvistelse enligt LSS, antal",
               "Antal personer med korttidsvistelse enligt LSS den 1/10."),
    "N28810": ("Personer med korttidstillsyn enligt LSS, antal",
               "Antal personer med korttidstillsyn enligt LSS den 1/10."),
    "N28811": ("Personer med personlig assistans enligt SFB, antal",
               "Antal personer med personlig assistans enligt SFB."),
    "N28812": ("Personer med ledsagarservice enligt LSS, antal/10 000 inv", _SOS),
    "N28813": ("Personer med kontaktperson enligt LSS, antal/10 000 inv", _SOS),
    "N28814": ("Personer med avlösarservice enligt LSS, antal/10 000 inv", _SOS),
    "N28815": ("Personer med korttidsvistelse enligt LSS, antal/10 000 inv", _SOS),
    "N28816": ("Personer med korttidstillsyn enligt LSS, antal/10 000 inv", _SOS),
    "N28817": ("Personer med personlig assistans enligt SFB, antal/10 000 inv", _SOS),
    "N28818": ("Personer med personlig assistans enligt LSS, antal/10 000 inv", _SOS),
    "N28819": ("Personer med daglig verksamhet enligt LSS, antal/10 000 inv", _SOS),
    "N28820": ("Personer med boende enligt LSS, antal/10 000 inv", _SOS),
    "N28890": ("Invånare 0-64 år med insatser enl. LSS, andel (%)",
               "Personer 0-64 år med verkställda beslut enligt LSS den 1/10 / invånare "
               "0-64 år 31/12 × 100."),
    "N28891": ("Invånare 0-22 år med insatser enligt LSS, antal/10 000 inv 0-22 år",
               "Personer 0-22 år med insats enligt LSS den 1/10 / invånare 0-22 år × 10 000."),
    "N28892": ("Invånare med insatser enl. LSS, antal/10 000 inv",
               "Personer med verkställda beslut enligt LSS den 1/10 / invånare 31/12 × 10 000."),
}

#: The total's rate KPI (persons with any insats per 10 000 inhabitants).
TOTAL_KPI = next(c.kpi_rate for c in CATEGORIES if c.id == "totalt")
#: KPIs published by sex as well (T, K, M).
GENDERED_KPIS = frozenset({KPI_TOTAL_0_22})


def _gamma(rng: np.random.Generator, cv: float, size: int | tuple[int, ...]) -> np.ndarray:
    k = 1 / cv**2
    return rng.gamma(k, 1 / k, size)


def simulate(rng: np.random.Generator, codes: list[str], sizes: np.ndarray, years: list[int],
             pop: np.ndarray, need: dict[str, np.ndarray] | None = None
             ) -> tuple[np.ndarray, dict[str, np.ndarray], dict[str, np.ndarray],
                        tuple[int, int] | None]:
    """Draw the persons with LSS support: with any insats by band and sex
    [m, y, s, band], per insats [m, y], the cells' status ("" | "Privacy" | "Missing") and
    the municipality-year whose values are all missing (the fields of :class:`World`).
    ``need`` maps an insats to each municipality's need factor
    (:func:`benchmark.demo.need.factors`), which multiplies its practice factor."""
    n = len(codes)
    focus = codes.index(DEMO_FOCUS)
    pop_band = band_sum(pop)  # [m, y, s, band]
    ny = len(years)
    t = np.array(years) - 2021

    # Persons with any insats: gamma–Poisson around the national age × sex rates.
    lan = np.array([c[:2] for c in codes])
    lan_ids = {code: i for i, code in enumerate(sorted(set(lan)))}
    lan_eff = np.exp(rng.normal(0, _OD_LAN_SD, len(lan_ids)))[[lan_ids[x] for x in lan]]
    theta_total = lan_eff * _gamma(rng, _OD_TOTAL_CV, n)
    jitter_total = np.exp(rng.normal(0, _OD_YEAR_SD, (n, ny)))
    rate = _TOTAL_RATE[:, None, :] / 1e4 * (_TOTAL_TREND ** t)[None, :, None]  # [s, y, band]
    rate = np.moveaxis(rate, 0, 1)  # [y, s, band]
    # Calibrate the age profile so the national 2021 total is 76 712 per 10 452 326.
    j21 = years.index(2021) if 2021 in years else len(years) // 2
    expected = (pop_band[:, j21] * rate[j21][None]).sum()
    rate = rate * (_TOTAL_2021 / _POP_2021 * pop[:, j21].sum() / expected)
    lam = pop_band * rate[None] * (theta_total[:, None] * jitter_total)[:, :, None, None]
    total_band = rng.poisson(lam)

    # National 2021 persons by band (expected) to scale each category's shares.
    expected_band_2021 = (pop_band[:, j21] * rate[j21][None]).sum(axis=(0, 1))
    pop_scale = pop[:, j21].sum() / _POP_2021
    cat: dict[str, np.ndarray] = {}
    for cid, (shares, target, trend) in _CATEGORY_MODEL.items():
        s = np.array(shares)
        kappa = target * pop_scale / float((s * expected_band_2021).sum())
        p = kappa * s[None, :] * ((trend / _TOTAL_TREND) ** t)[:, None]  # [y, band]
        theta = _gamma(rng, _OD_CATEGORY_CV, n)[:, None] * np.exp(
            rng.normal(0, _OD_YEAR_SD, (n, ny)))
        if need is not None and cid in need:
            theta = theta * need[cid][:, None]
        prob = np.clip(p[None, :, None, :] * theta[:, :, None, None], 0, 0.97)
        cat[cid] = rng.binomial(total_band, prob).sum(axis=(2, 3))

    if need is not None:  # first: Demoby's planted rates then include it
        _plant_need(codes, pop, total_band, cat)
    _plant_focus(focus, codes, pop, total_band, cat, rng)

    # Suppression and one missing municipality-year (never the focus or 2482).
    status = {cid: np.full((n, ny), "", dtype=object) for cid in cat}
    for cid, counts in cat.items():
        small = (counts >= 1) & (counts <= 3)
        hit = small & (rng.random((n, ny)) < _PRIVACY_SHARE)
        hit[focus] = False
        status[cid][hit] = "Privacy"
    missing = None
    if _MISSING_YEAR in years:
        candidates = [i for i in np.argsort(sizes)[:20] if codes[i] not in (DEMO_FOCUS, "2482")]
        missing = (int(candidates[int(rng.integers(len(candidates)))]), years.index(_MISSING_YEAR))
        for cid in status:
            status[cid][missing] = "Missing"
    return total_band, cat, status, missing


def _plant_focus(focus: int, codes: list[str], pop: np.ndarray, total_band: np.ndarray,
                 cat: dict[str, np.ndarray], rng: np.random.Generator) -> None:
    """Redraw the focus: national band rates, planted multipliers, no overdispersion."""
    others = np.ones(len(codes), bool)
    others[focus] = False
    ny = pop.shape[1]
    # Total persons by the bands the total is split into (0–22, 23–64, 65+), and by sex.
    pop_band = band_sum(pop)
    groups = ((0, 4), (4, 6), (6, 8))  # generator band indices for 0–22, 23–64, 65+
    new_total = np.zeros_like(total_band[focus])
    for j in range(ny):
        for lo, hi in groups:
            for s in range(2):
                persons = total_band[others, j, s, lo:hi].sum()
                inhabitants = pop_band[others, j, s, lo:hi].sum()
                lam_b = persons / inhabitants * pop_band[focus, j, s, lo:hi]
                new_total[j, s, lo:hi] = rng.poisson(lam_b)
    total_band[focus] = new_total
    focus_total = new_total.sum(axis=(1, 2))
    focus_0_22 = new_total[:, :, :4].sum(axis=(1, 2))
    for c in CATEGORIES:
        if c.id not in cat:
            continue
        ages = ages_in(c.age_min, c.age_max)
        band_pop = pop[:, :, :, ages].sum(axis=(2, 3))  # [m, y]
        s_others = cat[c.id][others].sum(axis=0).astype(float)
        p_all = band_pop.sum(axis=0).astype(float)
        p_f = band_pop[focus].astype(float)
        if c.id in PLANTED:
            m = PLANTED[c.id].multiplier
            # national rate including the focus: r = (S + m·r·P_f) / P_all
            r = s_others / (p_all - m * p_f)
            values = np.rint(m * r * p_f)
        else:
            values = rng.poisson(s_others / (p_all - p_f) * p_f)
        cap = focus_0_22 if c.age_max is not None and c.age_max <= 22 else focus_total
        cat[c.id][focus] = np.minimum(values, cap).astype(np.int64)


def _plant_need(codes: list[str], pop: np.ndarray, total_band: np.ndarray,
                cat: dict[str, np.ndarray]) -> None:
    """Set the need focus's daglig verksamhet to ``NEED_PLANTED`` × the national rate in
    the band (no practice factor; the rate includes the municipality, as for Demoby)."""
    from benchmark.demo.need import NEED_FOCUS, NEED_PLANTED

    i = codes.index(NEED_FOCUS)
    others = np.ones(len(codes), bool)
    others[i] = False
    c = next(c for c in CATEGORIES if c.id == "daglig_verksamhet")
    band_pop = pop[:, :, :, ages_in(c.age_min, c.age_max)].sum(axis=(2, 3)).astype(float)
    rest = cat[c.id][others].sum(axis=0).astype(float)
    rate = rest / (band_pop.sum(axis=0) - NEED_PLANTED * band_pop[i])
    cap = total_band[i].sum(axis=(1, 2))
    cat[c.id][i] = np.minimum(np.rint(NEED_PLANTED * rate * band_pop[i]), cap).astype(np.int64)


def add_values(w: World, rows: ValueRows) -> None:
    """The LSS KPIs: per category its count and rate; the total (N28892) and its split
    (N28891 by sex, N28890)."""
    pop_tot = w.pop_total
    pop_022 = w.pop[:, :, :, :23].sum(axis=3).astype(float)  # [m, y, s]
    pop_064 = w.pop[:, :, :, :65].sum(axis=(2, 3)).astype(float)
    tb = w.total_band
    t_all = tb.sum(axis=(2, 3)).astype(float)
    t_022 = tb[:, :, :, :4].sum(axis=3).astype(float)  # [m, y, s]
    t_064 = tb[:, :, :, :6].sum(axis=(2, 3)).astype(float)
    lss_status = np.full((len(w.codes), len(w.years)), "", dtype=object)
    if w.missing is not None:
        lss_status[w.missing] = "Missing"
    nat_pop = pop_tot.sum(axis=0)
    for c in CATEGORIES:
        if c.id not in w.cat:
            continue
        counts = w.cat[c.id].astype(float)
        nat = counts.sum(axis=0)
        rows.add(c.kpi_count, counts, nat, w.status[c.id])
        rows.add(c.kpi_rate, np.round(counts / pop_tot * 1e4, 2),
                 np.round(nat / nat_pop * 1e4, 2), w.status[c.id])
    rows.add(TOTAL_KPI, np.round(t_all / pop_tot * 1e4, 2),
             np.round(t_all.sum(axis=0) / nat_pop * 1e4, 2), lss_status)
    for gender, sel in (("T", slice(None)), ("M", 0), ("K", 1)):
        persons = t_022[:, :, sel] if gender != "T" else t_022.sum(axis=2)
        inhab = pop_022[:, :, sel] if gender != "T" else pop_022.sum(axis=2)
        rows.add(KPI_TOTAL_0_22, np.round(persons / inhab * 1e4, 2),
                 np.round(persons.sum(axis=0) / inhab.sum(axis=0) * 1e4, 2), lss_status, gender)
    rows.add(KPI_TOTAL_0_64_PCT, np.round(t_064 / pop_064 * 100, 4),
             np.round(t_064.sum(axis=0) / pop_064.sum(axis=0) * 100, 4), lss_status)
