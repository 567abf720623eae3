"""Privacy by construction: personnummer detection and small-cell suppression.

**Personnummer.** A value looks like a personnummer (or samordningsnummer) when it is 10 or
12 digits, with or without a ``-``/``+`` before the last four, whose date part is a
possible date (day 61–91 for a samordningsnummer, 12 digits starting 18, 19 or 20) and whose
last digit is the Luhn check digit of the nine before it. A column is personnummer-like when
at least :data:`PNR_SHARE` (half) of its non-empty values look like one. Any number passes
the Luhn test one time in ten (random 10-digit keys pass both tests about once in 270; a
column of date-like numbers such as 202403051234 about once in ten), so no numeric key or
case-number column is mistaken for personnummer, while a real personnummer column is
caught even with many typos. Every column of the file is checked, not only the ones the
import reads.

**Small cells** (the rule, :func:`suppress`). Every published figure is an aggregate. A
cell counting 1 or 2 persons is hidden (shown as "–"), and so is a median over 1 or 2
persons. Where a table shows a total and its parts (an equation total = Σ parts), a single
hidden cell could be given back by subtraction; then one more cell of the same equation is
hidden (complementary suppression): the smallest non-zero part (a part that is hidden
already is never chosen), else the total. This repeats over every equation until none has
exactly one hidden cell. Ratios of a hidden count (a share, a rate, O/E) are hidden with it.
Differences between two dates (a stock on 1 October and on another day) are changes of a
stock, not groups of persons, and are not protected further.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from datetime import date

import polars as pl

__all__ = ["HIDDEN", "PNR_SHARE", "SMALL", "is_small", "personnummer_columns", "suppress"]

#: What a hidden cell shows.
HIDDEN = "–"
#: Counts of persons that are hidden.
SMALL = (1, 2)
#: Share of a column's non-empty values that makes it personnummer-like.
PNR_SHARE = 0.5

_PNR = r"^\s*((?:18|19|20)?\d{6})[-+]?(\d{4})\s*$"


def is_small(persons: int | None) -> bool:
    """Whether a cell of ``persons`` persons is hidden (1 or 2)."""
    return persons is not None and SMALL[0] <= persons <= SMALL[-1]


def _luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(digits[:9]):
        d = int(ch) * (2 if i % 2 == 0 else 1)
        total += d - 9 if d > 9 else d
    return (10 - total % 10) % 10 == int(digits[9])


def _date_ok(ten: str, century: str | None) -> bool:
    month, day = int(ten[2:4]), int(ten[4:6])
    if day > 60:
        day -= 60  # samordningsnummer
    year = int((century or "20") + ten[:2])
    try:
        date(year if century else 2000, month, day)  # 2000: leap year, any 29 Feb passes
    except ValueError:
        return False
    return True


def looks_like_personnummer(value: object) -> bool:
    """Whether one value looks like a personnummer (see the module docstring).

    Examples
    --------
    >>> looks_like_personnummer("19811218-9876"), looks_like_personnummer("8112189876")
    (True, True)
    >>> looks_like_personnummer("8112189875"), looks_like_personnummer("P0001")
    (False, False)
    """
    import re

    m = re.match(_PNR, str(value))
    if m is None:
        return False
    head, tail = m.groups()
    century = head[:2] if len(head) == 8 else None
    ten = head[-6:] + tail
    return _date_ok(ten, century) and _luhn_ok(ten)


def personnummer_columns(frame: pl.DataFrame) -> list[tuple[str, int, int]]:
    """Columns of ``frame`` (all read as text) that look like personnummer.

    Returns (column, values that look like one, non-empty values) per such column. The
    regular-expression filter runs in polars; only candidates get the date and Luhn test.
    """
    found = []
    for name in frame.columns:
        text = frame[name].cast(pl.String, strict=False).str.strip_chars()
        # whole-number floats from a spreadsheet (8112189876.0) and lost leading zeros
        text = text.str.replace(r"\.0$", "")
        col = (pl.select(pl.when(text.str.contains(r"^\d{9}$")).then(text.str.zfill(10))
                         .otherwise(text)).to_series().drop_nulls())
        col = col.filter(col != "")
        if len(col) == 0:
            continue
        candidates = col.filter(col.str.contains(_PNR))
        if len(candidates) < max(1, PNR_SHARE * len(col)):
            continue
        hits = sum(looks_like_personnummer(v) for v in candidates.to_list())
        if hits >= max(1, PNR_SHARE * len(col)):
            found.append((name, hits, len(col)))
    return found


Cell = Hashable


def suppress(values: Mapping[Cell, int | None], persons: Mapping[Cell, int | None],
             equations: Iterable[tuple[Cell, Sequence[Cell]]] = ()) -> set[Cell]:
    """The cells to hide: primary (1–2 persons) and complementary (see the module rule).

    Parameters
    ----------
    values
        Cell → its value (e.g. decisions); used to choose complementary cells.
    persons
        Cell → the number of distinct persons behind it (primary suppression).
    equations
        (total cell, part cells): the total equals the sum of the parts and all are shown.

    Returns
    -------
    set
        The hidden cells.

    Examples
    --------
    >>> v = {"all": 10, "a": 1, "b": 9}
    >>> sorted(suppress(v, v, [("all", ["a", "b"])]))
    ['a', 'b']
    """
    hidden = {c for c, n in persons.items() if is_small(n)}
    eqs = [(total, list(parts)) for total, parts in equations]
    changed = True
    while changed:
        changed = False
        for total, parts in eqs:
            cells = [total, *parts]
            if sum(c in hidden for c in cells) != 1:
                continue
            shown = [c for c in parts if c not in hidden]
            nonzero = [c for c in shown if (values.get(c) or 0) > 0]
            pick = (min(nonzero, key=lambda c: (values.get(c) or 0, str(c))) if nonzero
                    else shown[0] if shown else total)
            if pick in hidden:  # the total is the hidden one and there are no parts
                continue
            hidden.add(pick)
            changed = True
    return hidden
