"""The need indicators: public measures of need that the LSS unit does not decide itself.

Each indicator is a Kolada KPI (a count per municipality and year) divided by the
population of an age group; its ratio to the national rate enters the need model
(:mod:`benchmark.stats.need`, :mod:`benchmark.comparison.need`). Which indicators go with
which insats is a documented choice, overridable with ``Method(need_indicators=…)`` or
``--need-indicators CATEGORY=ID,ID``:

* adult insatser (bostad med särskild service, daglig verksamhet): aktivitetsersättning
  among 19–29 år, the main group of daglig verksamhet and adult LSS housing (long-term
  reduced work capacity among young adults, decided by Försäkringskassan);
* children's insatser (avlösarservice, korttidsvistelse, korttidstillsyn): pupils in
  anpassad grundskola among 7–15 år (intellectual disability among children, decided by
  the school; placement is itself a municipal decision, by another authority);
* insatser across ages (personal assistance, ledsagarservice, kontaktperson) and the total:
  both.

Sjukersättning among 30–64 år is available (``sjukersattning``) but used by no insats by
default: it measures reduced work capacity of every cause, mostly not LSS's personkretsar.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from benchmark.errors import InputError

__all__ = ["INDICATORS", "INDICATOR_BY_ID", "NEED_BY_CATEGORY", "NeedIndicator",
           "indicator_kpis", "need_indicators_for", "parse_need_indicators"]


@dataclass(frozen=True)
class NeedIndicator:
    """One need indicator: a Kolada count KPI per inhabitant of ``age_min``–``age_max``."""

    id: str
    kpi: str
    title: str
    age_min: int
    age_max: int

    @property
    def band_label(self) -> str:
        """The age group, e.g. ``19–29``."""
        return f"{self.age_min}–{self.age_max}"


INDICATORS: tuple[NeedIndicator, ...] = (
    NeedIndicator("aktivitetsersattning", "N01702",
                  "Individer med aktivitetsersättning räknat i helårsekvivalenter, antal",
                  19, 29),
    NeedIndicator("anpassad_grundskola", "N18803",
                  "Elever i anpassad grundskola, hemkommun, antal", 7, 15),
    NeedIndicator("sjukersattning", "N01703",
                  "Individer med sjukersättning räknat i helårsekvivalenter, antal", 30, 64),
)
INDICATOR_BY_ID: dict[str, NeedIndicator] = {i.id: i for i in INDICATORS}

_ADULT, _CHILD = ("aktivitetsersattning",), ("anpassad_grundskola",)
_BOTH = ("aktivitetsersattning", "anpassad_grundskola")
#: The catalogue's choice of indicators per insats (see the module docstring).
NEED_BY_CATEGORY: dict[str, tuple[str, ...]] = {
    "boende": _ADULT, "daglig_verksamhet": _ADULT,
    "personlig_assistans_lss": _BOTH, "personlig_assistans_sfb": _BOTH,
    "ledsagarservice": _BOTH, "kontaktperson": _BOTH,
    "avlosarservice": _CHILD, "korttidsvistelse": _CHILD, "korttidstillsyn": _CHILD,
    "totalt": _BOTH,
}


def indicator_kpis() -> dict[str, str]:
    """KPI id → Kolada title of every indicator (what ``fetch`` adds).

    Examples
    --------
    >>> list(indicator_kpis())
    ['N01702', 'N18803', 'N01703']
    """
    return {i.kpi: i.title for i in INDICATORS}


def need_indicators_for(overrides: Mapping[str, tuple[str, ...]] | None = None
                        ) -> dict[str, tuple[str, ...]]:
    """The indicators per category: the catalogue with ``overrides`` applied.

    An empty tuple switches the need adjustment off for that category.

    Raises
    ------
    InputError
        For an unknown category or indicator id, naming the valid ones.

    Examples
    --------
    >>> need_indicators_for({"daglig_verksamhet": ("sjukersattning",)})["daglig_verksamhet"]
    ('sjukersattning',)
    """
    chosen = dict(NEED_BY_CATEGORY)
    for cid, ids in (overrides or {}).items():
        if cid not in chosen:
            raise InputError(f"unknown category {cid!r} for need indicators; valid: "
                             f"{', '.join(chosen)}")
        ids = (ids,) if isinstance(ids, str) else tuple(ids)
        unknown = [i for i in ids if i not in INDICATOR_BY_ID]
        if unknown:
            raise InputError(f"unknown need indicator {unknown[0]!r} for {cid}; valid: "
                             f"{', '.join(INDICATOR_BY_ID)}")
        chosen[cid] = tuple(dict.fromkeys(ids))
    return chosen


def parse_need_indicators(text: str) -> tuple[str, tuple[str, ...]]:
    """Parse ``daglig_verksamhet=aktivitetsersattning,sjukersattning`` (or ``=none``).

    Examples
    --------
    >>> parse_need_indicators("boende=sjukersattning,aktivitetsersattning")
    ('boende', ('sjukersattning', 'aktivitetsersattning'))
    >>> parse_need_indicators("kontaktperson=none")
    ('kontaktperson', ())
    """
    cid, sep, rest = str(text).partition("=")
    ids = () if rest.strip() == "none" else tuple(x.strip() for x in rest.split(",")
                                                  if x.strip())
    if not sep or not cid.strip() or not (ids or rest.strip() == "none"):
        raise InputError(f"invalid need indicators {text!r}; valid: CATEGORY=ID[,ID] or "
                         f"CATEGORY=none (no need adjustment), ids: "
                         f"{', '.join(INDICATOR_BY_ID)}")
    return cid.strip(), need_indicators_for({cid.strip(): ids})[cid.strip()]
