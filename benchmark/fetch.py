"""``make data``: fetch the national picture from Kolada and SCB into the raw snapshot store.

For the years asked: the Kolada municipality register, municipality groups, the KPI
descriptions and every value of the catalogue's KPIs (:func:`benchmark.catalog.all_kpis`:
the LSS person KPIs and the extra KPI sets; all municipalities and Riket), then SCB's
``/config`` and population by municipality × age × sex. Every planned request has a
stable key (:class:`~benchmark.sources.plan.PlannedRequest`); pages already on disk are
reused, so a rerun or a resumed interrupted fetch only asks for what is missing.
``offline=True`` never touches the network, changes nothing on disk and raises
:class:`DataError` listing exactly which requests have no snapshot.

Completeness is recorded per plan (the years asked, from the two servers) in
``data/raw/plans/<id>.plan``: ``complete: false`` before the first request, ``complete:
true`` with every snapshot id once all are on disk. :func:`plan_gaps` turns the records
into what ``process`` must refuse over: a plan that did not finish (what is still missing,
worked out offline), or a snapshot of a finished plan that has gone.

Without years, :func:`fetch` takes ``DEFAULT_FIRST_YEAR`` through the newest year both
sources have published (:func:`benchmark.newest.choose_years`): Kolada's ``publ_period``
of the LSS KPIs (a year counts once every current LSS KPI has passed its publication
date), capped by SCB (TAB638 ends in 2024; later years need the December month
``<year>M12`` in TAB6471's metadata), starting later when TAB638 itself does (its
metadata's first ``Tid``: SCB refuses a year a table lacks). Those three answers are stored
like every other response, under a label with today's date, so they are asked afresh once a
day; offline, the newest stored ones decide.

Value entries marked ``isdeleted`` are counted in the summary (``process`` never uses
them); any way a Kolada answer departs from the v3 shape (unknown fields, v2 member keys)
becomes a note, since it means the live API has changed.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import sys
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

import httpx

from benchmark.catalog import RIKET, all_kpis, check_years, lss_kpis
from benchmark.config import Settings, get_settings, redact_url
from benchmark.errors import DataError, FetchError
from benchmark.fetch_summary import FetchSummary
from benchmark.newest import choose_years
from benchmark.sources import kolada, scb
from benchmark.sources.http import HttpClient
from benchmark.sources.plan import PlannedRequest
from benchmark.store import (
    Snapshot,
    clean_partial,
    find_snapshot,
    iter_snapshots,
    load_snapshot,
    partial_files,
    plan_id,
    plan_records,
    raw_lock,
    raw_read_lock,
    save_snapshot,
    utc_now,
    write_plan_record,
)

MAX_PAGES = 10_000
__all__ = ["FetchSummary", "choose_years", "fetch", "plan_gaps"]


def _progress_enabled(progress: bool) -> bool:
    return bool(progress and sys.stderr.isatty() and not os.environ.get("CI"))


class _Runner:
    """Runs planned requests against the store (and the network unless offline)."""

    def __init__(self, settings: Settings, summary: FetchSummary, client: HttpClient | None,
                 bar: Any) -> None:
        self.settings, self.summary, self.client, self.bar = settings, summary, client, bar
        self.used: list[str] = []  # every snapshot id the plan consists of, in order

    def note_shape(self, req: PlannedRequest, data: Any) -> None:
        """A note (once per request kind and difference) when a Kolada answer departs
        from the v3 shape."""
        if req.api != kolada.API:
            return
        for diff in kolada.shape_notes(req.kind, data):
            note = (f"Kolada {req.kind.removeprefix('kolada-')}: {diff} (the live API differs "
                    "from the v3 shape this version was built for; read anyway - run "
                    "`python -m benchmark doctor`)")
            if note not in self.summary.notes:
                self.summary.notes.append(note)

    def run(self, req: PlannedRequest, validate: Callable[[Any], None]
            ) -> list[tuple[Any, str]] | None:
        """All pages of ``req`` as ``(data, snapshot id)``; ``None`` if missing offline."""
        pages: list[tuple[Any, str]] = []
        url, page = req.url, 1
        while True:
            sid = req.page_id(page)
            snap = find_snapshot(sid, self.settings)
            if snap is not None:
                data = load_snapshot(snap)
                self.summary.reused += 1
                self.summary.synthetic |= snap.synthetic
            elif self.client is None:
                what = req.describe() if page == 1 else f"{req.describe()} page {page}"
                self.summary.missing.append(what)
                return None
            else:
                first = page == 1
                res = self.client.request(req.api, req.method if first else "GET", url,
                                          body=req.body if first else None, validate=validate)
                synthetic = res.headers.get("x-synthetic-data")
                meta = {
                    "api": req.api, "kind": req.kind, "label": req.label, "plan_key": req.key,
                    "page": page, "method": req.method if first else "GET",
                    "url": redact_url(res.url),
                    "request_body": req.body if first else None, "status": res.status,
                    "content_type": res.headers.get("content-type"),
                    "attempts": res.attempts, "synthetic": synthetic is not None,
                    "synthetic_header": synthetic, "info": dict(req.info),
                }
                snap = save_snapshot(sid, res.content, meta, self.settings)
                data = res.data
                self.summary.saved += 1
                self.summary.synthetic |= synthetic is not None
            pages.append((data, sid))
            self.used.append(sid)
            self.note_shape(req, data)
            if self.bar is not None:
                self.bar.update(1 if page == 1 else 0)
            if not req.paged:
                return pages
            nxt = kolada.next_link(data, url)
            if not nxt:
                break
            url, page = nxt, page + 1
            if page > MAX_PAGES:
                raise FetchError(f"{req.api} kept returning next pages for {req.url}")
        self._check_count(req, pages)
        return pages

    def _check_count(self, req: PlannedRequest, pages: list[tuple[Any, str]]) -> None:
        got = sum(len(p["values"]) for p, _ in pages)
        total = pages[0][0].get("count")
        per_page_counts = all(p.get("count") == len(p["values"]) for p, _ in pages)
        if got != total and not per_page_counts:
            self.summary.notes.append(
                f"{req.describe()}: {got} items over {len(pages)} page(s) but the API "
                f"announced {total} (data changed between pages?)")


def fetch(years: list[int] | None = None, *, offline: bool = False,
          settings: Settings | None = None, progress: bool = True,
          transport: httpx.BaseTransport | None = None, client: HttpClient | None = None,
          today: date | None = None) -> FetchSummary:
    """Fetch (or, offline, check) every raw snapshot needed for ``years``.

    Parameters
    ----------
    years
        The years; None for :data:`benchmark.newest.DEFAULT_FIRST_YEAR` through the newest
        year Kolada and SCB have both published (see the module docstring).
    offline
        Only check what is on disk: nothing is asked for and nothing is written.
    settings
        Data folder and API URLs (default :func:`benchmark.config.get_settings`).
    progress
        Show a progress bar on a terminal.
    transport, client
        Route HTTP through e.g. the in-process emulator (``transport``), or replace the
        whole HTTP layer (``client``; tests pass one with tiny backoff and rate limits).
    today
        The date the newest year is judged on (tests fix it).

    Returns
    -------
    FetchSummary
        Requests made and reused, snapshots saved, notes; ``render()`` prints it.

    Raises
    ------
    FetchError
        When an API keeps failing or the fetch runs past ``Settings.fetch_deadline_s``
        (snapshots saved so far are kept: rerun to resume).
    DataError
        Offline, listing exactly which requests have no snapshot.

    Examples
    --------
    >>> summary = fetch([2023, 2024], settings=settings)  # doctest: +SKIP
    >>> print(summary.render())  # doctest: +SKIP
    """
    if years is not None:
        years = check_years(years)
    settings = settings or get_settings()
    summary = FetchSummary(years=years or [], offline=offline)
    today = today or datetime.now(UTC).date()
    if offline:
        _check_offline(years, settings, summary, today)
        return summary
    own_client = client is None
    if client is None:
        client = HttpClient(settings, transport=transport)
    bar = None
    if _progress_enabled(progress):
        from tqdm import tqdm

        bar = tqdm(desc="fetch", unit="req", leave=False)
    try:
        with raw_lock(settings), client.run_until(settings.fetch_deadline_s):
            summary.removed_partial = len(clean_partial(settings))
            before = client.requests_made
            if years is None:
                years = _choose(settings, summary, client, today)
                summary.years = years
            _run_plan(years, settings, summary, client, bar)
            summary.http_attempts = client.requests_made - before
    finally:
        if bar is not None:
            bar.close()
        if own_client:
            client.close()
    return summary


def _check_offline(years: list[int] | None, settings: Settings, summary: FetchSummary,
                   today: date) -> None:
    """The offline check: read-only (no lock file, no clean-up, no plan record)."""
    with raw_read_lock(settings):
        leftovers = partial_files(settings)
        if leftovers:
            summary.notes.append(f"{len(leftovers)} partial file(s) of an interrupted fetch "
                                 "left as they are (a fetch with network removes them)")
        if years is None:
            years = _choose(settings, summary, None, today)
            summary.years = years
        _fetch_all(years, settings, summary, None, None)
    if summary.missing:
        listing = "\n  - ".join(summary.missing)
        raise DataError(f"offline: {len(summary.missing)} snapshot(s) are not on disk; run "
                        f"`make data` with network access (or `make demo`):\n  - {listing}")


def _run_plan(years: list[int], settings: Settings, summary: FetchSummary,
              client: HttpClient, bar: Any) -> None:
    """Fetch the plan for ``years``, recording its completeness (module docstring)."""
    kolada_url, scb_url = redact_url(settings.kolada_url), redact_url(settings.scb_url)
    record: dict[str, Any] = {
        "id": plan_id(years, kolada_url, scb_url), "years": years, "kolada_url": kolada_url,
        "scb_url": scb_url, "started_at": utc_now(), "finished_at": None, "complete": False,
        "snapshots": [], "stopped": None,
    }
    write_plan_record(record, settings)
    try:
        runner = _fetch_all(years, settings, summary, client, bar)
    except BaseException as exc:
        record["stopped"] = f"{type(exc).__name__}: {exc}"[:500]
        with contextlib.suppress(DataError):  # e.g. the disk is full: keep the first error
            write_plan_record(record, settings)
        raise
    record.update(finished_at=utc_now(), complete=not summary.missing,
                  snapshots=list(dict.fromkeys(runner.used)),
                  missing=list(summary.missing))
    write_plan_record(record, settings)


def plan_gaps(settings: Settings | None = None) -> list[str]:
    """What the raw store lacks for ``process`` to use it whole, one line per gap (empty
    when every recorded fetch plan is complete).

    A plan recorded as complete must still have every snapshot it lists; for a plan that
    did not finish, the missing requests are worked out offline from its years and
    servers (a fetch killed after its last snapshot therefore has no gaps). A store with
    snapshots but no plan record (written by an older version) is one gap.
    """
    settings = settings or get_settings()
    records = plan_records(settings)
    if not records:
        if next(iter_snapshots(settings), None) is None:
            return []
        return [f"{settings.raw_dir} has no record of a finished fetch (snapshots from an "
                "older version?); run `make data` once more: it reuses the snapshots on "
                "disk and records that they are complete"]
    gaps: list[str] = []
    for rec in records:
        span = _span(rec["years"])
        if rec["complete"]:
            lost = [s for s in rec["snapshots"] if find_snapshot(s, settings) is None]
            gaps += [f"raw snapshot {s} of the finished fetch for {span} is missing or "
                     "damaged" for s in lost]
            continue
        check = FetchSummary(years=rec["years"], offline=True)
        plan_settings = dataclasses.replace(settings, kolada_url=rec["kolada_url"],
                                            scb_url=rec["scb_url"])
        _fetch_all(rec["years"], plan_settings, check, None, None)
        stopped = f" ({rec['stopped']})" if rec.get("stopped") else ""
        gaps += [f"fetch for {span} started {rec['started_at']} did not finish{stopped}; "
                 f"missing {m}" for m in check.missing]
    return gaps


def _span(years: list[int]) -> str:
    years = sorted(years)
    if years == list(range(years[0], years[-1] + 1)) and len(years) > 1:
        return f"{years[0]}–{years[-1]}"
    return ", ".join(map(str, years))


def _newest_stored(settings: Settings, req: PlannedRequest) -> Snapshot | None:
    """The newest stored answer to ``req`` from any day (same URL, any dated label)."""
    folder = req.key.rsplit("/", 1)[0]
    snaps = [s for s in iter_snapshots(settings, f"{folder}/")
             if s.meta.get("url") == redact_url(req.url) and s.meta.get("page", 1) == 1]
    return max(snaps, key=lambda s: s.meta.get("retrieved_at", "")) if snaps else None


def _choose(settings: Settings, summary: FetchSummary, client: HttpClient | None,
            today: date) -> list[int]:
    """The default years (:func:`choose_years`) from today's answers, or offline from the
    newest stored ones."""
    kpi_req = kolada.plan_publication(settings.kolada_url, lss_kpis(), today)
    meta_req = scb.plan_metadata(settings.scb_url, scb.TAB_CKM, today)
    annual_req = scb.plan_metadata(settings.scb_url, scb.TAB_ANNUAL, today)
    if client is None:  # offline: the newest stored answers, whatever their date
        found = []
        for req in (kpi_req, meta_req):
            snap = _newest_stored(settings, req)
            if snap is None:
                raise DataError("offline and no years given: no stored answer to "
                                f"{req.describe()} says which year is the newest; run `make "
                                "data` with network access or give the years (YEARS=2015-2024)")
            found.append(load_snapshot(snap))
        kpi_data, meta_data = found
        kpi_items = kpi_data["values"]
        summary.reused += 2
        # TAB638's first year (a store from before it was asked: no cap, as then)
        annual_snap = _newest_stored(settings, annual_req)
        annual_data = load_snapshot(annual_snap) if annual_snap is not None else None
        summary.reused += annual_snap is not None
    else:
        runner = _Runner(settings, summary, client, None)
        kpi_pages = runner.run(kpi_req, kolada.validator(kpi_req.kind)) or []
        kpi_items = [i for data, _ in kpi_pages for i in data["values"]]
        meta_data = (runner.run(meta_req, scb.validate_metadata) or [(None, "")])[0][0]
        annual_data = (runner.run(annual_req, scb.validate_metadata) or [(None, "")])[0][0]
    years, why = choose_years(kpi_items, meta_data, today, annual_metadata=annual_data)
    summary.year_choice = why
    summary.discovery_requests = 3
    return years


def _fetch_all(years: list[int], settings: Settings, summary: FetchSummary,
               client: HttpClient | None, bar: Any) -> _Runner:
    """Run (or, without ``client``, check) the whole plan; returns the runner (ids used)."""
    runner = _Runner(settings, summary, client, bar)
    kpis = all_kpis()

    def total(n: int) -> None:
        if bar is not None:
            bar.total = (bar.total or 0) + n
            bar.refresh()

    # 1. Kolada metadata: the register first (it sizes the other plans).
    meta_plan = kolada.plan_metadata(settings.kolada_url, kpis)
    total(len(meta_plan))
    results: dict[str, list[tuple[Any, str]] | None] = {}
    for req in meta_plan:
        pages = runner.run(req, kolada.validator(req.kind))
        results.setdefault(req.kind, [])
        if pages is None:
            results[req.kind] = None
        elif results[req.kind] is not None:
            results[req.kind] += pages  # type: ignore[operator]
    munis = results.get("kolada-municipality")
    kommuner: list[str] = []
    if munis is not None:
        items = [i for data, _ in munis for i in data["values"]]
        kommuner = sorted(i["id"] for i in items if i.get("type") == "K")
        summary.items["municipalities in the register"] = len(kommuner)
    if results.get("kolada-groups") is not None:
        summary.items["municipality groups"] = sum(
            len(d["values"]) for d, _ in results["kolada-groups"])  # type: ignore[union-attr]
    n_units = len(kommuner) + 1 if kommuner else 291

    # 2. Kolada values.
    data_plan = kolada.plan_data(settings.kolada_url, kpis, years, n_units=n_units)
    total(len(data_plan))
    n_values = n_deleted = 0
    seen: set[tuple[str, int]] = set()
    for req in data_plan:
        pages = runner.run(req, kolada.validate_data)
        for data, _ in pages or []:
            n_values += len(data["values"])
            n_deleted += kolada.count_deleted(data)
            seen.update((i["kpi"], int(i["period"])) for i in data["values"])
    years_seen = {y for _, y in seen}
    summary.items["Kolada values (kpi × municipality × year)"] = n_values
    if n_deleted:
        summary.items["Kolada value entries marked deleted (skipped)"] = n_deleted
    if client is not None or not summary.missing:
        empty = [y for y in years if y not in years_seen]
        if empty:
            summary.notes.append(f"Kolada has no LSS values yet for {', '.join(map(str, empty))}")
        gaps = {k: [y for y in sorted(years_seen) if (k, y) not in seen] for k in kpis}
        if any(gaps.values()):  # a KPI not (yet) published for a year: reported, not an error
            listed = [f"{k} ({_span(ys)})" for k, ys in gaps.items() if ys]
            summary.notes.append(f"{len(listed)} KPI(s) have no values for some years: "
                                 f"{', '.join(listed[:12])}{' …' if len(listed) > 12 else ''}")

    # 3. SCB: limits from /config, then population.
    config_req = scb.plan_config(settings.scb_url)
    total(1)
    max_cells = scb.DEFAULT_MAX_CELLS
    config_pages = runner.run(config_req, scb.validate_config)
    if config_pages is not None:
        max_cells, calls, window = scb.limits_from_config(config_pages[0][0])
        if client is not None:
            client.set_rate_limit(scb.API, calls, window)
    if not kommuner:
        summary.missing.append(f"SCB population {years[0]}–{years[-1]} (planned from the "
                               "Kolada municipality register, which is missing)")
        return runner
    regions = ["00", *[k for k in kommuner if k != RIKET]]
    pop_plan = scb.plan_population(settings.scb_url, years, regions, max_cells)
    total(len(pop_plan))
    n_cells = 0
    for req in pop_plan:
        pages = runner.run(req, scb.validate_jsonstat)
        for data, _ in pages or []:
            n_cells += len(data["value"]) if isinstance(data["value"], list) else 0
    summary.items["SCB population cells"] = n_cells

    n_groups_pages = max(1, len(results.get("kolada-groups") or [None]))
    summary.minimum_requests = (
        summary.discovery_requests
        + kolada.min_data_pages(len(kpis), years, n_units) + 1 + n_groups_pages
        + len(kolada.chunk(kpis)) + 1 + scb.min_population_requests(years, len(regions),
                                                                    max_cells)
    )
    return runner
