"""LSS costs of the demo country (Kolada N28013–N28026), consistent with its counts.

N28013/N28015 (kr/brukare) around 1.15 M / 260 000 kr in 2021, +3 %/y; N28017
standardkostnad from counts × unit costs with the weights of the LSS cost equalisation;
N28026 ≈ N28017; N28016 = N28026 × a persistent cost factor; N28018 = (N28016 / N28026 −
1) × 100. Three municipalities lack their cost KPIs in the second demo year. The costs have
their own random stream, so they never shift the counts.

Planted: the focus municipality's cost per user in daglig verksamhet (N28015) is
``PLANTED_DV_COST`` × its drawn level in every year (Riket's value includes it), the cost
finding of the profile ("Helhetsbild").
"""

from __future__ import annotations

import numpy as np

from benchmark.demo.country import DEMO_FOCUS, World
from benchmark.demo.kolada import ValueRows

# Unit costs (kr per person and year, 2021) and their weights in the LSS cost equalisation
# (förordning 2008:776 om utjämning av kostnader för stöd och service till vissa
# funktionshindrade, 5 §).
_UNIT_COST_2021 = {"boende": 1_150_000, "daglig_verksamhet": 260_000,
                   "personlig_assistans_lss": 650_000, "korttidsvistelse": 300_000}
_COST_WEIGHTS = {  # category: (unit-cost base, weight)
    "boende": ("boende", 1.0), "daglig_verksamhet": ("daglig_verksamhet", 1.0),
    "personlig_assistans_lss": ("personlig_assistans_lss", 1.0),
    "personlig_assistans_sfb": ("personlig_assistans_lss", 0.5),
    "korttidsvistelse": ("korttidsvistelse", 1.0), "korttidstillsyn": ("korttidsvistelse", 0.55),
    "avlosarservice": ("korttidsvistelse", 0.25), "ledsagarservice": ("korttidsvistelse", 0.25),
    "kontaktperson": ("korttidsvistelse", 0.10),
}
_COST_TREND = 1.03
#: The focus municipality's cost per user in daglig verksamhet, × its drawn level.
PLANTED_DV_COST = 1.45

#: KPI metadata: id → (title as in Kolada v3; short definition).
KPI_META: dict[str, tuple[str, str]] = {
    "N28013": ("Kostnad funktionsnedsättning LSS boende, kr/brukare",
               "Bruttokostnad boende enligt LSS per person med boende."),
    "N28015": ("Kostnad funktionsnedsättning LSS daglig verksamhet, kr/brukare",
               "Kostnad daglig verksamhet per person med beslut om daglig verksamhet."),
    "N28016": ("Nettokostnad funktionsnedsättning LSS och SFB, kr/inv",
               "Nettokostnad för LSS- och SFB-insatser per invånare 31/12."),
    "N28017": ("Standardkostnad LSS, kr/inv",
               "Standardkostnad enligt nationellt system för utjämning av LSS-kostnader."),
    "N28018": ("Nettokostnadsavvikelse LSS (%)",
               "Avvikelse i procent mellan nettokostnad och referenskostnad för LSS."),
    "N28026": ("Referenskostnad LSS, kr/inv",
               "Referenskostnad LSS, kr/inv, från antalet verkställda beslut."),
}


def cost_values(w: World, pop_tot: np.ndarray
                ) -> dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Cost KPIs consistent with the counts: KPI → (values [m, y], Riket [y], status)."""
    rng = np.random.default_rng([w.seed, 7])  # own stream: costs never shift the counts
    n, ny = pop_tot.shape
    t = np.array(w.years) - 2021
    price = _COST_TREND ** t  # [y]
    unit = {k: v * price for k, v in _UNIT_COST_2021.items()}
    weighted = np.zeros((n, ny))
    for cid, (base, weight) in _COST_WEIGHTS.items():
        weighted += w.cat[cid] * weight * unit[base][None, :]
    standard = weighted / pop_tot
    reference = standard * np.exp(rng.normal(0, 0.03, (n, ny)))
    net = reference * np.exp(rng.normal(0, 0.07, n)[:, None] + rng.normal(0, 0.02, (n, ny)))
    boende_cost = unit["boende"][None, :] * np.exp(rng.normal(0, 0.10, n))[:, None]
    dv_cost = unit["daglig_verksamhet"][None, :] * np.exp(rng.normal(0, 0.10, n))[:, None]
    dv_cost[w.codes.index(DEMO_FOCUS)] *= PLANTED_DV_COST
    nat_pop = pop_tot.sum(axis=0)

    def nat_per_inv(x: np.ndarray) -> np.ndarray:
        return (x * pop_tot).sum(axis=0) / nat_pop

    def nat_per_user(cost: np.ndarray, cid: str) -> np.ndarray:
        users = w.cat[cid].astype(float)
        return (cost * users).sum(axis=0) / users.sum(axis=0)

    status = np.full((n, ny), "", dtype=object)
    miss = rng.choice(n, 3, replace=False)
    status[miss, min(1, ny - 1)] = "Missing"
    status[w.codes.index(DEMO_FOCUS)] = ""
    nat_net, nat_ref = nat_per_inv(net), nat_per_inv(reference)
    return {
        "N28013": (np.round(boende_cost), np.round(nat_per_user(boende_cost, "boende")), status),
        "N28015": (np.round(dv_cost), np.round(nat_per_user(dv_cost, "daglig_verksamhet")),
                   status),
        "N28016": (np.round(net), np.round(nat_net), status),
        "N28017": (np.round(standard), np.round(nat_per_inv(standard)), status),
        "N28018": (np.round((net / reference - 1) * 100, 1),
                   np.round((nat_net / nat_ref - 1) * 100, 1), status),
        "N28026": (np.round(reference), np.round(nat_ref), status),
    }


def add_values(w: World, rows: ValueRows) -> None:
    """The cost KPIs (see the module docstring)."""
    for kpi, (values, riket, status) in cost_values(w, w.pop_total).items():
        rows.add(kpi, values, riket, status)
