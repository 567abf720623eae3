"""Build :class:`ApiDataset` objects for the data-layer tests.

``real_register_dataset`` uses the real Kolada register, groups and KPI catalogue recorded
in ``../shared/data/kolada`` and adds LSS values and population written here: a
deterministic function of (municipality, year, kpi) so every expected number in a test
can be recomputed independently. ``small_dataset`` is a self-contained three-municipality
country for fast tests.
"""

from __future__ import annotations

import zlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from benchmark.catalog import (
    CATEGORIES,
    KPI_SETS,
    KPI_TOTAL_0_22,
    KPI_TOTAL_0_64_PCT,
    extra_kpis,
)
from benchmark.profile import denominator_kpis, entry
from benchmark.sources.emulator import ApiDataset
from benchmark.sources.scb import AGES

if TYPE_CHECKING:
    from benchmark.config import Settings
    from benchmark.sources.http import HttpClient

#: The need indicators (issue 13), served only where a test asks for them.
NEED_KPIS = list(KPI_SETS["need"].kpis)

COUNT_KPIS = [c.kpi_count for c in CATEGORIES if c.kpi_count]


def _h(*parts: object) -> int:
    return zlib.crc32("|".join(map(str, parts)).encode())


def population_value(region: str, year: int, sex: str, age: str) -> int:
    """Synthetic persons in one cell (Riket "00" is the sum of the kommuner)."""
    return 20 + _h(region, year, sex, age) % 180


def build_population(kommuner: list[str], years: list[int]) -> pl.DataFrame:
    rows = []
    for y in years:
        riket: dict[tuple[str, str], int] = {}
        for k in kommuner:
            for s in ("1", "2"):
                for a in AGES:
                    v = population_value(k, y, s, a)
                    riket[(s, a)] = riket.get((s, a), 0) + v
                    rows.append((k, y, s, a, v))
        rows += [("00", y, s, a, v) for (s, a), v in riket.items()]
    return pl.DataFrame(rows, schema={"region": pl.Utf8, "year": pl.Int32, "sex": pl.Utf8,
                                      "age": pl.Utf8, "population": pl.Int64}, orient="row")


def build_values(munis: list[str], years: list[int], pop: pl.DataFrame,
                 privacy: set[tuple[str, int, str]] = frozenset(), *,
                 need: bool = False) -> pl.DataFrame:
    """LSS counts, matching per-10 000 rates, auxiliary totals, costs and the other KPIs
    of the extra sets (shares 40–99 %, denominators 5–104, amounts 1 000–5 999); with
    ``need`` also the need indicators (counts, about 1–4 % of the population).

    ``privacy`` lists (municipality, year, kpi) published as status "Privacy" (no value).
    """
    tot = (pop.group_by("region", "year").agg(pl.col("population").sum())
           .with_columns(pl.when(pl.col("region") == "00").then(pl.lit("0000"))
                         .otherwise(pl.col("region")).alias("municipality")))
    total = {(m, y): p for m, y, p in tot.select("municipality", "year", "population").iter_rows()}
    rows = []

    def add(kpi: str, m: str, y: int, value: float | None, gender: str = "T") -> None:
        status = ""
        if (m, y, kpi) in privacy:
            value, status = None, "Privacy"
        rows.append((kpi, m, y, gender, value, status, 1))

    for y in years:
        for m in munis:
            p = total[(m, y)]
            for cat in CATEGORIES:
                count = 5 + _h(m, y, cat.id) % 60 if m != "0000" else None
                if cat.kpi_count:
                    if m == "0000":
                        count = sum(5 + _h(k, y, cat.id) % 60 for k in munis if k != "0000")
                    add(cat.kpi_count, m, y, float(count))
                    add(cat.kpi_rate, m, y, round(count / p * 1e4, 1))
                else:
                    add(cat.kpi_rate, m, y, round(40 + _h(m, y, "tot") % 50 / 10, 1))
            add(KPI_TOTAL_0_22, m, y, round(30 + _h(m, y, "0-22") % 40 / 10, 1))
            for g in ("K", "M"):
                add(KPI_TOTAL_0_22, m, y, round(25 + _h(m, y, g) % 40 / 10, 1), g)
            add(KPI_TOTAL_0_64_PCT, m, y, round(0.5 + _h(m, y, "0-64") % 30 / 100, 2))
            for kpi in extra_kpis():  # costs, profile KPIs (shares in %), denominators
                if kpi in NEED_KPIS:
                    continue  # below, only with ``need``
                if kpi in denominator_kpis():
                    value = float(5 + _h(m, y, kpi) % 100)
                elif (found := entry(kpi)) is not None and found.kind == "share":
                    value = float(40 + _h(m, y, kpi) % 60)
                else:
                    value = float(1000 + _h(m, y, kpi) % 5000)
                add(kpi, m, y, value)
            for kpi in (NEED_KPIS if need else ()):
                add(kpi, m, y, float(round(p * (10 + _h(m, y, kpi) % 30) / 1000)))
    return pl.DataFrame(rows, schema={"kpi": pl.Utf8, "municipality": pl.Utf8,
                                      "year": pl.Int32, "gender": pl.Utf8,
                                      "value": pl.Float64, "status": pl.Utf8,
                                      "count": pl.Int64}, orient="row")


def kpi_frame(ids: list[str], last_year: int) -> pl.DataFrame:
    """The v3 KPI fields; ``publ_period`` ``last_year``, published 15 April the year after."""
    n = len(ids)
    return pl.DataFrame({
        "id": ids, "title": [f"KPI {i}" for i in ids], "description": [""] * n,
        "is_divided_by_gender": [i == KPI_TOTAL_0_22 for i in ids],
        "municipality_type": ["K"] * n, "auspice": ["T"] * n,
        "operating_area": ["Äldre och funktionshinder"] * n, "perspective": ["Volymer"] * n,
        "prel_publication_date": [""] * n, "publication_date": [f"{last_year + 1}-04-15"] * n,
        "publ_period": [str(last_year)] * n, "has_ou_data": [False] * n,
    })


def real_kpis(shared: Path) -> pl.DataFrame:
    """The real KPI catalogue rows of the suite's KPIs, every v3 field as recorded."""
    from benchmark.catalog import all_kpis

    return pl.read_csv(shared / "kolada" / "kpi_list.csv", infer_schema=False).filter(
        pl.col("id").is_in(all_kpis())).with_columns(
        pl.col("is_divided_by_gender", "has_ou_data") == "True")


def small_dataset(years: list[int], *, privacy: set[tuple[str, int, str]] = frozenset(),
                  synthetic: bool = True) -> ApiDataset:
    """Three kommuner (0180, 1480, 2482) plus Riket, a LSS group for 2482 and a län group."""
    from benchmark.catalog import all_kpis

    munis = pl.DataFrame({"id": ["0000", "0024", "0180", "1480", "2482"],
                          "title": ["Riket", "Region Västerbotten", "Stockholm", "Göteborg",
                                    "Skellefteå"], "type": ["L", "L", "K", "K", "K"]})
    groups = pl.DataFrame({
        "group_id": ["G39684", "G39684", "G33631", "G92787", "G92787", "G1"],
        "group_title": ["Liknande kommuner LSS, Skellefteå, 2024"] * 2
        + ["Västerbottens läns kommuner (ovägt medel)"]
        + ["Storstäder (ovägt medel)"] * 2 + ["Ett nätverk"],
        "member_id": ["0180", "1480", "2482", "0180", "1480", "2482"],
        "member_title": ["Stockholm", "Göteborg", "Skellefteå", "Stockholm", "Göteborg",
                         "Skellefteå"],
    })
    kommuner = ["0180", "1480", "2482"]
    pop = build_population(kommuner, years)
    values = build_values(["0000", *kommuner], years, pop, privacy)
    return ApiDataset(values, munis, groups, kpi_frame(all_kpis(), max(years)), pop, synthetic)


def real_register_dataset(shared: Path, years: list[int], synthetic: bool = True
                          ) -> ApiDataset:
    """The real Kolada register (290 kommuner + Riket), groups and KPI catalogue (every v3
    field, publ_period included), with synthetic LSS values and population generated
    here."""
    k = shared / "kolada"
    munis = pl.read_csv(k / "municipalities.csv", schema_overrides={"id": pl.Utf8})
    groups = pl.read_csv(k / "municipality_groups_members.csv",
                         schema_overrides={"member_id": pl.Utf8})
    kpis = real_kpis(shared)
    kommuner = munis.filter(pl.col("type") == "K")["id"].to_list()
    pop = build_population(kommuner, years)
    values = build_values(["0000", *kommuner], years, pop, need=True)
    return ApiDataset(values, munis, groups, kpis, pop, synthetic)


def fast_client(settings: Settings, *, retries: int = 6, transport: Any = None
                ) -> HttpClient:
    """An HTTP client with tiny backoff and no effective rate limit (tests take seconds)."""
    from benchmark.sources.http import HttpClient, RetryPolicy

    return HttpClient(settings, transport=transport,
                      policy=RetryPolicy(max_retries=retries, backoff_base=0.005,
                                         backoff_max=0.02, retry_after_max=0.05),
                      limits={"Kolada": (10_000, 1.0), "SCB": (10_000, 1.0)})
