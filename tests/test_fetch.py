"""Acceptance tests for ``make data`` against real loopback servers.

The national picture for 2015–2024 (the real Kolada register of 290 kommuner + Riket,
3 630 real groups, synthetic LSS values and population) is fetched through HTTP, with and
without injected faults, interrupted and resumed.

Fewest requests the documented limits allow for 2015–2024 (computed in the code by
``kolada.min_data_pages`` / ``scb.min_population_requests`` and asserted here):

* Kolada data: 27 KPIs × 10 years × 291 units = 78 570 values at ≤ 5 000 per page and
  ≤ 25 KPIs per path segment → ⌈78 570 / 5 000⌉ = 16 pages (chunks of 24 + 3 KPIs
  reach it: 14 + 2 pages);
* Kolada metadata: municipality 1, municipality_groups 1 (3 630 < 5 000), kpi 2 (27 ids
  > 25 per segment) → 4;
* SCB: /config 1; population 291 × 101 × 2 × 10 = 587 820 cells at 150 000 per request
  → ⌈3.92⌉ = 4 (two region halves × five years).

Total minimum 25; the fetch must stay within 10 % of it (≤ 27).
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import polars as pl
import pytest

from benchmark.config import get_settings
from benchmark.errors import DataError, FetchError, InputError
from benchmark.fetch import fetch
from benchmark.process import process
from benchmark.sources.emulator import ApiEmulator
from benchmark.store import iter_snapshots, load_snapshot, read_manifest, read_table
from tests.apidata import fast_client, real_register_dataset, small_dataset
from tests.loopback import LoopbackServer

YEARS = list(range(2015, 2025))
MINIMUM = 25
REPO = Path(__file__).resolve().parents[1]
TABLES = ("lss", "population", "municipalities", "peer_groups", "costs")


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
    assert lss.height == 291 * 10 * 12
    assert lss.filter(pl.col("status") == "ok").height == lss.height
    assert sorted(lss["year"].unique()) == YEARS
    pop = t["population"]
    assert pop.height == 291 * 10 * 2 * 101
    assert pop["population"].null_count() == 0
    assert read_manifest(settings)["synthetic"] is True
    text = summary.render()
    assert "25" in text and "complete" in text


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
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    settings = get_settings(data_dir=tmp_path, kolada_url=f"http://127.0.0.1:{port}/v3",
                            scb_url=f"http://127.0.0.1:{port}/api/v2")
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
    assert read_table("lss", get_settings(data_dir=tmp_path)).height == 4 * 2 * 12


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
