"""The profile table of one municipality: one row per KPI (and gender), each compared with
the statistics its kind allows (:mod:`benchmark.profile.kinds`).

=====================  ============================================================================
``count`` (catalogue)  the comparison engine (:func:`benchmark.comparison.screen`): rate per
                       10 000 with its interval, the age-standardised ratio's funnel flag
``count`` (other)      crude rate per 10 000 inhabitants, O/E against the Poisson funnel
``share`` + n          Wilson interval; flag outside the overdispersion-adjusted funnel limits
``share``/amount/index percentile and robust z in the national distribution; ``not_tested``
=====================  ============================================================================

Every row also has the municipality's percentile, robust z (median, MAD), the national
spread (min, P25, median, P75, max) and the peers' median, from the municipalities'
values of ``source_year``: the newest year up to ``year`` in which the KPI has values (a
KPI not published that year keeps its last year, and says so). A value that is suppressed
or missing gives ``flag = not_assessed``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import polars as pl

from benchmark.catalog import CATEGORY_BY_ID, RIKET
from benchmark.comparison import Inputs, Method, load_inputs, screen
from benchmark.comparison.peers import resolve_peer_group
from benchmark.config import Settings
from benchmark.errors import InputError
from benchmark.profile import kinds
from benchmark.profile.catalogue import GROUPS, ProfileKpi, classify, entry, profile_kpis

__all__ = ["PROFILE_COLUMNS", "profile", "resolve_kpis"]

_F, _S, _I = pl.Float64, pl.Utf8, pl.Int32
#: The unit of a count outside the catalogue (as the catalogue's volume rows).
RATE_UNIT = "per 10 000 inv"
#: The columns of the profile table, in order, and their types.
PROFILE_COLUMNS: dict[str, pl.DataType] = {
    "municipality": _S, "name": _S, "kpi": _S, "title": _S, "label": _S, "group": _S,
    "kind": _S, "unit": _S, "insats": _S, "gender": _S, "year": _I, "source_year": _I,
    "value": _F, "national_value": _F, "lower": _F, "upper": _F, "percentile": _F,
    "robust_z": _F, "peer_median": _F, "flag": _S, "status": _S, "comparison": _S,
    "denominator": _F, "limit_lower": _F, "limit_upper": _F, "ratio": _F,
    "national_min": _F, "national_p25": _F, "national_median": _F, "national_p75": _F,
    "national_max": _F, "n_municipalities": pl.Int64, "peer_n": pl.Int64,
    "peer_group_id": _S, "polarity": _S, "catalogued": pl.Boolean, "data_origin": _S,
}


def resolve_kpis(kpis: str | Sequence[str] | None, inputs: Inputs) -> list[ProfileKpi]:
    """The profile's KPIs: the catalogue (None), or the ids given, each from the catalogue
    or classified from its Kolada title in the processed data.

    Raises
    ------
    InputError
        Naming an id that is not in the catalogue and that Kolada does not describe in the
        processed data (one line, with how to get a KPI into the data).
    """
    from benchmark.profile.catalogue import parse_kpi_ids

    if kpis is None:
        return list(profile_kpis())
    titles = dict(inputs.kpis.select("kpi", "title").iter_rows())
    out = []
    for kpi in parse_kpi_ids(kpis):
        found = entry(kpi)
        if found is None and kpi not in titles:
            raise InputError(
                f"unknown KPI {kpi!r}: Kolada has no KPI with this id among the "
                f"{len(titles)} KPIs described in the processed data; KPIs outside the "
                "profile catalogue must be fetched first (benchmark.catalog.EXTRA_KPI_SETS), "
                "e.g. N28013 or U28533 are in it")
        out.append(found or classify(kpi, titles[kpi]))
    return out


def profile(municipality: str, year: int | None = None, *,
            kpis: str | Sequence[str] | None = None, peer_group: str | None = None,
            genders: Sequence[str] = ("T",), lang: str = "sv", method: Method | None = None,
            inputs: Inputs | None = None, settings: Settings | None = None) -> pl.DataFrame:
    """The LSS profile of ``municipality``: one row per KPI (× gender), see the module doc.

    Parameters
    ----------
    municipality
        A kommunkod in the data.
    year
        A year in the data; None: the newest (as ``compare``).
    kpis
        KPI ids (``"N28013,U28533"`` or a list); None: the catalogue's 40.
    peer_group
        As for :func:`benchmark.comparison.compare` (default: "Liknande kommuner LSS").
    genders
        ``T`` (total) and/or ``K``/``M`` for KPIs Kolada splits by gender.
    lang
        Language of the ``label`` column.
    method
        Confidence levels (``confidence`` for intervals, ``strong_confidence`` for flags).
    inputs, settings
        Loaded tables, or where to load them from.

    Returns
    -------
    polars.DataFrame
        :data:`PROFILE_COLUMNS`, catalogue order (group by group).

    Raises
    ------
    InputError
        For an unknown municipality, year, KPI id, gender or peer group.

    Examples
    --------
    >>> table = profile("0180", 2024, settings=demo)  # doctest: +SKIP
    >>> row = table.filter(pl.col("kpi") == "N28015").row(0, named=True)  # doctest: +SKIP
    >>> row["flag"], round(row["percentile"], 1)  # doctest: +SKIP
    ('not_tested', 99.8)
    """
    inputs = inputs or load_inputs(settings)
    method = method or Method()
    code = inputs.check_municipality(municipality)
    year = inputs.resolve_year(year)
    bad = [g for g in genders if g not in ("T", "K", "M")]
    if bad or not genders:
        raise InputError(f"invalid gender {bad[0] if bad else ''!r}; valid: T (total), K "
                         "(women), M (men)")
    wanted = resolve_kpis(kpis, inputs)
    group = resolve_peer_group(inputs, code, year, peer_group)
    peers = list(group.members) if group is not None else None
    values = _values(inputs, [k.id for k in wanted] + [k.denominator for k in wanted
                                                         if k.denominator], year)
    volume = None
    if any(k.kind == "count" and k.insats in CATEGORY_BY_ID for k in wanted):
        volume = screen(year, inputs=inputs, method=method)
    name = inputs.municipalities.filter(pl.col("municipality") == code)["name"]
    base = {"municipality": code, "name": name[0] if name.len() else code, "year": year,
            "peer_group_id": group.group_id if group else None, "data_origin": inputs.origin}
    rows = []
    for kpi in sorted(wanted, key=lambda k: GROUPS.index(k.group)):
        for gender in genders:
            if gender != "T" and not _has_gender(values, kpi.id, gender):
                continue
            row = {**base, **_describe(kpi, gender, lang)}
            row.update(_compare(kpi, gender, code, year, values, volume, inputs, peers,
                                method))
            rows.append(row)
    return pl.DataFrame([{c: r.get(c) for c in PROFILE_COLUMNS} for r in rows],
                        schema=PROFILE_COLUMNS)


def _values(inputs: Inputs, kpis: list[str], year: int) -> pl.DataFrame:
    return inputs.kpi_values.filter(pl.col("kpi").is_in(kpis) & (pl.col("year") <= year))


def _has_gender(values: pl.DataFrame, kpi: str, gender: str) -> bool:
    return not values.filter((pl.col("kpi") == kpi) & (pl.col("gender") == gender)).is_empty()


def _describe(kpi: ProfileKpi, gender: str, lang: str) -> dict[str, Any]:
    return {"kpi": kpi.id, "title": kpi.title, "label": kpi.label(lang), "group": kpi.group,
            "kind": kpi.kind, "unit": kpi.unit, "insats": kpi.insats, "gender": gender,
            "polarity": kpi.polarity, "catalogued": kpi.catalogued}


def _compare(kpi: ProfileKpi, gender: str, code: str, year: int, values: pl.DataFrame,
             volume: pl.DataFrame | None, inputs: Inputs, peers: list[str] | None,
             method: Method) -> dict[str, Any]:
    if kpi.kind == "count" and kpi.insats in CATEGORY_BY_ID and volume is not None:
        return _volume(kpi, code, volume, peers)
    own = values.filter((pl.col("kpi") == kpi.id) & (pl.col("gender") == gender))
    published = own.filter((pl.col("status") == "ok") & (pl.col("municipality") != RIKET))
    if published.is_empty():
        status = "suppressed" if (own["status"] == "suppressed").any() else "missing"
        return {"status": status, "flag": "not_assessed", "comparison": kinds.POSITION}
    source_year = int(published["year"].max())  # type: ignore[arg-type]
    this = own.filter(pl.col("year") == source_year)
    mine = this.filter(pl.col("municipality") == code)
    status = mine["status"][0] if mine.height else "missing"
    riket = this.filter((pl.col("municipality") == RIKET) & (pl.col("status") == "ok"))
    national = float(riket["value"][0]) if riket.height else math.nan
    dist = this.filter((pl.col("municipality") != RIKET) & (pl.col("status") == "ok"))
    out = {"source_year": source_year, "status": status, "national_value": national,
           **kinds.position(dist, code, peers), "flag": "not_tested",
           "comparison": kinds.POSITION}
    if status != "ok":
        return {**out, "value": None, "percentile": None, "robust_z": None,
                "flag": "not_assessed"}
    if kpi.kind == "share" and kpi.denominator and gender == "T":
        den = (values.filter((pl.col("kpi") == kpi.denominator) & (pl.col("gender") == "T")
                             & (pl.col("year") == source_year) & (pl.col("status") == "ok"))
               .select("municipality", pl.col("value").alias("n")))
        shares = dist.join(den, on="municipality", how="inner")
        out.update(kinds.share(shares, code, national, method.confidence,
                               method.strong_confidence), comparison=kinds.SHARE_FUNNEL)
    elif kpi.kind == "count":
        # shown and positioned as a rate per 10 000 inhabitants (of the gender), the unit of
        # its interval: the position of a raw count would rank municipalities by size
        people = inputs.population.filter(pl.col("year") == source_year)
        if gender != "T":
            people = people.filter(pl.col("sex") == gender)
        pop = people.group_by("municipality").agg(pl.col("population").sum().alias("n"))
        riket_pop = pop.filter(pl.col("municipality") == RIKET)["n"]
        rate = national / float(riket_pop[0]) if riket_pop.len() else math.nan
        counts = dist.join(pop, on="municipality", how="inner")
        out.update(kinds.position(counts.with_columns(pl.col("value") / pl.col("n") * 1e4),
                                  code, peers),
                   national_value=rate * 1e4, unit=RATE_UNIT)
        if gender == "T":
            out.update(kinds.rate(counts, code, rate, method.confidence,
                                  method.strong_confidence), comparison=kinds.RATE_FUNNEL)
    return out


def _volume(kpi: ProfileKpi, code: str, volume: pl.DataFrame, peers: list[str] | None
            ) -> dict[str, Any]:
    """A catalogue count from the comparison table: rate per 10 000, its interval, the
    standardised ratio's flag; positions over the municipalities' rates."""
    rows = volume.filter(pl.col("category") == kpi.insats).select(
        "municipality", pl.col("rate_per_10k").alias("value"), "flag", "status",
        "rate_lower", "rate_upper", "ratio", "national_rate_per_10k")
    dist = rows.filter(pl.col("status") == "ok")
    out = {**kinds.position(dist, code, peers), "comparison": kinds.STANDARDISED}
    mine = rows.filter(pl.col("municipality") == code).row(0, named=True)
    out.update(source_year=volume["year"][0], status=mine["status"], flag=mine["flag"],
               national_value=mine["national_rate_per_10k"], lower=mine["rate_lower"],
               upper=mine["rate_upper"], ratio=mine["ratio"])
    if mine["status"] != "ok":
        out.update(value=None, percentile=None, robust_z=None, flag="not_assessed")
    return out
