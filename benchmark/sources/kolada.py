"""Kolada v3: query planning under the API limits, envelope validation and tidy parsers.

Data come from the path form ``/data/kpi/{≤25 ids}/year/{≤25 years}?per_page=5000``
(every municipality and Riket ``0000`` for those KPIs and years), following ``next_url``
(v3) or ``next_page`` (v2 naming) until it is empty. KPI chunks are sized by a small
dynamic programme so the number of pages is the minimum the 25-item and 5 000-row limits
allow. Metadata: ``/kpi/{ids}``, ``/municipality`` and ``/municipality_groups``.

Peer groups (``parse_groups``) are classified by ``kind``:

* ``liknande_lss``: "Liknande kommuner LSS, <kommun>, <år>"; ``focus`` is the municipality
  the group was made for, resolved from its name in the register (it is not a member);
* ``kommungrupp``: SKR's municipality groups G92786–G92794;
* ``lan``: "<X> läns kommuner (ovägt medel)";
* ``storlek``: "Kommuner med … invånare (ovägt medel)";
* ``other``: every other Kolada group (networks, other "Liknande kommuner …" families).
  They are kept so that any Kolada group id can be used as a peer group.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

import polars as pl

from benchmark.sources.http import InvalidBody
from benchmark.sources.plan import PlannedRequest

API = "Kolada"
MAX_SEGMENT = 25
PER_PAGE = 5000
KOMMUNGRUPP_IDS = tuple(f"G{n}" for n in range(92786, 92795))

VALUES_SCHEMA = {
    "kpi": pl.Utf8, "municipality": pl.Utf8, "year": pl.Int32, "gender": pl.Utf8,
    "value": pl.Float64, "status": pl.Utf8, "count": pl.Int64, "snapshot": pl.Utf8,
}


# -- planning ---------------------------------------------------------------------------------
def chunk(items: Sequence[Any], size: int = MAX_SEGMENT) -> list[list[Any]]:
    """Consecutive chunks of at most ``size`` items."""
    return [list(items[i : i + size]) for i in range(0, len(items), size)]


def _kpi_partition(n_kpis: int, rows_per_kpi: int, per_page: int) -> list[int]:
    """Chunk sizes (≤ 25) for ``n_kpis`` KPIs minimising the total number of pages (then
    the number of chunks)."""
    inf = (math.inf, math.inf)
    best: list[tuple[float, float]] = [(0, 0)] + [inf] * n_kpis  # (pages, chunks)
    choice = [0] * (n_kpis + 1)
    for k in range(1, n_kpis + 1):
        for s in range(min(MAX_SEGMENT, k), 0, -1):
            pages, chunks = best[k - s]
            cost = (pages + max(1, math.ceil(s * rows_per_kpi / per_page)), chunks + 1)
            if cost < best[k]:
                best[k], choice[k] = cost, s
    sizes, k = [], n_kpis
    while k:
        sizes.append(choice[k])
        k -= choice[k]
    return sorted(sizes, reverse=True)


def plan_data(base_url: str, kpis: Sequence[str], years: Sequence[int], *, n_units: int = 291,
              per_page: int = PER_PAGE) -> list[PlannedRequest]:
    """Data requests covering ``kpis`` × ``years`` for all municipalities.

    ``n_units`` (municipalities + Riket answering per KPI and year) is only used to size
    the KPI chunks so that pages are as full as possible.
    """
    out: list[PlannedRequest] = []
    for ys in chunk(sorted(set(years))):
        sizes = _kpi_partition(len(kpis), n_units * len(ys), per_page)
        start = 0
        for size in sizes:
            ks = list(kpis[start : start + size])
            start += size
            url = (f"{base_url}/data/kpi/{','.join(ks)}/year/{','.join(map(str, ys))}"
                   f"?{urlencode({'per_page': per_page})}")
            label = f"{ks[0]}+{len(ks) - 1}_{ys[0]}-{ys[-1]}"
            out.append(PlannedRequest(API, "kolada-data", "GET", url, label, paged=True,
                                      info=(("kpis", tuple(ks)), ("years", tuple(ys)))))
    return out


def min_data_pages(n_kpis: int, years: Sequence[int], n_units: int = 291,
                   per_page: int = PER_PAGE) -> int:
    """The fewest data pages the 25-item and ``per_page`` limits allow (for reporting)."""
    total = 0
    for ys in chunk(sorted(set(years))):
        total += sum(max(1, math.ceil(s * n_units * len(ys) / per_page))
                     for s in _kpi_partition(n_kpis, n_units * len(ys), per_page))
    return total


def plan_metadata(base_url: str, kpis: Sequence[str], per_page: int = PER_PAGE
                  ) -> list[PlannedRequest]:
    """Requests for the municipality register, the groups and the KPI descriptions."""
    q = urlencode({"per_page": per_page})
    out = [
        PlannedRequest(API, "kolada-municipality", "GET", f"{base_url}/municipality?{q}",
                       "municipality", paged=True),
        PlannedRequest(API, "kolada-groups", "GET", f"{base_url}/municipality_groups?{q}",
                       "municipality_groups", paged=True),
    ]
    for ks in chunk(list(kpis)):
        out.append(PlannedRequest(API, "kolada-kpi", "GET", f"{base_url}/kpi/{','.join(ks)}?{q}",
                                  f"kpi-{ks[0]}+{len(ks) - 1}", paged=True))
    return out


def next_link(data: dict[str, Any], current_url: str) -> str | None:
    """URL of the next page: ``next_url`` (v3), else ``next_page`` (URL or page number)."""
    nxt = data.get("next_url") or data.get("next_page")
    if nxt in (None, "", False):
        return None
    if isinstance(nxt, int):
        parts = urlsplit(current_url)
        q = dict(p.split("=", 1) for p in parts.query.split("&") if "=" in p)
        q["page"] = str(nxt)
        return urlunsplit(parts._replace(query="&".join(f"{k}={v}" for k, v in q.items())))
    nxt = str(nxt)
    if nxt.startswith("/"):
        parts = urlsplit(current_url)
        return f"{parts.scheme}://{parts.netloc}{nxt}"
    return nxt


# -- validation -------------------------------------------------------------------------------
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
    count: int|null}``.
    """
    for item in _check_envelope(data):
        _need(isinstance(item, dict) and isinstance(item.get("kpi"), str)
              and isinstance(item.get("municipality"), str)
              and isinstance(item.get("values"), list), "Kolada data item has the wrong shape")
        period = item.get("period")
        _need((_is_int(period) and 1000 <= period <= 9999)
              or (isinstance(period, str) and len(period) == 4 and period.isascii()
                  and period.isdigit()),
              f"Kolada data item has an invalid period {period!r} (expected a year)")
        for v in item["values"]:
            _need(isinstance(v, dict) and isinstance(v.get("gender"), str)
                  and (v.get("value") is None or _is_number(v.get("value")))
                  and (v.get("status") is None or isinstance(v.get("status"), str))
                  and (v.get("count") is None
                       or (_is_int(v.get("count")) and abs(v.get("count")) < 2**63)),
                  "Kolada data value has the wrong shape")


def validate_metadata(kind: str) -> Any:
    """A validator for a metadata envelope of this kind (``kolada-kpi`` …)."""

    def _validate(data: Any) -> None:
        for item in _check_envelope(data):
            _need(isinstance(item, dict) and isinstance(item.get("id"), str)
                  and isinstance(item.get("title"), str), f"{kind} item lacks id/title")
            if kind == "kolada-groups":
                _need(isinstance(item.get("members"), list)
                      and all(isinstance(m, dict) and isinstance(m.get("id"), str)
                              for m in item["members"]), "group members have the wrong shape")
            if kind == "kolada-municipality":
                _need(isinstance(item.get("type"), str), "municipality lacks type")

    return _validate


def validator(kind: str) -> Any:
    return validate_data if kind == "kolada-data" else validate_metadata(kind)


# -- parsers ----------------------------------------------------------------------------------
def parse_values(pages: Iterable[tuple[Any, str]]) -> pl.DataFrame:
    """Tidy values from data envelopes: one row per kpi × municipality × year × gender.

    ``pages`` yields ``(parsed JSON, snapshot id)``. Columns: kpi, municipality, year,
    gender, value (null when not published), status (Kolada's string, "" when published),
    count, snapshot. A page that is not a v3 data envelope raises :class:`InvalidBody`.
    """
    cols: dict[str, list[Any]] = {k: [] for k in VALUES_SCHEMA}
    for data, snap in pages:
        validate_data(data)
        for item in data["values"]:
            for v in item["values"]:
                cols["kpi"].append(item["kpi"])
                cols["municipality"].append(item["municipality"])
                cols["year"].append(int(item["period"]))
                cols["gender"].append(v.get("gender"))
                value = v.get("value")
                cols["value"].append(None if value is None else float(value))
                cols["status"].append(v.get("status") or "")
                cols["count"].append(v.get("count"))
                cols["snapshot"].append(snap)
    return pl.DataFrame(cols, schema=VALUES_SCHEMA)


def parse_municipalities(items: Iterable[dict[str, Any]]) -> pl.DataFrame:
    """The register: id, title, type."""
    rows = [(i["id"], i["title"], i["type"]) for i in items]
    return pl.DataFrame(rows, schema={"id": pl.Utf8, "title": pl.Utf8, "type": pl.Utf8},
                        orient="row")


def parse_kpis(items: Iterable[dict[str, Any]]) -> pl.DataFrame:
    """KPI descriptions: id, title, description, is_divided_by_gender, municipality_type, ..."""
    schema = {"id": pl.Utf8, "title": pl.Utf8, "description": pl.Utf8,
              "is_divided_by_gender": pl.Boolean, "municipality_type": pl.Utf8,
              "perspective": pl.Utf8}
    rows = [tuple(i.get(k) for k in schema) for i in items]
    return pl.DataFrame(rows, schema=schema, orient="row")


_LSS_RE = re.compile(r"^Liknande kommuner LSS, (?P<name>.+), (?P<year>\d{4})$")
_LAN_RE = re.compile(r"^.+ läns kommuner\b")
_SIZE_RE = re.compile(r"^Kommuner med .+ invånare\b")


def classify_group(group_id: str, title: str) -> tuple[str, str | None, int | None]:
    """(kind, focus name or None, year or None) for one Kolada group."""
    m = _LSS_RE.match(title.strip())
    if m:
        return "liknande_lss", m.group("name"), int(m.group("year"))
    if group_id in KOMMUNGRUPP_IDS:
        return "kommungrupp", None, None
    if _LAN_RE.match(title):
        return "lan", None, None
    if _SIZE_RE.match(title):
        return "storlek", None, None
    return "other", None, None


def parse_groups(items: Iterable[dict[str, Any]], municipalities: pl.DataFrame
                 ) -> tuple[pl.DataFrame, list[str]]:
    """Peer groups, one row per member, and the focus names that could not be resolved.

    Columns: group_id, title, kind, member, focus, year. ``municipalities`` is the register
    (id, title) used to resolve a focus name to its code.
    """
    by_name = {t: i for i, t in municipalities.select("id", "title").iter_rows()}
    by_lower = {t.casefold(): i for t, i in by_name.items()}
    unresolved: list[str] = []
    rows: list[tuple[Any, ...]] = []
    for item in items:
        kind, focus_name, year = classify_group(item["id"], item["title"])
        focus = None
        if focus_name is not None:
            focus = by_name.get(focus_name) or by_lower.get(focus_name.casefold())
            if focus is None:
                unresolved.append(f"{item['id']} {item['title']}")
        for m in item["members"]:
            if m["id"] != focus:  # the focus is never a member of its own comparison group
                rows.append((item["id"], item["title"], kind, m["id"], focus, year))
    schema = {"group_id": pl.Utf8, "title": pl.Utf8, "kind": pl.Utf8, "member": pl.Utf8,
              "focus": pl.Utf8, "year": pl.Int32}
    return pl.DataFrame(rows, schema=schema, orient="row"), unresolved
