"""Replay of real recorded material (``../shared/data``) through the real client, store and
``process``.

Served over HTTP on 127.0.0.1:

* Kolada: the real municipality register, the real 3 630 groups of
  ``kolada/municipality_groups_members.csv`` in the v3 member shape
  (``member_id``/``member_title``) and the real KPI catalogue rows of ``kpi_list.csv``
  (every v3 field, ``publ_period`` 2025 published 2026-04-11/15). LSS values are not
  recorded anywhere, so they are the synthetic ones of ``tests/apidata.py``.
* SCB, byte for byte as recorded: ``/config`` (``config.json``), TAB6471's metadata
  (2025M01–2026M04), and the json-stat2 data answers ``TAB638_data.json`` (one cell:
  Riket, ogifta, age 0, män, 2024 = 50 937) and ``TAB6471_data.json`` (21 län × ten-year
  age groups × 2026M01–M04) for every population request of those tables.

``fetch`` is run without years, so the years come from the recorded metadata too.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date

import polars as pl
import pytest

from benchmark.doctor import doctor
from benchmark.errors import DataError
from benchmark.fetch import fetch
from benchmark.process import process
from benchmark.sources.emulator import ApiEmulator
from benchmark.store import iter_snapshots, read_manifest, read_table
from tests.apidata import fast_client, real_register_dataset
from tests.loopback import LoopbackServer

G39684 = ["0181", "0682", "0880", "1080", "1290", "1485", "1496"]
TODAY = date(2026, 12, 2)


@pytest.fixture(scope="module")
def recordings(shared_data) -> dict[str, bytes]:
    v2 = shared_data / "scb" / "pxweb_v2"
    return {"/api/v2/config": (v2 / "config.json").read_bytes(),
            "/tables/TAB6471/metadata": (v2 / "TAB6471_metadata.json").read_bytes(),
            "/tables/TAB638/data": (v2 / "TAB638_data.json").read_bytes(),
            "/tables/TAB6471/data": (v2 / "TAB6471_data.json").read_bytes()}


@pytest.fixture(scope="module")
def replay(shared_data, recordings, tmp_path_factory):
    dataset = real_register_dataset(shared_data, list(range(2015, 2026)), synthetic=False)
    emu = ApiEmulator(dataset, calls_per_window=1000, window_s=1)
    with LoopbackServer(emu, recorded=recordings) as srv:
        settings = srv.settings(tmp_path_factory.mktemp("replay"))
        summary = fetch(settings=settings, client=fast_client(settings), today=TODAY,
                        progress=False)
        # the recordings hold one population cell: process refuses the gaps (issue #18)
        # unless told to go ahead, and then marks the set as partial
        with pytest.raises(DataError, match=r"population \(SCB\) does not cover"):
            process(settings=settings)
        done = process(settings=settings, allow_partial=True)
        report = doctor(settings=srv.settings(tmp_path_factory.mktemp("doctor")),
                        client=fast_client(settings), today=TODAY)
    return settings, summary, done, report


def test_years_come_from_the_recorded_metadata(replay) -> None:
    _settings, summary, _done, _r = replay
    assert summary.years == list(range(2015, 2026))
    assert summary.year_choice.startswith(
        "2015–2025: Kolada has published LSS figures through 2025; SCB population through "
        "2025 (TAB6471 has 2025M12)")
    assert summary.missing == []
    # the recorded /config (pxwebpy edited it to 3 calls per second) set the SCB limit
    assert not [n for n in summary.notes if "differs" in n]


def test_real_groups_in_the_v3_shape_resolve_g39684(replay) -> None:
    settings, _s, _d, _r = replay
    groups = read_table("peer_groups", settings)
    g = groups.filter(pl.col("group_id") == "G39684")
    assert sorted(g["member"]) == G39684
    assert g["focus"].unique().to_list() == ["2482"]
    assert g["title"].unique().to_list() == ["Liknande kommuner LSS, Skellefteå, 2024"]
    assert groups["group_id"].n_unique() == 3630
    assert groups.filter(pl.col("kind") == "liknande_lss")["group_id"].n_unique() == 289
    munis = read_table("municipalities", settings)
    assert munis.height == 291


def test_the_groups_answer_really_was_in_the_v3_shape(replay) -> None:
    settings, _s, _d, _r = replay
    snap = next(s for s in iter_snapshots(settings) if s.meta["kind"] == "kolada-groups")
    data = json.loads(snap.path.read_bytes())
    members = [m for g in data["values"] for m in g["members"]]
    assert len(members) == 26573
    assert all(set(m) == {"member_id", "member_title"} for m in members)


def test_recorded_population_answers_are_stored_byte_for_byte(replay, recordings) -> None:
    settings, _s, _d, _r = replay
    snaps = [s for s in iter_snapshots(settings) if s.meta["kind"] == "scb-population"]
    by_table = {}
    for s in snaps:
        by_table.setdefault(s.meta["info"]["table"], set()).add(s.meta["sha256"])
    assert by_table == {
        "TAB638": {hashlib.sha256(recordings["/tables/TAB638/data"]).hexdigest()},
        "TAB6471": {hashlib.sha256(recordings["/tables/TAB6471/data"]).hexdigest()},
    }
    assert len(snaps) == 5  # 4 TAB638 requests (2015–2024) + 1 TAB6471 (2025)


def test_process_reads_the_recorded_cells(replay) -> None:
    """TAB638's one recorded cell becomes the one population row; TAB6471's recording
    (ten-year groups of län) holds no single-age cell and process says so."""
    settings, _s, done, _r = replay
    pop = read_table("population", settings)
    assert pop.select("municipality", "year", "sex", "age", "population").rows() == [
        ("0000", 2024, "M", 0, 50937)]
    tab6471 = [w for w in done.warnings if "scb/population/TAB6471" in w]
    assert len(tab6471) == 1
    assert "holds no cell of a single year of age and sex (Alder codes 0-9, 10-19" in (
        tab6471[0])
    assert "on 31 December (Tid 2026M01–2026M04; a year counts as YYYY or YYYYM12)" in (
        tab6471[0])
    assert any(m.startswith("SCB population 2024 for 290 municipality") for m in done.missing)
    assert read_manifest(settings)["complete"] is False
    lss = read_table("lss", settings)
    assert sorted(lss["year"].unique()) == list(range(2015, 2026))


def test_the_kpi_answer_kept_the_real_catalogue_fields(replay) -> None:
    settings, _s, _d, _r = replay
    snap = next(s for s in iter_snapshots(settings) if "publication-2026-12-02" in s.id)
    items = json.loads(snap.path.read_bytes())["values"]
    assert len(items) == 21
    n28892 = next(i for i in items if i["id"] == "N28892")
    assert (n28892["publ_period"], n28892["publication_date"]) == ("2025", "2026-04-15")


def test_doctor_names_the_recorded_default_selection(replay) -> None:
    """The recorded TAB6471 data answer is SCB's default selection (ten-year groups of
    län), not the single ages asked for: doctor's data check says exactly that."""
    _settings, _s, _d, report = replay
    bad = [c.line() for c in report.checks if c.status != "ok"]
    assert bad == ["differs      SCB population data: TAB6471 data for Riket 2025: 0 "
                   "single-age cells, expected 202"]
    ok = {c.name: c.detail for c in report.checks if c.status == "ok"}
    assert ok["SCB TAB6471 metadata"].startswith(
        "TAB6471 2025M01–2026M04: December figures for 2025")
    assert ok["SCB /config"] == "maxDataCells 150000, 3 calls per 1 s"
