"""Writing the processed set: whole into a fresh folder, switched with one rename.

The layout and the reading side are in :mod:`benchmark.tableset`. A writer
(:func:`write_tables`) holds ``.lock``, writes every table and the manifest into
``sets/.tmp-<id>``, flushes them to disk, renames the folder to ``sets/<id>`` and then points
``current`` at it by renaming a new symlink over the old one. Killed at any moment,
``current`` names either the old complete set or the new complete set, never a mixture.
The previous set is kept (a reader that opened it a moment ago can finish); older ones are
removed.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
from collections.abc import Mapping
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl

from benchmark.config import Settings, get_settings
from benchmark.errors import DataError
from benchmark.files import describe_os_error, file_lock, fsync_dir, sha256_hex
from benchmark.tables import PROCESSED_TABLES, schema
from benchmark.tableset import (
    CORE_FIELDS,
    CURRENT,
    FORMAT,
    LOCK_WAIT_S,
    MANIFEST,
    SETS,
    ProcessedSet,
    current_dir,
    open_set,
)

__all__ = ["clean_stale", "write_table", "write_tables"]


def _new_id() -> str:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S.%fZ")
    return f"{stamp}-{secrets.token_hex(3)}"


def _lock(settings: Settings) -> AbstractContextManager[bool]:
    return file_lock(settings.processed_dir / ".lock", timeout=LOCK_WAIT_S,
                     busy="another `process` has held {path} for "
                     f"{LOCK_WAIT_S:.0f} s; try again when it has finished")


def clean_stale(settings: Settings) -> list[Path]:
    """Remove what interrupted writers left behind (call it holding the writer lock):
    ``sets/.tmp-*`` folders, ``.current-*`` links and old-layout ``.*.tmp`` files."""
    root = settings.processed_dir
    removed: list[Path] = []
    candidates = list((root / SETS).glob(".tmp-*")) if (root / SETS).is_dir() else []
    candidates += [p for p in root.glob(".*") if p.name.endswith(".tmp")
                   or p.name.startswith(".current-")]
    for path in candidates:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
        removed.append(path)
    return removed


def _fsync_file(path: Path) -> None:
    with open(path, "rb") as fh:
        os.fsync(fh.fileno())


def _switch(settings: Settings, set_id: str) -> None:
    """Point ``current`` at ``sets/<set_id>`` with one rename (a copied real folder named
    ``current`` is moved into ``sets/`` first)."""
    root = settings.processed_dir
    link = root / CURRENT
    if link.is_dir() and not link.is_symlink():
        os.rename(link, root / SETS / f"copied-{_new_id()}")
    tmp_link = root / f".current-{set_id}"
    tmp_link.unlink(missing_ok=True)
    os.symlink(f"{SETS}/{set_id}", tmp_link)
    try:
        os.replace(tmp_link, link)
    except BaseException:
        tmp_link.unlink(missing_ok=True)
        raise
    fsync_dir(root)


def _prune(settings: Settings, keep: set[str]) -> None:
    """Remove sets other than ``keep`` and the tables of the old one-folder layout."""
    root = settings.processed_dir
    for path in (root / SETS).iterdir():
        if path.name not in keep and not path.name.startswith(".") and path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
    for name in (*PROCESSED_TABLES, "manifest"):
        legacy = root / (MANIFEST if name == "manifest" else f"{name}.parquet")
        if legacy.is_file() and not legacy.is_symlink():
            legacy.unlink(missing_ok=True)


def write_tables(tables: Mapping[str, pl.DataFrame], settings: Settings | None = None, *,
                 snapshots: Mapping[str, list[str]] | None = None, synthetic: bool = False,
                 extra: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Write a new processed set and make it current in one step.

    When ``tables`` lacks some of :data:`benchmark.tables.PROCESSED_TABLES`, the other tables
    of the current set are carried over unchanged (after checking their hashes); a current
    set that cannot be read then stops the write, because their provenance would be
    guessed. Any failure leaves the current set as it was.

    Parameters
    ----------
    tables
        Table name → frame (``process`` checks each against its schema first).
    settings
        The data folder (default :func:`benchmark.config.get_settings`).
    snapshots
        Table name → the raw snapshot ids it came from.
    synthetic
        Whether the data are the synthetic demo country.
    extra
        Further manifest fields (years, completeness, …).

    Returns
    -------
    dict
        The new set's manifest.

    Raises
    ------
    DataError
        Naming the path that could not be written.
    InputError
        For a table that is not in :data:`benchmark.tables.TABLES` (naming the valid ones).

    Examples
    --------
    >>> write_tables({"municipalities": munis}, settings, synthetic=True)  # doctest: +SKIP
    """
    for name in tables:  # only the catalogue's tables
        schema(name)
    settings = settings or get_settings()
    snapshots = snapshots or {}
    root = settings.processed_dir
    full = set(tables) >= set(PROCESSED_TABLES)
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DataError(f"cannot create {root}: {describe_os_error(exc)}") from None
    with _lock(settings):
        clean_stale(settings)
        current: ProcessedSet | None = None
        if current_dir(settings) is not None or (root / MANIFEST).exists():
            try:
                current = open_set(settings)
            except DataError:
                if not full:  # keep the provenance of the tables not rewritten: no guessing
                    raise
        set_id = _new_id()
        tmp = root / SETS / f".tmp-{set_id}"
        final = root / SETS / set_id
        path = tmp
        try:
            tmp.mkdir(parents=True)
            manifest = _fill_set(tmp, tables, snapshots, synthetic, extra, current, full)
            manifest["id"] = set_id
            path = tmp / MANIFEST
            with open(path, "wb") as fh:
                fh.write(json.dumps(manifest, ensure_ascii=False, indent=1).encode())
                fh.flush()
                os.fsync(fh.fileno())
            fsync_dir(tmp)
            path = final
            os.rename(tmp, final)
            fsync_dir(root / SETS)
            path = root / CURRENT
            _switch(settings, set_id)
        except (OSError, pl.exceptions.PolarsError) as exc:
            _discard(tmp, final, settings)
            reason = (describe_os_error(exc) if isinstance(exc, OSError)
                      else str(exc).splitlines()[0])
            raise DataError(f"cannot write the processed set ({path}: {reason}); the "
                            "previous set is unchanged") from None
        except BaseException:
            _discard(tmp, final, settings)
            raise
        keep = {set_id} | ({current.path.name} if current is not None else set())
        _prune(settings, keep)
    return manifest


def _discard(tmp: Path, final: Path, settings: Settings) -> None:
    """Remove a set that was not activated (``current`` still names another one)."""
    shutil.rmtree(tmp, ignore_errors=True)
    active = current_dir(settings)
    if final.exists() and (active is None or active.name != final.name):
        shutil.rmtree(final, ignore_errors=True)


def _fill_set(folder: Path, tables: Mapping[str, pl.DataFrame],
              snapshots: Mapping[str, list[str]], synthetic: bool,
              extra: Mapping[str, Any] | None, current: ProcessedSet | None,
              full: bool) -> dict[str, Any]:
    """Write the tables into ``folder`` (and carry over the current set's others);
    return the manifest (without ``id``)."""
    entries: dict[str, Any] = {}
    manifest: dict[str, Any] = {}
    if current is not None and not full:
        manifest.update({k: v for k, v in current.manifest.items() if k not in CORE_FIELDS})
        synthetic = synthetic or bool(current.manifest["synthetic"])
        for name, entry in current.manifest["tables"].items():
            if name not in tables:
                target = folder / entry["file"]
                target.write_bytes(current.read_bytes(name))
                _fsync_file(target)
                entries[name] = entry
    for name, df in tables.items():
        target = folder / f"{name}.parquet"
        try:
            df.write_parquet(target)
            _fsync_file(target)
            data = target.read_bytes()
        except (OSError, pl.exceptions.PolarsError) as exc:
            reason = (describe_os_error(exc) if isinstance(exc, OSError)
                      else str(exc).splitlines()[0])
            raise DataError(f"cannot write the processed set ({target}: {reason}); the "
                            "previous set is unchanged") from None
        entries[name] = {
            "file": target.name, "sha256": sha256_hex(data), "bytes": len(data),
            "rows": df.height, "columns": {c: str(t) for c, t in df.schema.items()},
            "snapshots": sorted(snapshots.get(name, [])),
        }
    manifest.update(extra or {})
    from benchmark.store import utc_now

    manifest.update({
        "format": FORMAT, "created": utc_now(), "tables": dict(sorted(entries.items())),
        "snapshots": sorted({s for e in entries.values() for s in e["snapshots"]}),
        "synthetic": bool(synthetic),
    })
    return manifest


def write_table(name: str, df: pl.DataFrame, settings: Settings | None = None, *,
                snapshots: list[str] | None = None, synthetic: bool = False) -> dict[str, Any]:
    """Replace one processed table (a new set with the others carried over)."""
    return write_tables({name: df}, settings, snapshots={name: snapshots or []},
                        synthetic=synthetic)
