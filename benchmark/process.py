"""``make process``: parse the raw snapshots into the tidy, typed processed tables.

Every snapshot under ``data/raw`` is checked (sha256 against its sidecar; the ones parsed
also for complete JSON of the expected shape) before anything is written; a corrupt one,
or a body whose sidecar is missing, raises :class:`DataError` naming the file and nothing
in ``data/processed`` is replaced (the tables form one set, written into a fresh folder and
made current with one rename: :mod:`benchmark.tableset`).

A half-fetched store is refused, not processed: ``process`` holds the raw store's lock
(so it never reads while a fetch writes), and when a recorded fetch plan did not finish
(:func:`benchmark.fetch.plan_gaps`) or the population lacks a municipality-year that has
LSS data, it raises :class:`DataError` listing what is missing (exit code 1) and keeps
the current tables. ``allow_partial=True`` (``--allow-partial``) processes what there is
and marks the manifest ``complete: false`` with the list, so the gaps stay visible.
Where two snapshots hold the same
datum (e.g. a refetch), the newest one wins. Every row keeps the snapshot id(s) it came
from.

Tables (their schemas: :mod:`benchmark.tables`, checked before anything is written):
``lss``, ``population``, ``municipalities``, ``peer_groups``, ``kpi_values`` and
``manifest.json``. ``lss`` has one row per municipality in the register (and Riket) × year ×
category for every year Kolada returned LSS values for, so a municipality without a
published value gets an explicit ``missing`` row, never a 0. ``kpi_values`` holds every
other fetched KPI value (every gender; the sets in
:data:`benchmark.catalog.EXTRA_KPI_SETS`, e.g. the costs) for the register and Riket.

Kolada value entries marked ``isdeleted: true`` are never used: per key the newest
snapshot decides, a live entry beats a deleted one in the same snapshot, and a deleted
newest entry leaves the key without a value (``missing``).

Statuses: Kolada ``""`` with a value → ``ok``; ``Privacy`` → ``suppressed``; ``Missing``,
``Not applicable``, no value or no row at all → ``missing``.

Rate-only rows (``totalt``, its split ``totalt_0_22``/``_0_64``/``_0_22_k``/``_0_22_m``)
get counts derived from their rates, and published counts are checked against
their rates: :mod:`benchmark.lss_table`. ``population`` keeps SCB's ``status`` symbol
and the ``snapshot`` beside the contract columns.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from benchmark.catalog import RIKET, lss_kpis
from benchmark.config import Settings, get_settings
from benchmark.errors import DataError
from benchmark.lss_table import build_lss, consistency_check, kolada_status_expr
from benchmark.sources import kolada, scb
from benchmark.sources.http import InvalidBody
from benchmark.store import (
    Snapshot,
    iter_snapshots,
    load_snapshot,
    orphan_bodies,
    raw_read_lock,
    verify_snapshot,
    write_tables,
)
from benchmark.tables import TABLES
from benchmark.tableset import open_set

STATUSES = ("ok", "suppressed", "missing")


@dataclass
class ProcessSummary:
    """What one process run produced; ``render()`` gives a one-screen summary."""

    tables: dict[str, int] = field(default_factory=dict)
    years: list[int] = field(default_factory=list)
    municipalities: int = 0
    status_counts: dict[str, int] = field(default_factory=dict)
    inconsistent: pl.DataFrame | None = None
    warnings: list[str] = field(default_factory=list)
    snapshots: int = 0
    synthetic: bool = False
    missing: list[str] = field(default_factory=list)  # gaps processed over (allow_partial)
    deleted: int = 0  # Kolada entries marked isdeleted that were the newest for their key

    def render(self) -> str:
        span = f"{self.years[0]}–{self.years[-1]}" if self.years else "no years"
        lines = [f"Processed {self.snapshots} raw snapshots: {self.municipalities} "
                 f"municipalities + Riket, {span}"
                 + (" — SYNTHETIC demo data" if self.synthetic else "")]
        for name, rows in self.tables.items():
            lines.append(f"  {name}.parquet: {rows:,} rows".replace(",", " "))
        if self.status_counts:
            lines.append("  lss status: " + ", ".join(
                f"{k} {v}" for k, v in self.status_counts.items()))
        if self.deleted:
            lines.append(f"  Kolada entries marked deleted (not used): {self.deleted}")
        n_bad = 0 if self.inconsistent is None else self.inconsistent.height
        lines.append(f"  consistency (count vs per_10k × population): {n_bad} "
                     "municipality-year-category rows disagree beyond rounding")
        if n_bad and self.inconsistent is not None:
            for r in self.inconsistent.head(5).iter_rows(named=True):
                lines.append(f"    {r['municipality']} {r['year']} {r['category']}: count "
                             f"{r['count']:g}, implied {r['implied']:.1f}")
        lines += [f"  warning: {w}" for w in self.warnings]
        if self.missing:
            lines.append(f"  PARTIAL (--allow-partial): {len(self.missing)} gap(s) processed "
                         "over, marked in the manifest (complete: false):")
            lines += [f"    - {m}" for m in self.missing[:20]]
            if len(self.missing) > 20:
                lines.append(f"    … and {len(self.missing) - 20} more (manifest.json)")
        return "\n".join(lines)


def _load(snap: Snapshot, check: Callable[[Any], Any]) -> Any:
    """The snapshot's JSON after ``check`` (a validator: returns None), or what ``check``
    returns (a checking parser); a shape error names the file."""
    data = load_snapshot(snap)
    try:
        out = check(data)
    except (InvalidBody, KeyError, TypeError, ValueError) as exc:
        raise DataError(f"raw snapshot {snap.path} has the wrong shape for "
                        f"{snap.meta.get('kind')}: {exc}") from None
    return data if out is None else out


def _newest_listing(snaps: list[Snapshot]) -> list[Snapshot]:
    """All pages of the newest complete listing (one plan key) among ``snaps``."""
    by_key: dict[str, list[Snapshot]] = defaultdict(list)
    for s in snaps:
        by_key[s.meta.get("plan_key", s.id)].append(s)
    key = max(by_key, key=lambda k: max(s.meta.get("retrieved_at", "") for s in by_key[k]))
    return sorted(by_key[key], key=lambda s: s.meta.get("page", 1))


def process(*, settings: Settings | None = None, allow_partial: bool = False
            ) -> ProcessSummary:
    """Parse the newest raw snapshots into a new processed set (see the module docstring).

    Parameters
    ----------
    settings
        The data folder (default :func:`benchmark.config.get_settings`).
    allow_partial
        Process what there is when a fetch did not finish or the population has gaps, and
        mark the set ``complete: false`` with the list (default: refuse).

    Returns
    -------
    ProcessSummary
        Rows per table, years, statuses, consistency findings and warnings.

    Raises
    ------
    DataError
        For a damaged or incomplete raw store (naming the file or listing the gaps); the
        current processed set is then unchanged.

    Examples
    --------
    >>> print(process(settings=settings).render())  # doctest: +SKIP
    Processed 40 raw snapshots: 290 municipalities + Riket, 2015–2024 — SYNTHETIC demo data
    """
    settings = settings or get_settings()
    if not settings.raw_dir.is_dir():
        raise DataError(f"no raw snapshots under {settings.raw_dir}; run `make data` first "
                        "(or `make demo` for synthetic demo data)")
    with raw_read_lock(settings):
        return _process(settings, allow_partial)


def _refuse(what: str, gaps: list[str]) -> DataError:
    listing = "\n  - ".join(gaps[:20])
    more = f"\n  … and {len(gaps) - 20} more" if len(gaps) > 20 else ""
    return DataError(
        f"{what}; the processed tables were not changed. Missing ({len(gaps)}):\n  - "
        f"{listing}{more}\nRun `make data` for the years concerned (snapshots on disk are "
        "reused), or `python -m benchmark process --allow-partial` to process what there is "
        "(the manifest then says complete: false)")


def _process(settings: Settings, allow_partial: bool) -> ProcessSummary:
    from benchmark.fetch import plan_gaps

    orphans = orphan_bodies(settings)
    if orphans:
        raise DataError(f"raw snapshot {orphans[0]} has no sidecar "
                        f"{orphans[0].name.removesuffix('.json')}.meta.json (an interrupted "
                        f"fetch or a deleted file; {len(orphans)} such file(s)); run `make data` "
                        "to refetch it (fetch removes such partial files)")
    snaps = list(iter_snapshots(settings))
    for snap in snaps:  # every file, also those not parsed below (kpi, config, old pages)
        verify_snapshot(snap)
    gaps = plan_gaps(settings)
    if gaps and not allow_partial:
        raise _refuse(f"the raw store in {settings.raw_dir} is incomplete", gaps)
    if not snaps:
        raise DataError(f"no raw snapshots under {settings.raw_dir}; run `make data` first "
                        "(or `make demo` for synthetic demo data)")
    by_kind: dict[str, list[Snapshot]] = defaultdict(list)
    for s in snaps:
        by_kind[str(s.meta.get("kind"))].append(s)
    for need in ("kolada-municipality", "kolada-data", "scb-population"):
        if not by_kind.get(need):
            raise DataError(f"no {need} snapshots under {settings.raw_dir}; run `make data`")
    summary = ProcessSummary()
    used: dict[str, list[str]] = {}

    # Register and groups (newest listing of each).
    muni_snaps = _newest_listing(by_kind["kolada-municipality"])
    register = kolada.parse_municipalities(
        i for s in muni_snaps for i in _load(s, kolada.validator("kolada-municipality"))["values"])
    municipalities = (register.filter((pl.col("type") == "K") | (pl.col("id") == RIKET))
                      .rename({"id": "municipality", "title": "name"})
                      .unique("municipality", keep="first").sort("municipality"))
    used["municipalities"] = [s.id for s in muni_snaps]
    if by_kind.get("kolada-groups"):
        group_snaps = _newest_listing(by_kind["kolada-groups"])
        peer_groups, unresolved = kolada.parse_groups(
            (i for s in group_snaps for i in _load(s, kolada.validator("kolada-groups"))["values"]),
            register)
        used["peer_groups"] = [s.id for s in group_snaps]
        if unresolved:
            summary.warnings.append(f"{len(unresolved)} 'Liknande kommuner LSS' group(s) name "
                                    f"a municipality not in the register: {unresolved[:3]}")
    else:
        peer_groups, _ = kolada.parse_groups([], register)
        summary.warnings.append("no municipality groups snapshot: peer_groups is empty")
        used["peer_groups"] = []

    # Kolada values (newest snapshot wins per kpi × municipality × year × gender; within a
    # snapshot a live entry wins over one marked deleted; a deleted winner is dropped, so a
    # deleted entry is never used and never resurrects an older value).
    frames = []
    for s in by_kind["kolada-data"]:
        frames.append(_load(s, lambda data, s=s: kolada.parse_values(
            [(data, s.id)], keep_deleted=True)).with_columns(
            pl.lit(s.meta.get("retrieved_at", ""), dtype=pl.Utf8).alias("_at")))
    values = (pl.concat(frames).with_columns((~pl.col("isdeleted")).alias("_live"))
              .sort("_at", "_live", maintain_order=True)
              .unique(["kpi", "municipality", "year", "gender"], keep="last",
                      maintain_order=True))
    summary.deleted = values.filter(pl.col("isdeleted")).height
    values = values.filter(~pl.col("isdeleted")).drop("_at", "_live", "isdeleted")
    bad = values.filter(pl.col("municipality").str.len_chars() != 4)
    if bad.height:
        r = bad.row(0, named=True)
        raise DataError(f"raw snapshot {r['snapshot']} has municipality code "
                        f"{r['municipality']!r}, not 4 characters")

    # Population (newest wins per municipality × year × sex × age).
    frames = []
    for s in by_kind["scb-population"]:
        data = _load(s, scb.validate_jsonstat)
        try:
            frame = scb.parse_population(data, s.id)
        except (InvalidBody, pl.exceptions.PolarsError) as exc:
            raise DataError(f"raw snapshot {s.path} is not a population table: {exc}") from None
        if frame.height == 0:
            codes = scb.table_codes(data)
            ages = ", ".join(codes.get("Alder", [])[:4])
            tids = codes.get("Tid", [])
            when = f"{tids[0]}–{tids[-1]}" if len(tids) > 1 else (tids or ["none"])[0]
            summary.warnings.append(
                f"population snapshot {s.id} holds no cell of a single year of age and sex "
                f"(Alder codes {ages or 'none'}, …) on 31 December (Tid {when}; a year "
                "counts as YYYY or YYYYM12); it adds no population rows")
        frames.append(frame.with_columns(
            pl.lit(s.meta.get("retrieved_at", ""), dtype=pl.Utf8).alias("_at")))
    population = _newest_per_key(pl.concat(frames), ["municipality", "year", "sex", "age"])

    lss, lss_snaps = build_lss(values, population, municipalities)
    kpi_values = _build_kpi_values(values, municipalities)
    used["lss"] = lss_snaps
    used["kpi_values"] = sorted(set(kpi_values["snapshot"].to_list()))
    used["population"] = sorted(set(population["snapshot"].to_list()))
    kpis = kolada.parse_kpis((_load(s, kolada.validator("kolada-kpi")), s.id,
                              s.meta.get("retrieved_at", "")) for s in by_kind["kolada-kpi"])
    used["kpis"] = sorted(set(kpis["snapshot"].to_list()))

    tables = {"lss": lss, "population": population, "municipalities": municipalities,
              "peer_groups": peer_groups, "kpi_values": kpi_values, "kpis": kpis}
    tables = {name: TABLES[name].validate(df) for name, df in tables.items()}
    _validate(lss, municipalities, summary)
    holes = population_gaps(lss, population, municipalities)
    if holes and not allow_partial:
        raise _refuse("the population (SCB) does not cover every municipality and year with "
                      "LSS data", holes)
    summary.missing = gaps + holes
    summary.inconsistent = consistency_check(lss, population)
    summary.years = sorted(set(lss["year"].to_list()))
    summary.municipalities = municipalities.filter(pl.col("municipality") != RIKET).height
    summary.status_counts = {k: lss.filter(pl.col("status") == k).height for k in STATUSES}
    all_used = {s for ids in used.values() for s in ids}
    summary.snapshots = len(all_used)
    summary.synthetic = any(s.synthetic for s in snaps if s.id in all_used)
    if summary.missing:
        _warn_if_replacing_complete(settings, summary)
    write_tables(tables, settings, snapshots=used, synthetic=summary.synthetic,
                 extra={"years": summary.years, "complete": not summary.missing,
                        "missing": summary.missing})
    summary.tables = {k: v.height for k, v in tables.items()}
    return summary


def _warn_if_replacing_complete(settings: Settings, summary: ProcessSummary) -> None:
    try:
        before = open_set(settings).manifest
    except DataError:
        return
    if before.get("complete", True):
        summary.warnings.append(f"a partial set replaces the complete set {before.get('id')} "
                                f"(kept in {settings.processed_dir / 'sets'} until the next "
                                "process run)")


def _newest_per_key(frame: pl.DataFrame, keys: list[str]) -> pl.DataFrame:
    """Per key the row with the newest ``_at`` (the later row on a tie), sorted by the keys
    and without ``_at``: one stable sort, then the last row of each run of equal keys."""
    frame = frame.sort(*keys, "_at", maintain_order=True)
    last = pl.int_range(pl.len()) == pl.len() - 1
    for k in keys:
        last = last | pl.col(k).ne_missing(pl.col(k).shift(-1))
    return frame.filter(last).drop("_at")


def population_gaps(lss: pl.DataFrame, population: pl.DataFrame,
                    municipalities: pl.DataFrame) -> list[str]:
    """Municipality-years with LSS data but no population at all, one line per year."""
    years = sorted(set(lss["year"].to_list()))
    have = set(population.select("municipality", "year").unique().iter_rows())
    lacking: dict[int, list[str]] = defaultdict(list)
    for m in municipalities["municipality"].to_list():
        for y in years:
            if (m, y) not in have:
                lacking[y].append(m)
    return [f"SCB population {y} for {len(ms)} municipality(ies): "
            + ", ".join(ms[:8]) + (" …" if len(ms) > 8 else "")
            for y, ms in sorted(lacking.items())]


def _build_kpi_values(values: pl.DataFrame, municipalities: pl.DataFrame) -> pl.DataFrame:
    """Every fetched value of a KPI that is not an LSS person KPI, for the register and
    Riket, every gender; the value only where the status is ok."""
    known = municipalities["municipality"].to_list()
    c = values.filter(~pl.col("kpi").is_in(lss_kpis()) & pl.col("municipality").is_in(known))
    return c.with_columns(kolada_status_expr("value", "status").alias("status")).select(
        "municipality", "year", "kpi", "gender",
        pl.when(pl.col("status") == "ok").then(pl.col("value")).alias("value"),
        "status", "snapshot",
    ).sort("municipality", "year", "kpi", "gender")


def _validate(lss: pl.DataFrame, municipalities: pl.DataFrame,
              summary: ProcessSummary) -> None:
    """What the schemas (:mod:`benchmark.tables`) cannot say: problems in data are
    DataError, gaps in coverage are warnings in the summary."""
    if lss.filter((pl.col("status") != "ok") & pl.col("count").is_not_null()).height:
        raise DataError("lss: a suppressed or missing row has a count")
    if not set(lss["status"].unique().to_list()) <= set(STATUSES):
        raise DataError("lss: unknown status")
    if RIKET not in municipalities["municipality"].to_list():
        summary.warnings.append("Riket (0000) is not in the municipality register")
    all_missing = (lss.group_by("municipality", "year")
                   .agg((pl.col("status") == "ok").any().alias("any_ok"))
                   .filter(~pl.col("any_ok")))
    if all_missing.height:
        summary.warnings.append(f"{all_missing.height} municipality-year(s) have no published "
                                "LSS value at all")
