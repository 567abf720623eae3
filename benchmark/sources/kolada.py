"""Kolada v3: query planning under the API limits, envelope validation and tidy parsers.

Data come from the path form ``/data/kpi/{≤25 ids}/year/{≤25 years}?per_page=5000``
(every municipality and Riket ``0000`` for those KPIs and years), following ``next_url``
(v3) or ``next_page`` (v2 naming) until it is empty. KPI chunks are sized by a small
dynamic programme so the number of pages is the minimum the 25-item and 5 000-row limits
allow. Metadata: ``/kpi/{ids}``, ``/municipality`` and ``/municipality_groups``.

Response shapes and their checks (validators, :func:`shape_notes`) are in
:mod:`benchmark.sources.kolada_shapes` and imported here.

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
from datetime import date
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import numpy as np
import polars as pl

from benchmark.sources.kolada_shapes import (
    KNOWN_FIELDS,
    MEMBER_KEYS_V2,
    MEMBER_KEYS_V3,
    DataColumns,
    count_deleted,
    data_columns,
    is_deleted,
    member_code,
    shape_notes,
    validate_data,
    validate_metadata,
    validator,
)
from benchmark.sources.plan import PlannedRequest
from benchmark.tables import TABLES

__all__ = [  # the response checks live in kolada_shapes; imported from here as before
    "KNOWN_FIELDS",
    "MEMBER_KEYS_V2",
    "MEMBER_KEYS_V3",
    "chunk",
    "classify_group",
    "count_deleted",
    "is_deleted",
    "member_code",
    "min_data_pages",
    "newest_published",
    "next_link",
    "parse_groups",
    "parse_municipalities",
    "parse_values",
    "plan_data",
    "plan_metadata",
    "plan_publication",
    "published_year",
    "shape_notes",
    "validate_data",
    "validate_metadata",
    "validator",
]

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


PUBLICATION_LABEL = "publication"


def plan_publication(base_url: str, kpis: Sequence[str], as_of: date,
                     per_page: int = PER_PAGE) -> PlannedRequest:
    """The KPI metadata that says which year is the newest published (``publ_period``).

    One request for at most 25 KPIs. Its label carries the date ``as_of``, so it is asked
    afresh once a day (an older answer would hide a new year) and every answer is kept.
    """
    ks = list(kpis)[:MAX_SEGMENT]
    q = urlencode({"per_page": per_page})
    return PlannedRequest(API, "kolada-kpi", "GET", f"{base_url}/kpi/{','.join(ks)}?{q}",
                          f"{PUBLICATION_LABEL}-{as_of.isoformat()}", paged=True)


def next_link(data: dict[str, Any], current_url: str) -> str | None:
    """URL of the next page: ``next_url`` (v3), else ``next_page`` (URL or page number).

    A next URL without the ``per_page`` of the current request gets it back, so every page
    is as large as the one asked for (the server's default page size may be smaller).
    """
    nxt = data.get("next_url") or data.get("next_page")
    if nxt in (None, "", False):
        return None
    parts = urlsplit(current_url)
    if isinstance(nxt, int):
        q = dict(p.split("=", 1) for p in parts.query.split("&") if "=" in p)
        q["page"] = str(nxt)
        return urlunsplit(parts._replace(query="&".join(f"{k}={v}" for k, v in q.items())))
    nxt = str(nxt)
    if nxt.startswith("/"):
        nxt = f"{parts.scheme}://{parts.netloc}{nxt}"
    asked = dict(parse_qsl(parts.query)).get("per_page")
    nparts = urlsplit(nxt)
    if asked and "per_page" not in dict(parse_qsl(nparts.query)):
        query = f"{nparts.query}&per_page={asked}" if nparts.query else f"per_page={asked}"
        nxt = urlunsplit(nparts._replace(query=query))
    return nxt


def published_year(item: dict[str, Any], today: date) -> int | None:
    """The newest year a KPI has published, from its ``publ_period`` and
    ``publication_date`` (Kolada: the period of the next or latest scheduled
    release): ``publ_period`` once ``publication_date`` has passed (or when no date is
    given), else the year before. ``None`` when there is no ``publ_period``."""
    period = item.get("publ_period")
    try:
        year = int(str(period).strip()[:4])
    except (TypeError, ValueError):
        return None
    when = str(item.get("publication_date") or "").strip()[:10]
    try:
        due = date.fromisoformat(when) if when else None
    except ValueError:
        due = None
    return year - 1 if due is not None and due > today else year


def newest_published(items: Iterable[dict[str, Any]], today: date
                     ) -> tuple[int | None, list[str]]:
    """The newest year every current LSS KPI has published, and notes on the others.

    Per KPI: :func:`published_year`. KPIs more than one year behind the newest are
    taken as discontinued or stale and left out (named in a note); of the rest, the
    oldest year wins, so a year counts only once all of them have published it (a year
    half published would be fetched half empty and kept that way on disk).
    """
    years = {i["id"]: published_year(i, today) for i in items if isinstance(i.get("id"), str)}
    known = {k: y for k, y in years.items() if y is not None}
    if not known:
        return None, ["no LSS KPI reports a publ_period"]
    top = max(known.values())
    current = {k: y for k, y in known.items() if y >= top - 1}
    notes = []
    behind = sorted(k for k in known if k not in current)
    if behind:
        notes.append(f"KPI(s) {', '.join(behind)} report an older publ_period and were "
                     "left out of the choice of the newest year")
    newest = min(current.values())
    waiting = sorted(k for k, y in current.items() if y < top)
    if waiting:
        notes.append(f"{top} is not yet published for {', '.join(waiting)}")
    return newest, notes


# -- parsers ----------------------------------------------------------------------------------
def parse_values(pages: Iterable[tuple[Any, str]], *, keep_deleted: bool = False
                 ) -> pl.DataFrame:
    """Tidy values from data envelopes: one row per kpi × municipality × year × gender.

    ``pages`` yields ``(parsed JSON, snapshot id)``. Columns: kpi, municipality, year,
    gender, value (null when not published), status (Kolada's string, "" when published),
    count, snapshot. Entries marked ``isdeleted: true`` are skipped; with
    ``keep_deleted`` they are kept and a Boolean column ``isdeleted`` says which (for a
    caller that resolves several snapshots first). A page that is not a v3 data envelope
    raises :class:`InvalidBody` (:func:`validate_data`'s message; the check and the
    parsing share one pass over the entries).
    """
    frames = [_values_frame(data_columns(data), snap) for data, snap in pages]
    df = (pl.concat(frames) if frames else
          pl.DataFrame(schema={**VALUES_SCHEMA, "isdeleted": pl.Boolean}))
    return df if keep_deleted else df.filter(~pl.col("isdeleted")).drop("isdeleted")


def _values_frame(cols: DataColumns, snap: str) -> pl.DataFrame:
    """One page's rows (all entries, with ``isdeleted``) from its checked columns."""
    items = pl.DataFrame({"kpi": cols.kpi, "municipality": cols.municipality,
                          "year": cols.year},
                         schema={"kpi": pl.Utf8, "municipality": pl.Utf8, "year": pl.Int32})
    index = np.repeat(np.arange(len(cols.n), dtype=np.int64), np.asarray(cols.n, np.int64))
    entries = pl.DataFrame(
        {"gender": cols.gender, "value": cols.value, "status": cols.status, "count": cols.count,
         "isdeleted": cols.isdeleted},
        schema={"gender": pl.Utf8, "value": pl.Float64, "status": pl.Utf8,
                "count": pl.Int64, "isdeleted": pl.Boolean})
    return pl.concat([items[index], entries], how="horizontal").select(
        *(pl.col(c) for c in ("kpi", "municipality", "year", "gender", "value")),
        pl.col("status").fill_null(""), "count",
        pl.lit(snap, dtype=pl.Utf8).alias("snapshot"),
        pl.col("isdeleted").fill_null(False))


def parse_kpis(pages: Iterable[tuple[Any, str, str]]) -> pl.DataFrame:
    """KPI descriptions from ``/kpi`` pages: kpi, title, description, gender_split, snapshot.

    ``pages`` yields ``(parsed JSON, snapshot id, retrieved_at)``; the newest description
    of each KPI wins. ``gender_split`` is Kolada's ``is_divided_by_gender``.
    """
    newest: dict[str, tuple[str, tuple[Any, ...]]] = {}
    for data, snap, at in pages:
        for i in data["values"]:
            if isinstance(i, dict) and isinstance(i.get("id"), str) and (
                    i["id"] not in newest or at >= newest[i["id"]][0]):
                newest[i["id"]] = (at, (i["id"], str(i.get("title") or ""),
                                        str(i.get("description") or ""),
                                        bool(i.get("is_divided_by_gender")), snap))
    schema = {"kpi": pl.Utf8, "title": pl.Utf8, "description": pl.Utf8,
              "gender_split": pl.Boolean, "snapshot": pl.Utf8}
    return pl.DataFrame([row for _, row in newest.values()], schema=schema,
                        orient="row").sort("kpi")


def parse_municipalities(items: Iterable[dict[str, Any]]) -> pl.DataFrame:
    """The register: id, title, type."""
    rows = [(i["id"], i["title"], i["type"]) for i in items]
    return pl.DataFrame(rows, schema={"id": pl.Utf8, "title": pl.Utf8, "type": pl.Utf8},
                        orient="row")


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

    Columns: those of the ``peer_groups`` table (:data:`benchmark.tables.TABLES`). Members
    may be v3 ``{member_id, member_title}`` or v2 ``{id, title}``; a member listed twice
    (e.g. a group repeated across pages) gives one row. ``municipalities`` is the register
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
            code = member_code(m)
            if code != focus:  # the focus is never a member of its own comparison group
                rows.append((item["id"], item["title"], kind, code, focus, year))
    return (pl.DataFrame(list(dict.fromkeys(rows)), schema=TABLES["peer_groups"].dtypes,
                         orient="row"), unresolved)
