"""LSS category catalogue (insatser), the other KPIs fetched, municipality codes and the
register helpers.

The catalogue is the single place that says which Kolada KPIs measure which LSS insats and
which age band is the reference population for indirect standardisation, and which further
KPIs the suite fetches (:data:`EXTRA_KPI_SETS`). Category labels are texts
(``[category]`` in :mod:`benchmark.texts`).
The reference bands are assumptions, justified in ``notebooks/04-metod``: each insats is
almost only given to people in its band (for example korttidstillsyn is for school-age
children 13–22), so the band population is a better denominator than all inhabitants.
"""

from __future__ import annotations

import dataclasses
import difflib
import operator
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from benchmark import texts
from benchmark.config import FIRST_YEAR, LAST_YEAR
from benchmark.errors import InputError
from benchmark.indicators import indicator_kpis
from benchmark.profile.catalogue import kpi_titles

#: Kolada's code for the whole country.
RIKET = "0000"


@dataclass(frozen=True)
class Category:
    """One LSS insats (or the total) as published in Kolada.

    ``age_min``/``age_max`` give the reference age band (inclusive; ``age_max=None`` means
    no upper limit). ``cost_kpi`` is Kolada's national cost per user (kr/brukare) where one
    is published. The label is the text ``category.<id>``.
    """

    id: str
    paragraph: str
    kpi_count: str | None
    kpi_rate: str
    age_min: int
    age_max: int | None
    cost_kpi: str | None = None

    @property
    def band_label(self) -> str:
        """Human-readable reference band, e.g. ``20–64`` or ``20+``."""
        if self.age_min == 0 and self.age_max is None:
            return texts.text("band.all_ages")
        if self.age_max is None:
            return f"{self.age_min}+"
        return f"{self.age_min}–{self.age_max}"

    def label(self, lang: str = "sv") -> str:
        """The category's name in ``lang`` (e.g. ``Daglig verksamhet``)."""
        return texts.text(f"category.{self.id}", lang)

    @property
    def label_sv(self) -> str:
        """The Swedish name (the comparison table's ``category_label``)."""
        return self.label("sv")

    @property
    def label_en(self) -> str:
        """The English name (``category_label_en``)."""
        return self.label("en")


CATEGORIES: tuple[Category, ...] = (
    Category("boende", "9 § 8–9", "N28801", "N28820", 20, None, cost_kpi="N28013"),
    Category("daglig_verksamhet", "9 § 10", "N28804", "N28819", 20, 64, cost_kpi="N28015"),
    Category("personlig_assistans_lss", "9 § 2", "N28805", "N28818", 0, 64),
    Category("personlig_assistans_sfb", "–", "N28811", "N28817", 0, 64),
    Category("ledsagarservice", "9 § 3", "N28806", "N28812", 0, None),
    Category("kontaktperson", "9 § 4", "N28807", "N28813", 0, None),
    Category("avlosarservice", "9 § 5", "N28808", "N28814", 0, 22),
    Category("korttidsvistelse", "9 § 6", "N28809", "N28815", 0, 22),
    Category("korttidstillsyn", "9 § 7", "N28810", "N28816", 13, 22),
    Category("totalt", "–", None, "N28892", 0, None),
)

CATEGORY_BY_ID: dict[str, Category] = {c.id: c for c in CATEGORIES}

#: Categories that must always be shown side by side (they substitute for each other).
PAIRED_CATEGORIES: tuple[tuple[str, str], ...] = (
    ("personlig_assistans_lss", "personlig_assistans_sfb"),
)

#: Auxiliary KPIs used to split the total into age bands (see ``TOTAL_BANDS``).
#: N28891: persons 0–22 per 10 000 inhabitants 0–22; N28890: persons 0–64, share (%) of
#: inhabitants 0–64. Persons 23–64 = (0–64) − (0–22); 65+ = total − (0–64).
KPI_TOTAL_0_22 = "N28891"
KPI_TOTAL_0_64_PCT = "N28890"
TOTAL_BANDS: tuple[tuple[int, int | None], ...] = ((0, 22), (23, 64), (65, None))



@dataclass(frozen=True)
class KpiSet:
    """Kolada KPIs fetched beside the LSS person categories (processed into ``kpi_values``).

    ``kpis`` maps each KPI id to its Kolada title. Adding a set (or ids to one) is all
    ``fetch`` and ``process`` need: the ids join the one data plan, which groups every KPI
    into the fewest requests the API's limits allow (≤ 25 ids per path segment).
    """

    id: str
    title: str
    kpis: Mapping[str, str]


#: Every set of further KPIs the suite fetches, in fetch order.
EXTRA_KPI_SETS: tuple[KpiSet, ...] = (
    KpiSet("costs", "LSS costs: per user (kr/brukare), per inhabitant and the net cost "
           "deviation (%), for context", {
               "N28013": "Kostnad LSS boende, kr/brukare",
               "N28015": "Kostnad LSS daglig verksamhet, kr/brukare",
               "N28016": "Nettokostnad funktionsnedsättning LSS och SFB, kr/inv",
               "N28017": "Standardkostnad LSS, kr/inv",
               "N28018": "Nettokostnadsavvikelse LSS (%)",
               "N28026": "Referenskostnad LSS, kr/inv",
           }),
    KpiSet("profile", "The LSS profile (benchmark.profile): volume, extent, economy, quality "
           "and staff KPIs of the spine chart, and the denominators of its shares",
           {k: t for k, t in kpi_titles().items()
            if k not in {i for c in CATEGORIES for i in (c.kpi_count, c.kpi_rate)}}),
    KpiSet("need", "Need indicators for the need-adjusted comparison "
           "(benchmark.indicators)", indicator_kpis()),
)
KPI_SETS: dict[str, KpiSet] = {s.id: s for s in EXTRA_KPI_SETS}
#: The cost KPIs (Kolada's titles): the ``costs`` set.
COST_KPIS: Mapping[str, str] = KPI_SETS["costs"].kpis


def lss_kpis() -> list[str]:
    """Every LSS person KPI the suite fetches: counts, rates and the total split.

    Returns
    -------
    list of str
        Kolada KPI ids, catalogue order.

    Examples
    --------
    >>> lss_kpis()[:4], len(lss_kpis())
    (['N28801', 'N28820', 'N28804', 'N28819'], 21)
    """
    kpis: list[str] = []
    for cat in CATEGORIES:
        if cat.kpi_count:
            kpis.append(cat.kpi_count)
        kpis.append(cat.kpi_rate)
    kpis += [KPI_TOTAL_0_22, KPI_TOTAL_0_64_PCT]
    return kpis


def extra_kpis() -> list[str]:
    """The KPIs of every set in :data:`EXTRA_KPI_SETS`, without duplicates, in order.

    Returns
    -------
    list of str
        Kolada KPI ids (processed into ``kpi_values``).

    Examples
    --------
    >>> extra_kpis()[:6], len(extra_kpis())
    (['N28013', 'N28015', 'N28016', 'N28017', 'N28018', 'N28026'], 38)
    """
    return list(dict.fromkeys(k for s in EXTRA_KPI_SETS for k in s.kpis))


def all_kpis() -> list[str]:
    """LSS person KPIs followed by the extra sets' KPIs, without duplicates, in a stable
    order: what ``fetch`` asks Kolada for.

    Examples
    --------
    >>> all_kpis()[:2], len(all_kpis())
    (['N28801', 'N28820'], 59)
    """
    return list(dict.fromkeys([*lss_kpis(), *extra_kpis()]))


def get_category(category_id: str) -> Category:
    """The category with this id.

    Parameters
    ----------
    category_id
        A catalogue id, e.g. ``daglig_verksamhet``.

    Returns
    -------
    Category
        Its KPIs, reference age band and label.

    Raises
    ------
    InputError
        Listing the valid ids.

    Examples
    --------
    >>> c = get_category("daglig_verksamhet")
    >>> c.kpi_count, c.band_label, c.label("en")
    ('N28804', '20–64', 'Daily activity')
    """
    try:
        return CATEGORY_BY_ID[category_id]
    except KeyError:
        valid = ", ".join(CATEGORY_BY_ID)
        raise InputError(f"unknown category {category_id!r}; valid categories: {valid}") from None


_CODE_RE = re.compile(r"[0-9]{4}")  # ASCII digits only (fullmatch)


def normalise_municipality_code(value: object, known: Iterable[str] | None = None) -> str:
    """A 4-character municipality code (kommunkod), or :class:`InputError`.

    Accepts ``"0180"``; a 3-digit ``"180"`` or the integer ``180`` is rejected with a
    suggestion (``0180``) rather than guessed, because a silently padded code could point
    to the wrong municipality.

    Parameters
    ----------
    value
        The code as given.
    known
        The register: the code must also be in it (close codes are suggested).

    Returns
    -------
    str
        The code.

    Raises
    ------
    InputError
        For a malformed code or one not in ``known``.

    Examples
    --------
    >>> normalise_municipality_code(" 2482 ")
    '2482'
    >>> normalise_municipality_code("180")
    Traceback (most recent call last):
    ...
    benchmark.errors.InputError: invalid municipality code '180' (did you mean 0180? codes \
    keep their leading zero); a kommunkod has four digits, e.g. 0180 (Stockholm) or 2482 \
    (Skellefteå)
    """
    text = str(value).strip()
    if not _CODE_RE.fullmatch(text):
        hint = ""
        if text.isascii() and text.isdigit() and len(text) == 3:
            hint = f" (did you mean {text.zfill(4)}? codes keep their leading zero)"
        raise InputError(
            f"invalid municipality code {text!r}{hint}; a kommunkod has four digits, "
            "e.g. 0180 (Stockholm) or 2482 (Skellefteå)"
        )
    if known is not None:
        known_set = set(known)
        if text not in known_set:
            close = difflib.get_close_matches(text, sorted(known_set), n=3, cutoff=0.5)
            tip = f"; close codes: {', '.join(close)}" if close else ""
            raise InputError(
                f"unknown municipality code {text!r}: not among the {len(known_set)} "
                f"municipalities in the data{tip}; list the valid codes with "
                "`python -m benchmark screen --year <year> --format csv` (columns "
                "municipality, name)"
            )
    return text


def check_year(value: object) -> int:
    """A reference year the public statistics can cover, as an int.

    This is the check that needs no data (``fetch``, command-line arguments); whether the
    processed data hold the year is checked by
    :meth:`benchmark.comparison.Inputs.check_year`.

    Parameters
    ----------
    value
        A year as int or text, e.g. ``2024`` or ``"2024"``.

    Returns
    -------
    int
        The year.

    Raises
    ------
    InputError
        When ``value`` is not a whole number, or outside ``FIRST_YEAR``–``LAST_YEAR``.

    Examples
    --------
    >>> check_year("2024")
    2024
    """
    try:
        if isinstance(value, bool):
            raise TypeError
        year = int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        raise InputError(f"invalid year {value!r}; give a four-digit year such as 2024") from None
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise InputError(f"year {year} is out of range; valid years are {FIRST_YEAR}–{LAST_YEAR}")
    return year


def check_years(years: Iterable[int]) -> list[int]:
    """Sorted unique years, or :class:`InputError` naming every year out of range.

    Examples
    --------
    >>> check_years([2024, 2015, 2024])
    [2015, 2024]
    """
    out = sorted({int(y) for y in years})
    if not out:
        raise InputError(f"no years given; give years between {FIRST_YEAR} and {LAST_YEAR}")
    bad = [y for y in out if not FIRST_YEAR <= y <= LAST_YEAR]
    if bad:
        raise InputError(f"year(s) {', '.join(map(str, bad))} out of range; valid years are "
                         f"{FIRST_YEAR}–{LAST_YEAR}")
    return out


#: Oldest single-year age in the population table (100 = 100 years and older).
MAX_AGE = 100
_BAND_SYNTAX = ("write CATEGORY=LO-HI (e.g. daglig_verksamhet=18-64), CATEGORY=LO+ "
                "(boende=20+) or CATEGORY=all (= 0+), ages 0–100 (100 = 100+)")
_BAND_RE = re.compile(r"^\s*([A-Za-z_]\w*)\s*=\s*(?:(\d+)\s*-\s*(\d+)|(\d+)\s*\+|(all))\s*$",
                      re.IGNORECASE)


def _check_band(category_id: object, band: object) -> tuple[str, tuple[int, int | None]]:
    """Validate one reference-band override; return (id, (lo, hi)) with hi=100 as None."""
    if not isinstance(category_id, str):
        raise InputError(f"age band category must be a catalogue id string, got "
                         f"{category_id!r}; valid categories: {', '.join(CATEGORY_BY_ID)}")
    others = ", ".join(c for c in CATEGORY_BY_ID if c != "totalt")
    try:
        cat = get_category(category_id)
    except InputError:
        raise InputError(f"unknown category {category_id!r} in an age band; valid "
                         f"categories for an age band: {others}") from None
    if cat.id == "totalt":
        raise InputError("the reference bands of 'totalt' cannot be changed: 0–22/23–64/65+ "
                         "are fixed by the published Kolada KPIs N28891/N28890; valid "
                         f"categories for an age band: {others}")
    try:
        lo, hi = band  # type: ignore[misc]
        if isinstance(lo, bool) or isinstance(hi, bool):
            raise TypeError
        lo = operator.index(lo)
        hi = None if hi is None else operator.index(hi)
    except (TypeError, ValueError):
        raise InputError(f"invalid age band {band!r} for {cat.id}: give (lo, hi) with whole "
                         "ages 0 ≤ lo ≤ hi ≤ 100 (100 = 100+) or (lo, None) for lo+") from None
    shown = f"{lo}+" if hi is None else f"{lo}-{hi}"
    if not 0 <= lo <= MAX_AGE:
        raise InputError(f"invalid age band {shown} for {cat.id}: the lower age must be "
                         f"0–{MAX_AGE}; valid: LO-HI with 0 ≤ LO ≤ HI ≤ 100 (100 = 100+), "
                         "LO+ or all")
    if hi is not None and not lo <= hi <= MAX_AGE:
        problem = "the lower age exceeds the upper" if hi < lo else \
            f"the upper age exceeds {MAX_AGE}"
        raise InputError(f"invalid age band {shown} for {cat.id}: {problem}; valid: LO-HI "
                         "with 0 ≤ LO ≤ HI ≤ 100 (100 = 100+), LO+ or all")
    return cat.id, (lo, None if hi == MAX_AGE else hi)


def with_age_bands(overrides: Mapping[str, tuple[int, int | None]] | None
                   ) -> tuple[Category, ...]:
    """``CATEGORIES`` with the reference age bands in ``overrides``.

    Parameters
    ----------
    overrides
        Category id → ``(lo, hi)``; ``hi=None`` (or 100, the open top age) means no upper
        limit. ``totalt`` cannot be overridden: its bands 0–22/23–64/65+ are fixed by
        Kolada's published split. None or empty: the catalogue itself.

    Returns
    -------
    tuple of Category
        The categories, in catalogue order.

    Raises
    ------
    InputError
        For an unknown id, ``totalt`` or an invalid band.

    Examples
    --------
    >>> [c.band_label for c in with_age_bands({"daglig_verksamhet": (18, 64)})][:2]
    ['20+', '18–64']
    """
    if not overrides:
        return CATEGORIES
    if not isinstance(overrides, Mapping):
        raise InputError(f"age bands must be a mapping category id → (lo, hi), got "
                         f"{type(overrides).__name__}, e.g. {{'daglig_verksamhet': (18, 64)}}")
    bands = dict(_check_band(cid, band) for cid, band in overrides.items())
    return tuple(dataclasses.replace(c, age_min=bands[c.id][0], age_max=bands[c.id][1])
                 if c.id in bands else c for c in CATEGORIES)


def parse_age_band(text: str) -> tuple[str, tuple[int, int | None]]:
    """Parse ``daglig_verksamhet=18-64``, ``boende=20+`` or ``ledsagarservice=all`` (0+).

    Parameters
    ----------
    text
        One ``--age-band`` value.

    Returns
    -------
    tuple
        ``(category id, (lo, hi))``, validated as in :func:`with_age_bands`.

    Raises
    ------
    InputError
        On bad syntax, an unknown or fixed category, or an invalid band.

    Examples
    --------
    >>> parse_age_band("boende=20+"), parse_age_band("daglig_verksamhet=18-64")
    (('boende', (20, None)), ('daglig_verksamhet', (18, 64)))
    """
    m = _BAND_RE.match(str(text))
    if m is None:
        raise InputError(f"invalid age band {text!r}; {_BAND_SYNTAX}")
    cid, lo, hi, open_lo, _all = m.groups()
    if lo is not None:
        band: tuple[int, int | None] = (int(lo), int(hi))
    elif open_lo is not None:
        band = (int(open_lo), None)
    else:
        band = (0, None)
    return _check_band(cid, band)
