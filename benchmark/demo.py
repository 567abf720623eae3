"""Synthetic demo country: the whole suite, offline, on clearly labelled invented data.

``make demo`` (``python -m benchmark demo``) runs :func:`run_demo`: it generates the demo
country with :func:`generate_dataset`, serves it through the in-process Kolada/SCB
emulator (:mod:`benchmark.sources.emulator`) so it enters through the *same* fetch and
parse code as real data, processes it into ``data/demo/processed`` and builds the national
screening, the comparison and the board report for the demo focus municipality.
Tests and notebooks use the same data (``tests/demo_fixture.py``).

**Never official statistics.** Every value is invented. The emulator marks every response
``X-Synthetic-Data: demo``, the raw snapshots record it, the processed manifest says
``"synthetic": true``, comparison rows carry ``data_origin = "syntetiska demodata"``, the
files this module writes are named ``*-DEMO.*`` and the KPI descriptions start with
"SYNTETISKA DEMODATA". Demo data live in ``data/demo/`` (raw + processed), never in
``data/raw``.

Municipality codes and names
----------------------------
The demo reuses the **format and the list** of the 290 real kommunkoder (``0114`` …
``2584``, first two digits = län) so that every command, default and notebook parameter
works unchanged on demo data: the CLI/Makefile default ``KOMMUN=2482`` and
``KOMMUN=0180`` (leading zero kept) both exist. Everything attached to a code is
invented: names are obviously fictional compounds ("Demoby", "Exempelstad",
"Låtsasköping" …; no real municipality name is used), län names are fictional
("Demolands läns kommuner"), and sizes, age structures and all values are drawn at random,
so no demo row describes the real municipality with that code. Group ids are in ranges
Kolada does not use (G90001– liknande, G96001 alla, G97001– storlek, G98001– län), except
the nine SKR kommungrupper, which keep Kolada's ids G92786–G92794 and titles (they name a
classification, not a place) with drawn members.

The **demo focus municipality** is ``DEMO_FOCUS = "0180"`` ("Demoby", about 260 000
inhabitants, an old age structure): ``make demo`` builds its report, and
``make report KOMMUN=0180 DATA_DIR=data/demo`` reproduces it. ``2482`` is an ordinary
demo municipality (no planted deviation).

Sources of the national-like figures
------------------------------------
Section numbers (§2.x) below refer to the project's LSS research notes, which cite:

* §2.1 persons with LSS support over time: Socialstyrelsen, "Personer med funktionsnedsättning –
  insatser enligt LSS" (statistics pages and reports 2005-44-5, 2012-3-34; 79 100 persons on
  1 October 2023).
* §2.2 population 31 December 2021 (10 452 326): SCB, "Nu är vi över 10,5 miljoner invånare".
* §2.3 persons per insats on 1 October 2021: SCB Jämställdhet, "Personer med insats enligt
  LSS efter insatstyp den 1 oktober" (source: Registret över insatser enligt LSS,
  Socialstyrelsen).
* §2.4 persons per 10 000 inhabitants by age, sex and personkrets on 1 October 2021: SCB
  Jämställdhet, "Personer med insats enligt LSS efter funktionsnedsättning och ålder
  1 oktober 2021".
* §2.6 assistansersättning (SFB) recipients: Försäkringskassan's statistics (13 731 in
  October 2021).

How the numbers are drawn
-------------------------
* Population: 290 municipalities, 2 400 – ~1 000 000 inhabitants (log-normal body plus
  three big cities, about 10.2 million in all), single-year age 0–99 and "100+", two
  sexes, 2015–2024. Each municipality has an age index (old rural – young urban, correlated
  with size) that tilts a Swedish-like age pyramid; sizes drift with mild growth.
* Persons with any LSS insats: Poisson by age band × sex at the 2021 rates per 10 000 of
  domain.md §2.4 (krets 1 + 2 + 3: e.g. 13–22 år 105.8 women / 156.9 men, 23–64 år
  77.2 / 100.3, 80+ 7.9 / 10.4), trend +0.7 %/year (§2.1: 69 500 persons 2015 → 79 100
  in 2023 while the population grew).
* Each insats is a binomial thinning of those persons within the age band, so every
  category is ≤ the total, and the children's insatser (avlösarservice, korttidsvistelse,
  korttidstillsyn) ≤ the total 0–22 (categories overlap, one person can hold several). Shares are
  scaled so the national 2021 counts match §2.3 and §2.6: boende 30 423 (barn 872 +
  vuxna 29 551), daglig verksamhet 40 064, personlig assistans LSS 4 948, SFB 13 731,
  ledsagarservice 6 669, kontaktperson 17 549, avlösarservice 4 095, korttidsvistelse
  8 800, korttidstillsyn 4 565, total 76 712. Mild trends: DV +2 %/y, boende +1.5 %/y,
  PA LSS −4 %/y, SFB −2.5 %/y, ledsagarservice −2.5 %/y (§2.3, §2.6).
* Overdispersion: persistent municipal practice factors (gamma, CV 3 % on the total and
  3.5 % per insats, a län effect of 2 %, ±1.5 % yearly jitter), i.e. gamma–Poisson counts.
  This is deliberately *milder* than real between-municipality variation (Västerbotten
  near 1 % vs Stockholms län 0.6 % in 2015, §2.2) so the planted deviations stand out of
  the overdispersion-adjusted funnels; on real data the limits are wider.
* Small municipalities get zeros; about 4 % of the cells with 1–3 persons are published as
  suppressed (``status "Privacy"``, value null) and one municipality-year has every LSS
  value ``"Missing"`` (like "Bortfall: Sorsele kommun" in 2021, §2.4); three
  municipalities lack their cost KPIs in 2016. Riket ("0000") counts include the persons in
  suppressed and missing cells. The focus municipality has no suppressed or missing cell.
* Kolada values: count KPIs (N28801, N28804–N28811) are counts; rate KPIs
  (N28812–N28820, N28892) = persons / inhabitants (31 Dec) × 10 000, rounded to 2
  decimals; N28891 = persons 0–22 per 10 000 inhabitants 0–22 (T, K, M); N28890 = persons
  0–64 as % of inhabitants 0–64, rounded to 4 decimals (enough to recover the 65+ part of
  the total for Riket). Costs: N28013/N28015 (kr/brukare) around 1.15 M / 260 000 kr in
  2021, +3 %/y; N28017 standardkostnad from counts × unit costs with the F2008:776 weights
  (domain §1.5); N28026 ≈ N28017; N28016 = N28026 × a persistent cost factor;
  N28018 = (N28016 / N28026 − 1) × 100.

Planted deviations of the focus municipality (``PLANTED``)
--------------------------------------------------------
The focus is generated differently from the others: its count in each category is set
against the *national* rate in the category's reference age band (``catalog``), the rate
the comparison uses, with no overdispersion factor:

* ``daglig_verksamhet`` × 1.30 within the band 20–64 (a practice effect): expected flag
  "higher" every year (persistent).
* ``boende`` × 1.00 within the band 20+, but the focus is old, so its crude rate is high:
  the whole excess over national crude is ``composition_effect``; ``practice_effect`` ≈ 0
  and the flag is not "higher".
* ``kontaktperson`` × 0.60 (all ages): expected flag "lower" every year (persistent).

Planted categories are set exactly (rounded) each year; every other category (and the
total, by the bands 0–22 / 23–64 / 65+) is a Poisson draw at the national band rate, so
no strong flag is expected there.
"""

from __future__ import annotations

import hashlib
import io
import shutil
import time
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

from benchmark.catalog import CATEGORIES, COST_KPIS, KPI_TOTAL_0_22, KPI_TOTAL_0_64_PCT, RIKET
from benchmark.config import Settings, get_settings
from benchmark.errors import DataError, InputError
from benchmark.origin import SYNTHETIC_ORIGIN as SYNTHETIC_LABEL
from benchmark.sources.emulator import ApiDataset
from benchmark.store import atomic_write_bytes

DEMO_SEED = 20261127
DEMO_YEARS = range(2015, 2025)
DEMO_FOCUS = "0180"
DEMO_FOCUS_NAME = "Demoby"
#: Base URLs the demo fetch uses; they never resolve, the emulator answers in process.
DEMO_KOLADA_URL = "http://kolada.demo.invalid/v3"
DEMO_SCB_URL = "http://scb.demo.invalid/api/v2"


@dataclass(frozen=True)
class PlantedDeviation:
    """A deviation deliberately built into the focus municipality."""

    multiplier: float  # observed / national within the category's reference band
    effect: str  # "practice" (rate within band differs) or "composition" (age structure)
    expected_flag: str  # flag the pipeline should give ("higher", "lower", "similar")
    note_sv: str
    note_en: str


PLANTED: dict[str, PlantedDeviation] = {
    "daglig_verksamhet": PlantedDeviation(
        1.30, "practice", "higher",
        "30 % fler personer med daglig verksamhet än riket inom åldern 20–64 år (praxis).",
        "30 % more persons with daily activity than Riket within ages 20–64 (practice)."),
    "boende": PlantedDeviation(
        1.00, "composition", "similar",
        "Samma andel som riket inom 20+ år; hög råa nivå förklaras helt av äldre befolkning.",
        "Same rate as Riket within ages 20+; the high crude rate is only the older population."),
    "kontaktperson": PlantedDeviation(
        0.60, "practice", "lower",
        "40 % färre personer med kontaktperson än riket (praxis).",
        "40 % fewer persons with a contact person than Riket (practice)."),
}
#: Categories of the focus drawn at the national rate (no planted deviation).
NULL_CATEGORIES: tuple[str, ...] = tuple(c.id for c in CATEGORIES if c.id not in PLANTED)

# The 290 kommunkoder (real format and list, see the module docstring), by län prefix.
_CODES = """
01 14 15 17 20 23 25 26 27 28 36 38 39 40 60 62 63 80 81 82 83 84 86 87 88 91 92
03 05 19 30 31 60 80 81 82
04 28 61 80 81 82 83 84 86 88
05 09 12 13 60 61 62 63 80 81 82 83 84 86
06 04 17 42 43 62 65 80 82 83 84 85 86 87
07 60 61 63 64 65 67 80 81
08 21 34 40 60 61 62 80 81 82 83 84 85
09 80
10 60 80 81 82 83
12 14 30 31 33 56 57 60 61 62 63 64 65 66 67 70 72 73 75 76 77 78
12 80 81 82 83 84 85 86 87 90 91 92 93
13 15 80 81 82 83 84
14 01 02 07 15 19 21 27 30 35 38 39 40 41 42 43 44 45 46 47 52 60 61 62 63 65
14 66 70 71 72 73 80 81 82 84 85 86 87 88 89 90 91 92 93 94 95 96 97 98 99
17 15 30 37 60 61 62 63 64 65 66 80 81 82 83 84 85
18 14 60 61 62 63 64 80 81 82 83 84 85
19 04 07 60 61 62 80 81 82 83 84
20 21 23 26 29 31 34 39 61 62 80 81 82 83 84 85
21 01 04 21 32 61 80 81 82 83 84
22 60 62 80 81 82 83 84
23 03 05 09 13 21 26 61 80
24 01 03 04 09 17 18 21 22 25 60 62 63 80 81 82
25 05 06 10 13 14 18 21 23 60 80 81 82 83 84
"""
_LAN_NAMES = (
    "Demolands", "Exempelbottens", "Låtsasmarkens", "Påhittsdalens", "Fiktivfjällens",
    "Fantasiskogens", "Provkustens", "Modellslättens", "Skissjöns", "Testådalens",
    "Övningsbergens", "Kulissöarnas", "Attrappmons", "Sagohedens", "Drömmarkens",
    "Mockbygdens", "Simulsundets", "Syntetlandets", "Kopieåns", "Mallfjärdens",
    "Demonorrlands",
)
_NAME_PREFIXES = (
    "Demo", "Exempel", "Låtsas", "Påhitts", "Fiktiv", "Fantasi", "Prov", "Modell", "Skiss",
    "Test", "Övnings", "Kuliss", "Attrapp", "Sago", "Dröm", "Mock", "Simul", "Syntet",
    "Kopie", "Mall",
)
_NAME_SUFFIXES = (
    "by", "stad", "vik", "köping", "holm", "berg", "fors", "näs", "torp", "sund", "hamn",
    "dal", "ås", "bro", "å",
)

# Age bands of the generator (lower edges; the last band is 80+). They nest both the
# catalogue bands (13, 20, 23, 65) and the total's split (0–22, 23–64, 65+).
_BAND_EDGES = np.array([0, 7, 13, 20, 23, 45, 65, 80, 101])
_N_BANDS = len(_BAND_EDGES) - 1
# Persons with any LSS insats per 10 000 inhabitants, 2021, by band; sex 0 = men, 1 = women
# (domain.md §2.4, krets 1+2+3; 13–22 used for 13–19 and 20–22; 20–44 for 23–44).
_TOTAL_RATE = np.array([
    [15.9, 89.3, 156.9, 156.9, 122.6, 77.6, 40.6, 10.4],
    [7.1, 40.0, 105.8, 105.8, 91.1, 63.2, 33.0, 7.9],
])
_TOTAL_TREND = 1.007
_TOTAL_2021, _POP_2021 = 76_712, 10_452_326  # domain.md §2.2–2.3
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
# Unit costs (kr per person and year, 2021) and their weights (F2008:776 5 §).
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

#: SKR kommungrupper: (Kolada id, title, number of members as in Kolada). The ids and
#: titles are Kolada's so the suite treats them as kommungrupper; the members are drawn.
_KOMMUNGRUPPER = (
    ("G92787", "Storstäder", 3), ("G92790", "Större stad", 23),
    ("G92788", "Mindre stad/tätort", 27), ("G92793", "Pendlingskommun nära storstad", 43),
    ("G92792", "Pendlingskommun nära större stad", 63),
    ("G92786", "Lågpendlingskommun nära större stad", 24),
    ("G92789", "Pendlingskommun nära mindre tätort", 51),
    ("G92791", "Landsbygdskommun, ej nära större stad", 35),
    ("G92794", "Landsbygdskommun med besöksnäring", 21),
)
_SIZE_GROUPS = (
    (0, 4_999, "Kommuner med 0 - 4 999 invånare"),
    (5_000, 9_999, "Kommuner med 5 000 - 9 999 invånare"),
    (10_000, 14_999, "Kommuner med 10 000 - 14 999 invånare"),
    (15_000, 19_999, "Kommuner med 15 000 - 19 999 invånare"),
    (20_000, 29_999, "Kommuner med 20 000 - 29 999 invånare"),
    (30_000, 49_999, "Kommuner med 30 000 - 49 999 invånare"),
    (50_000, 99_999, "Kommuner med 50 000 - 99 999 invånare"),
    (100_000, 199_999, "Kommuner med 100 000 - 199 999 invånare"),
    (200_000, 10**9, "Kommuner med fler än 200 000 invånare"),
)

_DEMO_NOTE = "SYNTETISKA DEMODATA – inte officiell statistik. "
_SOS = "Källa: Socialstyrelsens mängdstatistik och SCB:s befolkningsstatistik."
#: KPI metadata: id → (title as in Kolada v3, docs/apis.md §2.5; short definition).
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
_GENDERED_KPIS = frozenset({KPI_TOTAL_0_22})


# ---------------------------------------------------------------------------------------------
# Generator


def _codes() -> list[str]:
    codes = []
    for line in _CODES.strip().splitlines():
        lan, *rest = line.split()
        codes += [lan + r for r in rest]
    return codes


def _names(codes: list[str], rng: np.random.Generator) -> dict[str, str]:
    pool = [p + s for p in _NAME_PREFIXES for s in _NAME_SUFFIXES]
    pool.remove(DEMO_FOCUS_NAME)
    order = rng.permutation(len(pool))
    others = iter(pool[i] for i in order)
    return {c: DEMO_FOCUS_NAME if c == DEMO_FOCUS else next(others) for c in codes}


def _base_pyramid() -> np.ndarray:
    """A smooth Swedish-like single-year age distribution, ages 0..100 (100 = 100+)."""
    anchors_age = [0, 5, 15, 19, 25, 32, 40, 50, 58, 65, 72, 78, 85, 90, 95, 99, 100]
    anchors_n = [113, 120, 124, 118, 135, 138, 128, 130, 126, 110, 104, 92, 55, 30, 11, 2.5, 2]
    return np.interp(np.arange(101), anchors_age, anchors_n)


def _age_tilt() -> np.ndarray:
    """How an 'old' municipality (age index > 0) departs from the base pyramid, by age."""
    ages = [0, 12, 18, 22, 30, 38, 48, 58, 66, 75, 85, 100]
    tilt = [-0.25, -0.15, -0.12, -0.45, -0.5, -0.3, -0.05, 0.2, 0.38, 0.45, 0.4, 0.35]
    return np.interp(np.arange(101), ages, tilt)


def _male_share() -> np.ndarray:
    return np.interp(np.arange(101), [0, 20, 60, 70, 80, 90, 100],
                     [0.513, 0.512, 0.505, 0.49, 0.45, 0.36, 0.2])


def _sizes(n: int, focus_index: int, rng: np.random.Generator) -> np.ndarray:
    """2024 population sizes: log-normal body, three big cities, focus 260 000."""
    q = (np.arange(n - 4) + 0.5) / (n - 4)
    from scipy.stats import norm

    body = np.exp(np.log(19_000) + 0.92 * norm.ppf(q)) * np.exp(rng.normal(0, 0.05, n - 4))
    body = np.clip(body, 2_400, 240_000)
    big = np.array([985_000, 595_000, 362_000])
    rest = rng.permutation(np.concatenate([body, big]))
    sizes = np.insert(rest, focus_index, 260_000.0)
    return np.round(sizes)


def _population(sizes: np.ndarray, age_index: np.ndarray, years: list[int],
                rng: np.random.Generator) -> np.ndarray:
    """Integer population [municipality, year, sex (0 men, 1 women), age 0..100]."""
    base, tilt, male = _base_pyramid(), _age_tilt(), _male_share()
    rough = np.exp(rng.normal(0, 0.03, (len(sizes), 101)))
    growth = np.clip(0.004 - 0.006 * age_index + rng.normal(0, 0.003, len(sizes)), -0.012, 0.02)
    pop = np.empty((len(sizes), len(years), 2, 101))
    for j, year in enumerate(years):
        dt = year - years[-1]
        a = age_index + 0.02 * dt  # the country ages slowly
        shape = base[None, :] * np.exp(a[:, None] * tilt[None, :]) * rough
        shape /= shape.sum(axis=1, keepdims=True)
        total = sizes * (1 + growth) ** dt
        pop[:, j, 0, :] = total[:, None] * shape * male[None, :]
        pop[:, j, 1, :] = total[:, None] * shape * (1 - male[None, :])
    return np.rint(pop).astype(np.int64)


def _band_sum(arr: np.ndarray) -> np.ndarray:
    """Sum the last axis (ages 0..100) into the generator's age bands."""
    return np.add.reduceat(arr, _BAND_EDGES[:-1], axis=-1)


def _ages_in(lo: int, hi: int | None) -> slice:
    return slice(lo, 101 if hi is None else hi + 1)


def _gamma(rng: np.random.Generator, cv: float, size: int | tuple[int, ...]) -> np.ndarray:
    k = 1 / cv**2
    return rng.gamma(k, 1 / k, size)


@dataclass
class _World:
    codes: list[str]
    names: dict[str, str]
    years: list[int]
    sizes: np.ndarray
    age_index: np.ndarray
    pop: np.ndarray  # [m, y, s, age]
    total_band: np.ndarray  # [m, y, s, band] persons with any insats
    cat: dict[str, np.ndarray]  # category -> [m, y] persons
    status: dict[str, np.ndarray]  # category -> [m, y] "" | "Privacy" | "Missing"
    missing: tuple[int, int] | None  # (municipality index, year index) with all LSS missing
    seed: int


def _simulate(seed: int, years: list[int]) -> _World:
    rng = np.random.default_rng(seed)
    codes = _codes()
    n = len(codes)
    focus = codes.index(DEMO_FOCUS)
    names = _names(codes, rng)
    sizes = _sizes(n, focus, rng)
    logsize = np.log(sizes)
    age_index = np.clip(-0.55 * (logsize - logsize.mean()) / logsize.std()
                        + rng.normal(0, 0.45, n), -1.6, 1.6)
    age_index[focus] = 1.5
    pop = _population(sizes, age_index, years, rng)
    pop_band = _band_sum(pop)  # [m, y, s, band]
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
    # Calibrate the age profile so the national 2021 total is 76 712 per 10 452 326 (§2.2).
    j_cal = years.index(2021) if 2021 in years else len(years) // 2
    expected = (pop_band[:, j_cal] * rate[j_cal][None]).sum()
    rate = rate * (_TOTAL_2021 / _POP_2021 * pop[:, j_cal].sum() / expected)
    lam = pop_band * rate[None] * (theta_total[:, None] * jitter_total)[:, :, None, None]
    total_band = rng.poisson(lam)

    # National 2021 persons by band (expected) to scale each category's shares.
    j21 = years.index(2021) if 2021 in years else len(years) // 2
    expected_band_2021 = (pop_band[:, j21] * rate[j21][None]).sum(axis=(0, 1))
    pop_scale = pop[:, j21].sum() / _POP_2021
    cat: dict[str, np.ndarray] = {}
    for cid, (shares, target, trend) in _CATEGORY_MODEL.items():
        s = np.array(shares)
        kappa = target * pop_scale / float((s * expected_band_2021).sum())
        p = kappa * s[None, :] * ((trend / _TOTAL_TREND) ** t)[:, None]  # [y, band]
        theta = _gamma(rng, _OD_CATEGORY_CV, n)[:, None] * np.exp(
            rng.normal(0, _OD_YEAR_SD, (n, ny)))
        prob = np.clip(p[None, :, None, :] * theta[:, :, None, None], 0, 0.97)
        cat[cid] = rng.binomial(total_band, prob).sum(axis=(2, 3))

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
    return _World(codes, names, years, sizes, age_index, pop, total_band, cat, status, missing,
                  seed)


def _plant_focus(focus: int, codes: list[str], pop: np.ndarray, total_band: np.ndarray,
                 cat: dict[str, np.ndarray], rng: np.random.Generator) -> None:
    """Redraw the focus: national band rates, planted multipliers, no overdispersion."""
    others = np.ones(len(codes), bool)
    others[focus] = False
    ny = pop.shape[1]
    # Total persons by the bands the total is split into (0–22, 23–64, 65+), and by sex.
    pop_band = _band_sum(pop)
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
        ages = _ages_in(c.age_min, c.age_max)
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


def _kolada_rows(w: _World) -> pl.DataFrame:
    n, ny = len(w.codes), len(w.years)
    pop_tot = w.pop.sum(axis=(2, 3)).astype(float)  # [m, y]
    pop_022 = w.pop[:, :, :, :23].sum(axis=3).astype(float)  # [m, y, s]
    pop_064 = w.pop[:, :, :, :65].sum(axis=(2, 3)).astype(float)
    tb = w.total_band
    t_all = tb.sum(axis=(2, 3)).astype(float)
    t_022 = tb[:, :, :, :4].sum(axis=3).astype(float)  # [m, y, s]
    t_064 = tb[:, :, :, :6].sum(axis=(2, 3)).astype(float)

    kpi_col: list[str] = []
    muni_col: list[str] = []
    year_col: list[int] = []
    gender_col: list[str] = []
    value_col: list[float | None] = []
    status_col: list[str] = []

    def add(kpi: str, values: np.ndarray, riket: float, status: np.ndarray | None,
            gender: str = "T") -> None:
        for j, year in enumerate(w.years):
            for i, code in enumerate(w.codes):
                st = "" if status is None else status[i, j]
                kpi_col.append(kpi)
                muni_col.append(code)
                year_col.append(year)
                gender_col.append(gender)
                value_col.append(None if st else float(values[i, j]))
                status_col.append(st)
            kpi_col.append(kpi)
            muni_col.append(RIKET)
            year_col.append(year)
            gender_col.append(gender)
            value_col.append(float(riket[j]))
            status_col.append("")

    lss_status = np.full((n, ny), "", dtype=object)
    if w.missing is not None:
        lss_status[w.missing] = "Missing"
    nat_pop = pop_tot.sum(axis=0)
    for c in CATEGORIES:
        if c.id not in w.cat:
            continue
        counts = w.cat[c.id].astype(float)
        nat = counts.sum(axis=0)
        add(c.kpi_count, counts, nat, w.status[c.id])
        add(c.kpi_rate, np.round(counts / pop_tot * 1e4, 2), np.round(nat / nat_pop * 1e4, 2),
            w.status[c.id])
    total = CATEGORY_TOTAL_KPI
    add(total, np.round(t_all / pop_tot * 1e4, 2),
        np.round(t_all.sum(axis=0) / nat_pop * 1e4, 2), lss_status)
    for gender, sel in (("T", slice(None)), ("M", 0), ("K", 1)):
        persons = t_022[:, :, sel] if gender != "T" else t_022.sum(axis=2)
        inhab = pop_022[:, :, sel] if gender != "T" else pop_022.sum(axis=2)
        add(KPI_TOTAL_0_22, np.round(persons / inhab * 1e4, 2),
            np.round(persons.sum(axis=0) / inhab.sum(axis=0) * 1e4, 2), lss_status, gender)
    add(KPI_TOTAL_0_64_PCT, np.round(t_064 / pop_064 * 100, 4),
        np.round(t_064.sum(axis=0) / pop_064.sum(axis=0) * 100, 4), lss_status)
    for kpi, (values, riket, status) in _costs(w, pop_tot).items():
        add(kpi, values, riket, status)
    return pl.DataFrame({
        "kpi": kpi_col, "municipality": muni_col,
        "year": pl.Series(year_col, dtype=pl.Int32), "gender": gender_col,
        "value": pl.Series(value_col, dtype=pl.Float64), "status": status_col,
        "count": pl.Series([1] * len(kpi_col), dtype=pl.Int64),
    })


CATEGORY_TOTAL_KPI = next(c.kpi_rate for c in CATEGORIES if c.id == "totalt")


def _costs(w: _World, pop_tot: np.ndarray
           ) -> dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Cost KPIs consistent with the counts (see the module docstring)."""
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


def _groups(w: _World) -> pl.DataFrame:
    rows: list[tuple[str, str, str, str]] = []
    codes, names = w.codes, w.names
    # Liknande kommuner LSS: the 7 nearest others in (log size, age index, standard cost).
    j = len(w.years) - 1
    feats = np.column_stack([np.log(w.sizes), w.age_index])
    feats = (feats - feats.mean(axis=0)) / feats.std(axis=0)
    dist = ((feats[:, None, :] - feats[None, :, :]) ** 2).sum(axis=2)
    np.fill_diagonal(dist, np.inf)
    year = w.years[j]
    for i, code in enumerate(codes):
        gid = f"G9{i + 1:04d}"
        title = f"Liknande kommuner LSS, {names[code]}, {year}"
        for k in np.argsort(dist[i], kind="stable")[:7]:
            rows.append((gid, title, codes[k], names[codes[k]]))
    for code in codes:
        rows.append(("G96001", "Alla kommuner (ovägt medel)", code, names[code]))
    size_now = w.pop[:, j].sum(axis=(1, 2))
    for g, (lo, hi, title) in enumerate(_SIZE_GROUPS):
        for i, code in enumerate(codes):
            if lo <= size_now[i] <= hi:
                rows.append((f"G97{g + 1:03d}", f"{title} (ovägt medel)", code, names[code]))
    lans = sorted({c[:2] for c in codes})
    for g, lan in enumerate(lans):
        title = f"{_LAN_NAMES[g]} läns kommuner (ovägt medel)"
        for code in codes:
            if code[:2] == lan:
                rows.append((f"G98{g + 1:03d}", title, code, names[code]))
    # SKR-like kommungrupper: by size first, then old (rural) vs young (commuting).
    order = list(np.argsort(-size_now, kind="stable"))
    urban = [order[:3], order[3:26], order[26:53]]
    rest = sorted(order[53:], key=lambda i: (w.age_index[i], codes[i]))
    sizes = [n for _, _, n in _KOMMUNGRUPPER[3:]]
    parts, start = [], 0
    for size in sizes:
        parts.append(rest[start:start + size])
        start += size
    for (gid, title, _), members in zip(_KOMMUNGRUPPER, urban + parts, strict=True):
        for i in sorted(members, key=lambda i: codes[i]):
            rows.append((gid, f"{title} (ovägt medel)", codes[i], names[codes[i]]))
    return pl.DataFrame(rows, schema=["group_id", "group_title", "member_id", "member_title"],
                        orient="row")


def _population_frame(w: _World) -> pl.DataFrame:
    ages = [str(a) for a in range(100)] + ["100+"]
    riket = w.pop.sum(axis=0, keepdims=True)
    values = np.concatenate([riket, w.pop])  # [m+1, y, s, age]
    regions = ["00", *w.codes]
    shape = values.shape
    idx = np.indices(shape).reshape(4, -1)
    return pl.DataFrame({
        "region": pl.Series(regions).gather(idx[0]),
        "year": pl.Series(np.array(w.years)[idx[1]], dtype=pl.Int32),
        "sex": pl.Series(["1", "2"]).gather(idx[2]),
        "age": pl.Series(ages).gather(idx[3]),
        "population": pl.Series(values.reshape(-1), dtype=pl.Int64),
    })


def _kpi_frame(last_year: int) -> pl.DataFrame:
    """The v3 KPI fields; ``publ_period`` is the last demo year, published (like the real
    LSS KPIs) on 15 April of the year after."""
    ids = list(KPI_META)
    n = len(ids)
    return pl.DataFrame({
        "id": ids,
        "title": [KPI_META[k][0] for k in ids],
        "description": [_DEMO_NOTE + KPI_META[k][1] for k in ids],
        "is_divided_by_gender": [k in _GENDERED_KPIS for k in ids],
        "municipality_type": ["K"] * n,
        "auspice": ["T"] * n,
        "operating_area": ["Äldre och funktionshinder"] * n,
        "perspective": ["Resurser" if k in COST_KPIS else "Volymer" for k in ids],
        "prel_publication_date": [""] * n,
        "publication_date": [f"{last_year + 1}-04-15"] * n,
        "publ_period": [str(last_year)] * n,
        "has_ou_data": [False] * n,
    })


def generate_dataset(seed: int = DEMO_SEED, years: range = DEMO_YEARS) -> ApiDataset:
    """The synthetic demo country as an :class:`ApiDataset` (``synthetic=True``).

    Deterministic: the same seed and years give identical frames (see
    :func:`dataset_digest`). The focus municipality ``DEMO_FOCUS`` carries the deviations
    in ``PLANTED``; everything else is drawn as described in the module docstring.
    """
    years_list = [int(y) for y in years]
    if not years_list:
        raise InputError("years is empty; give a range such as range(2015, 2025)")
    w = _simulate(seed, years_list)
    municipalities = pl.DataFrame({
        "id": [RIKET, *w.codes],
        "title": ["Riket", *(w.names[c] for c in w.codes)],
        "type": ["L", *(["K"] * len(w.codes))],
    })
    return ApiDataset(
        kolada_values=_kolada_rows(w),
        municipalities=municipalities,
        groups=_groups(w),
        kpis=_kpi_frame(years_list[-1]),
        population=_population_frame(w),
        synthetic=True,
    )


def dataset_digest(dataset: ApiDataset) -> str:
    """SHA-256 over the dataset's frames serialised as CSV (a determinism fingerprint)."""
    h = hashlib.sha256()
    for name in ("kolada_values", "municipalities", "groups", "kpis", "population"):
        buf = io.BytesIO()
        getattr(dataset, name).write_csv(buf)
        h.update(name.encode())
        h.update(buf.getvalue())
    h.update(str(dataset.synthetic).encode())
    return h.hexdigest()


# ---------------------------------------------------------------------------------------------
# Pipeline

#: Marker file that identifies a folder as demo data (so :func:`prepare_demo_data` may
#: clear it before a fresh run).
DEMO_MARKER = "SYNTETISKA-DEMODATA.txt"
_MARKER_TEXT = ("Syntetiska demodata från benchmark.demo (make demo). Inte officiell statistik.\n"
                "Synthetic demo data generated by benchmark.demo. Not official statistics.\n")


def demo_settings(data_dir: Path = Path("data/demo")) -> Settings:
    """Settings for demo data: ``data_dir`` and loopback-only emulator URLs."""
    return get_settings(data_dir=data_dir, kolada_url=DEMO_KOLADA_URL, scb_url=DEMO_SCB_URL)


def _check_demo_dir(data_dir: Path) -> None:
    """Refuse to write demo data into the real data folder or an unmarked folder."""
    real = get_settings().data_dir
    if data_dir.resolve() == real.resolve() or data_dir.resolve() == Path("data").resolve():
        raise InputError(f"demo data must not be mixed with real data in {data_dir}; "
                         "use a separate folder such as data/demo")
    if data_dir.exists() and any(data_dir.iterdir()) and not (data_dir / DEMO_MARKER).exists():
        raise InputError(f"{data_dir} holds files that are not demo data (no {DEMO_MARKER}); "
                         "choose an empty folder or data/demo")


def prepare_demo_data(data_dir: Path = Path("data/demo"), *, seed: int = DEMO_SEED,
                      years: range = DEMO_YEARS, progress: bool = False) -> Settings:
    """Generate the demo country, fetch it through the emulator and process it.

    ``data_dir`` is cleared first (only if it is empty or marked as demo data) so the
    raw store never mixes two generator runs. Returns the :class:`Settings` pointing at
    it; ``read_table(..., settings)`` then gives the processed demo tables.
    """
    steps = iter_prepare_demo_data(data_dir, seed=seed, years=years, progress=progress)
    while True:
        try:
            next(steps)
        except StopIteration as done:
            return done.value


def iter_prepare_demo_data(data_dir: Path = Path("data/demo"), *, seed: int = DEMO_SEED,
                           years: range = DEMO_YEARS, progress: bool = False
                           ) -> Generator[str, None, Settings]:
    """:func:`prepare_demo_data` as a generator of progress lines (returns the settings)."""
    from benchmark.fetch import fetch
    from benchmark.process import process
    from benchmark.sources.emulator import ApiEmulator
    from benchmark.sources.http import HttpClient

    _check_demo_dir(data_dir)
    for sub in ("raw", "processed"):
        if (data_dir / sub).exists():
            shutil.rmtree(data_dir / sub)
    data_dir.mkdir(parents=True, exist_ok=True)
    (data_dir / DEMO_MARKER).write_text(_MARKER_TEXT, encoding="utf-8")

    t0 = time.perf_counter()
    dataset = generate_dataset(seed, years)
    n = dataset.municipalities.filter(pl.col("type") == "K").height
    yield (f"generated the demo country: {n} municipalities + Riket, "
           f"{years[0]}–{years[-1]}, seed {seed} ({time.perf_counter() - t0:.1f} s)")

    t0 = time.perf_counter()
    settings = demo_settings(data_dir)
    emulator = ApiEmulator(dataset, calls_per_window=1_000_000, window_s=1)
    unlimited = {"Kolada": (1_000_000, 1.0), "SCB": (1_000_000, 1.0)}
    with HttpClient(settings, transport=emulator.transport(), limits=unlimited) as client:
        summary = fetch(list(years), settings=settings, progress=progress, client=client)
    yield (f"fetched through the in-process emulator: {summary.http_attempts} requests, "
           f"{summary.saved} raw snapshots in {settings.raw_dir} "
           f"({time.perf_counter() - t0:.1f} s)")

    t0 = time.perf_counter()
    processed = process(settings=settings)
    if not processed.synthetic:
        raise DataError("processed demo data are not marked synthetic; refusing to continue")
    yield (f"processed into {settings.processed_dir} (synthetic: true; "
           f"{time.perf_counter() - t0:.1f} s)")
    return settings


def _write_demo_csv(table: pl.DataFrame, path: Path) -> Path:
    from benchmark.output import render

    if "data_origin" in table.columns and not (table["data_origin"] == SYNTHETIC_LABEL).all():
        raise DataError(f"refusing to write {path.name}: rows not labelled {SYNTHETIC_LABEL!r}")
    atomic_write_bytes(path, render(table, "csv", "demo").encode("utf-8"))
    return path


def planted_check(table: pl.DataFrame, municipality: str = DEMO_FOCUS) -> list[str]:
    """One line per planted deviation: did the comparison table recover it?"""
    lines = []
    rows = {r["category"]: r for r in table.filter(
        pl.col("municipality") == municipality).iter_rows(named=True)}
    for cid, planted in PLANTED.items():
        r = rows.get(cid)
        if r is None:
            lines.append(f"  {cid}: no row")
            continue
        ok = r["flag"] == planted.expected_flag or (
            planted.expected_flag == "similar" and r["flag"] != "higher")
        lines.append(
            f"  {cid}: planted ×{planted.multiplier:.2f} ({planted.effect}) → flag "
            f"{r['flag']}, O/E {r['ratio']:.2f}, composition {round(r['composition_effect']):+d}, "
            f"practice {round(r['practice_effect']):+d} persons — "
            + ("as planted" if ok else "NOT as planted"))
    return lines


def run_demo(*, out_dir: Path = Path("reports"), lang: str = "sv", progress: bool = True,
             data_dir: Path = Path("data/demo")) -> Iterator[str]:
    """Run the whole suite offline on the demo country; yield progress and summary lines.

    Steps: generate → fetch through the emulator → process (``data_dir``) → national
    screening (``out_dir/screening-<year>-DEMO.csv``) → comparison of ``DEMO_FOCUS``
    (``out_dir/compare-<code>-<year>-DEMO.csv``) → the focus's synthetic register of
    decisions (``data_dir/register/``, :mod:`benchmark.demo_register`) → board report
    with the section on its own decisions (``report.build_report``, ``…-DEMO.html``).
    """
    from benchmark.comparison import compare, screen
    from benchmark.report import build_report

    banner = "*** SYNTETISKA DEMODATA – inte officiell statistik / synthetic demo data ***"
    yield banner
    settings = yield from iter_prepare_demo_data(data_dir, progress=progress)
    year = DEMO_YEARS[-1]
    out_dir.mkdir(parents=True, exist_ok=True)

    table = screen(year, settings=settings)
    path = _write_demo_csv(table, out_dir / f"screening-{year}-DEMO.csv")
    flagged = table.filter(pl.col("flag").is_in(["higher", "lower"])).height
    yield f"national screening {year}: {table.height} rows, {flagged} strong flags → {path}"

    comparison = compare(DEMO_FOCUS, year, settings=settings)
    path = _write_demo_csv(comparison, out_dir / f"compare-{DEMO_FOCUS}-{year}-DEMO.csv")
    yield f"comparison {DEMO_FOCUS} {DEMO_FOCUS_NAME} {year} → {path}"
    yield "planted deviations (see benchmark.demo.PLANTED):"
    yield from planted_check(comparison.filter(pl.col("year") == year))

    # the focus's own (synthetic) case-system export, drawn from its published figures
    from benchmark.comparison import load_inputs
    from benchmark.demo_register import (
        DEMO_LABEL_MAP,
        DEMO_REGISTER_DATE,
        register_check,
        write_register,
    )
    from benchmark.report import RegisterSource

    inputs = load_inputs(settings)
    register = write_register(inputs, data_dir)
    yield f"synthetic register of decisions for {DEMO_FOCUS} {DEMO_FOCUS_NAME} → {register}"
    yield register_check(register, inputs)

    # build_report names the file …-DEMO.html itself, because the manifest is synthetic
    report = build_report(DEMO_FOCUS, year, lang=lang, out_dir=out_dir, settings=settings,
                          register=RegisterSource(register, DEMO_REGISTER_DATE,
                                                  labels=DEMO_LABEL_MAP))
    yield f"board report (DEMO) for {DEMO_FOCUS} {DEMO_FOCUS_NAME} {year}: {report}"
    yield banner
