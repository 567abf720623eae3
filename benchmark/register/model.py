"""The validated register: one row per decision, persons as anonymous numbers."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import polars as pl

__all__ = ["DECISION_SCHEMA", "Register"]

#: Columns of :attr:`Register.decisions`.
DECISION_SCHEMA: dict[str, pl.DataType] = {
    "person": pl.UInt32(),  # dense number 0…n−1 in the order of the file's keys; never the key
    "birth_year": pl.Int32(),
    "category": pl.String(),  # one of format.REGISTER_CATEGORIES
    "outcome": pl.String(),  # bifall | delvis_bifall | avslag
    "decided": pl.Date(),
    "started": pl.Date(),
    "ended": pl.Date(),
    "row": pl.UInt32(),  # row number in the file (header = 1)
}


@dataclass(frozen=True)
class Register:
    """A validated case-system export, held in memory only.

    The file's pseudonymous keys are replaced on reading by dense numbers (``person``), so
    nothing built from a :class:`Register` can carry a key of the file. Only aggregates
    leave it (:mod:`benchmark.register.aggregate`).

    Attributes
    ----------
    decisions
        One row per counted decision (:data:`DECISION_SCHEMA`).
    source
        The file name (not its folder).
    rows
        Data rows in the file.
    left_out
        Rows left out by reason (assistansersättning, råd och stöd, ``--map LABEL=skip``).
    """

    decisions: pl.DataFrame = field(repr=False)
    source: str
    rows: int
    left_out: dict[str, int]

    @property
    def categories(self) -> tuple[str, ...]:
        """The insatser with at least one decision in the file, catalogue order."""
        from benchmark.register.format import REGISTER_CATEGORIES

        present = set(self.decisions["category"].unique().to_list())
        return tuple(c for c in REGISTER_CATEGORIES if c in present)

    @property
    def first_date(self) -> date | None:
        """The earliest decision date."""
        return self.decisions["decided"].min()  # type: ignore[return-value]

    @property
    def last_date(self) -> date | None:
        """The newest date of any kind in the file (decision, start or end)."""
        dates = [self.decisions[c].max() for c in ("decided", "started", "ended")]
        dates = [d for d in dates if d is not None]
        return max(dates) if dates else None  # type: ignore[return-value]

    def __repr__(self) -> str:
        return (f"Register({self.source!r}: {self.rows} rows, {self.decisions.height} "
                f"decisions counted, {self.decisions['person'].n_unique()} persons)")
