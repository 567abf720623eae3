"""The method settings of a comparison, in one frozen object recorded in every output.

:class:`Method` holds every choice the comparison table depends on besides the data: the
confidence levels, the age model and reference age bands, the reference population, the
overdispersion options, the multiple-testing family, the persistence rules, the peer
interval, the shrinkage, the decomposition and the robustness alternatives.
``screen``, ``compare`` and ``history`` take one (default: ``Method()``, the defaults
below); each table carries ``Method.describe()`` in its ``method`` column, and JSON output
carries ``Method.record()`` in its metadata. :meth:`Method.legacy` is the method of
version 0.1 (before issue 12), which reproduces its tables bit for bit.
"""

from __future__ import annotations

import dataclasses
import operator
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from benchmark.catalog import CATEGORIES, with_age_bands
from benchmark.comparison.bands import AGE_MODELS, ReferenceBands, reference_bands
from benchmark.comparison.labels import label
from benchmark.errors import InputError
from benchmark.indicators import NEED_BY_CATEGORY, need_indicators_for
from benchmark.stats import check_confidence
from benchmark.stats.need import NEED_MODELS

__all__ = ["DECOMPOSITIONS", "FDR_FAMILIES", "NEED_CHOICES", "PEER_INTERVALS", "POOLED_TESTS",
           "REFERENCES", "SHRINKAGES", "Method", "resolve_method"]

#: Reference populations the national comparison can use: the whole country, the rest of
#: the country, or (auto) the rest of the country only where the municipality holds more
#: than ``reference_share`` of a band's population.
REFERENCES = ("auto", "riket", "riket_utom_kommunen")
#: Multiple-testing families of ``q_value``: auto (``screen``: category × year across
#: municipalities; ``compare``/``history``: the municipality's categories × year).
FDR_FAMILIES = ("auto", "category_year", "municipality_year")
#: What the pooled test (``flag_3y``) tests: the yearly mean of the pooled years, or (as in
#: version 0.1) their sum as if the years were independent.
POOLED_TESTS = ("mean", "sum")
#: Peer interval: with the Poisson error of the peers' counts and the between-municipality
#: variance τ² (random_effects), or the peer expectation taken as fixed (version 0.1).
PEER_INTERVALS = ("random_effects", "fixed")
#: Shrinkage prior: the funnel's random-effects variance τ² (random_effects), or Marshall's
#: global moment estimate (version 0.1).
SHRINKAGES = ("random_effects", "marshall")
#: Decomposition of O − crude E: symmetric (Kitagawa) or sequential (version 0.1:
#: composition at national rates, the interaction in the other effect).
DECOMPOSITIONS = ("symmetric", "sequential")

#: The need model (:mod:`benchmark.stats.need`), or ``none`` (no need adjustment).
NEED_CHOICES = (*NEED_MODELS, "none")

AgeBands = tuple[tuple[str, tuple[int, int | None]], ...]
NeedIndicators = tuple[tuple[str, tuple[str, ...]], ...]


def _whole(value: object, name: str, minimum: int) -> int:
    try:
        if isinstance(value, bool):
            raise TypeError
        number = operator.index(value)  # type: ignore[call-overload]
    except TypeError:
        raise InputError(f"{name} must be a whole number >= {minimum}, got {value!r}") from None
    if number < minimum:
        raise InputError(f"{name} must be a whole number >= {minimum}, got {value!r}")
    return number


def _choice(value: object, name: str, choices: tuple[str, ...]) -> str:
    if value not in choices:
        raise InputError(f"{name} must be one of {', '.join(choices)}, got {value!r}")
    return str(value)


@dataclass(frozen=True)
class Method:
    """How a comparison table is computed (``notebooks/04-metod`` explains the method).

    Parameters
    ----------
    confidence
        Level of the intervals and of ``flag_95`` (default 0.95).
    strong_confidence
        Level of the strong flag ``flag`` and its funnel limits (default 0.998).
    age_bands
        Overrides of catalogue reference age bands, category id → (lo, hi) with hi
        ``None`` for an open band (not ``totalt``); empty: the catalogue.
    min_od_units
        Fewer municipalities than this with data in a category and year: no
        overdispersion estimate, exact Poisson limits (default 10).
    od_trim
        Share winsorised in each tail when φ is estimated (default 0.1).
    persistence_years, persistence_min
        ``persistent`` = ``flag_95`` in the same direction in at least ``persistence_min``
        of the last ``persistence_years`` years (default 3 of 5).
    pooled_years
        Years pooled in the pooled test (``flag_3y``, default 3).
    reference
        The national reference: ``"auto"`` (default: the rest of the country where the
        municipality holds more than ``reference_share`` of a reference band's population,
        else the whole country), ``"riket"`` or ``"riket_utom_kommunen"``; the
        ``reference`` column says which each row used.
    reference_share
        The share for ``reference="auto"`` (default 0.05).
    age_model
        ``"profile"`` (default: the national age × sex shape inside each reference band,
        :mod:`benchmark.comparison.profile`) or ``"band"`` (the national rate flat inside
        the band, version 0.1).
    fdr
        Family of the Benjamini–Hochberg ``q_value``: ``"auto"`` (default: category × year
        across municipalities in ``screen``, the municipality's categories × year in
        ``compare``/``history``), ``"category_year"`` or ``"municipality_year"``.
    od_window
        Years pooled for φ and τ² of a year: the year and up to ``od_window − 1`` before it
        (default 5; 1 = each year alone, version 0.1).
    pooled_test
        ``"mean"`` (default: ``flag_3y`` tests the yearly mean of the pooled years) or
        ``"sum"`` (their sum, version 0.1).
    peer_interval
        ``"random_effects"`` (default: the peer ratio's interval includes the Poisson error
        of the peers' counts and τ²) or ``"fixed"`` (version 0.1).
    shrinkage
        ``"random_effects"`` (default: shrunk towards Riket with the funnel's τ²) or
        ``"marshall"`` (version 0.1).
    decomposition
        ``"symmetric"`` (default, Kitagawa) or ``"sequential"`` (version 0.1).
    alternatives
        Compute the robustness alternatives (``robust``, ``flag_alternatives``; default
        True): the other age model and each finite band edge moved by ± ``band_shift``.
    band_shift
        Years a band edge is moved in the alternatives (default 2).
    need_model
        The need adjustment (:mod:`benchmark.comparison.need`): ``"negative_binomial"``
        (default), ``"quasi_poisson"`` or ``"none"`` (no need columns; the decomposition
        stays two-way).
    need_indicators
        Overrides of the catalogue's indicators per insats
        (:data:`benchmark.indicators.NEED_BY_CATEGORY`), category id → indicator ids; an
        empty tuple switches the adjustment off for that insats.

    Raises
    ------
    InputError
        For a setting outside its valid range, naming it.

    Examples
    --------
    >>> m = Method(confidence=0.9, age_bands={"daglig_verksamhet": (18, 64)})
    >>> m.describe()  # doctest: +NORMALIZE_WHITESPACE
    'confidence=0.9; strong_confidence=0.998; age_model=profile;
     age_bands=daglig_verksamhet:18-64; reference=auto(0.05); fdr=auto; od_window=5;
     min_od_units=10; od_trim=0.1; persistence=3/5; pooled_years=3(mean);
     peer_interval=random_effects; shrinkage=random_effects; decomposition=symmetric;
     alternatives=band_shift:2; need=negative_binomial'
    >>> Method() == Method(age_bands={})
    True
    >>> Method.legacy().describe()  # doctest: +NORMALIZE_WHITESPACE
    'confidence=0.95; strong_confidence=0.998; age_model=band; age_bands=catalogue;
     reference=riket; fdr=municipality_year; od_window=1; min_od_units=10; od_trim=0.1;
     persistence=3/5; pooled_years=3(sum); peer_interval=fixed; shrinkage=marshall;
     decomposition=sequential; alternatives=none; need=none'
    """

    confidence: float = 0.95
    strong_confidence: float = 0.998
    age_bands: AgeBands | Mapping[str, tuple[int, int | None]] | None = ()
    min_od_units: int = 10
    od_trim: float = 0.1
    persistence_years: int = 5
    persistence_min: int = 3
    pooled_years: int = 3
    reference: str = "auto"
    reference_share: float = 0.05
    age_model: str = "profile"
    fdr: str = "auto"
    od_window: int = 5
    pooled_test: str = "mean"
    peer_interval: str = "random_effects"
    shrinkage: str = "random_effects"
    decomposition: str = "symmetric"
    alternatives: bool = True
    band_shift: int = 2
    need_model: str = "negative_binomial"
    need_indicators: NeedIndicators | Mapping[str, tuple[str, ...]] | None = ()
    _bands: ReferenceBands = field(init=False, repr=False, compare=False)

    @classmethod
    def legacy(cls, **changes: Any) -> Method:
        """The method of version 0.1 (main before issue 12), which reproduces its tables
        bit for bit: the band model, Riket as the reference, BH within municipality × year,
        φ/τ² from each year alone, the pooled test on the sum, a fixed peer expectation,
        Marshall's shrinkage, the sequential decomposition, no alternatives (``robust``
        and ``flag_alternatives`` stay empty) and no need adjustment. ``changes`` override
        single settings.

        Examples
        --------
        >>> Method.legacy().age_model, Method.legacy(confidence=0.9).od_window
        ('band', 1)
        """
        settings: dict[str, Any] = {
            "age_model": "band", "reference": "riket", "fdr": "municipality_year",
            "od_window": 1, "pooled_test": "sum", "peer_interval": "fixed",
            "shrinkage": "marshall", "decomposition": "sequential", "alternatives": False,
            "need_model": "none"}
        return cls(**{**settings, **changes})

    def __post_init__(self) -> None:
        put = object.__setattr__
        put(self, "confidence", check_confidence(self.confidence, "confidence"))
        put(self, "strong_confidence",
            check_confidence(self.strong_confidence, "strong_confidence"))
        raw = self.age_bands
        if isinstance(raw, tuple):
            try:
                raw = dict(raw)
            except (TypeError, ValueError):
                raise InputError("age_bands must be a mapping category id → (lo, hi), e.g. "
                                 "{'daglig_verksamhet': (18, 64)}") from None
        categories = with_age_bands(raw)
        put(self, "age_bands", tuple(
            (c.id, (c.age_min, c.age_max)) for c, default in zip(categories, CATEGORIES,
                                                                 strict=True)
            if c != default))
        put(self, "age_model", _choice(self.age_model, "age_model", AGE_MODELS))
        put(self, "band_shift", _whole(self.band_shift, "band_shift", 1))
        if not isinstance(self.alternatives, bool):
            raise InputError(f"alternatives must be True or False, got {self.alternatives!r}")
        put(self, "_bands", reference_bands(dict(self.age_bands), self.age_model,
                                            self.band_shift if self.alternatives else None))
        put(self, "min_od_units", _whole(self.min_od_units, "min_od_units", 2))
        try:
            trim = float(self.od_trim)
        except (TypeError, ValueError):
            trim = -1.0
        if not 0 <= trim < 0.5:
            raise InputError(f"od_trim must be a share in [0, 0.5), e.g. 0.1, got "
                             f"{self.od_trim!r}")
        put(self, "od_trim", trim)
        put(self, "persistence_years", _whole(self.persistence_years, "persistence_years", 1))
        put(self, "persistence_min", _whole(self.persistence_min, "persistence_min", 1))
        if self.persistence_min > self.persistence_years:
            raise InputError(f"persistence_min ({self.persistence_min}) must not exceed "
                             f"persistence_years ({self.persistence_years})")
        put(self, "pooled_years", _whole(self.pooled_years, "pooled_years", 1))
        put(self, "reference", _choice(self.reference, "reference", REFERENCES))
        try:
            share = float(self.reference_share)
        except (TypeError, ValueError):
            share = -1.0
        if not 0 < share < 1:
            raise InputError(f"reference_share must be a share in (0, 1), e.g. 0.05, got "
                             f"{self.reference_share!r}")
        put(self, "reference_share", share)
        put(self, "fdr", _choice(self.fdr, "fdr", FDR_FAMILIES))
        put(self, "od_window", _whole(self.od_window, "od_window", 1))
        put(self, "pooled_test", _choice(self.pooled_test, "pooled_test", POOLED_TESTS))
        put(self, "peer_interval", _choice(self.peer_interval, "peer_interval",
                                           PEER_INTERVALS))
        put(self, "shrinkage", _choice(self.shrinkage, "shrinkage", SHRINKAGES))
        put(self, "decomposition", _choice(self.decomposition, "decomposition",
                                           DECOMPOSITIONS))
        put(self, "need_model", _choice(self.need_model, "need_model", NEED_CHOICES))
        raw_need = self.need_indicators
        if isinstance(raw_need, tuple):
            try:
                raw_need = dict(raw_need)
            except (TypeError, ValueError):
                raise InputError("need_indicators must be a mapping category id → indicator "
                                 "ids, e.g. {'daglig_verksamhet': ('aktivitetsersattning',)}"
                                 ) from None
        if raw_need is not None and not isinstance(raw_need, Mapping):
            raise InputError(f"need_indicators must be a mapping category id → indicator "
                             f"ids, got {type(raw_need).__name__}")
        chosen = need_indicators_for(raw_need)
        put(self, "need_indicators", tuple((c, ids) for c, ids in chosen.items()
                                           if ids != NEED_BY_CATEGORY[c]))

    @property
    def bands(self) -> ReferenceBands:
        """The reference bands in use (the catalogue with :attr:`age_bands` applied)."""
        return self._bands

    @property
    def window(self) -> int:
        """Years of history a table year needs: persistence (whose earlier years need their
        own overdispersion window) and the pooled test."""
        return max(self.persistence_years + self.od_window - 1, self.pooled_years)

    def need_for(self, category: str) -> tuple[str, ...]:
        """The need indicator ids of a category (none when :attr:`need_model` is
        ``"none"``)."""
        if self.need_model == "none":
            return ()
        return dict(self.need_indicators).get(category, NEED_BY_CATEGORY.get(category, ()))

    def fdr_family(self, front: str) -> str:
        """The q-value family for a front (``"screen"`` or ``"compare"``): :attr:`fdr`, or
        for ``"auto"`` category × year in ``screen`` and municipality × year otherwise."""
        if self.fdr != "auto":
            return self.fdr
        return "category_year" if front == "screen" else "municipality_year"

    def describe(self) -> str:
        """The settings as one line of ``key=value`` pairs (the ``method`` column)."""
        bands = ",".join(f"{cid}:{lo}+" if hi is None else f"{cid}:{lo}-{hi}"
                         for cid, (lo, hi) in self.age_bands) or "catalogue"
        reference = (f"auto({self.reference_share:g})" if self.reference == "auto"
                     else self.reference)
        alternatives = f"band_shift:{self.band_shift}" if self.alternatives else "none"
        return (f"confidence={self.confidence:g}; strong_confidence="
                f"{self.strong_confidence:g}; age_model={self.age_model}; "
                f"age_bands={bands}; reference={reference}; fdr={self.fdr}; "
                f"od_window={self.od_window}; min_od_units={self.min_od_units}; "
                f"od_trim={self.od_trim:g}; "
                f"persistence={self.persistence_min}/{self.persistence_years}; "
                f"pooled_years={self.pooled_years}({self.pooled_test}); "
                f"peer_interval={self.peer_interval}; shrinkage={self.shrinkage}; "
                f"decomposition={self.decomposition}; alternatives={alternatives}; "
                f"need={self.need_model}"
                + "".join(f"; need_indicators={cid}:{'+'.join(ids) or 'none'}"
                          for cid, ids in self.need_indicators))

    def record(self) -> dict[str, Any]:
        """The settings as a JSON-ready mapping, with the reference band of every category."""
        return {
            "confidence": self.confidence,
            "strong_confidence": self.strong_confidence,
            "age_model": self.age_model,
            "reference": self.reference,
            "reference_share": self.reference_share,
            "fdr": self.fdr,
            "reference_bands": {c.id: (label("band.total_split") if c.id == "totalt"
                                       else c.band_label) for c in self.bands.categories},
            "age_band_overrides": {cid: [lo, hi] for cid, (lo, hi) in self.age_bands},
            "overdispersion": {"scale": "sqrt", "trim": self.od_trim,
                               "trim_method": "winsorise", "consistency": True,
                               "min_units": self.min_od_units, "window_years": self.od_window},
            "persistence": {"years": self.persistence_years,
                            "min_flagged": self.persistence_min},
            "pooled_years": self.pooled_years,
            "pooled_test": self.pooled_test,
            "peer_interval": self.peer_interval,
            "shrinkage": self.shrinkage,
            "decomposition": self.decomposition,
            "alternatives": ({"age_model": True, "band_shift": self.band_shift}
                             if self.alternatives else None),
            "need": ({"model": self.need_model,
                      "indicators": {c.id: list(self.need_for(c.id))
                                     for c in self.bands.categories}}
                     if self.need_model != "none" else None),
        }


def resolve_method(method: Method | None = None, **overrides: Any) -> Method:
    """``method`` (default ``Method()``) with the keyword settings that are not ``None``.

    Examples
    --------
    >>> resolve_method(confidence=0.9, age_bands=None).confidence
    0.9
    """
    base = Method() if method is None else method
    if not isinstance(base, Method):
        raise InputError(f"method must be a benchmark.comparison.Method, got "
                         f"{type(base).__name__}")
    changes = {k: v for k, v in overrides.items() if v is not None}
    return dataclasses.replace(base, **changes) if changes else base
