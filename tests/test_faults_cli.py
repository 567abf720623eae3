"""Issue #18, cases 1, 2, 6, 7, 9 and 10 through the command line (subprocesses) and the API.

1 output paths (devices, FIFOs, ``/proc/self/fd/1``, symlinks, a file as parent folder, a
  file as report folder) checked before any work; 2 year ranges checked at both ends before
  a range is built; 6 a listed table that is missing or damaged stops compare, screen and
  report; 7 spreadsheet formula injection; 9 provenance; 10 errors name their file, parser
  recursion, sidecar schema, ``fetch --offline`` changes nothing, report temp folders.
"""

from __future__ import annotations

import csv
import errno
import io
import json
import os
import shutil
import signal
import socket
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import polars as pl
import pytest

from benchmark import cli
from benchmark.config import Settings, get_settings
from benchmark.errors import DataError
from benchmark.fetch import fetch
from benchmark.output import write_table
from benchmark.process import process
from benchmark.report import remove_stale_tempdirs
from benchmark.screen import screen
from benchmark.sources.emulator import ApiEmulator
from benchmark.store import iter_snapshots, read_manifest, sha256_hex, write_tables
from benchmark.tableset import open_set
from tests import processed_fixture as fx
from tests.apidata import small_dataset

REPO = Path(__file__).resolve().parents[1]
COMPARE = ["compare", "--kommun", "2482", "--year", "2024", "--format", "csv"]


def _run(args: list[str], data_dir: Path | None = None, *, env_extra: dict | None = None,
         timeout: float = 120, **kwargs: object) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BENCHMARK_")}
    env.update(env_extra or {})
    extra = ["--data-dir", str(data_dir)] if data_dir is not None else []
    return subprocess.run([sys.executable, "-m", "benchmark", *args, *extra], cwd=REPO,
                          capture_output=True, text=True, env=env, timeout=timeout,
                          **kwargs)  # type: ignore[call-overload]


def _error_line(res: subprocess.CompletedProcess[str], code: int) -> str:
    assert res.returncode == code, (res.returncode, res.stderr)
    assert "Traceback" not in res.stderr
    lines = [ln for ln in res.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, res.stderr
    return lines[0]


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fetched and processed small country (synthetic; 0180, 1480, 2482; 2023–2024)."""
    data_dir = tmp_path_factory.mktemp("store") / "data"
    settings = get_settings(data_dir=data_dir, kolada_url="http://k.test/v3",
                            scb_url="http://s.test/api/v2")
    fetch([2023, 2024], settings=settings,
          transport=ApiEmulator(small_dataset([2023, 2024])).transport(), progress=False)
    process(settings=settings)
    return data_dir


@pytest.fixture
def copy(store: Path, tmp_path: Path) -> Settings:
    """A private copy of the store (symlinks kept) to damage."""
    shutil.copytree(store, tmp_path / "data", symlinks=True)
    return get_settings(data_dir=tmp_path / "data")


# --------------------------------------------------------------------------- case 1: --out


def test_out_dev_null_is_written_to_not_replaced(store: Path) -> None:
    before = os.stat("/dev/null")
    res = _run([*COMPARE, "--out", "/dev/null"], store)
    assert res.returncode == 0, res.stderr
    after = os.stat("/dev/null")
    assert stat.S_ISCHR(after.st_mode) and after.st_rdev == before.st_rdev


def test_out_fifo_is_written_to(store: Path, tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()))
    reader.start()
    res = _run([*COMPARE, "--out", str(fifo)], store)
    reader.join(30)
    assert res.returncode == 0, res.stderr
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)
    rows = list(csv.DictReader(io.StringIO(received[0].decode())))
    assert len(rows) == 10 and {r["municipality"] for r in rows} == {"2482"}


def test_out_proc_self_fd_1_writes_to_stdout(store: Path) -> None:
    res = _run([*COMPARE, "--out", "/proc/self/fd/1"], store)
    assert res.returncode == 0, res.stderr
    assert len(list(csv.DictReader(io.StringIO(res.stdout)))) == 10


def test_out_symlink_replaces_its_target_and_stays_a_link(store: Path, tmp_path: Path) -> None:
    target = tmp_path / "real.csv"
    target.write_text("old\n")
    link = tmp_path / "link.csv"
    link.symlink_to(target)
    dangling = tmp_path / "dangling.csv"
    dangling.symlink_to(tmp_path / "sub" / "new.csv")
    for out in (link, dangling):
        res = _run([*COMPARE, "--out", str(out)], store)
        assert res.returncode == 0, res.stderr
        assert out.is_symlink()
    assert target.read_text().startswith("municipality,")
    assert (tmp_path / "sub" / "new.csv").read_text().startswith("municipality,")


@pytest.mark.parametrize("kind", ["parent-is-file", "folder", "socket"])
def test_out_refused_before_any_work(kind: str, tmp_path: Path) -> None:
    """Exit 2 naming --out, even without any data (so no work has started)."""
    if kind == "parent-is-file":
        (tmp_path / "file").write_text("x")
        out, needle = tmp_path / "file" / "x.csv", "is a file, not a folder"
    elif kind == "folder":
        out, needle = tmp_path, "is a folder"
    else:
        out, needle = tmp_path / "sock", "is a socket"
        server = socket.socket(socket.AF_UNIX)
        server.bind(str(out))
    for command in (COMPARE, ["screen", "--year", "2024"]):
        line = _error_line(_run([*command, "--out", str(out)], tmp_path / "no-data"), 2)
        assert "--out" in line and needle in line, line


def test_out_year_template_is_checked_before_the_newest_year_is_looked_up(
        tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    line = _error_line(_run(["screen", "--format", "csv", "--out",
                             str(tmp_path / "file" / "screening-{year}.csv")],
                            tmp_path / "no-data"), 2)
    assert "screening-{year}.csv" in line and "is a file, not a folder" in line


@pytest.mark.parametrize("args", [COMPARE, ["profile", "--kommun", "2482", "--format", "csv"]])
def test_out_placeholder_other_than_year_is_refused(store: Path, tmp_path: Path,
                                                    args: list[str]) -> None:
    """Only {year} is filled in: a name with {kommun} used to be written literally."""
    line = _error_line(_run([*args, "--out", str(tmp_path / "t-{kommun}-{year}.csv")], store),
                       2)
    assert line.endswith("{kommun} is not filled in; only {year} is (the year used), e.g. "
                         "reports/compare-0180-{year}.csv")
    assert list(tmp_path.iterdir()) == []


def test_report_of_a_small_country_says_what_cannot_be_drawn(store: Path, tmp_path: Path
                                                            ) -> None:
    """Three municipalities whose national total does not add up: the total's funnel cannot
    be drawn (a data condition, not bad input); the report says so in that section and is
    written, with nothing but the year line on stderr."""
    res = _run(["report", "--kommun", "2482", "--year", "2024", "--out", str(tmp_path)], store)
    assert res.returncode == 0, res.stderr
    assert "without encryption" not in res.stderr and "Traceback" not in res.stderr
    text = next(tmp_path.glob("lss-2482-2024-sv*.html")).read_text(encoding="utf-8")
    assert "Personer med någon LSS-insats: ingen kommun kunde bedömas 2024." in text


def test_report_out_existing_file_is_refused_at_once(store: Path, tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    out.write_text("keep me")
    start = time.monotonic()
    for data_dir in (store, tmp_path / "no-data"):
        line = _error_line(_run(["report", "--kommun", "2482", "--year", "2024",
                                 "--out", str(out)], data_dir), 2)
        assert "is a file, not a folder" in line
    assert time.monotonic() - start < 20  # no notebook ran (a report takes ~5 s each)
    assert out.read_text() == "keep me"
    line = _error_line(_run(["demo", "--out", str(out)]), 2)
    assert "is a file, not a folder" in line


# --------------------------------------------------------------------------- case 2: years

# A fresh parent, so RUSAGE_CHILDREN's ru_maxrss is this one command's peak (plus the small
# parent's RSS at fork, which Linux carries across exec).
_PEAK = """
import resource, subprocess, sys
res = subprocess.run([sys.executable, "-m", "benchmark", *sys.argv[1:]], capture_output=True,
                     text=True)
print(res.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024)
print(res.stderr.strip())
"""


@pytest.mark.parametrize("years", ["2015-99999999999", "2015-20000000", "99999999999-2015",
                                   "2015-2024,1-30000000"])
def test_huge_year_ranges_fail_before_being_built(years: str, tmp_path: Path) -> None:
    start = time.monotonic()
    res = subprocess.run([sys.executable, "-c", _PEAK, "fetch", "--offline", "--years", years,
                          "--data-dir", str(tmp_path)], cwd=REPO, capture_output=True,
                         text=True, timeout=60)
    elapsed = time.monotonic() - start
    first, message = res.stdout.splitlines()[:2]
    code, peak_mb = (int(x) for x in first.split())
    assert code == 2 and peak_mb < 200 and elapsed < 15, (code, peak_mb, elapsed)
    assert "out of range" in message and "2010–2025" in message
    assert years.split(",")[-1] in message


# --------------------------------------------------------------------------- case 6


@pytest.mark.parametrize(("table", "damage"), [("kpi_values", "missing"),
                                               ("peer_groups", "truncated")])
def test_listed_optional_table_missing_or_damaged_stops_everything(table: str, damage: str,
                                                                   copy: Settings) -> None:
    path = open_set(copy).table_path(table)
    if damage == "missing":
        path.unlink()
    else:
        path.write_bytes(path.read_bytes()[:100])
    for command in (COMPARE, ["screen", "--year", "2024"],
                    ["report", "--kommun", "2482", "--year", "2024", "--out",
                     str(copy.data_dir / "reports")]):
        line = _error_line(_run(command, copy.data_dir, timeout=60), 1)
        assert f"{table}.parquet" in line and "make process" in line, line
        assert ("is missing" if damage == "missing" else "does not match the sha256") in line


def test_only_an_unlisted_table_may_be_absent(store: Path, tmp_path: Path) -> None:
    """A set written without KPI values (costs) and peer groups (its manifest does not list
    them)."""
    full = get_settings(data_dir=store)
    part = get_settings(data_dir=tmp_path / "data")
    shutil.copytree(store / "raw", tmp_path / "data" / "raw")
    tables = {t: open_set(full).read(t) for t in ("lss", "population", "municipalities")}
    snaps = {t: e["snapshots"] for t, e in open_set(full).manifest["tables"].items()}
    write_tables(tables, part, snapshots=snaps)
    df = screen(2024, settings=part)
    assert df["excess_cost"].null_count() == df.height
    assert df.filter(pl.col("municipality") == "2482")["observed"].null_count() == 0


# --------------------------------------------------------------------------- case 7


def test_csv_cells_that_start_a_formula_are_defused(tmp_path: Path) -> None:
    names = ["=HYPERLINK(\"http://x\")", "+1+1", "-2", "@SUM(A1)", "\tTab", "\rCR"]
    munis = fx.tables()["municipalities"]
    munis = munis.with_columns(pl.when(pl.col("municipality") == "0000").then(pl.col("name"))
                               .otherwise(pl.lit(None)).alias("name"))
    hostile = dict(zip(fx.CODES, names + [f"Kommun {c}" for c in fx.CODES[6:]], strict=True))
    munis = munis.with_columns(pl.col("municipality").replace_strict(
        hostile, default=pl.col("name")).alias("name"))
    settings = fx.write_processed(tmp_path / "data", replace={"municipalities": munis})
    res = subprocess.run([sys.executable, "-m", "benchmark", "screen", "--year", "2023",
                          "--format", "csv", "--data-dir", str(settings.data_dir)], cwd=REPO,
                         capture_output=True, timeout=120)  # bytes: keep the CR as it is
    assert res.returncode == 0, res.stderr
    rows = list(csv.DictReader(io.StringIO(res.stdout.decode(), newline="")))
    shown = {r["municipality"]: r["name"] for r in rows}
    for code, name in list(hostile.items())[:6]:
        assert shown[code] == "'" + name, (code, shown[code])
    assert shown[fx.CODES[6]] == f"Kommun {fx.CODES[6]}"
    negative = [r["excess"] for r in rows if r["excess"].startswith("-")]
    assert negative and all(float(v) < 0 for v in negative)  # numbers untouched
    # the JSON output keeps the names as they are
    res = _run(["screen", "--year", "2023", "--format", "json"], settings.data_dir)
    assert {r["name"] for r in json.loads(res.stdout)["rows"]} >= set(names)


# --------------------------------------------------------------------------- case 9


def _edit_manifest(settings: Settings, change: dict) -> None:
    path = open_set(settings).manifest_path
    manifest = json.loads(path.read_text())
    manifest.update(change)
    path.write_text(json.dumps(manifest))


def test_manifest_snapshot_ids_must_exist(copy: Settings) -> None:
    snaps = open_set(copy).manifest["snapshots"]
    _edit_manifest(copy, {"snapshots": [*snaps, "kolada/data/invented-000000000000-p1"]})
    for command in (COMPARE, ["screen", "--year", "2024"]):
        line = _error_line(_run(command, copy.data_dir), 1)
        assert "kolada/data/invented-000000000000-p1" in line and "manifest.json" in line


def test_synthetic_flag_comes_from_the_sidecars(copy: Settings) -> None:
    assert all(s.synthetic for s in iter_snapshots(copy))
    _edit_manifest(copy, {"synthetic": False})
    assert read_manifest(copy)["synthetic"] is True
    assert screen(2024, settings=copy)["data_origin"].unique().to_list() == [
        "syntetiska demodata"]
    res = _run(COMPARE, copy.data_dir)
    rows = list(csv.DictReader(io.StringIO(res.stdout)))
    assert {r["data_origin"] for r in rows} == {"syntetiska demodata"}
    res = _run([*COMPARE[:-1], "json"], copy.data_dir)
    meta = json.loads(res.stdout)["metadata"]
    assert meta["synthetic"] is True and "Kolada (RKA) och SCB" not in meta["source"]
    from benchmark.report import _check_inputs

    assert _check_inputs("2482", 2024, copy)[2] is True  # the report is named …-DEMO.html


# --------------------------------------------------------------------------- case 10


def test_enospc_names_the_file(store: Path, tmp_path: Path, monkeypatch, capsys) -> None:
    import benchmark.files as files

    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(files.os, "fsync", full)
    out = tmp_path / "x.csv"
    with pytest.raises(DataError) as err:
        write_table(pl.DataFrame({"a": [1]}), "csv", out, kind="compare")
    assert str(out) in str(err.value) and "[Errno 28] No space left on device" in str(err.value)
    assert list(tmp_path.iterdir()) == []  # no temporary file left
    code = cli.main([*COMPARE, "--out", str(out), "--data-dir", str(store)])
    assert code == 1
    assert str(out) in capsys.readouterr().err


def test_nested_raw_body_and_bad_sidecar_name_their_file(copy: Settings) -> None:
    snap = next(s for s in iter_snapshots(copy) if s.meta["kind"] == "kolada-data")
    body = b"[" * 100_000 + b"]" * 100_000
    snap.path.write_bytes(body)
    snap.meta_path.write_text(json.dumps({**snap.meta, "sha256": sha256_hex(body),
                                          "bytes": len(body)}))
    line = _error_line(_run(["process"], copy.data_dir), 1)
    assert str(snap.path) in line and "nested too deeply" in line
    snap.meta_path.write_text("[1, 2]")
    line = _error_line(_run(["process"], copy.data_dir), 1)
    assert str(snap.meta_path) in line and "not a JSON object" in line
    snap.meta_path.write_text(json.dumps({**snap.meta, "bytes": "many"}))
    line = _error_line(_run(["process"], copy.data_dir), 1)
    assert str(snap.meta_path) in line and "'bytes'" in line


def _tree(root: Path) -> dict[str, tuple[int, int] | str]:
    out: dict[str, tuple[int, int] | str] = {}
    for p in sorted(root.rglob("*")):
        rel = p.relative_to(root).as_posix()
        out[rel] = ("link " + str(p.readlink()) if p.is_symlink() else "dir" if p.is_dir()
                    else (p.stat().st_size, p.stat().st_mtime_ns))
    return out


def test_fetch_offline_changes_nothing_on_disk(copy: Settings, tmp_path: Path) -> None:
    urls = {"BENCHMARK_KOLADA_URL": "http://k.test/v3", "BENCHMARK_SCB_URL": "http://s.test/api/v2"}
    raw = copy.raw_dir
    (raw / ".lock").unlink()
    orphan = raw / "kolada" / "data" / "orphan-p1.json"
    orphan.write_text("{}")
    (raw / "kolada" / ".x.json.abc.tmp").write_text("partial")
    before = _tree(copy.data_dir)
    res = _run(["fetch", "--offline", "--years", "2023-2024"], copy.data_dir, env_extra=urls)
    assert res.returncode == 0, res.stderr
    assert "2 partial file(s) of an interrupted fetch left as they are" in res.stdout
    assert _tree(copy.data_dir) == before
    snap = next(s for s in iter_snapshots(copy) if s.meta["kind"] == "scb-population")
    snap.meta_path.unlink()  # now one snapshot is missing (its body is an orphan)
    before = _tree(copy.data_dir)
    res = _run(["fetch", "--offline", "--years", "2023-2024"], copy.data_dir, env_extra=urls)
    assert res.returncode == 1 and "1 snapshot(s) are not on disk" in res.stderr
    assert _tree(copy.data_dir) == before
    empty = tmp_path / "empty"
    res = _run(["fetch", "--offline", "--years", "2024"], empty)
    assert res.returncode == 1 and not empty.exists()


def test_stale_processed_temp_files_are_removed_by_the_next_process(copy: Settings) -> None:
    proc = copy.processed_dir
    (proc / ".lss.parquet.abc123.tmp").write_bytes(b"old layout leftover")
    (proc / "sets" / ".tmp-20200101T000000.000000Z-dead00").mkdir()
    (proc / "sets" / ".tmp-20200101T000000.000000Z-dead00" / "lss.parquet").write_bytes(b"x")
    assert _run(["process"], copy.data_dir).returncode == 0
    assert not (proc / ".lss.parquet.abc123.tmp").exists()
    assert list((proc / "sets").glob(".tmp-*")) == []


def _wait_for_tempdir(base: Path, proc: subprocess.Popen[str]) -> Path:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        found = list(base.glob("lss-report-*"))
        if found:
            return found[0]
        time.sleep(0.05)
    raise AssertionError("the report never created its temporary folder")


@pytest.mark.parametrize("how", ["SIGTERM", "SIGKILL"])
def test_report_tempdir_is_removed_on_every_exit(how: str, demo_data: Settings,
                                                 tmp_path: Path) -> None:
    """SIGTERM: the command unwinds (exit 143) and removes its folder itself. SIGKILL
    cannot be caught: the folder stays until the next report removes it (its process is
    gone); a folder of a live process is left alone."""
    tmpdir = tmp_path / "tmp"
    tmpdir.mkdir()
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("BENCHMARK_")},
           "TMPDIR": str(tmpdir)}
    proc = subprocess.Popen([sys.executable, "-m", "benchmark", "report", "--kommun", "0180",
                             "--year", "2024", "--data-dir", str(demo_data.data_dir),
                             "--out", str(tmp_path / "out")], cwd=REPO, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    folder = _wait_for_tempdir(tmpdir, proc)
    assert folder.name.startswith(f"lss-report-{proc.pid}-")
    time.sleep(1.0)  # the kernel is starting or running
    proc.send_signal(signal.SIGTERM if how == "SIGTERM" else signal.SIGKILL)
    _out, err = proc.communicate(timeout=60)
    if how == "SIGTERM":
        assert proc.returncode == 143, err
        assert "interrupted" in err
        assert not folder.exists()
    else:
        assert proc.returncode == -signal.SIGKILL and folder.exists()
        live = tmpdir / f"lss-report-{os.getpid()}-live"
        live.mkdir()
        assert remove_stale_tempdirs(tmpdir) == [folder]
        assert not folder.exists() and live.exists()
    assert not (tmp_path / "out").exists() or list((tmp_path / "out").iterdir()) == []


def test_report_refuses_a_set_replaced_while_it_ran(copy: Settings, tmp_path: Path,
                                                    monkeypatch) -> None:
    """A ``process`` that switches the set during the notebook run would give a report
    whose parts come from two versions: refused."""
    import benchmark.report as report
    from benchmark.store import write_table

    def notebook_while_process_runs(*args: object, **kwargs: object) -> dict:
        # a new set becomes current
        write_table("kpi_values", open_set(copy).read("kpi_values"), copy)
        return {}

    monkeypatch.setattr(report, "execute_notebook", notebook_while_process_runs)
    with pytest.raises(DataError, match="were replaced while the report was being built"):
        report.build_report("2482", 2024, out_dir=tmp_path / "out", settings=copy)
    assert not (tmp_path / "out").exists()
