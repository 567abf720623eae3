"""``doctor``: the live self-check against loopback servers in the v3 shape and in shapes
of a changed API (old member keys, an unknown field, a 422, a missing table, no server).

Each broken variant must give exactly one line that names what differs, and exit 1; the
v3-shape server gives all ok and exit 0. Nothing is written to the data folder.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from benchmark.cli import main
from benchmark.doctor import doctor
from benchmark.sources.emulator import ApiEmulator
from tests.apidata import fast_client, real_register_dataset
from tests.loopback import LoopbackServer, closed_port_settings

TODAY = date(2026, 12, 2)  # after the real catalogue's publication dates of 2025
YEARS = list(range(2015, 2026))


@pytest.fixture(scope="module")
def dataset(shared_data):
    """The real register, groups and KPI catalogue; values and population 2015–2025 (TAB638
    must reach back to the fetch's first year: see test_late_first_year_is_named)."""
    return real_register_dataset(shared_data, YEARS)


def _run(emulator: ApiEmulator, tmp_path: Path, **server: object):
    with LoopbackServer(emulator, **server) as srv:
        settings = srv.settings(tmp_path / "data")
        report = doctor(settings=settings, client=fast_client(settings, retries=2),
                        today=TODAY)
        paths = [r.path for r in srv.requests]
    assert not (tmp_path / "data").exists()  # doctor writes nothing
    return report, paths


def _not_ok(report) -> list[str]:
    return [c.line() for c in report.checks if c.status != "ok"]


def test_v3_shape_server_all_ok(dataset, tmp_path) -> None:
    report, paths = _run(ApiEmulator(dataset), tmp_path)
    assert report.ok and _not_ok(report) == []
    text = report.render()
    lines = text.splitlines()
    assert len(lines) == 9 and lines[-1] == "all checks passed"
    assert lines[0].startswith("ok           Kolada KPI metadata: 21 LSS KPIs, publ_period "
                               "2025: newest published year 2025")
    assert "N28892 2025: values for 290 municipalities and Riket" in lines[1]
    assert '"Mindre stad/tätort (ovägt medel)"' in lines[2] and "member_id/member_title" in lines[2]
    assert "maxDataCells 150000, 30 calls per 10 s" in lines[3]
    assert "TAB6471 2025M12: December figures for 2025" in lines[5]
    assert "TAB6471 Riket 2025: 202 cells by single age and sex" in lines[6]
    # Kolada: 1 (publ_period) + 1 register + 1 groups + 3 KPI chunks + 38 data pages
    # (59 KPIs × 11 years × 291 units = 188 859 values, ≤ 25 ids per segment, 5 000 per page);
    # SCB: TAB6471 and TAB638 metadata + /config + 4 TAB638 (2015–2024) + 1 TAB6471 (2025)
    assert lines[7].startswith("budget       a full `make data` for 2015–2025 needs 52 "
                               "requests (Kolada 44, SCB 8)")
    assert len(paths) == 7  # a handful of small requests


def test_budget_is_what_a_fresh_fetch_makes(dataset, tmp_path) -> None:
    """The budget doctor prints is the exact number of requests `make data` (no YEARS)
    then makes against the same server."""
    from benchmark.fetch import fetch

    emulator = ApiEmulator(dataset, calls_per_window=1000, window_s=1)
    report, _ = _run(emulator, tmp_path)
    with LoopbackServer(emulator) as srv:
        settings = srv.settings(tmp_path / "fetched")
        summary = fetch(settings=settings, client=fast_client(settings), today=TODAY,
                        progress=False)
        n = len(srv.requests)
    assert summary.years == YEARS
    assert n == summary.http_attempts == summary.minimum_requests == 52
    assert "needs 52 requests" in report.budget


def test_late_first_year_is_named(shared_data, tmp_path) -> None:
    """An SCB whose TAB638 starts in 2023: doctor names it and budgets 2023–2025, the years
    a `make data` without YEARS then takes (it used to ask for 2015 and get a 400)."""
    from benchmark.fetch import fetch

    emulator = ApiEmulator(real_register_dataset(shared_data, [2023, 2024, 2025]),
                           calls_per_window=1000, window_s=1)
    report, _ = _run(emulator, tmp_path)
    assert _one_difference(report) == (
        "differs      SCB TAB638 metadata: TAB638 starts in 2023, not 2015 or before (fetch "
        "still works: a `make data` without YEARS starts in 2023; SCB refuses YEARS before it)")
    assert "a full `make data` for 2023–2025 needs" in report.budget
    with LoopbackServer(emulator) as srv:
        settings = srv.settings(tmp_path / "fetched")
        summary = fetch(settings=settings, client=fast_client(settings), today=TODAY,
                        progress=False)
    assert summary.years == [2023, 2024, 2025] and summary.missing == []
    assert summary.year_choice.endswith("; from 2023, TAB638's first year (not 2015)")
    assert f"needs {summary.http_attempts} requests" in report.budget


def _one_difference(report) -> str:
    bad = _not_ok(report)
    assert len(bad) == 1, bad
    assert not report.ok and report.render().splitlines()[-1] == (
        f"1 of {len(report.checks)} checks did not pass")
    return bad[0]


def test_old_member_shape_is_named(dataset, tmp_path) -> None:
    report, _ = _run(ApiEmulator(dataset, member_shape="v2"), tmp_path)
    line = _one_difference(report)
    assert line.startswith("differs      Kolada municipality group: group members use the v2 "
                           "keys 'id'/'title' instead of 'member_id'/'member_title'")
    assert line.endswith("(27 of 27 members) (fetch still works: it reads both member shapes)")


def test_unknown_field_is_named(dataset, tmp_path) -> None:
    def add_field(path: str, data: dict) -> dict:
        if "/data/" in path:
            for item in data["values"]:
                for v in item["values"]:
                    v["quality"] = "A"
        return data

    report, _ = _run(ApiEmulator(dataset), tmp_path, patch=add_field)
    line = _one_difference(report)
    assert line == ("differs      Kolada data: unknown field 'quality' in value entries (fetch "
                    "still works: it ignores unknown fields)")


def test_422_is_named_with_url_and_message(dataset, tmp_path) -> None:
    """A Kolada that lowered its path-segment limit to 20 refuses the 21-KPI request."""
    report, paths = _run(ApiEmulator(dataset, max_items_per_segment=20), tmp_path)
    line = _one_difference(report)
    assert line.startswith("differs      Kolada KPI metadata: HTTP 422 from http://127.0.0.1:")
    assert "/v3/kpi/N28801," in line
    assert "too many items in one path segment (21 > 20)" in line
    assert "fetch would stop here" in line
    assert sum("/v3/kpi/" in p for p in paths) == 1  # one attempt
    assert "the newest year could not be asked" in report.budget


def test_missing_table_is_named(dataset, tmp_path) -> None:
    report, _ = _run(ApiEmulator(dataset, tables=("TAB638",)), tmp_path)
    line = _one_difference(report)
    assert line.startswith("differs      SCB TAB6471 metadata: HTTP 404 from ")
    assert "/api/v2/tables/TAB6471/metadata?lang=sv: Non-existent table" in line


def test_missing_december_is_named(dataset, tmp_path) -> None:
    """TAB6471 without 2025M12 while Kolada has 2025: the fetch would cap at 2024."""
    def drop_december(path: str, data: dict) -> dict:
        if "TAB6471/metadata" in path:
            data["dimension"]["Tid"]["category"]["index"] = {"2025M11": 0}
            data["dimension"]["Tid"]["category"]["label"] = {"2025M11": "2025M11"}
        return data

    report, _ = _run(ApiEmulator(dataset), tmp_path, patch=drop_december)
    assert report.ok  # not an API change: SCB has simply not published December yet
    lines = report.render().splitlines()
    assert "TAB6471 2025M11: no December yet" in lines[5]
    assert "TAB638 Riket 2024" in lines[6]
    assert "for 2015–2024 needs" in report.budget


def test_unreachable_apis(tmp_path) -> None:
    settings = closed_port_settings(tmp_path)
    report = doctor(settings=settings, client=fast_client(settings, retries=2), today=TODAY)
    assert not report.ok
    assert [c.status for c in report.checks] == ["unreachable"] * 7
    assert "could not reach the Kolada API" in report.checks[0].detail
    assert report.checks[1].detail.startswith("not tried (Kolada could not be reached")


def test_cli_exit_codes(dataset, tmp_path, monkeypatch, capsys) -> None:
    """`python -m benchmark doctor`: exit 0 when all pass, 1 with a changed API."""
    for emulator, code in ((ApiEmulator(dataset, calls_per_window=1000, window_s=1), 0),
                           (ApiEmulator(dataset, member_shape="v2"), 1)):
        with LoopbackServer(emulator) as srv:
            monkeypatch.setenv("BENCHMARK_KOLADA_URL", srv.kolada_url)
            monkeypatch.setenv("BENCHMARK_SCB_URL", srv.scb_url)
            assert main(["doctor", "--data-dir", str(tmp_path / "d")]) == code
        out = capsys.readouterr().out
        assert ("all checks passed" in out) == (code == 0)
    assert not (tmp_path / "d").exists()
