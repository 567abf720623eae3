"""``python -m benchmark doctor``: a live self-check of Kolada and SCB for a first run.

A handful of small requests, each answer checked with the validators ``fetch`` uses:

1. Kolada ``/kpi/{LSS KPIs}``: the request ``fetch`` asks to choose the newest year
   (``publ_period``); every LSS KPI must be in the answer.
2. Kolada ``/data/kpi/N28892/year/{newest}``: one KPI, one year, all municipalities.
3. Kolada ``/municipality_groups/G92788``: one group (SKR's kommungrupp "Mindre
   stad/tätort", Skellefteå's), for the member shape.
4. SCB ``/config``: the limits the fetch plans with.
5. SCB ``/tables/TAB638/metadata`` and ``/tables/TAB6471/metadata``: every variable and
   code the population requests ask for (single ages, sexes, content, Riket, 290
   kommuner, the years).
6. SCB ``/tables/{table}/data``: Riket by single age and sex for the newest year (202
   cells), parsed as the fetch parses it.

One line per check: ``ok``, ``differs`` (what exactly differs, and whether the fetch would
still work) or ``unreachable``; then the requests a full ``make data`` needs. A shape the
fetch still reads (v2 member keys, an unknown field) is still reported as ``differs``: the
live API has changed and the statistician should know. Nothing is written to disk.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from benchmark.catalog import all_kpis, lss_kpis
from benchmark.config import LAST_YEAR, Settings, get_settings
from benchmark.errors import FetchError
from benchmark.newest import DEFAULT_FIRST_YEAR, choose_years
from benchmark.sources import kolada, scb
from benchmark.sources.http import (
    DEFAULT_LIMITS,
    HttpClient,
    InvalidBody,
    RequestRefused,
    RetryPolicy,
)
from benchmark.sources.plan import PlannedRequest

DATA_KPI = "N28892"
GROUP = "G92788"  # an SKR kommungrupp; its id is the same in the demo country
N_UNITS = 291  # 290 kommuner + Riket
OK, DIFFERS, UNREACHABLE = "ok", "differs", "unreachable"


@dataclass
class Check:
    """One line of the report."""

    status: str
    name: str
    detail: str

    def line(self) -> str:
        return f"{self.status:<11}  {self.name}: {self.detail}"


@dataclass
class DoctorReport:
    """The checks and the request budget; ``ok`` when every check passed."""

    checks: list[Check] = field(default_factory=list)
    budget: str = ""

    @property
    def ok(self) -> bool:
        return all(c.status == OK for c in self.checks)

    def render(self) -> str:
        lines = [c.line() for c in self.checks]
        if self.budget:
            lines.append(f"{'budget':<11}  {self.budget}")
        n_bad = sum(c.status != OK for c in self.checks)
        lines.append("all checks passed" if self.ok else
                     f"{n_bad} of {len(self.checks)} checks did not pass")
        return "\n".join(lines)


class _Differs(Exception):
    """A check's answer differs from what the fetch expects (the message says how)."""


def _get(client: HttpClient, req: PlannedRequest) -> Any:
    """The JSON answer to ``req`` (first page only; no validation yet)."""
    return client.request(req.api, req.method, req.url, body=req.body).data


def _validated(validate: Callable[[Any], None], data: Any, what: str) -> None:
    try:
        validate(data)
    except (InvalidBody, KeyError, TypeError, ValueError) as exc:
        raise _Differs(f"{what} fails the fetch's validation: {exc} (fetch would stop "
                       "here)") from None


def _kolada_shape(kind: str, data: Any) -> None:
    notes = kolada.shape_notes(kind, data)
    if notes:
        why = [text for key, text in (("v2 keys", "it reads both member shapes"),
                                      ("next_page", "it follows next_page too"),
                                      ("unknown field", "it ignores unknown fields"))
               if any(key in n for n in notes)]
        raise _Differs("; ".join(notes) + f" (fetch still works: {', '.join(why)})")


class _Doctor:
    def __init__(self, settings: Settings, client: HttpClient, today: date) -> None:
        self.settings, self.client, self.today = settings, client, today
        self.report = DoctorReport()
        self.unreachable: dict[str, str] = {}
        self.kpi_items: list[dict[str, Any]] | None = None
        self.ckm: dict[str, Any] | None = None
        self.annual: dict[str, Any] | None = None
        self.max_cells = scb.DEFAULT_MAX_CELLS
        self.limits = dict(DEFAULT_LIMITS)
        self.newest: int | None = None

    def check(self, api: str, name: str, run: Callable[[], str]) -> None:
        if api in self.unreachable:
            self.report.checks.append(Check(UNREACHABLE, name, f"not tried ({api} could not "
                                            f"be reached at {self.unreachable[api]})"))
            return
        try:
            self.report.checks.append(Check(OK, name, run()))
        except _Differs as exc:
            self.report.checks.append(Check(DIFFERS, name, str(exc)))
        except RequestRefused as exc:
            self.report.checks.append(Check(
                DIFFERS, name, f"HTTP {exc.status} from {exc.url}"
                + (f": {exc.api_message}" if exc.api_message else "")
                + " (the API refuses a request the fetch makes: fetch would stop here)"))
        except FetchError as exc:
            text = str(exc)
            if "could not reach" in text:
                self.unreachable[api] = (self.settings.kolada_url if api == kolada.API
                                         else self.settings.scb_url)
            self.report.checks.append(Check(UNREACHABLE, name, text))

    # -- Kolada -----------------------------------------------------------------------------
    def kpis(self) -> str:
        req = kolada.plan_publication(self.settings.kolada_url, lss_kpis(), self.today)
        data = _get(self.client, req)
        _validated(kolada.validator(req.kind), data, "the KPI metadata")
        items = data["values"]
        self.kpi_items = items
        absent = sorted(set(lss_kpis()) - {i["id"] for i in items})
        if absent:
            raise _Differs(f"KPI(s) {', '.join(absent)} are not in Kolada's catalogue "
                           "(fetch would get no values for them)")
        _kolada_shape(req.kind, data)
        newest, notes = kolada.newest_published(items, self.today)
        if newest is None:
            raise _Differs("no LSS KPI reports a publ_period (fetch needs YEARS=... given)")
        periods = sorted({str(i.get("publ_period")) for i in items})
        return (f"{len(items)} LSS KPIs, publ_period {', '.join(periods)}: newest published "
                f"year {newest}" + (f" ({'; '.join(notes)})" if notes else ""))

    def data(self) -> str:
        year = self._kolada_year()
        req = kolada.plan_data(self.settings.kolada_url, [DATA_KPI], [year])[0]
        data = _get(self.client, req)
        _validated(kolada.validate_data, data, f"the data for {DATA_KPI} {year}")
        _kolada_shape(req.kind, data)
        items = data["values"]
        if not items:
            raise _Differs(f"no values for {DATA_KPI} in {year} (fetch would work, but "
                           f"{year} would have no LSS data)")
        deleted = kolada.count_deleted(data)
        n_units = len({i["municipality"] for i in items if i["municipality"] != "0000"})
        if not any(i["municipality"] == "0000" for i in items):
            raise _Differs(f"no Riket (0000) value for {DATA_KPI} {year} (fetch works, but "
                           "the national rates would be missing)")
        return (f"{DATA_KPI} {year}: values for {n_units} municipalities and Riket"
                + (f"; {deleted} entries marked deleted (skipped)" if deleted else ""))

    def group(self) -> str:
        req = PlannedRequest(kolada.API, "kolada-groups", "GET",
                             f"{self.settings.kolada_url}/municipality_groups/{GROUP}"
                             f"?per_page={kolada.PER_PAGE}", GROUP)
        data = _get(self.client, req)
        _validated(kolada.validator(req.kind), data, f"group {GROUP}")
        items = [i for i in data["values"] if i["id"] == GROUP]
        if not items:
            raise _Differs(f"group {GROUP} is not in the answer (the groups listing the "
                           "fetch uses may still hold it)")
        _kolada_shape(req.kind, data)
        members = [kolada.member_code(m) for m in items[0]["members"]]
        return (f"{GROUP} \"{items[0]['title']}\": {len(members)} members in the v3 shape "
                "member_id/member_title")

    def _kolada_year(self) -> int:
        if self.kpi_items:
            newest, _ = kolada.newest_published(self.kpi_items, self.today)
            if newest is not None:
                return newest
        return LAST_YEAR - 1

    # -- SCB --------------------------------------------------------------------------------
    def config(self) -> str:
        req = scb.plan_config(self.settings.scb_url)
        data = _get(self.client, req)
        _validated(scb.validate_config, data, "/config")
        cells, calls, window = scb.limits_from_config(data)
        self.max_cells, self.limits["SCB"] = cells, (calls, window)
        self.client.set_rate_limit(scb.API, calls, window)
        return f"maxDataCells {cells}, {calls} calls per {window:g} s"

    def table(self, table: str) -> str:
        req = scb.plan_metadata(self.settings.scb_url, table)
        data = _get(self.client, req)
        _validated(scb.validate_metadata, data, f"{table} metadata")
        unknown = sorted(set(data) - scb.JSONSTAT_FIELDS)
        tids = scb.table_codes(data).get("Tid", [])
        years = scb.table_years(table, data)
        if table == scb.TAB_CKM:
            self.ckm = data
            need = [y for y in years if y >= scb.FIRST_CKM_YEAR]
        else:
            self.annual = data
            need = [y for y in years if DEFAULT_FIRST_YEAR <= y < scb.FIRST_CKM_YEAR]
        problems = scb.metadata_problems(table, data, need)
        if table == scb.TAB_ANNUAL and scb.FIRST_CKM_YEAR - 1 not in years:
            problems.append(f"Tid lacks {scb.FIRST_CKM_YEAR - 1}")
        if problems:
            raise _Differs(f"{table}: " + "; ".join(problems) + " (the population requests "
                           "would be refused)")
        if table == scb.TAB_ANNUAL and years and years[0] > DEFAULT_FIRST_YEAR:
            raise _Differs(f"{table} starts in {years[0]}, not {DEFAULT_FIRST_YEAR} or before "
                           f"(fetch still works: a `make data` without YEARS starts in "
                           f"{years[0]}; SCB refuses YEARS before it)")
        if unknown:
            raise _Differs(f"{table} metadata carries unknown json-stat2 field(s) "
                           f"{', '.join(map(repr, unknown))} (fetch still works)")
        span = (f"{tids[0]}–{tids[-1]}" if len(tids) > 1 else tids[0]) if tids else "no periods"
        if table == scb.TAB_CKM:
            got = f"December figures for {', '.join(map(str, need))}" if need else (
                "no December yet")
        else:
            got = "annual figures"
        return f"{table} {span}: {got}; every variable and code the fetch asks for is there"

    def population(self) -> str:
        year = self.newest or scb.FIRST_CKM_YEAR - 1
        table = scb.table_for_year(year)
        req = scb.plan_population(self.settings.scb_url, [year], ["00"], self.max_cells)[0]
        data = _get(self.client, req)
        _validated(scb.validate_jsonstat, data, f"the {table} data")
        try:
            pop = scb.parse_population(data, "")
        except InvalidBody as exc:
            raise _Differs(f"{table} data: {exc} (process would stop here)") from None
        want = len(scb.AGES) * len(scb.SEXES)
        if pop.height != want:
            raise _Differs(f"{table} data for Riket {year}: {pop.height} single-age cells, "
                           f"expected {want}")
        total = f"{pop['population'].sum():,}".replace(",", " ")
        return f"{table} Riket {year}: {pop.height} cells by single age and sex, population {total}"

    # -- budget -----------------------------------------------------------------------------
    def _years(self) -> list[int]:
        """The years a ``make data`` without YEARS would take (empty when unknown)."""
        if self.kpi_items is None or self.ckm is None:
            return []
        try:
            return choose_years(self.kpi_items, self.ckm, self.today,
                                annual_metadata=self.annual)[0]
        except FetchError:
            return []

    def budget(self) -> str:
        """The requests a fresh ``make data`` (no YEARS) needs, with the years it takes."""
        years, known = self._years(), ""
        if not years:
            years = list(range(DEFAULT_FIRST_YEAR, LAST_YEAR))
            known = " (the newest year could not be asked, so this assumes it)"
        kpis = all_kpis()
        n_kolada = (1 + len(kolada.plan_metadata("", kpis))
                    + kolada.min_data_pages(len(kpis), years, N_UNITS))
        regions = ["00", *(f"{i:04d}" for i in range(N_UNITS - 1))]
        n_scb = 3 + len(scb.plan_population("", years, regions, self.max_cells))
        k_calls, k_window = self.limits["Kolada"]
        s_calls, s_window = self.limits["SCB"]
        wait = max(n_kolada / k_calls * k_window,
                   math.floor((n_scb - 1) / s_calls) * s_window)
        return (f"a full `make data` for {years[0]}–{years[-1]}{known} needs {n_kolada + n_scb} "
                f"requests (Kolada {n_kolada}, SCB {n_scb}), at most {k_calls} per "
                f"{k_window:g} s to Kolada and {s_calls} per {s_window:g} s to SCB: about "
                f"{math.ceil(wait)} s of rate-limit spacing plus transfer time")

    def run(self) -> DoctorReport:
        self.check("Kolada", "Kolada KPI metadata", self.kpis)
        self.check("Kolada", "Kolada data", self.data)
        self.check("Kolada", "Kolada municipality group", self.group)
        self.check("SCB", "SCB /config", self.config)
        for table in (scb.TAB_ANNUAL, scb.TAB_CKM):
            self.check("SCB", f"SCB {table} metadata", lambda t=table: self.table(t))
        self.newest = self._years()[-1] if self._years() else None
        self.check("SCB", "SCB population data", self.population)
        self.report.budget = self.budget()
        return self.report


def doctor(*, settings: Settings | None = None, client: HttpClient | None = None,
           today: date | None = None) -> DoctorReport:
    """Run the live self-check (see the module docstring); nothing is written to disk.

    ``client`` replaces the HTTP layer (tests); by default at most 2 retries per request,
    so a broken API is reported within seconds.
    """
    settings = settings or get_settings()
    own = client is None
    if client is None:
        client = HttpClient(settings, policy=RetryPolicy(max_retries=2, backoff_max=4.0))
    try:
        return _Doctor(settings, client, today or datetime.now(UTC).date()).run()
    finally:
        if own:
            client.close()
