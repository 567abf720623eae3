"""The method settings of a comparison, in one frozen object recorded in every output.

:class:`Method` holds every choice the comparison table depends on besides the data: the
confidence levels, the reference age bands, the overdispersion options, the persistence
rules and the reference population. ``screen``, ``compare`` and ``history`` take one
(default: ``Method()``, the defaults below); each table carries ``Method.describe()`` in
its ``method`` column, and JSON output carries ``Method.record()`` in its metadata.
"""

from __future__ import annotations

import dataclasses
import operator
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from benchmark.catalog import CATEGORIES, with_age_bands
from benchmark.comparison.bands import ReferenceBands, reference_bands
from benchmark.comparison.labels import label
from benchmark.errors import InputError
from benchmark.stats import check_confidence

__all__ = ["REFERENCES", "Method", "resolve_method"]

#: Reference populations the national comparison can use.
REFERENCES = ("riket",)

AgeBands = tuple[tuple[str, tuple[int, int | None]], ...]


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
        The national reference population: ``"riket"`` (the whole country).

    Raises
    ------
    InputError
        For a setting outside its valid range, naming it.

    Examples
    --------
    >>> m = Method(confidence=0.9, age_bands={"daglig_verksamhet": (18, 64)})
    >>> m.describe()  # doctest: +NORMALIZE_WHITESPACE
    'confidence=0.9; strong_confidence=0.998; reference=riket;
     age_bands=daglig_verksamhet:18-64; min_od_units=10; od_trim=0.1; persistence=3/5;
     pooled_years=3'
    >>> Method() == Method(age_bands={})
    True
    """

    confidence: float = 0.95
    strong_confidence: float = 0.998
    age_bands: AgeBands | Mapping[str, tuple[int, int | None]] | None = ()
    min_od_units: int = 10
    od_trim: float = 0.1
    persistence_years: int = 5
    persistence_min: int = 3
    pooled_years: int = 3
    reference: str = "riket"
    _bands: ReferenceBands = field(init=False, repr=False, compare=False)

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
        put(self, "_bands", reference_bands(dict(self.age_bands)))
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
        if self.reference not in REFERENCES:
            raise InputError(f"reference must be one of {', '.join(REFERENCES)}, got "
                             f"{self.reference!r}")

    @property
    def bands(self) -> ReferenceBands:
        """The reference bands in use (the catalogue with :attr:`age_bands` applied)."""
        return self._bands

    @property
    def window(self) -> int:
        """Years of history a table year needs (persistence and the pooled test)."""
        return max(self.persistence_years, self.pooled_years)

    def describe(self) -> str:
        """The settings as one line of ``key=value`` pairs (the ``method`` column)."""
        bands = ",".join(f"{cid}:{lo}+" if hi is None else f"{cid}:{lo}-{hi}"
                         for cid, (lo, hi) in self.age_bands) or "catalogue"
        return (f"confidence={self.confidence:g}; strong_confidence="
                f"{self.strong_confidence:g}; reference={self.reference}; age_bands={bands}; "
                f"min_od_units={self.min_od_units}; od_trim={self.od_trim:g}; "
                f"persistence={self.persistence_min}/{self.persistence_years}; "
                f"pooled_years={self.pooled_years}")

    def record(self) -> dict[str, Any]:
        """The settings as a JSON-ready mapping, with the reference band of every category."""
        return {
            "confidence": self.confidence,
            "strong_confidence": self.strong_confidence,
            "reference": self.reference,
            "reference_bands": {c.id: (label("band.total_split") if c.id == "totalt"
                                       else c.band_label) for c in self.bands.categories},
            "age_band_overrides": {cid: [lo, hi] for cid, (lo, hi) in self.age_bands},
            "overdispersion": {"scale": "sqrt", "trim": self.od_trim,
                               "trim_method": "winsorise", "consistency": True,
                               "min_units": self.min_od_units},
            "persistence": {"years": self.persistence_years,
                            "min_flagged": self.persistence_min},
            "pooled_years": self.pooled_years,
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
