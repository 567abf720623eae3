"""Peer groups: which municipalities to compare with, and the peer columns of the table.

* the peer rate is pooled, Σ persons / Σ inhabitants over the group's members with data
  (the municipality itself excluded), per 10 000 inhabitants;
* ``peer_expected`` = Σ_b (peer persons_b / peer population_b) · local population_b over the
  same reference age bands and age model as the national E (the total over 0–22 / 23–64 /
  65+ where the members publish the split, else all ages), and ``peer_ratio`` = O /
  peer_expected: the municipality against its peers;
* the interval of ``peer_ratio`` (``Method.peer_interval``): ``random_effects`` (default)
  on the square-root scale, √(O/E_p) ± z·√V with V = 1/(4E_p) (the municipality's own
  Poisson error) + (O/E_p)·Var(E_p)/(4E_p²) (the Poisson error of the peers' counts,
  Var(E_p) = Σ_b persons_b · (local population_b / peer population_b)²) + τ² (the
  between-municipality variance of the national funnel for the category and year, where
  that funnel is widened), squared back and floored at 0; the peers are a handful of
  municipalities, so their level is itself uncertain, and being a little above them is
  what municipalities ordinarily are. ``fixed`` (version 0.1): exact (O < 10) or Byar
  limits of O divided by E_p, as if E_p were known exactly;
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
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import polars as pl

from benchmark import stats
from benchmark.catalog import normalise_municipality_code
from benchmark.comparison import bands, pooling
from benchmark.comparison.expected import lss_ok
from benchmark.comparison.frames import collect, float_column
from benchmark.comparison.inputs import Inputs
from benchmark.comparison.labels import label
from benchmark.comparison.method import Method
from benchmark.errors import InputError

__all__ = ["PEER_CHOICES", "PeerGroup", "peers", "random_effects_interval",
           "resolve_peer_group"]

_KIND_ALIASES = {"kommungrupp": "kommungrupp", "lan": "lan", "län": "lan"}
#: What ``peer_group`` accepts, for messages.
PEER_CHOICES = ("valid: liknande_lss (the default Liknande kommuner LSS group), kommungrupp, "
                "lan, a Kolada group id such as G39684, or a comma-separated list of "
                "kommunkoder")


@dataclass(frozen=True, init=False)
class PeerGroup:
    """A resolved peer group: id, title and member codes (the municipality excluded)."""

    group_id: str
    title: str
    members: tuple[str, ...]

    def __init__(self, group_id: str, title: str, members: Sequence[str]) -> None:
        object.__setattr__(self, "group_id", group_id)
        object.__setattr__(self, "title", title)
        object.__setattr__(self, "members", tuple(sorted(set(members))))

    def __repr__(self) -> str:
        return f"PeerGroup({self.group_id!r}, {self.title!r}, {len(self.members)} members)"


def resolve_peer_group(inputs: Inputs, municipality: str, year: int,
                       peer_group: str | None) -> PeerGroup | None:
    """The peer group for ``municipality``; ``None`` when the default group does not exist.

    Parameters
    ----------
    inputs
        The loaded tables.
    municipality
        A validated kommunkod.
    year
        The year whose "Liknande kommuner LSS" group is preferred.
    peer_group
        ``None``/``"liknande_lss"`` (the default group), ``"kommungrupp"``, ``"lan"``, a
        Kolada group id or a comma-separated list of kommunkoder.

    Returns
    -------
    PeerGroup or None
        The group without ``municipality``.

    Raises
    ------
    InputError
        When an explicitly requested group cannot be found.
    """
    groups = inputs.peer_groups
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
                             + PEER_CHOICES)
        return _group(groups, ids[0], municipality)
    if "," in text or re.fullmatch(r"\d{4}", text):
        register = inputs.register()
        codes = [normalise_municipality_code(c.strip(), register)
                 for c in text.split(",") if c.strip()]
        members = [c for c in codes if c != municipality]
        if not members:
            raise InputError(f"a custom peer group needs at least one other municipality "
                             f"than {municipality} (got {text!r}), e.g. 0114,0115; "
                             + PEER_CHOICES)
        return PeerGroup("custom", label("peer.custom_title", n=len(members)), members)
    if groups.filter(pl.col("group_id") == text).is_empty():
        raise InputError(f"peer group {text!r} not found; " + PEER_CHOICES)
    return _group(groups, text, municipality)


def random_effects_interval(observed: np.ndarray, expected: np.ndarray,
                            expected_var: np.ndarray, tau2: np.ndarray, confidence: float
                            ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """O/E with an interval that treats E as estimated and allows for τ² (√ scale).

    √(O/E) ± z·√V, V = 1/(4E) + (O/E)·Var(E)/(4E²) + τ², squared back, the lower end
    floored at 0 (see the module docstring).

    Parameters
    ----------
    observed
        O per row.
    expected, expected_var
        E (> 0) and its variance from the reference counts.
    tau2
        Between-municipality variance on the √ scale (0 where none).
    confidence
        The level.

    Returns
    -------
    tuple of numpy.ndarray
        ``(ratio, lower, upper)``.

    Examples
    --------
    >>> r, lo, hi = random_effects_interval(np.array([143.0]), np.array([112.0]),
    ...                                     np.array([150.0]), np.array([0.0015]), 0.95)
    >>> [round(float(x), 3) for x in (r[0], lo[0], hi[0])]
    [1.277, 0.921, 1.691]
    """
    z = stats.z_value(confidence)
    ratio = observed / expected
    var = 1 / (4 * expected) + ratio * expected_var / (4 * expected**2) + tau2
    root, half = np.sqrt(ratio), z * np.sqrt(var)
    return ratio, np.maximum(root - half, 0.0) ** 2, (root + half) ** 2


def _group(groups: pl.DataFrame, group_id: str, municipality: str) -> PeerGroup:
    rows = groups.filter(pl.col("group_id") == group_id)
    members = [m for m in rows["member"].drop_nulls().to_list() if m != municipality]
    title = rows["title"].drop_nulls()
    return PeerGroup(group_id, title[0] if len(title) else group_id, members)


def peers(table: pl.DataFrame, inputs: Inputs, municipality: str, group: PeerGroup,
          method: Method) -> pl.DataFrame:
    """Fill the peer columns of ``table`` (rows of one municipality, one or more years).

    The peers are pooled over the same reference bands as the national E.

    Raises
    ------
    InputError
        When the group has no LSS data in the table's years.
    """
    years = sorted(table["year"].unique().to_list())
    reference = method.bands
    pop = pooling.band_population(inputs.population, years, reference.bands)
    members = (pl.LazyFrame({"municipality": list(group.members)},
                            schema={"municipality": pl.String})
               .join(pl.LazyFrame({"year": years}, schema={"year": pl.Int32}), how="cross")
               .with_columns(pl.lit("peer").alias("ref")))
    counts = pooling.member_band_counts(lss_ok(inputs, years), members, reference)
    ref = pooling.reference_counts(counts, pooling.long_bands(pop)).pipe(collect)
    if ref.is_empty():
        raise InputError(f"peer group {group.group_id} ({group.title}) has no LSS data for "
                         f"{', '.join(map(str, years))}; choose another peer group "
                         f"({PEER_CHOICES})")
    pairs = pl.DataFrame({"ref": "peer", "municipality": municipality, "year": years},
                         schema={"ref": pl.String, "municipality": pl.String,
                                 "year": pl.Int32})
    exp = pooling.expected_from_reference(ref, pop, pairs, reference, variance=True).lazy()
    total_fallback = [c for c in ("expected", "expected_pooled_sex", "expected_crude")
                      if c in exp.collect_schema().names()]
    total_var = pl.when(pl.col("expected").is_not_null()).then(pl.col("expected_var"))
    peer = (exp.select("year", "category",
                       pl.when(pl.col("category") == bands.TOTAL)
                       .then(pl.coalesce(*total_fallback))
                       .otherwise(pl.col("expected")).alias("peer_expected"),
                       pl.when(pl.col("category") == bands.TOTAL).then(total_var)
                       .otherwise(pl.col("expected_var")).alias("_peer_var"))
            .join(pooling.crude_rates(ref.lazy(), "peer_rate_per_10k").select(
                "year", "category", "peer_rate_per_10k",
                pl.col("n_members").cast(pl.Int64).alias("peer_members")),
                on=["year", "category"], how="full", coalesce=True))
    out = table.drop("peer_rate_per_10k", "peer_expected", "peer_members").lazy().join(
        peer, on=["year", "category"], how="left", maintain_order="left").pipe(collect)
    o = out["observed"].to_numpy().astype(float)
    e = out["peer_expected"].to_numpy().astype(float)
    ok = ~np.isnan(o) & ~np.isnan(e) & (e > 0)
    if method.peer_interval == "fixed":
        r = stats.standardised_ratio(np.where(ok, o, np.nan), np.where(ok, e, 1.0),
                                     method.confidence)
        estimate, lower, upper = r.estimate, r.lower, r.upper
    else:
        tau2 = np.where(out["od_adjusted"].fill_null(False).to_numpy(),
                        out["tau2"].fill_null(0.0).to_numpy(), 0.0)
        estimate, lower, upper = random_effects_interval(
            np.where(ok, o, 0.0), np.where(ok, e, 1.0),
            np.nan_to_num(out["_peer_var"].to_numpy().astype(float)), tau2,
            method.confidence)

    def col(values: np.ndarray, name: str) -> pl.Series:
        return float_column(np.where(ok, values, np.nan), name)

    return out.with_columns(
        pl.lit(group.group_id).alias("peer_group_id"),
        pl.lit(group.title).alias("peer_group_title"),
        col(estimate, "peer_ratio"), col(lower, "peer_ratio_lower"),
        col(upper, "peer_ratio_upper"),
        pl.when(pl.col("expected") > 0).then(pl.col("peer_expected") / pl.col("expected"))
        .alias("peer_level"),
    ).select(table.columns)
