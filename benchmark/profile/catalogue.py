"""The LSS profile catalogue: which Kolada KPIs make up the whole picture, and what kind of
number each is.

The catalogue is package data (``catalogue.toml`` beside this module, with its source): 40
KPIs in five groups (volym, omfattning, ekonomi, kvalitet, personal). Each entry says its
*kind*, which decides the comparison (:mod:`benchmark.profile.engine`):

=========  =====================================================================================
``count``  persons with an insats: the comparison engine (age-standardised ratio, funnel flag)
``share``  a percentage; with a ``denominator`` KPI (answers or units): Wilson interval and
           overdispersion-adjusted funnel limits; without one: position only
``amount`` kr per user or inhabitant, hours: position in the national distribution
``index``  indexes and deviations: position in the national distribution
=========  =====================================================================================

A KPI outside the catalogue is classified from its Kolada title (:func:`classify`).
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from benchmark.errors import InputError

__all__ = ["GROUPS", "KINDS", "ProfileKpi", "classify", "denominator_kpis", "entry",
           "parse_kpi_ids", "profile_kpis"]

#: The groups, in the order the spine chart shows them.
GROUPS: tuple[str, ...] = ("volym", "omfattning", "ekonomi", "kvalitet", "personal", "ovrigt")
#: The kinds of number.
KINDS: tuple[str, ...] = ("count", "share", "amount", "index")
_POLARITIES = ("neutral", "high_is_good", "low_is_good")
_PATH = Path(__file__).with_name("catalogue.toml")
_KPI_ID = re.compile(r"^[NU]\d{5}$")


@dataclass(frozen=True)
class ProfileKpi:
    """One KPI of the profile.

    ``insats`` is the LSS category (:data:`benchmark.catalog.CATEGORIES`) the KPI is about,
    if any; for ``count`` KPIs it selects the comparison engine's row. ``denominator`` is the
    Kolada KPI a share is taken of (number of answers or units). ``catalogued`` is False for a
    KPI classified from its title.
    """

    id: str
    title: str
    group: str
    kind: str
    unit: str = ""
    denominator: str | None = None
    insats: str | None = None
    polarity: str = "neutral"
    label_sv: str = ""
    label_en: str = ""
    gender_split: bool = False
    catalogued: bool = True

    def label(self, lang: str = "sv") -> str:
        """The short label in ``lang`` (Kolada's title for a KPI outside the catalogue)."""
        text = self.label_en if lang == "en" else self.label_sv
        return text or self.title


@cache
def _load() -> tuple[tuple[ProfileKpi, ...], tuple[tuple[str, str], ...]]:
    raw = tomllib.loads(_PATH.read_text(encoding="utf-8"))
    kpis = tuple(ProfileKpi(**entry) for entry in raw["kpi"])
    for k in kpis:
        if k.group not in GROUPS or k.kind not in KINDS or k.polarity not in _POLARITIES:
            raise ValueError(f"{_PATH.name}: {k.id} has group {k.group!r}, kind {k.kind!r}, "
                             f"polarity {k.polarity!r}; valid: {GROUPS}, {KINDS}, {_POLARITIES}")
    return kpis, tuple(raw["denominators"].items())


def profile_kpis() -> tuple[ProfileKpi, ...]:
    """The catalogue's KPIs, in chart order (group by group).

    Examples
    --------
    >>> kpis = profile_kpis()
    >>> len(kpis), kpis[0].id, kpis[0].kind, sorted({k.group for k in kpis})[:2]
    (40, 'N28801', 'count', ['ekonomi', 'kvalitet'])
    """
    return _load()[0]


def denominator_kpis() -> dict[str, str]:
    """The KPIs fetched only as denominators of shares: id → Kolada title.

    Examples
    --------
    >>> sorted(denominator_kpis())[:2]
    ['N28149', 'N28165']
    """
    return dict(_load()[1])


def entry(kpi: str) -> ProfileKpi | None:
    """The catalogue entry of ``kpi``, or None."""
    return next((k for k in profile_kpis() if k.id == kpi), None)


_SHARE = re.compile(r"andel|\(%\)|procent", re.IGNORECASE)
_INDEX = re.compile(r"index|avvikelse", re.IGNORECASE)
_AMOUNT = re.compile(r"\bkr\b|kronor|timmar|dagar|/inv|per inv|medelvärde|median",
                     re.IGNORECASE)
_COUNT = re.compile(r"\bantal\b", re.IGNORECASE)


def classify(kpi: str, title: str) -> ProfileKpi:
    """A KPI outside the catalogue, classified from its Kolada title (group ``ovrigt``).

    Shares ("andel", "(%)") get no denominator, so they are compared by position only, as
    are amounts ("kr", "timmar", "dagar", "per inv", "medelvärde"), indexes and deviations;
    a number of persons ("antal", not per inhabitant) is a ``count``. Anything else is
    treated as an ``amount``: compared by position, no significance claimed.

    Examples
    --------
    >>> classify("N00945", "Tillfälliga föräldrapenningdagar ..., andel av antal dagar (%)").kind
    'share'
    >>> classify("N28040", "Personalkostnadsindex LSS").kind
    'index'
    >>> classify("N28806", "Personer med ledsagarservice enligt LSS, antal").kind
    'count'
    """
    if _SHARE.search(title):
        kind = "share"
    elif _INDEX.search(title):
        kind = "index"
    elif _AMOUNT.search(title) or "/" in title:
        kind = "amount"
    elif _COUNT.search(title):
        kind = "count"
    else:
        kind = "amount"
    return ProfileKpi(kpi, title, "ovrigt", kind, catalogued=False)


def parse_kpi_ids(text: str | Iterable[str]) -> list[str]:
    """KPI ids from ``N28013,U28533`` (or a list), upper-cased, duplicates dropped.

    Raises
    ------
    InputError
        For an id that is not a Kolada KPI id (a letter N or U and five digits).

    Examples
    --------
    >>> parse_kpi_ids("n28013, U28533,N28013")
    ['N28013', 'U28533']
    """
    parts = text.split(",") if isinstance(text, str) else list(text)
    ids = [p.strip().upper() for p in parts if p.strip()]
    bad = [p for p in ids if not _KPI_ID.match(p)]
    if bad or not ids:
        raise InputError(f"invalid KPI id {bad[0] if bad else text!r}; a Kolada KPI id is N or "
                         "U and five digits, e.g. N28013 (comma-separated for several)")
    return list(dict.fromkeys(ids))


def kpi_titles(kpis: Iterable[ProfileKpi] | None = None) -> Mapping[str, str]:
    """id → Kolada title of the catalogue's KPIs and their denominators (the fetch set)."""
    out = {k.id: k.title for k in (kpis or profile_kpis())}
    out.update(denominator_kpis())
    return out
