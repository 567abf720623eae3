"""Synthetic demo country: the whole suite, offline, on clearly labelled invented data.

``make demo`` (``python -m benchmark demo``) runs :func:`run_demo`: it generates the demo
country with :func:`generate_dataset`, serves it through the in-process Kolada/SCB
emulator (:mod:`benchmark.sources.emulator`) so it enters through the *same* fetch and
parse code as real data, processes it into ``data/demo/processed`` and builds the national
screening, the comparison and the board report for the demo focus municipality.
Tests and notebooks use the same data (``tests/demo_fixture.py``).

One module per part of the country, so a new kind of data is a new module:

* :mod:`~benchmark.demo.country`: kommunkoder, invented names, sizes, age profiles, groups;
* :mod:`~benchmark.demo.population`: single-year ages by sex (SCB's format);
* :mod:`~benchmark.demo.lss`: persons with LSS support, the planted deviations, their KPIs;
* :mod:`~benchmark.demo.costs`: the cost KPIs;
* :mod:`~benchmark.demo.need`: the need levels that drive part of the LSS figures, the need
  indicator KPIs and the need-driven daglig verksamhet planted in 1402 "Demostad";
* :mod:`~benchmark.demo.kolada`: the Kolada value rows each module adds its KPIs to;
* :mod:`~benchmark.demo.generate`: the draw in order and the emulator's dataset;
* :mod:`~benchmark.demo.serve`: fetch and process through the emulator, ``make demo``.

**Never official statistics.** Every value is invented. The emulator marks every response
``X-Synthetic-Data: demo``, the raw snapshots record it, the processed manifest says
``"synthetic": true``, comparison rows carry ``data_origin = "syntetiska demodata"``, the
files :func:`run_demo` writes are named ``*-DEMO.*`` and the KPI descriptions start with
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
* Persons with LSS support over time: Socialstyrelsen, "Personer med funktionsnedsättning –
  insatser enligt LSS" (statistics and reports 2005-44-5, 2012-3-34; 79 100 persons on
  1 October 2023; 69 500 in 2015).
* Population 31 December 2021 (10 452 326): SCB, "Nu är vi över 10,5 miljoner invånare".
* Persons per insats on 1 October 2021: SCB Jämställdhet, "Personer med insats enligt LSS
  efter insatstyp den 1 oktober" (source: Registret över insatser enligt LSS,
  Socialstyrelsen).
* Persons per 10 000 inhabitants by age, sex and personkrets on 1 October 2021: SCB
  Jämställdhet, "Personer med insats enligt LSS efter funktionsnedsättning och ålder
  1 oktober 2021".
* Assistansersättning (SFB) recipients: Försäkringskassan's statistics (13 731 in
  October 2021).

How the numbers are drawn
-------------------------
* Population: 290 municipalities, 2 400 – ~1 000 000 inhabitants (log-normal body plus
  three big cities, about 10.2 million in all), single-year age 0–99 and "100+", two
  sexes, 2015–2024. Each municipality has an age index (old rural – young urban, correlated
  with size) that tilts a Swedish-like age pyramid; sizes drift with mild growth.
* Persons with any LSS insats: Poisson by age band × sex at the 2021 rates per 10 000 by
  age and sex (personkrets 1 + 2 + 3: e.g. 13–22 år 105.8 women / 156.9 men, 23–64 år
  77.2 / 100.3, 80+ 7.9 / 10.4), trend +0.7 %/year (69 500 persons 2015 → 79 100 in 2023
  while the population grew).
* Each insats is a binomial thinning of those persons within the age band, so every
  category is ≤ the total, and the children's insatser (avlösarservice, korttidsvistelse,
  korttidstillsyn) ≤ the total 0–22 (categories overlap, one person can hold several).
  Shares are scaled so the national 2021 counts match the published ones: boende 30 423
  (barn 872 + vuxna 29 551), daglig verksamhet 40 064, personlig assistans LSS 4 948, SFB
  13 731, ledsagarservice 6 669, kontaktperson 17 549, avlösarservice 4 095,
  korttidsvistelse 8 800, korttidstillsyn 4 565, total 76 712. Mild trends: DV +2 %/y,
  boende +1.5 %/y, PA LSS −4 %/y, SFB −2.5 %/y, ledsagarservice −2.5 %/y.
* Overdispersion: persistent municipal practice factors (gamma, CV 4 % on the total and
  4.5 % per insats, a län effect of 3 %, ±1.5 % yearly jitter), i.e. gamma–Poisson counts.
  This is deliberately *milder* than real between-municipality variation so the planted
  deviations stand out of the overdispersion-adjusted funnels; on real data the limits
  are wider.
* Small municipalities get zeros; about 4 % of the cells with 1–3 persons are published as
  suppressed (``status "Privacy"``, value null) and one municipality-year has every LSS
  value ``"Missing"`` (as when a municipality's report is missing from the register);
  three municipalities lack their cost KPIs in 2016. Riket ("0000") counts include the
  persons in suppressed and missing cells. The focus municipality has no suppressed or
  missing cell.
* Kolada values: count KPIs (N28801, N28804–N28811) are counts; rate KPIs
  (N28812–N28820, N28892) = persons / inhabitants (31 Dec) × 10 000, rounded to 2
  decimals; N28891 = persons 0–22 per 10 000 inhabitants 0–22 (T, K, M); N28890 = persons
  0–64 as % of inhabitants 0–64, rounded to 4 decimals (enough to recover the 65+ part of
  the total for Riket). Costs: :mod:`benchmark.demo.costs`.

Planted deviations of the focus municipality (``PLANTED``)
----------------------------------------------------------
The focus is generated differently from the others: its count in each category is set
against the *national* rate in the category's reference age band (``catalog``), the rate
the comparison uses, with no overdispersion factor:

* ``daglig_verksamhet`` × 1.30 within the band 20–64 (a practice effect): expected flag
  "higher" every year (persistent).
* ``boende`` × 1.00 within the band 20+, but the focus is old, so its crude rate is high:
  under the band model the whole excess over national crude is ``composition_effect``,
  ``other_effect`` ≈ 0 and the flag is not "higher".
* ``kontaktperson`` × 0.60 (all ages): expected flag "lower" every year (persistent) under
  the band model.

These are planted against the *flat* band rate. The other municipalities carry an age
profile inside the bands (``lss._CATEGORY_MODEL``), so the default comparison (the national age
× sex profile, :mod:`benchmark.comparison.profile`) finds Demoby's daglig verksamhet high
under every alternative (robust), its boende high and its kontaktperson in line, and both
of these depend on the age assumption (``robust`` false): ``planted_check`` says so instead
of "as planted".

Planted categories are set exactly (rounded) each year; every other category (and the
total, by the bands 0–22 / 23–64 / 65+) is a Poisson draw at the national band rate, so
no strong flag is expected there.

Need (:mod:`benchmark.demo.need`): each municipality's need levels (log-normal, sd 5 %)
raise its daglig verksamhet (β 0.5), boende (0.3) and children's insatser (0.4), and give
the need indicators N01702, N18803 and N01703. Demoby's need is national, so its +30 % stays
a deviation after the need adjustment; 1402 "Demostad" has 1.82 × the national
aktivitetsersättning and daglig verksamhet set to about 1.35 × the national band rate: higher
adjusted for age, not after the need adjustment (``need_check`` prints both).
"""

from benchmark.demo.country import DEMO_FOCUS, DEMO_FOCUS_NAME
from benchmark.demo.generate import (
    DEMO_SEED,
    DEMO_YEARS,
    KPI_META,
    dataset_digest,
    generate_dataset,
)
from benchmark.demo.lss import NULL_CATEGORIES, PLANTED, PlantedDeviation
from benchmark.demo.need import NEED_FOCUS, NEED_PLANTED
from benchmark.demo.serve import (
    DEMO_KOLADA_URL,
    DEMO_MARKER,
    DEMO_SCB_URL,
    demo_settings,
    iter_prepare_demo_data,
    need_check,
    planted_check,
    prepare_demo_data,
    run_demo,
)

__all__ = [
    "DEMO_FOCUS", "DEMO_FOCUS_NAME", "DEMO_KOLADA_URL", "DEMO_MARKER", "DEMO_SCB_URL",
    "DEMO_SEED", "DEMO_YEARS", "KPI_META", "NEED_FOCUS", "NEED_PLANTED", "NULL_CATEGORIES",
    "PLANTED", "PlantedDeviation", "dataset_digest", "demo_settings", "generate_dataset",
    "iter_prepare_demo_data", "need_check", "planted_check", "prepare_demo_data", "run_demo",
]
