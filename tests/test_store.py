"""Raw snapshot store and processed-table writer: atomic, immutable, locked, verified."""

from __future__ import annotations

import json
import threading
import time

import polars as pl
import pytest

from benchmark.config import get_settings
from benchmark.errors import DataError
from benchmark.store import (
    clean_partial,
    find_snapshot,
    iter_snapshots,
    load_snapshot,
    raw_lock,
    read_manifest,
    read_table,
    save_snapshot,
    sha256_hex,
    write_table,
    write_tables,
)
from tests.processed_fixture import processed_state


@pytest.fixture
def settings(tmp_path):
    return get_settings(data_dir=tmp_path)


def test_save_records_provenance_and_never_overwrites(settings) -> None:
    body = b'{"values": [], "count": 0}'
    snap = save_snapshot("kolada/data/x-p1", body, {"url": "http://k/v3/x", "method": "GET",
                                                    "status": 200, "synthetic": True}, settings)
    assert snap.path == settings.raw_dir / "kolada/data/x-p1.json"
    meta = json.loads(snap.meta_path.read_text())
    assert meta["sha256"] == sha256_hex(body) and meta["bytes"] == len(body)
    assert meta["url"] == "http://k/v3/x" and meta["retrieved_at"].endswith("Z")
    assert snap.synthetic
    again = save_snapshot("kolada/data/x-p1", b'{"other": 1}', {"url": "u"}, settings)
    assert again.path.read_bytes() == body and again.meta["url"] == "http://k/v3/x"
    assert load_snapshot(find_snapshot("kolada/data/x-p1", settings)) == {"values": [],
                                                                          "count": 0}


def test_hand_edited_snapshot_is_detected(settings) -> None:
    snap = save_snapshot("scb/config/c-p1", b'{"maxDataCells": 150000}', {}, settings)
    snap.path.write_bytes(b'{"maxDataCells": 999999}')
    with pytest.raises(DataError, match=r"c-p1\.json.*sha256"):
        load_snapshot(find_snapshot("scb/config/c-p1", settings))


def test_truncated_snapshot_is_detected(settings) -> None:
    body = b'{"values": [1, 2'
    save_snapshot("kolada/data/t-p1", body, {}, settings)
    with pytest.raises(DataError, match=r"t-p1\.json is not valid JSON"):
        load_snapshot(find_snapshot("kolada/data/t-p1", settings))


def test_partial_writes_are_invisible_and_cleaned(settings) -> None:
    save_snapshot("kolada/data/ok-p1", b"{}", {}, settings)
    folder = settings.raw_dir / "kolada/data"
    (folder / ".ok2-p1.json.abc.tmp").write_bytes(b"{")  # killed during a write
    (folder / "orphan-p1.json").write_bytes(b"{}")  # body written, sidecar not yet
    assert find_snapshot("kolada/data/orphan-p1", settings) is None
    assert [s.id for s in iter_snapshots(settings)] == ["kolada/data/ok-p1"]
    removed = {p.name for p in clean_partial(settings)}
    assert removed == {".ok2-p1.json.abc.tmp", "orphan-p1.json"}
    assert sorted(p.name for p in folder.iterdir()) == ["ok-p1.json", "ok-p1.meta.json"]


def test_invalid_snapshot_ids_are_refused(settings) -> None:
    for bad in ("../escape", "a//b", "a b"):
        with pytest.raises(ValueError):
            save_snapshot(bad, b"{}", {}, settings)


def test_lock_serialises_writers(settings) -> None:
    order: list[str] = []

    def second() -> None:
        with raw_lock(settings):
            order.append("second")

    with raw_lock(settings):
        t = threading.Thread(target=second)
        t.start()
        time.sleep(0.2)
        order.append("first-done")
    t.join(5)
    assert order == ["first-done", "second"]


def test_lock_timeout(settings) -> None:
    errors: list[Exception] = []

    def contender() -> None:
        try:
            with raw_lock(settings, timeout=0.1):
                pass
        except DataError as exc:
            errors.append(exc)

    with raw_lock(settings):
        t = threading.Thread(target=contender)
        t.start()
        t.join(5)
    assert len(errors) == 1 and ".lock" in str(errors[0])


def test_write_tables_all_or_nothing(settings, monkeypatch) -> None:
    a = pl.DataFrame({"municipality": ["0180"], "name": ["A"]})
    groups = pl.DataFrame({"group_id": ["G1"], "title": ["T"], "kind": ["other"],
                           "member": ["0180"]})
    write_tables({"municipalities": a, "peer_groups": groups}, settings,
                 snapshots={"municipalities": ["s1"]}, synthetic=False)
    before = processed_state(settings)
    calls = {"n": 0}
    real = pl.DataFrame.write_parquet

    def failing(self, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise OSError("disk full")
        return real(self, *args, **kwargs)

    monkeypatch.setattr(pl.DataFrame, "write_parquet", failing)
    b = pl.DataFrame({"municipality": ["2482"], "name": ["B"]})
    with pytest.raises(DataError, match=r"peer_groups\.parquet: disk full"):
        write_tables({"municipalities": b, "peer_groups": groups}, settings)
    assert processed_state(settings) == before  # nothing replaced, no temp folder left
    assert read_table("municipalities", settings).equals(a)


def test_write_table_updates_manifest(settings) -> None:
    df = pl.DataFrame({"municipality": ["0180", "2482"], "name": ["Stockholm", "Skellefteå"]})
    save_snapshot("kolada/municipality/m-p1", b"{}", {"kind": "kolada-municipality"}, settings)
    write_table("municipalities", df, settings, snapshots=["kolada/municipality/m-p1"],
                synthetic=True)
    assert read_table("municipalities", settings).equals(df)
    m = read_manifest(settings)
    assert m["synthetic"] is True and m["snapshots"] == ["kolada/municipality/m-p1"]
    assert m["tables"]["municipalities"]["rows"] == 2
    assert m["tables"]["municipalities"]["columns"] == {"municipality": "String",
                                                       "name": "String"}


def test_atomic_write_gives_ordinary_permissions(tmp_path) -> None:
    import os
    import stat

    from benchmark.store import atomic_write_bytes

    old = os.umask(0o022)
    try:
        target = tmp_path / "report.html"
        atomic_write_bytes(target, b"<html></html>")
    finally:
        os.umask(old)
    assert stat.S_IMODE(target.stat().st_mode) == 0o644
    assert target.read_bytes() == b"<html></html>"
