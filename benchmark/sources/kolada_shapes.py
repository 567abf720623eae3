"""Kolada v3 response shapes: the validators ``fetch`` runs on every body, and the notes
``fetch`` and ``doctor`` give when a valid response departs from the v3 shape the suite was
built for.

Shapes as the live v3 API answers: group members are
``{"member_id", "member_title"}`` (v2's ``{"id", "title"}`` is still accepted); a value
entry may carry ``isdeleted`` and one with ``isdeleted: true`` is never used (an entry
without the field is live).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from itertools import chain, repeat
from types import NoneType
from typing import Any

from benchmark.sources.http import InvalidBody

#: Member keys of a group: v3 first, then v2's (still accepted).
MEMBER_KEYS_V3 = ("member_id", "member_title")
MEMBER_KEYS_V2 = ("id", "title")

#: Fields of the v3 shapes the suite was built for; anything else
#: is reported by :func:`shape_notes` as a change in the live API.
KNOWN_FIELDS: dict[str, frozenset[str]] = {
    "envelope": frozenset({"values", "count", "next_url", "previous_url", "next_page",
                           "previous_page"}),
    "kolada-kpi": frozenset({"id", "title", "description", "is_divided_by_gender",
                             "municipality_type", "auspice", "operating_area", "perspective",
                             "prel_publication_date", "publication_date", "publ_period",
                             "has_ou_data"}),
    "kolada-municipality": frozenset({"id", "title", "type"}),
    "kolada-groups": frozenset({"id", "title", "members"}),
    "member": frozenset(MEMBER_KEYS_V3),
    "kolada-data": frozenset({"kpi", "municipality", "period", "values"}),
    "value": frozenset({"gender", "count", "status", "value", "isdeleted"}),
}


def _need(cond: bool, what: str) -> None:
    if not cond:
        raise InvalidBody(what)


def _check_envelope(data: Any) -> list[Any]:
    _need(isinstance(data, dict), "Kolada body is not a JSON object")
    values = data.get("values")
    _need(isinstance(values, list), "Kolada envelope has no 'values' list")
    count = data.get("count")
    _need(isinstance(count, int) and not isinstance(count, bool) and count >= len(values),
          "Kolada envelope has no valid 'count'")
    for name in ("next_url", "next_page"):
        _need(data.get(name) is None or isinstance(data.get(name), str | int),
              f"Kolada envelope has an invalid '{name}'")
    return values


def _is_int(x: Any) -> bool:
    return isinstance(x, int) and not isinstance(x, bool)


def _is_number(x: Any) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool)


def validate_data(data: Any) -> None:
    """Raise :class:`InvalidBody` unless ``data`` is a v3 data envelope.

    Items: ``kpi``, ``municipality`` (str), ``period`` (a year: int or 4-digit string) and
    ``values``, a list of ``{gender: str, value: number|null, status: str|null,
    count: int|null, isdeleted: bool (optional)}``. Other fields are allowed (see
    :func:`shape_notes`).
    """
    data_columns(data)


def data_columns(data: Any) -> DataColumns:
    """The fields of a v3 data envelope, checked column by column (:func:`validate_data`).

    One pass gathers each field of every item and value entry into a list; the checks
    then look at the few distinct Python types (and the few distinct periods) of each
    list. When one fails, the entry-by-entry check runs to name the first entry that
    is wrong, so the message is the same as :func:`validate_data` has always given.
    """
    items = _check_envelope(data)
    cols = _gather(items)
    if cols is None:
        _check_entries(items)
        raise AssertionError("column check and entry check disagree")  # pragma: no cover
    return cols


@dataclass(frozen=True)
class DataColumns:
    """A data envelope as columns: per item (``kpi``, ``municipality``, ``year``, ``n`` =
    its number of value entries) and per value entry, in document order."""

    kpi: list[str]
    municipality: list[str]
    year: list[int]
    n: list[int]
    gender: list[str]
    value: list[float | None]
    status: list[str | None]
    count: list[int | None]
    isdeleted: list[bool | None]


def _types_ok(column: list[Any], allowed: tuple[type, ...], none: bool = False) -> bool:
    """Every element is an instance of ``allowed`` (never a bool unless allowed) or, with
    ``none``, None: ``isinstance`` decided once per distinct type."""
    for t in set(map(type, column)):
        if none and t is NoneType:
            continue
        if not issubclass(t, allowed) or (issubclass(t, bool) and bool not in allowed):
            return False
    return True


def _period_ok(period: Any) -> bool:
    return ((_is_int(period) and 1000 <= period <= 9999)
            or (isinstance(period, str) and len(period) == 4 and period.isascii()
                and period.isdigit()))


def _gather(items: list[Any]) -> DataColumns | None:
    """The columns of valid ``items``; None when some item or entry is not valid."""
    get = dict.get
    if not _types_ok(items, (dict,)):
        return None
    kpi = list(map(get, items, repeat("kpi")))
    municipality = list(map(get, items, repeat("municipality")))
    lists = list(map(get, items, repeat("values")))
    periods = list(map(get, items, repeat("period")))
    if not (_types_ok(kpi, (str,)) and _types_ok(municipality, (str,))
            and _types_ok(lists, (list,)) and _types_ok(periods, (int, str))):
        return None
    distinct = set(periods)
    if not all(_period_ok(p) for p in distinct):
        return None
    years = {p: int(p) for p in distinct}
    entries = list(chain.from_iterable(lists))
    if not _types_ok(entries, (dict,)):
        return None
    gender, value, status, count, isdeleted = (
        list(map(get, entries, repeat(key)))
        for key in ("gender", "value", "status", "count", "isdeleted"))
    if not (_types_ok(gender, (str,)) and _types_ok(value, (int, float), none=True)
            and _types_ok(status, (str,), none=True) and _types_ok(count, (int,), none=True)
            and _types_ok(isdeleted, (bool,), none=True)):
        return None
    counts = [c for c in count if c is not None]
    if counts and not (min(counts) > -(2**63) and max(counts) < 2**63):
        return None
    if set(map(type, value)) - {float, NoneType}:  # ints (or subclasses) as float
        value = [None if v is None else float(v) for v in value]
    return DataColumns(kpi, municipality, list(map(years.__getitem__, periods)),
                       list(map(len, lists)), gender, value, status, count, isdeleted)


def _check_entries(items: list[Any]) -> None:
    """The entry-by-entry check: raises for the first item or value entry that is wrong."""
    for item in items:
        if not (isinstance(item, dict) and isinstance(item.get("kpi"), str)
                and isinstance(item.get("municipality"), str)
                and isinstance(item.get("values"), list)):
            raise InvalidBody(f"Kolada data item has the wrong shape: {_item_problem(item)}")
        period = item.get("period")
        _need(_period_ok(period),
              f"Kolada data item has an invalid period {period!r} (expected a year)")
        for v in item["values"]:
            if not (isinstance(v, dict) and isinstance(v.get("gender"), str)
                    and (v.get("value") is None or _is_number(v.get("value")))
                    and (v.get("status") is None or isinstance(v.get("status"), str))
                    and (v.get("count") is None
                         or (_is_int(v.get("count")) and abs(v.get("count")) < 2**63))):
                raise InvalidBody(f"Kolada data value of {item['kpi']} {item['municipality']} "
                                  f"{period} has the wrong shape: {_value_problem(v)}")
            _need(v.get("isdeleted") is None or isinstance(v.get("isdeleted"), bool),
                  f"Kolada data value has a non-boolean isdeleted {v.get('isdeleted')!r}")


def _shown(x: Any) -> str:
    text = repr(x)
    return f"{type(x).__name__} {text[:60]}{'…' if len(text) > 60 else ''}"


def _item_problem(item: Any) -> str:
    """What makes a data item differ from ``{kpi: str, municipality: str, values: list}``."""
    if not isinstance(item, dict):
        return f"{_shown(item)}, expected an object"
    for key, kind in (("kpi", str), ("municipality", str), ("values", list)):
        if not isinstance(item.get(key), kind):
            got = "absent" if key not in item else _shown(item[key])
            return f"'{key}' is {got}, expected {'a string' if kind is str else 'a list'}"
    return "unknown"


def _value_problem(v: Any) -> str:
    """What makes one entry of ``values`` differ from the v3 shape (the first field)."""
    if not isinstance(v, dict):
        return f"{_shown(v)}, expected an object"
    if not isinstance(v.get("gender"), str):
        got = "absent" if "gender" not in v else _shown(v["gender"])
        return f"'gender' is {got}, expected a string (T, K or M)"
    if not (v.get("value") is None or _is_number(v.get("value"))):
        return f"'value' is {_shown(v['value'])}, expected a number or null"
    if not (v.get("status") is None or isinstance(v.get("status"), str)):
        return f"'status' is {_shown(v['status'])}, expected a string or null"
    return f"'count' is {_shown(v.get('count'))}, expected a whole number or null"


def validate_metadata(kind: str) -> Any:
    """A validator for a metadata envelope of this kind (``kolada-kpi`` …)."""

    def _validate(data: Any) -> None:
        for item in _check_envelope(data):
            _need(isinstance(item, dict) and isinstance(item.get("id"), str)
                  and isinstance(item.get("title"), str), f"{kind} item lacks id/title")
            if kind == "kolada-groups":
                _need(isinstance(item.get("members"), list)
                      and all(member_code(m) is not None for m in item["members"]),
                      "group members have neither member_id (v3) nor id (v2) as a string")
            if kind == "kolada-municipality":
                _need(isinstance(item.get("type"), str), "municipality lacks type")

    return _validate


def validator(kind: str) -> Any:
    return validate_data if kind == "kolada-data" else validate_metadata(kind)


def member_code(member: Any) -> str | None:
    """A group member's municipality code: v3 ``member_id``, else v2 ``id``."""
    if not isinstance(member, dict):
        return None
    for key in (MEMBER_KEYS_V3[0], MEMBER_KEYS_V2[0]):
        if isinstance(member.get(key), str):
            return member[key]
    return None


def is_deleted(entry: dict[str, Any]) -> bool:
    """True for a value entry marked ``isdeleted: true`` (absent = live)."""
    return entry.get("isdeleted") is True


def count_deleted(data: dict[str, Any]) -> int:
    """Value entries marked deleted in one data envelope."""
    return sum(is_deleted(v) for item in data["values"] for v in item["values"])


def _unknown(where: str, objs: Iterable[Any], known: frozenset[str]) -> list[str]:
    extra = sorted({k for o in objs if isinstance(o, dict) for k in o} - known)
    if not extra:
        return []
    names = ", ".join(repr(k) for k in extra)
    return [f"unknown field{'s' if len(extra) > 1 else ''} {names} in {where}"]


def shape_notes(kind: str, data: Any) -> list[str]:
    """How a (valid) Kolada response departs from the v3 shape the suite was built for.

    Each note is one phrase naming exactly what differs, e.g. "group members use the v2
    keys 'id'/'title' instead of 'member_id'/'member_title'" or "unknown field 'foo' in
    value entries". An empty list means the shape is exactly as expected. The
    fetch still works with every difference named here (unknown fields are ignored and
    both member shapes are read); a body it cannot use fails validation instead.
    """
    if not isinstance(data, dict):
        return []
    notes = _unknown("the envelope", [data], KNOWN_FIELDS["envelope"])
    if "next_url" not in data and "next_page" in data:
        notes.append("the envelope pages with v2 'next_page' instead of v3 'next_url'")
    items = [i for i in data.get("values") or [] if isinstance(i, dict)]
    if kind in KNOWN_FIELDS:
        label = {"kolada-kpi": "KPI entries", "kolada-municipality": "municipality entries",
                 "kolada-groups": "group entries", "kolada-data": "data items"}[kind]
        notes += _unknown(label, items, KNOWN_FIELDS[kind])
    if kind == "kolada-groups":
        members = [m for i in items for m in i.get("members") or [] if isinstance(m, dict)]
        v2 = [m for m in members if MEMBER_KEYS_V3[0] not in m and MEMBER_KEYS_V2[0] in m]
        if v2:
            notes.append(f"group members use the v2 keys 'id'/'title' instead of "
                         f"'member_id'/'member_title' ({len(v2)} of {len(members)} members)")
        v3 = [m for m in members if m not in v2]
        notes += _unknown("group members", v3, KNOWN_FIELDS["member"])
    if kind == "kolada-data":
        entries = [v for i in items for v in i.get("values") or [] if isinstance(v, dict)]
        notes += _unknown("value entries", entries, KNOWN_FIELDS["value"])
    return notes
