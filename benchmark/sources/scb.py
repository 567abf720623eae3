"""SCB PxWebApi 2.0: limits from ``/config``, population requests, json-stat2 parsing.

Population by municipality × single-year age × sex on 31 December:

* **Years ≤ 2024: TAB638** (v1 ``BefolkningNy``), annual, variables Region, Civilstand
  (omitted, so SCB sums over it), Alder ``0``…``99``, ``100+``, Kon ``1``/``2``,
  ContentsCode ``BE0101N1``, Tid ``YYYY``.
* **Years ≥ 2025: TAB6471** ("Folkmängden per månad", from 2025M01), the successor with
  Cell Key Method (CKM) noise: Tid ``YYYYM12`` (31 December), Region and Alder mandatory.
  The region and age codes are sent explicitly (they exist in the base variables, so the
  codelists ``vs_CKM03Kommun``/``vs_CKM021år`` are not needed). Under CKM every published
  cell carries a little noise, so a sum of 1-year classes is not the published total;
  the suite only uses single-year cells, as published.

Requests are POSTs with explicit codes (Riket ``00`` plus every kommun in the Kolada
register), packed into as few requests as ``maxDataCells`` allows: 291 regions × 101 ages
× 2 sexes = 58 782 cells per year, so 2015–2024 (587 820 cells) needs at least
⌈587 820 / 150 000⌉ = 4 requests, achieved with 2 region halves × 5 years (≤ 147 460 cells
each). json-stat2 is parsed in-house; ``status`` symbols are kept.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from datetime import date
from typing import Any

import numpy as np
import polars as pl

from benchmark.sources.http import InvalidBody
from benchmark.sources.plan import PlannedRequest
from benchmark.tables import TABLES

API = "SCB"
TAB_ANNUAL = "TAB638"  # ≤ 2024
TAB_CKM = "TAB6471"  # ≥ 2025 (monthly; December = 31 Dec)
FIRST_CKM_YEAR = 2025
AGES: tuple[str, ...] = (*(str(a) for a in range(100)), "100+")
SEXES = ("1", "2")
DEFAULT_MAX_CELLS = 150_000
DEFAULT_CALLS, DEFAULT_WINDOW = 30, 10.0

#: What :func:`parse_population` returns: the processed ``population`` table's columns.
POPULATION_SCHEMA = TABLES["population"].dtypes


# -- config -----------------------------------------------------------------------------------
def plan_config(base_url: str) -> PlannedRequest:
    return PlannedRequest(API, "scb-config", "GET", f"{base_url}/config", "config")


def validate_config(data: Any) -> None:
    if not (isinstance(data, dict) and isinstance(data.get("maxDataCells"), int)):
        raise InvalidBody("SCB /config has no integer maxDataCells")


def limits_from_config(data: dict[str, Any]) -> tuple[int, int, float]:
    """(maxDataCells, calls, window seconds); 0 or absent call limits fall back to 30/10 s."""
    cells = int(data.get("maxDataCells") or DEFAULT_MAX_CELLS)
    calls = int(data.get("maxCallsPerTimeWindow") or 0)
    window = float(data.get("timeWindow") or 0)
    if calls <= 0 or window <= 0:
        calls, window = DEFAULT_CALLS, DEFAULT_WINDOW
    return cells, calls, window


# -- table metadata ---------------------------------------------------------------------------
#: Top-level members of a json-stat 2.0 dataset (https://json-stat.org/format/).
JSONSTAT_FIELDS = frozenset({"version", "class", "href", "label", "note", "source", "updated",
                             "link", "error", "extension", "id", "size", "role", "dimension",
                             "value", "status"})


def plan_metadata(base_url: str, table: str, as_of: date | None = None) -> PlannedRequest:
    """``GET /tables/{table}/metadata`` (json-stat2 without values). With ``as_of`` the
    label carries that date, so the answer is asked afresh once a day (it says which
    months the table holds)."""
    label = f"{table}-metadata" + (f"-{as_of.isoformat()}" if as_of else "")
    return PlannedRequest(API, "scb-metadata", "GET",
                          f"{base_url}/tables/{table}/metadata?lang=sv", label)


def validate_metadata(data: Any) -> None:
    """Raise :class:`InvalidBody` unless ``data`` is json-stat2 table metadata: ``id``,
    ``size`` and a ``dimension`` with a category index of ``size`` codes each (``value``
    absent or empty, as SCB sends it)."""
    if not (isinstance(data, dict) and isinstance(data.get("value"), list | type(None))
            and not data.get("value")):
        raise InvalidBody("SCB table metadata is not a json-stat2 dataset without values")
    validate_jsonstat({**data, "value": {}})


def table_codes(data: dict[str, Any]) -> dict[str, list[str]]:
    """Codes per variable of a (validated) json-stat2 dataset, in index order."""
    return {v: _codes(data["dimension"][v]) for v in data["id"]}


def table_years(table: str, data: dict[str, Any]) -> list[int]:
    """Reference years the suite can take from this table: every ``YYYY`` of TAB638;
    every year with a December month (``YYYYM12``, 31 December) of TAB6471."""
    tids = table_codes(data).get("Tid", [])
    pattern = r"^(\d{4})$" if table == TAB_ANNUAL else r"^(\d{4})M12$"
    return sorted({int(m.group(1)) for t in tids if (m := re.match(pattern, t))})


def metadata_problems(table: str, data: dict[str, Any], years: Sequence[int] = ()
                      ) -> list[str]:
    """What the population requests need from ``table`` and its metadata lacks.

    Checked: the variables Region, Alder, Kon, ContentsCode and Tid; the single ages
    ``0``…``99`` and ``100+``; the sexes ``1``/``2``; the content code; Riket ``00`` and
    290 four-digit municipality codes; and the ``Tid`` codes of ``years``. An empty list
    means the fetch can ask for everything it will ask for.
    """
    codes = table_codes(data)
    problems = [f"no variable {v}" for v in ("Region", "Alder", "Kon", "ContentsCode", "Tid")
                if v not in codes]
    if problems:
        return problems
    contents = "BE0101N1" if table == TAB_ANNUAL else "000007SF"
    wanted = {"Alder": AGES, "Kon": SEXES, "ContentsCode": (contents,), "Region": ("00",),
              "Tid": tuple(str(y) if table == TAB_ANNUAL else f"{y}M12" for y in years)}
    for var, need in wanted.items():
        have = set(codes[var])
        lacking = [c for c in need if c not in have]
        if lacking:
            shown = ", ".join(lacking[:5]) + (f" and {len(lacking) - 5} more"
                                              if len(lacking) > 5 else "")
            problems.append(f"{var} lacks {shown}")
    n_kommun = sum(1 for c in codes["Region"] if len(c) == 4 and c.isdigit())
    if n_kommun < 290:
        problems.append(f"Region has {n_kommun} municipality codes, expected 290")
    return problems


# -- planning ---------------------------------------------------------------------------------
def table_for_year(year: int) -> str:
    return TAB_ANNUAL if year < FIRST_CKM_YEAR else TAB_CKM


def _body(table: str, regions: Sequence[str], years: Sequence[int]) -> dict[str, Any]:
    if table == TAB_ANNUAL:
        contents, tid = "BE0101N1", [str(y) for y in years]
    else:
        contents, tid = "000007SF", [f"{y}M12" for y in years]
    return {"selection": [
        {"variableCode": "Region", "valueCodes": list(regions)},
        {"variableCode": "Alder", "valueCodes": list(AGES)},
        {"variableCode": "Kon", "valueCodes": list(SEXES)},
        {"variableCode": "ContentsCode", "valueCodes": [contents]},
        {"variableCode": "Tid", "valueCodes": tid},
    ]}


def _packing(n_regions: int, n_years: int, max_cells: int) -> tuple[int, int]:
    """(region chunks, years per request) minimising the number of requests."""
    per_region_year = len(AGES) * len(SEXES)
    best: tuple[int, int, int] | None = None
    for r in range(1, n_regions + 1):
        per_chunk = math.ceil(n_regions / r)
        k = min(n_years, max_cells // (per_chunk * per_region_year))
        if k == 0:
            continue
        n = r * math.ceil(n_years / k)
        if best is None or n < best[0]:
            best = (n, r, k)
        if k == n_years:  # more region chunks can only add requests
            break
    if best is None:
        raise ValueError(f"maxDataCells {max_cells} is below one region-year ({per_region_year})")
    return best[1], best[2]


def plan_population(base_url: str, years: Sequence[int], regions: Sequence[str],
                    max_cells: int = DEFAULT_MAX_CELLS) -> list[PlannedRequest]:
    """POST requests covering ``regions`` (SCB codes, ``00`` = Riket) × ``years``.

    The regions are split into the number of chunks and the years into the group size that
    give the fewest requests with every request at most ``max_cells`` cells (for 291 regions
    and 10 years at 150 000 cells: 2 region halves × 5 years = 4 requests).
    """
    regions = list(regions)
    out: list[PlannedRequest] = []
    for table in (TAB_ANNUAL, TAB_CKM):
        ys = sorted({y for y in years if table_for_year(y) == table})
        if not ys:
            continue
        r, k = _packing(len(regions), len(ys), max_cells)
        size = math.ceil(len(regions) / r)
        url = f"{base_url}/tables/{table}/data?lang=sv&outputFormat=json-stat2"
        for i in range(0, len(ys), k):
            yy = ys[i : i + k]
            for j in range(0, len(regions), size):
                regs = regions[j : j + size]
                label = f"{table}_{yy[0]}-{yy[-1]}_{regs[0]}-{regs[-1]}"
                out.append(PlannedRequest(API, "scb-population", "POST", url, label,
                                          body=_body(table, regs, yy),
                                          info=(("table", table), ("years", tuple(yy)))))
    return out


def min_population_requests(years: Sequence[int], n_regions: int,
                            max_cells: int = DEFAULT_MAX_CELLS) -> int:
    """Lower bound on data requests: total cells / ``max_cells``, per table (years ≤ 2024
    and ≥ 2025 are different tables, so they cannot share a request)."""
    per_year = n_regions * len(AGES) * len(SEXES)
    total = 0
    for table in (TAB_ANNUAL, TAB_CKM):
        n = len({y for y in years if table_for_year(y) == table})
        total += math.ceil(n * per_year / max_cells)
    return total


# -- json-stat2 -------------------------------------------------------------------------------
def _is_int(x: Any) -> bool:
    return isinstance(x, int) and not isinstance(x, bool)


def _is_value(x: Any) -> bool:
    return x is None or (isinstance(x, int | float) and not isinstance(x, bool))


_PLAIN_VALUE_TYPES = {int, float, type(None)}
_TID_RE = re.compile(r"\d{4}(M\d{2})?", re.ASCII)


def _header_problem(data: dict[str, Any]) -> str:
    """What differs in a json-stat2 header (``id``, ``size``, ``dimension``), in words."""
    ids, size, dims = data.get("id"), data.get("size"), data.get("dimension")
    for name, value, kind in (("id", ids, list), ("size", size, list),
                              ("dimension", dims, dict)):
        if not isinstance(value, kind):
            got = "absent" if name not in data else type(value).__name__
            return f"'{name}' is {got}, expected {'an object' if kind is dict else 'a list'}"
    bad = [i for i in ids if not isinstance(i, str) or i in ("value", "status")]
    if bad:
        return f"'id' holds {bad[0]!r}, not a dimension name"
    if len(set(ids)) != len(ids):
        return f"'id' names a dimension twice ({', '.join(ids)})"
    if not all(_is_int(n) and n >= 0 for n in size):
        return f"'size' {size} holds something other than counts"
    if len(ids) != len(size):
        return f"'id' names {len(ids)} dimensions ({', '.join(ids)}), 'size' has {len(size)}"
    lacking = [i for i in ids if i not in dims]
    return f"'dimension' lacks {', '.join(lacking)} (it has {', '.join(dims) or 'none'})"


def _check_index(dim_id: str, dim: Any, n: int) -> None:
    category = dim.get("category") if isinstance(dim, dict) else None
    index = category.get("index") if isinstance(category, dict) else None
    if isinstance(index, list):
        ok = (len(index) == n and all(isinstance(c, str) for c in index)
              and len(set(index)) == n)
    elif isinstance(index, dict):
        ok = (len(index) == n and all(_is_int(v) for v in index.values())
              and sorted(index.values()) == list(range(n)))
    else:
        raise InvalidBody(f"json-stat2 dimension {dim_id} has no category index")
    if not ok:
        raise InvalidBody(f"json-stat2 dimension {dim_id}: the category index is not {n} "
                          f"distinct codes at positions 0–{n - 1}")


def _check_sparse(name: str, obj: dict[str, Any], n: int, ok: Any) -> None:
    for k, v in obj.items():
        if not (isinstance(k, str) and k.isascii() and k.isdigit() and int(k) < n and ok(v)):
            raise InvalidBody(f"json-stat2 {name} has an invalid entry {k!r}: {v!r}")


def validate_jsonstat(data: Any) -> None:
    """Raise :class:`InvalidBody` unless ``data`` is a complete json-stat2 dataset: ``id``
    (dimension names), ``size`` (non-negative ints), ``dimension`` with a category index of
    ``size`` distinct codes each, ``value`` (numbers/null, an array of Π size or a sparse
    object) and optional ``status`` (a string, an array of Π size or a sparse object)."""
    if not (isinstance(data, dict) and data.get("class") == "dataset"):
        raise InvalidBody("not a json-stat2 dataset")
    ids, size, dims = data.get("id"), data.get("size"), data.get("dimension")
    if not (isinstance(ids, list) and isinstance(size, list) and isinstance(dims, dict)
            and all(isinstance(i, str) and i not in ("value", "status") for i in ids)
            and len(set(ids)) == len(ids)
            and all(_is_int(n) and n >= 0 for n in size)
            and len(ids) == len(size) and all(i in dims for i in ids)):
        raise InvalidBody(f"json-stat2 id/size/dimension do not match: {_header_problem(data)}")
    for i, n in zip(ids, size, strict=True):
        _check_index(i, dims[i], n)
    total = math.prod(size)
    value = data.get("value")
    if isinstance(value, list):
        if len(value) != total:
            raise InvalidBody(f"json-stat2 has {len(value)} values, expected {total}")
        # the set of types first (fast); the element-wise rule only when it is not plain
        if not (set(map(type, value)) <= _PLAIN_VALUE_TYPES
                or all(_is_value(v) for v in value)):
            raise InvalidBody("json-stat2 value array holds something other than numbers")
    elif isinstance(value, dict):
        _check_sparse("value", value, total, _is_value)
    else:
        raise InvalidBody("json-stat2 has no value array")
    status = data.get("status")
    if isinstance(status, list):
        if len(status) != total or not (
                set(map(type, status)) <= {str, type(None)}
                or all(s is None or isinstance(s, str) for s in status)):
            raise InvalidBody("json-stat2 status array has the wrong length or type")
    elif isinstance(status, dict):
        _check_sparse("status", status, total, lambda v: v is None or isinstance(v, str))
    elif not (status is None or isinstance(status, str)):
        raise InvalidBody("json-stat2 status is neither a string, an array nor an object")


def _codes(dim: dict[str, Any]) -> list[str]:
    index = dim["category"]["index"]
    if isinstance(index, list):
        return [str(c) for c in index]
    return [c for c, _ in sorted(index.items(), key=lambda kv: kv[1])]


def parse_jsonstat(data: dict[str, Any]) -> pl.DataFrame:
    """A json-stat2 dataset as a tidy frame: one Utf8 column of codes per dimension (in
    ``id`` order), ``value`` (Float64, null where absent) and ``status`` (symbol, or null
    where absent or empty). Anything else raises :class:`InvalidBody`.

    ``value`` is row-major over ``id``/``size`` (the last dimension varies fastest);
    ``value`` and ``status`` may be arrays or sparse ``{index: …}`` objects.
    """
    validate_jsonstat(data)
    ids: list[str] = data["id"]
    size: list[int] = data["size"]
    n = math.prod(size)
    cols: dict[str, pl.Series] = {}
    repeat = n
    for dim_id, dim_size in zip(ids, size, strict=True):
        codes = pl.Series(dim_id, _codes(data["dimension"][dim_id]), dtype=pl.Utf8)
        repeat //= dim_size
        tile = n // (dim_size * repeat)
        cols[dim_id] = codes.gather(np.tile(np.repeat(np.arange(dim_size), repeat), tile))
    raw = data["value"]
    values = (raw if isinstance(raw, list)
              else [raw.get(str(i)) for i in range(n)])
    status_raw = data.get("status")
    if status_raw is None:
        status: list[str | None] = [None] * n
    elif isinstance(status_raw, str):
        status = [status_raw] * n
    elif isinstance(status_raw, list):
        status = list(status_raw)
    else:
        status = [status_raw.get(str(i)) for i in range(n)]
    cols["value"] = pl.Series("value", values, dtype=pl.Float64)
    text = pl.Series("status", status, dtype=pl.Utf8)
    cols["status"] = text.set(text == "", None)
    return pl.DataFrame(cols)


def parse_population(data: dict[str, Any], snapshot: str = "") -> pl.DataFrame:
    """Population rows from a TAB638/TAB6471 response.

    Columns: municipality ("0000" for SCB's Riket "00"), year, sex ("M" män / "K" kvinnor),
    age (0..100, 100 = 100+), population (Int64, null where SCB gives no value), status
    (SCB symbol or null), snapshot. Any other dimension (e.g. Civilstand if selected) is
    summed over; a null anywhere in a sum makes the sum null. A year's population is that
    of 31 December: of a monthly table only the months ``YYYYM12`` count (other months,
    which the requests never ask for, would give a year several values).
    """
    df = parse_jsonstat(data)
    for need in ("Region", "Alder", "Kon", "Tid"):
        if need not in df.columns:
            raise InvalidBody(f"population response has no {need} dimension")
    # the codes are few: check and convert them once, not once per row
    tids = df["Tid"].unique(maintain_order=True).to_list()
    bad_tid = [t for t in tids if not _TID_RE.fullmatch(t)]
    if bad_tid:
        raise InvalidBody(f"population response has a Tid code {bad_tid[0]!r} that "
                          "is not a year (YYYY or YYYYMmm)")
    december = [t for t in tids if len(t) == 4 or t.endswith("M12")]
    df = df.filter(pl.col("Kon").is_in(SEXES) & pl.col("Alder").is_in(AGES)
                   & pl.col("Tid").is_in(december))
    keys = ["Region", "Alder", "Kon", "Tid"]
    sizes = dict(zip(data["id"], data["size"], strict=True))
    if any(n > 1 for dim, n in sizes.items() if dim not in keys):  # else one row per key
        df = df.group_by(keys, maintain_order=True).agg(
            pl.when(pl.col("value").is_null().any()).then(None)
            .otherwise(pl.col("value").sum()).alias("value"),
            pl.col("status").drop_nulls().first().alias("status"),
        )
    return df.select(
        pl.when(pl.col("Region") == "00").then(pl.lit("0000")).otherwise(pl.col("Region"))
        .alias("municipality"),
        pl.col("Tid").replace_strict({t: int(t[:4]) for t in tids}, return_dtype=pl.Int32)
        .alias("year"),
        pl.col("Kon").replace_strict({"1": "M", "2": "K"}).alias("sex"),
        pl.col("Alder").replace_strict({a: int(a.removesuffix("+")) for a in AGES},
                                       return_dtype=pl.Int16).alias("age"),
        pl.col("value").round(0).cast(pl.Int64).alias("population"),
        pl.col("status"),
        pl.lit(snapshot, dtype=pl.Utf8).alias("snapshot"),
    )
