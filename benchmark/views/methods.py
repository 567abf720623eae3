"""The method notebook's tables of the age-profile model and the robust flags
(notebooks/04-metod): the national age × sex shape with each insats's sex factor, and per
category how many strong flags hold under every alternative of the comparison. No
statistics here: the figures come from :mod:`benchmark.comparison.profile` and the
screening table's ``robust`` columns; the words from the text catalogue.
"""

from __future__ import annotations

import polars as pl

from benchmark import fmt
from benchmark.catalog import CATEGORIES
from benchmark.plots import data_table
from benchmark.texts import texts

__all__ = ["age_profile_table", "robustness_table"]


def age_profile_table(lang: str = "sv") -> str:
    """The national age × sex shape the age-profile model uses: persons with an LSS insats
    per 10 000 in the derived age groups, for personkrets 1–3 and 1–2, and each insats's
    sex factor (:mod:`benchmark.comparison.profile`).

    Examples
    --------
    >>> "Kretsar 1–2 men" in age_profile_table("en")
    True
    """
    from benchmark.comparison import profile

    fine = profile.fine_rates()
    rows = []
    for lo, hi in profile.FINE_GROUPS:
        g = fine.filter(pl.col("age_lo") == lo)
        cells = [f"{lo}–{hi}" if hi < 100 else f"{lo}+"]
        for kretsar in ((1, 2, 3), (1, 2)):
            for sex in profile.SEXES:
                v = g.filter(pl.col("personkrets").is_in(list(kretsar))
                             & (pl.col("sex") == sex))["per_10000"].sum()
                cells.append(fmt.number(v, 1, lang))
        rows.append(cells)
    table = data_table(fmt.text("methods.profile_caption", lang),
                       texts("methods.profile_headers", lang), rows,
                       [False, True, True, True, True])
    factors = [[c.label(lang), "1–2" if c.id in profile.PERSONKRETSAR else "1–3",
                fmt.number(profile.sex_factor(c.id), 3, lang)] for c in CATEGORIES]
    return table + data_table(fmt.text("methods.sex_factor_caption", lang),
                              texts("methods.sex_factor_headers", lang), factors,
                              [False, False, True])


def robustness_table(table: pl.DataFrame, lang: str = "sv") -> str:
    """Per category of a screening table: strong flags, how many hold under every
    alternative (``robust``) and the alternative that most often changes them."""
    rows = []
    for c in CATEGORIES:
        sub = table.filter((pl.col("category") == c.id)
                           & pl.col("flag").is_in(["higher", "lower"]))
        robust = sub.filter(pl.col("robust").fill_null(True))
        labels = [x for d in sub["flag_depends_on"].drop_nulls().to_list()
                  for x in d.split("; ")]
        # ties: the first in alphabetical order (a set's order changes between runs)
        common = max(sorted(set(labels)), key=labels.count) if labels else fmt.MISSING
        rows.append([c.label(lang), fmt.integer(sub.height, lang),
                     fmt.integer(robust.height, lang), common])
    years = table["year"].unique().to_list()
    caption = fmt.text("methods.robust_caption", lang, year=years[0] if years else "")
    return data_table(caption, texts("methods.robust_headers", lang), rows,
                      [False, True, True, False])
