"""A synthetic case-system export for the demo municipality Demoby (0180).

**Never real decisions.** Every row is invented; the file is named ``…-DEMO.csv`` and each
row says "syntetiska demodata" in the column ``anmarkning`` (which the import ignores).

The register is drawn from the demo country's *published* figures (the processed demo
data), with the demo's seed, so that the import's reconciliation gives Demoby's 1 October
counts back exactly for every published year (:data:`benchmark.register.tables`' rules):

1. persons: on each 1 October the persons with any insats match ``totalt`` and its split
   0–22 / 23–64 / 65+; persons stay from year to year (about 6 % leave), age a year, and
   newcomers fill each age band to its published count;
2. insatser: each insats's holders on 1 October match its published count; holders keep
   their insats while still of an eligible age, the rest are drawn preferring persons
   without another insats, and a swap step makes sure every person holds at least one;
3. decisions: every run of consecutive years a person holds an insats is one granted
   decision, executed between the two 1 Octobers around its first year and ended between
   the two around its last; most start 5–60 days after the decision, about one in eight
   after more than three months; some are "delvis bifall";
4. flow that leaves the 1 October counts alone: refusals (about 7 % of decisions), short
   stays begun and ended between two 1 Octobers, and granted decisions closed unexecuted;
5. the year after the last published one (and the one after that) are drawn the same way
   from slightly moved targets and cut at :data:`DEMO_REGISTER_DATE`, the demo's export
   date: later dates are removed, so some granted decisions are still waiting;
6. :data:`UNKNOWN_LABEL` is one local label the import does not know (a truncated
   "Ledsagarservice"): the import lists it and suggests ``ledsagarservice``;
   ``--map 'Ledsagarserv.=ledsagarservice'`` (:data:`DEMO_LABEL_MAP`) maps it. A few rows of
   assistansersättning (a Försäkringskassan decision) are left out by the import.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import polars as pl

from benchmark.comparison import Inputs
from benchmark.demo.country import DEMO_FOCUS
from benchmark.demo.generate import DEMO_SEED
from benchmark.errors import DataError
from benchmark.files import atomic_write_bytes

__all__ = ["DEMO_LABEL_MAP", "DEMO_REGISTER_DATE", "UNKNOWN_LABEL", "generate_register",
           "register_check", "register_path", "write_register"]

#: The demo export's date: nothing in the file is later.
DEMO_REGISTER_DATE = date(2025, 11, 30)
#: The one insats label of the demo file the import does not know, and its mapping.
UNKNOWN_LABEL = "Ledsagarserv."
DEMO_LABEL_MAP = {UNKNOWN_LABEL: "ledsagarservice"}
SYNTHETIC_NOTE = "syntetiska demodata – inte verkliga beslut"
_SEED_STREAM = 15  # the register's own random stream of the demo seed

#: Ages (on 1 October) at which each insats can be held in the demo, and the core ages
#: preferred when holders are drawn.
_AGES: dict[str, tuple[tuple[int, int], tuple[int, int]]] = {
    "korttidstillsyn": ((13, 22), (13, 20)),
    "avlosarservice": ((0, 22), (0, 17)),
    "korttidsvistelse": ((0, 22), (0, 19)),
    "daglig_verksamhet": ((18, 75), (20, 64)),
    "boende": ((14, 110), (20, 110)),
    "personlig_assistans_lss": ((0, 80), (0, 64)),
    "ledsagarservice": ((0, 110), (0, 110)),
    "kontaktperson": ((0, 110), (0, 110)),
}
_LABELS = {
    "daglig_verksamhet": "Daglig verksamhet", "personlig_assistans_lss": "Personlig assistans",
    "ledsagarservice": "Ledsagarservice", "kontaktperson": "Kontaktperson",
    "avlosarservice": "Avlösarservice i hemmet",
    "korttidsvistelse": "Korttidsvistelse utanför det egna hemmet",
    "korttidstillsyn": "Korttidstillsyn för skolungdom över 12 år",
}
#: Persons with any insats per 10 000 by age (rough national profile), to draw ages.
_PREVALENCE = ((0, 10), (7, 60), (13, 130), (23, 105), (45, 70), (65, 37), (80, 9))
_BANDS = ((0, 22), (23, 64), (65, 110))


def register_path(data_dir: Path) -> Path:
    """Where ``make demo`` writes the demo register."""
    return Path(data_dir) / "register" / "demoby-beslut-DEMO.csv"


@dataclass
class _Spell:
    person: int
    category: str
    first: int  # first 1 October held
    last: int  # last 1 October held (inclusive)
    rows: list[dict] = field(default_factory=list)


def _targets(inputs: Inputs, code: str, years: list[int], extra: int,
             rng: np.random.Generator) -> dict[int, dict[str, int]]:
    """Published counts per year, plus ``extra`` later years moved a little."""
    lss = inputs.lss.filter((pl.col("municipality") == code) & pl.col("year").is_in(years))
    out: dict[int, dict[str, int]] = {y: {} for y in years}
    for year, cat, count in lss.select("year", "category", "count").iter_rows():
        if count is not None and (cat in _AGES or cat.startswith("totalt")):
            out[int(year)][cat] = int(count)
    for k in range(extra):
        prev = out[years[-1] + k]
        out[years[-1] + k + 1] = {c: max(0, round(v * float(rng.lognormal(0.0, 0.02))))
                                  for c, v in prev.items()}
    for t in out.values():  # the splits stay ordered after moving them
        t["totalt_0_64"] = min(max(t["totalt_0_64"], t["totalt_0_22"]), t["totalt"])
    return out


def _age_weights(lo: int, hi: int, population: np.ndarray) -> np.ndarray:
    prev = np.zeros(111)
    for (a, rate), nxt in zip(_PREVALENCE, (*_PREVALENCE[1:], (111, 0)), strict=True):
        prev[a:nxt[0]] = rate
    w = prev[lo:hi + 1] * population[lo:hi + 1]
    return w / w.sum()


def _simulate_holders(targets: dict[int, dict[str, int]], population: np.ndarray,
                      rng: np.random.Generator) -> tuple[dict[int, int],
                                                         dict[int, dict[str, set[int]]]]:
    """Persons (birth years) and holders per year and insats matching the targets."""
    birth: dict[int, int] = {}
    persons: set[int] = set()
    holders: dict[int, dict[str, set[int]]] = {}
    prev: dict[str, set[int]] = {c: set() for c in _AGES}
    for year in sorted(targets):
        t = targets[year]
        want = (t["totalt_0_22"], t["totalt_0_64"] - t["totalt_0_22"],
                t["totalt"] - t["totalt_0_64"])
        persons = {p for p in persons if rng.random() > 0.06}

        def age(p: int, year: int = year) -> int:
            return year - birth[p]

        for (lo, hi), n in zip(_BANDS, want, strict=True):
            band = sorted(p for p in persons if lo <= age(p) <= hi)
            if len(band) > n:
                persons -= set(rng.choice(band, len(band) - n, replace=False).tolist())
            for a in rng.choice(np.arange(lo, hi + 1), max(0, n - len(band)),
                                p=_age_weights(lo, hi, population)):
                pid = len(birth)
                birth[pid] = year - int(a)
                persons.add(pid)
        held: dict[str, set[int]] = {}
        count = dict.fromkeys(persons, 0)
        for cat, ((lo, hi), (clo, chi)) in _AGES.items():
            n = t.get(cat, 0)
            eligible = [p for p in sorted(persons) if lo <= age(p) <= hi]
            keep = [p for p in sorted(prev[cat]) if p in persons and lo <= age(p) <= hi]
            if len(keep) > n:
                keep = rng.choice(keep, n, replace=False).tolist()
            chosen = set(keep)
            rest = [p for p in eligible if p not in chosen]
            # persons without an insats first, then core ages, then at random
            rest.sort(key=lambda p: (count[p] > 0, not clo <= age(p) <= chi, rng.random()))
            chosen |= set(rest[:max(0, n - len(chosen))])
            if len(chosen) < n:
                raise DataError(f"demo register: {n} persons with {cat} in {year} but only "
                                f"{len(eligible)} persons of eligible age")
            for p in chosen:
                count[p] += 1
            held[cat] = chosen
        _cover(held, count, lambda p, year=year: year - birth[p], rng)
        holders[year] = held
        prev = held
    return birth, holders


def _cover(held: dict[str, set[int]], count: dict[int, int], age: Callable[[int], int],
           rng: np.random.Generator) -> None:
    """Swap holders so that every person holds at least one insats."""
    for p in sorted(q for q, n in count.items() if n == 0):
        for cat, ((lo, hi), _) in sorted(_AGES.items(), key=lambda _: rng.random()):
            if not lo <= age(p) <= hi:
                continue
            donors = sorted(h for h in held[cat] if count[h] > 1)
            if donors:
                h = donors[int(rng.integers(len(donors)))]
                held[cat].remove(h)
                count[h] -= 1
                held[cat].add(p)
                count[p] += 1
                break
        else:
            raise DataError(f"demo register: no insats can be given to a person aged {age(p)}")


def _oct1(year: int) -> date:
    return date(year, 10, 1)


def _between(rng: np.random.Generator, lo: date, hi: date) -> date:
    """A day in (lo, hi]."""
    return lo + timedelta(days=int(rng.integers(1, (hi - lo).days + 1)))


def _wait(rng: np.random.Generator) -> int:
    """Days from decision to start: mostly 5–60, about one in eight 95–260."""
    return int(rng.integers(95, 261)) if rng.random() < 0.125 else int(rng.integers(5, 61))


def _spells(holders: dict[int, dict[str, set[int]]]) -> list[_Spell]:
    years = sorted(holders)
    runs: dict[tuple[int, str], _Spell] = {}
    done: list[_Spell] = []
    for year in years:
        for cat, people in holders[year].items():
            for p in people:
                run = runs.get((p, cat))
                if run is not None and run.last == year - 1:
                    run.last = year
                else:
                    if run is not None:
                        done.append(run)
                    runs[(p, cat)] = _Spell(p, cat, year, year)
    return sorted(done + list(runs.values()), key=lambda s: (s.first, s.person, s.category))


def generate_register(inputs: Inputs, code: str = DEMO_FOCUS, *, seed: int = DEMO_SEED,
                      end: date = DEMO_REGISTER_DATE) -> pl.DataFrame:
    """The synthetic export (template columns plus ``anmarkning``), one row per decision.

    ``inputs`` are the processed demo data; the counts of ``code`` on every published
    1 October are reproduced exactly (see the module docstring).
    """
    rng = np.random.default_rng([seed, _SEED_STREAM])
    years = list(inputs.years)
    if not years:
        raise DataError("demo register: the processed data hold no LSS years")
    extra = max(0, end.year - years[-1]) + 1
    targets = _targets(inputs, code, years, extra, rng)
    pop = inputs.population.filter((pl.col("municipality") == code)
                                   & (pl.col("year") == years[-1]))
    population = np.zeros(111)
    for a, n in pop.group_by("age").agg(pl.col("population").sum()).iter_rows():
        population[min(int(a), 110)] += n
    population[100:] = population[100] / 11  # 100+ spread over 100–110
    birth, holders = _simulate_holders(targets, population, rng)
    first_year, last_year = years[0], max(targets)
    rows: list[dict] = []
    for s in _spells(holders):
        start = (_between(rng, _oct1(s.first - 1), _oct1(s.first)) if s.first > first_year
                 else _oct1(first_year) - timedelta(days=int(rng.integers(0, 3650))))
        stop = (None if s.last == last_year
                else _between(rng, _oct1(s.last), _oct1(s.last + 1) - timedelta(days=1)))
        outcome = "Delvis bifall" if rng.random() < 0.08 else "Bifall"
        rows.append(_row(s.person, s.category, start - timedelta(days=_wait(rng)), outcome,
                         start, stop, birth))
    seen = {(r["person"], r["insats"], r["beslutsdatum"]) for r in rows}
    for r in _extra_flow(holders, birth, first_year, last_year, rng):
        key = (r["person"], r["insats"], r["beslutsdatum"])
        if key not in seen:  # one decision per person, insats and day
            seen.add(key)
            rows.append(r)
    rows = [_censor(r, end) for r in rows if r["beslutsdatum"] <= end]
    _relabel(rows, birth, rng)
    return _frame(rows, rng)


def _row(person: int, cat: str, decided: date, outcome: str, start: date | None,
         stop: date | None, birth: dict[int, int]) -> dict:
    return {"person": person, "fodelsear": birth[person], "insats": cat,
            "beslutsdatum": decided, "beslut": outcome, "verkstalld_datum": start,
            "avslutad_datum": stop}


def _extra_flow(holders: dict[int, dict[str, set[int]]], birth: dict[int, int],
                first_year: int, last_year: int, rng: np.random.Generator) -> list[dict]:
    """Refusals, short stays and decisions closed unexecuted (1 October counts unchanged)."""
    rows = []
    for year in range(first_year + 1, last_year + 1):
        window = (_oct1(year - 1), _oct1(year) - timedelta(days=1))
        for cat, people in holders[year].items():
            pool = sorted(people)
            if not pool:
                continue
            for p in rng.choice(pool, max(1, round(0.07 * len(pool) / 4)), replace=True):
                rows.append(_row(int(p), cat, _between(rng, *window), "Avslag", None, None,
                                 birth))
            for p in rng.choice(pool, max(1, round(0.02 * len(pool))), replace=True):
                start = _between(rng, window[0], window[1] - timedelta(days=60))
                rows.append(_row(int(p), cat, start - timedelta(days=_wait(rng)), "Bifall",
                                 start, start + timedelta(days=int(rng.integers(7, 50))),
                                 birth))
            if rng.random() < 0.3:
                p = int(rng.choice(pool))
                decided = _between(rng, window[0], window[1] - timedelta(days=200))
                rows.append(_row(p, cat, decided, "Bifall", None,
                                 decided + timedelta(days=int(rng.integers(30, 200))), birth))
    return rows


def _censor(row: dict, end: date) -> dict:
    """The row as an export on ``end`` shows it: later starts and ends not yet known."""
    if row["verkstalld_datum"] is not None and row["verkstalld_datum"] > end:
        row = {**row, "verkstalld_datum": None, "avslutad_datum": None}
    if row["avslutad_datum"] is not None and row["avslutad_datum"] > end:
        row = {**row, "avslutad_datum": None}
    return row


def _relabel(rows: list[dict], birth: dict[int, int], rng: np.random.Generator) -> None:
    """Insats ids → labels as a case system writes them (one unknown local label)."""
    led = [i for i, r in enumerate(rows) if r["insats"] == "ledsagarservice"]
    unknown = set(rng.choice(led, min(len(led), 6), replace=False).tolist()) if led else set()
    for i, r in enumerate(rows):
        cat = r["insats"]
        if cat == "boende":
            young = r["beslutsdatum"].year - birth[r["person"]] < 18
            label = ("Bostad med särskild service för barn och ungdomar" if young
                     else "Bostad med särskild service för vuxna")
        else:
            label = UNKNOWN_LABEL if i in unknown else _LABELS[cat]
        r["insats"] = label


def _frame(rows: list[dict], rng: np.random.Generator) -> pl.DataFrame:
    persons = sorted({r["person"] for r in rows})
    keys = dict(zip(persons, (f"DB-{k:05d}" for k in rng.permutation(len(persons)) + 1),
                    strict=True))
    sex = {p: "M" if rng.random() < 0.59 else "K" for p in persons}
    df = pl.DataFrame({
        "Person": [keys[r["person"]] for r in rows],
        "Födelseår": [r["fodelsear"] for r in rows],
        "Kön": [sex[r["person"]] for r in rows],
        "Insats": [r["insats"] for r in rows],
        "Beslutsdatum": [r["beslutsdatum"] for r in rows],
        "Beslut": [r["beslut"] for r in rows],
        "Verkställd datum": [r["verkstalld_datum"] for r in rows],
        "Avslutad datum": [r["avslutad_datum"] for r in rows],
    })
    fk = df.filter(pl.col("Insats") == "Personlig assistans").head(3).with_columns(
        pl.lit("Assistansersättning").alias("Insats"),
        pl.col("Beslutsdatum") - pl.duration(days=1))
    df = pl.concat([df, fk]).sort("Beslutsdatum", "Person", "Insats")
    return df.with_columns(pl.lit(SYNTHETIC_NOTE).alias("anmarkning"))


def write_register(inputs: Inputs, data_dir: Path, **kwargs: object) -> Path:
    """Generate the demo register and write it (CSV, ``;``-separated) under ``data_dir``."""
    if not inputs.synthetic:
        raise DataError("the demo register is drawn from the synthetic demo data only; "
                        "these processed data are real")
    path = register_path(data_dir)
    df = generate_register(inputs, **kwargs)  # type: ignore[arg-type]
    atomic_write_bytes(path, df.write_csv(separator=";", date_format="%Y-%m-%d").encode())
    return path


def register_check(path: Path, inputs: Inputs, code: str = DEMO_FOCUS) -> str:
    """One line: does the import's reconciliation give the published counts back?"""
    from benchmark.register.tables import reconciliation
    from benchmark.register.validate import read_register

    register = read_register(path, labels=DEMO_LABEL_MAP)
    rec = reconciliation(register, code, DEMO_REGISTER_DATE, inputs=inputs).filter(
        pl.col("kolada_status") == "ok")
    off = rec.filter(pl.col("difference").fill_null(1) != 0)
    years = rec["year"].unique().sort().to_list()
    return (f"register reconciliation {years[0]}–{years[-1]}: {rec.height - off.height} of "
            f"{rec.height} published 1 October counts reproduced"
            + ("" if off.is_empty() else " — NOT all"))
