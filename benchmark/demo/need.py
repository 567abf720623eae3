"""Need in the demo country: the levels that drive part of its LSS, and the need indicators
Kolada would publish (N01702 aktivitetsersättning, N18803 anpassad grundskola, N01703
sjukersättning).

Each municipality has three persistent need levels (log-normal, sd 5 %, their own random
stream): adult (long-term reduced work capacity among young adults), child (intellectual
disability among children) and sick (reduced work capacity 30–64, which drives no insats).
They raise each municipality's probability of the insatser in :data:`NEED_EFFECT` by
level^β, beside the practice factors; the other insatser do not follow need, so the
indicators explain them not at all. The indicators are the age group's inhabitants × a
national rate × the level × a yearly noise (sd 3 %): N01702 among 19–29 år (2.3 %, in
helårsekvivalenter, one decimal), N18803 among 7–15 år (1.1 %, pupils) and N01703 among
30–64 år (4.5 %, one decimal). One small municipality's N18803 is missing in the last
year (not published), so its children's need-adjusted rows are not assessed.

Planted: :data:`NEED_FOCUS` (1402 "Demostad", a young city of 362 000) has an adult need
level of 1.35^(1/0.5) ≈ 1.82, and its daglig verksamhet is set to 1.35 × the national rate
in the band 20–64 (no practice factor): a high daglig verksamhet in line with its high
aktivitetsersättning, flagged age-adjusted but not after the need adjustment. Demoby's
need levels are 1 (national), so its +30 % stays a deviation after the adjustment.
"""

from __future__ import annotations

import numpy as np

from benchmark.demo.country import DEMO_FOCUS, World
from benchmark.demo.kolada import ValueRows

#: The municipality whose high daglig verksamhet is planted as need-driven.
NEED_FOCUS = "1402"
#: Its daglig verksamhet against the national band rate (and need level^β).
NEED_PLANTED = 1.35
#: Insats → (need level, β): how need drives the insatser.
NEED_EFFECT: dict[str, tuple[str, float]] = {
    "daglig_verksamhet": ("adult", 0.5), "boende": ("adult", 0.3),
    "avlosarservice": ("child", 0.4), "korttidsvistelse": ("child", 0.4),
    "korttidstillsyn": ("child", 0.4),
}
_SD, _YEAR_SD = 0.05, 0.03
#: KPI → (level, age group, national rate, decimals).
_INDICATORS = {"N01702": ("adult", (19, 29), 0.023, 1),
               "N18803": ("child", (7, 15), 0.011, 0),
               "N01703": ("sick", (30, 64), 0.045, 1)}
#: KPI metadata: id → (title as in Kolada v3; short definition).
KPI_META: dict[str, tuple[str, str]] = {
    "N01702": ("Individer med aktivitetsersättning räknat i helårsekvivalenter, antal",
               "Antal helårsekvivalenter med aktivitetsersättning."),
    "N18803": ("Elever i anpassad grundskola, hemkommun, antal",
               "Antal elever i anpassad grundskola som är folkbokförda i kommunen."),
    "N01703": ("Individer med sjukersättning räknat i helårsekvivalenter, antal",
               "Antal helårsekvivalenter med sjukersättning."),
}


def levels(seed: int, codes: list[str]) -> dict[str, np.ndarray]:
    """The need levels per municipality (``adult``, ``child``, ``sick``), Demoby's 1 and
    :data:`NEED_FOCUS`'s adult level planted."""
    rng = np.random.default_rng([seed, 13])  # own stream
    found = {k: np.exp(rng.normal(0, _SD, len(codes))) for k in ("adult", "child", "sick")}
    for level in found.values():
        level[codes.index(DEMO_FOCUS)] = 1.0
    focus = codes.index(NEED_FOCUS)
    found["adult"][focus] = NEED_PLANTED ** (1 / NEED_EFFECT["daglig_verksamhet"][1])
    found["child"][focus] = 1.0
    return found


def factors(need: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Insats → level^β per municipality (1 for the insatser need does not drive)."""
    return {cid: need[level] ** beta for cid, (level, beta) in NEED_EFFECT.items()}


def add_values(w: World, rows: ValueRows) -> None:
    """The need indicator KPIs (see the module docstring)."""
    rng = np.random.default_rng([w.seed, 14])
    need = levels(w.seed, w.codes)
    n, ny = len(w.codes), len(w.years)
    for kpi, (level, (lo, hi), rate, decimals) in _INDICATORS.items():
        inhabitants = w.pop[:, :, :, lo:hi + 1].sum(axis=(2, 3)).astype(float)
        values = np.round(inhabitants * rate * need[level][:, None]
                          * np.exp(rng.normal(0, _YEAR_SD, (n, ny))), decimals)
        status = np.full((n, ny), "", dtype=object)
        if kpi == "N18803":
            small = [i for i in np.argsort(w.sizes)[:10] if w.codes[i] != DEMO_FOCUS]
            status[small[0], -1] = "Missing"
        rows.add(kpi, values, np.round(values.sum(axis=0), decimals), status)
