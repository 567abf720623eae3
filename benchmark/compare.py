"""One municipality against Riket and a peer group, per LSS category (contracts §C).

:func:`compare` picks the municipality's rows out of the screening table
(:func:`benchmark.screen.build_table`: overdispersion, shrinkage and flags are estimated
across all municipalities per category and year) and adds the peer comparison:

* the peer rate is pooled, Σ persons / Σ inhabitants over the group's members with data
  (the municipality itself excluded), per 10 000 inhabitants;
* ``peer_expected`` = Σ_b (peer persons_b / peer population_b) · local population_b over the
  same reference age bands as the national E (the catalogue's, or ``age_bands``; the total
  over 0–22 / 23–64 / 65+ where the members publish the split, else all ages), and
  ``peer_ratio`` = O / peer_expected with exact (O < 10) or Byar limits: the municipality
  against its peers;
* ``peer_level`` = peer_expected / expected: where the peer group itself stands against
  Riket, standardised to the municipality's own age structure. This is what charts with
  Riket = 1 mark for the peer group (drawing ``peer_ratio`` there would be misread as the
  peers' level).

Peer groups (``peer_group``): ``None`` → the "Liknande kommuner LSS" group made for the
municipality (the group whose ``focus`` is the municipality; the one for the requested
year when there are several, else the latest). Caution: RKA matches these groups on LSS
*cost* (referenskostnad) and size, so comparing LSS *volume* with them is partly circular:
municipalities that grant much LSS have high costs and end up among each other. Use
``"kommungrupp"`` (SKR municipality group) or ``"lan"`` (county) for a structural
comparison, a Kolada group id (``"G39684"``), or a comma-separated list of kommunkoder for
a custom group.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

import numpy as np
import polars as pl

from benchmark import stats
from benchmark.catalog import RIKET, normalise_municipality_code
from benchmark.config import Settings
from benchmark.errors import InputError
from benchmark.screen import (
    Data,
    ReferenceBands,
    _pivot_crude,
    band_population,
    build_table,
    expected_from_reference,
    load_data,
    reference_bands,
    reference_counts,
    resolve_year,
)

__all__ = ["PeerGroup", "compare", "history", "resolve_peer_group"]

_KIND_ALIASES = {"kommungrupp": "kommungrupp", "lan": "lan", "län": "lan"}
_VALID = ("valid: liknande_lss (the default Liknande kommuner LSS group), kommungrupp, lan, "
          "a Kolada group id such as G39684, or a comma-separated list of kommunkoder")


class PeerGroup:
    """A resolved peer group: id, title and member codes (the municipality excluded)."""

    def __init__(self, group_id: str, title: str, members: Sequence[str]) -> None:
        self.group_id = group_id
        self.title = title
        self.members = tuple(sorted(set(members)))

    def __repr__(self) -> str:
        return f"PeerGroup({self.group_id!r}, {self.title!r}, {len(self.members)} members)"


def resolve_peer_group(data: Data, municipality: str, year: int,
                       peer_group: str | None) -> PeerGroup | None:
    """The peer group for ``municipality``; ``None`` when the default group does not exist.

    Raises :class:`InputError` when an explicitly requested group cannot be found.
    """
    groups = data.peer_groups
    register = data.register()
    if peer_group is None or peer_group.strip().lower() in ("", "liknande", "liknande_lss"):
        cands = groups.filter((pl.col("kind") == "liknande_lss")
                              & (pl.col("focus") == municipality))
        if cands.is_empty():
            if peer_group is None or not peer_group.strip():
                return None
            raise InputError(f"no 'Liknande kommuner LSS' group is made for {municipality}; "
                             "valid instead: kommungrupp, lan, a Kolada group id or a "
                             "comma-separated list of kommunkoder")
        titles = cands.select("group_id", "title").unique().with_columns(
            pl.col("title").fill_null("").str.extract_all(r"(?:19|20)\d{2}").list.last()
            .cast(pl.Int64).fill_null(-1).alias("ty"))
        exact = titles.filter(pl.col("ty") == year)
        pick = (exact if not exact.is_empty() else titles).sort("ty", "group_id").row(
            -1, named=True)
        return _group(groups, pick["group_id"], municipality)
    text = peer_group.strip()
    kind = _KIND_ALIASES.get(text.lower())
    if kind is not None:
        ids = (groups.filter((pl.col("kind") == kind) & (pl.col("member") == municipality))
               ["group_id"].unique().sort().to_list())
        if not ids:
            raise InputError(f"no {kind} group containing {municipality} in the peer groups; "
                             + _VALID)
        return _group(groups, ids[0], municipality)
    if "," in text or re.fullmatch(r"\d{4}", text):
        codes = [normalise_municipality_code(c.strip(), register)
                 for c in text.split(",") if c.strip()]
        members = [c for c in codes if c != municipality]
        if not members:
            raise InputError(f"a custom peer group needs at least one other municipality "
                             f"than {municipality} (got {text!r}), e.g. 0114,0115; " + _VALID)
        return PeerGroup("custom", f"Egen jämförelsegrupp ({len(members)} kommuner)", members)
    if groups.filter(pl.col("group_id") == text).is_empty():
        raise InputError(f"peer group {text!r} not found; " + _VALID)
    return _group(groups, text, municipality)


def _group(groups: pl.DataFrame, group_id: str, municipality: str) -> PeerGroup:
    rows = groups.filter(pl.col("group_id") == group_id)
    members = [m for m in rows["member"].drop_nulls().to_list() if m != municipality]
    title = rows["title"].drop_nulls()
    return PeerGroup(group_id, title[0] if len(title) else group_id, members)


def _peer_columns(data: Data, table: pl.DataFrame, municipality: str,
                  group: PeerGroup, confidence: float, reference: ReferenceBands
                  ) -> pl.DataFrame:
    """Add peer_* columns to ``table`` (rows of one municipality, one or more years),
    pooling the peers over the same reference bands as the national E."""
    years = sorted(table["year"].unique().to_list())
    band_pop = band_population(data.population, years, reference.bands)
    lss_ok = (data.lss.filter(pl.col("year").is_in(years) & (pl.col("status") == "ok")
                              & pl.col("count").is_not_null())
              .select("municipality", "year", "category", "count"))
    members = pl.DataFrame({"municipality": list(group.members)}, schema={
        "municipality": pl.String}).join(
        pl.DataFrame({"year": years}, schema={"year": pl.Int32}), how="cross"
    ).with_columns(pl.lit("peer").alias("ref"))
    ref = reference_counts(lss_ok, band_pop, members, reference.components)
    if ref.is_empty():
        raise InputError(f"peer group {group.group_id} ({group.title}) has no LSS data for "
                         f"{', '.join(map(str, years))}; choose another peer group ({_VALID})")
    pairs = pl.DataFrame({"ref": "peer", "municipality": municipality, "year": years},
                         schema={"ref": pl.String, "municipality": pl.String,
                                 "year": pl.Int32})
    exp = _pivot_crude(expected_from_reference(ref, band_pop, pairs, reference.components))
    crude = (ref.filter(pl.col("key").str.ends_with("__crude"))
             .with_columns(pl.col("key").str.strip_suffix("__crude").alias("category"),
                           (pl.col("ref_count") / pl.col("ref_pop") * 1e4)
                           .alias("peer_rate_per_10k"))
             .select("year", "category", "peer_rate_per_10k"))
    peer = (exp.select("year", "category",
                       pl.coalesce(
                           pl.when(pl.col("category") == "totalt")
                           .then(pl.coalesce("expected", "expected_crude"))
                           .otherwise(pl.col("expected"))).alias("peer_expected"),
                       pl.col("n_members_crude").cast(pl.Int64).alias("peer_members"))
            .join(crude, on=["year", "category"], how="full", coalesce=True))
    out = table.drop("peer_rate_per_10k", "peer_expected", "peer_members").join(
        peer, on=["year", "category"], how="left")
    o = out["observed"].to_numpy().astype(float)
    e = out["peer_expected"].to_numpy().astype(float)
    ok = ~np.isnan(o) & ~np.isnan(e) & (e > 0)
    r = stats.standardised_ratio(np.where(ok, o, np.nan), np.where(ok, e, 1.0), confidence)

    def col(values: np.ndarray, name: str) -> pl.Series:
        return pl.Series(name, np.where(ok, values, np.nan), dtype=pl.Float64,
                         nan_to_null=True)

    return out.with_columns(
        pl.lit(group.group_id).alias("peer_group_id"),
        pl.lit(group.title).alias("peer_group_title"),
        col(r.estimate, "peer_ratio"), col(r.lower, "peer_ratio_lower"),
        col(r.upper, "peer_ratio_upper"),
        pl.when(pl.col("expected") > 0).then(pl.col("peer_expected") / pl.col("expected"))
        .alias("peer_level"),
    ).select(table.columns)


def _validate(data: Data, municipality: object) -> str:
    if normalise_municipality_code(municipality) == RIKET:
        raise InputError("0000 is Riket (the whole country), not a municipality; Riket is the "
                         "reference in every comparison (national_rate_per_10k); give a "
                         "kommunkod such as 0180")
    return normalise_municipality_code(municipality, data.register())


def compare(municipality: str, year: int | None = None, *, peer_group: str | None = None,
            settings: Settings | None = None, confidence: float = 0.95,
            strong_confidence: float = 0.998,
            age_bands: Mapping[str, tuple[int, int | None]] | None = None) -> pl.DataFrame:
    """The comparison table for one municipality and year: 10 rows, one per category.

    Columns as in contracts §C (see :mod:`benchmark.screen` for the method). Personal
    assistance under LSS and under SFB are always both present; suppressed or missing
    categories are kept with ``flag = "not_assessed"`` and a ``flag_reason``.
    ``age_bands`` overrides catalogue reference bands (id → (lo, hi), hi None = open; not
    ``totalt``) for both the national and the peer expectation.
    ``year=None`` takes the newest year with data (:func:`benchmark.screen.latest_year`).
    Raises :class:`InputError` for an unknown municipality, a year without data (listing
    the available years), a peer group that cannot be found or has no data, or an invalid
    age band.
    """
    data, code, year = _prepare(municipality, year, settings, confidence, strong_confidence,
                                age_bands)
    return _table(data, code, [year], year, peer_group, confidence, strong_confidence,
                  age_bands)


def history(municipality: str, *, last_year: int | None = None, n_years: int = 10,
            peer_group: str | None = None, settings: Settings | None = None,
            confidence: float = 0.95, strong_confidence: float = 0.998,
            age_bands: Mapping[str, tuple[int, int | None]] | None = None) -> pl.DataFrame:
    """The comparison table for each available year in (last_year − n_years, last_year].

    One pass over all years (for trend plots); the peer group is the one resolved for
    ``last_year`` and kept for every year so the series stays comparable (None: the
    newest year with data). ``age_bands`` as in :func:`compare`.
    """
    if not isinstance(n_years, int) or n_years < 1:
        raise InputError(f"n_years must be a positive integer, got {n_years!r}")
    data, code, last_year = _prepare(municipality, last_year, settings, confidence,
                                     strong_confidence, age_bands)
    years = [y for y in data.years() if last_year - n_years < y <= last_year]
    return _table(data, code, years, last_year, peer_group, confidence, strong_confidence,
                  age_bands)


def _prepare(municipality: object, year: object, settings: Settings | None,
             confidence: float, strong_confidence: float,
             age_bands: Mapping[str, tuple[int, int | None]] | None
             ) -> tuple[Data, str, int]:
    """Validate the arguments (before reading data where possible), load the tables and
    resolve the year (None: the newest with data)."""
    stats.check_confidence(confidence, "confidence")
    stats.check_confidence(strong_confidence, "strong_confidence")
    reference_bands(age_bands)
    data = load_data(settings)
    code = _validate(data, municipality)
    return data, code, resolve_year(data, year)  # type: ignore[arg-type]


def _table(data: Data, code: str, years: list[int], peer_year: int, peer_group: str | None,
           confidence: float, strong_confidence: float,
           age_bands: Mapping[str, tuple[int, int | None]] | None) -> pl.DataFrame:
    """Rows of ``code`` for ``years``, with the peer group resolved for ``peer_year``."""
    table = build_table(data, years, confidence=confidence,
                        strong_confidence=strong_confidence, municipalities=[code],
                        age_bands=age_bands)
    group = resolve_peer_group(data, code, peer_year, peer_group)
    if group is not None:
        table = _peer_columns(data, table, code, group, confidence,
                              reference_bands(age_bands))
    return table

