"""Robustness suite (issue #7): bad input, corrupt raw files, faults, hostile labels and
suppressed values.

* Bad input through the command line (``python -m benchmark`` in a subprocess against the
  processed demo country) and through the Python API: exit code 2 / :class:`InputError`,
  exactly one line naming the problem and the valid choices, no traceback.
* No data yet: exit 1 saying to run ``make process`` or ``make demo``.
* Corrupt raw snapshots: ``process`` exits 1 naming the file and replaces nothing in
  ``data/processed`` (bytes and mtimes compared).
* Retries running out midway through a fetch keep the snapshots already written; the rerun
  completes (concurrent fetches: ``tests/test_fetch.py``).
* Municipality names with HTML are escaped in the exported report and in the charts.
* A value the source suppressed is never shown, nor derivable from what the report shows.
"""

from __future__ import annotations

import dataclasses
import html as htmlmod
import json
import os
import re
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from benchmark import fmt, plots
from benchmark.catalog import RIKET, get_category
from benchmark.compare import compare, history
from benchmark.config import Settings, get_settings
from benchmark.demo import DEMO_FOCUS, DEMO_FOCUS_NAME, demo_settings, generate_dataset
from benchmark.errors import DataError, FetchError, InputError
from benchmark.fetch import fetch
from benchmark.process import process
from benchmark.screen import screen
from benchmark.sources.emulator import ApiDataset, ApiEmulator
from benchmark.sources.http import HttpClient
from benchmark.store import iter_snapshots, load_snapshot, read_table, sha256_hex
from benchmark.tables import PROCESSED_TABLES
from tests.apidata import fast_client, small_dataset
from tests.loopback import LoopbackServer
from tests.processed_fixture import processed_state

REPO = Path(__file__).resolve().parents[1]
YEAR = 2024


def _run(args: list[str], env_extra: dict[str, str] | None = None
         ) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BENCHMARK_")}
    env.update(env_extra or {})
    return subprocess.run([sys.executable, "-m", "benchmark", *args], cwd=REPO,
                          capture_output=True, text=True, env=env, timeout=120)


def _one_line_error(res: subprocess.CompletedProcess[str], code: int) -> str:
    """The single stderr line of a failed command (asserting code, no traceback)."""
    assert res.returncode == code, (res.returncode, res.stderr)
    assert "Traceback" not in res.stderr
    lines = [ln for ln in res.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, res.stderr
    assert lines[0].startswith("error: ")
    return lines[0]


# --------------------------------------------------------------------------- bad input: CLI


def _empty_municipality(settings: Settings) -> tuple[str, int]:
    """A (municipality, year) of the demo country without any published LSS value."""
    lss = read_table("lss", settings)
    none = (lss.filter(pl.col("municipality") != RIKET)
            .group_by("municipality", "year")
            .agg((pl.col("status") == "ok").any().alias("any_ok"))
            .filter(~pl.col("any_ok")).sort("municipality", "year"))
    assert none.height >= 1, "the demo country has one municipality-year without values"
    return none["municipality"][0], int(none["year"][0])


def _cli_cases(settings: Settings) -> dict[str, tuple[list[str], list[str]]]:
    """case id → (arguments, substrings the error line must contain)."""
    empty, empty_year = _empty_municipality(settings)
    cmp = ["compare", "--kommun", DEMO_FOCUS, "--year"]
    return {
        "code-5-digits": (["compare", "--kommun", "12345", "--year", "2024"],
                          ["'12345'", "four digits"]),
        "code-letters": (["compare", "--kommun", "abc", "--year", "2024"],
                         ["'abc'", "four digits"]),
        "code-3-digits": (["compare", "--kommun", "180", "--year", "2024"],
                          ["'180'", "did you mean 0180"]),
        "code-not-in-register": (["compare", "--kommun", "9999", "--year", "2024"],
                                 ["'9999'", "290 municipalities", "screen --year"]),
        "report-code-not-in-register": (["report", "--kommun", "9999", "--year", "2024"],
                                        ["'9999'", "screen --year"]),
        "year-out-of-range": ([*cmp, "2031"], ["2031", "2010–2025"]),
        "year-not-a-number": ([*cmp, "20x4"], ["'20x4'", "2024"]),
        "year-not-in-data": ([*cmp, "2012"], ["2012", "available years: 2015–2024"]),
        "screen-year-not-in-data": (["screen", "--year", "2013"],
                                    ["2013", "available years: 2015–2024"]),
        "category-unknown": ([*cmp, "2024", "--category", "boendet"],
                             ["'boendet'", "valid categories: boende, daglig_verksamhet"]),
        "screen-category-unknown": (["screen", "--year", "2024", "--category",
                                     "boende,assistans"], ["'assistans'", "korttidstillsyn"]),
        "category-empty": ([*cmp, "2024", "--category", ","],
                           ["no category given", "valid categories: boende"]),
        "category-missing-value": ([*cmp, "2024", "--category"], ["--category"]),
        "peer-group-unknown": ([*cmp, "2024", "--peer-group", "G00000"],
                               ["'G00000'", "kommungrupp", "lan"]),
        "peer-group-no-data": ([*cmp, str(empty_year), "--peer-group", empty],
                               ["no LSS data", str(empty_year), "choose another",
                                "kommungrupp, lan"]),
        "peer-group-only-itself": ([*cmp, "2024", "--peer-group", DEMO_FOCUS],
                                   ["at least one other municipality", "kommungrupp, lan"]),
        "peer-group-empty-list": ([*cmp, "2024", "--peer-group", ","],
                                  ["at least one other municipality", "kommungrupp, lan"]),
        "peer-group-bad-code": ([*cmp, "2024", "--peer-group", "0180,12"],
                                ["'12'", "four digits"]),
        "out-is-a-folder": ([*cmp, "2024", "--out", str(settings.data_dir)],
                            [f"--out {settings.data_dir} is a folder", "file name"]),
        "format-unknown": ([*cmp, "2024", "--format", "xlsx"],
                           ["'xlsx'", "'table', 'csv', 'json'"]),
    }


@pytest.fixture(scope="module")
def cli_results(demo_data: Settings) -> dict[str, subprocess.CompletedProcess[str]]:
    """Every bad-input case run once, four subprocesses at a time. Half of them get the
    data folder from ``BENCHMARK_DATA_DIR``, half from ``--data-dir`` after the command."""
    cases = _cli_cases(demo_data)
    assert sorted(cases) == sorted(CLI_CASES)

    def run(item: tuple[int, tuple[str, tuple[list[str], list[str]]]]
            ) -> tuple[str, subprocess.CompletedProcess[str]]:
        i, (case, (args, _needles)) = item
        if i % 2:
            return case, _run([*args, "--data-dir", str(demo_data.data_dir)])
        return case, _run(args, {"BENCHMARK_DATA_DIR": str(demo_data.data_dir)})

    with ThreadPoolExecutor(4) as pool:
        return dict(pool.map(run, enumerate(cases.items())))


CLI_CASES = ["code-5-digits", "code-letters", "code-3-digits", "code-not-in-register",
             "report-code-not-in-register", "year-out-of-range", "year-not-a-number",
             "year-not-in-data", "screen-year-not-in-data", "category-unknown",
             "screen-category-unknown", "category-empty", "category-missing-value",
             "peer-group-unknown", "peer-group-no-data", "peer-group-only-itself",
             "peer-group-empty-list", "peer-group-bad-code", "out-is-a-folder",
             "format-unknown"]


@pytest.mark.parametrize("case", CLI_CASES)
def test_cli_bad_input_exits_2_with_one_line(case: str, demo_data: Settings,
                                             cli_results: dict[str, Any]) -> None:
    _args, needles = _cli_cases(demo_data)[case]
    res = cli_results[case]
    line = _one_line_error(res, 2)
    for needle in needles:
        assert needle in line, (needle, line)
    assert res.stdout == ""


def test_cli_category_filters_rows_without_changing_them(demo_data: Settings) -> None:
    env = {"BENCHMARK_DATA_DIR": str(demo_data.data_dir)}
    res = _run(["compare", "--kommun", DEMO_FOCUS, "--year", "2024", "--category",
                "totalt,boende", "kontaktperson", "--format", "json"], env)
    assert res.returncode == 0, res.stderr
    rows = json.loads(res.stdout)["rows"]
    assert [r["category"] for r in rows] == ["boende", "kontaktperson", "totalt"]
    full = compare(DEMO_FOCUS, YEAR, settings=demo_data)
    for r in rows:  # identical numbers: q-values etc. are computed over all categories first
        ref = full.filter(pl.col("category") == r["category"]).row(0, named=True)
        for col in ("observed", "expected", "ratio", "q_value", "flag", "peer_ratio"):
            assert r[col] == (pytest.approx(ref[col]) if isinstance(ref[col], float)
                              else ref[col]), col
    res = _run(["screen", "--year", "2024", "--category", "korttidstillsyn", "--format",
                "csv", "--data-dir", str(demo_data.data_dir)])
    assert res.returncode == 0, res.stderr
    table = pl.read_csv(res.stdout.encode(), schema_overrides={"municipality": pl.String})
    assert table["category"].unique().to_list() == ["korttidstillsyn"]
    assert table.height == 290


def test_cli_help_documents_category() -> None:
    for cmd in ("compare", "screen"):
        res = _run([cmd, "--help"])
        assert res.returncode == 0
        text = " ".join(res.stdout.split())
        assert "--category ID" in text and "korttidstillsyn" in text and "boende" in text


def test_compare_before_any_data_exits_1_with_next_step(tmp_path: Path) -> None:
    for args in (["compare", "--kommun", "2482", "--year", "2024"],
                 ["screen", "--year", "2024"]):
        line = _one_line_error(_run([*args, "--data-dir", str(tmp_path / "data")]), 1)
        assert "make process" in line and "make demo" in line


@pytest.mark.parametrize("damage", ["truncated-parquet", "broken-manifest", "no-manifest"])
def test_damaged_processed_data_exit_1_naming_the_file(damage: str, small_store: Path,
                                                       tmp_path: Path) -> None:
    """A damaged processed table or manifest gives one line naming it and the way out
    (``make process``); without a manifest the origin (demo or official) is unknown, so
    nothing is computed rather than risking unlabelled demo figures."""
    data_dir = tmp_path / "data"
    shutil.copytree(small_store, data_dir, symlinks=True)
    proc = data_dir / "processed" / "current"
    if damage == "truncated-parquet":
        body = (proc / "lss.parquet").read_bytes()
        (proc / "lss.parquet").write_bytes(body[: len(body) // 2])
        name = "lss.parquet"
    elif damage == "broken-manifest":
        (proc / "manifest.json").write_text('{"synthetic": tr', encoding="utf-8")
        name = "manifest.json"
    else:
        (proc / "manifest.json").unlink()
        name = "manifest.json"
    for args in (["compare", "--kommun", "2482", "--year", "2024"], ["screen", "--year", "2024"]):
        line = _one_line_error(_run([*args, "--data-dir", str(data_dir)]), 1)
        assert name in line and "make process" in line, line


def test_full_rebuild_replaces_a_damaged_manifest(small_store: Path, tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    shutil.copytree(small_store, data_dir, symlinks=True)
    (data_dir / "processed" / "current" / "manifest.json").write_text("{", encoding="utf-8")
    settings = get_settings(data_dir=data_dir)
    process(settings=settings)
    assert screen(2024, settings=settings)["data_origin"].unique().to_list() == [
        "syntetiska demodata"]


def test_partial_write_refuses_a_damaged_manifest(small_store: Path, tmp_path: Path) -> None:
    """Rewriting one table cannot recover the provenance of the others from a damaged
    manifest, so it stops (and leaves no temporary file) instead of guessing it."""
    from benchmark.store import write_table

    data_dir = tmp_path / "data"
    shutil.copytree(small_store, data_dir, symlinks=True)
    settings = get_settings(data_dir=data_dir)
    (settings.processed_dir / "current" / "manifest.json").write_text("[", encoding="utf-8")
    before = processed_state(settings)
    with pytest.raises(DataError, match=r"manifest\.json"):
        write_table("kpi_values", pl.DataFrame({"municipality": ["0180"]}), settings)
    assert processed_state(settings) == before


# --------------------------------------------------------------------------- bad input: API


API_CASES: list[tuple[str, Any, str]] = [
    ("code-5-digits", lambda s: compare("12345", YEAR, settings=s), "'12345'"),
    ("code-letters", lambda s: compare("abc", YEAR, settings=s), "'abc'"),
    ("code-3-digits", lambda s: compare("180", YEAR, settings=s), "did you mean 0180"),
    ("code-int", lambda s: compare(180, YEAR, settings=s), "did you mean 0180"),
    ("code-not-in-register", lambda s: compare("9999", YEAR, settings=s), "screen --year"),
    ("riket-is-no-municipality", lambda s: compare(RIKET, YEAR, settings=s), "0000 is Riket"),
    ("year-not-in-data", lambda s: compare(DEMO_FOCUS, 2031, settings=s), "2015–2024"),
    ("year-text", lambda s: compare(DEMO_FOCUS, "20x4", settings=s), "2015–2024"),
    ("screen-year", lambda s: screen(2012, settings=s), "available years: 2015–2024"),
    ("history-year", lambda s: history(DEMO_FOCUS, last_year=2014, settings=s), "2015–2024"),
    ("history-n-years", lambda s: history(DEMO_FOCUS, last_year=YEAR, n_years=0, settings=s),
     "n_years"),
    ("confidence", lambda s: compare(DEMO_FOCUS, YEAR, confidence=95, settings=s),
     "confidence"),
    ("peer-unknown", lambda s: compare(DEMO_FOCUS, YEAR, peer_group="G00000", settings=s),
     "'G00000'"),
    ("peer-only-itself", lambda s: compare(DEMO_FOCUS, YEAR, peer_group=DEMO_FOCUS,
                                           settings=s), "at least one other"),
    ("peer-empty-list", lambda s: compare(DEMO_FOCUS, YEAR, peer_group=" , ", settings=s),
     "at least one other"),
    ("peer-unknown-member", lambda s: compare(DEMO_FOCUS, YEAR, peer_group="0114,9999",
                                              settings=s), "'9999'"),
    ("peer-no-data", lambda s: compare(DEMO_FOCUS, _empty_municipality(s)[1],
                                       peer_group=_empty_municipality(s)[0], settings=s),
     "no LSS data"),
]


@pytest.mark.parametrize(("case", "call", "needle"), API_CASES, ids=[c[0] for c in API_CASES])
def test_api_bad_input_raises_one_line_input_error(case: str, call: Any, needle: str,
                                                   demo_data: Settings) -> None:
    with pytest.raises(InputError) as err:
        call(demo_data)
    msg = str(err.value)
    assert needle in msg
    assert "\n" not in msg


def test_api_accepts_years_and_codes_as_text(demo_data: Settings) -> None:
    """Notebook parameters may arrive as strings: " 0180 ", "2024" work like 0180, 2024."""
    ref = history(DEMO_FOCUS, last_year=YEAR, n_years=3, settings=demo_data)
    got = history(f" {DEMO_FOCUS} ", last_year=str(YEAR), n_years=3, settings=demo_data)
    assert sorted(got["year"].unique()) == [2022, 2023, 2024]
    assert got.equals(ref)
    assert compare(DEMO_FOCUS, str(YEAR), settings=demo_data).height == 10


def test_reruns_give_bitwise_identical_tables(demo_data: Settings) -> None:
    """Rerunning a comparison gives the same bytes: the estimates across municipalities sum
    floats in a fixed order (before, joins left the row order free and reruns differed in
    the last digit of φ, τ², z, p and the peer figures)."""
    first = (screen(YEAR, settings=demo_data),
             history(DEMO_FOCUS, last_year=YEAR, n_years=4, settings=demo_data))
    for _ in range(3):
        assert screen(YEAR, settings=demo_data).equals(first[0])
        assert history(DEMO_FOCUS, last_year=YEAR, n_years=4, settings=demo_data).equals(
            first[1])


@pytest.fixture(scope="module")
def demo_tables(demo_data: Settings) -> dict[str, pl.DataFrame]:
    return {"compare": compare(DEMO_FOCUS, YEAR, settings=demo_data),
            "history": history(DEMO_FOCUS, last_year=YEAR, settings=demo_data),
            "screen": screen(YEAR, settings=demo_data)}


def test_plot_functions_reject_bad_input(demo_tables: dict[str, pl.DataFrame]) -> None:
    t, h, s = demo_tables["compare"], demo_tables["history"], demo_tables["screen"]
    calls = [
        (lambda: plots.forest_chart(t, "de"), "'de'"),
        (lambda: plots.forest_chart(t.head(0)), ""),
        (lambda: plots.forest_chart(s), "one municipality"),
        (lambda: plots.funnel_chart(s, "boendet"), "'boendet'"),
        (lambda: plots.funnel_chart(s.drop("expected"), "boende"), "expected"),
        (lambda: plots.trend_chart(h, "bogus"), "'bogus'"),
        (lambda: plots.decomposition_chart(t.drop("other_effect")), "other_effect"),
    ]
    for call, needle in calls:
        with pytest.raises(InputError) as err:
            call()
        assert needle in str(err.value) and "\n" not in str(err.value)


# --------------------------------------------------------------------------- corrupt raw files


@pytest.fixture(scope="module")
def small_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small fetched and processed data folder (three kommuner + Riket, 2023–2024)."""
    data_dir = tmp_path_factory.mktemp("small") / "data"
    settings = get_settings(data_dir=data_dir, kolada_url="http://k.test/v3",
                            scb_url="http://s.test/api/v2")
    emu = ApiEmulator(small_dataset([2023, 2024]))
    fetch([2023, 2024], settings=settings, transport=emu.transport(), progress=False)
    process(settings=settings)
    return data_dir


def _snapshot(settings: Settings, kind: str) -> Any:
    return next(s for s in iter_snapshots(settings) if s.meta.get("kind") == kind)


def _rewrite(snap: Any, content: bytes, *, update_hash: bool) -> None:
    snap.path.write_bytes(content)
    if update_hash:
        meta = {**snap.meta, "sha256": sha256_hex(content), "bytes": len(content)}
        snap.meta_path.write_text(json.dumps(meta), encoding="utf-8")


def _damage(settings: Settings, how: str) -> str:
    """Damage one raw file; return the file name the error must mention."""
    if how == "truncated-json":
        snap = _snapshot(settings, "kolada-data")
        body = snap.path.read_bytes()
        _rewrite(snap, body[: len(body) // 2], update_hash=True)
    elif how == "wrong-schema":
        snap = _snapshot(settings, "scb-population")
        _rewrite(snap, json.dumps({"class": "dataset", "id": ["Tid"], "size": [2],
                                   "dimension": {}, "value": [1]}).encode(),
                 update_hash=True)
    elif how == "edited-by-hand":  # one digit changed, sidecar untouched
        snap = _snapshot(settings, "kolada-data")
        body = snap.path.read_bytes()
        i = re.search(rb"\d", body[200:]).start() + 200  # type: ignore[union-attr]
        digit = b"1" if body[i:i + 1] != b"1" else b"2"
        _rewrite(snap, body[:i] + digit + body[i + 1:], update_hash=False)
    elif how == "edited-unparsed-kpi-metadata":  # a file process reads but does not parse
        snap = _snapshot(settings, "kolada-kpi")
        _rewrite(snap, snap.path.read_bytes().replace(b"KPI", b"XYZ", 1), update_hash=False)
    elif how == "missing-sidecar":
        snap = _snapshot(settings, "kolada-municipality")
        snap.meta_path.unlink()
    elif how == "broken-sidecar":
        snap = _snapshot(settings, "kolada-groups")
        snap.meta_path.write_text('{"sha256": "ab', encoding="utf-8")
        return snap.meta_path.name
    else:  # pragma: no cover
        raise AssertionError(how)
    return snap.path.name


@pytest.mark.parametrize("how", ["truncated-json", "wrong-schema", "edited-by-hand",
                                 "edited-unparsed-kpi-metadata", "missing-sidecar",
                                 "broken-sidecar"])
def test_corrupt_raw_file_fails_process_and_keeps_outputs(how: str, small_store: Path,
                                                          tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    shutil.copytree(small_store, data_dir, symlinks=True)
    settings = get_settings(data_dir=data_dir)
    before = processed_state(settings)
    name = _damage(settings, how)
    line = _one_line_error(_run(["process", "--data-dir", str(data_dir)]), 1)
    assert name in line, line
    assert processed_state(settings) == before  # same files, bytes and mtimes


def test_rerunning_fetch_repairs_a_missing_sidecar(small_store: Path, tmp_path: Path) -> None:
    """The error for a missing sidecar says to run ``make data``; doing so (here through
    the emulator) removes the orphan, refetches that one response and process succeeds."""
    data_dir = tmp_path / "data"
    shutil.copytree(small_store, data_dir)
    settings = get_settings(data_dir=data_dir, kolada_url="http://k.test/v3",
                            scb_url="http://s.test/api/v2")
    _damage(settings, "missing-sidecar")
    with pytest.raises(DataError, match="make data"):
        process(settings=settings)
    emu = ApiEmulator(small_dataset([2023, 2024]))
    summary = fetch([2023, 2024], settings=settings, transport=emu.transport(), progress=False)
    assert summary.removed_partial == 1 and summary.saved == 1
    process(settings=settings)
    assert read_table("municipalities", settings).height == 4


# --------------------------------------------------------------------------- faults midway


def test_retries_running_out_midway_keep_earlier_snapshots(tmp_path: Path) -> None:
    """SCB fails for good after all Kolada requests succeeded: FetchError names SCB, the
    Kolada snapshots stay intact (hash-checked), nothing partial is left, and the rerun
    fetches only what is missing and gives the same tables as an undisturbed run."""
    years = [2023, 2024]
    emu = ApiEmulator(small_dataset(years), calls_per_window=1000, window_s=1)
    with LoopbackServer(emu) as srv:
        clean = srv.settings(tmp_path / "clean")
        fetch(years, settings=clean, client=fast_client(clean), progress=False)
        n_total = len(srv.requests)
        process(settings=clean)

        settings = srv.settings(tmp_path / "faulty")
        srv.inject("429", "500", "500", "500", match="/tables/", retry_after="0")
        start = len(srv.requests)
        with pytest.raises(FetchError, match=r"SCB.*/tables/.*HTTP 500"):
            fetch(years, settings=settings, client=fast_client(settings, retries=3),
                  progress=False)
        first = srv.requests[start:]
        kept = list(iter_snapshots(settings))
        assert kept and all(s.meta["api"] == "Kolada" or s.meta["kind"] == "scb-config"
                            for s in kept)
        assert not [s for s in kept if s.meta["kind"] == "scb-population"]
        for s in kept:
            load_snapshot(s)  # hash and JSON intact
        assert not [p for p in settings.raw_dir.rglob("*") if p.name.endswith(".tmp")]
        assert [r.fault for r in first if "/tables/" in r.path] == ["429", "500", "500", "500"]

        start = len(srv.requests)
        again = fetch(years, settings=settings, client=fast_client(settings), progress=False)
        assert again.reused == len(kept) and again.saved == n_total - len(kept)
        assert len(srv.requests) - start == again.saved  # nothing asked twice
    process(settings=settings)
    for name in PROCESSED_TABLES:
        assert read_table(name, settings).equals(read_table(name, clean)), name


def _tables_without_provenance(settings: Settings) -> dict[str, pl.DataFrame]:
    out = {}
    for name in PROCESSED_TABLES:
        df = read_table(name, settings)
        out[name] = df.drop("snapshot") if "snapshot" in df.columns else df
    return out


def test_faults_on_later_pages_are_retried_and_resumed(tmp_path: Path) -> None:
    """Kolada answers in pages of 25 rows: every fault kind hits a page-2 request and is
    retried; then retries run out on a page-3 request. Pages 1–2 of that listing are kept,
    the rerun continues at page 3, and the tables equal an undisturbed unpaged fetch."""
    years = [2023, 2024]
    dataset = small_dataset(years)
    ref = get_settings(data_dir=tmp_path / "ref", kolada_url="http://k.test/v3",
                       scb_url="http://s.test/api/v2")
    fetch(years, settings=ref, transport=ApiEmulator(dataset).transport(), progress=False)
    process(settings=ref)

    emu = ApiEmulator(dataset, calls_per_window=1000, window_s=1, page_size=25)
    with LoopbackServer(emu, slow_s=0.5) as srv:
        faulty = srv.settings(tmp_path / "faulty", timeout_s=0.2)
        srv.inject("500", "truncate", "slow", "429", "drop", "schema", match="&page=2")
        fetch(years, settings=faulty, client=fast_client(faulty, retries=6), progress=False)
        hit = [(r.fault, r.path) for r in srv.requests if r.fault]
        assert [f for f, _ in hit] == ["500", "truncate", "slow", "429", "drop", "schema"]
        assert all("&page=2" in path for _, path in hit)
        pages = [s.meta["page"] for s in iter_snapshots(faulty)]
        assert max(pages) >= 3  # the listing really is paged

        resumed = srv.settings(tmp_path / "resumed")
        srv.inject("500", "500", "500", match="&page=3")
        start = len(srv.requests)
        with pytest.raises(FetchError, match="page=3"):
            fetch(years, settings=resumed, client=fast_client(resumed, retries=2),
                  progress=False)
        failed = srv.requests[-1].path
        prefix = failed.split("?")[0]
        kept = {s.meta["page"] for s in iter_snapshots(resumed)
                if s.meta["url"].split("?")[0].endswith(prefix)}
        assert kept == {1, 2}
        again = fetch(years, settings=resumed, client=fast_client(resumed), progress=False)
        new_paths = [r.path for r in srv.requests[start:] if r.fault is None]
        assert len(new_paths) == len(set(new_paths))  # no page fetched twice
        assert again.saved + again.reused == len(pages)
    process(settings=faulty)
    process(settings=resumed)
    want = _tables_without_provenance(ref)
    for got in (_tables_without_provenance(faulty), _tables_without_provenance(resumed)):
        for name, df in want.items():
            assert got[name].equals(df), name


# --------------------------------------------------------------------------- hostile labels
# --------------------------------------------------------------------------- and suppression

EVIL = '<script>alert(1)</script> & "Ö"'
SUPPRESSED = "kontaktperson"  # count and rate published as "Privacy" for the focus
COUNT_ONLY = "ledsagarservice"  # count "Privacy", rate published: must not leak either
VARIANT_YEARS = range(2020, 2025)


def _variant_dataset() -> tuple[ApiDataset, dict[str, float]]:
    """The demo country (2020–2024) with the focus renamed to ``EVIL`` (register, group
    members and its "Liknande kommuner LSS, <name>, <year>" group titles) and two of its
    2024 cells suppressed. Returns the dataset and the true (hidden) counts."""
    ds = generate_dataset(years=VARIANT_YEARS)
    focus = pl.col("municipality") == DEMO_FOCUS
    municipalities = ds.municipalities.with_columns(
        pl.when(pl.col("id") == DEMO_FOCUS).then(pl.lit(EVIL)).otherwise(pl.col("title"))
        .alias("title"))
    groups = ds.groups.with_columns(
        pl.col("group_title").str.replace(f", {DEMO_FOCUS_NAME},", f", {EVIL},", literal=True),
        pl.when(pl.col("member_id") == DEMO_FOCUS).then(pl.lit(EVIL))
        .otherwise(pl.col("member_title")).alias("member_title"))
    a, b = get_category(SUPPRESSED), get_category(COUNT_ONLY)
    hide = focus & (pl.col("year") == YEAR) & pl.col("kpi").is_in(
        [a.kpi_count, a.kpi_rate, b.kpi_count])
    values = ds.kolada_values
    truth = {cid: values.filter(focus & (pl.col("year") == YEAR) & (pl.col("kpi") == kpi)
                                & (pl.col("gender") == "T"))["value"].item()
             for cid, kpi in ((SUPPRESSED, a.kpi_count), (COUNT_ONLY, b.kpi_count))}
    values = values.with_columns(
        pl.when(hide).then(pl.lit("Privacy")).otherwise(pl.col("status")).alias("status"),
        pl.when(hide).then(None).otherwise(pl.col("value")).alias("value"))
    return dataclasses.replace(ds, municipalities=municipalities, groups=groups,
                               kolada_values=values), truth


@pytest.fixture(scope="module")
def variant(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The variant fetched through the emulator, processed, compared and reported once."""
    from benchmark.report import build_report

    dataset, truth = _variant_dataset()
    root = tmp_path_factory.mktemp("variant")
    settings = demo_settings(root / "data")
    emu = ApiEmulator(dataset, calls_per_window=1_000_000, window_s=1)
    unlimited = {"Kolada": (1_000_000, 1.0), "SCB": (1_000_000, 1.0)}
    with HttpClient(settings, transport=emu.transport(), limits=unlimited) as client:
        fetch(list(VARIANT_YEARS), settings=settings, client=client, progress=False)
    process(settings=settings)
    report = build_report(DEMO_FOCUS, YEAR, out_dir=root / "reports", settings=settings)
    return {"settings": settings, "truth": truth, "html": report.read_text(encoding="utf-8"),
            "compare": compare(DEMO_FOCUS, YEAR, settings=settings),
            "history": history(DEMO_FOCUS, last_year=YEAR, settings=settings),
            "screen": screen(YEAR, settings=settings)}


def _unescaped(text: str) -> list[str]:
    """Occurrences of the hostile name that are neither HTML-escaped nor JSON-escaped."""
    safe = text.replace("&lt;script&gt;alert(1)", "").replace(
        "\\u003cscript\\u003ealert(1)", "")
    return [safe[max(0, m.start() - 60): m.end() + 20]
            for m in re.finditer(r"alert\(1\)", safe)]


def test_report_escapes_html_in_names(variant: dict[str, Any]) -> None:
    text = variant["html"]
    assert variant["compare"]["name"][0] == EVIL  # the data really carry the hostile name
    assert "<script>alert" not in text and "</script> &" not in text
    assert _unescaped(text) == []
    # the name is shown, escaped, in the title and in the peer group title
    escaped = htmlmod.escape(EVIL, quote=False)
    assert f"<h1>LSS-insatser i {escaped}" in text or f"{escaped} {YEAR}" in text
    assert f"Liknande kommuner LSS, {escaped}" in text


def _figure_strings(chart: plots.Chart) -> list[str]:
    """Every text a chart shows: title, annotations, hover texts, point labels, legend."""
    fig = chart.figure.to_plotly_json()
    out = [json.dumps(fig["layout"].get("title", {})),
           json.dumps(fig["layout"].get("annotations", []))]
    for trace in fig["data"]:
        for key in ("text", "hovertext", "hovertemplate", "name"):
            value = trace.get(key)
            if value is not None:
                out += [str(v) for v in (value if isinstance(value, list | tuple) else [value])]
    return out


def test_charts_escape_html_in_hover_and_labels(variant: dict[str, Any]) -> None:
    t, h, s = variant["compare"], variant["history"], variant["screen"]
    charts = [plots.forest_chart(t), plots.decomposition_chart(t),
              plots.trend_chart(h, "daglig_verksamhet"),
              plots.funnel_chart(s, "daglig_verksamhet", DEMO_FOCUS)]
    for chart in charts:
        shown = "\n".join(_figure_strings(chart))
        assert "<script>" not in shown, chart.key
        assert _unescaped(chart.to_html()) == [], chart.key
        assert "<script>alert" not in chart.table_html
    joined = "\n".join("\n".join(_figure_strings(c)) for c in charts)
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp;" in joined  # shown, escaped


_O_DERIVED = ("observed", "rate_per_10k", "rate_lower", "rate_upper", "ratio", "ratio_lower",
              "ratio_upper", "ratio_shrunk", "z", "p_value", "q_value", "excess",
              "composition_effect", "other_effect", "excess_cost", "peer_ratio",
              "peer_ratio_lower", "peer_ratio_upper", "kolada_per_10k", "observed_3y",
              "ratio_3y")


def test_suppressed_value_is_not_in_the_comparison_table(variant: dict[str, Any]) -> None:
    """Both hidden cells are kept as rows with status "suppressed", flag "not_assessed" and
    no number from which the count follows (Kolada's rate beside a suppressed count would
    give it back as rate × population / 10 000, so ``kolada_per_10k`` is null too)."""
    t = variant["compare"]
    for cid in (SUPPRESSED, COUNT_ONLY):
        row = t.filter(pl.col("category") == cid).row(0, named=True)
        assert row["status"] == "suppressed" and row["flag"] == "not_assessed", cid
        assert row["flag_reason"].startswith("suppressed"), cid
        leaked = {c: row[c] for c in _O_DERIVED if row[c] is not None}
        assert leaked == {}, (cid, leaked)
    # the processed table keeps Kolada's published rate for the count-only case (it is
    # public), the comparison does not carry it on
    lss = read_table("lss", variant["settings"])
    kept = lss.filter((pl.col("municipality") == DEMO_FOCUS) & (pl.col("year") == YEAR)
                      & (pl.col("category") == COUNT_ONLY)).row(0, named=True)
    assert kept["status"] == "suppressed" and kept["count"] is None
    assert kept["per_10k"] is not None


def test_report_neither_shows_nor_allows_deriving_suppressed_values(
        variant: dict[str, Any]) -> None:
    """The report shows no number for a suppressed category, and none of the figures from
    which it could be derived by subtraction.

    Reasoning, route by route:

    * The cell itself: the rows for the category (overview and decomposition tables) show
      the status label and dashes only.
    * Peer pooling: the peer rate is Σ persons / Σ inhabitants over the members *without*
      the municipality (the focus is never a member of its own peer group). So the report
      never shows both a pool with and one without the municipality, which would give the
      count by subtraction. Checked by recomputing the peer rate from the members only.
    * Riket minus the others: Riket's count includes suppressed persons, so Riket minus
      the sum of all other municipalities gives the hidden cell when it is the only one
      hidden in that category and year. That needs every municipality's count for the
      category, i.e. the national screening, which the report does not contain for a
      category the municipality cannot be assessed in (the all-municipality funnel is drawn
      only for assessed, flagged categories), and Riket's count, which the report does not
      print (checked below), nor Riket's exact rate (one person moves it by only 0.001 per
      10 000, far below any rounding a report uses). The route does exist in the national
      screening output (``screen``: every municipality plus ``national_rate_per_10k`` at
      full precision), exactly as it exists in Kolada's own published figures.
    * Overlap with the total: categories overlap (one person can hold several insatser),
      so the total minus the other categories is not the hidden count.
    """
    text, truth, t = variant["html"], variant["truth"], variant["compare"]
    tables = re.findall(r"<table.*?</table>", text, flags=re.S)
    for cid in (SUPPRESSED, COUNT_ONLY):
        label = get_category(cid).label("sv")
        rows = [r for tb in tables for r in re.findall(
            rf'<tr><th scope="row">{re.escape(label)}</th>(.*?)</tr>', tb, flags=re.S)]
        assert len(rows) >= 2, cid  # overview and decomposition tables
        for row in rows:
            cells = [htmlmod.unescape(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", row)]
            # tables may lead with the reference age band ("20–64", "alla åldrar"): a
            # catalogue label, not data; every value cell after it must be free of numbers
            band = get_category(cid).band_label
            if cells and cells[0] in {band, "alla åldrar"}:
                cells = cells[1:]
            assert cells[0] == fmt.status_label("suppressed", "sv"), cells
            assert not any(re.search(r"\d", c) for c in cells), cells
        # no funnel (all municipalities) and no heading for this category's sections
        assert f"<h3>{label}</h3>" not in text, cid
    assert sorted(truth) == sorted([SUPPRESSED, COUNT_ONLY]) and all(
        v is not None for v in truth.values())

    # peer pooling excludes the municipality
    settings = variant["settings"]
    row = t.filter(pl.col("category") == SUPPRESSED).row(0, named=True)
    groups = read_table("peer_groups", settings).filter(
        pl.col("group_id") == row["peer_group_id"])
    members = groups["member"].to_list()
    assert DEMO_FOCUS not in members and groups["focus"].unique().to_list() == [DEMO_FOCUS]
    lss = read_table("lss", settings).filter(
        (pl.col("year") == YEAR) & (pl.col("category") == SUPPRESSED)
        & pl.col("municipality").is_in(members) & (pl.col("status") == "ok"))
    pop = read_table("population", settings).filter(
        (pl.col("year") == YEAR) & pl.col("municipality").is_in(lss["municipality"].to_list()))
    pooled = lss["count"].sum() / pop["population"].sum() * 1e4
    assert row["peer_rate_per_10k"] == pytest.approx(pooled, rel=1e-12)

    # Riket's count for the category is not printed anywhere in the report's text or data
    riket = read_table("lss", settings).filter(
        (pl.col("municipality") == RIKET) & (pl.col("year") == YEAR)
        & (pl.col("category") == SUPPRESSED))["count"].item()
    body = re.sub(r"<script[^>]*>(?:(?!</script>).)*plotly\.js v.*?</script>", "", text,
                  flags=re.S)
    for form in (f"{riket:.0f}", fmt.number(riket, 0, "sv"), fmt.number(riket, 0, "en")):
        # as a number of its own, not as digits inside another number (a float in a chart)
        assert not re.search(rf"(?<![\d.,\u00a0]){re.escape(form)}(?![\d])", body), form
