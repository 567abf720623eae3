"""The raw snapshot store (``data/raw``) and, re-exported from :mod:`benchmark.tableset`,
the processed table set (``data/processed``).

Raw snapshots are immutable HTTP response bodies with a JSON sidecar each (below); fetch
plans record which requests a ``fetch`` set out to make and whether it finished
(:func:`write_plan_record`), so ``process`` can refuse a half-fetched store.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from benchmark.config import Settings, get_settings
from benchmark.errors import DataError
from benchmark.files import (
    atomic_write_bytes,
    file_lock,
    loads_json,
    read_json_file,
    sha256_hex,
)

__all__ = [
    "PROCESSED_TABLES", "Snapshot", "atomic_write_bytes", "check_sidecar", "clean_partial",
    "find_snapshot", "get_snapshot", "iter_snapshots", "load_snapshot", "orphan_bodies",
    "partial_files", "plan_id", "plan_records", "processed_path", "raw_lock", "raw_read_lock",
    "read_manifest", "read_table", "save_snapshot", "sha256_hex", "utc_now", "verify_snapshot",
    "write_plan_record", "write_table", "write_tables",
]


# ---------------------------------------------------------------------------------------------
# Raw snapshot store: data/raw/<source>/<kind>/<name>.json + <name>.meta.json
#
# A snapshot is one HTTP response body stored byte for byte, with a JSON sidecar recording
# where it came from (URL, method, request body, retrieval time, HTTP status, sha256 of the
# body, ``synthetic``). The sidecar is the commit marker: a body without a sidecar is an
# interrupted write and is ignored (and cleaned up by :func:`clean_partial`). Snapshots are
# immutable: :func:`save_snapshot` never replaces an existing one. Writers hold
# :func:`raw_lock` so two concurrent fetches keep the store consistent; readers that need a
# store nobody is writing to (``process``) hold :func:`raw_read_lock`.

BODY_SUFFIX = ".json"
META_SUFFIX = ".meta.json"
PLAN_DIR = "plans"
PLAN_SUFFIX = ".plan"
_ID_RE = re.compile(r"^[A-Za-z0-9_.+-]+(/[A-Za-z0-9_.+-]+)*$")
_SHA_RE = re.compile(r"^[0-9a-f]{64}$")

#: Sidecar fields and their types (required ones are added by :func:`save_snapshot`).
_SIDECAR_REQUIRED: dict[str, type | tuple[type, ...]] = {
    "id": str, "sha256": str, "bytes": int, "retrieved_at": str}
_SIDECAR_OPTIONAL: dict[str, type | tuple[type, ...]] = {
    "kind": str, "api": str, "label": str, "plan_key": str, "page": int, "method": str,
    "url": str, "status": int, "synthetic": bool, "attempts": int}


@dataclass(frozen=True)
class Snapshot:
    """A stored raw response: ``id`` (path under data/raw without suffix), paths, metadata."""

    id: str
    path: Path
    meta_path: Path
    meta: dict[str, Any]

    @property
    def synthetic(self) -> bool:
        return bool(self.meta.get("synthetic"))


def _paths(snapshot_id: str, settings: Settings) -> tuple[Path, Path]:
    if not _ID_RE.match(snapshot_id) or ".." in snapshot_id.split("/"):
        raise ValueError(f"invalid snapshot id {snapshot_id!r}")
    base = settings.raw_dir / snapshot_id
    return base.with_name(base.name + BODY_SUFFIX), base.with_name(base.name + META_SUFFIX)


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def check_sidecar(meta: Any, snapshot_id: str, meta_path: Path) -> dict[str, Any]:
    """``meta`` if it is a sidecar of the expected shape, else :class:`DataError` naming
    ``meta_path`` and the field that is wrong."""
    where = f"raw snapshot sidecar {meta_path}"
    if not isinstance(meta, dict):
        raise DataError(f"{where} is not a JSON object (it holds {type(meta).__name__}); "
                        "delete it and its body and run `make data` again")
    absent = [key for key in _SIDECAR_REQUIRED if key not in meta]
    if absent:
        raise DataError(f"{where} lacks the field {absent[0]!r}; delete it and its body and "
                        "run `make data` again")
    for key, kind in {**_SIDECAR_REQUIRED, **_SIDECAR_OPTIONAL}.items():
        value = meta.get(key)
        if value is None and key in _SIDECAR_OPTIONAL:
            continue
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise DataError(f"{where}: field {key!r} should be {getattr(kind, '__name__', kind)}"
                            f", not {type(value).__name__}; delete it and its body and run "
                            "`make data` again")
    if not _SHA_RE.match(meta["sha256"]):
        raise DataError(f"{where}: field 'sha256' is not a hex SHA-256 digest")
    if meta["id"] != snapshot_id:
        raise DataError(f"{where} belongs to snapshot {meta['id']!r}, not to {snapshot_id!r} "
                        "(moved by hand?); move it back or delete it and its body")
    return meta


def _read_sidecar(meta_path: Path, snapshot_id: str) -> dict[str, Any]:
    meta = read_json_file(meta_path, f"raw snapshot sidecar {meta_path}")
    return check_sidecar(meta, snapshot_id, meta_path)


def find_snapshot(snapshot_id: str, settings: Settings | None = None) -> Snapshot | None:
    """The committed snapshot with this id (sidecar present and valid), else ``None``
    (so a fetch stores that response again)."""
    settings = settings or get_settings()
    body, meta_path = _paths(snapshot_id, settings)
    if not (meta_path.exists() and body.exists()):
        return None
    try:
        meta = _read_sidecar(meta_path, snapshot_id)
    except DataError:
        return None
    return Snapshot(snapshot_id, body, meta_path, meta)


def get_snapshot(snapshot_id: str, settings: Settings | None = None) -> Snapshot:
    """The committed snapshot with this id, or :class:`DataError` saying what is wrong."""
    settings = settings or get_settings()
    try:
        body, meta_path = _paths(snapshot_id, settings)
    except ValueError as exc:
        raise DataError(str(exc)) from None
    if not meta_path.exists():
        raise DataError(f"raw snapshot {snapshot_id} is not in {settings.raw_dir} (no "
                        f"{meta_path.name})")
    if not body.exists():
        raise DataError(f"raw snapshot {body} is missing but its sidecar {meta_path} exists")
    return Snapshot(snapshot_id, body, meta_path, _read_sidecar(meta_path, snapshot_id))


def save_snapshot(snapshot_id: str, content: bytes, meta: Mapping[str, Any],
                  settings: Settings | None = None) -> Snapshot:
    """Store one response atomically; an existing snapshot is returned, never overwritten.

    ``meta`` should hold url, method, body/params, status and headers-derived facts; this
    function adds ``id``, ``sha256``, ``bytes`` and ``retrieved_at`` (if absent).
    """
    settings = settings or get_settings()
    existing = find_snapshot(snapshot_id, settings)
    if existing is not None:
        return existing
    body_path, meta_path = _paths(snapshot_id, settings)
    full = {**meta, "id": snapshot_id, "sha256": sha256_hex(content), "bytes": len(content)}
    full.setdefault("retrieved_at", utc_now())
    check_sidecar(full, snapshot_id, meta_path)
    # Body first (an orphan body without sidecar is ignored), then the sidecar commits it.
    atomic_write_bytes(body_path, content)
    atomic_write_bytes(meta_path, json.dumps(full, ensure_ascii=False, indent=1).encode())
    return Snapshot(snapshot_id, body_path, meta_path, full)


def verify_snapshot(snapshot: Snapshot) -> bytes:
    """The snapshot's body after checking its sha256 against the sidecar.

    A mismatch (file edited by hand or damaged) or an unreadable file raises
    :class:`DataError` naming the file.
    """
    try:
        content = snapshot.path.read_bytes()
    except OSError as exc:
        raise DataError(f"raw snapshot {snapshot.path} cannot be read: {exc}") from None
    if sha256_hex(content) != snapshot.meta.get("sha256"):
        raise DataError(
            f"raw snapshot {snapshot.path} does not match the sha256 in its sidecar "
            f"{snapshot.meta_path.name} (edited or damaged); delete both files and run "
            "`make data` again"
        )
    return content


def load_snapshot(snapshot: Snapshot) -> Any:
    """Parse a snapshot's JSON body after checking its sha256 against the sidecar.

    A mismatch (file edited by hand or damaged), unreadable, truncated or too deeply
    nested JSON raises :class:`DataError` naming the file.
    """
    return loads_json(verify_snapshot(snapshot), f"raw snapshot {snapshot.path}")


def iter_snapshots(settings: Settings | None = None, prefix: str = "") -> Iterator[Snapshot]:
    """Every committed snapshot under data/raw (optionally under ``prefix``), sorted by id.

    A sidecar that is not valid JSON or not of the sidecar schema raises
    :class:`DataError` naming it.
    """
    settings = settings or get_settings()
    root = settings.raw_dir
    if not root.exists():
        return
    for meta_path in sorted(root.rglob(f"*{META_SUFFIX}")):
        if meta_path.name.startswith("."):
            continue
        rel = meta_path.relative_to(root).as_posix()[: -len(META_SUFFIX)]
        if prefix and not rel.startswith(prefix):
            continue
        meta = _read_sidecar(meta_path, rel)
        body = meta_path.with_name(meta_path.name[: -len(META_SUFFIX)] + BODY_SUFFIX)
        if not body.exists():
            raise DataError(f"raw snapshot {body} is missing but its sidecar {meta_path} exists")
        yield Snapshot(rel, body, meta_path, meta)


def _is_orphan(path: Path) -> bool:
    name = path.name
    return (name.endswith(BODY_SUFFIX) and not name.endswith(META_SUFFIX)
            and not name.startswith(".")
            and not path.with_name(name[: -len(BODY_SUFFIX)] + META_SUFFIX).exists())


def orphan_bodies(settings: Settings | None = None) -> list[Path]:
    """Snapshot bodies without a sidecar (an interrupted write, or a sidecar deleted by hand)."""
    settings = settings or get_settings()
    root = settings.raw_dir
    if not root.exists():
        return []
    return sorted(p for p in root.rglob(f"*{BODY_SUFFIX}") if p.is_file() and _is_orphan(p))


def partial_files(settings: Settings | None = None) -> list[Path]:
    """Leftovers of interrupted writes: temp files and bodies without sidecar."""
    settings = settings or get_settings()
    root = settings.raw_dir
    if not root.exists():
        return []
    return sorted(p for p in root.rglob("*") if p.is_file() and (
        (p.name.startswith(".") and p.name.endswith(".tmp")) or _is_orphan(p)))


def clean_partial(settings: Settings | None = None) -> list[Path]:
    """Remove leftovers of interrupted writes (temp files, bodies without sidecar); call
    it only while holding :func:`raw_lock`."""
    removed = partial_files(settings)
    for path in removed:
        path.unlink(missing_ok=True)
    return removed


@contextmanager
def raw_lock(settings: Settings | None = None, timeout: float | None = None) -> Iterator[None]:
    """Exclusive lock on ``data/raw/.lock`` for the duration of a fetch (a writer)."""
    settings = settings or get_settings()
    with file_lock(settings.raw_dir / ".lock", timeout=timeout,
                   busy="another fetch holds {path}; try again later"):
        yield


@contextmanager
def raw_read_lock(settings: Settings | None = None, timeout: float | None = 0
                  ) -> Iterator[None]:
    """Shared lock on ``data/raw/.lock`` while reading the whole store (``process``).

    By default it does not wait: while a fetch is writing, :class:`DataError` says so.
    Creates nothing on disk (no lock file means no fetch has ever locked the store).
    """
    settings = settings or get_settings()
    with file_lock(settings.raw_dir / ".lock", shared=True, timeout=timeout, create=False,
                   busy="a fetch is writing to the raw store (it holds {path}); wait until it "
                   "has finished, then run this again"):
        yield


# ---------------------------------------------------------------------------------------------
# Fetch plans: data/raw/plans/<id>.plan (JSON)
#
# Written by ``fetch`` before its first request (``complete: false``) and again when it has
# every snapshot its plan needs (``complete: true`` with the ids). A fetch that was killed,
# or stopped by an error, leaves ``complete: false``; ``process`` then refuses to run.


def plan_id(years: list[int], kolada_url: str, scb_url: str) -> str:
    """Stable id of a fetch plan: the same years from the same servers map to one record."""
    canon = json.dumps([sorted(years), kolada_url, scb_url], ensure_ascii=True)
    return sha256_hex(canon.encode())[:16]


def _plan_path(pid: str, settings: Settings) -> Path:
    return settings.raw_dir / PLAN_DIR / f"{pid}{PLAN_SUFFIX}"


def write_plan_record(record: Mapping[str, Any], settings: Settings | None = None) -> Path:
    """Store (replace) one plan record atomically; returns its path."""
    settings = settings or get_settings()
    path = _plan_path(str(record["id"]), settings)
    atomic_write_bytes(path, json.dumps(dict(record), ensure_ascii=False, indent=1).encode())
    return path


def _check_plan(record: Any, path: Path) -> dict[str, Any]:
    fields = {"id": str, "years": list, "kolada_url": str, "scb_url": str, "complete": bool,
              "started_at": str, "snapshots": list}
    if not isinstance(record, dict):
        raise DataError(f"fetch plan record {path} is not a JSON object; delete it and run "
                        "`make data` again")
    for key, kind in fields.items():
        if not isinstance(record.get(key), kind):
            raise DataError(f"fetch plan record {path}: field {key!r} is missing or not "
                            f"{kind.__name__}; delete it and run `make data` again")
    if not all(isinstance(y, int) for y in record["years"]) or not all(
            isinstance(s, str) for s in record["snapshots"]):
        raise DataError(f"fetch plan record {path}: years must be integers and snapshots "
                        "strings; delete it and run `make data` again")
    return record


def plan_records(settings: Settings | None = None) -> list[dict[str, Any]]:
    """Every fetch plan record (validated), oldest start first."""
    settings = settings or get_settings()
    folder = settings.raw_dir / PLAN_DIR
    if not folder.is_dir():
        return []
    records = [_check_plan(read_json_file(p, f"fetch plan record {p}"), p)
               for p in sorted(folder.glob(f"*{PLAN_SUFFIX}")) if not p.name.startswith(".")]
    return sorted(records, key=lambda r: r["started_at"])


# ---------------------------------------------------------------------------------------------
# Processed tables (see benchmark.tableset); imported last, tableset reads raw sidecars.

from benchmark.tables import PROCESSED_TABLES  # noqa: E402
from benchmark.tableset import processed_path, read_manifest, read_table  # noqa: E402
from benchmark.tablewriter import write_table, write_tables  # noqa: E402
