"""The national age × sex shape of LSS support, used inside each insats's reference band.

The age-profile model (``Method(age_model="profile")``, the default) does not take the
national rate as flat inside a reference band: the expected count of municipality m is

    E_m = X × Σ_g s_g · P_m,g / Σ_g s_g · P_Riket,g

over the single-year age × sex cells g of the band (all ages for ledsagarservice and
kontaktperson), with X the national count of the insats, P the populations and s_g the
*shape* built here. With a flat shape (s_g = 1) this is the band model. Only the shape's
relative values inside a band matter.

Figures (package data in ``benchmark/data``, sources in the files' headers):

* ``lss_per10000_age_krets_sex_2021.csv``: persons with an LSS insats per 10 000
  inhabitants, Riket, 1 October 2021, by personkrets (1–3), sex and age group (SCB
  Jämställdhet / Socialstyrelsen). Two overlapping sets of age groups are published:
  0–6, 7–12, 13–22, 23–64, 65+ and 0–19, 20–44, 45–64, 65–79, 80+.
* ``lss_persons_insats_sex_2021.csv``: persons per insats by sex, Riket, 1 October 2021.

How the overlapping groups are combined (:func:`fine_rates`): the finer groups
0–6, 7–12, 13–19, 20–22, 23–44, 45–64, 65–79, 80+ (:data:`FINE_GROUPS`) are derived on the
assumption that **inside a published group every single year of age has the same number of
inhabitants** (so a group's rate is the plain mean of its years' rates):

* 0–6, 7–12, 45–64, 65–79 and 80+ are published as they are;
* 13–19 = (20 · r(0–19) − 7 · r(0–6) − 6 · r(7–12)) / 7;
* 20–22 = (10 · r(13–22) − 7 · r(13–19)) / 3;
* 23–44 = (25 · r(20–44) − 3 · r(20–22)) / 22;
* a derived rate below 0 (possible for personkrets 2, whose published young rates are
  0.0–0.1) is set to 0.

The published 23–64 and 65+ rates are not used. :func:`consistency` compares the published
23–64 rates with the rates the finer groups imply (within 3 % for personkrets 1 and 5 %
for 2 and 3, see the tests); 65+ cannot be checked this way, because the years 80–100 do
not have equal populations.

Which personkretsar (LSS 1 §) make an insats's shape (:data:`PERSONKRETSAR`): daglig
verksamhet only personkrets 1 and 2, because LSS 7 § gives only those two kretsar a right to
it; every other insats all three kretsar (LSS 7 § gives them all a right to 9 § 1–9; the
register does not publish the kretsar per insats). Assistansersättning (SFB) uses all three.

Sex (:func:`sex_factor`): within the band the shape keeps the kretsar's age profile per sex,
and the men's profile is scaled so that the ratio of men to women in the band equals the
insats's published national ratio (``lss_persons_insats_sex_2021.csv``; boende = barn +
vuxna), again with equal numbers of inhabitants per year of age and sex. Assistansersättning
(not in the table) and the total (whose own profile the table is) are not rescaled.

These are assumptions: the shape is that of all LSS users in the insats's kretsar in 2021,
not the insats's own (which is not published by age and sex), and the same shape is used in
every year. ``robust`` in the comparison table says whether a flag survives the band model
and moved band edges (see :mod:`benchmark.comparison.bands`).
"""

from __future__ import annotations

from functools import cache
from importlib import resources

import numpy as np
import polars as pl

from benchmark.catalog import CATEGORY_BY_ID, MAX_AGE

__all__ = [
    "FINE_GROUPS",
    "PERSONKRETSAR",
    "SEXES",
    "SHAPE_EDGES",
    "consistency",
    "fine_rates",
    "sex_factor",
    "shape",
]

#: Sexes in the order of a shape's first axis (SCB/processed codes: K kvinnor, M män).
SEXES: tuple[str, str] = ("K", "M")
#: The finer age groups derived from the two published sets (80+ runs to 100 = 100+).
FINE_GROUPS: tuple[tuple[int, int], ...] = (
    (0, 6), (7, 12), (13, 19), (20, 22), (23, 44), (45, 64), (65, 79), (80, MAX_AGE))
#: Ages where a shape can change value (lower edges of the fine groups, 0 excluded).
SHAPE_EDGES: tuple[int, ...] = tuple(lo for lo, _ in FINE_GROUPS[1:])
_DEFAULT_KRETSAR = (1, 2, 3)
#: Personkretsar whose users make each insats's shape (default: all three).
PERSONKRETSAR: dict[str, tuple[int, ...]] = {"daglig_verksamhet": (1, 2)}
#: Insats numbers (LSS 9 §) of the published sex split per category; categories without one
#: (assistansersättning SFB, the total) are not rescaled by sex.
_SEX_SPLIT: dict[str, tuple[int, ...]] = {
    "boende": (8, 9), "daglig_verksamhet": (10,), "personlig_assistans_lss": (2,),
    "ledsagarservice": (3,), "kontaktperson": (4,), "avlosarservice": (5,),
    "korttidsvistelse": (6,), "korttidstillsyn": (7,),
}
_SEX_COLUMNS = {"kvinnor": "K", "män": "M"}


def _read(name: str) -> pl.DataFrame:
    path = resources.files("benchmark") / "data" / name
    with resources.as_file(path) as file:
        return pl.read_csv(file, comment_prefix="#")


@cache
def _published() -> dict[tuple[int, str, str], float]:
    """(personkrets, sex, age group as published) → persons per 10 000."""
    df = _read("lss_per10000_age_krets_sex_2021.csv")
    out = {}
    for alder, krets, kon, rate in df.iter_rows():
        group = alder.removesuffix(" år").replace("+", "-")
        out[(int(krets), _SEX_COLUMNS[kon], group)] = float(rate)
    return out


def fine_rates() -> pl.DataFrame:
    """Persons per 10 000 in the :data:`FINE_GROUPS`, per personkrets and sex.

    Returns
    -------
    polars.DataFrame
        (personkrets, sex, age_lo, age_hi, per_10000): 3 × 2 × 8 rows, derived as in the
        module docstring (uniform population inside published groups; negatives set to 0).

    Examples
    --------
    >>> df = fine_rates().filter((pl.col("personkrets") == 1) & (pl.col("sex") == "M"))
    >>> [round(x, 1) for x in df["per_10000"]]
    [14.0, 86.0, 151.7, 158.3, 112.0, 58.5, 25.7, 8.1]
    """
    pub = _published()
    rows = []
    for krets in _DEFAULT_KRETSAR:
        for sex in SEXES:
            r = {g: pub[(krets, sex, g)] for g in
                 ("0-6", "7-12", "13-22", "0-19", "20-44", "45-64", "65-79", "80-")}
            r13_19 = max(0.0, (20 * r["0-19"] - 7 * r["0-6"] - 6 * r["7-12"]) / 7)
            r20_22 = max(0.0, (10 * r["13-22"] - 7 * r13_19) / 3)
            r23_44 = max(0.0, (25 * r["20-44"] - 3 * r20_22) / 22)
            values = (r["0-6"], r["7-12"], r13_19, r20_22, r23_44, r["45-64"], r["65-79"],
                      r["80-"])
            rows += [(krets, sex, lo, hi, v) for (lo, hi), v in zip(FINE_GROUPS, values,
                                                                    strict=True)]
    return pl.DataFrame(rows, schema={"personkrets": pl.Int64, "sex": pl.String,
                                      "age_lo": pl.Int64, "age_hi": pl.Int64,
                                      "per_10000": pl.Float64}, orient="row")


def consistency() -> pl.DataFrame:
    """Published 23–64 rates beside those the fine groups imply (uniform years).

    Returns
    -------
    polars.DataFrame
        (personkrets, sex, group, published, implied).
    """
    pub = _published()
    fine = {(k, s, lo): v for k, s, lo, _, v in fine_rates().iter_rows()}
    rows = []
    for krets in _DEFAULT_KRETSAR:
        for sex in SEXES:
            implied = (22 * fine[(krets, sex, 23)] + 20 * fine[(krets, sex, 45)]) / 42
            rows.append((krets, sex, "23-64", pub[(krets, sex, "23-64")], implied))
    return pl.DataFrame(rows, schema=["personkrets", "sex", "group", "published", "implied"],
                        orient="row")


def _kretsar_profile(category_id: str) -> np.ndarray:
    """Σ over the category's personkretsar of the fine-group rates, per sex × single age."""
    kretsar = PERSONKRETSAR.get(category_id, _DEFAULT_KRETSAR)
    out = np.zeros((len(SEXES), MAX_AGE + 1))
    for krets, sex, lo, hi, rate in fine_rates().iter_rows():
        if krets in kretsar:
            out[SEXES.index(sex), lo:hi + 1] += rate
    return out


def sex_factor(category_id: str) -> float:
    """The factor on the men's profile (women's = 1) that gives the insats's published ratio
    of men to women inside its catalogue band (1 where no split is published).

    Examples
    --------
    >>> round(sex_factor("avlosarservice"), 3), sex_factor("totalt")
    (1.483, 1.0)
    """
    numbers = _SEX_SPLIT.get(category_id)
    if not numbers:
        return 1.0
    split = _read("lss_persons_insats_sex_2021.csv").filter(
        pl.col("insats_nr").is_in(list(numbers)))
    ratio = float(split["man"].sum()) / float(split["kvinnor"].sum())
    cat = CATEGORY_BY_ID[category_id]
    band = slice(cat.age_min, (MAX_AGE if cat.age_max is None else cat.age_max) + 1)
    profile = _kretsar_profile(category_id)
    women, men = profile[0, band].sum(), profile[1, band].sum()
    return float(ratio * women / men)


@cache
def _shape(category_id: str) -> np.ndarray:
    profile = _kretsar_profile(category_id)
    profile[SEXES.index("M")] *= sex_factor(category_id)
    profile.setflags(write=False)
    return profile


def shape(category_id: str) -> np.ndarray:
    """The shape s of a category: weights per sex (:data:`SEXES`) × single age 0..100.

    Persons per 10 000 of the category's personkretsar in 2021, the men's scaled by
    :func:`sex_factor`; constant within each of :data:`FINE_GROUPS` (read-only array).

    Parameters
    ----------
    category_id
        A catalogue category id (``totalt`` included).

    Returns
    -------
    numpy.ndarray
        Shape (2, 101).

    Examples
    --------
    >>> s = shape("daglig_verksamhet")
    >>> s.shape, round(float(s[0, 30] / s[0, 50]), 2)  # women 23–44 vs 45–64, kretsar 1–2
    ((2, 101), 1.62)
    """
    if category_id not in CATEGORY_BY_ID:
        raise KeyError(category_id)
    return _shape(category_id)
