"""Findings that depend on how the ages are counted, in words (the report's summary).

A flag is *robust* when every defensible alternative of the comparison (the other age
model, each band edge moved ± 2 years; :mod:`benchmark.comparison.robustness`) gives the
same flag. Where it does not (``robust`` false), the report does not call the deviation
clear; it says that the assessment depends on the ages and names the alternatives of
``flag_depends_on`` that change it. Every word comes from the text catalogue.
"""

from __future__ import annotations

from typing import Any

import polars as pl

from benchmark import fmt
from benchmark.catalog import CATEGORIES, get_category

__all__ = ["alternative_words", "depends_sentences"]


def _band_words(band: str) -> str:
    """``22-64`` → ``22–64``, ``22-`` → ``22+``."""
    lo, _, hi = band.partition("-")
    return f"{lo}+" if not hi else f"{lo}–{hi}"


def alternative_words(row: dict[str, Any], alternative: str, lang: str = "sv") -> str:
    """One alternative of ``flag_depends_on`` as a condition in words.

    Examples
    --------
    >>> alternative_words({"category": "daglig_verksamhet"}, "age_band=22-64")
    'med åldrarna 22–64 i stället för 20–64'
    >>> alternative_words({"category": "kontaktperson"}, "age_model=band", "en")
    "if Sweden's share is taken as the same at every age"
    """
    key, _, value = alternative.partition("=")
    cat = get_category(str(row["category"]))
    if key == "age_band":
        return fmt.text("summary.alternative_age_band", lang, band=_band_words(value),
                        own=fmt.band_label(cat.band_label, lang))
    if value == "profile":
        return fmt.text("summary.alternative_age_model_profile", lang)
    if cat.id == "totalt":
        band = fmt.text("band.in_total_bands", lang)
    elif cat.age_min == 0 and cat.age_max is None:
        band = ""
    else:
        band = fmt.text("band.in_band", lang, band=cat.band_label)
    return fmt.text("summary.alternative_age_model_band", lang, band=band).rstrip()


def _either(items: list[str], lang: str) -> str:
    """``a, b or c`` (the catalogue's ``format.or``)."""
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + f" {fmt.text('format.or', lang)} " + items[-1]


def depends_sentences(table: pl.DataFrame, lang: str = "sv") -> list[str]:
    """Plain sentences for the rows whose assessment depends on how ages are counted
    (``robust`` false), naming the alternative ways that change it.

    Examples
    --------
    >>> row = {"category": "boende", "status": "ok", "flag": "higher", "ratio": 1.3,
    ...        "robust": False, "flag_depends_on": "age_model=band"}
    >>> depends_sentences(pl.DataFrame([row]), "en")[0][:60]
    'The number for housing with special service looks higher tha'
    """
    order = {c.id: i for i, c in enumerate(CATEGORIES)}
    rows = sorted((r for r in table.to_dicts() if r.get("status") == "ok"
                   and r.get("robust") is False and r.get("flag_depends_on")),
                  key=lambda r: order.get(r["category"], 99))
    out = []
    for r in rows:
        how = _either([alternative_words(r, a, lang)
                       for a in r["flag_depends_on"].split("; ")], lang)
        name = fmt.category_label(r["category"], lang, mid_sentence=True)
        if r["flag"] in ("higher", "lower"):
            what = fmt.text(f"summary.depends_{r['flag']}", lang, name=name)
            out.append(fmt.text("summary.depends_lead", lang, what=what, how=how))
        elif r["flag"] == "similar":
            # what the other ways give: the direction of the deviation
            direction = "higher" if (r.get("ratio") or 1.0) > 1 else "lower"
            out.append(fmt.text("summary.depends_similar", lang, name=name, how=how,
                                direction=fmt.text(f"summary.direction_{direction}", lang)))
    return [s[:1].upper() + s[1:] for s in out]
