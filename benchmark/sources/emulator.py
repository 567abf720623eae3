"""In-process emulator of the Kolada v3 and SCB PxWebApi 2.0 endpoints the clients use.

The demo and the tests feed an :class:`ApiDataset` (tidy polars frames) to
:class:`ApiEmulator`, which answers HTTP requests in the real wire formats, so synthetic
data and test fixtures go through exactly the same fetch and parse code as real data.
"""

from __future__ import annotations

import itertools
import json
import math
import re
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import httpx
import polars as pl


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

Response = tuple[int, dict[str, str], bytes]

SCB_AGES: tuple[str, ...] = (*(str(a) for a in range(100)), "100+")
_TABLES = ("TAB638", "TAB6471")
#: Value-set codelists the emulator knows: (table, variable, codelist) -> code filter.
_CODELISTS = {
    ("TAB638", "Region", "vs_RegionKommun07"): lambda c: len(c) == 4,
    ("TAB638", "Region", "vs_RegionRiket99"): lambda c: c == "00",
    ("TAB6471", "Region", "vs_CKM03Kommun"): lambda c: len(c) == 4,
    ("TAB6471", "Region", "vs_CKM01Riket"): lambda c: c == "00",
    ("TAB6471", "Alder", "vs_CKM021år"): lambda c: c in SCB_AGES,
}


def _json(status: int, payload: object, extra: dict[str, str] | None = None) -> Response:
    headers = {"Content-Type": "application/json; charset=utf-8", **(extra or {})}
    return status, headers, json.dumps(payload, ensure_ascii=False).encode("utf-8")


def _problem(status: int, title: str, detail: str = "", type_: str = "Parameter error") -> Response:
    body = {"type": type_, "title": title, "status": status, "detail": detail}
    return status, {"Content-Type": "application/problem+json"}, json.dumps(body).encode()


class ApiEmulator:
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
    ``max_per_page`` (as v3 answers, docs/apis.md §2.3); SCB 400 "Too many cells selected"
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
        tables: tuple[str, ...] = _TABLES,
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
        except _Problem as exc:
            status, headers, content = _problem(exc.status, exc.title, exc.detail)
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
            return _json(200, self._config())
        m = re.search(r"/tables/([^/]+)/(data|metadata)$", path)
        if m:
            table, what = m.groups()
            if table not in self.tables:
                raise _Problem(404, "Non-existent table", f"table {table} not found")
            if what == "metadata":
                return _json(200, self._jsonstat(table, self._table_vars(table), []))
            return self._scb_data(method, table, query, body)
        m = re.search(r"/data/(.+)$", path)
        if m:
            return self._kolada_data(url, m.group(1), query)
        m = re.search(r"/(kpi|municipality_groups|municipality)(?:/([^/]+))?$", path)
        if m:
            return self._kolada_meta(url, m.group(1), m.group(2), query)
        raise _Problem(404, "Not found", f"no route for {path}", type_="Not found")

    # -- Kolada -----------------------------------------------------------------------------
    def _segment(self, text: str) -> list[str]:
        items = [s for s in text.split(",") if s]
        if len(items) > self.max_items:
            raise _Problem(
                422, "Unprocessable Entity",
                f"too many items in one path segment ({len(items)} > {self.max_items})",
            )
        return items

    def _page(self, url: str, items: list, query: dict[str, str]) -> Response:
        try:
            per_page = int(query.get("per_page", self.max_per_page))
            page = int(query.get("page", 1))
        except ValueError:
            raise _Problem(400, "Bad request", "per_page and page must be integers") from None
        if per_page < 1 or page < 1:
            raise _Problem(400, "Bad request", "per_page and page must be positive")
        if per_page > self.max_per_page:
            raise _Problem(422, "Unprocessable Entity",
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
        return _json(200, payload)

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
            raise _Problem(400, "Bad request", f"malformed data path /data/{rest}")
        seg: dict[str, list[str]] = {}
        for name, value in zip(parts[::2], parts[1::2], strict=True):
            if name not in ("kpi", "municipality", "year"):
                raise _Problem(400, "Bad request", f"unknown path segment {name!r}")
            seg[name] = self._segment(value)
        if len(seg) < 2:
            raise _Problem(400, "Bad request", "give at least two of kpi, municipality, year")
        try:
            years = [int(y) for y in seg["year"]] if "year" in seg else None
        except ValueError:
            raise _Problem(400, "Bad request", "years must be integers") from None
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

    # -- SCB --------------------------------------------------------------------------------
    def _config(self) -> dict:
        return {
            "apiVersion": "2.3.2", "appVersion": "emulator", "languages": [
                {"id": "sv", "label": "Svenska"}, {"id": "en", "label": "English"}],
            "defaultLanguage": "sv", "maxDataCells": self.max_cells,
            "maxCallsPerTimeWindow": self.calls_per_window, "timeWindow": self.window_s,
            "license": "https://creativecommons.org/share-your-work/public-domain/cc0/",
            "sourceReferences": [{"language": "sv", "text": "Källa: SCB"}],
            "defaultDataFormat": "json-stat2",
            "dataFormats": ["json-stat2", "csv", "px", "xlsx", "html", "json-px"],
            "features": [],
        }

    def _years(self, table: str) -> list[int]:
        years = sorted({k[1] for k in self._pop})
        return [y for y in years if (y <= 2024) == (table == "TAB638")]

    def _table_vars(self, table: str) -> list[tuple[str, list[str], bool]]:
        """(code, values, eliminable) per variable in table order."""
        if table == "TAB638":
            return [
                ("Region", self._regions, True),
                ("Civilstand", ["OG", "G", "ÄNKL", "SK"], True),
                ("Alder", [*SCB_AGES, "tot"], True),
                ("Kon", ["1", "2"], True),
                ("ContentsCode", ["BE0101N1"], False),
                ("Tid", [str(y) for y in self._years(table)], False),
            ]
        return [
            ("Region", self._regions, True),
            ("Alder", ["TotSA", *SCB_AGES], False),
            ("Kon", ["TotSa", "1", "2"], True),
            ("ContentsCode", ["000007SF"], False),
            ("Tid", [f"{y}M12" for y in self._years(table)], False),
        ]

    def _selection(self, method: str, query: dict[str, str], body: bytes | None
                   ) -> list[dict]:
        if method == "POST":
            try:
                data = json.loads(body or b"{}")
                selection = data["selection"]
                assert isinstance(selection, list)
            except (ValueError, KeyError, AssertionError):
                raise _Problem(400, "Illegal selection expression",
                               "body must be a VariablesSelection") from None
            return selection
        out = []
        for key, value in query.items():
            m = re.fullmatch(r"valuecodes\[(.+)\]", key, flags=re.IGNORECASE)
            if m:
                out.append({"variableCode": m.group(1), "valueCodes": value.split(",")})
        return out

    @staticmethod
    def _expand(expr: str, values: list[str]) -> list[str]:
        if "*" in expr or "?" in expr:
            pattern = re.escape(expr).replace(r"\*", ".*").replace(r"\?", ".")
            return [v for v in values if re.fullmatch(pattern, v)]
        return [expr] if expr in values else []

    def _scb_data(self, method: str, table: str, query: dict[str, str], body: bytes | None
                  ) -> Response:
        fmt = query.get("outputFormat", "json-stat2")
        if fmt != "json-stat2":
            raise _Problem(400, "Unsupported output format", f"{fmt} is not served here")
        tvars = self._table_vars(table)
        by_code = {code: (values, elim) for code, values, elim in tvars}
        chosen: dict[str, list[str]] = {}
        for sel in self._selection(method, query, body):
            code = sel.get("variableCode")
            if code not in by_code:
                raise _Problem(400, "Non-existent variable", f"{code!r} is not in {table}")
            values = by_code[code][0]
            if sel.get("codelist"):
                keep = _CODELISTS.get((table, code, sel["codelist"]))
                if keep is None:
                    raise _Problem(400, "Non-existent codelist", f"{sel['codelist']} for {code}")
                values = [v for v in values if keep(v)]
            picked: list[str] = []
            for expr in sel.get("valueCodes") or []:
                found = self._expand(str(expr), values)
                if not found:
                    raise _Problem(400, "Non-existent value", f"{expr!r} for {code}")
                picked += [v for v in found if v not in picked]
            chosen[code] = picked
        for code, _values, elim in tvars:
            if code not in chosen and not elim:
                raise _Problem(400, "Missing selection for mandantory variable", code)
        cells = math.prod(len(v) for v in chosen.values())
        if cells > self.max_cells:
            raise _Problem(400, "Too many cells selected",
                           f"{cells} cells selected, at most {self.max_cells} allowed")
        dims = [(code, chosen[code], elim) for code, _v, elim in tvars if code in chosen]
        values: list[int | None] = []
        status: dict[str, str] = {}
        eliminated_civil = table == "TAB638" and "Civilstand" not in chosen
        for i, combo in enumerate(itertools.product(*[d[1] for d in dims])):
            cell = dict(zip([d[0] for d in dims], combo, strict=True))
            value = self._cell(table, cell, eliminated_civil)
            if value is None:
                status[str(i)] = ".."
            values.append(value)
        return _json(200, self._jsonstat(table, dims, values, status))

    def _cell(self, table: str, cell: dict[str, str], eliminated_civil: bool) -> int | None:
        year = int(cell["Tid"][:4])
        region, age = cell.get("Region"), cell.get("Alder", "tot")
        sexes = [cell["Kon"]] if cell.get("Kon") not in (None, "TotSa") else ["1", "2"]
        if table == "TAB638" and not eliminated_civil and cell.get("Civilstand") != "OG":
            return 0  # civil status is not in the dataset: everyone is served as ogift (OG)
        ages = list(SCB_AGES) if age in ("tot", "TotSA") else [age]
        regions = [region] if region else [r for r in self._regions if r != "00"]
        total = 0
        for r in regions:
            for s in sexes:
                for a in ages:
                    v = self._pop.get((r, year, s, a))
                    if v is None:
                        return None
                    total += int(v)
        return total

    def _jsonstat(self, table: str, dims: list[tuple[str, list[str], bool]],
                  values: list[int | None], status: dict[str, str] | None = None) -> dict:
        labels = {"Region": "region", "Civilstand": "civilstånd", "Alder": "ålder",
                  "Kon": "kön", "ContentsCode": "tabellinnehåll", "Tid": "år"}
        dimension = {}
        for code, vals, elim in dims:
            cat: dict = {"index": {v: i for i, v in enumerate(vals)},
                         "label": {v: v for v in vals}}
            if code == "ContentsCode":
                cat["unit"] = {v: {"base": "antal", "decimals": 0} for v in vals}
            dimension[code] = {"label": labels.get(code, code), "category": cat,
                               "extension": {"elimination": elim}}
        out: dict = {
            "version": "2.0", "class": "dataset",
            "label": "Folkmängd efter region, ålder, kön och år" if table == "TAB638"
            else "Folkmängden per månad efter region, ålder, kön och månad",
            "source": "SCB", "updated": "2025-02-21T07:00:00Z",
            "role": {"time": ["Tid"], "metric": ["ContentsCode"]},
            "id": [d[0] for d in dims], "size": [len(d[1]) for d in dims],
            "dimension": dimension,
            "extension": {"px": {"tableid": table, "matrix": table}},
        }
        if table == "TAB6471":
            out["note"] = ["Från och med referensåret 2025 och framåt är en liten kontrollerad "
                           "slumpmässig osäkerhet införd i samtliga redovisade uppgifter "
                           "(Cell Key Method, CKM)."]
        out["value"] = values
        if status:
            out["status"] = status
        return out


class _Problem(Exception):
    def __init__(self, status: int, title: str, detail: str = "", type_: str = "Parameter error"
                 ) -> None:
        super().__init__(title)
        self.status, self.title, self.detail, self.type = status, title, detail, type_


