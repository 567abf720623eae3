"""Issue #18, cases 4 and 5 and the acceptance: a whole processed set or none.

* A fetch killed (SIGKILL, a real subprocess against a loopback server) at several points,
  followed by ``python -m benchmark process``: either exit 1 naming what is missing (and the
  processed set untouched), or tables identical to a complete run, never exit 0 with other
  numbers. Both from an empty store and on top of an older complete set.
* Case 4 as reported: the national store, a 2015–2024 fetch killed with 3 of its 4 population
  snapshots saved over a good 2015–2023 set.
* Case 5: the set is switched in one step; ``os.rename``/``os.replace``/``os.symlink``
  failing at each step, a writer SIGKILLed at each step, ENOSPC on the manifest and two
  concurrent writers all leave one whole set (the old or the new) and no temp folder after
  the next write.
"""

from __future__ import annotations

import errno
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import polars as pl
import pytest

from benchmark.config import Settings, get_settings
from benchmark.errors import DataError
from benchmark.fetch import fetch
from benchmark.process import process
from benchmark.screen import screen
from benchmark.sources.emulator import ApiEmulator
from benchmark.store import (
    PROCESSED_TABLES,
    plan_records,
    raw_lock,
    read_manifest,
    read_table,
    write_tables,
)
from benchmark.tableset import open_set
from tests.apidata import fast_client, real_register_dataset, small_dataset
from tests.loopback import LoopbackServer
from tests.processed_fixture import processed_state

REPO = Path(__file__).resolve().parents[1]
SMALL_YEARS = [2023, 2024]

_FETCH = (
    "import sys; from benchmark.fetch import fetch; from benchmark.config import "
    "get_settings; from tests.apidata import fast_client; "
    "s = get_settings(data_dir=sys.argv[1], kolada_url=sys.argv[2], scb_url=sys.argv[3]); "
    "years = [int(y) for y in sys.argv[4].split(',')]; "
    "fetch(years, settings=s, client=fast_client(s), progress=False)"
)


def _cli(args: list[str], data_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BENCHMARK_")}
    return subprocess.run([sys.executable, "-m", "benchmark", *args, "--data-dir",
                           str(data_dir)], cwd=REPO, capture_output=True, text=True, env=env,
                          timeout=180)


def _tables(settings: Settings) -> dict[str, pl.DataFrame]:
    return {t: read_table(t, settings) for t in PROCESSED_TABLES}


def _sidecars(settings: Settings, part: str = "") -> int:
    raw = settings.raw_dir
    return sum(1 for p in raw.rglob("*.meta.json") if part in p.as_posix()) if raw.exists() else 0


def _killed_fetch(srv: LoopbackServer, settings: Settings, years: list[int], *,
                  after: int, part: str = "", settle_s: float = 0.0) -> int:
    """Run a fetch subprocess and SIGKILL it once ``after`` more sidecars (with ``part`` in
    their path) exist; ``after=0`` kills it as soon as its plan record is written.
    Returns how many new sidecars there were."""
    before = _sidecars(settings, part)
    plans = settings.raw_dir / "plans"

    def plan_state() -> set[tuple[str, int]]:
        return {(p.name, p.stat().st_mtime_ns) for p in plans.glob("*.plan")} \
            if plans.exists() else set()

    plans_before = plan_state()
    proc = subprocess.Popen(
        [sys.executable, "-c", _FETCH, str(settings.data_dir), srv.kolada_url, srv.scb_url,
         ",".join(map(str, years))], cwd=REPO, env={**os.environ, "CI": "1"})
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and proc.poll() is None:
            if after == 0:
                if plan_state() != plans_before:  # this fetch's record is written
                    break
            elif _sidecars(settings, part) >= before + after:
                break
            time.sleep(0.005)
        time.sleep(settle_s)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    return _sidecars(settings, part) - before


def _process_after_kill(settings: Settings, reference: dict[str, pl.DataFrame]) -> str:
    """``process`` on the killed store: exit 1 naming what is missing with the processed
    set unchanged, or exit 0 with tables identical to the complete run. Returns which."""
    before = processed_state(settings)
    res = _cli(["process"], settings.data_dir)
    assert "Traceback" not in res.stderr
    if res.returncode == 1:
        assert "is incomplete" in res.stderr and "missing" in res.stderr, res.stderr
        assert "--allow-partial" in res.stderr
        assert processed_state(settings) == before
        return "refused"
    assert res.returncode == 0, res.stderr
    got = _tables(settings)
    for name, df in reference.items():
        assert got[name].equals(df), name
    assert read_manifest(settings)["complete"] is True
    return "identical"


@pytest.fixture(scope="module")
def small_server():
    emu = ApiEmulator(small_dataset(SMALL_YEARS), calls_per_window=10_000, window_s=1)
    with LoopbackServer(emu) as srv:
        yield srv


@pytest.fixture(scope="module")
def small_reference(small_server, tmp_path_factory) -> dict[str, pl.DataFrame]:
    """Tables of a complete fetch + process of 2023–2024 (the same server, so the same
    snapshot ids)."""
    settings = small_server.settings(tmp_path_factory.mktemp("reference"))
    fetch(SMALL_YEARS, settings=settings, client=fast_client(settings), progress=False)
    process(settings=settings)
    return _tables(settings)


@pytest.mark.parametrize("after", [0, 1, 4, 7, 8])
def test_killed_fetch_then_process_from_an_empty_store(after, small_server, small_reference,
                                                       tmp_path) -> None:
    settings = small_server.settings(tmp_path)
    small_server.delay_s = 0.15
    try:
        saved = _killed_fetch(small_server, settings, SMALL_YEARS, after=after)
    finally:
        small_server.delay_s = 0.0
    assert saved >= after
    outcome = _process_after_kill(settings, small_reference)
    if saved < 8:
        assert outcome == "refused"


@pytest.mark.parametrize("after", [0, 1, 2, 3])
def test_killed_fetch_over_a_complete_older_set(after, small_server, small_reference,
                                                tmp_path) -> None:
    """A complete 2023 set, then a 2023–2024 fetch (3 new requests: two Kolada data pages
    and the population) killed after ``after`` of them."""
    settings = small_server.settings(tmp_path)
    fetch([2023], settings=settings, client=fast_client(settings), progress=False)
    process(settings=settings)
    old = _tables(settings)
    small_server.delay_s = 0.15
    try:
        saved = _killed_fetch(small_server, settings, SMALL_YEARS, after=after)
    finally:
        small_server.delay_s = 0.0
    outcome = _process_after_kill(settings, small_reference)
    if saved < 3:
        assert outcome == "refused"
        assert all(_tables(settings)[t].equals(old[t]) for t in PROCESSED_TABLES)


def test_process_refuses_while_a_fetch_holds_the_store(small_server, tmp_path) -> None:
    settings = small_server.settings(tmp_path)
    fetch(SMALL_YEARS, settings=settings, client=fast_client(settings), progress=False)
    with raw_lock(settings):
        res = _cli(["process"], tmp_path)
    assert res.returncode == 1 and "a fetch is writing" in res.stderr
    assert "raw/.lock" in res.stderr
    assert not (tmp_path / "processed" / "current").exists()


def test_a_lost_snapshot_of_a_finished_fetch_is_named(small_server, tmp_path) -> None:
    settings = small_server.settings(tmp_path)
    fetch(SMALL_YEARS, settings=settings, client=fast_client(settings), progress=False)
    (record,) = plan_records(settings)
    # register, groups, 3 KPI description chunks (59 ids), 3 data segments, config, population
    assert record["complete"] and len(record["snapshots"]) == 10
    gone = next(s for s in record["snapshots"] if s.startswith("scb/population"))
    (settings.raw_dir / f"{gone}.json").unlink()
    (settings.raw_dir / f"{gone}.meta.json").unlink()
    with pytest.raises(DataError) as err:
        process(settings=settings)
    assert gone in str(err.value) and "is missing" in str(err.value)


def test_a_store_without_a_plan_record_asks_for_one_more_fetch(small_server, tmp_path) -> None:
    settings = small_server.settings(tmp_path)
    fetch(SMALL_YEARS, settings=settings, client=fast_client(settings), progress=False)
    for p in (settings.raw_dir / "plans").iterdir():
        p.unlink()
    with pytest.raises(DataError, match="no record of a finished fetch"):
        process(settings=settings)
    n = len(small_server.requests)
    summary = fetch(SMALL_YEARS, settings=settings, client=fast_client(settings),
                    progress=False)
    assert summary.saved == 0 and len(small_server.requests) == n  # offline from disk
    assert process(settings=settings).missing == []


# --------------------------------------------------------------------------- case 4 (national)

NATIONAL_YEARS = list(range(2015, 2025))


@pytest.fixture(scope="module")
def national_server(shared_data):
    emu = ApiEmulator(real_register_dataset(shared_data, NATIONAL_YEARS),
                      calls_per_window=10_000, window_s=1)
    with LoopbackServer(emu, slow_s=30.0) as srv:
        yield srv


def test_case4_fetch_killed_with_3_of_4_population_snapshots(national_server,
                                                            tmp_path) -> None:
    """A good 2015–2024 set; the population is fetched again (its snapshots deleted, e.g.
    to refresh them) and that fetch is killed with 3 of its 4 population requests saved.
    ``process`` refuses and keeps the good set; ``--allow-partial`` marks the half set;
    finishing the fetch gives the good tables back exactly."""
    srv = national_server
    settings = srv.settings(tmp_path / "data")
    fetch(NATIONAL_YEARS, settings=settings, client=fast_client(settings), progress=False)
    process(settings=settings)
    good = _tables(settings)
    good_not_assessed = screen(2024, settings=settings).filter(
        pl.col("flag") == "not_assessed").height
    before = processed_state(settings)
    for p in (settings.raw_dir / "scb" / "population").iterdir():
        p.unlink()
    srv.inject("pass", "pass", "pass", "slow", match="/tables/")  # the 4th one hangs
    saved = _killed_fetch(srv, settings, NATIONAL_YEARS, after=3, part="scb/population",
                          settle_s=0.3)
    assert saved == 3

    res = _cli(["process"], settings.data_dir)
    assert res.returncode == 1, res.stderr
    assert "did not finish" in res.stderr and "missing SCB TAB638_" in res.stderr
    assert processed_state(settings) == before  # the good set stays current

    # processing the half store on purpose: marked, and every command says so
    res = _cli(["process", "--allow-partial"], settings.data_dir)
    assert res.returncode == 0, res.stderr
    assert "PARTIAL" in res.stdout and "SCB population" in res.stdout
    assert "a partial set replaces the complete set" in res.stdout
    manifest = read_manifest(settings)
    assert manifest["complete"] is False
    assert any("SCB population" in m for m in manifest["missing"])
    partial_not_assessed = screen(2024, settings=settings).filter(
        pl.col("flag") == "not_assessed").height
    assert partial_not_assessed > good_not_assessed + 100  # what the gap does
    res = _cli(["compare", "--kommun", "2584", "--year", "2024", "--format", "csv"],
               settings.data_dir)
    assert res.returncode == 0 and "warning: the processed data are incomplete" in res.stderr

    # finishing the fetch gives exactly the good tables again
    summary = fetch(NATIONAL_YEARS, settings=settings, client=fast_client(settings),
                    progress=False)
    assert summary.saved == 1
    res = _cli(["process"], settings.data_dir)
    assert res.returncode == 0, res.stderr
    finished = _tables(settings)
    for name in PROCESSED_TABLES:
        assert finished[name].equals(good[name]), name
    assert read_manifest(settings)["complete"] is True


# --------------------------------------------------------------------------- case 5


def _set_with_marker(settings: Settings, generation: int) -> dict[str, pl.DataFrame]:
    """The current tables with a ``generation`` column (to tell sets apart)."""
    return {t: df.with_columns(pl.lit(generation).alias("generation"))
            for t, df in _tables(settings).items()}


def _generations(settings: Settings) -> set[int]:
    tables = open_set(settings)
    tables.verify()  # every table matches the manifest's hash
    return {int(tables.read(t)["generation"][0]) for t in PROCESSED_TABLES}


@pytest.fixture
def two_sets(tmp_path) -> Settings:
    """A data folder whose current set is generation 1."""
    settings = get_settings(data_dir=tmp_path / "data", kolada_url="http://k.test/v3",
                            scb_url="http://s.test/api/v2")
    fetch(SMALL_YEARS, settings=settings, transport=ApiEmulator(
        small_dataset(SMALL_YEARS)).transport(), progress=False)
    process(settings=settings)
    write_tables(_set_with_marker(settings, 1), settings, synthetic=True)
    return settings


@pytest.mark.parametrize("call", ["rename", "symlink", "replace"])
def test_failing_rename_at_any_step_keeps_the_old_set(call, two_sets, monkeypatch) -> None:
    """The writer's os.rename (temp folder → set), os.symlink (new link) or os.replace (the
    switch) fails (ENOSPC): DataError naming the path, the old set current and
    byte-identical, no temp folder or link left behind."""
    import benchmark.tablewriter as ts

    settings = two_sets
    before = processed_state(settings)

    def failing(*args: object, **kwargs: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(ts.os, call, failing)
    with pytest.raises(DataError) as err:
        write_tables(_set_with_marker(settings, 2), settings, synthetic=True)
    monkeypatch.undo()
    msg = str(err.value)
    assert "No space left on device" in msg and "the previous set is unchanged" in msg
    assert str(settings.processed_dir) in msg
    assert processed_state(settings) == before and _generations(settings) == {1}


@pytest.mark.parametrize("kill_before", ["rename", "symlink", "replace", "after-switch"])
def test_writer_killed_at_each_step_leaves_one_whole_set(kill_before, two_sets) -> None:
    """A subprocess writing generation 2 is SIGKILLed just before each renaming step (or
    just after the switch); the current set is generation 1 or 2, whole; the next write
    removes the stale temp folder."""
    settings = two_sets
    script = f"""
import os, signal, sys
import polars as pl
from benchmark.config import get_settings
import benchmark.tablewriter as ts
from benchmark.store import PROCESSED_TABLES, read_table, write_tables
s = get_settings(data_dir=sys.argv[1])
new = {{t: read_table(t, s).with_columns(pl.lit(2).alias("generation"))
       for t in PROCESSED_TABLES}}
def die():
    os.kill(os.getpid(), signal.SIGKILL)
for name in ("rename", "symlink", "replace"):
    real = getattr(os, name)
    def wrapped(*a, _real=real, _name=name, **k):
        if _name == {kill_before!r}:
            die()
        return _real(*a, **k)
    setattr(ts.os, name, wrapped)
if {kill_before!r} == "after-switch":
    ts._prune = lambda *a, **k: die()
write_tables(new, s, synthetic=True)
"""
    proc = subprocess.run([sys.executable, "-c", script, str(settings.data_dir)], cwd=REPO,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    gens = _generations(settings)
    expected = {2} if kill_before == "after-switch" else {1}
    assert gens == expected
    if kill_before == "rename":
        assert list((settings.processed_dir / "sets").glob(".tmp-*"))  # what a kill leaves
    write_tables(_set_with_marker(settings, 3), settings, synthetic=True)
    assert _generations(settings) == {3}
    assert list((settings.processed_dir / "sets").glob(".tmp-*")) == []
    assert list(settings.processed_dir.glob(".current-*")) == []
    assert len([p for p in (settings.processed_dir / "sets").iterdir()]) <= 2


def test_enospc_on_the_manifest_names_it_and_keeps_the_old_set(two_sets, monkeypatch) -> None:
    import benchmark.tablewriter as ts

    settings = two_sets
    before = processed_state(settings)
    real_fsync = os.fsync

    def fsync(fd: int) -> None:
        if os.readlink(f"/proc/self/fd/{fd}").endswith("manifest.json"):
            raise OSError(errno.ENOSPC, "No space left on device")
        real_fsync(fd)

    monkeypatch.setattr(ts.os, "fsync", fsync)
    with pytest.raises(DataError) as err:
        write_tables(_set_with_marker(settings, 2), settings, synthetic=True)
    msg = str(err.value)
    assert "manifest.json" in msg and "[Errno 28] No space left on device" in msg
    monkeypatch.undo()
    assert processed_state(settings) == before and _generations(settings) == {1}


def test_concurrent_writers_end_with_one_whole_set(two_sets) -> None:
    """Two processes write generations 2 and 3 at once (each table write slowed down);
    the writer lock serialises them: their write intervals do not overlap and the
    final set is entirely one of them."""
    settings = two_sets
    script = """
import json, sys, time
import polars as pl
from benchmark.config import get_settings
from benchmark.store import PROCESSED_TABLES, read_table, write_tables
s = get_settings(data_dir=sys.argv[1])
gen = int(sys.argv[2])
new = {t: read_table(t, s).with_columns(pl.lit(gen).alias("generation"))
       for t in PROCESSED_TABLES}
real = pl.DataFrame.write_parquet
def slow(self, *a, **k):
    time.sleep(0.15)
    return real(self, *a, **k)
pl.DataFrame.write_parquet = slow
import benchmark.tablewriter as ts
real_fill = ts._fill_set
times = {}
def fill(*a, **k):
    times["start"] = time.time()
    out = real_fill(*a, **k)
    times["end"] = time.time()
    return out
ts._fill_set = fill
write_tables(new, s, synthetic=True)
print(json.dumps(times))
"""
    procs = [subprocess.Popen([sys.executable, "-c", script, str(settings.data_dir), str(g)],
                              cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True) for g in (2, 3)]
    outs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    a, b = (json.loads(out) for out, _ in outs)
    assert a["end"] <= b["start"] or b["end"] <= a["start"]  # serialised by the lock
    assert _generations(settings) in ({2}, {3})
