"""SCB PxWebApi 2.0 as the in-process emulator serves it (``/config``, table metadata and
data in json-stat2), and the wire helpers both halves of the emulator share.

:class:`ScbEndpoints` is a part of :class:`benchmark.sources.emulator.ApiEmulator`; it
reads the emulator's dataset index (``self._pop``, ``self._regions``) and limits.
"""

from __future__ import annotations

import itertools
import json
import math
import re

Response = tuple[int, dict[str, str], bytes]

SCB_AGES: tuple[str, ...] = (*(str(a) for a in range(100)), "100+")
TABLES = ("TAB638", "TAB6471")
#: Value-set codelists the emulator knows: (table, variable, codelist) -> code filter.
CODELISTS = {
    ("TAB638", "Region", "vs_RegionKommun07"): lambda c: len(c) == 4,
    ("TAB638", "Region", "vs_RegionRiket99"): lambda c: c == "00",
    ("TAB6471", "Region", "vs_CKM03Kommun"): lambda c: len(c) == 4,
    ("TAB6471", "Region", "vs_CKM01Riket"): lambda c: c == "00",
    ("TAB6471", "Alder", "vs_CKM021år"): lambda c: c in SCB_AGES,
}


def json_response(status: int, payload: object, extra: dict[str, str] | None = None) -> Response:
    """A JSON answer."""
    headers = {"Content-Type": "application/json; charset=utf-8", **(extra or {})}
    return status, headers, json.dumps(payload, ensure_ascii=False).encode("utf-8")


def problem_response(status: int, title: str, detail: str = "",
                     type_: str = "Parameter error") -> Response:
    """An RFC 7807 problem+json answer (as SCB and Kolada v3 give)."""
    body = {"type": type_, "title": title, "status": status, "detail": detail}
    return status, {"Content-Type": "application/problem+json"}, json.dumps(body).encode()


class Problem(Exception):
    """An error answer (problem+json): raised by a route, served by the emulator."""

    def __init__(self, status: int, title: str, detail: str = "", type_: str = "Parameter error"
                 ) -> None:
        super().__init__(title)
        self.status, self.title, self.detail, self.type = status, title, detail, type_


class ScbEndpoints:
    """The SCB half of the emulator (a part of
    :class:`~benchmark.sources.emulator.ApiEmulator`)."""

    _pop: dict[tuple[str, int, str, str], int | None]
    _regions: list[str]
    max_cells: int
    calls_per_window: int
    window_s: int

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
                raise Problem(400, "Illegal selection expression",
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
            raise Problem(400, "Unsupported output format", f"{fmt} is not served here")
        tvars = self._table_vars(table)
        by_code = {code: (values, elim) for code, values, elim in tvars}
        chosen: dict[str, list[str]] = {}
        for sel in self._selection(method, query, body):
            code = sel.get("variableCode")
            if code not in by_code:
                raise Problem(400, "Non-existent variable", f"{code!r} is not in {table}")
            values = by_code[code][0]
            if sel.get("codelist"):
                keep = CODELISTS.get((table, code, sel["codelist"]))
                if keep is None:
                    raise Problem(400, "Non-existent codelist", f"{sel['codelist']} for {code}")
                values = [v for v in values if keep(v)]
            picked: list[str] = []
            for expr in sel.get("valueCodes") or []:
                found = self._expand(str(expr), values)
                if not found:
                    raise Problem(400, "Non-existent value", f"{expr!r} for {code}")
                picked += [v for v in found if v not in picked]
            chosen[code] = picked
        for code, _values, elim in tvars:
            if code not in chosen and not elim:
                raise Problem(400, "Missing selection for mandantory variable", code)
        cells = math.prod(len(v) for v in chosen.values())
        if cells > self.max_cells:
            raise Problem(400, "Too many cells selected",
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
        return json_response(200, self._jsonstat(table, dims, values, status))

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
