"""Reference bands: which (weighted) age bands make E for each category and alternative.

Indirect standardisation: E = Σ_b r_b · W_b, the reference rate r_b = reference persons /
reference weighted population in band b times the local weighted population of band b.

* **Band model** (``age_model="band"``): W_b is the plain population of band b, so the
  national rate is taken as flat inside the band. Ordinary categories have one band, the
  catalogue's reference age band (or an override); the total (``totalt``) is standardised
  over ``TOTAL_BANDS`` 0–22 / 23–64 / 65+ with persons per band derived from the auxiliary
  Kolada rows: 0–22 = ``totalt_0_22`` (N28891), 23–64 = ``totalt_0_64`` (N28890) −
  ``totalt_0_22``, 65+ = ``totalt`` − ``totalt_0_64``.
* **Age-profile model** (``age_model="profile"``): W_b = Σ_g s_g · P_g over the single-year
  age × sex cells g of the band, with the national shape s of the category
  (:mod:`benchmark.comparison.profile`), so that E = X · W_m / W_Riket. The total keeps its
  three bands, and its 0–22 band is split by sex with Kolada's N28891 for women and men
  (``totalt_0_22_k``/``_m``); where the reference lacks that split it is pooled over sex.

Every category also has an all-ages key (``<id>__crude``, unweighted) for crude rates and
the crude expectation, and, when robustness alternatives are asked for, one key per
alternative (the other age model; each finite band edge moved by ± ``shift`` years).
A :class:`BandSpec` names each (possibly weighted, possibly one-sex) band; the engine that
turns them into populations, pooled reference counts and E
(:mod:`benchmark.comparison.pooling`) works on these names and does not care which model
made them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache

import polars as pl

from benchmark.catalog import MAX_AGE, TOTAL_BANDS, Category, with_age_bands

__all__ = [
    "AGE_MODELS",
    "ALL_AGES",
    "CRUDE_SUFFIX",
    "POOLED_SEX",
    "SLOTS",
    "TOTAL",
    "BandSpec",
    "ReferenceBands",
    "band_key",
    "reference_bands",
]

#: The category standardised over three bands derived from auxiliary KPIs.
TOTAL = "totalt"
#: Suffix of the all-ages key of a category (crude rates and the crude expectation).
CRUDE_SUFFIX = "__crude"
#: Key of the total pooled over sex in 0–22 (profile model; fallback where no sex split).
POOLED_SEX = TOTAL + "~pooled_sex"
#: Age models: "profile" (national age × sex shape inside the band) and "band" (flat).
AGE_MODELS = ("profile", "band")
#: Robustness alternatives of a category, in order: the other age model, then the lower
#: edge − / + ``shift`` and the upper edge − / + ``shift``.
SLOTS = ("age_model", "lo_minus", "lo_plus", "hi_minus", "hi_plus")


def band_key(lo: int, hi: int | None) -> str:
    """The key of an age band: ``"20-64"``, or ``"20-"`` for 20 and older.

    Examples
    --------
    >>> band_key(20, 64), band_key(65, None)
    ('20-64', '65-')
    """
    return f"{lo}-{'' if hi is None else hi}"


#: The all-ages band.
ALL_AGES = band_key(0, None)


@dataclass(frozen=True)
class BandSpec:
    """One band of the engine: ages ``lo``–``hi`` (``hi`` None: to 100+), weighted by the
    profile of category ``shape`` (None: plain population) and restricted to ``sex``
    ("K"/"M"; None: both).

    Examples
    --------
    >>> BandSpec(20, 64).id, BandSpec(20, 64, "daglig_verksamhet").id
    ('20-64', 'daglig_verksamhet:20-64')
    >>> BandSpec(0, 22, "totalt", "K").id
    'totalt:0-22/K'
    """

    lo: int
    hi: int | None
    shape: str | None = None
    sex: str | None = None

    @property
    def id(self) -> str:
        """The band's name in the engine (a column name of :func:`band_population`)."""
        key = band_key(self.lo, self.hi)
        if self.shape is None and self.sex is None:
            return key
        return f"{self.shape or ''}:{key}" + (f"/{self.sex}" if self.sex else "")

    @property
    def weighted(self) -> bool:
        return self.shape is not None

    def label(self) -> str:
        """``20–64`` or ``20+`` (for messages and labels)."""
        return f"{self.lo}+" if self.hi is None else f"{self.lo}–{self.hi}"


_COMPONENT_SCHEMA = {"key": pl.String, "band": pl.String, "source": pl.String,
                     "sign": pl.Int32}


def _total_components(key: str, profiled: bool, sex_split: bool
                      ) -> list[tuple[str, BandSpec, str, int]]:
    """The total's three bands (0–22 split by sex when ``sex_split``)."""
    (a_lo, a_hi), (b_lo, b_hi), (c_lo, c_hi) = TOTAL_BANDS
    shape = TOTAL if profiled else None
    young = ([(key, BandSpec(a_lo, a_hi, shape, "K"), "totalt_0_22_k", 1),
              (key, BandSpec(a_lo, a_hi, shape, "M"), "totalt_0_22_m", 1)] if sex_split
             else [(key, BandSpec(a_lo, a_hi, shape), "totalt_0_22", 1)])
    mid, old = BandSpec(b_lo, b_hi, shape), BandSpec(c_lo, c_hi, shape)
    return [*young,
            (key, mid, "totalt_0_64", 1), (key, mid, "totalt_0_22", -1),
            (key, old, "totalt", 1), (key, old, "totalt_0_64", -1)]


def _shifted(cat: Category, shift: int) -> dict[str, tuple[int, int | None]]:
    """The category's band with each finite edge moved by ± ``shift`` (valid ones only)."""
    lo, hi = cat.age_min, cat.age_max
    top = MAX_AGE if hi is None else hi
    out: dict[str, tuple[int, int | None]] = {}
    if lo > 0:
        if lo - shift >= 0:
            out["lo_minus"] = (lo - shift, hi)
        if lo + shift <= top:
            out["lo_plus"] = (lo + shift, hi)
    if hi is not None:
        if hi - shift >= lo:
            out["hi_minus"] = (lo, hi - shift)
        if hi + shift < MAX_AGE:
            out["hi_plus"] = (lo, hi + shift)
    return out


@dataclass(frozen=True, eq=False)
class ReferenceBands:
    """The categories with the reference bands in use, and what the engine needs.

    Attributes
    ----------
    categories
        The catalogue with any band overrides applied.
    age_model
        ``"profile"`` or ``"band"``.
    components
        (key, band, source, sign): how each key's persons are built from LSS rows.
    counts
        (key, n_components, n_bands): what a complete member has per key.
    bands
        Band name → :class:`BandSpec` for every band used (all ages first, then the
        unweighted catalogue bands, then the rest).
    alternatives
        (category id, slot) → (key, label) of each robustness alternative (see
        :data:`SLOTS`); empty when none were asked for.
    """

    categories: tuple[Category, ...]
    age_model: str
    components: pl.DataFrame
    counts: pl.DataFrame
    bands: dict[str, BandSpec]
    alternatives: dict[tuple[str, str], tuple[str, str]]

    @classmethod
    def of(cls, categories: tuple[Category, ...], age_model: str = "band",
           shift: int | None = None) -> ReferenceBands:
        """The reference bands of ``categories`` under ``age_model``, with the robustness
        alternatives when ``shift`` is given (band edges moved by ± ``shift`` years)."""
        profiled = age_model == "profile"
        rows: list[tuple[str, BandSpec, str, int]] = []
        alternatives: dict[tuple[str, str], tuple[str, str]] = {}

        def banded(key: str, cat: Category, lo: int, hi: int | None, prof: bool) -> None:
            rows.append((key, BandSpec(lo, hi, cat.id if prof else None), cat.id, 1))

        for cat in categories:
            rows.append((cat.id + CRUDE_SUFFIX, BandSpec(0, None), cat.id, 1))
            if cat.id == TOTAL:
                rows += _total_components(TOTAL, profiled, sex_split=profiled)
                if profiled:
                    rows += _total_components(POOLED_SEX, True, sex_split=False)
            else:
                banded(cat.id, cat, cat.age_min, cat.age_max, profiled)
            if shift is None:
                continue
            other = "band" if profiled else "profile"
            key = f"{cat.id}~age_model={other}"
            alternatives[(cat.id, "age_model")] = (key, f"age_model={other}")
            if cat.id == TOTAL:  # published bands: only the other model
                rows += _total_components(key, not profiled, sex_split=not profiled)
                continue
            banded(key, cat, cat.age_min, cat.age_max, not profiled)
            for slot, (lo, hi) in _shifted(cat, shift).items():
                label = f"age_band={band_key(lo, hi)}"
                key = f"{cat.id}~{label}"
                alternatives[(cat.id, slot)] = (key, label)
                banded(key, cat, lo, hi, profiled)
        components = pl.DataFrame([(k, b.id, s, g) for k, b, s, g in rows],
                                  schema=_COMPONENT_SCHEMA, orient="row")
        counts = components.group_by("key").agg(
            pl.len().alias("n_components"), pl.col("band").n_unique().alias("n_bands"))
        plain = [BandSpec(0, None), *(BandSpec(lo, hi) for lo, hi in TOTAL_BANDS),
                 *(BandSpec(c.age_min, c.age_max) for c in categories)]
        bands = {b.id: b for b in [*plain, *(b for _, b, _, _ in rows)]}
        return cls(categories, age_model, components, counts, bands, alternatives)

    @property
    def band_of(self) -> dict[str, str]:
        """Category id → its (unweighted) band key in the grid (all ages for the total)."""
        return {c.id: ALL_AGES if c.id == TOTAL else band_key(c.age_min, c.age_max)
                for c in self.categories}


@cache
def _reference(categories: tuple[Category, ...], age_model: str, shift: int | None
               ) -> ReferenceBands:
    return ReferenceBands.of(categories, age_model, shift)


def reference_bands(age_bands: Mapping[str, tuple[int, int | None]] | None = None,
                    age_model: str = "band", shift: int | None = None) -> ReferenceBands:
    """The reference bands with ``age_bands`` overrides (id → (lo, hi), hi None = open).

    Parameters
    ----------
    age_bands
        Overrides of catalogue reference bands (not ``totalt``), e.g.
        ``{"daglig_verksamhet": (18, 64)}``; ``None`` or empty: the catalogue.
    age_model
        ``"band"`` (flat inside the band) or ``"profile"`` (national age × sex shape).
    shift
        Robustness alternatives: band edges moved by ± ``shift`` years, and the other age
        model (None: no alternatives).

    Returns
    -------
    ReferenceBands
        Built once per distinct setting and reused.

    Raises
    ------
    InputError
        For invalid overrides (see :func:`benchmark.catalog.with_age_bands`).

    Examples
    --------
    >>> reference_bands({"daglig_verksamhet": (18, 64)}).band_of["daglig_verksamhet"]
    '18-64'
    >>> alt = reference_bands(age_model="profile", shift=2).alternatives
    >>> alt[("daglig_verksamhet", "hi_plus")]
    ('daglig_verksamhet~age_band=20-66', 'age_band=20-66')
    """
    return _reference(with_age_bands(age_bands), age_model, shift)
