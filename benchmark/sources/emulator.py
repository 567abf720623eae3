"""In-process emulator of the Kolada v3 and SCB PxWebApi 2.0 endpoints the clients use.

The demo and the tests feed an :class:`ApiDataset` (tidy polars frames) to
:class:`ApiEmulator`, which answers HTTP requests in the real wire formats, so synthetic
data and test fixtures go through exactly the same fetch and parse code as real data.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import httpx
import polars as pl

from benchmark.sources.emulator_scb import (
    TABLES,
    Problem,
    Response,
    ScbEndpoints,
    json_response,
    problem_response,
)


@dataclass(frozen=True)
class ApiDataset:
    """Everything the emulator serves, as tidy tables (the columns below).

    kolada_values: kpi, municipality (str, also "0000"), year (Int32), gender ("T"|"K"|"M"),
        value (Float64, null when status != ""), status ("" | "Missing" | "Privacy"),
        count (Int64 = 1); optional isdeleted (Boolean): such rows are served as entries
        marked ``"isdeleted": true`` next to the live ones, in the frame's order.
    municipalities: id, title, type ("K" | "L"); includes "0000" Riket (type "L").
    groups: group_id, group_title, member_id, member_title.
    kpis: id, title, description, is_divided_by_gender (bool), municipality_type, perspective
        and any other v3 KPI field (publ_period, publication_date, ...), served as given.
    population: region (SCB code: "00" Riket, 4-digit kommun), year (Int32),
        sex ("1" män | "2" kvinnor), age (str "0".."99", "100+"), population (Int64).
    synthetic: when true the emulator adds the response header ``X-Synthetic-Data: demo``.
    """

    kolada_values: pl.DataFrame
    municipalities: pl.DataFrame
    groups: pl.DataFrame
    kpis: pl.DataFrame
    population: pl.DataFrame
    synthetic: bool = True


# ---------------------------------------------------------------------------------------------
# Emulator

class ApiEmulator(ScbEndpoints):
    """Serve an :class:`ApiDataset` as Kolada v3 and SCB PxWebApi 2.0, in process.

    Routing is by path suffix, so any base URL works (e.g. ``http://kolada.local/v3`` and
    ``http://scb.local/api/v2``): Kolada ``/kpi``, ``/municipality``,
    ``/municipality_groups`` (optionally ``/{ids}``) and ``/data/kpi/{k}/[municipality/{m}/]
    year/{y}`` with ``per_page``/``page`` paging and the ``values/count/next_url`` envelope;
    group members are v3 ``{member_id, member_title}`` (``member_shape="v2"`` serves v2's
    ``{id, title}``, to test that both are read); value entries are
    ``{gender, count, status, value, isdeleted}``. SCB ``/config``,
    ``/tables/{TAB638|TAB6471}/metadata`` (json-stat2 with an empty ``value``, as SCB sends
    it) and ``/tables/{id}/data`` (POST ``VariablesSelection`` body or GET
    ``valuecodes[VAR]=``) answering json-stat2, with ``status`` ``".."`` for suppressed
    (null) population values. Errors are ``application/problem+json``: Kolada 422 for more
    than ``max_items_per_segment`` items in a path segment or ``per_page`` above
    ``max_per_page`` (as v3 answers); SCB 400 "Too many cells selected"
    above ``max_cells`` and 404 "Non-existent table" for a table not in ``tables``. TAB638
    serves years ≤ 2024 (annual); TAB6471 serves years ≥ 2025 as December months
    (``2025M12``). ``page_size`` (default ``max_per_page``) caps the rows per page below
    what was asked, like a server with smaller pages.
    """

    def __init__(
        self,
        dataset: ApiDataset,
        *,
        max_items_per_segment: int = 25,
        max_per_page: int = 5000,
        page_size: int | None = None,
        max_cells: int = 150_000,
        calls_per_window: int = 30,
        window_s: int = 10,
        member_shape: str = "v3",
        tables: tuple[str, ...] = TABLES,
    ) -> None:
        if member_shape not in ("v3", "v2"):
            raise ValueError(f"member_shape must be 'v3' or 'v2', not {member_shape!r}")
        self.dataset = dataset
        self.member_keys = ("member_id", "member_title") if member_shape == "v3" else ("id",
                                                                                        "title")
        self.tables = tuple(tables)
        self.max_items = max_items_per_segment
        self.max_per_page = max_per_page
        self.page_size = page_size or max_per_page
        self.max_cells = max_cells
        self.calls_per_window = calls_per_window
        self.window_s = window_s
        self.requests: list[tuple[str, str]] = []
        self._values = self._index_values(dataset.kolada_values)
        self._pop = self._index_population(dataset.population)
        self._regions = self._scb_regions()

    # -- indexing ---------------------------------------------------------------------------
    @staticmethod
    def _index_values(df: pl.DataFrame) -> dict[tuple[str, int], list[dict]]:
        out: dict[tuple[str, int], list[dict]] = {}
        rows = df.sort(["kpi", "year", "municipality", "gender"],
                       maintain_order=True).iter_rows(named=True)
        grouped: dict[tuple[str, str, int], list[dict]] = {}
        for r in rows:
            key = (r["kpi"], r["municipality"], int(r["year"]))
            grouped.setdefault(key, []).append(
                {"gender": r["gender"], "count": int(r.get("count") or 1),
                 "status": r["status"] or "", "value": r["value"],
                 "isdeleted": bool(r.get("isdeleted") or False)}
            )
        for (kpi, muni, year), vals in grouped.items():
            out.setdefault((kpi, year), []).append(
                {"kpi": kpi, "municipality": muni, "period": year, "values": vals}
            )
        return out

    @staticmethod
    def _index_population(df: pl.DataFrame) -> dict[tuple[str, int, str, str], int | None]:
        return {
            (r["region"], int(r["year"]), r["sex"], r["age"]): r["population"]
            for r in df.iter_rows(named=True)
        }

    def _scb_regions(self) -> list[str]:
        regions = set(self.dataset.population["region"].unique().to_list())
        return ["00", *sorted(r for r in regions if r != "00")] if "00" in regions else sorted(
            regions
        )

    # -- entry points -----------------------------------------------------------------------
    def handle(self, method: str, url: str, body: bytes | None = None) -> Response:
        """Answer one request: ``(status, headers, body bytes)``."""
        method = method.upper()
        self.requests.append((method, url))
        parts = urlsplit(url)
        path = parts.path.rstrip("/")
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        try:
            status, headers, content = self._route(method, url, path, query, body)
        except Problem as exc:
            status, headers, content = problem_response(exc.status, exc.title, exc.detail)
        if self.dataset.synthetic:
            headers = {**headers, "X-Synthetic-Data": "demo"}
        return status, headers, content

    def transport(self) -> httpx.MockTransport:
        """An ``httpx`` transport answering every request from this emulator."""

        def _handler(request: httpx.Request) -> httpx.Response:
            status, headers, content = self.handle(
                request.method, str(request.url), request.content or None
            )
            return httpx.Response(status, headers=headers, content=content)

        return httpx.MockTransport(_handler)

    # -- routing ----------------------------------------------------------------------------
    def _route(
        self, method: str, url: str, path: str, query: dict[str, str], body: bytes | None
    ) -> Response:
        if path.endswith("/config"):
            return json_response(200, self._config())
        m = re.search(r"/tables/([^/]+)/(data|metadata)$", path)
        if m:
            table, what = m.groups()
            if table not in self.tables:
                raise Problem(404, "Non-existent table", f"table {table} not found")
            if what == "metadata":
                return json_response(200, self._jsonstat(table, self._table_vars(table), []))
            return self._scb_data(method, table, query, body)
        m = re.search(r"/data/(.+)$", path)
        if m:
            return self._kolada_data(url, m.group(1), query)
        m = re.search(r"/(kpi|municipality_groups|municipality)(?:/([^/]+))?$", path)
        if m:
            return self._kolada_meta(url, m.group(1), m.group(2), query)
        raise Problem(404, "Not found", f"no route for {path}", type_="Not found")

    # -- Kolada -----------------------------------------------------------------------------
    def _segment(self, text: str) -> list[str]:
        items = [s for s in text.split(",") if s]
        if len(items) > self.max_items:
            raise Problem(
                422, "Unprocessable Entity",
                f"too many items in one path segment ({len(items)} > {self.max_items})",
            )
        return items

    def _page(self, url: str, items: list, query: dict[str, str]) -> Response:
        try:
            per_page = int(query.get("per_page", self.max_per_page))
            page = int(query.get("page", 1))
        except ValueError:
            raise Problem(400, "Bad request", "per_page and page must be integers") from None
        if per_page < 1 or page < 1:
            raise Problem(400, "Bad request", "per_page and page must be positive")
        if per_page > self.max_per_page:
            raise Problem(422, "Unprocessable Entity",
                           f"per_page {per_page} is above the maximum {self.max_per_page}")
        per_page = min(per_page, self.page_size)
        start = (page - 1) * per_page
        chunk = items[start : start + per_page]
        pages = max(1, math.ceil(len(items) / per_page))

        def link(n: int) -> str:
            parts = urlsplit(url)
            q = dict(parse_qsl(parts.query, keep_blank_values=True))
            q.update({"page": str(n), "per_page": str(per_page)})
            return urlunsplit(parts._replace(query=urlencode(q)))

        payload = {
            "values": chunk,
            "count": len(items),
            "next_url": link(page + 1) if page < pages else None,
            "previous_url": link(page - 1) if page > 1 else None,
        }
        return json_response(200, payload)

    def _kolada_meta(self, url: str, entity: str, ids: str | None, query: dict[str, str]
                     ) -> Response:
        wanted = set(self._segment(ids)) if ids else None
        if entity == "kpi":
            rows = [
                {**r, "is_divided_by_gender": bool(r["is_divided_by_gender"])}
                for r in self.dataset.kpis.sort("id").iter_rows(named=True)
            ]
        elif entity == "municipality":
            rows = list(self.dataset.municipalities.sort("id").iter_rows(named=True))
        else:
            rows = []
            groups = self.dataset.groups.sort(["group_id", "member_id"])
            for (gid, title), sub in groups.group_by(["group_id", "group_title"],
                                                     maintain_order=True):
                key_id, key_title = self.member_keys
                rows.append({
                    "id": gid, "title": title,
                    "members": [{key_id: m, key_title: t}
                                for m, t in sub.select("member_id", "member_title").iter_rows()],
                })
        if wanted is not None:
            rows = [r for r in rows if r["id"] in wanted]
        return self._page(url, rows, query)

    def _kolada_data(self, url: str, rest: str, query: dict[str, str]) -> Response:
        parts = rest.split("/")
        if len(parts) % 2:
            raise Problem(400, "Bad request", f"malformed data path /data/{rest}")
        seg: dict[str, list[str]] = {}
        for name, value in zip(parts[::2], parts[1::2], strict=True):
            if name not in ("kpi", "municipality", "year"):
                raise Problem(400, "Bad request", f"unknown path segment {name!r}")
            seg[name] = self._segment(value)
        if len(seg) < 2:
            raise Problem(400, "Bad request", "give at least two of kpi, municipality, year")
        try:
            years = [int(y) for y in seg["year"]] if "year" in seg else None
        except ValueError:
            raise Problem(400, "Bad request", "years must be integers") from None
        kpis = seg.get("kpi")
        munis = set(seg["municipality"]) if "municipality" in seg else None
        keys = sorted(
            k for k in self._values
            if (kpis is None or k[0] in kpis) and (years is None or k[1] in years)
        )
        items = [
            obj for k in keys for obj in self._values[k]
            if munis is None or obj["municipality"] in munis
        ]
        return self._page(url, items, query)
