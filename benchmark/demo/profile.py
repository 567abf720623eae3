"""The LSS profile KPIs of the demo country (:mod:`benchmark.profile.catalogue`) that the
person and cost modules do not already draw.

Consistent with the counts and costs where Kolada's definitions tie them: net costs per
inhabitant by insats = users × cost per user / inhabitants; staff cost per user in boende =
a staff share (about 78 %) of the cost per user; the LSS equalisation = standard cost minus
Riket's. Shares of answers (brukarbedömning) and of units (enhetsundersökning) are drawn as
binomial counts of their denominators (answers ≈ users × a response rate; units ≈ users /
a unit size) around logit-normal municipal levels, published as whole percentages and
suppressed ("Privacy") under five answers, as Kolada does. Staff shares and the staff cost
index have no denominator. The KPIs that Kolada splits by gender get K and M rows.
Own random stream: nothing here shifts the counts or the costs.
"""

from __future__ import annotations

import numpy as np

from benchmark.demo.costs import cost_values
from benchmark.demo.country import World
from benchmark.demo.kolada import ValueRows
from benchmark.profile.catalogue import denominator_kpis, entry, profile_kpis

#: National level of each share KPI (proportion) and its municipal spread (logit sd).
_SHARES: dict[str, tuple[float, float]] = {
    "U28533": (0.84, 0.35), "U28536": (0.72, 0.35), "U28538": (0.66, 0.3),
    "U28519": (0.80, 0.35), "U28522": (0.70, 0.35), "U28524": (0.64, 0.3),
    "U28529": (0.68, 0.35), "N28717": (0.73, 0.35), "N28728": (0.71, 0.35),
    "N28166": (0.82, 0.6), "U28132": (0.88, 0.6), "U28112": (0.86, 0.6),
}
#: Share KPI → (insats whose users answer or are served, answers or units per user).
_DENOMINATORS: dict[str, tuple[str, float]] = {
    "U33960": ("daglig_verksamhet", 0.45), "U33964": ("boende", 0.32),
    "U33966": ("boende", 0.12), "N28165": ("daglig_verksamhet", 1 / 25),
    "N28149": ("boende", 1 / 6),
}
#: Shares without a published denominator: the kommunal-regi answers (≈ 80 % of the
#: lägeskommun answers) and the staff shares (level, sd on the logit scale).
_HIDDEN = {"N28717": "U33960", "N28728": "U33964"}
_STAFF = {"N28140": (0.62, 0.4), "N28150": (0.55, 0.4), "N28167": (0.48, 0.5)}
_MIN_ANSWERS = 5


def _logistic(x: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-x))


class _Draw:
    """The profile's values, one KPI at a time, into ``rows``."""

    def __init__(self, w: World, rows: ValueRows) -> None:
        self.w, self.rows = w, rows
        self.rng = np.random.default_rng([w.seed, 14])
        self.pop = w.pop_total.astype(float)
        n, ny = self.pop.shape
        self.shape = (n, ny)
        self.costs = cost_values(w, w.pop_total)

    def per_inv(self, kpi: str, total: np.ndarray) -> None:
        """A cost in kr per inhabitant from a total cost [m, y]."""
        self.add(kpi, np.round(total / self.pop), np.round(total.sum(0) / self.pop.sum(0)))

    def add(self, kpi: str, values: np.ndarray, riket: np.ndarray,
            status: np.ndarray | None = None, gender: str = "T") -> None:
        self.rows.add(kpi, values, riket, status, gender)

    def level(self, p0: float, sd: float) -> np.ndarray:
        """Persistent municipal levels around p0 with a small yearly jitter [m, y]."""
        n, ny = self.shape
        logit = np.log(p0 / (1 - p0)) + self.rng.normal(0, sd, (n, 1))
        return _logistic(logit + self.rng.normal(0, 0.1, (n, ny)))

    def binomial_share(self, kpi: str, n: np.ndarray, p: np.ndarray, gender: str = "T"
                       ) -> None:
        x = self.rng.binomial(n.astype(int), p)
        with np.errstate(invalid="ignore", divide="ignore"):
            value = np.round(100 * x / n)
        status = np.where(n < _MIN_ANSWERS, "Privacy", "").astype(object)
        riket = np.round(100 * x.sum(0) / n.sum(0), 1)
        self.add(kpi, np.nan_to_num(value), riket, status, gender)


def add_values(w: World, rows: ValueRows) -> None:
    """The profile KPIs not drawn by :mod:`~benchmark.demo.lss` or
    :mod:`~benchmark.demo.costs` (see the module docstring)."""
    d = _Draw(w, rows)
    rng, cat, shape = d.rng, w.cat, d.shape
    price = 1.03 ** (np.array(w.years) - 2021)[None, :]
    boende_cost, _, _ = d.costs["N28013"]
    dv_cost, _, _ = d.costs["N28015"]
    staff = boende_cost * 0.78 * np.exp(rng.normal(0, 0.04, (shape[0], 1)))
    users = cat["boende"].astype(float)
    d.add("N28037", np.round(staff), np.round((staff * users).sum(0) / users.sum(0)))
    sfb = cat["personlig_assistans_sfb"].astype(float)
    hours = 128 * np.exp(rng.normal(0, 0.10, (shape[0], 1)) + rng.normal(0, 0.03, shape))
    status = np.where(sfb < 3, "Privacy", "").astype(object)
    for gender, factor in (("T", 1.0), ("K", 0.97), ("M", 1.03)):
        h = hours * factor * np.exp(rng.normal(0, 0.04, shape)) if gender != "T" else hours
        d.add("N28821", np.round(h, 1), np.round((h * sfb).sum(0) / sfb.sum(0), 1), status,
              gender)
    d.per_inv("N28155", cat["daglig_verksamhet"] * dv_cost * 0.93)
    d.per_inv("N28162", cat["boende"] * boende_cost * 0.95)
    pa = 650_000 * price * np.exp(rng.normal(0, 0.08, (shape[0], 1)))
    d.per_inv("N28156", cat["personlig_assistans_lss"] * pa * 0.9)
    d.per_inv("N28008", (cat["personlig_assistans_lss"] + 0.25 * sfb) * pa * 0.8)
    standard, nat_standard, _ = d.costs["N28017"]
    grant = standard - nat_standard[None, :]
    d.add("N03064", np.round(grant), np.zeros(len(w.years)))
    d.add("N03065", np.round(grant * 0.97 + rng.normal(0, 15, shape)),
          np.zeros(len(w.years)))
    index = 1 + rng.normal(0, 0.03, (shape[0], 1)) + rng.normal(0, 0.005, shape)
    d.add("N28040", np.round(index, 3), np.ones(len(w.years)))
    answers: dict[str, np.ndarray] = {}
    for kpi, (insats, per_user) in _DENOMINATORS.items():
        base = cat[insats] * per_user * np.exp(rng.normal(0, 0.25, (shape[0], 1)))
        n = np.maximum(0, np.round(base)) if per_user > 0.1 else np.maximum(1, np.round(base))
        answers[kpi] = n
        d.add(kpi, n, n.sum(0))
    for kpi, (p0, sd) in _SHARES.items():
        den = entry(kpi).denominator or _HIDDEN[kpi]  # type: ignore[union-attr]
        n = answers[den] if kpi not in _HIDDEN else np.round(answers[den] * 0.8)
        p = d.level(p0, sd)
        d.binomial_share(kpi, n, p)
        if entry(kpi).gender_split:  # type: ignore[union-attr]
            women = rng.binomial(n.astype(int), 0.42).astype(float)
            d.binomial_share(kpi, women, p, "K")
            d.binomial_share(kpi, n - women, p, "M")
    for kpi, (p0, sd) in _STAFF.items():
        p = d.level(p0, sd)
        d.add(kpi, np.round(100 * p), np.round(100 * (p * users).sum(0) / users.sum(0), 1))


def kpi_meta() -> dict[str, tuple[str, str]]:
    """id → (Kolada title, short definition) of the KPIs this module draws."""
    drawn = {"N28037", "N28821", "N28155", "N28162", "N28156", "N28008", "N03064", "N03065",
             "N28040", *_SHARES, *_STAFF}
    meta = {k.id: (k.title, k.label_sv) for k in profile_kpis() if k.id in drawn}
    meta.update({k: (t, t) for k, t in denominator_kpis().items()})
    return meta


#: The KPIs of this module Kolada divides by gender.
GENDERED_KPIS = frozenset(k.id for k in profile_kpis() if k.gender_split)
