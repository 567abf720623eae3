"""A small processed data folder (the tables of benchmark.process) for the compare and screen tests.

Twelve municipalities plus Riket, years 2019–2023. Populations are flat per age so band
populations are easy to compute by hand: a municipality with ``s`` inhabitants per age and
sex has 2·s·(ages in band) inhabitants in a band (ages 0..100, 100 = 100+). Riket has 1 000
per age and sex for ages 0–64 and 500 for 65+, so its age structure differs from the
municipalities' (which makes E differ from the crude expectation).

Counts are national band rate × local band population × a fixed municipality factor, with
a few planted features: municipality 0001 has +60 % daglig verksamhet in every year;
0002's korttidstillsyn is suppressed in 2023; 0003 has no ledsagarservice row in 2023.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl

from benchmark.catalog import CATEGORIES, TOTAL_BANDS
from benchmark.config import Settings
from benchmark.store import write_tables
from benchmark.tables import TABLES

YEARS = list(range(2019, 2024))
CODES = [f"{i:04d}" for i in range(1, 13)]
NAMES = {code: f"Kommun {code}" for code in CODES}
#: inhabitants per age and sex
SIZE = {code: 200 * (i + 1) for i, code in enumerate(CODES)}
#: multiplicative deviation per municipality (deterministic spread, mean about 1)
FACTOR = {code: f for code, f in zip(CODES, [1.0, 0.9, 1.1, 0.95, 1.05, 0.85, 1.15,
                                             0.92, 1.08, 1.0, 0.97, 1.03], strict=True)}
#: national persons per 1 person in the band population (Riket band rates)
NATIONAL_RATE = {
    "boende": 0.01, "daglig_verksamhet": 0.012, "personlig_assistans_lss": 0.0008,
    "personlig_assistans_sfb": 0.0015, "ledsagarservice": 0.0012, "kontaktperson": 0.0016,
    "avlosarservice": 0.0012, "korttidsvistelse": 0.002, "korttidstillsyn": 0.004,
}
#: national rates of the total per band 0–22, 23–64, 65+
TOTAL_RATE = (0.01, 0.02, 0.005)
COST_PER_USER = {"N28013": 1_000_000.0, "N28015": 250_000.0}
PLANTED = ("0001", "daglig_verksamhet", 1.6)


def riket_pop(age: int) -> int:
    return 1000 if age <= 64 else 500


def band_pop(code: str, lo: int, hi: int | None) -> int:
    hi = 100 if hi is None else hi
    if code == "0000":
        return 2 * sum(riket_pop(a) for a in range(lo, hi + 1))
    return 2 * SIZE[code] * (hi - lo + 1)


def _band(cat_id: str) -> tuple[int, int | None]:
    cat = next(c for c in CATEGORIES if c.id == cat_id)
    return cat.age_min, cat.age_max


def national_count(cat_id: str) -> float:
    if cat_id == "totalt":
        return sum(r * band_pop("0000", lo, hi)
                   for r, (lo, hi) in zip(TOTAL_RATE, TOTAL_BANDS, strict=True))
    return NATIONAL_RATE[cat_id] * band_pop("0000", *_band(cat_id))


def local_count(code: str, cat_id: str) -> float:
    """Whole persons: round(national band rate × local band pop × factor)."""
    if cat_id == "totalt":
        e = sum(r * band_pop(code, lo, hi)
                for r, (lo, hi) in zip(TOTAL_RATE, TOTAL_BANDS, strict=True))
    else:
        e = NATIONAL_RATE[cat_id] * band_pop(code, *_band(cat_id))
    f = FACTOR[code]
    if (code, cat_id) == PLANTED[:2]:
        f *= PLANTED[2]
    return float(round(e * f))


def _lss_rows() -> list[dict]:
    rows = []
    ids = [c.id for c in CATEGORIES]
    for year in YEARS:
        for code in ["0000", *CODES]:
            for cat_id in ids:
                if (code, cat_id, year) == ("0003", "ledsagarservice", 2023):
                    continue
                count = national_count(cat_id) if code == "0000" else local_count(code, cat_id)
                status = "ok"
                if (code, cat_id, year) == ("0002", "korttidstillsyn", 2023):
                    status, count = "suppressed", None
                rows.append({"municipality": code, "year": year, "category": cat_id,
                             "count": count, "per_10k": None, "status": status})
            # auxiliary rows for the total split (national values are what E uses)
            if code == "0000":
                c022 = TOTAL_RATE[0] * band_pop(code, 0, 22)
                c064 = c022 + TOTAL_RATE[1] * band_pop(code, 23, 64)
                rows.append({"municipality": code, "year": year, "category": "totalt_0_22",
                             "count": c022, "per_10k": c022 / band_pop(code, 0, 22) * 1e4,
                             "status": "ok"})
                rows.append({"municipality": code, "year": year, "category": "totalt_0_64",
                             "count": c064, "per_10k": c064 / band_pop(code, 0, 64) * 1e4,
                             "status": "ok"})
    df = pl.DataFrame(rows, schema={"municipality": pl.String, "year": pl.Int32,
                                    "category": pl.String, "count": pl.Float64,
                                    "per_10k": pl.Float64, "status": pl.String})
    return df.with_columns(pl.lit(None, dtype=pl.String).alias("kpi_count"),
                           pl.lit("N0").alias("kpi_rate"), pl.lit("test").alias("snapshot"))


def _population() -> pl.DataFrame:
    ages = np.arange(101)
    frames = []
    for year in YEARS:
        for code in ["0000", *CODES]:
            for sex in ("K", "M"):
                pop = [riket_pop(a) if code == "0000" else SIZE[code] for a in ages]
                frames.append(pl.DataFrame({
                    "municipality": code, "year": year, "sex": sex, "age": ages, "population": pop,
                }))
    return pl.concat(frames).with_columns(pl.col("year").cast(pl.Int32),
                                          pl.col("age").cast(pl.Int16),
                                          pl.col("population").cast(pl.Int64))


def _peer_groups() -> pl.DataFrame:
    rows = []
    for member in ("0002", "0003", "0004"):
        rows.append(("G100", "Liknande kommuner LSS, Kommun 0001, 2023", "liknande_lss",
                     member, "0001"))
    for member in ("0008", "0009"):
        rows.append(("G101", "Liknande kommuner LSS, Kommun 0001, 2021", "liknande_lss",
                     member, "0001"))
    for member in ("0005", "0006"):
        rows.append(("G200", "Liknande kommuner LSS, Kommun 0002, 2023", "liknande_lss",
                     member, "0002"))
    for member in ("0001", "0005", "0007"):
        rows.append(("G300", "Kommungrupp: testgrupp", "kommungrupp", member, None))
    for member in CODES[:6]:
        rows.append(("G400", "Testlän", "lan", member, None))
    rows.append(("G500", "Tom grupp", "other", "9999", None))
    return pl.DataFrame(rows, schema={"group_id": pl.String, "title": pl.String,
                                      "kind": pl.String, "member": pl.String,
                                      "focus": pl.String}, orient="row")


def _kpi_values() -> pl.DataFrame:
    """The cost KPIs: Riket's cost per user and 0001's net cost deviation."""
    rows = []
    for year in YEARS:
        for kpi, value in COST_PER_USER.items():
            rows.append(("0000", year, kpi, "T", value, "ok", "test"))
        rows.append(("0001", year, "N28018", "T", 12.5, "ok", "test"))
    return pl.DataFrame(rows, schema=TABLES["kpi_values"].dtypes, orient="row")


def tables() -> dict[str, pl.DataFrame]:
    """The five processed tables of the fixture country."""
    return {
        "lss": _lss_rows(),
        "population": _population(),
        "municipalities": pl.DataFrame({
            "municipality": ["0000", *CODES], "name": ["Riket", *(NAMES[c] for c in CODES)],
            "type": ["L", *["K"] * len(CODES)]}),
        "peer_groups": _peer_groups(),
        "kpi_values": _kpi_values(),
    }


def write_processed(data_dir: Path, *, synthetic: bool = True,
                    replace: dict[str, pl.DataFrame] | None = None) -> Settings:
    """Write the tables as a processed set under ``data_dir/processed`` (through
    :func:`benchmark.store.write_tables`, so hashes and manifest are real); ``replace``
    swaps in changed tables. No raw snapshots: the manifest names none."""
    settings = Settings(data_dir=data_dir)
    write_tables({**tables(), **(replace or {})}, settings, synthetic=synthetic)
    return settings


def processed_state(settings: Settings) -> dict[str, tuple[bytes, int] | str]:
    """Every file under ``processed/`` (bytes, mtime) and where ``current`` points:
    equal before and after means nothing was replaced."""
    root = settings.processed_dir
    state: dict[str, tuple[bytes, int] | str] = {}
    for p in sorted(root.rglob("*")):
        rel = p.relative_to(root).as_posix()
        if p.is_symlink():
            state[rel] = "-> " + str(p.readlink())
        elif p.is_file() and p.name != ".lock":
            state[rel] = (p.read_bytes(), p.stat().st_mtime_ns)
    return state
