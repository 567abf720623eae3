"""Acceptance tests for ``make data`` against real loopback servers.

The national picture for 2015–2024 (the real Kolada register of 290 kommuner + Riket,
3 630 real groups, synthetic LSS values and population) is fetched through HTTP, with and
without injected faults, interrupted and resumed.

Fewest requests the documented limits allow for 2015–2024 (computed in the code by
``kolada.min_data_pages`` / ``scb.min_population_requests`` and asserted here):

* Kolada data: 59 KPIs (21 LSS, 6 costs, 29 more of the LSS profile, 3 need indicators) ×
  10 years × 291 units = 171 690 values at ≤ 5 000 per page and ≤ 25 KPIs per path segment
  → ⌈171 690 / 5 000⌉ = 35 pages (chunks of 25 + 24 + 10 KPIs reach it: 15 + 14 + 6 pages);
* Kolada metadata: municipality 1, municipality_groups 1 (3 630 < 5 000), kpi 3 (59 ids
  > 2 × 25 per segment) → 5;
* SCB: /config 1; population 291 × 101 × 2 × 10 = 587 820 cells at 150 000 per request
  → ⌈3.92⌉ = 4 (two region halves × five years).

Total minimum 45; the fetch must stay within 10 % of it (≤ 49).
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from benchmark.config import get_settings
from benchmark.errors import DataError, FetchError, InputError
from benchmark.fetch import choose_years, fetch
from benchmark.process import process
from benchmark.sources.emulator import ApiEmulator
from benchmark.store import iter_snapshots, load_snapshot, read_manifest, read_table
from benchmark.tables import PROCESSED_TABLES
from tests.apidata import fast_client, real_register_dataset, small_dataset
from tests.loopback import LoopbackServer, closed_port_settings

YEARS = list(range(2015, 2025))
MINIMUM = 45
REPO = Path(__file__).resolve().parents[1]
TABLES = PROCESSED_TABLES


@pytest.fixture(scope="module")
def national(shared_data) -> ApiEmulator:
    return ApiEmulator(real_register_dataset(shared_data, YEARS), calls_per_window=1000,
                       window_s=1)


@pytest.fixture(scope="module")
def server(national):
    with LoopbackServer(national, seed=7) as srv:
        yield srv


@pytest.fixture(scope="module")
def clean_run(server, tmp_path_factory):
    """One fault-free fetch + process, shared by the comparisons below."""
    data_dir = tmp_path_factory.mktemp("clean")
    settings = server.settings(data_dir)
    server.failure_rate = 0.0
    start = len(server.requests)
    summary = fetch(YEARS, settings=settings, client=fast_client(settings), progress=False)
    n_requests = len(server.requests) - start
    process(settings=settings)
    return settings, summary, n_requests


def assert_store_clean(raw: Path) -> None:
    """No temp files, every body has a sidecar and matches its hash."""
    leftovers = [p for p in raw.rglob("*") if p.is_file() and p.name.endswith(".tmp")]
    assert leftovers == []
    bodies = {p for p in raw.rglob("*.json") if not p.name.endswith(".meta.json")}
    snaps = list(iter_snapshots(get_settings(data_dir=raw.parent)))
    assert {s.path for s in snaps} == bodies
    for s in snaps:
        load_snapshot(s)  # raises on a hash mismatch or broken JSON


def _tables(settings) -> dict[str, pl.DataFrame]:
    return {t: read_table(t, settings) for t in TABLES}


def test_fresh_fetch_is_complete_and_near_minimal(clean_run) -> None:
    settings, summary, n_requests = clean_run
    assert summary.minimum_requests == MINIMUM
    assert n_requests == summary.http_attempts == summary.saved
    assert n_requests <= 1.1 * MINIMUM
    assert summary.missing == []
    t = _tables(settings)
    munis = t["municipalities"]
    assert munis.height == 291 and "0000" in munis["municipality"].to_list()
    lss = t["lss"]
    assert lss.height == 291 * 10 * 14
    assert lss.filter(pl.col("status") == "ok").height == lss.height
    assert sorted(lss["year"].unique()) == YEARS
    pop = t["population"]
    assert pop.height == 291 * 10 * 2 * 101
    assert pop["population"].null_count() == 0
    assert read_manifest(settings)["synthetic"] is True
    text = summary.render()
    assert "45" in text and "complete" in text


def test_rerun_is_served_from_disk_and_offline_works(clean_run, server) -> None:
    settings, _summary, _n = clean_run
    start = len(server.requests)
    again = fetch(YEARS, settings=settings, client=fast_client(settings), progress=False)
    assert len(server.requests) == start and again.http_attempts == 0
    assert again.reused == MINIMUM
    offline = fetch(YEARS, offline=True, settings=settings, progress=False)
    assert offline.reused == MINIMUM and offline.missing == []


def test_offline_lists_exactly_what_is_missing(clean_run, server, tmp_path) -> None:
    settings, _s, _n = clean_run
    # a subset of the years is on disk: asking for one more year offline names its requests
    with pytest.raises(DataError) as err:
        fetch([2014, *YEARS], offline=True, settings=settings, progress=False)
    msg = str(err.value)
    assert "2014" in msg and "make data" in msg
    empty = server.settings(tmp_path)
    with pytest.raises(DataError, match=r"municipality.*\n.*- Kolada municipality_groups"):
        fetch(YEARS, offline=True, settings=empty, progress=False)


def test_transient_failures_give_identical_tables(clean_run, server, tmp_path) -> None:
    settings, _s, _n = clean_run
    faulty = server.settings(tmp_path)
    server.failure_rate = 0.3
    try:
        start = len(server.requests)
        summary = fetch(YEARS, settings=faulty, client=fast_client(faulty, retries=8),
                        progress=False)
        recorded = server.requests[start:]
    finally:
        server.failure_rate = 0.0
    faults = [r.fault for r in recorded if r.fault]
    assert len(faults) >= 5 and len(set(faults)) >= 3
    assert summary.saved == MINIMUM
    process(settings=faulty)
    clean, dirty = _tables(settings), _tables(faulty)
    for name in TABLES:
        assert dirty[name].equals(clean[name]), name
    assert_store_clean(faulty.raw_dir)


class _Interrupt(Exception):
    pass


def test_interrupted_fetch_resumes_without_partial_files(server, tmp_path) -> None:
    settings = server.settings(tmp_path)
    client = fast_client(settings)
    real_request = client.request
    calls = {"n": 0}

    def dying_request(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] > 9:
            raise _Interrupt("killed")
        return real_request(*args, **kwargs)

    client.request = dying_request  # type: ignore[method-assign]
    start = len(server.requests)
    with pytest.raises(_Interrupt):
        fetch(YEARS, settings=settings, client=client, progress=False)
    assert len(server.requests) - start == 9
    assert_store_clean(settings.raw_dir)
    assert len(list(iter_snapshots(settings))) == 9
    resumed = fetch(YEARS, settings=settings, client=fast_client(settings), progress=False)
    assert resumed.reused == 9 and resumed.saved == MINIMUM - 9
    assert len(server.requests) - start == MINIMUM  # nothing fetched twice
    assert_store_clean(settings.raw_dir)


def test_killed_subprocess_resumes(national, tmp_path) -> None:
    script = (
        "import sys; from benchmark.fetch import fetch; from benchmark.config import "
        "get_settings; from tests.apidata import fast_client; "
        "s = get_settings(data_dir=sys.argv[1], kolada_url=sys.argv[2], scb_url=sys.argv[3]); "
        "fetch(list(range(2015, 2025)), settings=s, client=fast_client(s), progress=False)"
    )
    with LoopbackServer(national, delay_s=0.15) as srv:
        settings = srv.settings(tmp_path)
        proc = subprocess.Popen([sys.executable, "-c", script, str(tmp_path), srv.kolada_url,
                                 srv.scb_url], cwd=REPO, env={**os.environ, "CI": "1"})
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            done = list(settings.raw_dir.rglob("*.meta.json")) if settings.raw_dir.exists() else []
            if len(done) >= 6 or proc.poll() is not None:
                break
            time.sleep(0.02)
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        assert proc.returncode == -signal.SIGKILL  # killed midway, not finished
        before = len(list(iter_snapshots(settings)))
        assert 6 <= before < MINIMUM
        srv.delay_s = 0.0
        resumed = fetch(YEARS, settings=settings, client=fast_client(settings), progress=False)
    assert resumed.reused == before and resumed.saved == MINIMUM - before
    assert_store_clean(settings.raw_dir)


def test_no_network_and_empty_cache(tmp_path) -> None:
    settings = closed_port_settings(tmp_path)
    with pytest.raises(FetchError) as err:
        fetch(YEARS, settings=settings, client=fast_client(settings, retries=1), progress=False)
    assert "Kolada" in str(err.value) and "make demo" in str(err.value)
    assert list(iter_snapshots(settings)) == []


def test_concurrent_fetches_keep_the_store_consistent(tmp_path) -> None:
    emu = ApiEmulator(small_dataset([2023, 2024]), calls_per_window=1000, window_s=1)
    with LoopbackServer(emu, delay_s=0.01) as srv:
        settings = srv.settings(tmp_path)
        results, errors = [], []

        def run() -> None:
            try:
                results.append(fetch([2023, 2024], settings=settings,
                                     client=fast_client(settings), progress=False))
            except Exception as exc:  # pragma: no cover - reported below
                errors.append(exc)

        threads = [threading.Thread(target=run) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert errors == []
    saved = sorted(r.saved for r in results)
    assert saved[0] == 0 and saved[1] == len(srv.requests)  # the second reused everything
    assert_store_clean(settings.raw_dir)


def test_concurrent_cli_fetches_in_two_processes(tmp_path) -> None:
    """Two ``python -m benchmark fetch`` processes at once (two ``make data`` runs): the
    raw-store lock serialises them; afterwards every snapshot matches its sidecar, nothing
    partial is left, each response was fetched once, and ``process`` succeeds."""
    emu = ApiEmulator(small_dataset([2023, 2024]), calls_per_window=1000, window_s=1)
    with LoopbackServer(emu, delay_s=0.02) as srv:
        env = {**os.environ, "BENCHMARK_DATA_DIR": str(tmp_path),
               "BENCHMARK_KOLADA_URL": srv.kolada_url, "BENCHMARK_SCB_URL": srv.scb_url}
        cmd = [sys.executable, "-m", "benchmark", "fetch", "--years", "2023-2024", "-q"]
        procs = [subprocess.Popen(cmd, cwd=REPO, env=env, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True) for _ in range(2)]
        outs = [p.communicate(timeout=120) for p in procs]
        n_requests = len(srv.requests)
    assert [p.returncode for p in procs] == [0, 0], outs
    saved = sorted(int(re.search(r"new snapshots saved: (\d+)", out).group(1))  # type: ignore[union-attr]
                   for out, _err in outs)
    assert saved == [0, n_requests]  # the second waited for the lock, then reused everything
    assert_store_clean(tmp_path / "raw")
    assert len(list(iter_snapshots(get_settings(data_dir=tmp_path)))) == n_requests
    res = subprocess.run([sys.executable, "-m", "benchmark", "process"], cwd=REPO, env=env,
                         capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    assert read_table("lss", get_settings(data_dir=tmp_path)).height == 4 * 2 * 14


def test_demo_transport_and_bad_years(tmp_path) -> None:
    emu = ApiEmulator(small_dataset([2024]))
    settings = get_settings(data_dir=tmp_path, kolada_url="http://kolada.demo/v3",
                            scb_url="http://scb.demo/api/v2")
    summary = fetch([2024], settings=settings, transport=emu.transport(), progress=False)
    assert summary.synthetic and summary.missing == [] and summary.saved == summary.http_attempts
    assert "SYNTHETIC" in summary.render()
    with pytest.raises(InputError, match="2009"):
        fetch([2009], settings=settings, progress=False)
    with pytest.raises(InputError):
        fetch([], settings=settings, progress=False)


def test_2025_population_comes_from_the_ckm_table(tmp_path) -> None:
    emu = ApiEmulator(small_dataset([2024, 2025]))
    settings = get_settings(data_dir=tmp_path, kolada_url="http://k.demo/v3",
                            scb_url="http://s.demo/api/v2")
    fetch([2024, 2025], settings=settings, transport=emu.transport(), progress=False)
    posts = [(m, u) for m, u in emu.requests if m == "POST"]
    assert sorted(u.split("/tables/")[1].split("/")[0] for _m, u in posts) == ["TAB638",
                                                                               "TAB6471"]
    process(settings=settings)
    pop = read_table("population", settings)
    assert sorted(pop["year"].unique()) == [2024, 2025]
    assert pop.filter(pl.col("year") == 2025).height == 4 * 2 * 101


# --------------------------------------------------------------------------- no years given

TODAY = date(2026, 12, 2)


def _through_2025(**emu: object) -> ApiEmulator:
    return ApiEmulator(small_dataset(list(range(2015, 2026))), calls_per_window=1000,
                       window_s=1, **emu)


def test_choose_years_from_real_metadata(shared_data) -> None:
    """The real KPI catalogue (publ_period 2025, published 2026-04-11/15) and the real
    TAB6471 metadata (2025M01–2026M04: December only for 2025) give 2015–2025."""
    import json

    from benchmark.catalog import lss_kpis

    kpis = pl.read_csv(shared_data / "kolada/kpi_list.csv", infer_schema=False).filter(
        pl.col("id").is_in(lss_kpis())).to_dicts()
    meta = json.loads((shared_data / "scb/pxweb_v2/TAB6471_metadata.json").read_text())
    years, why = choose_years(kpis, meta, TODAY)
    assert years == list(range(2015, 2026))
    assert why == ("2015–2025: Kolada has published LSS figures through 2025; SCB population "
                   "through 2025 (TAB6471 has 2025M12)")
    # before Kolada's publication date: 2024, although SCB has 2025
    assert choose_years(kpis, meta, date(2026, 3, 1))[0][-1] == 2024
    # SCB without a December yet: capped at 2024 (TAB638), and the line says why
    early = json.loads(json.dumps(meta))
    early["dimension"]["Tid"]["category"]["index"] = {"2025M01": 0, "2025M02": 1}
    years, why = choose_years(kpis, early, TODAY)
    assert years[-1] == 2024
    assert "TAB638 ends in 2024; TAB6471 has no December yet" in why
    assert why.endswith("2025 waits for SCB's population")


def test_fetch_without_years_takes_the_newest_published(tmp_path) -> None:
    emu = _through_2025()
    with LoopbackServer(emu) as srv:
        settings = srv.settings(tmp_path)
        summary = fetch(settings=settings, client=fast_client(settings), today=TODAY,
                        progress=False)
        assert summary.years == list(range(2015, 2026))
        assert "through 2025" in summary.year_choice and "years: 2015–2025" in summary.render()
        first = len(srv.requests)
        assert first == summary.http_attempts == summary.minimum_requests
        # the three answers that chose the years are kept, labelled with the day
        ids = sorted(s.id for s in iter_snapshots(settings) if "2026-12-02" in s.id)
        assert [i.split("/")[1] for i in ids] == ["kpi", "metadata", "metadata"]
        # the same day: nothing asked again; a later day asks the three questions afresh
        again = fetch(settings=settings, client=fast_client(settings), today=TODAY,
                      progress=False)
        assert len(srv.requests) == first and again.http_attempts == 0
        later = fetch(settings=settings, client=fast_client(settings),
                      today=date(2026, 12, 3), progress=False)
        assert later.http_attempts == 3 and later.years == summary.years
    offline = fetch(offline=True, settings=settings, today=date(2027, 1, 1), progress=False)
    assert offline.years == summary.years and offline.missing == []
    process(settings=settings)
    assert sorted(read_table("lss", settings)["year"].unique()) == summary.years
    with pytest.raises(DataError, match="offline and no years given"):
        fetch(offline=True, settings=get_settings(data_dir=tmp_path / "empty"),
              progress=False)


def test_cli_fetch_without_years_says_how_it_chose(tmp_path) -> None:
    with LoopbackServer(_through_2025()) as srv:
        env = {**os.environ, "BENCHMARK_KOLADA_URL": srv.kolada_url,
               "BENCHMARK_SCB_URL": srv.scb_url}
        res = subprocess.run([sys.executable, "-m", "benchmark", "fetch", "-q", "--data-dir",
                              str(tmp_path)], cwd=REPO, env=env, capture_output=True,
                             text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    assert "Fetch for 2015–20" in res.stdout
    assert "  years: 2015–" in res.stdout and "Kolada has published LSS figures" in res.stdout


# --------------------------------------------------------------------------- v3 shapes

def _with_deleted(ds, stale: list[tuple[str, str, int]], *, after: bool = False,
                  only: list[tuple[str, str, int]] = ()):
    """``ds`` with an entry marked deleted (value 999) for each key in ``stale``, placed
    before (or after) the live one; keys in ``only`` keep just the deleted entry."""
    live = ds.kolada_values.with_columns(pl.lit(False).alias("isdeleted"))
    keys = pl.DataFrame(stale + list(only), schema=["kpi", "municipality", "year"],
                        orient="row").with_columns(pl.col("year").cast(pl.Int32))
    deleted = live.join(keys, on=["kpi", "municipality", "year"]).with_columns(
        pl.lit(999.0).alias("value"), pl.lit(True).alias("isdeleted"))
    if only:
        gone = pl.DataFrame(list(only), schema=["kpi", "municipality", "year"],
                            orient="row").with_columns(pl.col("year").cast(pl.Int32))
        live = live.join(gone, on=["kpi", "municipality", "year"], how="anti")
    values = pl.concat([live, deleted] if after else [deleted, live])
    return type(ds)(values, ds.municipalities, ds.groups, ds.kpis, ds.population)


@pytest.mark.parametrize("after", [False, True])
def test_deleted_entries_never_reach_lss(tmp_path, after) -> None:
    """A stale entry marked deleted before (or after) the live one for the same key is
    skipped and counted; a key with only a deleted entry gets no value from it."""
    ds = small_dataset([2024])
    stale = [("N28801", "2482", 2024), ("N28892", "0180", 2024)]
    only = [("N28807", "1480", 2024)]  # kontaktperson count: only a deleted entry
    settings = get_settings(data_dir=tmp_path, kolada_url="http://k.test/v3",
                            scb_url="http://s.test/api/v2")
    emu = ApiEmulator(_with_deleted(ds, stale, after=after, only=only))
    summary = fetch([2024], settings=settings, transport=emu.transport(), progress=False)
    assert summary.items["Kolada value entries marked deleted (skipped)"] == 3
    done = process(settings=settings)
    assert done.deleted == 1  # the key with only a deleted entry
    lss = read_table("lss", settings)
    assert 999.0 not in lss["count"].to_list() and 999.0 not in lss["per_10k"].to_list()
    live = ds.kolada_values

    def published(kpi: str, m: str) -> float:
        return live.filter((pl.col("kpi") == kpi) & (pl.col("municipality") == m)
                           & (pl.col("gender") == "T"))["value"][0]

    def row(m: str, cat: str) -> dict:
        return lss.filter((pl.col("municipality") == m) & (pl.col("category") == cat)).row(
            0, named=True)

    assert row("2482", "boende")["count"] == published("N28801", "2482")
    assert row("0180", "totalt")["per_10k"] == published("N28892", "0180")
    kp = row("1480", "kontaktperson")  # count withdrawn: derived from the published rate
    assert kp["count_source"] == "derived_from_rate"
    assert kp["per_10k"] == published("N28813", "1480")


def test_a_newer_deleted_entry_withdraws_an_older_value(tmp_path) -> None:
    """Snapshot 1 (2024) has a live value; snapshot 2 (2023–2024, fetched later) marks it
    deleted: the value is withdrawn, never resurrected from the older snapshot."""
    ds = small_dataset([2023, 2024])
    settings = get_settings(data_dir=tmp_path, kolada_url="http://k.test/v3",
                            scb_url="http://s.test/api/v2")
    fetch([2024], settings=settings, transport=ApiEmulator(ds).transport(), progress=False)
    gone = [("N28892", "2482", 2024)]
    fetch([2023, 2024], settings=settings,
          transport=ApiEmulator(_with_deleted(ds, [], only=gone)).transport(), progress=False)
    process(settings=settings)
    lss = read_table("lss", settings)
    r = lss.filter((pl.col("municipality") == "2482") & (pl.col("category") == "totalt")
                   & (pl.col("year") == 2024)).row(0, named=True)
    assert r["status"] == "missing" and r["per_10k"] is None and r["count"] is None


def test_v2_member_shape_gives_the_same_groups_and_a_note(tmp_path) -> None:
    ds = small_dataset([2024])
    tables = {}
    for shape in ("v3", "v2"):
        settings = get_settings(data_dir=tmp_path / shape, kolada_url="http://k.test/v3",
                                scb_url="http://s.test/api/v2")
        summary = fetch([2024], settings=settings, progress=False,
                        transport=ApiEmulator(ds, member_shape=shape).transport())
        process(settings=settings)
        tables[shape] = read_table("peer_groups", settings)
        notes = [n for n in summary.notes if "member" in n]
        assert notes == ([] if shape == "v3" else [
            "Kolada groups: group members use the v2 keys 'id'/'title' instead of "
            "'member_id'/'member_title' (6 of 6 members) (the live API differs from the v3 "
            "shape this version was built for; read anyway - run `python -m benchmark "
            "doctor`)"])
    assert tables["v2"].drop("snapshot", strict=False).equals(
        tables["v3"].drop("snapshot", strict=False))
    g = tables["v3"].filter(pl.col("group_id") == "G39684")
    assert sorted(g["member"]) == ["0180", "1480"] and g["focus"].unique().to_list() == ["2482"]


def test_next_url_without_per_page_keeps_it(tmp_path) -> None:
    """A server whose next_url drops per_page: every following page is still asked with
    the per_page of the first request."""
    from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

    def drop_per_page(path: str, data: dict) -> dict:
        if isinstance(data, dict) and data.get("next_url"):
            parts = urlsplit(data["next_url"])
            q = [(k, v) for k, v in parse_qsl(parts.query) if k != "per_page"]
            data["next_url"] = urlunsplit(parts._replace(query=urlencode(q)))
        return data

    emu = ApiEmulator(small_dataset([2023, 2024]), calls_per_window=1000, window_s=1,
                      page_size=25)
    with LoopbackServer(emu, patch=drop_per_page) as srv:
        settings = srv.settings(tmp_path)
        fetch([2023, 2024], settings=settings, client=fast_client(settings), progress=False)
        later = [r.path for r in srv.requests if "page=" in r.path.replace("per_page", "")]
    assert later and all("per_page=5000" in p for p in later)


def test_cli_fetch_422_is_one_line_after_one_attempt(tmp_path) -> None:
    """A Kolada that refuses more than 20 ids per path segment answers the 25-KPI metadata
    request with 422: `make data` stops at once with one line naming the URL and the
    API's words, exit 1; nothing half-written is left."""
    emu = ApiEmulator(small_dataset([2024]), max_items_per_segment=20)
    with LoopbackServer(emu) as srv:
        env = {**os.environ, "BENCHMARK_KOLADA_URL": srv.kolada_url,
               "BENCHMARK_SCB_URL": srv.scb_url}
        res = subprocess.run([sys.executable, "-m", "benchmark", "fetch", "--years", "2024",
                              "-q", "--data-dir", str(tmp_path)], cwd=REPO, env=env,
                             capture_output=True, text=True, timeout=120)
        refused = [r for r in srv.requests if r.status == 422]
    assert res.returncode == 1 and "Traceback" not in res.stderr
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and len(refused) == 1
    url = srv.url + refused[0].path
    assert lines[0] == (f"error: Kolada refused GET {url}: HTTP 422: Unprocessable Entity (too "
                        "many items in one path segment (25 > 20)) (not retried: the API "
                        "rejects the request itself)")
    assert_store_clean(tmp_path / "raw")


def test_make_data_and_process_without_years(tmp_path) -> None:
    """`make data` + `make process` (no YEARS) against a loopback server in the v3 shape
    with data through 2025: 2015–2025 fetched, 2025 population from TAB6471."""
    ds = small_dataset(list(range(2015, 2026)))
    published = ds.kpis.with_columns(pl.lit("2026-04-15").alias("publication_date"))
    ds = type(ds)(ds.kolada_values, ds.municipalities, ds.groups, published, ds.population)
    with LoopbackServer(ApiEmulator(ds, calls_per_window=1000, window_s=1)) as srv:
        env = {**os.environ, "BENCHMARK_KOLADA_URL": srv.kolada_url,
               "BENCHMARK_SCB_URL": srv.scb_url}
        res = subprocess.run(["make", "--no-print-directory", "data", "process",
                              f"DATA_DIR={tmp_path}"], cwd=REPO, env=env,
                             capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stdout + res.stderr
    assert "-m benchmark fetch \n" in res.stdout  # no --years: the newest year is asked
    assert "Fetch for 2015–2025" in res.stdout and "complete: nothing missing" in res.stdout
    assert "Processed" in res.stdout
    settings = get_settings(data_dir=tmp_path)
    assert read_manifest(settings)["years"] == list(range(2015, 2026))
    pop = read_table("population", settings)
    assert pop.filter(pl.col("year") == 2025).height == 4 * 2 * 101
